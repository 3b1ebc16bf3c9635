"""The Explore tab: live sweep heatmaps, basins of attraction, noise ensembles.

It is an ``st.fragment``: its widgets rerun only this section, never the main view. Every computation is
vectorized in optim_core.explore (one run() call per map) and cached on the resolved scene's surface key plus
the section's own settings.

"Use these settings in the main view" builds the new Scene (optim_core.explore.apply_to_scene, a start axis's
value as the start), rounded to the values the sidebar's sliders offer, and hands it to the app's one state path
(ui.state.apply_scene), which then reruns the whole app so the sidebar follows.

Stable widget keys (for tests): explore_mode, explore_optimizer, explore_x_param, explore_y_param,
explore_x_lo/_hi/_n, explore_y_lo/_hi/_n, explore_metric, explore_steps, explore_tol, explore_apply,
explore_basin_optimizers, explore_basin_n, explore_basin_tol, explore_basin_lr_<id>, explore_ens_runs,
explore_ens_std, explore_ens_seed, explore_ens_zoom; charts sweep_heatmap, sweep_cell_contour, basins, ensemble_loss,
ensemble_cloud; messages in st.container(key="explore_error").
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import streamlit as st

from i18n import N_, UserError
from look.fmt import num
from optim_core import MAX_STEPS, OPTIMIZERS, resolve_params, run
from optim_core.explore import (
    BASIN_MAX,
    ENSEMBLE_MAX,
    METRICS,
    START_AXES,
    SWEEP_MAX,
    apply_to_scene,
    axis_param,
    axis_values,
    basins,
    default_axes,
    ensemble,
    stability_boundary,
    sweep,
    sweep_axes,
)
from optim_core.scene import ResolvedScene, Scene
from viz.explore import (
    basin_figure,
    cell_contour,
    ensemble_cloud_figure,
    ensemble_loss_figure,
    selected_cell,
    sweep_heatmap,
)

from . import heavy, state
from .compute import surface_key
from .looks import current_look
from .text import _, fmt, join, lang, message, safe
from .widgets import nearest_option

MODES = {"sweep": N_("Sweep"), "basins": N_("Basins"), "ensemble": N_("Noise ensemble")}
CACHE_ENTRIES = 16
DEFAULT_RESOLUTION = 64
_SS = st.session_state
_RERUN_APP = "_explore_rerun_app"
PROBE_POINTS = 28  # learning rates tried to find where a run stops converging (the default lr range)


# ============================================================================ cached computations
@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def _cached_sweep(
    key: str,
    _r: ResolvedScene,
    optimizer: str,
    start: tuple,
    steps: int,
    x_param: str,
    x_values: tuple,
    y_param: str,
    y_values: tuple,
    base: tuple,
    tol: float,
):
    return sweep(
        _r.surface,
        optimizer,
        start,
        steps,
        x_param,
        np.asarray(x_values),
        y_param,
        np.asarray(y_values),
        base_params=dict(base),
        schedule=dict(_r.schedule),
        clip=_r.clip,
        tol=tol,
    )


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def _cached_cell(key: str, _r: ResolvedScene, optimizer: str, start: tuple, steps: int, params: tuple):
    traj = run(_r.surface, optimizer, start, steps, schedule=dict(_r.schedule), clip=_r.clip, **dict(params))
    return traj.points[:, 0].copy(), int(traj.diverged_at[0]), float(traj.loss[-1, 0])


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def _cached_basins(
    key: str, _r: ResolvedScene, optimizer: str, steps: int, params: tuple, grid_n: int, window: tuple, tol: float
):
    return basins(
        _r.surface,
        optimizer,
        steps,
        params=dict(params),
        grid_n=grid_n,
        window=window,
        tol=tol,
        schedule=dict(_r.schedule),
        clip=_r.clip,
    )


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def _cached_ensemble(
    key: str,
    _r: ResolvedScene,
    optimizer: str,
    start: tuple,
    steps: int,
    params: tuple,
    n_runs: int,
    noise_std: float,
    seed: int,
):
    return ensemble(
        _r.surface,
        optimizer,
        start,
        steps,
        params=dict(params),
        n_runs=n_runs,
        noise_std=noise_std,
        seed=seed,
        schedule=dict(_r.schedule),
        clip=_r.clip,
    )


@st.cache_data(max_entries=64, show_spinner=False)
def _stable_lr(key: str, _r: ResolvedScene, optimizer: str, start: tuple, steps: int, base: tuple) -> float | None:
    """The largest learning rate of a log grid over the slider's range that does not diverge from the start
    (one vectorized run); None when every one of them converges."""
    p = OPTIMIZERS[optimizer].param("lr")
    lo, hi = p.slider_range()
    lrs = np.geomspace(lo, hi, PROBE_POINTS)
    traj = run(
        _r.surface,
        optimizer,
        start,
        min(steps, 300),
        schedule=dict(_r.schedule),
        clip=_r.clip,
        **{**dict(base), "lr": lrs},
    )
    ok = traj.diverged_at < 0
    if ok.all():
        return None
    if not ok.any():
        return float(lrs[0])
    first_bad = int(np.argmin(ok))
    return float(lrs[first_bad - 1]) if first_bad > 0 else float(lrs[0])


# ============================================================================ state helpers
def _run_params(scene: Scene, optimizer: str) -> dict[str, Any]:
    """The scene's overrides for this optimizer (its first run with it), else {}."""
    for r in scene.runs:
        if r.optimizer == optimizer:
            return dict(r.params)
    return {}


def _resolved(scene: Scene, optimizer: str) -> dict[str, Any]:
    try:
        return resolve_params(OPTIMIZERS[optimizer], _run_params(scene, optimizer), 1)
    except ValueError:
        return OPTIMIZERS[optimizer].defaults()


def _start(r: ResolvedScene) -> tuple[float, ...]:
    return tuple(float(c) for c in r.starts[0])


def default_range(r: ResolvedScene, optimizer: str, name: str) -> tuple[float, float]:
    """A first range for a sweep axis that shows the interesting region. lr: up to a little past the largest lr
    that still converges from the start (found by one vectorized probe), three decades below it — so most of the
    map converges and the stability edge is in view; without divergence, 10⁻² … 10³ × the scene's lr. A start
    axis: the view window. Others: their slider range."""
    if name in START_AXES:
        lo, hi = r.window[START_AXES.index(name)]
        return float(lo), float(hi)
    p = OPTIMIZERS[optimizer].param(name)
    lo, hi = p.slider_range()
    if name == "lr":
        base = tuple(sorted((k, v) for k, v in _resolved(r.scene, optimizer).items() if k != "lr"))
        edge = _stable_lr(surface_key(r), r, optimizer, _start(r), int(_SS.get("explore_steps", 300)), base)
        if edge is not None:
            return float(f"{max(edge / 1e3, lo):.3g}"), float(f"{min(edge * 3, hi):.3g}")
        lr = float(_resolved(r.scene, optimizer).get("lr", p.default))
        return float(f"{max(lr / 100, lo):.3g}"), float(f"{min(lr * 1000, hi):.3g}")
    if p.log and lo <= 0:
        lo = 1e-12
    return float(lo), float(hi)


def _axis_label(opt: str, name: str, r: ResolvedScene) -> str:
    p = axis_param(opt, name, "x", r.surface)
    return f"{name} ({_(p.description)})" if name in START_AXES else name


def _axis_controls(axis: str, names: list[str], r: ResolvedScene, opt: str) -> None:
    """Parameter, range and resolution of one sweep axis (keys explore_{axis}_param/_lo/_hi/_n)."""
    st.selectbox(
        fmt("{axis} axis", axis=axis),
        names,
        key=f"explore_{axis}_param",
        format_func=lambda n: _axis_label(opt, n, r),
        on_change=_set_axis_defaults,
        args=(r, axis),
    )
    a, b = st.columns(2)
    a.number_input(fmt("{axis} from", axis=axis), key=f"explore_{axis}_lo", format="%g", step=None)
    b.number_input(fmt("{axis} to", axis=axis), key=f"explore_{axis}_hi", format="%g", step=None)
    st.number_input(
        fmt("{axis} resolution", axis=axis),
        key=f"explore_{axis}_n",
        step=8,
        help=fmt("2 to {max} values", max=SWEEP_MAX),
    )


def _set_axis_defaults(r: ResolvedScene, axis: str) -> None:
    opt = _SS["explore_optimizer"]
    name = _SS[f"explore_{axis}_param"]
    try:
        lo, hi = default_range(r, opt, name)
    except ValueError:
        return
    _SS[f"explore_{axis}_lo"], _SS[f"explore_{axis}_hi"] = lo, hi


def _on_optimizer_change(r: ResolvedScene) -> None:
    xp, yp = default_axes(_SS["explore_optimizer"])
    _SS["explore_x_param"], _SS["explore_y_param"] = xp, yp
    _set_axis_defaults(r, "x")
    _set_axis_defaults(r, "y")


def _init_state(r: ResolvedScene) -> None:
    scene = r.scene
    # Start on the first run whose optimizer has a second classic axis (β1, momentum, α, ρ): lr × β is the map
    # people come for; plain SGD only offers lr × weight decay.
    ids = [x.optimizer for x in scene.runs if x.optimizer in OPTIMIZERS] or ["momentum"]
    first = next((o for o in ids if default_axes(o)[1] not in ("weight_decay", "start_x")), ids[0])
    _SS.setdefault("explore_steps", int(min(max(int(scene.steps), 1), 2000)))
    if _SS.get("explore_optimizer") not in OPTIMIZERS:
        _SS["explore_optimizer"] = first
    opt = _SS["explore_optimizer"]
    names = [p.name for p in sweep_axes(opt, r.surface)]
    xp, yp = default_axes(opt)
    if _SS.get("explore_x_param") not in names:
        _SS["explore_x_param"] = xp
    if _SS.get("explore_y_param") not in names:
        _SS["explore_y_param"] = yp if yp != _SS["explore_x_param"] else xp
    for axis in ("x", "y"):
        if f"explore_{axis}_lo" not in _SS or f"explore_{axis}_hi" not in _SS:
            _set_axis_defaults(r, axis)
        _SS.setdefault(f"explore_{axis}_n", DEFAULT_RESOLUTION)
    if _SS.get("explore_mode") not in MODES:
        _SS["explore_mode"] = next(iter(MODES))
    _SS.setdefault("explore_metric", "loss")
    _SS.setdefault("explore_tol", 1e-6)
    default_basin = [x.optimizer for x in scene.runs if x.optimizer in OPTIMIZERS]
    default_basin = list(dict.fromkeys(default_basin))[:3] or ["sgd", "momentum", "adam"]
    _SS.setdefault("explore_basin_optimizers", default_basin)
    _SS.setdefault("explore_basin_n", 100)
    _SS.setdefault("explore_basin_tol", 1e-2)
    _SS.setdefault("explore_ens_runs", 200)
    _SS.setdefault("explore_ens_std", float(scene.noise_std) if scene.noise_std > 0 else 0.5)
    _SS.setdefault("explore_ens_seed", int(scene.noise_seed))
    _SS.setdefault("explore_ens_zoom", False)


def rounded(opt: str, params: dict[str, float]) -> dict[str, float]:
    """Each value moved to the nearest one its sidebar slider offers (lr 0.0003220597919 → 0.0003), so the main
    view shows exactly what was applied."""
    spec = OPTIMIZERS[opt]
    return {k: nearest_option(spec.param(k), float(v)) for k, v in params.items()}


def default_apply(new: Scene) -> None:
    """Hand a Scene to the main view through the app's one state path (ui.state.apply_scene writes it into the
    sidebar's widget keys; the address bar follows on the full rerun this asks for)."""
    state.apply_scene(new, from_fragment=True)


def _apply(
    r: ResolvedScene,
    optimizer: str,
    params: dict[str, float],
    start: tuple[float, ...] | None,
    on_apply: Callable[[Scene], None] | None,
) -> None:
    """Button callback (runs before the next script run, when widget values may still be set)."""
    try:
        values = rounded(optimizer, params)
        new = apply_to_scene(r.scene, optimizer, values)
        if start is not None:
            new = new.with_(starts=(tuple(float(f"{c:.4g}") for c in start),)).validated()
    except ValueError as exc:
        _SS["explore_apply_error"] = exc
        return
    (on_apply or default_apply)(new)
    shown = [f"{k} = {num(v)}" for k, v in values.items()]
    if start is not None:
        shown.append(_("start") + " = (" + ", ".join(f"{c:.4g}" for c in start) + ")")
    _SS["explore_applied"] = ", ".join(shown)
    _SS[_RERUN_APP] = True  # the click reran only this fragment: rerun the whole app so the main view follows


# ============================================================================ the section
@st.fragment
def render(resolved: ResolvedScene | Scene, *, on_apply: Callable[[Scene], None] | None = None) -> None:
    """Draw the Explore section for a scene (an optim_core.scene.ResolvedScene, or a Scene)."""
    r = resolved if isinstance(resolved, ResolvedScene) else resolved.resolve()
    if _SS.pop(_RERUN_APP, False):
        st.rerun(scope="app")
    _init_state(r)
    st.subheader(_("Explore hyperparameters"))
    if _SS.get("explore_applied"):
        st.success(fmt("Applied {values} to the main view.", values=safe(_SS.pop("explore_applied"))))
    modes = list(MODES) if r.dim == 2 else ["sweep", "ensemble"]
    if _SS.get("explore_mode") not in modes:
        _SS["explore_mode"] = modes[0]
    mode = st.radio(
        _("Mode"),
        modes,
        key="explore_mode",
        horizontal=True,
        format_func=lambda m: _(MODES[m]),
        help=_(
            "Sweep: a grid of two hyperparameters (or a hyperparameter and the start) from one start. Basins: a "
            "grid of starts, coloured by the minimum each reaches. Noise ensemble: many runs with gradient noise."
        ),
    )
    errors = st.container(key="explore_error")
    if _SS.get("explore_apply_error") is not None:
        errors.error(message(_SS.pop("explore_apply_error")))
    try:
        if mode == "sweep":
            _sweep_mode(r, errors, on_apply)
        elif mode == "basins":
            _basin_mode(r, errors)
        else:
            _ensemble_mode(r, errors)
    except UserError as exc:  # SpecError, FormulaError: one-line messages (another error: ui.guard logs it)
        errors.error(message(exc))


def _optimizer_select(r: ResolvedScene) -> str:
    return st.selectbox(
        _("Optimizer"),
        list(OPTIMIZERS),
        key="explore_optimizer",
        format_func=lambda k: OPTIMIZERS[k].name,
        on_change=_on_optimizer_change,
        args=(r,),
    )


def _sweep_mode(r: ResolvedScene, errors, on_apply) -> None:
    look = current_look()
    start = _start(r)
    c1, c2, c3 = st.columns([1.2, 1, 1])
    with c1:
        opt = _optimizer_select(r)
        names = [p.name for p in sweep_axes(opt, r.surface)]
        st.selectbox(_("Metric"), list(METRICS), key="explore_metric", format_func=lambda k: _(METRICS[k]))
        st.number_input(
            _("Steps"),
            key="explore_steps",
            step=50,
            help=fmt("1 to {max}; a 64×64 grid of 300 steps takes about 0.1 s", max=MAX_STEPS),
        )
    with c2:
        _axis_controls("x", names, r, opt)
    with c3:
        _axis_controls("y", names, r, opt)
    with st.expander(_("Tolerance")):
        st.number_input(
            _("Converged when f − f* ≤"),
            key="explore_tol",
            format="%g",
            step=None,
            help=_("f* is the lowest value of f at the surface's known minima"),
        )

    xp, yp = _SS["explore_x_param"], _SS["explore_y_param"]
    px, py = axis_param(opt, xp, "x", r.surface), axis_param(opt, yp, "y", r.surface)
    if px.name == py.name:
        errors.error(fmt("x and y are both {name}: pick two different hyperparameters", name=px.name))
        return
    xv = axis_values(px, _SS["explore_x_lo"], _SS["explore_x_hi"], int(_SS["explore_x_n"]), axis="x")
    yv = axis_values(py, _SS["explore_y_lo"], _SS["explore_y_hi"], int(_SS["explore_y_n"]), axis="y")
    steps = int(_SS["explore_steps"])
    base = tuple(sorted((k, v) for k, v in _resolved(r.scene, opt).items() if k not in (xp, yp)))
    key = surface_key(r)
    runs = xv.size * yv.size
    chain = OPTIMIZERS[opt].follows_schedule and not _constant_lr(r) and "lr" in (xp, yp)
    if 1 <= steps <= MAX_STEPS:  # (bad steps: sweep's own one-line message)
        heavy.check_explore(
            heavy.explore_seconds(r.surface, opt, steps, runs), heavy.explore_megabytes(runs, steps, lr_chain=chain)
        )
    with heavy.job(_("Computing the sweep…")):
        res = _cached_sweep(
            key, r, opt, start, steps, xp, tuple(xv.tolist()), yp, tuple(yv.tolist()), base, float(_SS["explore_tol"])
        )
    boundary = None
    if _constant_lr(r) and r.clip is None and xp not in START_AXES and yp not in START_AXES:
        boundary = stability_boundary(res.surface, opt, xp, yp, xv, yv, base_params=dict(base))

    cell = _current_cell(res, (opt, xp, yp, tuple(xv.tolist()), tuple(yv.tolist())))
    # The map does not box the selected cell: a click then leaves the figure as it was, Streamlit sends a reference to
    # the message the browser already has, and Chromium redraws nothing (a 256² map: a click 1.5–2 s → 0.3 s; a
    # moved box meant a new 2.7 MB figure to parse and draw). The selected cell is named under the map.
    fig = sweep_heatmap(res, _SS["explore_metric"], boundary=boundary, look=look)
    where = "(" + ", ".join(f"{c:g}" for c in start) + ")"
    notes = [
        fmt(
            "{optimizer} on {surface} from {start}, {steps} steps, {ny}×{nx} runs; {n} diverged.",
            optimizer=OPTIMIZERS[opt].name,
            surface=_(res.surface.name),
            start=where,
            steps=steps,
            ny=res.shape[0],
            nx=res.shape[1],
            n=int(res.diverged.sum()),
        )
    ]
    if boundary is not None:
        notes.append(fmt("Dashed line: {summary}.", summary=boundary.summary(lang())))
    if r.noise is not None:
        notes.append(_("Sweeps are noise-free (the scene's gradient noise is not applied)."))
    if res.f_star is None:
        notes.append(_("This surface has no known minimum: steps and distance are not available."))
    st.caption(safe(join(*notes)))
    st.plotly_chart(fig, key="sweep_heatmap", on_select="rerun", selection_mode="points", width="stretch")

    i, j = cell
    params = res.cell_params(i, j)
    cell_start = res.cell_start(i, j)
    points, div_at, final = _cached_cell(key, r, opt, cell_start, steps, tuple(sorted(params.items())))
    axis_vals = {
        name: (params[name] if name not in START_AXES else cell_start[START_AXES.index(name)]) for name in (xp, yp)
    }
    label = ", ".join(f"{k} = {v:.4g}" for k, v in axis_vals.items())
    if div_at >= 0:
        status = fmt("diverged at step {step}", step=div_at)
    elif res.steps_to_tol[i, j] >= 0:
        status = fmt("reached tolerance at step {step}", step=int(res.steps_to_tol[i, j]))
    else:
        status = _("never within tolerance")
    st.markdown(
        f"**{_('Selected cell:')}** {safe(label)} — "
        + join(
            fmt("final loss {loss}, {status}.", loss=f"{final:.4g}", status=status),
            _("Click a cell to choose another."),
        )
    )
    if r.dim == 2:
        st.plotly_chart(
            cell_contour(res.surface, points, window=r.window, label=label, diverged_at=div_at, look=look),
            key="sweep_cell_contour",
            width="stretch",
        )
    hyper = {k: v for k, v in axis_vals.items() if k not in START_AXES}
    start_change = cell_start if any(k in START_AXES for k in axis_vals) else None
    st.button(
        _("Use these settings in the main view"),
        key="explore_apply",
        on_click=_apply,
        args=(r, opt, hyper, start_change, on_apply),
        help=_("Sets these hyperparameters on this optimizer's run in the main view (adds the run if needed)"),
    )


def _constant_lr(r: ResolvedScene) -> bool:
    return r.schedule.get("name", "constant") == "constant"


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


def _basin_mode(r: ResolvedScene, errors) -> None:
    look = current_look()
    c1, c2 = st.columns([2, 1])
    with c1:
        chosen = st.multiselect(
            _("Optimizers (side by side)"),
            list(OPTIMIZERS),
            key="explore_basin_optimizers",
            format_func=lambda k: OPTIMIZERS[k].name,
            max_selections=4,
        )
        cols = st.columns(max(1, len(chosen)))
        for col, opt in zip(cols, chosen):
            k = f"explore_basin_lr_{opt}"
            if k not in _SS:
                _SS[k] = float(_resolved(r.scene, opt).get("lr", OPTIMIZERS[opt].param("lr").default))
            col.number_input(f"{OPTIMIZERS[opt].name} lr", key=k, format="%g", step=None)
    with c2:
        st.number_input(_("Starts per axis"), key="explore_basin_n", step=10, help=fmt("2 to {max}", max=BASIN_MAX))
        st.number_input(_("Steps"), key="explore_steps", step=50)
        st.number_input(_("Reached a minimum within"), key="explore_basin_tol", format="%g", step=None)
    if not chosen:
        errors.info(_("Choose at least one optimizer."))
        return
    window = tuple(tuple(float(v) for v in pair) for pair in r.window)
    results = []
    key = surface_key(r)
    n, steps = int(_SS["explore_basin_n"]), int(_SS["explore_steps"])
    runs = n * n if r.dim == 2 else n
    if 2 <= n <= BASIN_MAX and 1 <= steps <= MAX_STEPS:  # (else: basins' own one-line message)
        heavy.check_explore(  # the maps side by side are one request: their CPU adds up, one map at a time in memory
            sum(heavy.explore_seconds(r.surface, opt, steps, runs) for opt in chosen),
            heavy.explore_megabytes(runs) + len(chosen) * runs * 24 / 1e6,
        )
    with heavy.job(_("Computing basins…")):
        for opt in chosen:
            params = dict(_resolved(r.scene, opt))
            params["lr"] = float(_SS[f"explore_basin_lr_{opt}"])
            results.append(
                _cached_basins(
                    key,
                    r,
                    opt,
                    int(_SS["explore_steps"]),
                    tuple(sorted(params.items())),
                    int(_SS["explore_basin_n"]),
                    window,
                    float(_SS["explore_basin_tol"]),
                )
            )
    titles = [f"{OPTIMIZERS[x.optimizer].name} (lr = {x.params['lr']:g})" for x in results]
    note = fmt(
        "Each pixel is a start point; its colour is the known minimum the run ends within {tol} of after {steps} "
        "steps.",
        tol=f"{results[0].tol:g}",
        steps=results[0].steps,
    )
    if len(results[0].minima) < 2:
        note = join(note, _("This surface has a single known minimum; Himmelblau (four minima) shows basins best."))
    st.caption(safe(note))
    st.plotly_chart(basin_figure(results, titles=titles, look=look), key="basins", width="stretch")


def _ensemble_mode(r: ResolvedScene, errors) -> None:
    look = current_look()
    start = _start(r)
    c1, c2 = st.columns(2)
    with c1:
        opt = _optimizer_select(r)
        st.number_input(_("Steps"), key="explore_steps", step=50)
    with c2:
        st.number_input(_("Runs"), key="explore_ens_runs", step=50, help=fmt("2 to {max}", max=ENSEMBLE_MAX))
        a, b = st.columns(2)
        a.number_input(
            _("Noise std σ"),
            key="explore_ens_std",
            format="%g",
            step=None,
            help=_("each step sees g + σ·ξ, ξ ~ N(0, I): simulated mini-batch noise"),
        )
        b.number_input(_("Seed"), key="explore_ens_seed", step=1)
        st.checkbox(_("Zoom to the end points"), key="explore_ens_zoom")
    params = tuple(sorted(_resolved(r.scene, opt).items()))
    with heavy.job(_("Computing the ensemble…")):
        ens = _cached_ensemble(
            surface_key(r),
            r,
            opt,
            start,
            int(_SS["explore_steps"]),
            params,
            int(_SS["explore_ens_runs"]),
            float(_SS["explore_ens_std"]),
            int(_SS["explore_ens_seed"]),
        )
    st.caption(
        safe(
            fmt(
                "{n} runs of {optimizer} from {start}, each step seeing g + σ·ξ with σ = {std} (simulated mini-batch "
                "noise, seed {seed}); {diverged} diverged. Dashed: the same run without noise.",
                n=ens.n_runs,
                optimizer=OPTIMIZERS[opt].name,
                start="(" + ", ".join(f"{c:g}" for c in start) + ")",
                std=f"{ens.noise_std:g}",
                seed=ens.seed,
                diverged=int(ens.diverged.sum()),
            )
        )
    )
    st.plotly_chart(ensemble_loss_figure(ens, look=look), key="ensemble_loss", width="stretch")
    ok = ~ens.diverged
    spread = ens.end_points[ok].std(axis=0) if ok.any() else np.full(r.dim, np.nan)
    if r.dim == 2:
        st.plotly_chart(
            ensemble_cloud_figure(ens, window=r.window, zoom=bool(_SS["explore_ens_zoom"]), look=look),
            key="ensemble_cloud",
            width="stretch",
        )
    st.caption(
        fmt(
            "End points spread: {spread}.",
            spread=", ".join(
                fmt("std of {axis} = {value}", axis=c, value=f"{s:.3g}")
                for c, s in zip("xy", spread)
                if math.isfinite(s)
            )
            or "—",
        )
    )
