"""The one error type for a user's mistake: a one-line English template plus its parameters.

Layers below the UI (surfaces, optim_core, export) raise subclasses of :class:`UserError` with a message
*template* (a constant string, so ``tools/i18n.py extract`` finds it) and keyword parameters::

    raise SpecError("{name} must be in {range}, got {value}", name="lr", range="(0, inf)", value="-1")

``str(exc)`` is the English sentence; the UI shows ``i18n.message(exc, lang)``, the same sentence from the
language's catalogue.  Parameters are inserted as given (format numbers before raising).  A template
without parameters is used verbatim, so it may contain braces.
"""

from __future__ import annotations

import re
from typing import Any

_SPACES = re.compile(r"[^\S\u00a0]+")  # whitespace except the no-break space a translation keeps on purpose


def one_line(text: str) -> str:
    """Runs of whitespace (newlines included) as one space; no-break spaces stay (e.g. '2/L\u00a0≈\u00a00.1')."""
    return _SPACES.sub(" ", text).strip()


class UserError(ValueError):
    """A user mistake (bad formula, hyperparameter, link, file…): one line, translatable."""

    def __init__(self, template: object = "", /, **params: Any) -> None:
        self.template = " ".join(str(template).split())
        self.params = dict(params)
        super().__init__(self.render(self.template))

    def render(self, template: str) -> str:
        """The template filled in, on one line (a parameter from a user may hold newlines)."""
        if not self.params:
            return template
        try:
            text = template.format(**self.params)
        except (KeyError, IndexError, ValueError):  # a translation with a broken placeholder: fall back to English
            text = self.template.format(**self.params)
        return one_line(text)

    def __str__(self) -> str:
        return self.render(self.template)
