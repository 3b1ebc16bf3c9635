"""The 1-D learning-rate sweep of one run: final f − f* against lr, both on log axes (optim_core.tune.tune_lr).

What "Tune each run" shows for each run, so the choice of lr is visible rather than announced: where the run
converges, where it crawls, where it diverges, which lr the search picked and where the run's own lr sits.

Traces (each with ``meta.role``):
  sweep     the grid's lrs against the final f − f* (f itself when the surface has no known minimum); a gap in
            the line where the run diverged
  floor     lrs whose final f − f* is below the plot's floor (reached f* to rounding): drawn on the floor
  diverged  ✕ in a band at the top, one per diverged lr
  current   the run's own lr on the curve (when it is a grid value and did not diverge)
  best      ★ at the best lr
Shapes (``name``): "current" and "best" (vertical lines at those lrs), "bound" (the stability bound, e.g.
2/L, where linear theory gives one and it lies inside the grid), "diverged-band" (the band's background).
``layout.meta`` repeats the numbers: lrs, the floor, the bound and its formula.
"""

from __future__ import annotations

import math

import numpy as np

from look import DEFAULT, Look, rgba, sig
from optim_core.tune import LrTuning

from .figure import Figure
from .style import axis, base_layout, font

FLOOR_DECADES = 20.0
"""Values more than this many decades below the largest finite one are drawn at that floor (f* reached to
rounding: a 1e-300 would otherwise squash the rest of the curve into a line)."""


def _axis_values(values: np.ndarray, log: bool) -> tuple[float, float, float]:
    """(low, high, floor) of the finite values, on the axis' own scale (log10 for a log axis)."""
    finite = values[np.isfinite(values)]
    if log:
        pos = finite[finite > 0]
        if not pos.size:
            return -1.0, 1.0, -1.0
        hi = float(np.log10(pos.max()))
        floor = hi - FLOOR_DECADES
        lo = max(float(np.log10(pos.min())), floor)
        if finite.size > pos.size:  # exact zeros: drawn on the floor
            lo = floor if lo - floor < 1.0 else lo - 1.0
        return lo, hi, lo
    if not finite.size:
        return 0.0, 1.0, 0.0
    lo, hi = float(finite.min()), float(finite.max())
    return lo, hi, lo


def sweep_figure(
    t: LrTuning,
    *,
    current_lr: float | None = None,
    color: str | None = None,
    height: int = 260,
    look: Look = DEFAULT,
) -> Figure:
    """The sweep of one run's lr as tune_lr measured it (t.lrs, t.final_gap, t.diverged, t.best_lr, t.bound)."""
    _ = look.lang
    th = look.theme
    color = color or th.run_color(0)
    lrs = np.asarray(t.lrs, dtype=float)
    gap = np.where(t.diverged, np.nan, np.asarray(t.final_gap, dtype=float))
    relative = t.f_star is not None
    finite = gap[np.isfinite(gap)]
    log_y = relative or (finite.size > 0 and bool((finite > 0).all()))
    lo, hi, floor = _axis_values(gap, log_y)
    span = max(hi - lo, 1.0 if log_y else max(abs(hi), 1e-12))
    top = hi + 0.12 * span
    band = (top, top + 0.16 * span)  # the diverged marks' band, above everything else
    y_label = _("final f − f*") if relative else _("final f")

    def place(v: float) -> float:
        """A value as it is drawn: on the axis' scale (log10 on a log axis), floored."""
        if not log_y:
            return v
        return max(math.log10(v), floor) if v > 0 else floor

    def shown(v: float) -> float:
        return 10.0**v if log_y else v

    y_drawn = np.array([shown(place(v)) if np.isfinite(v) else np.nan for v in gap])
    on_floor = np.array([bool(np.isfinite(v) and log_y and (v <= 0 or math.log10(v) < floor)) for v in gap])
    hover_gap = [sig(float(v)) if np.isfinite(v) else _("diverged") for v in gap]
    lr_word = _("lr")
    data: list[dict] = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "x": lrs.tolist(),
            "y": [None if not np.isfinite(v) else float(v) for v in y_drawn],
            "text": hover_gap,
            "line": {"color": color, "width": look.line(2.0)},
            "marker": {"size": look.marker(5), "color": color},
            "connectgaps": False,
            "hovertemplate": f"{lr_word} = %{{x:.3g}}<br>{y_label} = %{{text}}<extra></extra>",
            "showlegend": False,
            "meta": {"role": "sweep"},
        }
    ]
    if on_floor.any():
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": lrs[on_floor].tolist(),
                "y": y_drawn[on_floor].tolist(),
                "text": [hover_gap[k] for k in np.flatnonzero(on_floor)],
                "marker": {"size": look.marker(8), "color": th.paper, "line": {"color": color, "width": 1.5}},
                "hovertemplate": f"{lr_word} = %{{x:.3g}}<br>{y_label} = %{{text}} "
                + _("(at or below the floor of this plot)")
                + "<extra></extra>",
                "showlegend": False,
                "meta": {"role": "floor"},
            }
        )
    div = np.asarray(t.diverged, dtype=bool)
    y_div = shown((band[0] + band[1]) / 2)
    if div.any():
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": lrs[div].tolist(),
                "y": [y_div] * int(div.sum()),
                "marker": {
                    "symbol": "x-thin-open",
                    "size": look.marker(9),
                    "color": th.diverged,
                    "line": {"width": look.line(2), "color": th.diverged},
                },
                "hovertemplate": f"{lr_word} = %{{x:.3g}}<br>" + _("diverged") + "<extra></extra>",
                "showlegend": False,
                "meta": {"role": "diverged"},
            }
        )
    shapes: list[dict] = []
    annotations: list[dict] = []
    x_lo, x_hi = float(lrs.min()), float(lrs.max())

    def vline(name: str, x: float, dash: str, line_color: str, label: str, y: float = 1.0) -> None:
        shapes.append(
            {
                "type": "line",
                "name": name,
                "xref": "x",
                "yref": "paper",
                "x0": x,
                "x1": x,
                "y0": 0,
                "y1": 1,
                "line": {"color": line_color, "width": look.line(1.3), "dash": dash},
                "layer": "below",
            }
        )
        annotations.append(
            {
                "name": name,
                "text": label,
                "x": math.log10(x),
                "xref": "x",
                "y": y,
                "yref": "paper",
                "xanchor": "left",
                "yanchor": "bottom" if y < 0.5 else ("top" if y > 0.5 else "middle"),
                "showarrow": False,
                "font": font(look, 11, line_color),
                "bgcolor": rgba(th.paper, 0.75),
            }
        )

    if current_lr is not None and current_lr > 0:
        vline("current", float(current_lr), "dot", th.ink, _.fmt("now {lr}", lr=sig(current_lr)), 0.0)
        k = _grid_index(lrs, float(current_lr))
        if k is not None and np.isfinite(y_drawn[k]):
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "x": [float(lrs[k])],
                    "y": [float(y_drawn[k])],
                    "text": [hover_gap[k]],
                    "marker": {
                        "size": look.marker(13),
                        "color": "rgba(0,0,0,0)",
                        "line": {"color": th.ink, "width": 2},
                    },
                    "hovertemplate": _("now") + f": {lr_word} = %{{x:.3g}}<br>{y_label} = %{{text}}<extra></extra>",
                    "showlegend": False,
                    "meta": {"role": "current"},
                }
            )
    best = t.best_lr
    if best is not None:
        k = t.best_index
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": [float(best)],
                "y": [float(y_drawn[k])],
                "text": [hover_gap[k]],
                "marker": {
                    "symbol": "star",
                    "size": look.marker(16),
                    "color": color,
                    "line": {"color": th.ink, "width": look.line(1.2)},
                },
                "hovertemplate": _("best") + f": {lr_word} = %{{x:.3g}}<br>{y_label} = %{{text}}<extra></extra>",
                "showlegend": False,
                "meta": {"role": "best"},
            }
        )
        vline("best", float(best), "dash", color, _.fmt("best {lr}", lr=sig(best)))
    if t.bound is not None and x_lo <= t.bound <= x_hi:
        formula = _(t.bound_formula) if t.bound_formula else ""
        vline("bound", float(t.bound), "solid", th.muted, f"{formula} ≈ {sig(t.bound)}", 0.5)
        annotations[-1]["xanchor"] = "right"
    shapes.append(
        {
            "type": "rect",
            "name": "diverged-band",
            "xref": "paper",
            "yref": "y",
            "x0": 0,
            "x1": 1,
            "y0": shown(band[0]),
            "y1": shown(band[1]),
            "fillcolor": th.grid,
            "opacity": 0.5,
            "line": {"width": 0},
            "layer": "below",
        }
    )
    layout = base_layout(look, height=height, margin={"l": 58, "r": 12, "t": 8, "b": 40})
    y_range = [lo - 0.08 * span, band[1]]
    layout.update(
        {
            "showlegend": False,
            "hovermode": "closest",
            "dragmode": False,
            "xaxis": axis(
                look,
                grid=True,
                type="log",
                range=[math.log10(x_lo) - 0.1, math.log10(x_hi) + 0.1],
                title={"text": _("learning rate"), "font": font(look)},
                exponentformat="power",
            ),
            "yaxis": axis(
                look,
                grid=True,
                type="log" if log_y else "linear",
                range=y_range,
                **({"dtick": max(1, math.ceil((y_range[1] - y_range[0]) / 5))} if log_y else {}),
                title={"text": y_label, "font": font(look)},
                exponentformat="power",
            ),
            "shapes": shapes,
            "annotations": annotations,
            "meta": {
                "lrs": lrs.tolist(),
                "log_y": log_y,
                "floor": shown(floor) if log_y else None,
                "best_lr": best,
                "bound": t.bound,
                "bound_formula": t.bound_formula,
                "diverged_y": y_div,
            },
        }
    )
    return Figure(data=data, layout=layout)


def _grid_index(lrs: np.ndarray, lr: float) -> int | None:
    """The index of lr in the grid (to rounding), or None when it is not a grid value."""
    close = np.flatnonzero(np.isclose(lrs, lr, rtol=1e-9, atol=0.0))
    return int(close[0]) if close.size else None
