"""The Trajectories tab: divergence messages, the contour map (with playback), the 3-D view, the metrics."""

from __future__ import annotations

import html

import numpy as np
import streamlit as st

import i18n
from i18n import N_
from look import Look
from look.fmt import sig
from optim_core.scene import ResolvedScene
from viz import SurfaceView, contour_figure, diagnose, metrics_figure, surface3d_figure
from viz.animation import lazy
from viz.blindfold import blindfold
from viz.curve import CurveView, curve_figure, theta_figure
from viz.halo import with_halos

from . import batch, boot, header, inspector, share, state, summary
from .compute import SceneData, run_data, scene_data
from .looks import current_look
from .player import frame_info, map_height, measured_box, player
from .style import legend_marks
from .text import _, fmt, safe

# The contour map has its own controls (play, speed, scrub) where the mode bar would sit: no mode bar; drag to
# zoom, double-click to reset.
SIDE_VIEWS = ("loss", "3d")
SIDE_VIEWS_1D = ("theta", "loss")
SIDE_LABELS = {
    "loss": N_("Loss curves"),
    "3d": N_("3-D surface"),
    "theta": N_("θ against the iteration"),
    "data": N_("Data & model"),
}
CHART_CONFIG = {"displaylogo": False, "displayModeBar": False, "doubleClick": "reset"}


@st.cache_resource(max_entries=6, show_spinner=False)
def _data(key: str, lang_code: str, _resolved: ResolvedScene):
    """Trajectories, grids and messages for a scene (cached: reruns that keep the scene reuse everything)."""
    data = scene_data(_resolved)
    divergences = diagnose(
        data.runs,
        [r.config.optimizer for r in _resolved.runs],
        curvature=data.curvature,
        clip=_resolved.clip,
        start_curvature=data.start_curvature,
        lang=i18n.get(lang_code),
    )
    window = _resolved.window
    escaped = []
    for run in data.runs:
        last = run.last_valid()
        for b in range(run.batch):
            if int(run.diverged_at[b]) >= 0:
                continue
            p = run.points[int(last[b]), b]
            if not all(lo <= c <= hi for c, (lo, hi) in zip(p, window)):
                escaped.append((run.label, "(" + ", ".join(sig(c, 3) for c in p) + ")"))
                break
    return data, divergences, escaped


@st.cache_resource(max_entries=6, show_spinner=False)
def _contour(key: str, look_key: str, _sd: SceneData, _look: Look):
    """The main chart — the contour map, or on a 1-D curve the curve with its balls — without Plotly's own play
    / speed / scrub controls: the playback bar (ui.player) drives its frames; the frame names and steps ride
    along in layout.meta."""
    sv = _sd.surface_view
    if isinstance(sv, CurveView):
        return with_halos(curve_figure(sv, _sd.runs, look=_look), _look)  # high contrast: halos
    return lazy(_contour_2d(key, look_key, _sd, _look))


def _contour_2d(key: str, look_key: str, _sd: SceneData, _look: Look):
    assert isinstance(_sd.surface_view, SurfaceView)  # a 2-D scene
    fig = contour_figure(
        _sd.surface_view,
        _sd.runs,
        _sd.starts,
        value=_sd.resolved.surface.value,
        legend=False,
        look=_look,
        lazy_frames=True,  # the browser expands them (ui/player.js): a fifth of the bytes
    )
    names, steps = frame_info(fig)
    meta = dict(fig.layout.meta) if isinstance(fig.layout.meta, dict) else {}
    fig.layout.updatemenus = ()
    fig.layout.sliders = ()
    fig.update_layout(
        margin={"t": 8, "b": 36, "l": 44, "r": 8}, meta={**meta, "frame_names": names, "frame_steps": steps}
    )
    return fig


@st.cache_resource(max_entries=4, show_spinner=False)
def _blind(key: str, look_key: str, _sd: SceneData, _look: Look):
    """The blindfolded explorer's map (a lesson's view): the surface hidden, the local slope shown."""
    fig = _contour_2d(key, look_key, _sd, _look)  # a figure of its own (built here, not the cached one)
    return lazy(blindfold(fig, _sd.runs, _sd.resolved.surface.gradient, _sd.resolved.window, look=_look))


def _side_height(key: str, data: SceneData, look: Look) -> int:
    return max(440, int(_contour(key, look.key, data, look).layout.height))


def _cursor_shape(step: int) -> dict:
    return {
        "type": "line",
        "name": "step-cursor",
        "xref": "x",
        "yref": "paper",
        "x0": step,
        "x1": step,
        "y0": 0,
        "y1": 1,
        "line": {"color": "rgba(31, 36, 48, 0.55)", "width": 1.5, "dash": "dot"},
        "layer": "above",
    }


@st.cache_resource(max_entries=6, show_spinner=False)
def _surface3d(key: str, look_key: str, _sd: SceneData, _look: Look):
    assert isinstance(_sd.surface_view, SurfaceView)  # the 3-D view exists for 2-D scenes only
    return surface3d_figure(_sd.surface_view, _sd.runs, _sd.starts, height=_side_height(key, _sd, _look), look=_look)


@st.cache_resource(max_entries=6, show_spinner=False)
def _theta(key: str, look_key: str, _sd: SceneData, _look: Look):
    view = _sd.surface_view
    window = view.window if isinstance(view, CurveView) else None  # the θ axis keeps to the curve's window
    return theta_figure(_sd.runs, view.minima.tolist(), look=_look, window=window)


@st.cache_resource(max_entries=6, show_spinner=False)
def _metrics(key: str, look_key: str, _sd: SceneData, _look: Look):
    runs = [r for r in _sd.runs if not (np.asarray(r.diverged_at) == 0).all()]  # nothing to plot (f undefined)
    fig = metrics_figure(
        runs,
        f_star=_sd.surface_view.f_star,
        height=_side_height(key, _sd, _look),
        legend=False,
        arrange="rows",
        look=_look,
    )
    fig.update_layout(shapes=[*fig.layout.shapes, _cursor_shape(max(r.steps for r in _sd.runs))])
    return fig


def _opening_frame(resolved: ResolvedScene, steps: list[int], blind: bool) -> int | None:
    """Where the bar opens a scene: a blindfold at step 0; else a link's step=; else a lesson's open question at
    step 0 (predict, then press ▶ Play: the last step would show the answer); else the last step (None)."""
    if blind:
        return 0
    linked = _active_frame(resolved, steps)
    if linked is not None:
        return linked
    return 0 if header.asks_first(resolved) else None


def _active_frame(resolved: ResolvedScene, steps: list[int]) -> int | None:
    """The frame a scene opens at: a shared link's step= (until the scene changes); None: the last frame.
    Not the bar's own reports: the bar keeps its step across its mounts on one scene (player.js), and data that
    changed with every report would mount it again, stopping a playback."""
    step = state.link_step(resolved)
    if step is None or not steps:
        return None
    return min(range(len(steps)), key=lambda i: abs(steps[i] - step))


def legend(resolved: ResolvedScene, look: Look) -> None:
    """One legend for every view (the colours are the same in all of them)."""
    items = "".join(
        f"<span class='item' data-run='{r.index}'><span class='swatch' style='background:{look.theme.run_color(r.index)}'>"
        f"</span>{html.escape(r.label_in(look.lang))}</span>"
        for r in resolved.runs
    )
    keys = legend_marks(look.theme)
    noise = ""
    if resolved.noise is not None:
        text = fmt(
            "gradient noise σ = {std} (seed {seed}): every step sees a noisy gradient",
            std=f"{resolved.noise.std:g}",
            seed=resolved.noise.seed,
        )
        noise = f"<span class='item noise'>〰 {html.escape(text)}</span>"
    st.html(f"<div class='legend'>{items}{keys}{noise}</div>")


def render(resolved: ResolvedScene) -> None:
    """The map on the left, filling its column (and the viewport); on the right the playback bar, the legend,
    the loaded lesson's note, divergence messages and the side view (loss curves or the 3-D surface).
    Narrow screens stack the two (CSS in ui.style)."""
    key = resolved.key
    ss = st.session_state
    ss.setdefault("click_mode", "move")
    sides: tuple[str, ...] = SIDE_VIEWS_1D if resolved.dim == 1 else SIDE_VIEWS
    if batch.sampling_of(resolved) is not None:
        sides = ("data", *sides)  # a dataset surface: the data and each run's model first (engine)
    if ss.get("side_view") not in sides:
        ss["side_view"] = sides[0]
    side = ss["side_view"]
    look = current_look()
    data, divergences, escaped = _data(key, look.lang.code, resolved)
    blind = resolved.dim == 2 and header.active_extras(resolved).get("blindfold", False)
    contour = (_blind if blind else _contour)(key, look.key, data, look)
    meta = contour.layout.meta
    if resolved.dim == 1:
        aspect = 0.62  # a curve: wider than tall
    else:
        (x0, x1), (y0, y1) = resolved.window
        ratio = (y1 - y0) / (x1 - x0)
        aspect = ratio if 0.25 <= ratio <= 4.0 else 0.75

    box = measured_box()
    height = map_height(box, aspect, present=bool(ss.get("present")))
    with st.container(key="traj_cols"):
        left, right = st.columns([2.5, 1], gap="small")
    with left:
        st.plotly_chart(
            contour,
            key="contour",
            on_select=state.on_map_click,
            selection_mode="points",
            theme=None,
            config=CHART_CONFIG,
            height=height,
        )
        if ss.pop("_toast", None) == "max_starts":
            st.toast(_("At most 8 start points: remove one first, or switch the map click to Move start."))
        if escaped:
            st.caption(
                fmt(
                    "Left the view: {runs} — widen the View window in the sidebar to follow.",
                    runs=" · ".join(f"{safe(label)} → {safe(p)}" for label, p in escaped),
                )
            )
    report_drawn = boot.map_first()  # the session's first run: the sidebar follows once the map is drawn
    if report_drawn:
        ss[boot.MAP_AWAITED] = True
    with right:
        player(
            key="player",
            names=list(meta["frame_names"]),
            steps=list(meta["frame_steps"]),
            # a blindfold or a lesson's open question starts at step 0: predict, then press ▶ Play
            active=_opening_frame(resolved, list(meta["frame_steps"]), blind),
            charts=["contour"] + (["surface3d"] if side == "3d" else []) + (["dataset"] if side == "data" else []),
            cursors={"loss": ["metrics"], "theta": ["theta"]}.get(side, []),
            fit={"chart": "contour"},
            box=box,
            overlay=inspector.overlay(resolved),  # the step inspector's vectors, drawn by the bar (ui/inspector.py)
            scene=resolved.key,
            hold_sides=header.asks_first(resolved),
            report_drawn=report_drawn,
        )
        legend(resolved, look)
        inspector.render(resolved)  # the step inspector: a toggle, and its panel beside the map (ui/inspector.py)
        header.note(resolved)
        with st.container(key="divergence"):
            at_start = [d for d in divergences if d.step == 0]
            if at_start:  # f undefined at the start: one message for every run, not one box each
                starts = sorted({b for d in at_start for b in d.starts})
                where = ", ".join(
                    "(" + ", ".join(f"{c:g}" for c in resolved.starts[b]) + ")"
                    for b in starts
                    if b < len(resolved.starts)
                )
                st.error(
                    fmt(
                        "f or its gradient is not defined at the start {where}: no run can take a step. "
                        "Move the start point to where f is defined.",
                        where=safe(where),
                    ),
                    icon=":material/close:",
                )
            for d in divergences:
                if d.step > 0:
                    st.error(safe(d.text.replace("**", "")), icon=":material/close:")
        bar = st.container(horizontal=True, vertical_alignment="center", gap="small", key="side_bar")
        # One side view at a time: only the chosen one is sent and drawn (the 3-D view needs WebGL, slow to
        # start on software rendering, so it is drawn when asked for).
        bar.segmented_control(
            _("Side view"),
            list(sides),
            key="side_view",
            on_change=lambda: ss.__setitem__("_side_chosen", True),
            required=True,
            format_func=lambda s: _(SIDE_LABELS[s]),
            label_visibility="collapsed",
        )
        bar.segmented_control(
            _("Click the map to"),
            ["move", "add"],
            key="click_mode",
            required=True,
            format_func=lambda m: _("Click: move start") if m == "move" else _("Click: add start"),
            label_visibility="collapsed",
            help=_("Click anywhere on the map: move the start point there, or add another start."),
        )
        side_h = max(height, 420)
        if side == "3d":
            st.plotly_chart(
                _surface3d(key, look.key, data, look),
                key="surface3d",
                theme=None,
                config={"displaylogo": False},
                height=side_h,
            )
        elif side == "data":
            batch.dataset_chart(resolved, data.runs, list(meta["frame_names"]), list(meta["frame_steps"]), side_h, look)
        elif side == "theta":
            st.plotly_chart(
                _theta(key, look.key, data, look), key="theta", theme=None, config={"displaylogo": False}, height=side_h
            )
        else:
            st.plotly_chart(
                _metrics(key, look.key, data, look),
                key="metrics",
                theme=None,
                config={"displaylogo": False},
                height=side_h,
            )
        summary.render(resolved, run_data(resolved))
    # Mini-batches measured, on a dataset surface (engine): below the map and the playback bar, so stacked
    # columns (projector, phone) keep the bar right under the map.
    batch.panel(resolved, data.runs)
    if not state.hidden("share"):
        share.render(resolved)
