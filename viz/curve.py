"""The 1-D views: the curve f(x) with each run's ball rolling on it, and θ against the iteration.

The first picture of gradient descent in every course: f(x) = x², a ball on the curve, and the iterate θ_t
plotted against t for a few learning rates. Both figures are animated by the same frames as the contour view
(viz.animation.plan, the same frame names), so the app's playback bar drives them together.

Trace order of ``curve_figure`` (each with ``meta.role``):
  curve     f(x) over the window (dense), the line the balls roll on
  minimum   known minima (stars on the curve)
  start     the start points
  path      one per run (``meta.run`` = i): the iterates (x_t, f(x_t)) joined in order — the chords show the
            bouncing; starts separated by gaps
  head      one per run: the ball (the current / final iterate of each start)
  diverged  ✕ at the last finite point of a diverged start, pinned to the window's edge with its step
Frames carry only path / head / diverged.

``theta_figure`` draws θ_t against t for every run and start (a step cursor shape named "step-cursor", which the
playback bar moves), with the known minima as dotted horizontal lines.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from look import DEFAULT, Look, RunView, nice_step
from look.curve import CURVE_POINTS, CurveView, curve_view  # noqa: F401 (re-exported: ui.compute imports them here)
from optim_core.trajectory import reason_in

from . import animation
from .figure import Figure, typed_array
from .style import axis, base_layout, font, safe

# one CurveView and one sampling for the screen and the exports (look/curve.py)


def _f32(a) -> dict | list:
    a = np.clip(np.asarray(a, dtype=np.float64), -3e38, 3e38)
    if a.size <= 8:
        return [None if not np.isfinite(v) else float(np.float32(v)) for v in a.ravel()]
    return typed_array(a)


def _gap_join(parts: list[np.ndarray]) -> np.ndarray:
    out: list[np.ndarray] = []
    for k, p in enumerate(parts):
        if k:
            out.append(np.array([np.nan]))
        out.append(p)
    return np.concatenate(out) if out else np.zeros(0)


def _path(run: RunView, keep: list[np.ndarray], counts: Sequence[int] | None = None):
    xs, fs, steps = [], [], []
    for b, k in enumerate(keep):
        kk = k if counts is None else k[: max(1, counts[b])]
        xs.append(run.points[kk, b, 0])
        fs.append(run.loss[kk, b])
        steps.append(kk.astype(float))
    return _gap_join(xs), _gap_join(fs), _gap_join(steps)


def _heads(run: RunView, keep: list[np.ndarray], counts: Sequence[int] | None = None):
    idx = [k[-1] if counts is None else k[max(1, counts[b]) - 1] for b, k in enumerate(keep)]
    x = np.array([run.points[i, b, 0] for b, i in enumerate(idx)], dtype=float)
    f = np.array([run.loss[i, b] for b, i in enumerate(idx)], dtype=float)
    return x, f, np.array(idx, dtype=float)


def _diverged(runs: Sequence[RunView], plan: animation.Plan, window, f_range, step: int | None, look: Look):
    xs, fs, texts = [], [], []
    (x0, x1), (f0, f1) = window, f_range
    for r, run in enumerate(runs):
        for b in range(run.batch):
            d = int(run.diverged_at[b])
            if d < 0:
                continue
            last = int(plan.last[r][b])
            if step is not None and step < last:
                continue
            x, f = float(run.points[last, b, 0]), float(run.loss[last, b])
            xs.append(min(max(x, x0), x1))
            fs.append(min(max(f, f0), f1) if np.isfinite(f) else f1)
            why = run.reasons[b] if b < len(run.reasons) else None
            reason = reason_in(why, look.lang) if why else look.gettext("diverged")
            texts.append(
                f"<b>{safe(run.label)}</b><br>"
                + look.lang.fmt("diverged at step {step}: {reason}", step=d, reason=safe(reason))
            )
    return np.array(xs), np.array(fs), texts


def curve_figure(
    cv: CurveView,
    runs: Sequence[RunView],
    *,
    height: int = 520,
    animate: bool = True,
    budget: int = animation.FRAME_POINT_BUDGET,
    look: Look = DEFAULT,
) -> Figure:
    """The curve with every run's iterates on it, animated like the contour view (same frame names)."""
    _ = look.lang
    th = look.theme
    runs = list(runs)
    plan = animation.plan([r.last_valid() for r in runs], budget=budget)
    (x0, x1), (f0, f1) = cv.window, cv.f_range
    data: list[dict] = [
        {
            "type": "scatter",
            "mode": "lines",
            "x": _f32(cv.xs),
            "y": _f32(cv.fs),
            "line": {"color": th.ink, "width": look.line(2.0)},
            "hovertemplate": "x = %{x:.4g}<br>f = %{y:.4g}<extra></extra>",
            "name": "f(x)",
            "showlegend": False,
            "meta": {"role": "curve"},
        }
    ]
    if len(cv.minima):
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": cv.minima.tolist(),
                "y": cv.minima_f.tolist(),
                "marker": {
                    "symbol": "star",
                    "size": look.marker(16),
                    "color": th.minimum,
                    "line": {"color": th.ink, "width": look.line(1.2)},
                },
                "hovertemplate": _("known minimum") + "<br>x = %{x:.4g}, f = %{y:.4g}<extra></extra>",
                "name": _("known minimum"),
                "showlegend": False,
                "meta": {"role": "minimum"},
            }
        )
    if runs:
        sx = runs[0].points[0, :, 0]
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": sx.tolist(),
                "y": runs[0].loss[0].tolist(),
                "marker": {
                    "symbol": "circle",
                    "size": look.marker(11),
                    "color": th.paper,
                    "line": {"color": th.ink, "width": look.line(2)},
                },
                "hovertemplate": _("start") + " x = %{x:.4g}<extra></extra>",
                "name": _("start"),
                "showlegend": False,
                "meta": {"role": "start"},
            }
        )
    path_idx, head_idx = [], []
    for r, run in enumerate(runs):
        color = look.color_of(run)
        px, pf, ps = _path(run, plan.keep[r])
        path_idx.append(len(data))
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": _f32(px),
                "y": _f32(pf),
                "customdata": _f32(ps),
                "line": {"color": color, "width": look.line(1.4)},
                "marker": {"size": look.marker(5), "color": color},
                "opacity": 0.85,
                "name": safe(run.label),
                "hovertemplate": f"<b>{safe(run.label)}</b><br>"
                + _.fmt("step {n}", n="%{customdata:.0f}")
                + "<br>x = %{x:.4g}<br>f = %{y:.4g}<extra></extra>",
                "showlegend": False,
                "meta": {"role": "path", "run": r},
            }
        )
    for r, run in enumerate(runs):
        color = look.color_of(run)
        hx, hf, hs = _heads(run, plan.keep[r])
        head_idx.append(len(data))
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": _f32(hx),
                "y": _f32(hf),
                "customdata": _f32(hs),
                "marker": {"size": look.marker(17), "color": color, "line": {"color": th.halo, "width": look.line(2)}},
                "name": safe(run.label),
                "hovertemplate": f"<b>{safe(run.label)}</b><br>"
                + _.fmt("step {n}", n="%{customdata:.0f}")
                + "<br>x = %{x:.4g}<br>f = %{y:.4g}<extra></extra>",
                "showlegend": False,
                "meta": {"role": "head", "run": r},
            }
        )
    div_idx = None
    dx, df, dt = _diverged(runs, plan, cv.window, cv.f_range, None, look)
    if len(dx):
        div_idx = len(data)
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": dx.tolist(),
                "y": df.tolist(),
                "text": dt,
                "marker": {
                    "symbol": "x-thin-open",
                    "size": look.marker(20),
                    "color": th.diverged,
                    "line": {"width": look.line(4), "color": th.diverged},
                },
                "hovertemplate": "%{text}<extra></extra>",
                "name": _("diverged"),
                "showlegend": False,
                "meta": {"role": "diverged"},
            }
        )
    layout = base_layout(look, height=height, margin={"l": 52, "r": 12, "t": 10, "b": 40})
    layout.update(
        {
            "showlegend": False,
            "hovermode": "closest",
            "dragmode": "zoom",
            "xaxis": axis(
                look, range=[x0, x1], title={"text": "x", "font": font(look)}, dtick=nice_step((x1 - x0) / 8)
            ),
            "yaxis": axis(look, grid=True, range=[f0, f1], title={"text": "f(x)", "font": font(look)}),
            "uirevision": f"{cv.name}|{cv.window}",
            "meta": {"frames": plan.n_frames, "stride": plan.stride},
        }
    )
    frames: list[dict] = []
    if animate and runs:
        traces = path_idx + head_idx + ([div_idx] if div_idx is not None else [])
        for fi, s in enumerate(plan.frame_steps):
            last_frame = fi == plan.n_frames - 1
            fdata = []
            for r, run in enumerate(runs):
                counts = None if last_frame else [int(np.searchsorted(k, s, side="right")) for k in plan.keep[r]]
                px, pf, ps = _path(run, plan.keep[r], counts)
                fdata.append({"type": "scatter", "x": _f32(px), "y": _f32(pf), "customdata": _f32(ps)})
            for r, run in enumerate(runs):
                counts = None if last_frame else [int(np.searchsorted(k, s, side="right")) for k in plan.keep[r]]
                hx, hf, hs = _heads(run, plan.keep[r], counts)
                fdata.append({"type": "scatter", "x": _f32(hx), "y": _f32(hf), "customdata": _f32(hs)})
            if div_idx is not None:
                fx, ff, ft = _diverged(runs, plan, cv.window, cv.f_range, None if last_frame else int(s), look)
                fdata.append({"type": "scatter", "x": fx.tolist(), "y": ff.tolist(), "text": ft})
            frames.append({"name": f"f{fi}", "traces": traces, "data": fdata})
        layout["meta"]["frame_names"] = [f["name"] for f in frames]
        layout["meta"]["frame_steps"] = [int(s) for s in plan.frame_steps]
    return Figure(data=data, layout=layout, frames=frames or None)


def theta_range(
    runs: Sequence[RunView], window: tuple[float, float], minima: Sequence[float] = ()
) -> tuple[tuple[float, float], list[tuple[int, int, int, float]]]:
    """The θ axis of theta_figure in a view window (x0, x1), as the contour map keeps to its window: the span
    of the iterates that are inside the window (and the minima there), padded, reaching the window's edge on a
    side some run leaves it by; and the escapes, (run, start, first step outside, the edge it crossed)."""
    x0, x1 = float(min(window)), float(max(window))
    lo, hi = np.inf, -np.inf
    escapes: list[tuple[int, int, int, float]] = []
    for r, run in enumerate(runs):
        last = run.last_valid()
        for b in range(run.batch):
            theta = np.asarray(run.points[: int(last[b]) + 1, b, 0], dtype=float)
            inside = np.isfinite(theta) & (theta >= x0) & (theta <= x1)
            if inside.any():
                lo, hi = min(lo, float(theta[inside].min())), max(hi, float(theta[inside].max()))
            out = np.flatnonzero(~inside)
            if len(out):
                t = int(out[0])
                v = float(theta[t])
                edge = x0 if np.isfinite(v) and v < x0 else x1
                escapes.append((r, b, t, edge))
    for m in minima:
        if x0 <= float(m) <= x1:
            lo, hi = min(lo, float(m)), max(hi, float(m))
    for _r, _b, _t, edge in escapes:
        lo, hi = min(lo, edge), max(hi, edge)
    if not np.isfinite(lo):  # nothing inside: the window itself
        lo, hi = x0, x1
    span = hi - lo if hi > lo else max(abs(hi), 1.0) * 0.1
    pad = 0.06 * span
    return (lo - pad, hi + pad), escapes


def theta_figure(
    runs: Sequence[RunView],
    minima: Sequence[float] = (),
    *,
    height: int = 420,
    look: Look = DEFAULT,
    label: Callable[[RunView, int], str] | None = None,
    window: tuple[float, float] | None = None,
) -> Figure:
    """θ_t (the 1-D iterate) against the iteration t for every run and start, like the course's first plot.

    With the view window (x0, x1) the θ axis keeps to it (theta_range): a run that leaves it (a diverging one)
    does not stretch the axis and flatten the others; its line stops at the first point outside (the last segment
    runs off the edge), where a triangle (role "escaped") says at which step it left. Without a window the axis fits every iterate."""
    _ = look.lang
    th = look.theme
    data: list[dict] = []
    steps = max((r.steps for r in runs), default=1)
    y_range, escapes = theta_range(runs, window, minima) if window is not None else (None, [])
    out_at = {(r, b): t for r, b, t, _edge in escapes}  # a line that leaves stops just outside the view
    for r, run in enumerate(runs):
        color = look.color_of(run)
        last = run.last_valid()
        for b in range(run.batch):
            n = int(last[b]) + 1
            if (r, b) in out_at:  # not its zigzag beyond the edge, which would cross the whole chart every step
                n = min(n, out_at[(r, b)] + 1)
            t = np.arange(n, dtype=float)
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines+markers" if n <= 120 else "lines",
                    "x": _f32(t),
                    "y": _f32(run.points[:n, b, 0]),
                    "line": {
                        "color": color,
                        "width": look.line(2.0),
                        "dash": ("solid", "dash", "dot", "dashdot")[b % 4],
                    },
                    "marker": {"size": look.marker(4), "color": color},
                    "name": safe(label(run, b) if label else run.label),
                    "hovertemplate": f"{safe(run.label)}<br>t = %{{x:.0f}}<br>θ = %{{y:.4g}}<extra></extra>",
                    "showlegend": False,
                    "meta": {"role": "theta", "run": r, "start": b},
                }
            )
    if escapes:
        assert y_range is not None
        runs = list(runs)
        ex, ey, symbols, colors, texts, hovers = [], [], [], [], [], []
        for r, b, left_at, edge in escapes:
            run = runs[r]
            up = edge >= y_range[1] - 0.5 * (y_range[1] - y_range[0])
            ex.append(float(left_at))
            ey.append(y_range[1] if up else y_range[0])
            symbols.append("triangle-up" if up else "triangle-down")
            colors.append(look.color_of(run))
            leaves = look.lang.fmt("leaves the view at step {step}", step=left_at)
            texts.append(leaves)
            d = int(run.diverged_at[b])
            why = look.lang.fmt("diverged at step {step}", step=d) if d >= 0 else ""
            name = safe(label(run, b) if label else run.label)
            hovers.append(f"<b>{name}</b><br>{leaves}" + (f"<br>{why}" if why else ""))
        data.append(
            {
                "type": "scatter",
                "mode": "markers+text",
                "x": ex,
                "y": ey,
                "text": texts,
                "textposition": ["bottom right" if s == "triangle-up" else "top right" for s in symbols],
                "textfont": font(look, 11),
                "marker": {"symbol": symbols, "color": colors, "size": look.marker(12), "line": {"width": 0}},
                "hovertext": hovers,
                "hovertemplate": "%{hovertext}<extra></extra>",
                "cliponaxis": False,
                "showlegend": False,
                "meta": {"role": "escaped"},
            }
        )
    shapes = [
        {
            "type": "line",
            "xref": "paper",
            "yref": "y",
            "x0": 0,
            "x1": 1,
            "y0": float(m),
            "y1": float(m),
            "line": {"color": th.muted, "width": look.line(1), "dash": "dot"},
            "name": "minimum",
        }
        for m in minima
    ]
    shapes.append(
        {
            "type": "line",
            "name": "step-cursor",
            "xref": "x",
            "yref": "paper",
            "x0": steps,
            "x1": steps,
            "y0": 0,
            "y1": 1,
            "line": {"color": th.ink, "width": look.line(1.5), "dash": "dot"},
            "layer": "above",
        }
    )
    layout = base_layout(look, height=height, margin={"l": 56, "r": 12, "t": 30, "b": 44})
    layout.update(
        {
            "showlegend": False,
            "hovermode": "closest",
            "xaxis": axis(look, grid=True, title={"text": _("iteration t"), "font": font(look)}, range=[0, steps]),
            "yaxis": axis(
                look,
                grid=True,
                title={"text": "θ<sub>t</sub>", "font": font(look)},
                **({"range": list(y_range)} if y_range is not None else {}),
            ),
            "shapes": shapes,
            "annotations": [
                {
                    "text": "<b>" + _("θ against the iteration") + "</b>",
                    "xref": "paper",
                    "yref": "paper",
                    "x": 0,
                    "y": 1.0,
                    "xanchor": "left",
                    "yanchor": "bottom",
                    "showarrow": False,
                    "font": font(look),
                }
            ],
        }
    )
    return Figure(data=data, layout=layout)
