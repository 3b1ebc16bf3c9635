"""Every step of one run in a table: step, the point, f, |g|, the lr, the gradient, Δθ, the effective lr, each
state buffer the reference keeps and each indicator — the same numbers the equation shows, downloadable as CSV.

Dimension-agnostic: a coordinate column per axis (``x`` on a curve, ``x`` and ``y`` on a surface).  Row 0 is
the start (no step yet: its step columns are empty); a diverged run's rows from its divergence step on are empty
too.  Column names use the reference's own state keys (``exp_avg[x]``), so a CSV lines up with torch's
``optimizer.state``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np

from optim_core.trajectory import Trajectory

from .vectors import record_of

COORDS = ("x", "y")


@dataclass(frozen=True, eq=False)
class StepTable:
    columns: list[str]
    values: np.ndarray  # (S+1, len(columns)) float64, NaN where empty

    def column(self, name: str) -> np.ndarray:
        return self.values[:, self.columns.index(name)]

    def rows(self, first: int, last: int) -> np.ndarray:
        """Rows first … last (steps, clipped to the table)."""
        first = max(0, first)
        return self.values[first : last + 1]

    def to_csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(self.columns)
        for row in self.values:
            w.writerow(["" if not np.isfinite(v) else _cell(v) for v in row])
        return buf.getvalue()


def _cell(v: float) -> str:
    return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(float(v))


def step_table(traj: Trajectory, b: int = 0) -> StepTable:
    """The table of start b of a trajectory run with ``record_state=True``."""
    rec = record_of(traj)
    spec = traj.optimizer
    steps, dim = rec.lr.shape[0], traj.dim
    axes = COORDS[:dim]
    cols: list[str] = ["step", *axes, "f", "|g|", "lr"]
    data: list[np.ndarray] = [
        np.arange(steps + 1, dtype=float),
        *(traj.points[:, b, k] for k in range(dim)),
        traj.loss[:, b],
        traj.grad_norm[:, b],
        _pad(rec.lr[:, b]),
    ]

    def vector(name: str, arr: np.ndarray) -> None:
        for k, ax in enumerate(axes):
            cols.append(f"{name}[{ax}]")
            data.append(_pad(arr[:, b, k]))

    vector("g", rec.grad)
    vector("Δθ", rec.delta)
    vector("eff_lr", rec.eff_lr)
    for buf in spec.buffers:
        kept = np.broadcast_to(np.asarray(buf.active(traj.params)), (traj.batch,))[b]
        if not kept:
            continue
        arr = rec.state[buf.name]
        if arr.ndim == 3:
            vector(buf.name, arr)
        else:
            cols.append(buf.name)
            data.append(_pad(arr[:, b]))
    for ind in spec.indicators:
        arr = rec.indicators[ind.name]
        if np.isnan(arr[:, b]).all():
            continue
        if arr.ndim == 3:
            vector(ind.name, arr)
        else:
            cols.append(ind.name)
            data.append(_pad(arr[:, b]))
    values = np.column_stack(data).astype(float)
    d = traj.diverged_step(b)
    if d is not None:
        values[d:, 1:] = np.nan  # the point repeats the last finite one there: not a step
    return StepTable(cols, values)


def _pad(a: np.ndarray) -> np.ndarray:
    """A per-step column (S,) as a table column (S+1,): row 0 (the start) empty."""
    return np.concatenate([[np.nan], np.asarray(a, dtype=float)])
