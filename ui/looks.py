"""This session's Look (look/): the theme from the link or the switch, the presentation scale, the language —
passed to every figure builder so the charts match the page and the exports match the charts."""

from __future__ import annotations

import streamlit as st

from look import NORMAL, PRESENTATION, Look, make_look

# the link's theme names → look/'s
THEME_IDS = {"light": "light", "dark": "dark", "contrast": "high_contrast"}


def current_look() -> Look:
    ss = st.session_state
    theme = THEME_IDS.get(str(ss.get("theme", "light")), "light")
    scale = PRESENTATION if ss.get("present") else NORMAL
    return make_look(theme, scale, str(ss.get("lang") or "en"))
