"""Page header: the one-click lessons.

No ``help=`` on these buttons: in Streamlit 1.67 a button with a tooltip is rendered twice in the DOM, which
makes ``.st-key-preset_<name> button`` ambiguous for browser tests.
"""

from __future__ import annotations

import streamlit as st

from optim_core.scene import ResolvedScene

from . import state
from .presets import PRESETS
from .text import _

LESSON = "_lesson"


def load_preset(name: str) -> None:
    preset = PRESETS[name]
    state.apply_scene(preset.scene)
    # remember the scene as the widgets spell it (defaults implicit), to show the lesson while it is unchanged
    st.session_state[LESSON] = (name, state.scene_from_state().resolve().key)


def render(resolved: ResolvedScene) -> None:
    if not state.hidden("lessons"):
        row = st.container(horizontal=True, gap="xsmall", vertical_alignment="center", key="lessons_row")
        row.html(f"<span class='lessons-label'>{_('Lessons:')}</span>", width="content")
        for name, preset in PRESETS.items():
            row.button(_(preset.title), key=f"preset_{name}", on_click=load_preset, args=(name,))
    got = st.session_state.get(LESSON)
    if got and got[1] == resolved.key:
        st.info(_(PRESETS[got[0]].lesson), icon=":material/lightbulb:")
