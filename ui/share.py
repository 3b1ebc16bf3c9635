"""Sharing: the whole scene and what is being looked at live in the URL; this shows the link with a copy
button (share.js beside this file: a read-only field and a button, no syntax-highlighter bundle)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from optim_core.scene import ResolvedScene

from . import nav, state, url
from .text import _

FALLBACK_BASE = "http://localhost:8501/"

HTML = """<div class="sh-root"><input class="sh-link" type="text" readonly spellcheck="false"/>
<button type="button" class="sh-copy">Copy</button></div>"""
CSS = """
.sh-root { display: flex; gap: 0.4rem; align-items: stretch; width: 100%; }
.sh-link { flex: 1 1 auto; min-width: 0; font-family: var(--st-code-font, monospace); font-size: 0.82rem;
  padding: 0.35rem 0.5rem; border: 1px solid var(--pl-border, #C8CDD6); border-radius: 0.4rem;
  background: var(--st-secondary-background-color, #F3F4F7); color: var(--st-text-color, #1F2430); }
.sh-copy { flex: 0 0 auto; border: 1px solid var(--pl-border, #C8CDD6); border-radius: 0.4rem; cursor: pointer;
  padding: 0.3rem 0.8rem; font: inherit; background: var(--st-background-color, #fff); color: inherit; }
.sh-copy:hover { border-color: var(--st-primary-color, #0072B2); }
"""
_COMPONENT = st.components.v2.component(
    "optviz_share", html=HTML, css=CSS, js=(Path(__file__).with_name("share.js")).read_text(encoding="utf-8")
)


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
        link = current_link(resolved)
        texts = {"copy": _("Copy"), "copied": _("Copied"), "select": _("Selected: press Ctrl+C")}
        _COMPONENT(key="share_box", data={"link": link, "label": _("Share this scene"), **texts}, height="content")
