"""Texts the surfaces declare as data, for the message catalogue (``python -m tools.i18n extract``):
every built-in surface's and curve's name and description, and its parameters' descriptions."""

from __future__ import annotations

from collections.abc import Iterator

from . import SURFACES, get_surface


def i18n_texts() -> Iterator[tuple[str, str]]:
    """(text, where) for every user-visible text declared in surfaces."""
    for entry in SURFACES.values():
        where = f"surfaces:{entry.id}"
        yield entry.name, f"{where}.name"
        surface = get_surface(entry.id)  # built with its default parameters
        yield surface.description, f"{where}.description"
        for p in entry.params:
            yield p.description, f"{where}.{p.name}"
