r"""Mini-batches on a finite-sum surface (surfaces.datasets): which samples each step sees, and what that costs.

Sampling is what torch's ``DataLoader(dataset, batch_size=B, shuffle=True)`` does (``drop_last=False``): each
epoch draws a fresh permutation of the N samples and cuts it into consecutive batches of B, the last one
smaller when B does not divide N.  The permutations come from NumPy's default generator seeded once per run
(``np.random.default_rng(seed).permutation(N)``, one call per epoch), so the torch reference — a DataLoader
whose sampler yields exactly these permutations — sees the same samples in the same order.

Batch size N is full-batch gradient descent: every step uses the exact gradient of the mean loss (no sampling,
no permutation).  Batch size 1 is SGD in its original sense.

The noise of a mini-batch gradient at a point θ is measured from the per-sample gradients gᵢ = ∇ℓᵢ(θ): for a
batch of B drawn without replacement, E‖ĝ_B − ∇f‖² = (N − B) / (B (N − 1)) · (1/N) Σᵢ ‖gᵢ − ∇f‖² — zero at
B = N, and the whole per-sample spread at B = 1 (:func:`gradient_noise`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from i18n import N_
from surfaces import Dataset, Surface, dataset_of

from .spec import SpecError

MAX_SEED = 2**31 - 1
"""Largest sampling seed (the scene's and the URL's bound, as for the noise seed)."""

SGD_LABEL = N_("SGD (one sample)")
MINI_LABEL = N_("mini-batch")
FULL_LABEL = N_("full-batch gradient descent")


def check_batch(surface: Surface, batch_size: Any, seed: Any) -> tuple[Dataset | None, int | None, int]:
    """Validate a run's batch size and sampling seed for this surface: (dataset, B, seed).

    B is None on a plain surface (no data to sample) and N for full batch; a batch size on a plain surface,
    outside 1…N, or a seed outside 0…2³¹−1 raises SpecError (one line)."""
    data = dataset_of(surface)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) <= MAX_SEED:
        raise SpecError(
            "the sampling seed must be a whole number from 0 to {max}, got {value!r}", max=MAX_SEED, value=seed
        )
    if batch_size is None:
        return data, (data.n if data is not None else None), int(seed)
    if data is None:
        raise SpecError(
            "a batch size applies to a surface built from data (linreg, logreg), not to {name}", name=surface.name
        )
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or not 1 <= batch_size <= data.n:
        raise SpecError(
            "the batch size must be a whole number from 1 to {n} (the dataset's size), got {value!r}",
            n=data.n,
            value=batch_size,
        )
    return data, int(batch_size), int(seed)


def batches(n: int, batch_size: int, seed: int) -> Iterator[np.ndarray]:
    """The sample indices of step 1, 2, …: a fresh permutation per epoch, cut into batches of batch_size (the
    last one of an epoch smaller when batch_size does not divide n), as DataLoader(shuffle=True) does."""
    rng = np.random.default_rng(seed)
    while True:
        perm = rng.permutation(n)
        for k in range(0, n, batch_size):
            yield perm[k : k + batch_size]


def steps_per_epoch(n: int, batch_size: int) -> int:
    return math.ceil(n / batch_size)


@dataclass(frozen=True)
class Sampling:
    """How a run on a finite-sum surface used its data (Trajectory.sampling).

    epoch: (steps,) the epoch (1, 2, …) step t = 1…S belongs to; sizes: (steps,) the samples in its batch.
    """

    n_samples: int
    batch_size: int
    seed: int
    epoch: np.ndarray
    sizes: np.ndarray

    @classmethod
    def of(cls, n: int, batch_size: int, seed: int, steps: int) -> Sampling:
        spe = steps_per_epoch(n, batch_size)
        t = np.arange(steps)
        k = t % spe  # position of the step inside its epoch
        sizes = np.minimum(batch_size, n - k * batch_size)
        return cls(n, batch_size, seed, (t // spe + 1).astype(int), sizes.astype(int))

    @property
    def full_batch(self) -> bool:
        return self.batch_size >= self.n_samples

    @property
    def steps_per_epoch(self) -> int:
        return steps_per_epoch(self.n_samples, self.batch_size)

    @property
    def steps(self) -> int:
        return int(self.epoch.shape[0])

    def samples_seen(self) -> np.ndarray:
        """(steps+1,) per-sample gradients evaluated before each point: 0 at the start, then cumulative."""
        return np.concatenate([[0], np.cumsum(self.sizes)])

    def epochs_done(self) -> np.ndarray:
        """(steps+1,) epochs completed at each point, fractional (samples seen / N): an x-axis in epochs."""
        return self.samples_seen() / self.n_samples

    def indices(self, step: int) -> np.ndarray:
        """The sample indices step ``step`` (1…S) used (regenerated from the seed)."""
        if not 1 <= step <= self.steps:
            raise SpecError("step must be from 1 to {n}, got {step}", n=self.steps, step=step)
        if self.full_batch:
            return np.arange(self.n_samples)
        it = batches(self.n_samples, self.batch_size, self.seed)
        for _ in range(step - 1):
            next(it)
        return next(it)

    def epoch_order(self, epoch: int) -> np.ndarray:
        """The permutation of epoch ``epoch`` (1, 2, …): its batches are consecutive slices of it."""
        rng = np.random.default_rng(self.seed)
        perm = np.arange(self.n_samples)
        for _ in range(max(1, epoch)):
            perm = rng.permutation(self.n_samples)
        return perm


def gradient_noise(data: Dataset, points: Any, batch_size: int) -> np.ndarray:
    """The standard deviation of a mini-batch gradient at each point: sqrt(E‖ĝ_B − ∇f‖²) for B samples drawn
    without replacement, from the per-sample gradients (exact, no sampling).  points: (..., 2) → (...)."""
    p = np.asarray(points, dtype=float)
    if p.shape[-1] != 2:
        raise SpecError("points have 2 coordinates, got shape {shape}", shape=str(p.shape))
    n = data.n
    if not 1 <= batch_size <= n:
        raise SpecError("the batch size must be from 1 to {n}, got {value}", n=n, value=batch_size)
    flat = p.reshape(-1, 2)
    spread = np.empty(flat.shape[0])
    a, t = data.design, data.targets
    step = max(1, (1 << 18) // n)
    with np.errstate(all="ignore"):
        for k in range(0, flat.shape[0], step):
            z = flat[k : k + step] @ a.T  # (K, N)
            r = data._dloss(z, t[None, :])  # dℓ/dz: per-sample gradient = r · aᵢ
            g0, g1 = r * a[None, :, 0], r * a[None, :, 1]
            d0 = g0 - g0.mean(axis=1, keepdims=True)
            d1 = g1 - g1.mean(axis=1, keepdims=True)
            spread[k : k + step] = (d0 * d0 + d1 * d1).mean(axis=1)
    factor = 0.0 if n == 1 else (n - batch_size) / (batch_size * (n - 1))
    return np.sqrt(factor * spread).reshape(p.shape[:-1])


def method_label(batch_size: int, n: int) -> str:
    """SGD_LABEL, MINI_LABEL or FULL_LABEL (English; translate with the catalogue)."""
    if batch_size >= n:
        return FULL_LABEL
    return SGD_LABEL if batch_size == 1 else MINI_LABEL
