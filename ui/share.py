"""Sharing: the whole scene lives in the URL; this shows the link with a copy button."""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from optim_core.scene import Scene

FALLBACK_BASE = "http://localhost:8501/"


def base_url() -> str:
    try:
        url = st.context.url or ""
    except Exception:
        url = ""
    return url.split("?", 1)[0] or FALLBACK_BASE


def scene_url(scene: Scene) -> str:
    return base_url() + "?" + urlencode(scene.to_query(), safe=",:;=")


def render(scene: Scene) -> None:
    with st.container(key="share_link"):
        st.markdown(
            "<span class='chart-title'>Share this scene</span> "
            "<span class='muted'>— the link restores exactly what you see (copy button on the right)</span>",
            unsafe_allow_html=True,
        )
        st.code(scene_url(scene), language=None, wrap_lines=True)
