"""Resolving the scene for this run: from the link on a session's first run, else from the widgets."""

from __future__ import annotations

import streamlit as st

from optim_core import DIVERGENCE_BOUND
from optim_core.scene import Scene

from . import state

INIT = "_initialized"
LINK_ERROR = "_link_error"
LAST_SCENE = "_last_scene"


def _first_run() -> None:
    query = {k: st.query_params[k] for k in st.query_params}
    scene = Scene()
    if query:
        try:
            scene = Scene.from_query(query)
        except ValueError as exc:  # SpecError / FormulaError: one line
            st.session_state[LINK_ERROR] = str(exc)
            scene = Scene()
    state.load_scene(scene)
    st.session_state[LAST_SCENE] = scene
    st.session_state[INIT] = True


def current_scene() -> tuple[Scene, str | None]:
    """(a valid scene to show, a one-line problem with the widgets' scene or None)."""
    ss = st.session_state
    if not ss.get(INIT):
        _first_run()
    problem = None
    scene = state.scene_from_state()
    try:
        scene = scene.validated()
        for x, y in scene.start_points():
            if abs(x) > DIVERGENCE_BOUND or abs(y) > DIVERGENCE_BOUND:
                raise ValueError(f"start coordinates must be within ±{DIVERGENCE_BOUND:g}, got ({x:g}, {y:g})")
    except ValueError as exc:
        problem = str(exc)
        fallback = None
        if ss.get("surface") == state.CUSTOM and ss.get(state.LAST_FORMULA):
            # a rejected formula: keep showing the last valid one (the message sits under the box)
            try:
                fallback = scene.with_(surface=ss[state.LAST_FORMULA], surface_params={}).validated()
                problem = None if _formula_rejected() else problem
            except ValueError:
                fallback = None
        scene = fallback or ss.get(LAST_SCENE) or Scene()
    ss[LAST_SCENE] = scene
    return scene, problem


def _formula_rejected() -> bool:
    from surfaces import get_surface

    try:
        get_surface(str(st.session_state.get("formula", "")).strip())
        return False
    except ValueError:
        return True


def sync_url(scene: Scene) -> None:
    """Write the scene into the address bar (only when it changed)."""
    query = scene.to_query()
    current = {k: st.query_params[k] for k in st.query_params}
    if current != query:
        st.query_params.from_dict(query)


def link_notice() -> None:
    msg = st.session_state.pop(LINK_ERROR, None)
    if msg:
        st.warning(
            f"This link's scene could not be loaded ({msg}); showing the default scene instead.",
            icon=":material/link_off:",
        )
