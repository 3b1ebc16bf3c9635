"""Page header: the one-click presets (lessons).

No ``help=`` on these buttons: in Streamlit 1.67 a button with a tooltip is rendered twice in the DOM, which
makes ``.st-key-preset_<name> button`` ambiguous for browser tests.
"""

from __future__ import annotations

import streamlit as st

from .presets import PRESETS
from .state import load_scene, scene_from_state

LESSON = "_lesson"


def load_preset(name: str) -> None:
    preset = PRESETS[name]
    load_scene(preset.scene)
    # remember the scene as the widgets spell it (defaults implicit), to show the lesson while it is unchanged
    st.session_state[LESSON] = (name, scene_from_state().to_query())


def render() -> None:
    row = st.container(horizontal=True, gap="xsmall", vertical_alignment="center")
    row.markdown("<span class='lessons-label'>Lessons:</span>", unsafe_allow_html=True, width="content")
    for name, preset in PRESETS.items():
        row.button(preset.title, key=f"preset_{name}", on_click=load_preset, args=(name,))


def lesson_note(scene) -> None:
    """The loaded preset's one-sentence lesson, while the scene is still that preset."""
    got = st.session_state.get(LESSON)
    if got and got[1] == scene.to_query():
        st.info(PRESETS[got[0]].lesson, icon=":material/lightbulb:")
