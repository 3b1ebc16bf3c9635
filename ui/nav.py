"""The tabs of the page: ids (stable, used in links: ``tab=learn``) and their labels in each language."""

from __future__ import annotations

import i18n
from i18n import N_

TAB_MSGIDS = {
    "trajectories": N_("Trajectories"),
    "learn": N_("Learn"),
    "explore": N_("Explore"),
    "export": N_("Export"),
}


def tab_labels(lang: str) -> dict[str, str]:
    """Tab id → its label in the language."""
    _ = i18n.get(lang)
    return {tid: _(msgid) for tid, msgid in TAB_MSGIDS.items()}
