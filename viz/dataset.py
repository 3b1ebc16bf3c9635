"""The data behind a finite-sum surface, and the model each run has fitted so far; the batch-size comparison.

``dataset_figure``: a scatter of the dataset (linreg: x against y; logreg: the two features, one marker per
class) with each run's current model — the line y = w·x + b, or the decision boundary w₁u + w₂v = 0 — and, when
the run samples mini-batches, the samples the step used ringed.  Its animation frames carry the *same names* as
the contour map's (pass ``frame_names`` / ``frame_steps`` from the contour figure's ``layout.meta``), so the
playback bar (ui.player) moves the map and the model together.

Trace order (each with ``meta.role``): ``data`` (one per class on logreg), ``model`` (one per run, ``meta.run``),
``batch`` (the samples of the step shown, when sampling mini-batches).  Frames update ``model`` and ``batch``.

``batch_curves_figure``: f − f* against epochs (or steps) for the rows of optim_core.batchtable — SGD, a
mini-batch and full batch with the same budget of gradient evaluations.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from look import DEFAULT, Look, RunView
from optim_core.batches import Sampling
from surfaces import Dataset

from .figure import Figure, typed_array
from .style import axis, base_layout, font, safe

TINY = 1e-16


def _bounds(values: np.ndarray, pad: float = 0.08) -> tuple[float, float]:
    lo, hi = float(np.min(values)), float(np.max(values))
    span = hi - lo or 1.0
    return lo - pad * span, hi + pad * span


def _model_xy(
    data: Dataset, theta: np.ndarray, xr: tuple[float, float], yr: tuple[float, float]
) -> tuple[list[float | None], list[float | None]]:
    """The model drawn in data space: the fitted line (linreg) or the decision boundary (logreg)."""
    if not np.isfinite(theta).all():
        return [None, None], [None, None]
    if data.loss == "mse":
        w, b = float(theta[0]), float(theta[1])
        return [xr[0], xr[1]], [w * xr[0] + b, w * xr[1] + b]
    norm = float(np.hypot(theta[0], theta[1]))
    if norm == 0.0:
        return [None, None], [None, None]
    reach = 2.0 * float(np.hypot(xr[1] - xr[0], yr[1] - yr[0])) + float(np.hypot(*xr)) + float(np.hypot(*yr))
    dx, dy = -theta[1] / norm * reach, theta[0] / norm * reach
    return [-dx, dx], [-dy, dy]


def _theta_at(run: RunView, step: int | None) -> np.ndarray:
    last = int(run.last_valid()[0])
    k = last if step is None else min(int(step), last)
    return run.points[k, 0]


def _batch_marks(data: Dataset, idx: np.ndarray | None) -> tuple[list[float], list[float]]:
    if idx is None or len(idx) == 0:
        return [], []
    xy = data.inputs if data.inputs.shape[1] == 2 else np.column_stack([data.inputs[:, 0], data.targets])
    return xy[idx, 0].tolist(), xy[idx, 1].tolist()


def dataset_figure(
    data: Dataset,
    runs: Sequence[RunView],
    *,
    frame_names: Sequence[str] = (),
    frame_steps: Sequence[int] = (),
    sampling: Sampling | None = None,
    batch_label: str | None = None,
    height: int = 360,
    look: Look = DEFAULT,
) -> Figure:
    """The dataset and every run's model at its last step, animated over ``frame_steps`` (see the module doc).

    sampling: whose batches are ringed; batch_label: that run's label, when the runs do not all sample alike."""
    _ = look.lang
    th = look.theme
    two_features = data.inputs.shape[1] == 2
    if two_features:
        px, py = data.inputs[:, 0], data.inputs[:, 1]
        x_title, y_title = "u", "v"
    else:
        px, py = data.inputs[:, 0], data.targets
        x_title, y_title = "x", "y"
    xr, yr = _bounds(px), _bounds(py)
    traces: list[dict] = []
    if two_features:
        for cls, symbol, color, name in (
            (1.0, "circle", th.ink, _("class 1")),
            (0.0, "x-thin-open", th.muted, _("class 0")),
        ):
            sel = data.targets == cls
            traces.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "x": typed_array(px[sel]),
                    "y": typed_array(py[sel]),
                    "marker": {
                        "symbol": symbol,
                        "size": look.marker(5),
                        "color": color,
                        "opacity": 0.55,
                        "line": {"width": look.line(1.2), "color": color},
                    },
                    "name": name,
                    "hoverinfo": "skip",
                    "meta": {"role": "data", "class": int(cls)},
                }
            )
    else:
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": typed_array(px),
                "y": typed_array(py),
                "marker": {"size": look.marker(5), "color": th.muted, "opacity": 0.55},
                "name": _("data"),
                "hoverinfo": "skip",
                "meta": {"role": "data"},
            }
        )
    first_model = len(traces)
    for r, run in enumerate(runs):
        mx, my = _model_xy(data, _theta_at(run, None), xr, yr)
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": mx,
                "y": my,
                "line": {"color": look.color_of(run), "width": look.line(2.6)},
                "name": safe(run.label),
                "hoverinfo": "skip",
                "meta": {"role": "model", "run": r},
            }
        )
    mini = sampling is not None and not sampling.full_batch
    batch_trace = None
    last_step = max((r.steps for r in runs), default=0)
    if mini:
        assert sampling is not None
        bx, by = _batch_marks(data, sampling.indices(last_step) if last_step >= 1 else None)
        batch_trace = len(traces)
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": bx,
                "y": by,
                "marker": {
                    "symbol": "circle-open",
                    "size": look.marker(11),
                    "color": th.diverged,
                    "line": {"width": look.line(1.8), "color": th.diverged},
                },
                "name": _("this step's batch")
                if batch_label is None
                else _.fmt("this step's batch ({run})", run=safe(batch_label)),
                "hoverinfo": "skip",
                "meta": {"role": "batch"},
            }
        )
    frames: list[dict] = []
    if frame_names and len(frame_names) == len(frame_steps):
        batch_of = _batch_lookup(sampling, [int(s) for s in frame_steps]) if mini else {}
        for name, s in zip(frame_names, frame_steps):
            fdata: list[dict] = []
            idx: list[int] = []
            for r, run in enumerate(runs):
                mx, my = _model_xy(data, _theta_at(run, int(s)), xr, yr)
                fdata.append({"type": "scatter", "x": mx, "y": my})
                idx.append(first_model + r)
            if batch_trace is not None:
                bx, by = _batch_marks(data, batch_of.get(int(s)))
                fdata.append({"type": "scatter", "x": bx, "y": by})
                idx.append(batch_trace)
            frames.append({"name": str(name), "traces": idx, "data": fdata})
    layout = base_layout(look, height=height, margin={"l": 48, "r": 12, "t": 30, "b": 40})
    title = _("The data and each run's model") if not two_features else _("The data and each run's boundary")
    layout.update(
        {
            "showlegend": False,
            "hovermode": False,
            "dragmode": False,
            "xaxis": axis(look, grid=True, range=list(xr), title={"text": x_title, "font": font(look)}),
            "yaxis": axis(look, grid=True, range=list(yr), title={"text": y_title, "font": font(look)}),
            "annotations": [
                {
                    "text": "<b>" + title + "</b>",
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
            "meta": {"frame_names": [f["name"] for f in frames], "frame_steps": [int(s) for s in frame_steps]},
        }
    )
    return Figure(data=traces, layout=layout, frames=frames or None)


def _batch_lookup(sampling: Sampling | None, steps: list[int]) -> dict[int, np.ndarray]:
    """The indices of each wanted step (≥ 1), drawing the batches once in order."""
    from optim_core.batches import batches

    if sampling is None:
        return {}
    wanted = sorted({s for s in steps if 1 <= s <= sampling.steps})
    out: dict[int, np.ndarray] = {}
    it = batches(sampling.n_samples, sampling.batch_size, sampling.seed)
    k = 0
    for s in wanted:
        while k < s:
            idx = next(it)
            k += 1
        out[s] = idx
    return out


def batch_curves_figure(rows: Sequence, *, x: str = "epochs", height: int = 300, look: Look = DEFAULT) -> Figure:
    """f − f* (log) against epochs or steps for rows of optim_core.batchtable.compare_batch_sizes."""
    _ = look.lang
    th = look.theme
    dashes = ("dot", "dash", "solid")
    traces = []
    for k, row in enumerate(rows):
        xs = row.epochs_axis if x == "epochs" else np.arange(row.gap_curve.shape[0], dtype=float)
        ys = np.maximum(row.gap_curve, TINY)
        stride = max(1, int(np.ceil(xs.shape[0] / 1500)))
        keep = np.arange(0, xs.shape[0], stride)
        if keep[-1] != xs.shape[0] - 1:
            keep = np.append(keep, xs.shape[0] - 1)
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": typed_array(xs[keep]),
                "y": typed_array(ys[keep]),
                "line": {"color": th.run_color(k), "width": look.line(2.0), "dash": dashes[k % 3]},
                "name": f"B = {row.batch_size} · {_(row.method)}",
                "hovertemplate": f"B = {row.batch_size}: %{{y:.3g}}<extra></extra>",
                "meta": {"role": "batch_curve", "batch_size": row.batch_size},
            }
        )
    layout = base_layout(look, height=height, margin={"l": 56, "r": 12, "t": 30, "b": 44})
    layout.update(
        {
            "showlegend": True,
            "legend": {"font": font(look), "orientation": "h", "y": -0.25, "x": 0},
            "xaxis": axis(
                look,
                grid=True,
                title={"text": _("epochs (passes over the data)") if x == "epochs" else _("steps"), "font": font(look)},
            ),
            "yaxis": axis(look, grid=True, type="log", title={"text": "f − f*", "font": font(look)}),
            "annotations": [
                {
                    "text": "<b>" + _("Same data budget, three batch sizes") + "</b>",
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
    return Figure(data=traces, layout=layout)
