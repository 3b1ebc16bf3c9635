"""CSV and JSON of every path in a scene, and readers that round-trip them.

One row per (run, start, step): the run's index, label, optimizer and every
hyperparameter (one column each, blank where a run's optimizer has no such
parameter, including the base ``lr``), then step, x, y, loss, gradient norm,
``step_lr`` (the scheduled learning rate actually used to take that step) and
where the run diverged.  Floats are written with repr(), so
reading the file back gives the same float64 numbers bit for bit.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from optim_core import Trajectory
from optim_core.scene import Scene

BASE_COLUMNS = ["run", "label", "optimizer", "start", "step", "x", "y", "loss", "grad_norm", "step_lr", "diverged_at"]


def _param_columns(trajectories: Sequence[Trajectory]) -> list[str]:
    names: list[str] = []
    for t in trajectories:
        for p in t.optimizer.hyperparams:
            if p.name not in names:
                names.append(p.name)
    return names


def _fmt(v: Any) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    return str(v)


def _lr_at(t: Trajectory, step: int, b: int) -> float | None:
    """Learning rate used to take `step` (None for the start row)."""
    if step == 0:
        return None
    lr = t.lr[step - 1]
    return float(lr[b] if np.ndim(lr) else lr)


def paths_csv(scene: Scene, trajectories: Sequence[Trajectory]) -> str:
    params = _param_columns(trajectories)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(BASE_COLUMNS + params)
    for i, (label, t) in enumerate(zip(scene.run_labels(), trajectories)):
        for b in range(t.batch):
            hp = t.params_for(b)
            d = t.diverged_step(b)
            tail = [_fmt(hp[name]) if name in hp else "" for name in params]
            for k in range(t.steps + 1):
                lr = _lr_at(t, k, b)
                w.writerow(
                    [
                        i,
                        label,
                        t.optimizer.id,
                        b,
                        k,
                        _fmt(t.points[k, b, 0]),
                        _fmt(t.points[k, b, 1]),
                        _fmt(t.loss[k, b]),
                        _fmt(t.grad_norm[k, b]),
                        "" if lr is None else _fmt(lr),
                        "" if d is None else d,
                        *tail,
                    ]
                )
    return buf.getvalue()


def read_paths_csv(text: str) -> dict[tuple[int, int], dict[str, np.ndarray]]:
    """{(run, start): {"x", "y", "loss", "grad_norm": arrays by step, "params": {...}}}."""
    out: dict[tuple[int, int], dict[str, Any]] = {}
    reader = csv.DictReader(io.StringIO(text))
    param_names = [c for c in (reader.fieldnames or []) if c not in BASE_COLUMNS]
    for row in reader:
        key = (int(row["run"]), int(row["start"]))
        entry = out.setdefault(
            key,
            {
                "x": [],
                "y": [],
                "loss": [],
                "grad_norm": [],
                "optimizer": row["optimizer"],
                "label": row["label"],
                "diverged_at": None if row["diverged_at"] == "" else int(row["diverged_at"]),
                "params": {n: _parse(row[n]) for n in param_names if row[n] != ""},
            },
        )
        for c in ("x", "y", "loss", "grad_norm"):
            entry[c].append(float(row[c]))
    for entry in out.values():
        for c in ("x", "y", "loss", "grad_norm"):
            entry[c] = np.array(entry[c])
    return out


def _parse(text: str) -> Any:
    return text == "true" if text in ("true", "false") else float(text)


def paths_json(scene: Scene, trajectories: Sequence[Trajectory]) -> str:
    """The scene (reloadable) plus every path with its resolved hyperparameters in the reference's spelling."""
    runs = []
    for label, t in zip(scene.run_labels(), trajectories):
        paths = []
        for b in range(t.batch):
            paths.append(
                {
                    "start": t.points[0, b].tolist(),
                    "points": t.points[:, b].tolist(),
                    "loss": t.loss[:, b].tolist(),
                    "grad_norm": t.grad_norm[:, b].tolist(),
                    "diverged_at": t.diverged_step(b),
                    "divergence_reason": t.reasons[b],
                }
            )
        runs.append(
            {
                "label": label,
                "optimizer": t.optimizer.id,
                "reference": t.optimizer.reference,
                "params": t.optimizer.reference_kwargs(t.params_for(0)),
                "paths": paths,
            }
        )
    return json.dumps({"scene": scene.to_dict(), "surface": _surface_info(trajectories), "runs": runs})


def _surface_info(trajectories: Sequence[Trajectory]) -> dict[str, Any]:
    s = trajectories[0].surface if trajectories else None
    if s is None:
        return {}
    return {
        "id": s.id,
        "name": s.name,
        "formula": s.formula or str(s.expr),
        "latex": s.tex,
        "minima": [list(m) for m in s.minima],
    }


def read_paths_json(text: str) -> dict[str, Any]:
    data = json.loads(text)
    for run in data["runs"]:
        for p in run["paths"]:
            for k in ("points", "loss", "grad_norm"):
                p[k] = np.array(p[k], dtype=float)
    return data
