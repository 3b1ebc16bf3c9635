"""Each run of the script starts here: the scene (from the link on a session's first run, else from the
widgets), validated once into a ResolvedScene, and the address bar kept in step with it."""

from __future__ import annotations

import logging

import streamlit as st

import i18n
from lessons import LESSONS
from optim_core.scene import ResolvedScene, Scene

from . import state, url
from .text import _, join

INIT = "_initialized"
LESSON = "_lesson"  # (lesson id, the scene key it loaded): shared with ui.header
LINK_ERROR = "_link_error"
LAST_GOOD = "_last_scene"
MAP_FIRST = "_map_first"  # the session's first run in a browser: the map is sent, the sidebar once it is drawn
MAP_AWAITED = "_map_awaited"  # this run mounted the playback bar asking it to report the drawn map
LOG = logging.getLogger("optimizer_playground")


def _query() -> dict[str, str]:
    return {k: st.query_params[k] for k in st.query_params}


def _state_key() -> str | None:
    try:
        return state.scene_from_state().resolve().key
    except ValueError:  # a scene the widgets cannot describe: no lesson to match
        return None


def first_run(tab_labels) -> None:
    """A session's first run: the link's scene and view (a bad link: the default scene and a message)."""
    ss = st.session_state
    query = _query()
    view = url.view_from_query(query)
    if "lang" not in query:
        try:
            browser = st.context.locale
        except Exception:
            browser = None
        view = view.with_(lang=i18n.negotiate(None, browser))
    scene = Scene()
    if view.lesson and not any(k in query for k in url.SCENE_KEYS):
        scene = LESSONS[view.lesson].scene
    elif any(k in query for k in url.SCENE_KEYS):
        try:
            scene = url.scene_from_query(query)
        except ValueError as exc:  # SpecError / FormulaError: one line
            ss[LINK_ERROR] = exc
        except Exception:  # never a traceback for a link
            LOG.exception("unexpected error reading a link")
            ss[LINK_ERROR] = i18n.UserError("this link could not be read")
    # Is the link's scene the lesson's, however the link spelled it (the app's links leave defaults out, e.g. a
    # default start)?  Both are compared as the widgets hold them: the lesson's scene loaded first.
    lesson_key = None
    if view.lesson:
        state.load_scene(LESSONS[view.lesson].scene)
        lesson_key = _state_key()
    state.load_scene(scene)
    ss["lang"] = view.lang
    state.load_view(view, tab_labels(view.lang), given=set(query))
    shown_key = _state_key() if view.lesson else None
    if view.lesson and shown_key is not None and shown_key == lesson_key:
        ss[LESSON] = (view.lesson, shown_key)
        ss["lesson_group"] = LESSONS[view.lesson].group
    ss[LAST_GOOD] = scene
    ss[MAP_FIRST] = _has_browser()
    ss[INIT] = True


def _has_browser() -> bool:
    """A browser opened this session (it sent HTTP headers). AppTest runs the script with none: it draws
    nothing and reports nothing, so its sessions get the whole page in their first run."""
    try:
        return bool(st.context.headers)
    except Exception:
        return False


def map_first() -> bool:
    """The session's first run in a browser: the map goes first, the sidebar follows once the browser has
    drawn it (ui.player reports the drawn map, which reruns the script).

    Measured in headless Chromium on the 2-core box: the sidebar's ~100 widgets cost the browser ~0.8 s of
    rendering before it draws the map (first chart 3.05 s with them, 2.27 s without; benchmarks/app.py)."""
    return bool(st.session_state.get(MAP_FIRST))


def sidebar_waits() -> bool:
    """At the end of a run: does the sidebar wait for the drawn map? Only in the session's first run, and only
    when that run mounted the playback bar that will report it (another tab, or a scene refused by the budget,
    gets its sidebar at once). Every later run draws the sidebar."""
    ss = st.session_state
    first, awaited = ss.pop(MAP_FIRST, False), ss.pop(MAP_AWAITED, False)
    return bool(first and awaited)


def current_scene() -> tuple[ResolvedScene, BaseException | None]:
    """(the resolved scene to show, the problem with the widgets' scene or None).

    When the widgets describe an invalid scene (a rejected formula, a bad number) the last valid scene is
    shown and the problem is reported; a rejected formula's message sits under the formula box instead."""
    ss = st.session_state
    problem: BaseException | None = None
    try:
        scene = state.scene_from_state()
        resolved = scene.resolve()
    except ValueError as exc:
        problem = exc
        resolved = None
    except Exception as exc:
        LOG.exception("unexpected error resolving the scene")
        problem = exc
        resolved = None
    if resolved is None:
        if ss.get("surface") == state.CUSTOM and state.current_surface() is None:
            problem = None  # the formula's own message is shown under the box
        last = ss.get(LAST_GOOD) or Scene()
        try:
            resolved = last.resolve()
        except Exception:
            resolved = Scene().resolve()
    ss[LAST_GOOD] = resolved.scene
    ss["_dim"] = resolved.dim
    return resolved, problem


def sync_url(scene: Scene, view: url.ViewState) -> None:
    """Write the scene and the view into the address bar (only when they changed)."""
    query = url.to_query(scene, view)
    if _query() != query:
        st.query_params.from_dict(query)


def link_problem(resolved: ResolvedScene) -> BaseException | None:
    """The bad link's message, shown while the page still shows the fallback scene it caused."""
    got = st.session_state.get(LINK_ERROR)
    if got is None:
        return None
    if isinstance(got, tuple):
        exc, key = got
        if key != resolved.key:
            st.session_state.pop(LINK_ERROR, None)
            return None
        return exc
    st.session_state[LINK_ERROR] = (got, resolved.key)  # the first run: remember which scene it stands for
    return got


def describe_link_problem(exc: BaseException) -> str:
    from .text import message

    return join(_("This link's scene could not be loaded; showing the default scene instead."), message(exc))
