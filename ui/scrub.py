"""Live scrubbing: while a run's hyperparameter slider is dragged, the map (a 1-D scene: its curve) redraws
that run's path at every value the thumb passes, before the release; the release then reruns the app and
draws the exact figure.

How (measured choices, see benchmarks/app.py):
- The sliders stay Streamlit's own select_sliders (ui.widgets.hyperparam_widget): their label with the LaTeX
  symbol, help text, exact value, keyboard, touch and ARIA are untouched, and the release writes the value
  into ``run<i>_<param>``, still the single source of truth.  Streamlit 1.67 sends a slider's value only on
  release (or on a key press), so nothing reruns during a drag.
- One hidden components-v2 element (scrub.js, in the page, no iframe) watches those sliders.  When the
  pointer enters one, touches it or focuses it, it asks for that slider's paths: a trigger that reruns only
  this element's fragment, which computes every slider value's path for that run in one vectorized call
  (viz.scrub; shared by every session through st.cache_data) and sends them as one binary blob (float32).
  Moving the slider keeps the blob's identity (it does not depend on the moved value), so the browser keeps it.
- While the thumb moves, scrub.js draws the dragged run's path and end marks for the value under the thumb
  in an overlay on the map, hiding the run's own traces — once per animation frame.  Measured in headless
  Chromium on the 6 runs × 500 steps scene: Plotly.restyle of one trace 150–250 ms per update,
  Plotly.animate (redraw false) 25–45 ms per frame with half the frames dropped, the overlay path < 1 ms.
  The overlay leaves when the new figure is drawn (or at once if the thumb comes back to its value).
- A value chosen without a drag (an arrow key, Home / End, a click on the track), or let go after a drag, is
  committed: scrub.js puts its path and end marks into the map's own traces (one Plotly.animate with redraw
  false, 20–40 ms) and the run's label (``legend_labels``) into the legend, so the map is the rerun's picture
  ~40 ms after the key instead of ~300 ms; the rerun's chart then replaces it with the same pixels (the e2e test
  compares them), and ui/hold.js keeps a map on screen while it does. Only when that is exact: the map must show
  the payload's path of the current value point for point (checked in the browser), carry no divergence or event
  marks, the new value must not diverge, and the step inspector must be off (``committable``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import streamlit as st

from look.fmt import num
from optim_core.scene import ResolvedScene
from viz.scrub import ScrubPaths, identity, pack, scrub_paths

from . import inspector
from .looks import current_look
from .text import _
from .widgets import slider_options, snap

KEY = "scrub"
REQUEST = "_scrub_request"
MAX_STRIDE = 10_001

_COMPONENT = st.components.v2.component(
    "optviz_scrub",
    html="<div class='sc-root' hidden></div>",
    js=(Path(__file__).with_name("scrub.js")).read_text(encoding="utf-8"),
)


def sliders(resolved: ResolvedScene) -> list[dict[str, Any]]:
    """The scrubbable sliders of the scene's runs: every float hyperparameter drawn as a select_slider."""
    ss = st.session_state
    out = []
    for i, r in enumerate(resolved.runs):
        for p in r.spec.hyperparams:
            key = f"run{i}_{p.name}"
            options = slider_options(p, ss.get(key, r.params.get(p.name, p.default)))
            if options is None:
                continue
            current = snap(float(ss.get(key, r.params.get(p.name, p.default))), options)
            out.append(
                {
                    "key": key,
                    "run": i,
                    "param": p.name,
                    "id": identity(resolved, i, p.name, options),
                    "n": len(options),
                    # the option the map shows now: the thumb back there ends the preview
                    "index": options.index(current) if current in options else -1,
                }
            )
    return out


@st.cache_data(max_entries=32, show_spinner=False)
def cached_paths(
    payload_id: str, stride: int, _resolved: ResolvedScene, run: int, param: str, values: tuple
) -> ScrubPaths:
    """The paths of one slider (cached across sessions: a class on the same lesson asks for the same ones)."""
    return scrub_paths(_resolved, run, param, list(values), stride=stride)


def payload(resolved: ResolvedScene, request: Any) -> tuple[ScrubPaths, dict[str, Any]] | None:
    """(the paths a request from the browser asks for, their header), or None for a request that names no
    slider of this scene (requests are input from the page: checked, never trusted)."""
    if not isinstance(request, dict):
        return None
    key, stride = request.get("key"), request.get("stride", 1)
    if not isinstance(stride, int) or isinstance(stride, bool) or not 1 <= stride <= MAX_STRIDE:
        stride = 1
    found = next((s for s in sliders(resolved) if s["key"] == key), None)
    if found is None:
        return None
    r = resolved.runs[found["run"]]
    p = r.spec.param(found["param"])
    options = slider_options(p, st.session_state.get(found["key"], r.params.get(p.name, p.default))) or []
    paths = cached_paths(found["id"], stride, resolved, found["run"], found["param"], tuple(options))
    return paths, paths.header(
        id=found["id"],
        key=found["key"],
        labels=[num(v) for v in options],
        legend=legend_labels(resolved, r, p.name, options),
    )


def legend_labels(resolved: ResolvedScene, run: Any, param: str, values: list) -> list[str] | None:
    """The legend's label of the run at each slider value (what ui.trajectories.legend writes after the rerun),
    or None when another run has the same optimizer: their labels name what tells them apart, which the value
    can change for both."""
    if sum(1 for other in resolved.runs if other.spec.name == run.spec.name) > 1:
        return None
    lang = current_look().lang
    return [dataclasses.replace(run, params={**run.params, param: v}).label_in(lang) for v in values]


def _on_want() -> None:
    value = (st.session_state.get(KEY) or {}).get("want")
    if value is not None:
        st.session_state[REQUEST] = value


def _texts() -> dict[str, str]:
    return {
        "run": _("Run {n}"),
        "diverged": _("diverged at step {step}"),
    }


def committable() -> bool:
    """May the browser put a released value's path into the map itself (scrub.js ``commit``) before the rerun
    draws it?  Not with the step inspector on: its vectors belong to the shown step of the drawn paths.  (The
    browser checks the rest: the map shows exactly the payload's path of the current value, at its last step,
    with no divergence or event marks, and the new value does not diverge.)"""
    return not inspector.is_on()


@st.fragment
def _scrub(resolved: ResolvedScene) -> None:
    request = st.session_state.pop(REQUEST, None)
    header = {"sliders": sliders(resolved), "text": _texts(), "commit": committable(), "v": 1}
    found = payload(resolved, request) if request is not None else None
    if found is None:
        data = pack(header)
    else:
        paths, head = found
        data = pack({**header, "payload": head}, paths.xy[:, 0], paths.xy[:, 1], paths.heads.reshape(-1))
    _COMPONENT(key=KEY, data=data, on_want_change=_on_want, height="content")


def mount(resolved: ResolvedScene) -> None:
    """The scrub element (invisible). Call once per run, after the sliders."""
    _scrub(resolved)
