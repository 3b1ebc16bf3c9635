"""The current scene as one self-contained, interactive HTML file.

The animated contour map (viz.contour_figure) — or, on a 1-D curve, the curve with its rolling balls
(viz.curve.curve_figure) — with play / pause / speed / scrub controls, hover and zoom,
plotly.js embedded: the file works offline, with no server, from a USB stick or a learning platform.  Every
colour is explicit (the theme's template, surface picture, colour scale and markers), so a file written from
inside the Streamlit process does not inherit Streamlit's placeholder template (which turns exported figures
black).  The page background and the title follow the look; the title and the run labels are escaped.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from look import DEFAULT, CurveView, Look, RunView, SurfaceView

from . import animation
from .contour import BOTTOM_MARGIN, TOP_MARGIN, contour_figure
from .curve import CurveView as ScreenCurveView
from .curve import curve_figure
from .halo import with_halos
from .style import font, safe

PAGE = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Optimizer Playground">
<title>{title}</title>
<style>
  html, body {{ margin: 0; padding: 0; background: {paper}; color: {ink}; font-family: {family}; }}
  main {{ max-width: {width}px; margin: 0 auto; padding: 12px 16px 24px; }}
  p.note {{ color: {muted}; font-size: {note_px}px; margin: 6px 0 0; }}
</style>
</head>
<body>
<main>
{figure}
<p class="note">{note}</p>
</main>
</body>
</html>
"""


def standalone_html(
    sv: SurfaceView | CurveView | ScreenCurveView,
    runs: Sequence[RunView],
    starts: np.ndarray | None = None,
    *,
    value: Callable[[np.ndarray], np.ndarray] | None = None,
    title: str | None = None,
    look: Look = DEFAULT,
    width: int = 820,
) -> str:
    """An HTML page (str) with the animated contour map of the runs on the surface (a SurfaceView), or the
    animated curve (a CurveView), drawn in `look`.

    title: shown above the map and as the page title (default: the surface's name in the look's language)."""
    _ = look.lang
    th = look.theme
    heading = title if title is not None else _(sv.name)
    if not isinstance(sv, SurfaceView):  # a curve: look.CurveView, or the screen's own viz.curve.CurveView
        height = max(460, int(width * 0.62 * look.scale))
        fig = curve_page_figure(sv, runs, look, height)
    else:
        height = max(520, int(width * 0.86 * look.scale))
        fig = contour_figure(sv, runs, starts, value=value, look=look, legend=True, height=height)
    top = fig.layout.margin.t or 0
    fig.update_layout(
        title={"text": f"<b>{safe(heading)}</b>", "x": 0, "xanchor": "left", "y": 0.995, "font": font(look, 17)},
        margin={"t": top + int(34 * look.scale)},
    )
    legend_y = fig.layout.legend.y
    if legend_y is not None:
        fig.update_layout(legend={"y": legend_y})
    div = fig.to_html(
        full_html=False,
        include_plotlyjs=True,
        auto_play=False,
        div_id="optimizer-playground",
        default_width="100%",
        default_height=f"{height}px",
        config={"displaylogo": False, "responsive": True, "scrollZoom": False},
    )
    return PAGE.format(
        lang=html.escape(look.lang.code),
        title=html.escape(heading),
        paper=th.paper,
        ink=th.ink,
        muted=th.muted,
        family=html.escape(look.font_family, quote=False),
        width=width,
        note_px=look.font(12),
        figure=div,
        note=html.escape(_("▶ Play animates the paths; drag to zoom, double-click to reset. Works offline.")),
    )


def _screen_curve(cv: Any) -> ScreenCurveView:
    """viz.curve's CurveView of a look.CurveView (the same fields; viz/curve.py keeps its own class for now)."""
    if isinstance(cv, ScreenCurveView):
        return cv
    return ScreenCurveView(**{f.name: getattr(cv, f.name) for f in dataclasses.fields(ScreenCurveView)})


def curve_page_figure(cv: CurveView | ScreenCurveView, runs: Sequence[RunView], look: Look, height: int):
    """The 1-D view for a page of its own: the screen's curve figure with Plotly's play / speed / scrub controls
    (the app drives it with its playback bar instead), a legend of the runs, halos in high contrast."""
    fig = curve_figure(_screen_curve(cv), runs, height=height, look=look)
    meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
    names = list(meta.get("frame_names") or [])
    steps = [str(s) for s in meta.get("frame_steps") or []]
    fig.update_layout(
        margin={
            "t": int(TOP_MARGIN * look.scale) + int(26 * look.scale),
            "b": int(BOTTOM_MARGIN * look.scale),
            "l": int(56 * look.scale),
            "r": 12,
        }
    )
    if names:
        fig.update_layout(animation.controls(names, steps, look=look))
    # the legend: one entry per run (its path trace), above the plot
    for trace in fig.data:
        if (trace.meta or {}).get("role") == "path":
            trace.showlegend = True
    fig.update_layout(
        showlegend=True,
        legend={
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "y": 1.0 + 46 * look.scale / max(height - 150 * look.scale, 200),
            "yanchor": "bottom",
            "font": font(look),
            "bgcolor": "rgba(0,0,0,0)",
        },
    )
    return with_halos(fig, look)
