"""Practical tips in the Learn tab, as cards: the rule of thumb, what its scene shows, what no picture here can
show, and a button that opens the scene (data: lessons/guide.py).

Widget keys: tip_<id> (each card's "Show me" button).
"""

from __future__ import annotations

import html

import streamlit as st

from lessons.guide import HEADINGS, TIPS

from .chooser import open_scene
from .text import _, fmt

COLUMNS = 3


def render() -> None:
    st.html(f"<span class='chart-title'>{html.escape(_(HEADINGS['tips']))}</span>")
    tips = list(TIPS.values())
    for row in range(0, len(tips), COLUMNS):
        cols = st.columns(COLUMNS, gap="small")
        for col, tip in zip(cols, tips[row : row + COLUMNS]):
            with col, st.container(border=True, key=f"tip_card_{tip.id}", height="stretch"):
                shows = fmt("In the picture: {shows}", shows=_(tip.shows))  # one template: no space after "："
                body = (
                    f"<div class='lesson-title'>{html.escape(_(tip.title))}</div>"
                    f"<div class='lesson-text'><b>{html.escape(_(tip.tip))}</b></div>"
                    f"<div class='lesson-text'>{html.escape(shows)}</div>"
                )
                if tip.caveat:
                    body += f"<div class='muted'>{html.escape(_(tip.caveat))}</div>"
                st.html(body)
                st.button(
                    _("Show me"),
                    icon=":material/play_arrow:",
                    key=f"tip_{tip.id}",
                    on_click=open_scene,
                    args=(tip.scene, tip.title),
                )
