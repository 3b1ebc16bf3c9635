r"""The course table — method · data per update · memory · noise · convergence — measured on a dataset surface.

For SGD (batch size 1), a mini-batch and full-batch gradient descent (batch size N), the same optimizer with the
same hyperparameters runs the same number of *epochs* (the same number of per-sample gradient evaluations, the
fair budget) from the same start, and each row reports what was measured:

* data per update: B samples (B/N of the dataset), ⌈N/B⌉ updates per epoch;
* memory: the samples one update holds, B × (inputs + target) floats;
* noise: the standard deviation of the mini-batch gradient at the start and at the minimum, from the per-sample
  gradients (optim_core.batches.gradient_noise), beside the size of the true gradient at the start;
* convergence: f − f* after one epoch and at the end, the floor it hovers at (its mean over the last epoch), and
  the epochs until f − f* falls to ``rtol`` of its start value and stays there — judged on its mean over each
  epoch, so one lucky step of a noisy run does not count (None: not within the budget).

    from optim_core.batchtable import compare_batch_sizes
    rows = compare_batch_sizes("linreg", "sgd", {"lr": 0.05}, (-1.0, 2.0), epochs=20)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from surfaces import Surface, dataset_of, get_surface

from .batches import gradient_noise, method_label, steps_per_epoch
from .optimizers import OPTIMIZERS
from .spec import OptimizerSpec, SpecError
from .trajectory import MAX_STEPS, run
from .tune import steps_to_tolerance

DEFAULT_MINI = 16
DEFAULT_EPOCHS = 20
DEFAULT_RTOL = 1e-2


@dataclass(frozen=True)
class BatchRow:
    """One batch size's measured row (see the module docstring). Gaps are f − f*."""

    batch_size: int
    method: str  # English label (optim_core.batches.SGD_LABEL …); translate with the catalogue
    n_samples: int
    steps_per_epoch: int
    steps: int  # steps run: epochs × steps_per_epoch, at most MAX_STEPS
    epochs: float  # epochs run (fewer than asked when MAX_STEPS cut it short)
    floats_per_update: int  # B × (inputs + 1): the data one update holds
    noise_start: float  # std of the batch gradient at the start
    noise_minimum: float  # … at the minimum (where the true gradient is 0)
    grad_start: float  # ‖∇f‖ at the start
    gap_one_epoch: float
    gap_final: float
    gap_floor: float  # mean f − f* over the last epoch run
    epochs_to_tol: float | None  # the first epoch from which the per-epoch mean f − f* stays ≤ tol
    diverged: bool
    epochs_axis: np.ndarray  # (steps+1,) epochs done at each point (an x-axis)
    gap_curve: np.ndarray  # (steps+1,) f − f* along the path

    @property
    def data_fraction(self) -> float:
        return self.batch_size / self.n_samples


def default_batch_sizes(n: int, current: int | None = None) -> tuple[int, int, int]:
    """(1, a mini-batch, N): the current batch size when it lies strictly between, else 16 (or N // 4)."""
    mini = current if current is not None and 1 < current < n else min(DEFAULT_MINI, max(2, n // 4))
    return (1, mini, n)


def compare_batch_sizes(
    surface: str | Surface,
    optimizer: str | OptimizerSpec,
    params: Mapping[str, Any],
    start: Any,
    *,
    batch_sizes: Sequence[int] | None = None,
    epochs: int = DEFAULT_EPOCHS,
    seed: int = 0,
    schedule: Any = None,
    noise: Any = None,
    clip: float | None = None,
    rtol: float = DEFAULT_RTOL,
) -> list[BatchRow]:
    """One measured row per batch size (default: 1, 16, N), each run for ``epochs`` epochs (capped at MAX_STEPS
    steps) from ``start`` with the same optimizer, hyperparameters, schedule, noise, clipping and seed."""
    surf = get_surface(surface) if isinstance(surface, str) else surface
    data = dataset_of(surf)
    if data is None:
        raise SpecError(
            "a batch size applies to a surface built from data (linreg, logreg), not to {name}", name=surf.name
        )
    spec = optimizer if isinstance(optimizer, OptimizerSpec) else OPTIMIZERS.get(str(optimizer))
    if spec is None:
        raise SpecError("unknown optimizer {name!r}", name=optimizer)
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or not 1 <= epochs <= MAX_STEPS:
        raise SpecError("epochs must be a whole number from 1 to {max}, got {value!r}", max=MAX_STEPS, value=epochs)
    sizes = tuple(batch_sizes) if batch_sizes is not None else default_batch_sizes(data.n)
    p0 = np.asarray(start, dtype=float).reshape(2)
    minimum = np.asarray(surf.minima[0], dtype=float) if surf.minima else p0
    f_star = float(surf.value(minimum)) if surf.minima else 0.0
    grad_start = float(np.linalg.norm(surf.gradient(p0)))
    floats = data.inputs.shape[1] + 1
    rows = []
    for b in sizes:
        spe = steps_per_epoch(data.n, int(b))
        steps = int(min(epochs * spe, MAX_STEPS))
        t = run(
            surf,
            spec,
            p0,
            steps,
            schedule=schedule,
            noise=noise,
            clip=clip,
            batch_size=int(b),
            seed=seed,
            **dict(params),
        )
        assert t.sampling is not None
        gap = t.loss[:, 0] - f_star
        axis = t.sampling.epochs_done()
        tol = rtol * max(float(gap[0]), 0.0)
        epoch_of_point = t.sampling.epoch  # points 1..S: the epoch whose step produced them
        n_epochs = int(epoch_of_point[-1])
        means = np.bincount(epoch_of_point - 1, weights=gap[1:], minlength=n_epochs) / np.bincount(
            epoch_of_point - 1, minlength=n_epochs
        )
        first = int(steps_to_tolerance(means[:, None], tol, t.diverged_at[:1])[0])
        one = min(spe, steps)
        rows.append(
            BatchRow(
                batch_size=int(b),
                method=method_label(int(b), data.n),
                n_samples=data.n,
                steps_per_epoch=spe,
                steps=steps,
                epochs=float(axis[-1]),
                floats_per_update=int(b) * floats,
                noise_start=float(gradient_noise(data, p0, int(b))),
                noise_minimum=float(gradient_noise(data, minimum, int(b))),
                grad_start=grad_start,
                gap_one_epoch=float(gap[one]),
                gap_final=float(gap[-1]),
                gap_floor=float(gap[max(0, steps - spe + 1) :].mean()),
                epochs_to_tol=None if first < 0 else float(first + 1),
                diverged=bool(t.diverged[0]),
                epochs_axis=axis,
                gap_curve=gap,
            )
        )
    return rows
