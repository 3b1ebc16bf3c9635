"""The app state: widget values in st.session_state ⇄ a Scene (+ the ViewState) ⇄ the URL.

Widgets are created with a ``key`` and no ``value``: session_state is the one source of truth.
``load_scene`` / ``load_view`` write a whole Scene / ViewState into the widget keys; ``scene_from_state`` /
``view_from_state`` read them back.  Every change of the scene that does not come from the widget itself —
a lesson, a link, an uploaded config, Explore's "use these settings", add / duplicate / remove a run or a
start — goes through :func:`apply_scene` or one of the callbacks below, which run before the script renders
the widgets (the only moment Streamlit lets us set widget values).  A change made inside a fragment (Export,
Explore) also asks for a full rerun (:func:`rerun_app_if_asked`): otherwise the sidebar, drawn outside the
fragment, keeps showing — and on the next interaction sends back — its old values.

Widget keys (stable; end-to-end tests use them):
  surface, formula, surface_<param>, steps, schedule, schedule_<param>, noise_std, noise_seed, clip_on, clip,
  run<i>_optimizer, run<i>_<param>, run<i>_duplicate, run<i>_remove, add_run,
  start<j>_x, start<j>_y, start<j>_remove, add_start, starts_reset, click_mode,
  view_x0, view_x1, view_y0, view_y1, view_reset, lesson_<name>,
  lang, theme, present, tab, side_view, step
"""

from __future__ import annotations

import contextlib
import math
from typing import Any

import streamlit as st

from optim_core import OPTIMIZERS, SCHEDULES, resolve_schedule
from optim_core.scene import MAX_RUNS, MAX_STARTS, ResolvedScene, RunConfig, Scene
from surfaces import SURFACES as BUILTINS
from surfaces import get_surface

from . import batch
from .url import SIDES, TABS, ViewState

CUSTOM = "custom"  # a typed formula f(x, y)
CUSTOM_1D = "custom_curve"  # a typed formula f(x): a 1-D curve
CUSTOMS = (CUSTOM, CUSTOM_1D)
N_RUNS = "_n_runs"
N_STARTS = "_n_starts"
LAST_FORMULA = "_last_good_formula"
PREV_SURFACE = "_prev_surface"
HIDE = "_hide"  # frozenset of controls hidden by the link (ui.url.HIDEABLE)
RERUN_APP = "_rerun_app"  # a fragment changed the scene: rerun the whole app
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
SIDE_KEYS = {"loss": "metrics", "3d": "surface3d"}


def same(a: Any, b: Any) -> bool:
    """Equal as the widgets mean it: booleans as booleans, numbers to 1e-12 relative."""
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a) == bool(b)
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=0.0) or float(a) == float(b)
    except (TypeError, ValueError):
        return a == b


def add_order() -> list[str]:
    """Optimizers in the order "Add optimizer" offers them: the classic ones first, then every other one."""
    return [o for o in ADD_ORDER if o in OPTIMIZERS] + [o for o in OPTIMIZERS if o not in ADD_ORDER]


# ----------------------------------------------------------------------------- Scene → widgets
SCENE_SCHEDULE = "scene"  # a run's schedule widget: follow the scene's schedule


def write_run(i: int, run: RunConfig) -> None:
    ss = st.session_state
    ss[f"run{i}_optimizer"] = run.optimizer
    for name, value in run.resolved().items():
        ss[f"run{i}_{name}"] = value
    ss[f"run{i}_schedule"] = SCENE_SCHEDULE if run.schedule is None else str(run.schedule.get("name", "constant"))
    ss[f"run{i}_batch"] = int(run.batch_size) if run.batch_size is not None else 0  # 0: the scene's batch size
    ss[f"_run{i}_schedule_params"] = dict(run.schedule) if run.schedule is not None else None


def write_runs(runs: list[RunConfig]) -> None:
    st.session_state[N_RUNS] = len(runs)
    for i, r in enumerate(runs):
        write_run(i, r)


def write_starts(starts: list[tuple[float, ...]]) -> None:
    ss = st.session_state
    ss[N_STARTS] = len(starts)
    for j, s in enumerate(starts):
        ss[f"start{j}_x"] = float(s[0])
        ss[f"start{j}_y"] = float(s[1]) if len(s) > 1 else 0.0


def write_window(window) -> None:
    ss = st.session_state
    (x0, x1) = window[0]
    ss["view_x0"], ss["view_x1"] = float(x0), float(x1)
    if len(window) > 1:
        (y0, y1) = window[1]
        ss["view_y0"], ss["view_y1"] = float(y0), float(y1)


def load_scene(scene: Scene) -> None:
    """Write every widget value of a (valid) scene into session_state."""
    ss = st.session_state
    if scene.surface in BUILTINS:
        ss["surface"] = scene.surface
        for p in BUILTINS[scene.surface].params:
            ss[f"surface_{p.name}"] = float(scene.surface_params.get(p.name, p.default))
    else:
        one_d = bool(scene.starts) and len(scene.starts[0]) == 1
        ss["surface"] = CUSTOM_1D if one_d else CUSTOM
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
    batch.write(scene)  # mini-batches on a dataset surface (engine)
    write_window(scene.view_window())


def apply_scene(scene: Scene, *, from_fragment: bool = False) -> None:
    """The one way to replace the scene from a callback (lessons, uploads, Explore, links)."""
    load_scene(scene)
    st.session_state.pop("step", None)  # a new scene starts at its last step
    if from_fragment:
        st.session_state[RERUN_APP] = True


def rerun_app_if_asked() -> None:
    """Call at the top of a fragment: a callback of this fragment changed the scene, so rerun everything."""
    if st.session_state.pop(RERUN_APP, False):
        st.rerun(scope="app")


def load_view(view: ViewState, tab_labels: dict[str, str], given: set[str] | None = None) -> None:
    """Write a link's view parameters into their widgets (tab_labels: tab id → its label in this language).

    given: the view parameters the link spelled out; the others keep any value already in session_state."""
    ss = st.session_state
    values = {
        "lang": view.lang,
        "theme": view.theme,
        "present": view.present,
        "side_view": view.side or None,
        "tab": tab_labels.get(view.tab, next(iter(tab_labels.values()))),
    }
    if view.side:
        ss["_side_chosen"] = True
    link_keys = {"lang": "lang", "theme": "theme", "present": "present", "side_view": "side", "tab": "tab"}
    for key, value in values.items():
        if given is None or link_keys[key] in given:
            ss[key] = value
        else:
            ss.setdefault(key, value)
    if view.step is not None:
        ss["step"] = int(view.step)
    ss[HIDE] = view.hide


# ----------------------------------------------------------------------------- widgets → Scene
def surface_id() -> str:
    """The surface as the Scene spells it: a built-in id, or the formula text."""
    ss = st.session_state
    if ss.get("surface", "rosenbrock") in CUSTOMS:
        return str(ss.get("formula", "")).strip()
    return ss.get("surface", "rosenbrock")


def wanted_dim() -> int | None:
    """1 for a typed curve f(x); None otherwise (a built-in knows its own dimension; a formula is 2-D)."""
    return 1 if st.session_state.get("surface") == CUSTOM_1D else None


def surface_params() -> dict[str, Any]:
    ss = st.session_state
    sid = ss.get("surface")
    if sid not in BUILTINS:
        return {}
    out = {}
    for p in BUILTINS[sid].params:
        v = ss.get(f"surface_{p.name}", p.default)
        if not same(v, p.default):
            out[p.name] = float(v)
    return out


def current_surface():
    """The Surface the widgets describe, or None if the formula is rejected."""
    try:
        return get_surface(surface_id(), dim=wanted_dim(), **surface_params())
    except ValueError:
        return None


def run_from_state(i: int) -> RunConfig:
    ss = st.session_state
    opt = ss.get(f"run{i}_optimizer", "sgd")
    spec = OPTIMIZERS.get(opt) or OPTIMIZERS["sgd"]
    params: dict[str, Any] = {}
    for p in spec.hyperparams:
        v = ss.get(f"run{i}_{p.name}", p.default)
        if p.name == "lr" or not same(v, p.default):
            params[p.name] = bool(v) if p.kind == "bool" else (int(v) if p.kind == "int" else float(v))
    name = ss.get(f"run{i}_schedule", SCENE_SCHEDULE)
    schedule = None
    if name in SCHEDULES:
        kept = ss.get(f"_run{i}_schedule_params")  # a lesson's or a link's parameters, while the name is kept
        schedule = dict(kept) if isinstance(kept, dict) and kept.get("name") == name else {"name": name}
    own_batch = ss.get(f"run{i}_batch", 0)
    batch = int(own_batch) if isinstance(own_batch, (int, float)) and own_batch >= 1 else None
    return RunConfig(spec.id, params, schedule, batch)


def runs_from_state() -> list[RunConfig]:
    return [run_from_state(i) for i in range(int(st.session_state.get(N_RUNS, 0)))]


def starts_from_state(dim: int = 2) -> list[tuple[float, ...]]:
    ss = st.session_state
    out: list[tuple[float, ...]] = []
    for j in range(int(ss.get(N_STARTS, 0))):
        x, y = float(ss.get(f"start{j}_x", 0.0)), float(ss.get(f"start{j}_y", 0.0))
        out.append((x, y) if dim == 2 else (x,))
    return out


def window_from_state(dim: int = 2):
    ss = st.session_state
    x = (float(ss.get("view_x0", 0)), float(ss.get("view_x1", 1)))
    if dim == 1:
        return (x,)
    return (x, (float(ss.get("view_y0", 0)), float(ss.get("view_y1", 1))))


def schedule_from_state() -> dict[str, Any]:
    ss = st.session_state
    name = ss.get("schedule", "constant")
    spec = SCHEDULES.get(name, SCHEDULES["constant"])
    out: dict[str, Any] = {"name": spec.id}
    for p in spec.hyperparams:
        v = ss.get(f"schedule_{p.name}", p.default)
        if not same(v, p.default):
            out[p.name] = int(v) if p.kind == "int" else float(v)
    return out


def scene_from_state() -> Scene:
    """The Scene the widgets describe (not yet validated: callers resolve it and catch ValueError).

    Values equal to the surface's defaults (its start, its domain) are left implicit, so links stay short."""
    ss = st.session_state
    surf = current_surface()
    dim = int(getattr(surf, "dim", 2)) if surf is not None else 2
    starts = tuple(starts_from_state(dim))
    window = window_from_state(dim)
    if surf is not None:
        # a typed curve keeps its start explicit: a formula with no start is read as the 2-D surface
        implicit_ok = ss.get("surface") != CUSTOM_1D
        if implicit_ok and len(starts) == 1 and all(same(a, b) for a, b in zip(starts[0], surf.start)):
            starts = ()
        flat = [v for pair in window for v in pair]
        if all(same(a, b) for a, b in zip(flat, [v for pair in surf.domain for v in pair])):
            window = None
    batch_size, batch_seed = batch.read(surf)
    return Scene(
        surface=surface_id(),
        surface_params=surface_params(),
        runs=tuple(runs_from_state()),
        starts=starts,
        steps=int(ss.get("steps", 300)),
        schedule=schedule_from_state(),
        noise_std=float(ss.get("noise_std", 0.0)),
        noise_seed=int(ss.get("noise_seed", 0)),
        clip=float(ss["clip"]) if ss.get("clip_on") else None,
        window=window,
        batch_size=batch_size,  # mini-batches on a dataset surface
        batch_seed=batch_seed,
    )


def link_step(resolved: ResolvedScene) -> int | None:
    """The step a shared link opened this scene at (``step=``, the last step included; dropped when the scene
    changes); None: the link gave none."""
    got = st.session_state.get("step")
    if isinstance(got, bool) or not isinstance(got, (int, float)) or not math.isfinite(got):
        return None
    return int(min(max(int(got), 0), resolved.steps))


def shown_step(resolved: ResolvedScene) -> int | None:
    """The step the playback bar shows: what it reported for this scene, else the link's ``step``; None: the
    last step (a new scene starts there).  The bar reports ``{"step", "scene"}`` (ui/player.js): a report from
    before the scene changed is not this scene's."""
    ss = st.session_state
    got = (ss.get("player") or {}).get("step")
    if isinstance(got, dict):
        got = got.get("step") if got.get("scene") == resolved.key else None
    if got is None:
        got = link_step(resolved)
    if isinstance(got, bool) or not isinstance(got, (int, float)) or not math.isfinite(got):
        return None
    step = int(min(max(int(got), 0), resolved.steps))
    return None if step >= resolved.steps else step


def view_from_state(tab_ids: dict[str, str], resolved: ResolvedScene | None = None) -> ViewState:
    """tab_ids: a tab's label in this language → its id; with `resolved`, the step is the one the bar shows."""
    ss = st.session_state
    step = shown_step(resolved) if resolved is not None else ss.get("step")
    return ViewState(
        lang=str(ss.get("lang", "en")),
        theme=str(ss.get("theme", "light")),
        tab=tab_ids.get(str(ss.get("tab")), TABS[0]),
        side=str(ss.get("side_view")) if ss.get("side_view") in SIDES and ss.get("_side_chosen") else "",
        step=int(step) if isinstance(step, (int, float)) and not isinstance(step, bool) else None,
        present=bool(ss.get("present", False)),
        hide=frozenset(ss.get(HIDE, frozenset())),
    )


def hidden(control: str) -> bool:
    return control in st.session_state.get(HIDE, frozenset())


# ----------------------------------------------------------------------------- callbacks
def _reset_to_surface(surf) -> None:
    write_starts([tuple(surf.start)])
    write_window(surf.domain)


def on_surface_change() -> None:
    """Another built-in (its own domain and start), or "Custom formula" (starting from the current formula)."""
    ss = st.session_state
    new = str(ss.get("surface"))
    prev = ss.get(PREV_SURFACE)
    surf = None
    if new == CUSTOM_1D:
        text = ss.get(LAST_FORMULA) if ss.get(PREV_SURFACE) == CUSTOM_1D else ""
        if prev in BUILTINS and BUILTINS[prev].dim == 1:
            params = {p.name: ss.get(f"surface_{p.name}", p.default) for p in BUILTINS[prev].params}
            with contextlib.suppress(ValueError):
                text = get_surface(prev, **params).formula or text
        ss["formula"] = text or "x^2"
        try:
            surf = get_surface(ss["formula"], dim=1)
            ss[LAST_FORMULA] = ss["formula"]
        except ValueError:
            surf = None
    elif new == CUSTOM:
        text = ss.get(LAST_FORMULA) or ""
        if prev in BUILTINS:
            params = {p.name: ss.get(f"surface_{p.name}", p.default) for p in BUILTINS[prev].params}
            with contextlib.suppress(ValueError):
                text = get_surface(prev, **params).formula or text
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
        _reset_to_surface(surf)
    ss[PREV_SURFACE] = new


def on_formula_change() -> None:
    """A new formula keeps the starts and the view window: they are the user's (typing `log(x)` after moving
    the start to x = −3 must show that f is undefined there). Only a change of dimension resets them."""
    ss = st.session_state
    surf = current_surface()
    if surf is None:
        return  # shown inline by the sidebar; keep everything else as it is
    ss[LAST_FORMULA] = surface_id()
    old_dim = 1 if ss.get("_dim") == 1 else 2
    if int(getattr(surf, "dim", 2)) != old_dim:
        _reset_to_surface(surf)


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
    opt = next((o for o in add_order() if o not in used), "adam")
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


def on_add_start() -> None:
    """Callback of the "Add start" button."""
    add_start()


def add_start(x: float | None = None, y: float | None = None) -> bool:
    """Add a start (at (x, y), or a little away from the last one). False when there are MAX_STARTS already."""
    starts = starts_from_state()
    if len(starts) >= MAX_STARTS:
        return False
    if x is None or y is None:
        (x0, x1), (y0, y1) = window_from_state(2)
        lx, ly = starts[-1] if starts else ((x0 + x1) / 2, (y0 + y1) / 2)
        x = float(f"{min(max(lx + 0.1 * (x1 - x0), x0), x1):.3g}")
        y = float(f"{min(max(ly - 0.1 * (y1 - y0), y0), y1):.3g}")
    starts.append((float(x), float(y)))
    write_starts(starts)
    return True


def remove_start(j: int) -> None:
    starts = starts_from_state()
    if len(starts) <= 1:
        return
    del starts[j]
    write_starts(starts)


def reset_starts() -> None:
    surf = current_surface()
    if surf is not None:
        write_starts([tuple(surf.start)])


def reset_view() -> None:
    surf = current_surface()
    if surf is not None:
        write_window(surf.domain)


def on_map_click() -> None:
    """A click on the map (st.plotly_chart selection): move the start there, or add one. On a 1-D curve only
    x counts."""
    ss = st.session_state
    event: Any = ss.get("contour")
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
    if ss.get("_dim") == 1:
        starts = starts_from_state(1) if ss.get("click_mode") == "add" else []
        if len(starts) >= MAX_STARTS:
            ss["_toast"] = "max_starts"
            return
        write_starts([*starts, (x,)])
        return
    if ss.get("click_mode", "move") == "add":
        if not add_start(x, y):
            ss["_toast"] = "max_starts"
    else:
        write_starts([(x, y)])
