"""CSV and JSON of every path in a scene, built on demand and bounded, and readers that round-trip them.

One row per (run, start, step): the run's index, label, optimizer and every
hyperparameter (one column each, blank where a run's optimizer has no such
parameter, including the base ``lr``), then step, x, y, loss, gradient norm,
``step_lr`` (the scheduled learning rate actually used to take that step),
where the run diverged, and on a dataset surface ``batch_size`` and ``epoch``
(the epoch the step belongs to, 0 for the start; blank on other surfaces).  Floats are written with repr(), so
reading the file back gives the same float64 numbers bit for bit.

Bounded: a file holds at most :data:`MAX_ROWS` (run, start, step) rows.  A bigger scene (8 runs × 8 starts ×
10 000 steps is 640 000 rows, ~100 MB of CSV) keeps every k-th step of every path, with k the smallest
stride that fits, and always the first step, the last step and the step where a path diverged; the ``step``
column (CSV) and the ``steps`` list (JSON, with ``"step_stride": k``) say which steps are there.  Within the
bound nothing is left out.

On demand: :func:`iter_paths_csv` / :func:`iter_paths_json` yield the file in pieces (one path at a time), so a
caller can stream it or build it only when someone asks for it (Streamlit's download button takes a
callable); :func:`paths_csv` / :func:`paths_json` join the pieces.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from optim_core import Trajectory
from optim_core.scene import Scene
from surfaces import dataset_of

BASE_COLUMNS = [
    "run",
    "label",
    "optimizer",
    "start",
    "step",
    "x",
    "y",
    "loss",
    "grad_norm",
    "step_lr",
    "diverged_at",
    "batch_size",
    "epoch",
]
MAX_ROWS = 200_000  # ≈ 30 MB of CSV, 16 MB of JSON; built in ~1 s on the project's server


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


def total_rows(trajectories: Sequence[Trajectory]) -> int:
    """(run, start, step) rows of the unthinned file."""
    return sum(int(t.batch) * (int(t.steps) + 1) for t in trajectories)


def step_stride(trajectories: Sequence[Trajectory], max_rows: int = MAX_ROWS) -> int:
    """1 when every step fits in max_rows rows, else the smallest stride that fits (first, last and divergence
    steps are kept on top of every stride-th step, hence the margin)."""
    total = total_rows(trajectories)
    if total <= max_rows:
        return 1
    paths = sum(int(t.batch) for t in trajectories)
    room = max(1, max_rows - 2 * paths)
    return max(2, math.ceil(total / room))


def kept_steps(t: Trajectory, b: int, stride: int) -> np.ndarray:
    """Steps of path (t, b) a file holds: all, or every stride-th plus the last and the divergence step."""
    n = int(t.steps)
    if stride <= 1:
        return np.arange(n + 1)
    keep = set(range(0, n + 1, stride))
    keep.add(n)
    d = t.diverged_step(b)
    if d is not None:
        keep.update(k for k in (d - 1, d) if 0 <= k <= n)
    return np.array(sorted(keep))


def _lr_column(t: Trajectory, b: int, steps: np.ndarray) -> list[str]:
    """Learning rate used to take each step ("" for the start row)."""
    lr = np.asarray(t.lr, dtype=float)
    col = lr[:, b] if lr.ndim == 2 else lr
    return ["" if k == 0 else repr(float(col[k - 1])) for k in steps]


def _epoch_column(t: Trajectory, steps: np.ndarray) -> list[str]:
    """The epoch of each kept step on a dataset surface (0 for the start row); blanks elsewhere."""
    if t.sampling is None:
        return [""] * len(steps)
    epoch = np.concatenate([[0], t.sampling.epoch])
    return [str(int(epoch[k])) for k in steps]


def iter_paths_csv(scene: Scene, trajectories: Sequence[Trajectory], max_rows: int = MAX_ROWS) -> Iterator[str]:
    """The CSV in pieces: the header, then one piece per (run, start)."""
    params = _param_columns(trajectories)
    stride = step_stride(trajectories, max_rows)
    head = io.StringIO()
    csv.writer(head, lineterminator="\n").writerow(BASE_COLUMNS + params)
    yield head.getvalue()
    for i, (label, t) in enumerate(zip(scene.run_labels(), trajectories)):
        for b in range(t.batch):
            hp = t.params_for(b)
            d = t.diverged_step(b)
            # the constant columns, quoted once by the csv module (a label may hold commas or quotes)
            fixed = io.StringIO()
            writer = csv.writer(fixed, lineterminator="")
            writer.writerow([i, label, t.optimizer.id, b])
            prefix = fixed.getvalue()
            tail = "".join("," + (_fmt(hp[name]) if name in hp else "") for name in params)
            div = "" if d is None else str(d)
            bsize = "" if t.sampling is None else str(t.sampling.batch_size)
            steps = kept_steps(t, b, stride)
            xs, ys = t.points[steps, b, 0].tolist(), t.points[steps, b, 1].tolist()
            loss, gn = t.loss[steps, b].tolist(), t.grad_norm[steps, b].tolist()
            lrs = _lr_column(t, b, steps)
            epochs = _epoch_column(t, steps)
            yield "".join(
                f"{prefix},{k},{x!r},{y!r},{f!r},{g!r},{lr},{div},{bsize},{e}{tail}\n"
                for k, x, y, f, g, lr, e in zip(steps.tolist(), xs, ys, loss, gn, lrs, epochs)
            )


def paths_csv(scene: Scene, trajectories: Sequence[Trajectory], max_rows: int = MAX_ROWS) -> str:
    return "".join(iter_paths_csv(scene, trajectories, max_rows))


def read_paths_csv(text: str) -> dict[tuple[int, int], dict[str, Any]]:
    """{(run, start): {"step", "x", "y", "loss", "grad_norm": arrays, "params": {...}, …}}."""
    out: dict[tuple[int, int], dict[str, Any]] = {}
    reader = csv.DictReader(io.StringIO(text))
    param_names = [c for c in (reader.fieldnames or []) if c not in BASE_COLUMNS]
    for row in reader:
        key = (int(row["run"]), int(row["start"]))
        entry = out.setdefault(
            key,
            {
                "step": [],
                "x": [],
                "y": [],
                "loss": [],
                "grad_norm": [],
                "optimizer": row["optimizer"],
                "label": row["label"],
                "diverged_at": None if row["diverged_at"] == "" else int(row["diverged_at"]),
                "batch_size": None if not row.get("batch_size") else int(row["batch_size"]),
                "params": {n: _parse(row[n]) for n in param_names if row[n] != ""},
                "epoch": [],
            },
        )
        entry["step"].append(int(row["step"]))
        if row.get("epoch"):
            entry["epoch"].append(int(row["epoch"]))
        for c in ("x", "y", "loss", "grad_norm"):
            entry[c].append(float(row[c]))
    for entry in out.values():
        entry["step"] = np.array(entry["step"], dtype=int)
        entry["epoch"] = np.array(entry["epoch"], dtype=int) if entry["epoch"] else None
        for c in ("x", "y", "loss", "grad_norm"):
            entry[c] = np.array(entry[c])
    return out


def _parse(text: str) -> Any:
    return text == "true" if text in ("true", "false") else float(text)


def iter_paths_json(scene: Scene, trajectories: Sequence[Trajectory], max_rows: int = MAX_ROWS) -> Iterator[str]:
    """The JSON in pieces: the scene and the surface, then one piece per path.

    ``{"scene", "surface", "step_stride", "runs": [{"label", "optimizer", "reference", "params"(, "variant")
    (, "batch_size", "seed"), "paths": [{"start", "points", "loss", "grad_norm", "diverged_at", "divergence_reason"
    (, "steps" when thinned)(, "epoch" on a dataset surface)}]}]}``; "variant": the textbook-form switches that
    differ from the reference's form (OptimizerSpec.variant_settings), which "params" (the reference's keywords)
    cannot hold."""
    stride = step_stride(trajectories, max_rows)
    yield (
        '{"scene": '
        + json.dumps(scene.to_dict())
        + ', "surface": '
        + json.dumps(_surface_info(trajectories))
        + f', "step_stride": {stride}, "runs": ['
    )
    for r, (label, t) in enumerate(zip(scene.run_labels(), trajectories)):
        run_head: dict[str, Any] = {
            "label": label,
            "optimizer": t.optimizer.id,
            "reference": t.optimizer.reference,
            "params": t.optimizer.reference_kwargs(t.params_for(0)),
        }
        variant = t.optimizer.variant_settings(t.params_for(0))
        if variant:
            run_head["variant"] = variant
        if t.sampling is not None:
            run_head["batch_size"] = t.sampling.batch_size
            run_head["seed"] = t.sampling.seed
        yield ("," if r else "") + json.dumps(run_head)[:-1] + ', "paths": ['
        for b in range(t.batch):
            steps = kept_steps(t, b, stride)
            path: dict[str, Any] = {
                "start": t.points[0, b].tolist(),
                "points": t.points[steps, b].tolist(),
                "loss": t.loss[steps, b].tolist(),
                "grad_norm": t.grad_norm[steps, b].tolist(),
                "diverged_at": t.diverged_step(b),
                "divergence_reason": t.reasons[b],
            }
            if stride > 1:
                path["steps"] = steps.tolist()
            if t.sampling is not None:
                path["epoch"] = [int(e) for e in _epoch_column(t, steps)]
            yield ("," if b else "") + json.dumps(path)
        yield "]}"
    yield "]}"


def paths_json(scene: Scene, trajectories: Sequence[Trajectory], max_rows: int = MAX_ROWS) -> str:
    """The scene (reloadable) plus every path with its resolved hyperparameters in the reference's spelling."""
    return "".join(iter_paths_json(scene, trajectories, max_rows))


def _surface_info(trajectories: Sequence[Trajectory]) -> dict[str, Any]:
    s = trajectories[0].surface if trajectories else None
    if s is None:
        return {}
    info: dict[str, Any] = {
        "id": s.id,
        "name": s.name,
        "formula": s.formula or str(s.expr),
        "latex": s.tex,
        "minima": [list(m) for m in s.minima],
    }
    data = dataset_of(s)
    if data is not None:
        # the mean loss of a model over data: its symbolic sum is hundreds of terms; say what it is instead
        info["formula"] = s.formula or f"mean {data.torch_loss} of torch.nn.{data.torch_model} over {data.n} points"
        info["dataset"] = {
            "n": data.n,
            "seed": data.seed,
            "model": f"torch.nn.{data.torch_model}",
            "loss": data.torch_loss,
            "parameters": list(getattr(s, "coords", ("x", "y"))),
        }
    return info


def read_paths_json(text: str) -> dict[str, Any]:
    data = json.loads(text)
    for run in data["runs"]:
        for p in run["paths"]:
            for k in ("points", "loss", "grad_norm"):
                p[k] = np.array(p[k], dtype=float)
    return data
