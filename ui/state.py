"""The app state: widget values in st.session_state ⇄ a Scene ⇄ the URL.

Widgets are created with a ``key`` and no ``value``: session_state is the one
source of truth.  ``load_scene`` writes a whole Scene into the widget keys (a
link, a preset, add / remove run); ``scene_from_state`` reads them back.
Structural edits (add / duplicate / remove a run or a start, a new surface)
happen in widget callbacks, which run before the script renders the widgets,
the only moment Streamlit lets us set widget values.

Widget keys (stable; end-to-end tests use them):
  surface, formula, surface_<param>, steps, schedule, schedule_<param>, noise_std, noise_seed, clip_on, clip,
  run<i>_optimizer, run<i>_<param>, run<i>_duplicate, run<i>_remove, add_run,
  start<j>_x, start<j>_y, start<j>_remove, add_start, starts_reset, click_mode,
  view_x0, view_x1, view_y0, view_y1, view_reset, preset_<name>
"""

from __future__ import annotations

import contextlib
import math
from typing import Any

import streamlit as st

from optim_core import OPTIMIZERS, SCHEDULES, resolve_schedule
from optim_core.scene import MAX_RUNS, MAX_STARTS, RunConfig, Scene
from surfaces import BUILTINS, get_surface

CUSTOM = "custom"
N_RUNS = "_n_runs"
N_STARTS = "_n_starts"
LAST_FORMULA = "_last_good_formula"
PREV_SURFACE = "_prev_surface"
ADD_ORDER = (
    "sgd",
    "momentum",
    "adam",
    "rmsprop",
    "adagrad",
    "nesterov",
    "adamw",
    "nadam",
    "adadelta",
    "radam",
    "amsgrad",
    "adamax",
    "lion",
    "ftrl",
    "swats",
)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a) == bool(b)
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=0.0) or float(a) == float(b)
    except (TypeError, ValueError):
        return a == b


# ----------------------------------------------------------------------------- Scene → state
def write_run(i: int, run: RunConfig) -> None:
    ss = st.session_state
    ss[f"run{i}_optimizer"] = run.optimizer
    for name, value in run.resolved().items():
        ss[f"run{i}_{name}"] = value


def write_runs(runs: list[RunConfig]) -> None:
    st.session_state[N_RUNS] = len(runs)
    for i, r in enumerate(runs):
        write_run(i, r)


def write_starts(starts: list[tuple[float, float]]) -> None:
    ss = st.session_state
    ss[N_STARTS] = len(starts)
    for j, (x, y) in enumerate(starts):
        ss[f"start{j}_x"] = float(x)
        ss[f"start{j}_y"] = float(y)


def write_window(window) -> None:
    (x0, x1), (y0, y1) = window
    ss = st.session_state
    ss["view_x0"], ss["view_x1"], ss["view_y0"], ss["view_y1"] = float(x0), float(x1), float(y0), float(y1)


def load_scene(scene: Scene) -> None:
    """Write every widget value of a (valid) scene into session_state."""
    ss = st.session_state
    if scene.surface in BUILTINS:
        ss["surface"] = scene.surface
        for p in BUILTINS[scene.surface].params:
            ss[f"surface_{p.name}"] = float(scene.surface_params.get(p.name, p.default))
    else:
        ss["surface"] = CUSTOM
        ss["formula"] = scene.surface
        ss[LAST_FORMULA] = scene.surface
    ss[PREV_SURFACE] = ss["surface"]
    write_runs(list(scene.runs))
    write_starts(list(scene.start_points()))
    ss["steps"] = int(scene.steps)
    spec, params = resolve_schedule(dict(scene.schedule))
    ss["schedule"] = spec.id
    for k, v in params.items():
        ss[f"schedule_{k}"] = v
    ss["noise_std"] = float(scene.noise_std)
    ss["noise_seed"] = int(scene.noise_seed)
    ss["clip_on"] = scene.clip is not None
    ss["clip"] = float(scene.clip) if scene.clip is not None else 1.0
    write_window(scene.view_window())


# ----------------------------------------------------------------------------- state → Scene
def surface_id() -> str:
    """The surface as the Scene spells it: a built-in id, or the formula text."""
    ss = st.session_state
    if ss.get("surface", "rosenbrock") == CUSTOM:
        return str(ss.get("formula", "")).strip()
    return ss.get("surface", "rosenbrock")


def surface_params() -> dict[str, float]:
    ss = st.session_state
    sid = ss.get("surface")
    if sid not in BUILTINS:
        return {}
    out = {}
    for p in BUILTINS[sid].params:
        v = ss.get(f"surface_{p.name}", p.default)
        if not _same(v, p.default):
            out[p.name] = float(v)
    return out


def run_from_state(i: int) -> RunConfig:
    ss = st.session_state
    opt = ss.get(f"run{i}_optimizer", "sgd")
    spec = OPTIMIZERS[opt]
    params: dict[str, Any] = {}
    for p in spec.hyperparams:
        v = ss.get(f"run{i}_{p.name}", p.default)
        if p.name == "lr" or not _same(v, p.default):
            params[p.name] = bool(v) if p.kind == "bool" else (int(v) if p.kind == "int" else float(v))
    return RunConfig(opt, params)


def runs_from_state() -> list[RunConfig]:
    return [run_from_state(i) for i in range(int(st.session_state.get(N_RUNS, 0)))]


def starts_from_state() -> list[tuple[float, float]]:
    ss = st.session_state
    return [
        (float(ss.get(f"start{j}_x", 0.0)), float(ss.get(f"start{j}_y", 0.0))) for j in range(int(ss.get(N_STARTS, 0)))
    ]


def schedule_from_state() -> dict[str, Any]:
    ss = st.session_state
    name = ss.get("schedule", "constant")
    spec = SCHEDULES.get(name, SCHEDULES["constant"])
    out: dict[str, Any] = {"name": spec.id}
    for p in spec.hyperparams:
        v = ss.get(f"schedule_{p.name}", p.default)
        if not _same(v, p.default):
            out[p.name] = int(v) if p.kind == "int" else float(v)
    return out


def scene_from_state() -> Scene:
    """The Scene the widgets describe (not yet validated: callers validate and catch ValueError)."""
    ss = st.session_state
    sid = surface_id()
    sparams = surface_params()
    starts = tuple(starts_from_state())
    window = (
        (float(ss.get("view_x0", 0)), float(ss.get("view_x1", 1))),
        (float(ss.get("view_y0", 0)), float(ss.get("view_y1", 1))),
    )
    try:
        surf = get_surface(sid, **sparams)
        if len(starts) == 1 and _same(starts[0][0], surf.start[0]) and _same(starts[0][1], surf.start[1]):
            starts = ()
        d = surf.domain
        if all(_same(a, b) for a, b in zip((*window[0], *window[1]), (*d[0], *d[1]))):
            window = None
    except ValueError:
        pass  # the formula is rejected: validation reports it
    return Scene(
        surface=sid,
        surface_params=sparams,
        runs=tuple(runs_from_state()),
        starts=starts,
        steps=int(ss.get("steps", 300)),
        schedule=schedule_from_state(),
        noise_std=float(ss.get("noise_std", 0.0)),
        noise_seed=int(ss.get("noise_seed", 0)),
        clip=float(ss["clip"]) if ss.get("clip_on") else None,
        window=window,
    )


# ----------------------------------------------------------------------------- callbacks
def on_surface_change() -> None:
    ss = st.session_state
    new = ss.get("surface")
    prev = ss.get(PREV_SURFACE)
    if new == CUSTOM:
        # start from the formula of the surface we came from: easy to tweak
        text = ss.get(LAST_FORMULA) or ""
        if prev in BUILTINS:
            with contextlib.suppress(ValueError):
                text = (
                    get_surface(
                        prev, **{p.name: ss.get(f"surface_{p.name}", p.default) for p in BUILTINS[prev].params}
                    ).formula
                    or text
                )
        ss["formula"] = text or "x^2 + 3*y^2"
        try:
            surf = get_surface(ss["formula"])
            ss[LAST_FORMULA] = ss["formula"]
        except ValueError:
            surf = None
    else:
        for p in BUILTINS[new].params:
            ss[f"surface_{p.name}"] = float(p.default)
        surf = get_surface(new)
    if surf is not None:
        write_starts([tuple(surf.start)])
        write_window(surf.domain)
    ss[PREV_SURFACE] = new


def on_surface_param_change() -> None:
    """A surface parameter changed: the domain and start stay; nothing to do but keep the start valid."""


def on_formula_change() -> None:
    ss = st.session_state
    try:
        surf = get_surface(str(ss.get("formula", "")).strip())
    except ValueError:
        return  # shown inline by the sidebar; keep everything else as it is
    ss[LAST_FORMULA] = str(ss.get("formula", "")).strip()
    write_starts([tuple(surf.start)])
    write_window(surf.domain)


def on_optimizer_change(i: int) -> None:
    """A run switched optimizer: the new optimizer's defaults, keeping the learning rate."""
    ss = st.session_state
    opt = ss[f"run{i}_optimizer"]
    lr = ss.get(f"run{i}_lr")
    params = {"lr": float(lr)} if isinstance(lr, (int, float)) and lr > 0 else {}
    write_run(i, RunConfig(opt, params))


def add_run() -> None:
    runs = runs_from_state()
    if len(runs) >= MAX_RUNS:
        return
    used = {r.optimizer for r in runs}
    opt = next((o for o in ADD_ORDER if o not in used), "adam")
    runs.append(RunConfig(opt, {}))
    write_runs(runs)


def duplicate_run(i: int) -> None:
    runs = runs_from_state()
    if len(runs) >= MAX_RUNS:
        return
    runs.insert(i + 1, runs[i])
    write_runs(runs)


def remove_run(i: int) -> None:
    runs = runs_from_state()
    if len(runs) <= 1:
        return
    del runs[i]
    write_runs(runs)


def add_start(x: float | None = None, y: float | None = None) -> None:
    starts = starts_from_state()
    if len(starts) >= MAX_STARTS:
        st.toast(f"At most {MAX_STARTS} start points: remove one first, or switch the map click to *Move start*.")
        return
    if x is None or y is None:
        (x0, x1), (y0, y1) = view_from_state()
        # a new start a little away from the last one, inside the view
        lx, ly = starts[-1] if starts else ((x0 + x1) / 2, (y0 + y1) / 2)
        x = min(max(lx + 0.1 * (x1 - x0), x0), x1)
        y = min(max(ly - 0.1 * (y1 - y0), y0), y1)
        x, y = float(f"{x:.3g}"), float(f"{y:.3g}")
    starts.append((float(x), float(y)))
    write_starts(starts)


def remove_start(j: int) -> None:
    starts = starts_from_state()
    if len(starts) <= 1:
        return
    del starts[j]
    write_starts(starts)


def reset_starts() -> None:
    try:
        surf = get_surface(surface_id(), **surface_params())
    except ValueError:
        return
    write_starts([tuple(surf.start)])


def view_from_state():
    ss = st.session_state
    return (
        (float(ss.get("view_x0", 0)), float(ss.get("view_x1", 1))),
        (float(ss.get("view_y0", 0)), float(ss.get("view_y1", 1))),
    )


def reset_view() -> None:
    try:
        surf = get_surface(surface_id(), **surface_params())
    except ValueError:
        return
    write_window(surf.domain)


def on_map_click() -> None:
    """A click on the contour map (st.plotly_chart selection): move the start there, or add one."""
    ss = st.session_state
    event = ss.get("contour")
    try:
        points = event["selection"]["points"]
    except (KeyError, TypeError):
        return
    if not points:
        return
    pt = points[-1]
    x, y = pt.get("x"), pt.get("y")
    if not isinstance(x, (int, float)) or not isinstance(y, (int, float)):
        return
    if not (math.isfinite(x) and math.isfinite(y)):
        return
    x, y = float(f"{x:.4g}"), float(f"{y:.4g}")
    if ss.get("click_mode", "Move start") == "Add start":
        add_start(x, y)
    else:
        write_starts([(x, y)])
