"""Sharing: the whole scene and what is being looked at live in the URL; this shows the link with a copy
button (st.code has one)."""

from __future__ import annotations

import streamlit as st

from optim_core.scene import ResolvedScene

from . import nav, state, url
from .text import _

FALLBACK_BASE = "http://localhost:8501/"


def base_url() -> str:
    try:
        address = st.context.url or ""
    except Exception:
        address = ""
    return address.split("?", 1)[0] or FALLBACK_BASE


def current_link(resolved: ResolvedScene) -> str:
    labels = nav.tab_labels(st.session_state.get("lang", "en"))
    from .header import active_lesson

    view = state.view_from_state({label: tid for tid, label in labels.items()}, resolved).with_(
        lesson=active_lesson(resolved)
    )
    return url.link(base_url(), resolved.scene, view)


def render(resolved: ResolvedScene) -> None:
    with st.container(key="share_link"):
        st.html(
            f"<span class='chart-title'>{_('Share this scene')}</span> "
            f"<span class='muted'>— {_('the link restores exactly what you see (copy button on the right)')}</span>"
        )
        st.code(current_link(resolved), language=None, wrap_lines=True)
