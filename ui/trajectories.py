"""The Trajectories tab: divergence messages, the contour map (with playback), the 3-D view, the metrics."""

from __future__ import annotations

import html

import streamlit as st

from optim_core.scene import ResolvedScene
from viz import contour_figure, diagnose, metrics_figure, surface3d_figure
from viz.fmt import point
from viz.palette import run_color

from . import share, state
from .compute import SceneData, scene_data
from .text import _, safe

# The contour map has its own controls (play, speed, scrub) where the mode bar would sit: no mode bar; drag to
# zoom, double-click to reset.
SIDE_VIEWS = ("loss", "3d")
CHART_CONFIG = {"displaylogo": False, "displayModeBar": False, "doubleClick": "reset"}


@st.cache_resource(max_entries=6, show_spinner=False)
def _data(key: str, _resolved: ResolvedScene):
    """Trajectories, grids and messages for a scene (cached: reruns that keep the scene reuse everything)."""
    data = scene_data(_resolved)
    divergences = diagnose(
        data.runs,
        [r.config.optimizer for r in _resolved.runs],
        curvature=data.curvature,
        clip=_resolved.clip,
        start_curvature=data.start_curvature,
    )
    (x0, x1), (y0, y1) = data.surface_view.window
    escaped = []
    for run in data.runs:
        last = run.last_valid()
        for b in range(run.batch):
            if int(run.diverged_at[b]) >= 0:
                continue
            x, y = run.points[int(last[b]), b]
            if not (x0 <= x <= x1 and y0 <= y <= y1):
                escaped.append((run.label, point(x, y, 3)))
                break
    return data, divergences, escaped


@st.cache_resource(max_entries=6, show_spinner=False)
def _contour(key: str, _sd: SceneData):
    return contour_figure(_sd.surface_view, _sd.runs, _sd.starts, value=_sd.resolved.surface.value, legend=False)


def _side_height(key: str, data: SceneData) -> int:
    return max(440, int(_contour(key, data).layout.height))


@st.cache_resource(max_entries=6, show_spinner=False)
def _surface3d(key: str, _sd: SceneData):
    return surface3d_figure(_sd.surface_view, _sd.runs, _sd.starts, height=_side_height(key, _sd))


@st.cache_resource(max_entries=6, show_spinner=False)
def _metrics(key: str, _sd: SceneData):
    return metrics_figure(
        _sd.runs,
        f_star=_sd.surface_view.f_star,
        height=_side_height(key, _sd),
        legend=False,
        arrange="rows",
    )


def legend(resolved: ResolvedScene) -> None:
    """One legend for every view (the colours are the same in all of them)."""
    items = "".join(
        f"<span class='item'><span class='swatch' style='background:{run_color(r.index)}'></span>"
        f"{html.escape(r.label)}</span>"
        for r in resolved.runs
    )
    keys = (
        f"<span class='item key'>○ {_('start')} &nbsp;● {_('end')} &nbsp;<span style='color:#C9A400'>★</span> "
        f"{_('minimum')} &nbsp;<span style='color:#E8000B'>✕</span> {_('diverged')}</span>"
    )
    st.html(f"<div class='legend'>{items}{keys}</div>")


def render(resolved: ResolvedScene) -> None:
    key = resolved.key
    st.session_state.setdefault("click_mode", "move")
    if st.session_state.get("side_view") not in SIDE_VIEWS:
        st.session_state["side_view"] = SIDE_VIEWS[0]
    data, divergences, escaped = _data(key, resolved)
    contour = _contour(key, data)
    with st.container(key="divergence"):
        for d in divergences:
            st.error(safe(d.text.replace("**", "")), icon=":material/close:")

    legend(resolved)
    left, right = st.columns([1.3, 1], gap="small")
    with left:
        bar = st.container(horizontal=True, vertical_alignment="center", gap="small")
        bar.html(f"<span class='chart-title'>{_('Contour map')}</span>", width="stretch")
        bar.html(f"<span class='muted'>{_('click the map to')}</span>", width="content")
        bar.segmented_control(
            _("Click the map to"),
            ["move", "add"],
            key="click_mode",
            required=True,
            format_func=lambda m: _("Move start") if m == "move" else _("Add start"),
            label_visibility="collapsed",
            help=_("Click anywhere on the map: move the start point there, or add another start."),
        )
        st.plotly_chart(
            contour,
            key="contour",
            on_select=state.on_map_click,
            selection_mode="points",
            theme=None,
            config=CHART_CONFIG,
        )
        if st.session_state.pop("_toast", None) == "max_starts":
            st.toast(_("At most 8 start points: remove one first, or switch the map click to Move start."))
        if escaped:
            st.caption(
                _("Left the view:")
                + " "
                + " · ".join(f"{safe(label)} → {safe(p)}" for label, p in escaped)
                + " — "
                + _("widen the View window in the sidebar to follow.")
            )
    with right:
        # One side view at a time: only the chosen one is sent and drawn (the 3-D view needs WebGL, slow to
        # start on software rendering, so it is drawn when asked for).
        side = st.segmented_control(
            _("Side view"),
            list(SIDE_VIEWS),
            key="side_view",
            required=True,
            format_func=lambda s: _("Loss curves") if s == "loss" else _("3-D surface"),
            label_visibility="collapsed",
        )
        if side == "3d":
            st.plotly_chart(_surface3d(key, data), key="surface3d", theme=None, config={"displaylogo": False})
        else:
            st.plotly_chart(_metrics(key, data), key="metrics", theme=None, config={"displaylogo": False})
    if not state.hidden("share"):
        share.render(resolved)
