"""A Look: the theme, the presentation scale and the language a figure or an export is drawn in.

Every figure builder (viz) and renderer (export) takes one ``look`` argument, so the same three choices reach
every colour, every font size and every word::

    look = make_look("high_contrast", scale=PRESENTATION, lang="zh")
    contour_figure(sv, runs, look=look)
    render_gif(surface, paths, look=look)

``scale`` multiplies font sizes, line widths and marker sizes (1.0 at a desk, 1.4 for a projector); the theme
may thicken lines and enlarge markers further (high contrast).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import i18n

from .theme import LIGHT, THEMES, Theme

NORMAL = 1.0
PRESENTATION = 1.4
SCALE_RANGE = (0.5, 3.0)


class LookError(i18n.UserError):
    """A theme, scale or language that does not exist."""


@dataclass(frozen=True, eq=False)
class Look:
    theme: Theme = LIGHT
    scale: float = NORMAL
    lang: i18n.Lang = field(default_factory=lambda: i18n.EN)

    def __post_init__(self) -> None:
        s = self.scale
        lo, hi = SCALE_RANGE
        if isinstance(s, bool) or not isinstance(s, (int, float)) or not math.isfinite(s) or not lo <= s <= hi:
            raise LookError(
                "the presentation scale must be a number from {lo} to {hi}, got {value}", lo=lo, hi=hi, value=s
            )
        object.__setattr__(self, "scale", float(s))

    # ---- sizes
    def font(self, size: float) -> int:
        """A font size (px) scaled for presentation."""
        return max(6, int(round(size * self.scale)))

    def line(self, width: float) -> float:
        """A line width scaled for presentation and the theme's weight."""
        return round(width * self.scale * self.theme.line_factor, 2)

    def marker(self, size: float) -> float:
        """A marker size scaled for presentation and the theme's weight."""
        return round(size * self.scale * self.theme.marker_factor, 2)

    # ---- colours
    def color_of(self, run: object) -> str:
        """A run's colour: its own if it has one, else the theme's colour for its index."""
        own = getattr(run, "color", "")
        return own or self.theme.run_color(int(getattr(run, "index", 0)))

    # ---- words
    def gettext(self, message: str) -> str:
        """A message in the look's language (English when untranslated).  Named gettext so that the message
        extractor (tools/i18n.py) sees ``look.gettext("…")``."""
        return self.lang.gettext(message)

    @property
    def font_family(self) -> str:
        return self.theme.font_family(self.lang.code)

    @property
    def key(self) -> str:
        """A short string that identifies the look (a cache key for the UI)."""
        return f"{self.theme.name}|{self.scale:g}|{self.lang.code}"

    def __repr__(self) -> str:
        return f"Look({self.key})"


DEFAULT = Look()


def make_look(theme: str = LIGHT.name, scale: float = NORMAL, lang: str | i18n.Lang = i18n.DEFAULT) -> Look:
    """A Look from user-facing names (a URL value, a CLI option): one-line LookError on a bad theme or scale."""
    if theme not in THEMES:
        raise LookError("unknown theme {name}; choose one of: {choices}", name=repr(theme), choices=", ".join(THEMES))
    if isinstance(lang, i18n.Lang):
        return Look(theme=THEMES[theme], scale=scale, lang=lang)
    code = i18n.normalize(lang)
    if code is None:
        raise LookError(
            "unknown language {name}; choose one of: {choices}", name=repr(lang), choices=", ".join(i18n.LANGS)
        )
    return Look(theme=THEMES[theme], scale=scale, lang=i18n.get(code))
