"""The blindfolded explorer: the contour map with the surface hidden, only the slope under the walker's feet.

Gradient descent only knows the local slope: at each step it feels which way is downhill right where it stands,
and nothing of the landscape beyond. This view shows exactly that — the surface picture hidden, and around the
current point a small circle with the level line through it and an arrow downhill — and reveals the whole map
at the last frame (the playback bar shows the picture again when it reaches the end; layout.meta.blindfold).

:func:`blindfold` turns a contour figure (viz.contour_figure) into that view; the "sight" trace is added to the
figure and to every animation frame, so it moves with the path in the browser.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from look import DEFAULT, Look, RunView

from .figure import Figure

CIRCLE_POINTS = 40


def sight_xy(point: np.ndarray, grad: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """x, y (with NaN gaps) of what the walker feels at `point`: a circle of `radius`, the level line through the
    point (perpendicular to the gradient) and an arrow downhill (along −gradient), in data units."""
    px, py = float(point[0]), float(point[1])
    t = np.linspace(0.0, 2 * np.pi, CIRCLE_POINTS)
    cx, cy = px + radius * np.cos(t), py + radius * np.sin(t)
    g = np.asarray(grad, dtype=float)
    n = float(np.hypot(g[0], g[1]))
    xs: list[float] = [*cx, np.nan]
    ys: list[float] = [*cy, np.nan]
    if np.isfinite(n) and n > 0:
        ux, uy = g[0] / n, g[1] / n  # uphill
        tx, ty = -uy, ux  # along the level line
        xs += [px - radius * tx, px + radius * tx, np.nan]
        ys += [py - radius * ty, py + radius * ty, np.nan]
        hx, hy = px - 0.9 * radius * ux, py - 0.9 * radius * uy  # the arrow's head, downhill
        wing = 0.28 * radius
        xs += [px, hx, np.nan, hx + wing * (ux + tx * 0.7), hx, hx + wing * (ux - tx * 0.7)]
        ys += [py, hy, np.nan, hy + wing * (uy + ty * 0.7), hy, hy + wing * (uy - ty * 0.7)]
    return np.asarray(xs), np.asarray(ys)


def blindfold(
    fig: Figure,
    runs: Sequence[RunView],
    gradient: Callable[[np.ndarray], np.ndarray],
    window,
    *,
    look: Look = DEFAULT,
) -> Figure:
    """The contour figure with the surface hidden and the walker's local view (of each run's first start) added
    to the figure and to its frames. `gradient(points (..., 2))` is the surface's exact gradient."""
    (x0, x1), (y0, y1) = window
    radius = 0.06 * min(x1 - x0, y1 - y0)
    meta = dict(fig.layout.meta) if isinstance(fig.layout.meta, dict) else {}
    steps = [int(s) for s in meta.get("frame_steps", [])]
    th = look.theme

    def sight(step: int | None) -> tuple[list, list]:
        xs: list[float] = []
        ys: list[float] = []
        for run in runs:
            last = int(run.last_valid()[0])
            k = last if step is None else min(step, last)
            p = run.points[k, 0]
            g = gradient(np.asarray(p, dtype=float)[None, :])[0]
            sx, sy = sight_xy(p, g, radius)
            xs += [*sx, np.nan]
            ys += [*sy, np.nan]
        return [None if not np.isfinite(v) else float(v) for v in xs], [
            None if not np.isfinite(v) else float(v) for v in ys
        ]

    sx, sy = sight(None)
    fig.add_scatter(
        x=sx,
        y=sy,
        mode="lines",
        line={"color": th.ink, "width": look.line(2.2)},
        hoverinfo="skip",
        showlegend=False,
        name="sight",
        meta={"role": "sight"},
    )
    index = len(fig.data) - 1
    raw = getattr(fig, "raw_frames", None) or []
    for frame, step in zip(raw, steps):
        fx, fy = sight(step)
        frame["traces"] = [*frame.get("traces", []), index]
        frame["data"] = [*frame.get("data", []), {"type": "scatter", "x": fx, "y": fy}]
    # the surface is hidden until the end; hovering must not give f away either
    images = [dict(im.to_plotly_json(), visible=False) for im in fig.layout.images]
    fig.update_layout(images=images, plot_bgcolor=th.paper, meta={**meta, "blindfold": True})
    for trace in fig.data:
        role = (trace.meta or {}).get("role") if isinstance(trace.meta, dict) else None
        if role == "grid":
            trace.hoverinfo = "skip"
            trace.hovertemplate = None
            trace.marker.showscale = False
        elif role == "minimum":
            trace.visible = False  # the stars would tell where to go
    return fig
