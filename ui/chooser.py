"""The chooser in the Learn tab: "What are you training?" → the course's recommendation, why, and "Show me".

The data (tasks, recommendations, reasons, the scenes that demonstrate them and the claims that back every
fact of the reasons) lives in lessons/guide.py. "Show me" loads the scene through the app's one state path
(ui.state.apply_scene) and switches to the map; a toast names it.

Widget keys: chooser_task (the task pills), chooser_<id> (the "Show me" button of the chosen task).
"""

from __future__ import annotations

import html

import streamlit as st

from lessons.guide import CHOICES, HEADINGS
from optim_core.scene import Scene

from . import nav, state
from .text import _, fmt, lang, safe

TASK = "chooser_task"


def open_scene(scene: Scene, title: str) -> None:
    """Button callback: load a guide scene, show the map, say in a toast which one it is."""
    state.apply_scene(scene)
    st.session_state["tab"] = nav.tab_labels(lang().code)["trajectories"]
    st.toast(safe(fmt("On the map: {title}.", title=_(title))), icon=":material/map:")


def render() -> None:
    """Compact: one row of tasks, then the chosen task's recommendation, reason and button.

    Not a fragment: "Show me" replaces the scene and opens the map, which a full rerun draws anyway."""
    ss = st.session_state
    if ss.get(TASK) not in CHOICES:
        ss[TASK] = next(iter(CHOICES))
    with st.container(border=True, key="chooser"):
        st.html(f"<span class='chart-title'>{html.escape(_(HEADINGS['chooser']))}</span>")
        st.pills(
            _("Task"),
            list(CHOICES),
            key=TASK,
            required=True,
            format_func=lambda c: _(CHOICES[c].task),
            label_visibility="collapsed",
        )
        choice = CHOICES[ss[TASK]]
        text, button = st.columns([5, 1.2], gap="small", vertical_alignment="center")
        text.html(
            f"<div class='lesson-title'>→ {html.escape(_(choice.recommendation))}</div>"
            f"<div class='lesson-text'>{html.escape(_(choice.reason))}</div>"
            + (f"<div class='muted'>{html.escape(_(choice.caveat))}</div>" if choice.caveat else "")
        )
        button.button(
            _("Show me"),
            icon=":material/play_arrow:",
            key=f"chooser_{choice.id}",
            on_click=open_scene,
            args=(choice.scene, choice.recommendation),
            width="stretch",
        )
