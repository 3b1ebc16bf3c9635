"""Loss, distance to the nearest known minimum and gradient norm against the step.

Three panels, side by side (``arrange="columns"``) or stacked with a shared
step axis (``arrange="rows"``, for a column next to the contour map).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from look import DEFAULT, Look, RunView

from .figure import Figure, typed_array
from .style import axis, base_layout, font, safe

MAX_POINTS = 1500  # per line
POINT_BUDGET = 60_000  # over all lines: 8 runs × 8 starts × 3 panels still ships well under 1 MB
TINY = 1e-16  # floor for log axes (exact zeros)
METRICS = ("loss", "dist", "grad_norm")


def _indices(n: int, cap: int = MAX_POINTS) -> np.ndarray:
    if n <= cap:
        return np.arange(n)
    s = int(np.ceil(n / cap))
    s += 1 - s % 2
    k = np.arange(0, n, s)
    return k if k[-1] == n - 1 else np.append(k, n - 1)


def metrics_figure(
    runs: Sequence[RunView],
    *,
    f_star: float | None = None,
    height: int = 300,
    legend: bool = True,
    arrange: str = "columns",
    look: Look = DEFAULT,
) -> Figure:
    """f − f* (or f when no minimum is known), distance to the nearest minimum, ‖∇f‖ — log y where meaningful."""
    _ = look.lang
    th = look.theme
    loss_gap = f_star is not None
    has_dist = any(r.dist is not None for r in runs)
    panels = [
        ("f − f*" if loss_gap else "f", "log" if loss_gap else "linear", "loss"),
        (_("distance to nearest minimum"), "log", "dist"),
        (_("gradient norm ‖∇f‖"), "log", "grad_norm"),
    ]
    if not has_dist:  # no known minimum: no distance panel
        panels = [p for p in panels if p[2] != "dist"]
    slot = {p[2]: i for i, p in enumerate(panels)}
    rows = arrange == "rows"
    n = len(panels)
    gap = 0.09 if rows else 0.07
    size = (1 - gap * (n - 1)) / n
    spans: list[list[float]] = [[] for _ in panels]  # positive values per panel, to pick log tick spacing
    data: list[dict] = []
    n_lines = max(1, sum(r.batch for r in runs) * len(panels))
    cap = int(min(MAX_POINTS, max(200, POINT_BUDGET // n_lines)))
    for r, run in enumerate(runs):
        color = look.color_of(run)
        label = safe(run.label)
        last = run.last_valid()
        for b in range(run.batch):
            k = _indices(int(last[b]) + 1, cap)
            steps = k.astype(float)
            series = {
                "loss": np.maximum(run.loss[k, b] - f_star, TINY) if loss_gap else run.loss[k, b],
                "dist": np.maximum(run.dist[k, b], TINY) if run.dist is not None else None,
                "grad_norm": np.maximum(run.grad_norm[k, b], TINY),
            }
            diverged = int(run.diverged_at[b]) >= 0
            for metric, y in series.items():
                if y is None or metric not in slot:
                    continue
                p = slot[metric]
                fin = y[np.isfinite(y) & (y > 0)]
                if fin.size:
                    spans[p] += [float(fin.min()), float(fin.max())]
                ax = "" if p == 0 else str(p + 1)
                data.append(
                    {
                        "type": "scatter",
                        "mode": "lines",
                        "x": typed_array(steps),
                        "y": typed_array(np.clip(y, -3e38, 3e38)),
                        "xaxis": f"x{ax}",
                        "yaxis": f"y{ax}",
                        "line": {
                            "color": color,
                            "width": look.line(2.2),
                            "dash": ("solid", "dash", "dot", "dashdot")[b % 4],
                        },
                        "name": label,
                        "legendgroup": f"run{r}",
                        "showlegend": legend and p == 0 and b == 0,
                        "hovertemplate": f"{label}: %{{y:.4g}}<extra></extra>",
                        "meta": {"role": "metric", "run": r, "start": b, "metric": metric},
                    }
                )
                if diverged:
                    data.append(
                        {
                            "type": "scatter",
                            "mode": "markers",
                            "x": [float(steps[-1])],
                            "y": [float(np.clip(y[-1], -3e38, 3e38))],
                            "xaxis": f"x{ax}",
                            "yaxis": f"y{ax}",
                            "showlegend": False,
                            "legendgroup": f"run{r}",
                            "name": label,
                            "marker": {
                                "symbol": "x-thin-open",
                                "size": look.marker(13),
                                "color": th.diverged,
                                "line": {"width": look.line(3.5), "color": th.diverged},
                            },
                            "hovertemplate": label
                            + ": "
                            + _.fmt("diverged after step {step}", step="%{x}")
                            + "<extra></extra>",
                            "meta": {"role": "diverged", "run": r, "start": b},
                        }
                    )
    top = int((58 if legend else (22 if rows else 30)) * look.scale)
    bottom = int(40 * look.scale)
    layout: dict = base_layout(look, height=height, margin={"l": int(56 * look.scale), "r": 18, "t": top, "b": bottom})
    layout.update(
        {
            "showlegend": legend,
            "hovermode": "x unified",
            "legend": {
                "orientation": "h",
                "x": 0,
                "y": 1.0 + 40 * look.scale / max(height - top - bottom, 100),
                "yanchor": "bottom",
                "font": font(look),
            },
            "annotations": [],
        }
    )
    axis_style = axis(look, grid=True, ticklen=3)
    step_title = _("step")
    for p, (title, ytype, _metric) in enumerate(panels):
        ax = "" if p == 0 else str(p + 1)
        lo = p * (size + gap)
        if rows:
            # panel 0 on top; all share the bottom panel's step axis
            y0 = max(0.0, round(1 - lo - size, 6))
            xdom, ydom = [0.0, 1.0], [y0, min(1.0, round(y0 + size, 6))]
            xaxis = {
                "domain": xdom,
                "anchor": f"y{ax}",
                **axis_style,
                "showticklabels": p == n - 1,
                **({"matches": "x"} if p else {}),
                **({"title": {"text": step_title, "standoff": 2, "font": font(look)}} if p == n - 1 else {}),
            }
            note = {"x": 0.01, "xanchor": "left", "y": ydom[1], "yanchor": "bottom"}
        else:
            xdom, ydom = [round(lo, 6), min(1.0, round(lo + size, 6))], [0.0, 1.0]
            xaxis = {
                "domain": xdom,
                "anchor": f"y{ax}",
                **axis_style,
                "title": {"text": step_title, "standoff": 4, "font": font(look)},
            }
            note = {"x": lo + size / 2, "xanchor": "center", "y": 1.0, "yanchor": "bottom"}
        layout[f"xaxis{ax}"] = xaxis
        layout[f"yaxis{ax}"] = {
            "anchor": f"x{ax}",
            "domain": ydom,
            "type": ytype,
            **axis_style,
            "exponentformat": "power",
        }
        if ytype == "log" and spans[p]:
            decades = np.log10(max(spans[p])) - np.log10(min(spans[p]))
            if decades >= 1.2:  # label powers of ten only (no 2, 5 clutter between them)
                layout[f"yaxis{ax}"]["dtick"] = 1 if decades < 6 else (2 if decades < 12 else 4)
        layout["annotations"].append(
            {
                "text": _.join([f"<b>{title}</b>", _("(log)")]) if rows and ytype == "log" else f"<b>{title}</b>",
                "xref": "paper",
                "yref": "paper",
                "showarrow": False,
                "font": font(look, 13 if rows else 14),
                **note,
            }
        )
    return Figure(data=data, layout=layout)
