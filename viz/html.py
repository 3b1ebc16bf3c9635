"""The current scene as one self-contained, interactive HTML file.

The animated contour map (viz.contour_figure) with its play / pause / speed / scrub controls, hover and zoom,
plotly.js embedded: the file works offline, with no server, from a USB stick or a learning platform.  Every
colour is explicit (the theme's template, surface picture, colour scale and markers), so a file written from
inside the Streamlit process does not inherit Streamlit's placeholder template (which turns exported figures
black).  The page background and the title follow the look; the title and the run labels are escaped.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

import numpy as np

from look import DEFAULT, Look, RunView, SurfaceView

from .contour import contour_figure
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
    sv: SurfaceView,
    runs: Sequence[RunView],
    starts: np.ndarray | None = None,
    *,
    value: Callable[[np.ndarray], np.ndarray] | None = None,
    title: str | None = None,
    look: Look = DEFAULT,
    width: int = 820,
) -> str:
    """An HTML page (str) with the animated contour map of the runs on the surface, drawn in `look`.

    title: shown above the map and as the page title (default: the surface's name in the look's language)."""
    _ = look.lang
    th = look.theme
    heading = title if title is not None else _(sv.name)
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
