r"""Finite-sum surfaces: the mean loss of a small model over a small dataset, f(θ) = (1/N) Σᵢ ℓᵢ(θ).

"SGD versus mini-batch versus full-batch gradient descent" is about *sampling data*: each step may use the
gradient of all N terms (full batch), of a few of them (a mini-batch) or of one (SGD).  With two parameters the
mean loss is still a surface we can draw, so the paths of all three live on the same map.

Both models are generalised linear models in θ = (θ₁, θ₂), the map's (x, y):

* ``linreg`` — least squares, y ≈ w·x + b, θ = (w, b):  zᵢ = w xᵢ + b,  ℓᵢ = (zᵢ − yᵢ)²
  (torch's ``MSELoss()`` with its default mean over the batch, on a ``torch.nn.Linear(1, 1)``);
* ``logreg`` — logistic regression through the origin, θ = (w₁, w₂):  zᵢ = w₁ uᵢ + w₂ vᵢ,
  ℓᵢ = log(1 + e^{zᵢ}) − tᵢ zᵢ with tᵢ ∈ {0, 1}
  (``BCEWithLogitsLoss()`` on a bias-free ``torch.nn.Linear(2, 1)``).

So zᵢ = aᵢ·θ with a design row aᵢ ((xᵢ, 1) or (uᵢ, vᵢ)), and the gradient of a batch S is the mean of the
per-sample gradients ℓ'(zᵢ) aᵢ over S: exact, in closed form, vectorized over any number of trajectories.

The datasets are generated deterministically from a seed (NumPy's default generator), a few hundred points;
the least-squares minimum is exact (normal equations), the logistic one is found by Newton's method to machine
precision (the classes overlap, so it is finite).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from .base import Surface, SurfaceError, X, Y
from .builtins import BuiltinSurface

MSE = "mse"
BCE_LOGITS = "bce_logits"
LOSSES = (MSE, BCE_LOGITS)
_CHUNK = 1 << 18  # elements of a (points × samples) block: bounds the memory of a grid or a 65 536-run sweep


@dataclass(frozen=True, eq=False)
class Dataset:
    """N samples of a two-parameter generalised linear model.

    design: (N, 2) rows aᵢ with zᵢ = aᵢ·θ (linreg: (xᵢ, 1); logreg: the two features).
    targets: (N,) yᵢ (linreg) or tᵢ ∈ {0, 1} (logreg).
    inputs: (N, k) the raw features a scatter plot shows (linreg: x, k = 1; logreg: (u, v), k = 2).
    """

    id: str
    loss: str  # MSE or BCE_LOGITS
    design: np.ndarray
    targets: np.ndarray
    inputs: np.ndarray
    seed: int
    torch_loss: str  # the torch criterion whose mean this is: "MSELoss" / "BCEWithLogitsLoss"
    torch_model: str  # the torch module: "Linear(1, 1)" / "Linear(2, 1, bias=False)"

    def __post_init__(self) -> None:
        if self.loss not in LOSSES:
            raise SurfaceError("unknown loss {loss!r}", loss=self.loss)
        for arr in (self.design, self.targets, self.inputs):
            arr.setflags(write=False)

    @property
    def n(self) -> int:
        """N, the number of samples."""
        return int(self.targets.shape[0])

    # ------------------------------------------------------------------ per-sample pieces
    def _dloss(self, z: np.ndarray, t: np.ndarray) -> np.ndarray:
        """dℓ/dz per sample: 2(z − y) (MSE) or σ(z) − t (BCE with logits)."""
        if self.loss == MSE:
            return 2.0 * (z - t)
        return _sigmoid(z) - t

    def _loss(self, z: np.ndarray, t: np.ndarray) -> np.ndarray:
        if self.loss == MSE:
            r = z - t
            return r * r
        # torch's stable form: max(z, 0) − z t + log(1 + e^{−|z|})
        return np.maximum(z, 0.0) - z * t + np.log1p(np.exp(-np.abs(z)))

    # ------------------------------------------------------------------ vectorized over points
    def mean_loss(self, x: Any, y: Any) -> np.ndarray:
        """f(θ) = (1/N) Σ ℓᵢ at points θ = (x, y) of any (broadcast) shape."""
        x, y = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        shape = x.shape
        xs, ys = x.reshape(-1), y.reshape(-1)
        out = np.empty(xs.shape[0])
        a, t = self.design, self.targets
        step = max(1, _CHUNK // self.n)
        with np.errstate(all="ignore"):
            for k in range(0, xs.shape[0], step):
                z = xs[k : k + step, None] * a[None, :, 0] + ys[k : k + step, None] * a[None, :, 1]
                out[k : k + step] = self._loss(z, t[None, :]).mean(axis=1)
        return out.reshape(shape)

    def batch_gradient(self, x: np.ndarray, y: np.ndarray, idx: np.ndarray | None = None) -> tuple[Any, Any]:
        """The gradient of the mean loss over the samples ``idx`` (all when None) at points (x, y) of equal
        shape (the optimizer's rows, (B,)): ((1/|S|) Σ ℓ'(zᵢ) aᵢ₁, (1/|S|) Σ ℓ'(zᵢ) aᵢ₂)."""
        x, y = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        shape = x.shape
        xs, ys = x.reshape(-1), y.reshape(-1)
        a = self.design if idx is None else self.design[idx]
        t = self.targets if idx is None else self.targets[idx]
        a0, a1 = a[None, :, 0], a[None, :, 1]
        g0, g1 = np.empty(xs.shape[0]), np.empty(xs.shape[0])
        step = max(1, _CHUNK // max(1, t.shape[0]))
        with np.errstate(all="ignore"):
            for k in range(0, xs.shape[0], step):
                z = xs[k : k + step, None] * a0 + ys[k : k + step, None] * a1
                r = self._dloss(z, t[None, :])
                g0[k : k + step] = (r * a0).mean(axis=1)
                g1[k : k + step] = (r * a1).mean(axis=1)
        return g0.reshape(shape), g1.reshape(shape)

    def mean_gradient(self, x: Any, y: Any) -> list[Any]:
        """∇f at points (x, y) of any (broadcast) shape, as [∂f/∂x, ∂f/∂y] (Surface.gradient_fn's contract)."""
        return list(self.batch_gradient(x, y))

    def sample_gradients(self, point: Any) -> np.ndarray:
        """(N, 2): every sample's gradient ∇ℓᵢ at one point θ."""
        p = np.asarray(point, dtype=float).reshape(2)
        with np.errstate(all="ignore"):
            z = self.design @ p
            return self._dloss(z, self.targets)[:, None] * self.design


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) without overflow for either sign of z."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


@dataclass(frozen=True, eq=False)
class FiniteSumSurface(Surface):
    """A Surface whose f is the mean loss over a dataset: compiled from the data (not lambdified from expr,
    which holds the same function symbolically for display and export)."""

    data: Dataset | None = None
    coords: tuple[str, ...] = field(default=("x", "y"))  # what the map's axes mean ("w", "b")

    @functools.cached_property
    def _f(self) -> Callable[..., Any]:
        assert self.data is not None
        return self.data.mean_loss

    @functools.cached_property
    def gradient_fn(self) -> Callable[..., list[Any]]:
        assert self.data is not None
        return self.data.mean_gradient

    @property
    def dataset(self) -> Dataset:
        assert self.data is not None
        return self.data


def dataset_of(surface: Surface) -> Dataset | None:
    """The dataset behind a finite-sum surface, or None for a plain surface."""
    return surface.data if isinstance(surface, FiniteSumSurface) else None


# --------------------------------------------------------------------------- the datasets
N_POINTS = 200
SEED = 0


def linreg_data(seed: int = SEED, n: int = N_POINTS) -> Dataset:
    """y = 2x − 1 + noise (σ = 1), x ~ N(1, 1): the least-squares bowl has condition number ≈ 6."""
    rng = np.random.default_rng(seed)
    x = rng.normal(1.0, 1.0, n)
    y = 2.0 * x - 1.0 + rng.normal(0.0, 1.0, n)
    return Dataset(
        id="linreg",
        loss=MSE,
        design=np.column_stack([x, np.ones(n)]),
        targets=y,
        inputs=x[:, None].copy(),
        seed=seed,
        torch_loss="MSELoss",
        torch_model="Linear(1, 1)",
    )


def logreg_data(seed: int = SEED, n: int = N_POINTS) -> Dataset:
    """Two overlapping Gaussian classes at ±(1.2, 0.6) (σ = 1): separable-ish, so the minimum is finite."""
    rng = np.random.default_rng(seed)
    t = rng.permutation(np.arange(n) % 2).astype(float)
    centre = np.where(t[:, None] == 1.0, 1.0, -1.0) * np.array([1.2, 0.6])
    u = centre + rng.normal(0.0, 1.0, (n, 2))
    return Dataset(
        id="logreg",
        loss=BCE_LOGITS,
        design=u.copy(),
        targets=t,
        inputs=u.copy(),
        seed=seed,
        torch_loss="BCEWithLogitsLoss",
        torch_model="Linear(2, 1, bias=False)",
    )


def least_squares(data: Dataset) -> tuple[float, float]:
    """The exact minimum of the mean squared error (normal equations)."""
    sol, *_ = np.linalg.lstsq(data.design, data.targets, rcond=None)
    return float(sol[0]), float(sol[1])


def newton_minimum(data: Dataset, iters: int = 100) -> tuple[float, float]:
    """The minimum of the mean logistic loss by Newton's method (converges quadratically; stops when the step
    no longer changes θ)."""
    theta = np.zeros(2)
    a = data.design
    for _ in range(iters):
        z = a @ theta
        s = _sigmoid(z)
        g = a.T @ (s - data.targets) / data.n
        h = (a * (s * (1.0 - s))[:, None]).T @ a / data.n
        step = np.linalg.solve(h, g)
        new = theta - step
        if np.array_equal(new, theta):
            break
        theta = new
    return float(theta[0]), float(theta[1])


def _f17(v: float) -> sp.Float:
    return sp.Float(repr(float(v)), 17)


def _linreg_expr(data: Dataset) -> tuple[sp.Expr, str]:
    """The mean squared error as the quadratic it is: E[x²]w² + 2E[x]wb + b² − 2E[xy]w − 2E[y]b + E[y²]."""
    x, y = data.design[:, 0], data.targets
    m = {
        "xx": float(np.mean(x * x)),
        "x": float(np.mean(x)),
        "xy": float(np.mean(x * y)),
        "y": float(np.mean(y)),
        "yy": float(np.mean(y * y)),
    }
    expr = (
        _f17(m["xx"]) * X**2
        + _f17(2 * m["x"]) * X * Y
        + Y**2
        - _f17(2 * m["xy"]) * X
        - _f17(2 * m["y"]) * Y
        + _f17(m["yy"])
    )
    text = (
        f"{m['xx']:.12g}*x^2 + {2 * m['x']:.12g}*x*y + y^2 - {2 * m['xy']:.12g}*x - {2 * m['y']:.12g}*y"
        f" + {m['yy']:.12g}"
    )
    return expr, text.replace("+ -", "- ").replace("- -", "+ ")


def _logreg_expr(data: Dataset) -> sp.Expr:
    """(1/N) Σ log(1 + exp(−sᵢ zᵢ)), sᵢ = 2tᵢ − 1: the same function, symbolically (for display and export).
    Built unevaluated: SymPy's automatic simplification of 200 terms takes seconds, this takes ~0.1 s."""
    terms = []
    for (u, v), t in zip(data.design.tolist(), data.targets.tolist()):
        s = 1.0 if t == 1.0 else -1.0
        z = sp.Add(sp.Mul(_f17(-s * u), X, evaluate=False), sp.Mul(_f17(-s * v), Y, evaluate=False), evaluate=False)
        terms.append(sp.log(sp.Add(sp.Integer(1), sp.exp(z, evaluate=False), evaluate=False), evaluate=False))
    return sp.Mul(sp.Rational(1, data.n), sp.Add(*terms, evaluate=False), evaluate=False)


def _linreg() -> Surface:
    data = linreg_data()
    expr, text = _linreg_expr(data)
    return FiniteSumSurface(
        id="linreg",
        name="Linear regression (data)",
        expr=expr,
        domain=((-2.0, 5.0), (-4.0, 3.0)),
        minima=(least_squares(data),),
        start=(-1.0, 2.0),
        description="Mean squared error of the line y ≈ w·x + b over 200 points: the map's x is the slope w, its "
        "y the intercept b. A mini-batch sees only some points, so each step's gradient is a noisy estimate.",
        latex=r"f(w, b) = \frac{1}{N}\sum_{i=1}^{N}\bigl(w\,x_i + b - y_i\bigr)^2",
        formula=text,
        data=data,
        coords=("w", "b"),
    )


def _logreg() -> Surface:
    data = logreg_data()
    return FiniteSumSurface(
        id="logreg",
        name="Logistic regression (data)",
        expr=_logreg_expr(data),
        domain=((-3.0, 6.0), (-4.0, 5.0)),
        minima=(newton_minimum(data),),
        start=(-2.0, 3.5),
        description="Mean cross-entropy of a linear classifier through the origin on two overlapping classes of "
        "100 points: the map's axes are the two weights (w₁, w₂). A mini-batch sees only some points.",
        latex=r"\begin{aligned}f(w_1, w_2) &= \frac{1}{N}\sum_{i=1}^{N}\log\bigl(1 + e^{-s_i z_i}\bigr)\\"
        r"z_i &= w_1 u_i + w_2 v_i,\ \ s_i = \pm 1\end{aligned}",
        formula="",
        data=data,
        coords=("w₁", "w₂"),
    )


DATASETS: dict[str, BuiltinSurface] = {
    s.id: s
    for s in (
        BuiltinSurface("linreg", "Linear regression (data)", _linreg, finite_sum=True),
        BuiltinSurface("logreg", "Logistic regression (data)", _logreg, finite_sum=True),
    )
}
"""The finite-sum surfaces (2-D; a dataset behind each): batch size and epochs apply to these."""
