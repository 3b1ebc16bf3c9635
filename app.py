"""Optimizer Playground: watch SGD, Momentum, Adam, … move across a surface.

Thin wiring: the scene comes from the URL (first run) or the widgets, is validated, written back to the URL,
and handed to each tab's ``render(scene)``.  Adding a tab is one line in TABS.

    streamlit run app.py
"""

import streamlit as st

st.set_page_config(page_title="Optimizer Playground", page_icon="📉", layout="wide", initial_sidebar_state="expanded")

from ui import boot, explore, export, header, learn, sidebar, style, trajectories  # noqa: E402

TABS = {
    "Trajectories": trajectories.render,
    "Learn": learn.render,
    "Explore": explore.render,
    "Export": export.render,
}

style.inject()
scene, problem = boot.current_scene()
boot.sync_url(scene)
sidebar.render()
header.render()
boot.link_notice()
if problem:
    st.error(f"{problem} — showing the last valid scene.", icon=":material/warning:")
header.lesson_note(scene)

# Lazy tabs: only the open tab runs and is sent (the others cost nothing until clicked).
for tab, render in zip(st.tabs(list(TABS), key="tab", on_change="rerun"), TABS.values()):
    with tab:
        if tab.open is False:
            continue
        try:
            render(scene)
        except ValueError as exc:  # SpecError / FormulaError from any tab: a one-line message, never a traceback
            st.error(next((ln for ln in str(exc).splitlines() if ln.strip()), "invalid input"))
