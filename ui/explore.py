"""The Explore section: live sweep heatmaps, basins of attraction, noise ensembles.

Mount it in a tab of the app with one line (it is an ``st.fragment``: its widgets rerun only this
section, never the main view)::

    from ui.explore import render as render_explore
    with explore_tab:
        render_explore(scene)            # scene: the current optim_core.scene.Scene

"Use these settings in the main view" builds the new Scene (optim_core.explore.apply_to_scene), hands it to
``default_apply`` — the app's ``ui.state.load_scene`` (the sidebar's widget keys, as presets do) plus
``st.query_params`` (Scene.to_query()) — from the button's callback, then reruns the whole app.  An app that
keeps its Scene elsewhere passes ``on_apply=callback``: the callback gets the new Scene instead.

Stable widget keys (for tests): explore_mode, explore_optimizer, explore_x_param, explore_y_param,
explore_x_lo/_hi/_n, explore_y_lo/_hi/_n, explore_metric, explore_steps, explore_tol, explore_apply,
explore_basin_optimizers, explore_basin_n, explore_basin_tol, explore_basin_lr_<id>, explore_ens_runs,
explore_ens_std, explore_ens_seed, explore_ens_zoom; charts sweep_heatmap, sweep_cell_contour, basins, ensemble_loss,
ensemble_cloud; messages in st.container(key="explore_error").
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import streamlit as st

from optim_core import MAX_STEPS, OPTIMIZERS
from optim_core.explore import (
    BASIN_MAX,
    ENSEMBLE_MAX,
    METRICS,
    SWEEP_MAX,
    apply_to_scene,
    axis_param,
    axis_values,
    basins,
    default_axes,
    ensemble,
    stability_boundary,
    sweep,
    sweepable_params,
)
from optim_core.scene import ResolvedScene, Scene
from surfaces import get_surface
from ui.text import message, safe
from viz.explore import (
    basin_figure,
    cell_contour,
    ensemble_cloud_figure,
    ensemble_loss_figure,
    selected_cell,
    sweep_heatmap,
)

MODES = ("Sweep", "Basins", "Noise ensemble")
CACHE_ENTRIES = 16
DEFAULT_RESOLUTION = 64
_SS = st.session_state
_RERUN_APP = "_explore_rerun_app"


# ============================================================================ cached computations
def _surface_args(scene: Scene) -> tuple[str, tuple[tuple[str, float], ...]]:
    return scene.surface, tuple(sorted((k, float(v)) for k, v in dict(scene.surface_params).items()))


def _surface(surface: str, sparams: tuple) -> Any:
    return get_surface(surface, **dict(sparams))


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def _cached_sweep(
    surface: str,
    sparams: tuple,
    optimizer: str,
    start: tuple,
    steps: int,
    x_param: str,
    x_values: tuple,
    y_param: str,
    y_values: tuple,
    base: tuple,
    schedule: str,
    clip: float | None,
    tol: float,
):
    return sweep(
        _surface(surface, sparams),
        optimizer,
        start,
        steps,
        x_param,
        np.asarray(x_values),
        y_param,
        np.asarray(y_values),
        base_params=dict(base),
        schedule=json.loads(schedule),
        clip=clip,
        tol=tol,
    )


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def _cached_cell(
    surface: str,
    sparams: tuple,
    optimizer: str,
    start: tuple,
    steps: int,
    params: tuple,
    schedule: str,
    clip: float | None,
) -> tuple[np.ndarray, int, float]:
    from optim_core import run

    traj = run(
        _surface(surface, sparams), optimizer, start, steps, schedule=json.loads(schedule), clip=clip, **dict(params)
    )
    return traj.points[:, 0].copy(), int(traj.diverged_at[0]), float(traj.loss[-1, 0])


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def _cached_basins(
    surface: str,
    sparams: tuple,
    optimizer: str,
    steps: int,
    params: tuple,
    grid_n: int,
    window: tuple,
    tol: float,
    schedule: str,
    clip: float | None,
):
    return basins(
        _surface(surface, sparams),
        optimizer,
        steps,
        params=dict(params),
        grid_n=grid_n,
        window=window,
        tol=tol,
        schedule=json.loads(schedule),
        clip=clip,
    )


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def _cached_ensemble(
    surface: str,
    sparams: tuple,
    optimizer: str,
    start: tuple,
    steps: int,
    params: tuple,
    n_runs: int,
    noise_std: float,
    seed: int,
    schedule: str,
    clip: float | None,
):
    return ensemble(
        _surface(surface, sparams),
        optimizer,
        start,
        steps,
        params=dict(params),
        n_runs=n_runs,
        noise_std=noise_std,
        seed=seed,
        schedule=json.loads(schedule),
        clip=clip,
    )


# ============================================================================ state helpers
def _run_params(scene: Scene, optimizer: str) -> dict[str, Any]:
    """The scene's overrides for this optimizer (its first run with it), else {}."""
    for r in scene.runs:
        if r.optimizer == optimizer:
            return dict(r.params)
    return {}


def _resolved(scene: Scene, optimizer: str) -> dict[str, Any]:
    from optim_core import resolve_params

    try:
        return resolve_params(OPTIMIZERS[optimizer], _run_params(scene, optimizer), 1)
    except ValueError:
        return OPTIMIZERS[optimizer].defaults()


def default_range(scene: Scene, optimizer: str, name: str) -> tuple[float, float]:
    """A first range for a sweep axis: lr spans 10⁻² … 10³ × the scene's lr (so divergence usually shows),
    the others their slider range."""
    p = OPTIMIZERS[optimizer].param(name)
    lo, hi = p.slider_range()
    if name == "lr":
        lr = float(_resolved(scene, optimizer).get("lr", p.default))
        return float(f"{lr / 100:.3g}"), float(f"{min(lr * 1000, hi):.3g}")
    if p.log and lo <= 0:
        lo = 1e-12
    return float(lo), float(hi)


def _axis_controls(axis: str, names: list[str], scene: Scene) -> None:
    """Parameter, range and resolution of one sweep axis (keys explore_{axis}_param/_lo/_hi/_n)."""
    st.selectbox(f"{axis} axis", names, key=f"explore_{axis}_param", on_change=_set_axis_defaults, args=(scene, axis))
    a, b = st.columns(2)
    a.number_input(f"{axis} from", key=f"explore_{axis}_lo", format="%g", step=None)
    b.number_input(f"{axis} to", key=f"explore_{axis}_hi", format="%g", step=None)
    st.number_input(f"{axis} resolution", key=f"explore_{axis}_n", step=8, help=f"2 to {SWEEP_MAX} values")


def _set_axis_defaults(scene: Scene, axis: str) -> None:
    opt = _SS["explore_optimizer"]
    name = _SS[f"explore_{axis}_param"]
    try:
        lo, hi = default_range(scene, opt, name)
    except ValueError:
        return
    _SS[f"explore_{axis}_lo"], _SS[f"explore_{axis}_hi"] = lo, hi


def _on_optimizer_change(scene: Scene) -> None:
    xp, yp = default_axes(_SS["explore_optimizer"])
    _SS["explore_x_param"], _SS["explore_y_param"] = xp, yp
    _set_axis_defaults(scene, "x")
    _set_axis_defaults(scene, "y")


def _init_state(scene: Scene) -> None:
    # Start on the first run whose optimizer has a second classic axis (β1, momentum, α, ρ): lr × β is the map
    # people come for; plain SGD only offers lr × weight decay.
    ids = [r.optimizer for r in scene.runs if r.optimizer in OPTIMIZERS] or ["momentum"]
    first = next((o for o in ids if default_axes(o)[1] != "weight_decay"), ids[0])
    if _SS.get("explore_optimizer") not in OPTIMIZERS:
        _SS["explore_optimizer"] = first
    opt = _SS["explore_optimizer"]
    names = [p.name for p in sweepable_params(opt)]
    xp, yp = default_axes(opt)
    if _SS.get("explore_x_param") not in names:
        _SS["explore_x_param"] = xp
    if _SS.get("explore_y_param") not in names:
        _SS["explore_y_param"] = yp if yp != _SS["explore_x_param"] else xp
    for axis in ("x", "y"):
        if f"explore_{axis}_lo" not in _SS or f"explore_{axis}_hi" not in _SS:
            _set_axis_defaults(scene, axis)
        _SS.setdefault(f"explore_{axis}_n", DEFAULT_RESOLUTION)
    _SS.setdefault("explore_mode", MODES[0])
    _SS.setdefault("explore_metric", "loss")
    _SS.setdefault("explore_steps", int(min(max(int(scene.steps), 1), 2000)))
    _SS.setdefault("explore_tol", 1e-6)
    default_basin = [r.optimizer for r in scene.runs if r.optimizer in OPTIMIZERS]
    default_basin = list(dict.fromkeys(default_basin))[:3] or ["sgd", "momentum", "adam"]
    _SS.setdefault("explore_basin_optimizers", default_basin)
    _SS.setdefault("explore_basin_n", 100)
    _SS.setdefault("explore_basin_tol", 1e-2)
    _SS.setdefault("explore_ens_runs", 200)
    _SS.setdefault("explore_ens_std", float(scene.noise_std) if scene.noise_std > 0 else 0.5)
    _SS.setdefault("explore_ens_seed", int(scene.noise_seed))
    _SS.setdefault("explore_ens_zoom", False)


def default_apply(new: Scene) -> None:
    """Hand a Scene to the main view through the app's one state path (ui.state.apply_scene writes it into the
    sidebar's widget keys; the address bar follows on the full rerun this asks for)."""
    from ui.state import apply_scene

    apply_scene(new, from_fragment=True)


def _apply(scene: Scene, optimizer: str, params: dict[str, Any], on_apply: Callable[[Scene], None] | None) -> None:
    """Button callback (runs before the next script run, when widget values may still be set)."""
    try:
        new = apply_to_scene(scene, optimizer, params)
    except ValueError as exc:
        _SS["explore_apply_error"] = str(exc)
        return
    (on_apply or default_apply)(new)
    _SS["explore_applied"] = ", ".join(
        f"{k} = {v:.6g}" if isinstance(v, float) else f"{k} = {v}" for k, v in params.items()
    )
    _SS[_RERUN_APP] = True  # the click reran only this fragment: rerun the whole app so the main view follows


# ============================================================================ the section
@st.fragment
def render(resolved: ResolvedScene | Scene, *, on_apply: Callable[[Scene], None] | None = None) -> None:
    """Draw the Explore section for a scene (an optim_core.scene.ResolvedScene, or a Scene)."""
    scene = resolved.scene if isinstance(resolved, ResolvedScene) else resolved
    if _SS.pop(_RERUN_APP, False):
        _SS.pop("_rerun_app", None)
        st.rerun(scope="app")
    _init_state(scene)
    st.subheader("Explore hyperparameters")
    if _SS.get("explore_applied"):
        st.success(f"Applied {_SS.pop('explore_applied')} to the main view.")
    mode = st.radio(
        "Mode",
        MODES,
        key="explore_mode",
        horizontal=True,
        help="Sweep: a grid of two hyperparameters from one start. Basins: a grid of starts, coloured "
        "by the minimum each reaches. Noise ensemble: many runs with gradient noise.",
    )
    errors = st.container(key="explore_error")
    if _SS.get("explore_apply_error"):
        errors.error(safe(_SS.pop("explore_apply_error")))
    try:
        if mode == "Sweep":
            _sweep_mode(scene, errors, on_apply)
        elif mode == "Basins":
            _basin_mode(scene, errors)
        else:
            _ensemble_mode(scene, errors)
    except ValueError as exc:  # SpecError, FormulaError: one-line messages
        errors.error(message(exc))


def _common_inputs(scene: Scene) -> tuple[str, tuple, tuple[float, float], str, float | None]:
    surface, sparams = _surface_args(scene)
    start = tuple(float(c) for c in scene.start_points()[0])
    schedule = json.dumps(dict(scene.schedule), sort_keys=True)
    return surface, sparams, start, schedule, scene.clip


def _optimizer_select(scene: Scene) -> str:
    return st.selectbox(
        "Optimizer",
        list(OPTIMIZERS),
        key="explore_optimizer",
        format_func=lambda k: OPTIMIZERS[k].name,
        on_change=_on_optimizer_change,
        args=(scene,),
    )


def _sweep_mode(scene: Scene, errors, on_apply) -> None:
    surface, sparams, start, schedule, clip = _common_inputs(scene)
    c1, c2, c3 = st.columns([1.2, 1, 1])
    with c1:
        opt = _optimizer_select(scene)
        names = [p.name for p in sweepable_params(opt)]
        st.selectbox("Metric", list(METRICS), key="explore_metric", format_func=lambda k: METRICS[k])
        st.number_input(
            "Steps", key="explore_steps", step=50, help=f"1 to {MAX_STEPS}; a 64×64 grid of 300 steps takes ~0.1 s"
        )
    with c2:
        _axis_controls("x", names, scene)
    with c3:
        _axis_controls("y", names, scene)
    with st.expander("Tolerance"):
        st.number_input(
            "Converged when f − f* ≤",
            key="explore_tol",
            format="%g",
            step=None,
            help="f* is the lowest value of f at the surface's known minima",
        )

    xp, yp = _SS["explore_x_param"], _SS["explore_y_param"]
    px, py = axis_param(opt, xp, "x"), axis_param(opt, yp, "y")
    if px.name == py.name:
        errors.error(f"x and y are both {px.name}: pick two different hyperparameters")
        return
    xv = axis_values(px, _SS["explore_x_lo"], _SS["explore_x_hi"], int(_SS["explore_x_n"]), axis="x")
    yv = axis_values(py, _SS["explore_y_lo"], _SS["explore_y_hi"], int(_SS["explore_y_n"]), axis="y")
    steps = int(_SS["explore_steps"])
    base = tuple(sorted((k, v) for k, v in _resolved(scene, opt).items() if k not in (xp, yp)))
    with st.spinner("Computing the sweep…"):
        res = _cached_sweep(
            surface,
            sparams,
            opt,
            start,
            steps,
            xp,
            tuple(xv.tolist()),
            yp,
            tuple(yv.tolist()),
            base,
            schedule,
            clip,
            float(_SS["explore_tol"]),
        )

    constant_lr = json.loads(schedule).get("name", "constant") == "constant"
    boundary = (
        stability_boundary(res.surface, opt, xp, yp, xv, yv, base_params=dict(base))
        if constant_lr and clip is None
        else None
    )

    cell = _current_cell(res, (opt, xp, yp, tuple(xv.tolist()), tuple(yv.tolist())))
    fig = sweep_heatmap(res, _SS["explore_metric"], boundary=boundary, selected=cell)
    notes = [
        (
            f"{OPTIMIZERS[opt].name} on {res.surface.name} from ({start[0]:g}, {start[1]:g}), {steps} steps, "
            f"{res.shape[0]}×{res.shape[1]} runs; {int(res.diverged.sum())} diverged."
        )
    ]
    if boundary is not None:
        notes.append(f"Dashed line: {boundary.summary()}.")
    if scene.noise_std:
        notes.append("Sweeps are noise-free (the scene's gradient noise is not applied).")
    if res.f_star is None:
        notes.append("This surface has no known minimum: steps and distance are not available.")
    st.caption(safe(" ".join(notes)))
    st.plotly_chart(fig, key="sweep_heatmap", on_select="rerun", selection_mode="points", width="stretch")

    i, j = cell
    params = res.cell_params(i, j)
    points, div_at, final = _cached_cell(
        surface, sparams, opt, start, steps, tuple(sorted(params.items())), schedule, clip
    )
    axis_vals = {xp: params[xp], yp: params[yp]}
    label = ", ".join(f"{k} = {v:.4g}" for k, v in axis_vals.items())
    status = (
        f"diverged at step {div_at}"
        if div_at >= 0
        else (
            f"reached tolerance at step {res.steps_to_tol[i, j]}"
            if res.steps_to_tol[i, j] >= 0
            else "never within tolerance"
        )
    )
    st.markdown(f"**Selected cell:** {label} — final loss {final:.4g}, {status}. Click a cell to choose another.")
    st.plotly_chart(
        cell_contour(res.surface, points, window=scene.view_window(), label=label, diverged_at=div_at),
        key="sweep_cell_contour",
        width="stretch",
    )
    st.button(
        "Use these settings in the main view",
        key="explore_apply",
        on_click=_apply,
        args=(scene, opt, axis_vals, on_apply),
        help="Sets these hyperparameters on this optimizer's run in the main view (adds the run if needed)",
    )


def _current_cell(res, signature: tuple) -> tuple[int, int]:
    """The selected cell: a new click on the heatmap, else the last click on this same grid, else the best cell.

    The chart's own selection state is not reliable on its own: the browser may clear it when the figure is
    redrawn (the selected-cell marker moves), so the last clicked cell is kept per grid in session state.
    """
    sel = _SS.get("sweep_heatmap")
    try:
        sel_json = json.dumps(sel, sort_keys=True, default=str)
    except TypeError:
        sel_json = repr(sel)
    if sel_json != _SS.get("explore_last_selection"):
        _SS["explore_last_selection"] = sel_json
        clicked = selected_cell(res, sel)
        if clicked is not None:
            _SS["explore_cell"] = (signature, clicked)
    stored = _SS.get("explore_cell")
    if stored is not None and stored[0] == signature:
        i, j = stored[1]
        if 0 <= i < res.shape[0] and 0 <= j < res.shape[1]:
            return i, j
    return _best_cell(res)


def _best_cell(res) -> tuple[int, int]:
    """The first cell to show: the fastest to tolerance, else the lowest final loss among non-diverged."""
    steps = np.where(res.steps_to_tol >= 0, res.steps_to_tol, np.iinfo(np.int64).max)
    if (res.steps_to_tol >= 0).any():
        k = int(np.argmin(steps))
    else:
        loss = np.where(res.diverged | ~np.isfinite(res.final_loss), np.inf, res.final_loss)
        k = int(np.argmin(loss))
    return divmod(k, res.shape[1])


def _basin_mode(scene: Scene, errors) -> None:
    surface, sparams, _, schedule, clip = _common_inputs(scene)
    c1, c2 = st.columns([2, 1])
    with c1:
        chosen = st.multiselect(
            "Optimizers (side by side)",
            list(OPTIMIZERS),
            key="explore_basin_optimizers",
            format_func=lambda k: OPTIMIZERS[k].name,
            max_selections=4,
        )
        cols = st.columns(max(1, len(chosen)))
        for col, opt in zip(cols, chosen):
            key = f"explore_basin_lr_{opt}"
            if key not in _SS:
                _SS[key] = float(_resolved(scene, opt).get("lr", OPTIMIZERS[opt].param("lr").default))
            col.number_input(f"{OPTIMIZERS[opt].name} lr", key=key, format="%g", step=None)
    with c2:
        st.number_input("Starts per axis", key="explore_basin_n", step=10, help=f"2 to {BASIN_MAX}")
        st.number_input("Steps", key="explore_steps", step=50)
        st.number_input("Reached a minimum within", key="explore_basin_tol", format="%g", step=None)
    if not chosen:
        errors.info("Choose at least one optimizer.")
        return
    window = tuple(tuple(float(v) for v in pair) for pair in scene.view_window())
    results = []
    with st.spinner("Computing basins…"):
        for opt in chosen:
            params = dict(_resolved(scene, opt))
            params["lr"] = float(_SS[f"explore_basin_lr_{opt}"])
            results.append(
                _cached_basins(
                    surface,
                    sparams,
                    opt,
                    int(_SS["explore_steps"]),
                    tuple(sorted(params.items())),
                    int(_SS["explore_basin_n"]),
                    window,
                    float(_SS["explore_basin_tol"]),
                    schedule,
                    clip,
                )
            )
    titles = [f"{OPTIMIZERS[r.optimizer].name} (lr = {r.params['lr']:g})" for r in results]
    note = (
        f"Each pixel is a start point; its colour is the known minimum the run ends within "
        f"{results[0].tol:g} of after {results[0].steps} steps."
    )
    if len(results[0].minima) < 2:
        note += " This surface has a single known minimum; Himmelblau (four minima) shows basins best."
    st.caption(safe(note))
    st.plotly_chart(basin_figure(results, titles=titles), key="basins", width="stretch")


def _ensemble_mode(scene: Scene, errors) -> None:
    surface, sparams, start, schedule, clip = _common_inputs(scene)
    c1, c2 = st.columns(2)
    with c1:
        opt = _optimizer_select(scene)
        st.number_input("Steps", key="explore_steps", step=50)
    with c2:
        st.number_input("Runs", key="explore_ens_runs", step=50, help=f"2 to {ENSEMBLE_MAX}")
        a, b = st.columns(2)
        a.number_input(
            "Noise std σ",
            key="explore_ens_std",
            format="%g",
            step=None,
            help="each step sees g + σ·ξ, ξ ~ N(0, I): simulated mini-batch noise",
        )
        b.number_input("Seed", key="explore_ens_seed", step=1)
        st.checkbox("Zoom to the end points", key="explore_ens_zoom")
    params = tuple(sorted(_resolved(scene, opt).items()))
    with st.spinner("Computing the ensemble…"):
        ens = _cached_ensemble(
            surface,
            sparams,
            opt,
            start,
            int(_SS["explore_steps"]),
            params,
            int(_SS["explore_ens_runs"]),
            float(_SS["explore_ens_std"]),
            int(_SS["explore_ens_seed"]),
            schedule,
            clip,
        )
    st.caption(
        f"{ens.n_runs} runs of {OPTIMIZERS[opt].name} from ({start[0]:g}, {start[1]:g}), each step seeing "
        f"g + σ·ξ with σ = {ens.noise_std:g} (simulated mini-batch noise, seed {ens.seed}); "
        f"{int(ens.diverged.sum())} diverged. Dashed: the same run without noise."
    )
    st.plotly_chart(ensemble_loss_figure(ens), key="ensemble_loss", width="stretch")
    spread = ens.end_points[~ens.diverged].std(axis=0) if (~ens.diverged).any() else np.full(2, np.nan)
    st.plotly_chart(
        ensemble_cloud_figure(ens, window=scene.view_window(), zoom=bool(_SS["explore_ens_zoom"])),
        key="ensemble_cloud",
        width="stretch",
    )
    st.caption(f"End points spread: std x = {spread[0]:.3g}, std y = {spread[1]:.3g}.")
