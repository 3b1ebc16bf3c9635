"""The Trajectories tab: divergence messages, the contour map (with playback), the 3-D view, the metrics."""

from __future__ import annotations

import html

import streamlit as st

from look.fmt import point
from look.theme import run_color
from optim_core.scene import Scene
from surfaces import get_surface
from viz import contour_figure, diagnose, metrics_figure, surface3d_figure

from . import share, state
from .compute import scene_data

# The contour map has its own controls (play, speed, scrub) where the mode bar would sit: no mode bar; drag to
# zoom, double-click to reset.
SIDE_VIEWS = {"Loss curves": "metrics", "3-D surface": "surface3d"}
CHART_CONFIG = {"displaylogo": False, "displayModeBar": False, "doubleClick": "reset"}


@st.cache_resource(max_entries=6, show_spinner=False)
def _data(scene_json: str):
    """Trajectories, grids and messages for a scene (cached: reruns that keep the scene reuse everything)."""
    scene = Scene.from_json(scene_json)
    data = scene_data(scene)
    divergences = diagnose(
        data.runs,
        [r.optimizer for r in scene.runs],
        curvature=data.curvature,
        clip=scene.clip,
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
                escaped.append(f"**{run.label}** → {point(x, y, 3)}")
                break
    return data, divergences, escaped


@st.cache_resource(max_entries=6, show_spinner=False)
def _contour(scene_json: str):
    data = _data(scene_json)[0]
    surf = get_surface(data.scene.surface, **dict(data.scene.surface_params))
    return contour_figure(data.surface_view, data.runs, data.starts, value=surf.value, legend=False)


def _side_height(scene_json: str) -> int:
    return max(440, int(_contour(scene_json).layout.height))


@st.cache_resource(max_entries=6, show_spinner=False)
def _surface3d(scene_json: str):
    data = _data(scene_json)[0]
    return surface3d_figure(data.surface_view, data.runs, data.starts, height=_side_height(scene_json))


@st.cache_resource(max_entries=6, show_spinner=False)
def _metrics(scene_json: str):
    data = _data(scene_json)[0]
    return metrics_figure(
        data.runs, f_star=data.surface_view.f_star, height=_side_height(scene_json), legend=False, arrange="rows"
    )


def legend(scene: Scene) -> None:
    """One legend for every view (the colours are the same in all of them)."""
    items = "".join(
        f"<span class='item'><span class='swatch' style='background:{run_color(i)}'></span>{html.escape(label)}</span>"
        for i, label in enumerate(scene.run_labels())
    )
    keys = (
        "<span class='item key'>○ start &nbsp;● end &nbsp;<span style='color:#C9A400'>★</span> minimum "
        "&nbsp;<span style='color:#E8000B'>✕</span> diverged</span>"
    )
    st.markdown(f"<div class='legend'>{items}{keys}</div>", unsafe_allow_html=True)


def render(scene: Scene) -> None:
    key = scene.to_json()
    try:
        _, divergences, escaped = _data(key)
        contour = _contour(key)
    except ValueError as exc:  # SpecError / FormulaError: one line, never a traceback
        first = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), "invalid input")
        st.error(f"Cannot run this scene: {first}")
        return
    with st.container(key="divergence"):
        for d in divergences:
            st.error(d.text, icon=":material/close:")

    legend(scene)
    left, right = st.columns([1.3, 1], gap="small")
    with left:
        bar = st.container(horizontal=True, vertical_alignment="center", gap="small")
        bar.markdown("<span class='chart-title'>Contour map</span>", unsafe_allow_html=True, width="stretch")
        bar.markdown("<span class='muted'>click the map to</span>", unsafe_allow_html=True, width="content")
        bar.segmented_control(
            "Click the map to",
            ["Move start", "Add start"],
            key="click_mode",
            default="Move start",
            required=True,
            label_visibility="collapsed",
            help="Click anywhere on the map: move the start point there, or add another start.",
        )
        st.plotly_chart(
            contour,
            key="contour",
            on_select=state.on_map_click,
            selection_mode="points",
            theme=None,
            config=CHART_CONFIG,
        )
        if escaped:
            st.caption(
                "↗ Left the view: " + " · ".join(escaped) + " — widen the *View window* in the sidebar to follow."
            )
    with right:
        # One side view at a time: only the chosen one is sent and drawn (the 3-D view needs WebGL, slow to
        # start on software rendering, so it is drawn when asked for).
        side = st.segmented_control(
            "Side view",
            list(SIDE_VIEWS),
            key="side_view",
            default=next(iter(SIDE_VIEWS)),
            required=True,
            label_visibility="collapsed",
        )
        if side == "3-D surface":
            st.plotly_chart(_surface3d(key), key="surface3d", theme=None, config={"displaylogo": False})
        else:
            st.plotly_chart(_metrics(key), key="metrics", theme=None, config={"displaylogo": False})
    share.render(scene)
