"""The contour view: the surface, every run's path, start / end / minimum markers, and browser playback.

Trace order (bottom to top), each with ``meta.role``:
  grid      invisible dense scatter: hover shows f anywhere, a click picks a start; carries the colour bar
  minimum   known minima (stars)
  start     start points
  path      one per run (``meta.run`` = i), named by the run label; starts separated by NaN gaps
  head      one per run: the current / final position of each start
  diverged  red ✕ at the last finite point of every diverged start (only if some run diverged)
Frames (``go.Frame(traces=[...])``) touch only path / head / diverged traces.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from . import animation
from .background import background_uri
from .figure import Figure, typed_array
from .fmt import point
from .model import RunView, SurfaceView
from .palette import DIVERGED_COLOR, INK, MINIMUM_COLOR, START_COLOR, plotly_colorscale

FONT = "Source Sans 3, Source Sans Pro, Helvetica Neue, Arial, sans-serif"
CLICK_GRID = 50  # click targets along the longer axis (every ~9 px at 450 px: a click always lands on one)


def nice_step(raw: float) -> float:
    mag = 10.0 ** math.floor(math.log10(raw))
    return next(m * mag for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * mag >= raw * 0.999)


def _join(parts: Sequence[np.ndarray], width: int) -> np.ndarray:
    """Concatenate row blocks with a NaN row between them (a gap in the line)."""
    if len(parts) == 1:
        return parts[0]
    gap = np.full((1, width), np.nan, dtype=parts[0].dtype)
    out = []
    for k, p in enumerate(parts):
        if k:
            out.append(gap)
        out.append(p)
    return np.concatenate(out, axis=0)


def _f32(a: np.ndarray) -> dict | list:
    """A float32 typed array for plotting; values beyond float32 become ±3e38 (inf cannot travel in JSON).

    Tiny arrays (markers) go as plain lists: a typed array costs more than it saves there.
    """
    a = np.asarray(a, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        a = np.clip(a, -3e38, 3e38)
    if a.size <= 8:
        return (
            [None if not np.isfinite(v) else float(np.float32(v)) for v in a.ravel()]
            if a.ndim == 1
            else [[None if not np.isfinite(v) else float(np.float32(v)) for v in row] for row in a]
        )
    return typed_array(a)


def click_grid(sv: SurfaceView, target: int = CLICK_GRID) -> tuple[np.ndarray, np.ndarray]:
    """Points on round coordinates covering the window (a click snaps to one of them)."""
    (x0, x1), (y0, y1) = sv.window
    step = nice_step(max(x1 - x0, y1 - y0) / target)
    gx = np.arange(math.ceil(x0 / step), math.floor(x1 / step) + 1) * step
    gy = np.arange(math.ceil(y0 / step), math.floor(y1 / step) + 1) * step
    X, Y = np.meshgrid(np.round(gx, 10), np.round(gy, 10))
    return X.ravel(), Y.ravel()


def _interp(sv: SurfaceView, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Bilinear interpolation of the grid (used when the SurfaceView has no exact evaluator)."""
    xs, ys, z = sv.xs, sv.ys, sv.z
    fx = np.clip(np.interp(x, xs, np.arange(len(xs))), 0, len(xs) - 1.000001)
    fy = np.clip(np.interp(y, ys, np.arange(len(ys))), 0, len(ys) - 1.000001)
    i0, j0 = fy.astype(int), fx.astype(int)
    ty, tx = fy - i0, fx - j0
    return (1 - ty) * ((1 - tx) * z[i0, j0] + tx * z[i0, j0 + 1]) + ty * (
        (1 - tx) * z[i0 + 1, j0] + tx * z[i0 + 1, j0 + 1]
    )


def path_arrays(run: RunView, keep: list[np.ndarray], counts: Sequence[int] | None = None):
    """x/y (N, 2) and customdata (N, 2: step, f) of a run's path, starts joined by NaN gaps.

    counts[b]: how many of keep[b] to show (a frame); None = all (the static figure, the last frame).
    """
    xy_parts, cd_parts = [], []
    for b, k in enumerate(keep):
        kk = k if counts is None else k[: max(1, counts[b])]
        xy_parts.append(run.points[kk, b, :])
        cd_parts.append(np.stack([kk.astype(float), run.loss[kk, b]], axis=1))
    return _join(xy_parts, 2), _join(cd_parts, 2)


def _head_arrays(run: RunView, keep: list[np.ndarray], counts: Sequence[int] | None = None):
    idx = [k[-1] if counts is None else k[max(1, counts[b]) - 1] for b, k in enumerate(keep)]
    xy = np.array([run.points[i, b] for b, i in enumerate(idx)])
    cd = np.array([[i, run.loss[i, b]] for b, i in enumerate(idx)], dtype=float)
    return xy, cd


def _diverged_arrays(runs: Sequence[RunView], plan: animation.Plan, step: int | None = None, window=None):
    """The red ✕ of every diverged start, at its last finite point; a point off the map is pinned to the map's
    edge in its direction (a diverging run usually leaves the view long before it stops), so the ✕ stays visible."""
    xs, ys, texts = [], [], []
    for r, run in enumerate(runs):
        for b in range(run.batch):
            d = int(run.diverged_at[b])
            if d < 0:
                continue
            last = int(plan.last[r][b])
            if step is not None and step < last:
                continue
            x, y = run.points[last, b]
            reason = run.reasons[b] if b < len(run.reasons) and run.reasons[b] else "diverged"
            shown_x, shown_y, where = x, y, "last finite point"
            if window is not None:
                (x0, x1), (y0, y1) = window
                shown_x, shown_y = min(max(x, x0), x1), min(max(y, y0), y1)
                if (shown_x, shown_y) != (x, y):
                    where = "off the map; last finite point"
            xs.append(shown_x)
            ys.append(shown_y)
            texts.append(f"<b>{run.label}</b><br>diverged at step {d}: {reason}<br>{where} {point(x, y, 4)}")
    return np.array(xs, dtype=float), np.array(ys, dtype=float), texts


TOP_MARGIN, BOTTOM_MARGIN = 50, 96  # play / speed buttons above the plot; ticks and the scrub slider below


def auto_height(
    window, plot_width: float = 420, top: int = TOP_MARGIN, bottom: int = BOTTOM_MARGIN, lo: int = 330, hi: int = 640
) -> int:
    """A figure height whose plot area fits a window drawn at equal x/y scale about plot_width px wide."""
    (x0, x1), (y0, y1) = window
    aspect = min(max((y1 - y0) / (x1 - x0), 0.25), 4.0)
    return int(min(max(top + bottom + plot_width * aspect, lo), hi))


def contour_figure(
    sv: SurfaceView,
    runs: Sequence[RunView],
    starts: np.ndarray | None = None,
    *,
    value=None,
    height: int | None = None,
    animate: bool = True,
    font_size: int = 13,
    legend: bool = True,
    budget: int = animation.FRAME_POINT_BUDGET,
) -> Figure:
    """Contour view of runs on a surface.

    value: optional exact evaluator f(points (..., 2)) for the hover grid (else the grid is interpolated).
    starts: (B, 2) start points to mark (default: each run's first point).
    legend: draw Plotly's legend above the plot (the app draws one shared legend for all views instead).
    """
    (x0, x1), (y0, y1) = sv.window
    height = height or auto_height(sv.window)
    runs = list(runs)
    plan = animation.plan([r.last_valid() for r in runs], budget=budget)
    data: list[dict] = []

    # -- the hover / click grid, which also carries the colour bar
    gx, gy = click_grid(sv)
    pts = np.stack([gx, gy], axis=-1)
    gf = value(pts) if value is not None else _interp(sv, gx, gy)
    tick_pos, tick_text = sv.scale.ticks()
    data.append(
        {
            "type": "scatter",
            "mode": "markers",
            "x": _f32(gx),
            "y": _f32(gy),
            "customdata": _f32(gf),
            "marker": {
                "size": 7,
                "opacity": 0,
                "color": _f32(np.nan_to_num(sv.scale.t(gf), nan=0.0)),
                "colorscale": plotly_colorscale(),
                "cmin": 0,
                "cmax": 1,
                "showscale": True,
                "colorbar": {
                    "title": {
                        "text": "f" + (" (log)" if sv.scale.log else ""),
                        "side": "top",
                        "font": {"size": font_size},
                    },
                    "tickvals": tick_pos,
                    "ticktext": tick_text,
                    "thickness": 12,
                    "len": 0.85,
                    "x": 1.01,
                    "xpad": 4,
                    "outlinewidth": 0,
                    "tickfont": {"size": font_size - 1},
                },
            },
            "selected": {"marker": {"opacity": 1, "size": 10, "color": INK}},
            "unselected": {"marker": {"opacity": 0}},
            "hovertemplate": "x = %{x:.4g}, y = %{y:.4g}<br>f = %{customdata:.4g}<br><i>click: start here</i><extra></extra>",
            "hoverlabel": {"bgcolor": "rgba(255,255,255,0.92)", "bordercolor": "#C8CDD6"},
            "showlegend": False,
            "name": "surface",
            "meta": {"role": "grid"},
        }
    )

    # -- known minima
    if len(sv.minima):
        mx, my = sv.minima[:, 0], sv.minima[:, 1]
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": mx.tolist(),
                "y": my.tolist(),
                "customdata": [float(v) for v in sv.minima_f],
                "marker": {"symbol": "star", "size": 17, "color": MINIMUM_COLOR, "line": {"color": INK, "width": 1.2}},
                "unselected": {"marker": {"opacity": 1}},
                "hovertemplate": "known minimum<br>(%{x:.4g}, %{y:.4g})<br>f = %{customdata:.4g}<extra></extra>",
                "name": "known minimum",
                "showlegend": False,
                "meta": {"role": "minimum"},
            }
        )

    # -- starts
    if starts is None:
        starts = np.array(runs[0].points[0]) if runs else np.zeros((0, 2))
    starts = np.asarray(starts, dtype=float).reshape(-1, 2)
    data.append(
        {
            "type": "scatter",
            "mode": "markers",
            "x": starts[:, 0].tolist(),
            "y": starts[:, 1].tolist(),
            "marker": {"symbol": "circle", "size": 12, "color": START_COLOR, "line": {"color": INK, "width": 2}},
            "unselected": {"marker": {"opacity": 1}},
            "hovertemplate": "start (%{x:.4g}, %{y:.4g})<extra></extra>",
            "name": "start",
            "showlegend": False,
            "meta": {"role": "start"},
        }
    )

    # -- paths and heads
    path_idx, head_idx = [], []
    for r, run in enumerate(runs):
        xy, cd = path_arrays(run, plan.keep[r])
        many = sum(len(k) for k in plan.keep[r]) <= 400
        path_idx.append(len(data))
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers" if many else "lines",
                "x": _f32(xy[:, 0]),
                "y": _f32(xy[:, 1]),
                "customdata": _f32(cd),
                "line": {"color": run.color, "width": 2.6},
                "marker": {"size": 4.5, "color": run.color},
                "unselected": {"marker": {"opacity": 1}},
                "name": run.label,
                "legendgroup": f"run{r}",
                "hovertemplate": (
                    f"<b>{run.label}</b><br>step %{{customdata[0]:.0f}}<br>x = %{{x:.4g}}, y = %{{y:.4g}}"
                    f"<br>f = %{{customdata[1]:.4g}}<br><span style='font-size:11px'>"
                    f"{run.params_text()}</span><extra></extra>"
                ),
                "hoverlabel": {"bordercolor": run.color},
                "meta": {"role": "path", "run": r, "starts": run.batch, "stride": plan.stride},
            }
        )
    for r, run in enumerate(runs):
        hxy, hcd = _head_arrays(run, plan.keep[r])
        head_idx.append(len(data))
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": _f32(hxy[:, 0]),
                "y": _f32(hxy[:, 1]),
                "customdata": _f32(hcd),
                "marker": {
                    "symbol": "circle",
                    "size": 13,
                    "color": run.color,
                    "line": {"color": "#FFFFFF", "width": 2},
                },
                "unselected": {"marker": {"opacity": 1}},
                "name": run.label,
                "legendgroup": f"run{r}",
                "showlegend": False,
                "hovertemplate": (
                    f"<b>{run.label}</b><br>step %{{customdata[0]:.0f}}<br>x = %{{x:.4g}}, y = %{{y:.4g}}"
                    f"<br>f = %{{customdata[1]:.4g}}<extra></extra>"
                ),
                "hoverlabel": {"bordercolor": run.color},
                "meta": {"role": "head", "run": r},
            }
        )

    # -- divergence marks
    div_idx = None
    dx, dy, dtext = _diverged_arrays(runs, plan, window=sv.window)
    if len(dx):
        div_idx = len(data)
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": dx.tolist(),
                "y": dy.tolist(),
                "text": dtext,
                "marker": {
                    "symbol": "x-thin-open",
                    "size": 20,
                    "color": DIVERGED_COLOR,
                    "line": {"width": 4.5, "color": DIVERGED_COLOR},
                },
                "unselected": {"marker": {"opacity": 1}},
                "hovertemplate": "%{text}<extra></extra>",
                "hoverlabel": {"bordercolor": DIVERGED_COLOR},
                "name": "diverged",
                "showlegend": True,
                "legendgroup": "diverged",
                "meta": {"role": "diverged"},
            }
        )

    # -- layout
    aspect = (y1 - y0) / (x1 - x0)
    equal = 0.25 <= aspect <= 4.0
    axis = {
        "showgrid": False,
        "zeroline": False,
        "ticks": "outside",
        "ticklen": 4,
        "showline": True,
        "linecolor": "#9AA3B2",
        "mirror": True,
        "tickfont": {"size": font_size},
        "constrain": "domain",
    }
    layout = {
        "template": "plotly_white",
        "height": height,
        "autosize": True,
        "font": {"family": FONT, "size": font_size, "color": INK},
        "margin": {
            "l": 40,
            "r": 4,
            "t": (TOP_MARGIN if animate else 8) + (26 if legend else 0),
            "b": BOTTOM_MARGIN if animate else 30,
        },
        "showlegend": legend,
        "xaxis": {**axis, "range": [x0, x1], "constraintoward": "center"},
        "yaxis": {
            **axis,
            "range": [y0, y1],
            "constraintoward": "middle",
            **({"scaleanchor": "x", "scaleratio": 1} if equal else {}),
        },
        "plot_bgcolor": "#FFFFFF",
        "paper_bgcolor": "#FFFFFF",
        "hovermode": "closest",
        "hoverdistance": 18,
        "dragmode": "zoom",
        "clickmode": "event+select",
        "hoverlabel": {"font": {"family": FONT, "size": font_size}, "bgcolor": "#FFFFFF"},
        "legend": {
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "y": 1.0,
            "yanchor": "bottom",
            **({"y": 1.0 + 46 / max(height - 150, 200)} if animate else {}),
            "font": {"size": font_size},
            "itemclick": "toggle",
            "itemdoubleclick": "toggleothers",
            "bgcolor": "rgba(255,255,255,0)",
        },
        "images": [
            {
                "source": sv.background or background_uri(sv.z, sv.scale, sv.window),
                "xref": "x",
                "yref": "y",
                "x": x0,
                "y": y1,
                "sizex": x1 - x0,
                "sizey": y1 - y0,
                "xanchor": "left",
                "yanchor": "top",
                "sizing": "stretch",
                "layer": "below",
                "name": "surface",
            }
        ],
        "uirevision": f"{sv.name}|{sv.window}",
        "meta": {"frames": plan.n_frames, "stride": plan.stride},
    }

    frames: list[dict] = []
    if animate and runs:
        traces = path_idx + head_idx + ([div_idx] if div_idx is not None else [])
        names, labels = [], []
        for fi, s in enumerate(plan.frame_steps):
            fdata = []
            last_frame = fi == plan.n_frames - 1
            for r, run in enumerate(runs):
                counts = None if last_frame else [int(np.searchsorted(k, s, side="right")) for k in plan.keep[r]]
                xy, _ = path_arrays(run, plan.keep[r], counts)
                fdata.append({"type": "scatter", "x": _f32(xy[:, 0]), "y": _f32(xy[:, 1])})
            for r, run in enumerate(runs):
                counts = None if last_frame else [int(np.searchsorted(k, s, side="right")) for k in plan.keep[r]]
                hxy, hcd = _head_arrays(run, plan.keep[r], counts)
                fdata.append({"type": "scatter", "x": _f32(hxy[:, 0]), "y": _f32(hxy[:, 1]), "customdata": _f32(hcd)})
            if div_idx is not None:
                fx, fy, ft = _diverged_arrays(runs, plan, None if last_frame else int(s), window=sv.window)
                fdata.append({"type": "scatter", "x": fx.tolist(), "y": fy.tolist(), "text": ft})
            name = f"f{fi}"
            frames.append({"name": name, "traces": traces, "data": fdata})
            names.append(name)
            labels.append(str(int(s)))
        layout.update(animation.controls(names, labels, font_size=font_size))
    return Figure(data=data, layout=layout, frames=frames or None)
