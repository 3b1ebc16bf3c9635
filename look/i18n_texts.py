"""Texts of the look layer declared as data (theme names), for the message extractor (tools/i18n.py)."""

from __future__ import annotations

from collections.abc import Iterator

from .theme import THEMES


def i18n_texts() -> Iterator[tuple[str, str]]:
    for theme in THEMES.values():
        yield theme.label, f"look/theme.py: theme {theme.name}"
