"""Languages of the product: English and Simplified Chinese, from standard gettext catalogues.

Why gettext: it is Python's own (``gettext`` in the standard library reads the compiled ``.mo`` files),
translators' tools (Poedit, Weblate, Crowdin, Lokalize) read and write its ``.po`` files, and Babel
extracts the messages from the source.  The catalogue lives in ``i18n/locale/<lang>/LC_MESSAGES/``;
``python -m tools.i18n`` extracts, updates and compiles it (see CONTRIBUTING.md).

This package is the bottom layer: it imports nothing of the project, so every layer may use it.

* ``N_("text")`` marks a constant for extraction and returns it unchanged (declarations, module constants).
* ``lang = get("zh")``; ``lang("text")`` / ``lang.gettext("text")`` translates, ``lang.fmt(template, **p)``
  translates then formats.  Unknown text comes back unchanged (English).
* ``message(exc, lang)``: the translated one-line message of an exception (a :class:`UserError`'s
  template in the language, anything else as ``str(exc)``'s first line).
* ``negotiate(url_value, browser_locale)``: the language to show.
"""

from __future__ import annotations

import functools
import gettext as _gettext
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .errors import UserError, one_line

LANGS: tuple[str, ...] = ("en", "zh")
DEFAULT = "en"
DOMAIN = "messages"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
NAMES = {"en": "English", "zh": "中文"}


def N_(text: str) -> str:
    """Mark a constant string for translation (extraction only); returns it unchanged."""
    return text


class Lang:
    """One language: a gettext catalogue with a few conveniences."""

    def __init__(self, code: str, translations: _gettext.NullTranslations) -> None:
        self.code = code
        self._t = translations

    def gettext(self, text: str) -> str:
        if not text:
            return text
        return self._t.gettext(text)

    __call__ = gettext

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._t.ngettext(singular, plural, n)

    def fmt(self, template: str, /, **params: Any) -> str:
        """Translate a template, then fill it in (a broken translated placeholder falls back to English)."""
        translated = self.gettext(template)
        try:
            return translated.format(**params)
        except (KeyError, IndexError, ValueError):
            return template.format(**params)

    def join(self, parts: Iterable[str]) -> str:
        """Translated sentences one after another, as the language writes them: a space between them in
        English, nothing in Chinese (its 。 closes a sentence without one). Empty parts are left out."""
        return ("" if self.is_cjk else " ").join(p.strip() for p in parts if p and p.strip())

    @property
    def is_cjk(self) -> bool:
        return self.code == "zh"

    def __repr__(self) -> str:
        return f"Lang({self.code!r})"


@functools.cache
def get(code: str | None = None) -> Lang:
    """The language for a code ("en", "zh", also "zh-CN", "zh_Hans" …); unknown codes give English."""
    norm = normalize(code) or DEFAULT
    if norm == "en":
        return Lang("en", _gettext.NullTranslations())
    try:
        t: _gettext.NullTranslations = _gettext.translation(DOMAIN, LOCALE_DIR, languages=[norm])
    except OSError:  # catalogue missing (a broken install): English rather than a crash
        t = _gettext.NullTranslations()
    return Lang(norm, t)


def normalize(code: str | None) -> str | None:
    """ "zh-CN" / "zh_Hans_CN" / "ZH" → "zh"; "en-GB" → "en"; anything else → None."""
    if not isinstance(code, str):
        return None
    head = code.strip().replace("_", "-").split("-", 1)[0].lower()
    return head if head in LANGS else None


def negotiate(url_value: str | None, browser_locale: str | None) -> str:
    """The URL's ``lang=`` if valid, else the browser's language if we have it, else English."""
    return normalize(url_value) or normalize(browser_locale) or DEFAULT


def message(exc: BaseException, lang: Lang) -> str:
    """One line for the user: a UserError's template in the language, else the exception's first line."""
    if isinstance(exc, UserError):
        return one_line(exc.render(lang.gettext(exc.template)))
    text = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), "")
    return text or lang.gettext("Something went wrong with this input.")


EN = get("en")

__all__ = ["DEFAULT", "EN", "LANGS", "NAMES", "N_", "Lang", "UserError", "get", "message", "negotiate", "normalize"]
