"""The contour view: the surface, every run's path, start / end / minimum markers, and browser playback.

Trace order (bottom to top), each with ``meta.role``:
  grid      invisible dense scatter: hover shows f anywhere, a click picks a start; carries the colour bar
  minimum   known minima (stars)
  start     start points
  halo      (themes with screen_halo: high contrast) under each path, the same points, wider, in the outline colour
  path      one per run (``meta.run`` = i), named by the run label; starts separated by NaN gaps
  head      one per run: the current / final position of each start
  diverged  red ✕ at the last finite point of every diverged start (only if some run diverged)
Frames (``go.Frame(traces=[...])``) touch only halo / path / head / diverged traces.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from look import DEFAULT, Look, RunView, SurfaceView, nice_step, point
from optim_core.trajectory import reason_in

from . import animation
from .figure import Figure, typed_array
from .halo import add_halos
from .style import axis, base_layout, colorbar, font, safe

CLICK_GRID = 50  # click targets along the longer axis (every ~9 px at 450 px: a click always lands on one)
# Invisible markers answer hover and clicks from Plotly's calcdata, not from the SVG: drawing at most this many of
# them (marker.maxdisplayed) keeps hover and click-to-select while the browser skips styling ~4 000 invisible
# SVG points per redraw — 202 → 42 ms for Plotly.newPlot of the default map, 119 → 22 ms for Plotly.react (Chromium).
HIDDEN_MARKERS = 1


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


_ARROWS = {(1, 0): "→", (-1, 0): "←", (0, 1): "↑", (0, -1): "↓", (1, 1): "↗", (-1, 1): "↖", (1, -1): "↘", (-1, -1): "↙"}


def _diverged_arrays(
    runs: Sequence[RunView], plan: animation.Plan, look: Look, step: int | None = None, window=None
) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """The red ✕ of every diverged start, at its last finite point; a point off the map is pinned to the map's
    edge in its direction (a diverging run usually leaves the view long before it stops), so the ✕ stays visible,
    labelled with an arrow pointing where it went and the step ("↗ 35"). Returns x, y, hover texts, labels."""
    _ = look.lang
    xs, ys, texts, labels = [], [], [], []
    for r, run in enumerate(runs):
        for b in range(run.batch):
            d = int(run.diverged_at[b])
            if d < 0:
                continue
            last = int(plan.last[r][b])
            if step is not None and step < last:
                continue
            x, y = run.points[last, b]
            reason = run.reasons[b] if b < len(run.reasons) and run.reasons[b] else None
            shown_x, shown_y, off = x, y, False
            if window is not None:
                (x0, x1), (y0, y1) = window
                shown_x, shown_y = min(max(x, x0), x1), min(max(y, y0), y1)
                off = (shown_x, shown_y) != (x, y)
            where = (
                _.fmt("off the map; last finite point {point}", point=point(x, y, digits=4))
                if off
                else _.fmt("last finite point {point}", point=point(x, y, digits=4))
            )
            because = safe(reason_in(reason, _)) if reason else _("diverged")
            what = _.fmt("diverged at step {step}: {reason}", step=d, reason=because)
            xs.append(shown_x)
            ys.append(shown_y)
            texts.append(f"<b>{safe(run.label)}</b><br>{what}<br>{where}")
            direction = (int(np.sign(x - shown_x)), int(np.sign(y - shown_y)))
            labels.append(f"{_ARROWS[direction]} {d}" if off and direction in _ARROWS else str(d))
    return np.array(xs, dtype=float), np.array(ys, dtype=float), texts, labels


def _event_arrays(runs: Sequence[RunView], look: Look, upto: int | None = None):
    """The declared moments of the runs (RunView.events: SWATS's switch to SGD, RAdam's rectification turning
    on) as markers on the path where they happen (θ at that step), up to step ``upto`` (None: all).
    Returns x, y, the label beside each marker, its hover text, and its run's colour."""
    _ = look.lang
    xs, ys, labels, hovers, colors = [], [], [], [], []
    for run in runs:
        for ev in run.events:
            if upto is not None and ev.step > upto:
                continue
            if run.diverged_at[ev.start] >= 0 and ev.step >= run.diverged_at[ev.start]:
                continue
            p = run.points[ev.step, ev.start]
            what = _(ev.label)
            xs.append(float(p[0]))
            ys.append(float(p[1]))
            labels.append(_.fmt("{what} · step {step}", what=what, step=ev.step))
            hovers.append(safe(run.label) + "<br>" + _.fmt("{what} at step {step}", what=what, step=ev.step))
            colors.append(look.color_of(run))
    return np.asarray(xs), np.asarray(ys), labels, hovers, colors


def _label_positions(xs: np.ndarray, ys: np.ndarray, window) -> list[str]:
    """Put each ✕'s label inside the map (a ✕ pinned to the right edge gets its label on the left …)."""
    (x0, x1), (y0, y1) = window
    out = []
    for x, y in zip(xs, ys):
        vert = "bottom" if y >= (y0 + y1) / 2 else "top"
        horiz = "left" if x >= (x0 + x1) / 2 else "right"
        out.append(f"{vert} {horiz}")
    return out


TOP_MARGIN, BOTTOM_MARGIN = 50, 96  # play / speed buttons above the plot; ticks and the scrub slider below


def auto_height(
    window, plot_width: float = 420, top: int = TOP_MARGIN, bottom: int = BOTTOM_MARGIN, lo: int = 330, hi: int = 640
) -> int:
    """A figure height whose plot area fits a window drawn at equal x/y scale about plot_width px wide."""
    (x0, x1), (y0, y1) = window
    aspect = min(max((y1 - y0) / (x1 - x0), 0.25), 4.0)
    return int(min(max(top + bottom + plot_width * aspect, lo), hi))


def surface_image(sv: SurfaceView, look: Look = DEFAULT) -> dict:
    """The surface's picture as a layout image filling the window (under every trace; frames never touch it)."""
    (x0, x1), (y0, y1) = sv.window
    return layout_image(sv.picture(look.theme), x0, x1, y0, y1, "surface")


def layout_image(source: str, x0: float, x1: float, y0: float, y1: float, name: str) -> dict:
    """A picture stretched over the data rectangle [x0, x1] × [y0, y1], under every trace."""
    return {
        "source": source,
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
        "name": name,
    }


def value_colorbar(sv: SurfaceView, look: Look = DEFAULT, **extra) -> dict:
    """The colour bar of the surface scale, ticks labelled in f."""
    tick_pos, tick_text = sv.scale.ticks()
    title = look.gettext("f (log)") if sv.scale.log else "f"
    return colorbar(look, title, tickvals=tick_pos, ticktext=tick_text, **extra)


def hover_lines(look: Look, label: str, *, params: str = "", coords: tuple[str, str] = ("x", "y")) -> str:
    """The hover template of a path point: run, step, the coordinates, f (and the run's hyperparameters)."""
    step = look.lang.fmt("step {n}", n="%{customdata[0]:.0f}")
    cx, cy = (safe(c) for c in coords)
    text = f"<b>{safe(label)}</b><br>{step}<br>{cx} = %{{x:.4g}}, {cy} = %{{y:.4g}}<br>f = %{{customdata[1]:.4g}}"
    if params:
        lines = "<br>".join(safe(line) for line in params.split("<br>"))  # escape the text, keep the breaks
        text += f"<br><span style='font-size:{look.font(11)}px'>{lines}</span>"
    return text + "<extra></extra>"


def _axis_title(name: str, look: Look) -> dict:
    """An axis title where the axes are not plain x and y (a dataset's weights), so the map says what it is."""
    if name in ("x", "y"):
        return {}
    return {"title": {"text": safe(name), "font": font(look), "standoff": 2}}


def contour_figure(
    sv: SurfaceView,
    runs: Sequence[RunView],
    starts: np.ndarray | None = None,
    *,
    value=None,
    height: int | None = None,
    animate: bool = True,
    legend: bool = True,
    budget: int = animation.FRAME_POINT_BUDGET,
    look: Look = DEFAULT,
    lazy_frames: bool = False,
) -> Figure:
    """Contour view of runs on a surface, drawn in `look` (theme, presentation scale, language).

    value: optional exact evaluator f(points (..., 2)) for the hover grid (else the grid is interpolated).
    starts: (B, 2) start points to mark (default: each run's first point).
    legend: draw Plotly's legend above the plot (the app draws one shared legend for all views instead).
    lazy_frames: frames that reveal the paths refer to the static paths (viz.animation cut / pick entries)
    instead of repeating their points; ``animation.lazy(fig)`` then moves them to layout.meta for the browser
    (ui/player.js) to expand.  Not a valid Plotly figure until then.
    """
    _ = look.lang
    th = look.theme
    (x0, x1), (y0, y1) = sv.window
    height = height or auto_height(sv.window, plot_width=420 * look.scale, hi=int(640 * look.scale))
    runs = list(runs)
    # a halo repeats its path's points in every frame: the same payload means half the points per trace
    plan = animation.plan([r.last_valid() for r in runs], budget=budget // 2 if th.screen_halo else budget)
    data: list[dict] = []

    # -- the hover / click grid, which also carries the colour bar
    gx, gy = click_grid(sv)
    # an end marker answers its own hover: no grid point under it (see the hover traces below)
    ends = np.concatenate([_head_arrays(run, plan.keep[r])[0] for r, run in enumerate(runs)]) if runs else None
    reach = 0.015 * max(x1 - x0, y1 - y0)  # about an end marker's radius on a map 600 px wide
    if ends is not None and len(ends):
        far = ~(np.hypot(gx[:, None] - ends[None, :, 0], gy[:, None] - ends[None, :, 1]) < reach).any(axis=1)
        gx, gy = gx[far], gy[far]
    pts = np.stack([gx, gy], axis=-1)
    gf = value(pts) if value is not None else sv.value_at(gx, gy)
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
                "maxdisplayed": HIDDEN_MARKERS,
                "color": _f32(np.nan_to_num(sv.scale.t(gf), nan=0.0)),
                "colorscale": th.plotly_colorscale(),
                "cmin": 0,
                "cmax": 1,
                "showscale": True,
                "colorbar": value_colorbar(sv, look, len=0.85, x=1.01, xpad=4),
            },
            "selected": {"marker": {"opacity": 1, "size": look.marker(10), "color": th.ink}},
            "unselected": {"marker": {"opacity": 0}},
            "hovertemplate": (
                f"{safe(sv.coords[0])} = %{{x:.4g}}, {safe(sv.coords[1])} = %{{y:.4g}}<br>f = %{{customdata:.4g}}<br><i>"
                + _("click: start here")
                + "</i><extra></extra>"
            ),
            "hoverlabel": {"bgcolor": th.paper, "bordercolor": th.control_border},
            "showlegend": False,
            "name": _("surface"),
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
                "marker": {
                    "symbol": "star",
                    "size": look.marker(17),
                    "color": th.minimum,
                    "line": {"color": th.ink, "width": look.line(1.2)},
                },
                "unselected": {"marker": {"opacity": 1}},
                "hovertemplate": _("known minimum")
                + "<br>(%{x:.4g}, %{y:.4g})<br>f = %{customdata:.4g}<extra></extra>",
                "name": _("known minimum"),
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
            "marker": {
                "symbol": "circle",
                "size": look.marker(12),
                "color": th.paper,
                "line": {"color": th.ink, "width": look.line(2)},
            },
            "unselected": {"marker": {"opacity": 1}},
            "hovertemplate": _.fmt("start {point}", point="(%{x:.4g}, %{y:.4g})") + "<extra></extra>",
            "name": _("start"),
            "showlegend": False,
            "meta": {"role": "start"},
        }
    )

    # -- paths and heads
    path_idx, head_idx, hover_idx = [], [], []
    # Hover belongs to what is under the pointer: a path's points answer through an invisible markers trace
    # (a drawn line would claim the hover anywhere along it, over an end marker too), and each run's end marker
    # through an invisible, larger copy of it, so an end marker wins over the path points beneath it (its own
    # last steps, or another run's path). The drawn paths and heads do not hover.
    paths = [path_arrays(run, plan.keep[r]) for r, run in enumerate(runs)]

    def hover_trace(r: int, run: RunView, xy: np.ndarray, cd: np.ndarray, role: str, size: float) -> dict:
        """An invisible markers trace answering the hover of run r's points (only HIDDEN_MARKERS drawn)."""
        return {
            "type": "scatter",
            "mode": "markers",
            "x": _f32(xy[:, 0]),
            "y": _f32(xy[:, 1]),
            "customdata": _f32(cd),
            "marker": {
                "size": look.marker(size),
                "opacity": 0,
                "color": look.color_of(run),
                "maxdisplayed": HIDDEN_MARKERS,
            },
            "unselected": {"marker": {"opacity": 0}},
            "name": safe(run.label),
            "showlegend": False,
            "hovertemplate": hover_lines(look, run.label, params=run.params_text(), coords=sv.coords),
            "hoverlabel": {"bordercolor": look.color_of(run)},
            "meta": {"role": role, "run": r},
        }

    for r, run in enumerate(runs):
        xy, cd = paths[r]
        if ends is not None and len(ends):
            # points under an end marker do not answer: the marker does (NaN keeps the arrays aligned)
            near = (np.linalg.norm(xy[:, None, :] - ends[None, :, :], axis=-1) < reach).any(axis=1)
            xy = np.where(near[:, None], np.nan, xy)
        data.append(hover_trace(r, run, xy, cd, "pathhover", 6))
    for r, run in enumerate(runs):
        hxy, hcd = _head_arrays(run, plan.keep[r])
        hover_idx.append(len(data))
        data.append(hover_trace(r, run, hxy, hcd, "headhover", 28))
    for r, run in enumerate(runs):
        color = look.color_of(run)
        xy, cd = paths[r]
        many = sum(len(k) for k in plan.keep[r]) <= 400
        path_idx.append(len(data))
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers" if many else "lines",
                "x": _f32(xy[:, 0]),
                "y": _f32(xy[:, 1]),
                "customdata": _f32(cd),
                "line": {"color": color, "width": look.line(2.6)},
                "marker": {"size": look.marker(4.5), "color": color},
                "unselected": {"marker": {"opacity": 1}},
                "name": safe(run.label),
                "legendgroup": f"run{r}",
                "hoverinfo": "skip",
                "meta": {"role": "path", "run": r, "starts": run.batch, "stride": plan.stride},
            }
        )
    for r, run in enumerate(runs):
        color = look.color_of(run)
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
                    "size": look.marker(13),
                    "color": color,
                    "line": {"color": th.halo, "width": look.line(2)},
                },
                "unselected": {"marker": {"opacity": 1}},
                "name": safe(run.label),
                "legendgroup": f"run{r}",
                "showlegend": False,
                "hoverinfo": "skip",
                "meta": {"role": "head", "run": r},
            }
        )

    # -- divergence marks
    div_idx = None
    dx, dy, dtext, dlabels = _diverged_arrays(runs, plan, look, window=sv.window)
    if len(dx):
        div_idx = len(data)
        data.append(
            {
                "type": "scatter",
                "mode": "markers+text",
                "x": dx.tolist(),
                "y": dy.tolist(),
                "customdata": dtext,
                "text": dlabels,
                "textposition": _label_positions(dx, dy, sv.window),
                "textfont": {"color": th.diverged, "size": look.font(14), "family": look.font_family},
                "marker": {
                    "symbol": "x-thin-open",
                    "size": look.marker(20),
                    "color": th.diverged,
                    "line": {"width": look.line(4.5), "color": th.diverged},
                },
                "unselected": {"marker": {"opacity": 1}},
                "hovertemplate": "%{customdata}<extra></extra>",
                "hoverlabel": {"bordercolor": th.diverged},
                "name": _("diverged"),
                "showlegend": True,
                "legendgroup": "diverged",
                "meta": {"role": "diverged"},
            }
        )

    # -- declared moments (SWATS's switch, RAdam's rectification): a diamond on the path, with its step
    event_idx = None
    ex, ey, elabels, ehover, ecolors = _event_arrays(runs, look)
    if len(ex):
        event_idx = len(data)
        data.append(
            {
                "type": "scatter",
                "mode": "markers+text",
                "x": ex.tolist(),
                "y": ey.tolist(),
                "text": elabels,
                "customdata": ehover,
                "textposition": _label_positions(ex, ey, sv.window),
                "textfont": {
                    "color": th.ink,
                    "size": look.font(13),
                    "family": look.font_family,
                    "shadow": f"0 0 3px {th.paper}, 0 0 2px {th.paper}",  # readable over paths and contours
                },
                "marker": {
                    "symbol": "diamond",
                    "size": look.marker(15),
                    "color": ecolors,
                    "line": {"color": th.ink, "width": look.line(1.5)},
                },
                "unselected": {"marker": {"opacity": 1}},
                "hovertemplate": "%{customdata}<extra></extra>",
                "name": _("optimizer event"),
                "showlegend": False,
                "meta": {"role": "event"},
            }
        )

    # -- layout
    aspect = (y1 - y0) / (x1 - x0)
    equal = 0.25 <= aspect <= 4.0
    ax = axis(look, constrain="domain", mirror=True)
    top_margin = int(TOP_MARGIN * look.scale)
    layout = base_layout(
        look,
        height=height,
        margin={
            "l": int(40 * look.scale),
            "r": 4,
            "t": (top_margin if animate else 8) + (int(26 * look.scale) if legend else 0),
            "b": int(BOTTOM_MARGIN * look.scale) if animate else int(30 * look.scale),
        },
    )
    layout.update(
        {
            "showlegend": legend,
            "xaxis": {**ax, "range": [x0, x1], "constraintoward": "center", **_axis_title(sv.coords[0], look)},
            "yaxis": {
                **ax,
                **_axis_title(sv.coords[1], look),
                "range": [y0, y1],
                "constraintoward": "middle",
                **({"scaleanchor": "x", "scaleratio": 1} if equal else {}),
            },
            "hovermode": "closest",
            "hoverdistance": 18,
            "dragmode": "zoom",
            "clickmode": "event+select",
            "legend": {
                "orientation": "h",
                "x": 0,
                "xanchor": "left",
                "y": 1.0,
                "yanchor": "bottom",
                **({"y": 1.0 + 46 * look.scale / max(height - 150 * look.scale, 200)} if animate else {}),
                "font": font(look),
                "itemclick": "toggle",
                "itemdoubleclick": "toggleothers",
                "bgcolor": "rgba(0,0,0,0)",
            },
            "images": [surface_image(sv, look)],
            "uirevision": f"{sv.name}|{sv.window}",
            "meta": {"frames": plan.n_frames, "stride": plan.stride, "look": look.key},
        }
    )

    frames: list[dict] = []
    if animate and runs:
        traces = path_idx + head_idx + hover_idx + ([div_idx] if div_idx is not None else [])
        traces += [event_idx] if event_idx is not None else []
        names, labels = [], []
        for fi, s in enumerate(plan.frame_steps):
            fdata = []
            last_frame = fi == plan.n_frames - 1
            heads = []
            if lazy_frames:
                for r in range(len(runs)):
                    shown = [max(1, int(np.searchsorted(k, s, side="right"))) for k in plan.keep[r]]
                    fdata.append(animation.cut_entry(shown))
                    rows = [a + c - 1 for a, c in zip(animation.segment_starts(plan.keep[r]), shown)]
                    heads.append(animation.pick_entry(r, rows))
            else:
                for r, run in enumerate(runs):
                    counts = None if last_frame else [int(np.searchsorted(k, s, side="right")) for k in plan.keep[r]]
                    xy, _cd = path_arrays(run, plan.keep[r], counts)
                    fdata.append({"type": "scatter", "x": _f32(xy[:, 0]), "y": _f32(xy[:, 1])})
                for r, run in enumerate(runs):
                    counts = None if last_frame else [int(np.searchsorted(k, s, side="right")) for k in plan.keep[r]]
                    hxy, hcd = _head_arrays(run, plan.keep[r], counts)
                    heads.append(
                        {"type": "scatter", "x": _f32(hxy[:, 0]), "y": _f32(hxy[:, 1]), "customdata": _f32(hcd)}
                    )
            fdata += heads + [dict(h) for h in heads]  # the visible heads, then their hover copies
            if div_idx is not None:
                fx, fy, ft, fl = _diverged_arrays(runs, plan, look, None if last_frame else int(s), window=sv.window)
                fdata.append(
                    {
                        "type": "scatter",
                        "x": fx.tolist(),
                        "y": fy.tolist(),
                        "customdata": ft,
                        "text": fl,
                        "textposition": _label_positions(fx, fy, sv.window),
                    }
                )
            if event_idx is not None:
                fx, fy, fl, fh, fc = _event_arrays(runs, look, None if last_frame else int(s))
                fdata.append(
                    {
                        "type": "scatter",
                        "x": fx.tolist(),
                        "y": fy.tolist(),
                        "text": fl,
                        "customdata": fh,
                        "marker": {"color": fc},
                        "textposition": _label_positions(fx, fy, sv.window),
                    }
                )
            name = f"f{fi}"
            frames.append({"name": name, "traces": traces, "data": fdata})
            names.append(name)
            labels.append(str(int(s)))
        layout.update(animation.controls(names, labels, look=look))
        layout["meta"].update(frame_names=names, frame_steps=[int(s) for s in plan.frame_steps])
    data, halo_frames = add_halos(data, frames, look)  # high contrast: a white line under every path
    return Figure(data=data, layout=layout, frames=halo_frames or None)
