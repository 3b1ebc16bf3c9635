r"""The optimizers: one :class:`~optim_core.spec.OptimizerSpec` each.

Every update function mirrors its reference implementation operation for
operation (torch.optim's single-tensor code path, or pytorch-optimizer's), in
the same order, so that float64 trajectories agree to ~1e-12; the golden
fixtures in tests/golden pin this at rtol 1e-6.

Arrays are coordinate-major: ``p`` and ``g`` have shape (2, B).  Each
hyperparameter is a Python scalar or a (B,) array (see spec.py), so every
expression below is written to work for both.  Booleans that differ per
trajectory (``centered``, ``amsgrad`` …) become ``np.where`` selections.
"""

from __future__ import annotations

import math
from typing import Any, NotRequired, TypedDict

import numpy as np
import numpy.typing as npt

from .spec import (
    LR_CHAIN,
    LR_USED,
    PER_COORDINATE,
    PER_RUN,
    RECORD,
    Array,
    Hyper,
    HyperParam,
    Indicator,
    OptimizerSpec,
    Reference,
    SpecError,
    StateBuffer,
    Value,
    Variant,
)

# --------------------------------------------------------------------------- helpers


def _lerp(start: Any, end: Any, weight: Any) -> Any:
    """torch.lerp: start + weight * (end - start), with torch's formula switch at 0.5.

    torch computes ``end - (end - start) * (1 - weight)`` when weight ≥ 0.5;
    reproducing that keeps us bit-close to the reference.
    """
    if isinstance(weight, _SCALARS):
        if weight < 0.5:
            return start + weight * (end - start)
        return end - (end - start) * (1.0 - weight)
    w = np.asarray(weight)
    return np.where(w < 0.5, start + w * (end - start), end - (end - start) * (1.0 - w))


# The helpers below take a fast path for plain Python scalars: numpy's reductions cost ~2 µs
# even on a bool, which is most of the per-step budget of a single trajectory.
_SCALARS = (bool, int, float)


def _any(flag: Any) -> bool:
    return bool(flag) if isinstance(flag, _SCALARS) else bool(np.any(flag))


def _all(flag: Any) -> bool:
    return bool(flag) if isinstance(flag, _SCALARS) else bool(np.all(flag))


def _select(flag: Any, if_true: Any, if_false: Any) -> Any:
    """Per-trajectory choice; skips np.where when the flag is a plain scalar."""
    if isinstance(flag, _SCALARS):
        return if_true if flag else if_false
    return np.where(flag, if_true, if_false)


def _nonzero(x: Any) -> bool:
    return x != 0 if isinstance(x, _SCALARS) else bool(np.any(np.asarray(x) != 0))


def _coupled_weight_decay(g: Array, p: Array, wd: Value) -> Array:
    """torch's L2 penalty: grad ← grad + λ·p (skipped when λ is 0, as torch does)."""
    return g + wd * p if _nonzero(wd) else g


def _decoupled_weight_decay(p: Array, lr: Value, wd: Value) -> Array:
    """AdamW-style: p ← p·(1 − lr·λ) (skipped when λ is 0)."""
    return p * (1.0 - lr * wd) if _nonzero(wd) else p


def _either_weight_decay(g: Array, p: Array, lr: Value, wd: Value, decoupled: Value) -> tuple[Array, Array]:
    """NAdam/RAdam's switch, per trajectory: decoupled (shrink p) or coupled (add λp to g)."""
    if not _any(decoupled):
        return _coupled_weight_decay(g, p, wd), p
    p_new = _select(decoupled, _decoupled_weight_decay(p, lr, wd), p)
    return _select(decoupled, g, _coupled_weight_decay(g, p_new, wd)), p_new


def _zeros(p: Array) -> Array:
    return np.zeros_like(p)


# ------------------------------------------------------------ shared hyperparameters
def LR(default: float) -> HyperParam:
    return HyperParam(
        "lr",
        default,
        "learning rate: the step size",
        r"\eta",
        low=0.0,
        low_open=True,
        log=True,
        ui_low=1e-5,
        ui_high=1e3,
    )


def EPS(default: float) -> HyperParam:
    return HyperParam(
        "eps",
        default,
        "added to the denominator so it never divides by ~0",
        r"\epsilon",
        low=0.0,
        log=True,
        ui_low=1e-12,
        ui_high=1.0,
    )


def WEIGHT_DECAY(default: float = 0.0, decoupled: bool = False) -> HyperParam:
    what = (
        "decoupled weight decay: shrinks the weights directly, p ← p(1 − ηλ)"
        if decoupled
        else "L2 penalty: adds λ·p to the gradient"
    )
    return HyperParam("weight_decay", default, what, r"\lambda", low=0.0, ui_low=0.0, ui_high=1.0)


def BETA1(default: float = 0.9) -> HyperParam:
    return HyperParam(
        "beta1",
        default,
        "decay of the gradient average (momentum)",
        r"\beta_1",
        low=0.0,
        high=1.0,
        high_open=True,
        ui_high=0.999,
        group="betas",
        index=0,
    )


def BETA2(default: float = 0.999) -> HyperParam:
    return HyperParam(
        "beta2",
        default,
        "decay of the squared-gradient average",
        r"\beta_2",
        low=0.0,
        high=1.0,
        high_open=True,
        ui_high=0.9999,
        group="betas",
        index=1,
    )


def MOMENTUM(default: float = 0.9) -> HyperParam:
    return HyperParam(
        "momentum",
        default,
        "fraction of the previous velocity kept each step",
        r"\mu",
        low=0.0,
        high=1.0,
        high_open=True,
        ui_high=0.999,
    )


def FLAG(name: str, default: bool, description: str) -> HyperParam:
    return HyperParam(name, default, description, kind="bool")


# Variant switches: textbook forms of a rule (OptimizerSpec.variants). Not keywords of the reference.
def VARIANT_FLAG(name: str, default: bool, description: str) -> HyperParam:
    return HyperParam(name, default, description, kind="bool", variant=True)


def LR_INSIDE() -> HyperParam:
    return VARIANT_FLAG(
        "lr_inside",
        False,
        "textbook form: η inside the velocity, v ← μv + ηg, θ ← θ − v (the same path as torch's under a constant lr)",
    )


def EMA() -> HyperParam:
    return VARIANT_FLAG(
        "ema",
        False,
        "textbook form: the velocity is an average, v ← μv + (1−μ)g from v₀ = 0 (replaces dampening)",
    )


def EPS_INSIDE() -> HyperParam:
    return VARIANT_FLAG("eps_inside", False, "textbook form: ε inside the square root, √(v + ε), not √v + ε")


def BIAS_CORRECTION() -> HyperParam:
    return VARIANT_FLAG(
        "bias_correction", True, "divide m and v by 1 − βᵗ for their zero start (off: no bias correction)"
    )


# =========================================================================== state types
BoolArray = npt.NDArray[np.bool_]
# One TypedDict per optimizer: its buffers under the reference's keys, internal entries, and the indicators
# an update adds when run() records (NotRequired).  Per-coordinate entries are (d, B) arrays; per-run ones
# (B,) arrays or Python scalars.


class MomentumState(TypedDict):
    momentum_buffer: Array


class AdagradState(TypedDict):
    sum: Array
    lr_decayed: NotRequired[Value]


class RMSpropState(TypedDict):
    square_avg: Array
    grad_avg: Array
    momentum_buffer: Array
    denominator: NotRequired[Array]


class AdadeltaState(TypedDict):
    square_avg: Array
    acc_delta: Array
    delta: NotRequired[Array]


class AdamState(TypedDict):
    exp_avg: Array
    exp_avg_sq: Array
    max_exp_avg_sq: Array
    kept_max: NotRequired[Array]


class NAdamState(TypedDict):
    exp_avg: Array
    exp_avg_sq: Array
    mu_product: Value
    mu_t: NotRequired[Value]
    mu_next: NotRequired[Value]


class RAdamState(TypedDict):
    exp_avg: Array
    exp_avg_sq: Array
    rectified: NotRequired[Value]
    rho_t: NotRequired[Value]
    r_t: NotRequired[Value]


class AdamaxState(TypedDict):
    exp_avg: Array
    exp_inf: Array
    new_max: NotRequired[Array]


class FTRLState(TypedDict):
    z: Array
    n: Array
    sigma: NotRequired[Array]
    clamped: NotRequired[Array]


class SWATSState(TypedDict):
    exp_avg: Array
    exp_avg_sq: Array
    max_exp_avg_sq: Array
    momentum_buffer: Array
    exp_avg2: Array  # (B,): the reference's (1,) per parameter, one per trajectory here
    sgd_phase: BoolArray  # (B,): in the SGD phase after this step
    sgd_lr: Array  # (B,): the group lr the SGD phase uses at the next step
    lr_used: Array  # (B,): the lr this step used (spec.LR_USED)
    in_sgd_phase: NotRequired[Array]
    switched: NotRequired[Array]
    gamma: NotRequired[Array]
    sgd_lr_estimate: NotRequired[Array]


class LionState(TypedDict):
    exp_avg: Array
    c_t: NotRequired[Array]


# =========================================================================== SGD family
def _sgd_init(p: Array, hp: Hyper) -> MomentumState:
    return {"momentum_buffer": _zeros(p)}


def _sgd_update(
    g: Array, state: MomentumState, p: Array, hp: Hyper, lr: Value, t: int, *, nesterov: bool = False
) -> tuple[Array, MomentumState]:
    # torch.optim.SGD, _single_tensor_sgd
    g = _coupled_weight_decay(g, p, hp.get("weight_decay", 0.0))
    mu = hp.get("momentum", 0.0)
    if not _nonzero(mu):
        return p - lr * g, state
    if not nesterov and (_any(hp.get("lr_inside", False)) or _any(hp.get("ema", False))):
        return _textbook_momentum(g, state, p, hp, lr, t)
    damp = hp.get("dampening", 0.0)
    # The first step copies the gradient into the buffer (no dampening), as torch does.
    if t == 1:
        buf = g.copy()
    elif isinstance(damp, _SCALARS) and damp == 0:
        buf = mu * state["momentum_buffer"] + g
    else:
        buf = mu * state["momentum_buffer"] + (1.0 - damp) * g
    d = g + mu * buf if nesterov else buf
    if _nonzero(damp) and not isinstance(mu, _SCALARS) and not _all(mu != 0):
        # torch uses the plain gradient where momentum is 0; with dampening 0 our buffer already equals it
        # exactly (0·b + g = g), so the selection is only needed when dampening is set.
        d = np.where(mu != 0, d, g)
    return p - lr * d, {"momentum_buffer": buf}


def _textbook_momentum(
    g: Array, state: MomentumState, p: Array, hp: Hyper, lr: Value, t: int
) -> tuple[Array, MomentumState]:
    """The course material's momentum forms (MOMENTUM_SGD.variants), per trajectory; where both switches are off
    this is torch's form operation for operation (1.0·x = x and 0·b + x = x exactly), so mixed batches agree.

        v_t = μ v_{t−1} + w_t s_t g_t,   θ_t = θ_{t−1} − (v_t if lr_inside else η_t v_t)
        w_t = 1 − μ (ema; v_0 = 0), else 1 at t = 1 (torch copies g_1) and 1 − τ after;  s_t = η_t (lr_inside) or 1
    """
    mu, damp = hp["momentum"], hp.get("dampening", 0.0)
    lr_inside, ema = hp.get("lr_inside", False), hp.get("ema", False)
    torch_w = 1.0 if t == 1 else 1.0 - damp
    w = _select(ema, 1.0 - mu, torch_w)
    s = _select(lr_inside, lr, 1.0)
    buf = mu * state["momentum_buffer"] + (w * s) * g
    d = _select(lr_inside, buf, lr * buf)
    if not isinstance(mu, _SCALARS) and not _all(mu != 0):
        d = np.where(mu != 0, d, lr * g)  # torch (and every textbook form) takes the plain step where μ = 0
    return p - d, {"momentum_buffer": buf}


SGD = OptimizerSpec(
    id="sgd",
    name="SGD",
    ref=Reference("torch.optim", "SGD"),
    hyperparams=(LR(1e-3), WEIGHT_DECAY()),
    latex=r"""\begin{aligned}
g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda\,\theta_{t-1}\\
\theta_t &\leftarrow \theta_{t-1} - \eta\, g_t
\end{aligned}""",
    explanation="Plain gradient descent: step straight downhill, in proportion to the slope. "
    "With exact gradients this is full-batch gradient descent; with gradient noise it behaves like mini-batch SGD.",
    pros=(
        "Simplest possible rule; one hyperparameter",
        "Well understood theory: stable on a quadratic iff η < 2/L",
        "Often generalises best in deep learning when tuned",
    ),
    cons=(
        "Zig-zags across narrow valleys (ill-conditioning)",
        "Crawls on plateaus and near saddle points",
        "One learning rate for every direction",
    ),
    when_to_use="As the baseline; and for well-conditioned problems or when you will tune a schedule carefully.",
    init=_sgd_init,
    update=_sgd_update,
    typical_use="baseline; convex problems; fine-tuning with a schedule",
    year=1951,
    paper="Robbins & Monro, A Stochastic Approximation Method",
)

MOMENTUM_SGD = OptimizerSpec(
    id="momentum",
    name="Momentum",
    ref=Reference("torch.optim", "SGD"),
    hyperparams=(
        LR(1e-3),
        MOMENTUM(0.9),
        HyperParam(
            "dampening",
            0.0,
            "damps the new gradient: τ = μ gives the averaging form v ← μv + (1−μ)g",
            r"\tau",
            low=0.0,
            high=1.0,
        ),
        WEIGHT_DECAY(),
        LR_INSIDE(),
        EMA(),
    ),
    latex=r"""\begin{aligned}
g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda\,\theta_{t-1}\\
b_t &\leftarrow \begin{cases} g_1 & t = 1\\ \mu\, b_{t-1} + (1-\tau)\, g_t & t > 1\end{cases}\\
\theta_t &\leftarrow \theta_{t-1} - \eta\, b_t
\end{aligned}""",
    variants=(
        Variant(
            "lr_inside",
            "η inside the velocity",
            {"lr_inside": True},
            r"""\begin{aligned}
v_t &\leftarrow \gamma\, v_{t-1} + \eta_t\, \nabla J(\theta_{t-1}),\quad v_0 = 0\\
\theta_t &\leftarrow \theta_{t-1} - v_t
\end{aligned}""",
            "Qian (1999); Ruder's overview of gradient descent; most lecture notes",
            "The same path as torch's step for step under a constant learning rate (v = ηb). Under a schedule it "
            "is not: the velocity keeps each past gradient scaled by the learning rate of its own step, while torch "
            "rescales the whole buffer by today's η, so after a decay torch slows down at once and this form coasts.",
        ),
        Variant(
            "negative_velocity",
            "v ← βv − α∇J, θ ← θ + v",
            {"lr_inside": True},
            r"""\begin{aligned}
v_t &\leftarrow \beta\, v_{t-1} - \alpha_t\, \nabla J(\theta_{t-1}),\quad v_0 = 0\\
\theta_t &\leftarrow \theta_{t-1} + v_t
\end{aligned}""",
            "Sutskever et al. (2013); the Deep Learning book (Goodfellow et al., algorithm 8.2)",
            "The η-inside form with the velocity pointing downhill (v is the step itself, negated): the very same "
            "path, so it equals torch's under a constant learning rate and differs under a schedule.",
        ),
        Variant(
            "ema",
            "exponential moving average",
            {"ema": True},
            r"""\begin{aligned}
v_t &\leftarrow \beta\, v_{t-1} + (1-\beta)\, \nabla J(\theta_{t-1}),\quad v_0 = 0\\
\theta_t &\leftarrow \theta_{t-1} - \eta\, v_t
\end{aligned}""",
            "Andrew Ng's Deep Learning course; many slides",
            "An average instead of a sum: every step is (1−β) times torch's, so the same path as torch's form with "
            "learning rate η(1−β) — at β = 0.9 the same η moves ten times slower, and the largest stable η is ten "
            "times larger. Torch's dampening τ = β is this form except for its first step, which keeps the whole g₁.",
        ),
    ),
    explanation="Heavy-ball momentum: keep a velocity that accumulates past gradients, so consistent directions speed up "
    "and oscillating ones cancel. With dampening τ = μ the buffer is the textbook exponential average "
    "v ← μv + (1−μ)g.",
    pros=(
        "Damps zig-zag in narrow valleys",
        "Accelerates along consistent slopes (up to 1/(1−μ)×)",
        "Rolls through small bumps and flat regions",
    ),
    cons=(
        "Overshoots and oscillates around the minimum",
        "Two coupled hyperparameters (η, μ)",
        "Can diverge where plain SGD would not",
    ),
    when_to_use="Ill-conditioned problems and most deep-learning training with SGD; μ = 0.9 is the usual start.",
    init=_sgd_init,
    update=_sgd_update,
    buffers=(
        StateBuffer(
            "momentum_buffer",
            "b_t",
            "velocity: past gradients summed with weight μ per step",
            "b_{t-1}",
            only_if="momentum",
        ),
    ),
    momentum=True,
    typical_use="CNN training (SGD + momentum + schedule)",
    year=1964,
    paper="Polyak, Some methods of speeding up convergence",
)

NESTEROV = OptimizerSpec(
    id="nesterov",
    name="Nesterov",
    ref=Reference("torch.optim", "SGD", {"nesterov": True}),
    hyperparams=(LR(1e-3), MOMENTUM(0.9), WEIGHT_DECAY()),
    latex=r"""\begin{aligned}
g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda\,\theta_{t-1}\\
b_t &\leftarrow \begin{cases} g_1 & t = 1\\ \mu\, b_{t-1} + g_t & t > 1\end{cases}\\
\theta_t &\leftarrow \theta_{t-1} - \eta\,(g_t + \mu\, b_t)
\end{aligned}""",
    explanation="Nesterov accelerated gradient in torch's form: a momentum step that looks ahead, adding the velocity "
    "once more to the current gradient, which corrects overshoot earlier than heavy-ball momentum.",
    pros=(
        "Less overshoot than heavy-ball momentum",
        "Optimal convergence rate on smooth convex problems",
        "Same cost and hyperparameters as momentum",
    ),
    cons=("Still one global learning rate", "Can oscillate with large μ"),
    when_to_use="Wherever you would use momentum; often a small, free improvement.",
    init=_sgd_init,
    update=lambda g, s, p, hp, lr, t: _sgd_update(g, s, p, hp, lr, t, nesterov=True),
    buffers=(
        StateBuffer(
            "momentum_buffer",
            "b_t",
            "velocity: past gradients summed with weight μ per step",
            "b_{t-1}",
            only_if="momentum",
        ),
    ),
    momentum=True,
    typical_use="SGD training of CNNs",
    year=1983,
    paper="Nesterov, A method for solving convex programming problems",
)


# =========================================================================== Adagrad
def _adagrad_init(p: Array, hp: Hyper) -> AdagradState:
    return {"sum": np.zeros_like(p) + hp["initial_accumulator_value"]}


def _adagrad_update(
    g: Array, state: AdagradState, p: Array, hp: Hyper, lr: Value, t: int
) -> tuple[Array, AdagradState]:
    # torch.optim.Adagrad, _single_tensor_adagrad
    g = _coupled_weight_decay(g, p, hp["weight_decay"])
    clr = lr / (1.0 + (t - 1) * hp["lr_decay"])
    s = state["sum"] + g * g
    std = np.sqrt(s) + hp["eps"]
    new_state: AdagradState = {"sum": s}
    if hp.get(RECORD):
        new_state["lr_decayed"] = clr
    return p - clr * (g / std), new_state


ADAGRAD = OptimizerSpec(
    id="adagrad",
    name="Adagrad",
    ref=Reference("torch.optim", "Adagrad"),
    hyperparams=(
        LR(1e-2),
        HyperParam("lr_decay", 0.0, "learning rate decays as η/(1 + (t−1)·decay)", r"\delta", low=0.0, ui_high=0.1),
        WEIGHT_DECAY(),
        HyperParam(
            "initial_accumulator_value", 0.0, "starting value of the squared-gradient sum", r"s_0", low=0.0, ui_high=1.0
        ),
        EPS(1e-10),
    ),
    latex=r"""\begin{aligned}
g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda\,\theta_{t-1}\\
\tilde\eta_t &\leftarrow \eta \,/\, \bigl(1 + (t-1)\,\delta\bigr)\\
s_t &\leftarrow s_{t-1} + g_t^2\\
\theta_t &\leftarrow \theta_{t-1} - \tilde\eta_t\, \frac{g_t}{\sqrt{s_t} + \epsilon}
\end{aligned}""",
    explanation="Divides each coordinate's step by the root of the sum of all its past squared gradients: "
    "steep directions get small steps, gentle ones large steps. The sum only grows, so steps shrink forever.",
    pros=(
        "Per-coordinate step sizes with no tuning of β",
        "Great for sparse features (rare coordinates keep large steps)",
        "Robust to the scale of the gradient",
    ),
    cons=("Steps shrink towards zero: can stall long before the minimum", "Poor for long non-convex runs"),
    when_to_use="Sparse, convex problems (linear models on text, recommender embeddings); short runs.",
    init=_adagrad_init,
    update=_adagrad_update,
    buffers=(StateBuffer("sum", "s_t", "sum of every squared gradient so far, per coordinate", "s_{t-1}"),),
    indicators=(Indicator("lr_decayed", r"\tilde\eta_t", "learning rate after the lr_decay schedule"),),
    adaptive=True,
    typical_use="sparse convex problems",
    year=2011,
    paper="Duchi, Hazan & Singer, Adaptive Subgradient Methods",
)


# =========================================================================== RMSprop
def _rmsprop_init(p: Array, hp: Hyper) -> RMSpropState:
    return {"square_avg": _zeros(p), "grad_avg": _zeros(p), "momentum_buffer": _zeros(p)}


def _rmsprop_update(
    g: Array, state: RMSpropState, p: Array, hp: Hyper, lr: Value, t: int
) -> tuple[Array, RMSpropState]:
    # torch.optim.RMSprop, _single_tensor_rmsprop
    g = _coupled_weight_decay(g, p, hp["weight_decay"])
    alpha, eps, centered = hp["alpha"], hp["eps"], hp["centered"]
    sq = alpha * state["square_avg"] + (1.0 - alpha) * (g * g)
    ga = state["grad_avg"]
    inside = hp.get("eps_inside", False)
    if _any(centered):
        ga_new = _lerp(ga, g, 1.0 - alpha)
        ga = _select(centered, ga_new, ga)
        var = _select(centered, sq - ga_new * ga_new, sq)
    else:
        var = sq
    # torch: √v + ε; the textbook form (RMSPROP.variants): √(v + ε)
    avg = _select(inside, np.sqrt(var + eps), np.sqrt(var) + eps) if _any(inside) else np.sqrt(var) + eps
    mu = hp["momentum"]
    new_state: RMSpropState
    if _nonzero(mu):
        # With μ = 0 this equals the plain step exactly (0·b + x = x), so one formula serves mixed batches.
        buf = mu * state["momentum_buffer"] + g / avg
        p, new_state = p - lr * buf, {"square_avg": sq, "grad_avg": ga, "momentum_buffer": buf}
    else:
        p, new_state = (
            p - lr * (g / avg),
            {"square_avg": sq, "grad_avg": ga, "momentum_buffer": state["momentum_buffer"]},
        )
    if hp.get(RECORD):
        new_state["denominator"] = avg
    return p, new_state


RMSPROP = OptimizerSpec(
    id="rmsprop",
    name="RMSprop",
    ref=Reference("torch.optim", "RMSprop"),
    hyperparams=(
        LR(1e-2),
        HyperParam(
            "alpha",
            0.99,
            "decay of the squared-gradient average",
            r"\alpha",
            low=0.0,
            high=1.0,
            high_open=True,
            ui_high=0.9999,
        ),
        EPS(1e-8),
        WEIGHT_DECAY(),
        MOMENTUM(0.0),
        FLAG("centered", False, "divide by the gradient's variance estimate instead of its raw second moment"),
        EPS_INSIDE(),
    ),
    latex=r"""\begin{aligned}
g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda\,\theta_{t-1}\\
v_t &\leftarrow \alpha\, v_{t-1} + (1-\alpha)\, g_t^2\\
\bar g_t &\leftarrow \alpha\, \bar g_{t-1} + (1-\alpha)\, g_t \quad\text{(centered)}\\
d_t &\leftarrow \sqrt{v_t - \bar g_t^{\,2}} + \epsilon \ \text{(centered)}\quad\text{else}\quad \sqrt{v_t} + \epsilon\\
b_t &\leftarrow \mu\, b_{t-1} + g_t / d_t\\
\theta_t &\leftarrow \theta_{t-1} - \eta\, b_t
\end{aligned}""",
    variants=(
        Variant(
            "decay_0_9",
            "decay 0.9",
            {"alpha": 0.9},
            r"""\begin{aligned}
E[g^2]_t &\leftarrow 0.9\, E[g^2]_{t-1} + 0.1\, g_t^2\\
\theta_t &\leftarrow \theta_{t-1} - \frac{\eta}{\sqrt{E[g^2]_t} + \epsilon}\, g_t
\end{aligned}""",
            "Hinton's Coursera lecture 6e; Keras (rho = 0.9)",
            "The same rule with a shorter memory: the average forgets with a time constant of ~10 steps instead of "
            "~100 (torch's α = 0.99). It adapts faster to a change of slope and its first steps are less inflated by "
            "the zero start (the first step is η/√(1−α) ≈ 3.2η at 0.9, 10η at 0.99).",
        ),
        Variant(
            "eps_inside",
            "ε inside the square root",
            {"eps_inside": True},
            r"""\begin{aligned}
v_t &\leftarrow \alpha\, v_{t-1} + (1-\alpha)\, g_t^2\\
\theta_t &\leftarrow \theta_{t-1} - \frac{\eta}{\sqrt{v_t + \epsilon}}\, g_t
\end{aligned}""",
            "many lecture notes; Adadelta's form",
            "Differs only where v is no larger than about ε: there √(v + ε) ≥ √ε, so ε bounds the step by η|g|/√ε, "
            "while √v + ε lets steps of about η sign(g) through down to gradients of size ε. With ε = 1e-8 that is "
            "|g| ≲ 1e-4 (√ε): flat regions and the end of training.",
        ),
    ),
    explanation="Adagrad with a memory: an exponential average of squared gradients replaces the ever-growing sum, "
    "so the step size adapts to recent curvature instead of shrinking forever.",
    pros=(
        "Per-coordinate step sizes that do not decay to zero",
        "Handles very different slopes per direction",
        "Works well for non-stationary objectives (RNNs, RL)",
    ),
    cons=("No bias correction: early steps can be large", "Sensitive to ε and α on flat regions"),
    when_to_use="Recurrent networks and reinforcement learning; a robust default before Adam existed.",
    init=_rmsprop_init,
    update=_rmsprop_update,
    buffers=(
        StateBuffer("square_avg", "v_t", "running average of squared gradients", "v_{t-1}"),
        StateBuffer(
            "momentum_buffer", "b_t", "velocity of the normalised steps (momentum > 0)", "b_{t-1}", only_if="momentum"
        ),
        StateBuffer(
            "grad_avg", r"\bar g_t", "running average of gradients (centered only)", r"\bar g_{t-1}", only_if="centered"
        ),
    ),
    indicators=(Indicator("denominator", "d_t", "what each coordinate's gradient is divided by", PER_COORDINATE),),
    adaptive=True,
    typical_use="RNNs, reinforcement learning",
    year=2012,
    paper="Hinton, Lecture 6e of Neural Networks for Machine Learning",
)


# =========================================================================== Adadelta
def _adadelta_init(p: Array, hp: Hyper) -> AdadeltaState:
    return {"square_avg": _zeros(p), "acc_delta": _zeros(p)}


def _adadelta_update(
    g: Array, state: AdadeltaState, p: Array, hp: Hyper, lr: Value, t: int
) -> tuple[Array, AdadeltaState]:
    # torch.optim.Adadelta, _single_tensor_adadelta
    g = _coupled_weight_decay(g, p, hp["weight_decay"])
    rho, eps = hp["rho"], hp["eps"]
    sq = rho * state["square_avg"] + (1.0 - rho) * (g * g)
    std = np.sqrt(sq + eps)
    delta = np.sqrt(state["acc_delta"] + eps) / std * g
    acc = rho * state["acc_delta"] + (1.0 - rho) * (delta * delta)
    new_state: AdadeltaState = {"square_avg": sq, "acc_delta": acc}
    if hp.get(RECORD):
        new_state["delta"] = delta
    return p - lr * delta, new_state


ADADELTA = OptimizerSpec(
    id="adadelta",
    name="Adadelta",
    ref=Reference("torch.optim", "Adadelta"),
    hyperparams=(
        LR(1.0),
        HyperParam("rho", 0.9, "decay of both running averages", r"\rho", low=0.0, high=1.0, ui_high=0.999),
        EPS(1e-6),
        WEIGHT_DECAY(),
    ),
    latex=r"""\begin{aligned}
g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda\,\theta_{t-1}\\
v_t &\leftarrow \rho\, v_{t-1} + (1-\rho)\, g_t^2\\
\Delta_t &\leftarrow \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\; g_t\\
u_t &\leftarrow \rho\, u_{t-1} + (1-\rho)\, \Delta_t^2\\
\theta_t &\leftarrow \theta_{t-1} - \eta\, \Delta_t
\end{aligned}""",
    explanation="Scales each step by the ratio of recent update size to recent gradient size, so the units of the "
    "update match the units of the parameters and no learning rate is needed in principle (η = 1).",
    pros=("Largely learning-rate free", "Steps do not decay to zero like Adagrad"),
    cons=("Starts very slowly: the first steps are about √ε in size", "ε effectively sets the step size"),
    when_to_use="When you cannot tune a learning rate; mostly of historical and teaching interest today.",
    init=_adadelta_init,
    update=_adadelta_update,
    buffers=(
        StateBuffer("square_avg", "v_t", "running average of squared gradients", "v_{t-1}"),
        StateBuffer("acc_delta", "u_t", "running average of squared updates", "u_{t-1}"),
    ),
    indicators=(Indicator("delta", r"\Delta_t", "the update before the learning rate scales it", PER_COORDINATE),),
    adaptive=True,
    typical_use="tuning-free training (historical)",
    year=2012,
    paper="Zeiler, ADADELTA: An Adaptive Learning Rate Method",
)


# =========================================================================== Adam family
def _adam_init(p: Array, hp: Hyper) -> AdamState:
    return {"exp_avg": _zeros(p), "exp_avg_sq": _zeros(p), "max_exp_avg_sq": _zeros(p)}


def _adam_update(
    g: Array,
    state: AdamState,
    p: Array,
    hp: Hyper,
    lr: Value,
    t: int,
    *,
    decoupled: bool = False,
    amsgrad: bool | None = None,
) -> tuple[Array, AdamState]:
    # torch.optim.Adam / AdamW, _single_tensor_adam (AdamW = decoupled weight decay)
    b1, b2, eps, wd = hp["beta1"], hp["beta2"], hp["eps"], hp["weight_decay"]
    if decoupled:
        p = _decoupled_weight_decay(p, lr, wd)
    else:
        g = _coupled_weight_decay(g, p, wd)
    m = _lerp(state["exp_avg"], g, 1.0 - b1)
    v = b2 * state["exp_avg_sq"] + (1.0 - b2) * (g * g)
    bc1 = 1.0 - b1**t
    bc2 = 1.0 - b2**t
    ams = hp.get("amsgrad", False) if amsgrad is None else amsgrad
    vmax_old = vmax = state["max_exp_avg_sq"]
    if _any(ams):
        vmax = _select(ams, np.maximum(vmax, v), vmax)
        root = _select(ams, vmax, v)
    else:
        root = v
    correct, inside = hp.get("bias_correction", True), hp.get("eps_inside", False)
    if _all(correct) and not _any(inside):
        # torch's form: η/(1−β₁ᵗ) · m / (√v / √(1−β₂ᵗ) + ε)
        step_size = lr / bc1
        bc2_sqrt = math.sqrt(bc2) if isinstance(bc2, float) else np.sqrt(bc2)
        denom = np.sqrt(root) / bc2_sqrt + eps
    else:
        # the textbook forms (ADAM.variants), per trajectory; torch's ops where both switches are at default
        step_size = _select(correct, lr / bc1, lr)
        bc2_used = _select(correct, bc2, 1.0)
        outside = np.sqrt(root) / np.sqrt(bc2_used) + eps
        denom = _select(inside, np.sqrt(root / bc2_used + eps), outside)
    new_state: AdamState = {"exp_avg": m, "exp_avg_sq": v, "max_exp_avg_sq": vmax}
    if hp.get(RECORD):
        new_state["kept_max"] = np.where(np.asarray(ams), (vmax_old > v).astype(float), np.nan)
    return p - step_size * (m / denom), new_state


_ADAM_VARIANTS = (
    Variant(
        "eps_inside",
        "ε inside the square root",
        {"eps_inside": True},
        r"""\begin{aligned}
\hat m_t &\leftarrow \frac{m_t}{1-\beta_1^t},\quad \hat v_t \leftarrow \frac{v_t}{1-\beta_2^t}\\
\theta_t &\leftarrow \theta_{t-1} - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t + \epsilon}}
\end{aligned}""",
        "lecture notes and course slides",
        "The same path wherever v̂ ≫ ε. Where gradients are small (|g| comparable to √ε = 1e-4 at ε = 1e-8, or "
        "everywhere once ε is large) it is not: √(v̂ + ε) never falls below √ε, so steps shrink with the gradient "
        "like SGD with learning rate η/√ε, while √v̂ + ε keeps steps of about η until |g| reaches ε itself.",
    ),
    Variant(
        "no_bias_correction",
        "no bias correction",
        {"bias_correction": False},
        r"""\begin{aligned}
m_t &\leftarrow \beta_1\, m_{t-1} + (1-\beta_1)\, g_t,\quad v_t \leftarrow \beta_2\, v_{t-1} + (1-\beta_2)\, g_t^2\\
\theta_t &\leftarrow \theta_{t-1} - \eta\, \frac{m_t}{\sqrt{v_t} + \epsilon}
\end{aligned}""",
        "RMSprop with momentum; some course slides omit the correction",
        "m and v start at 0, so early on they underestimate: m by (1−β₁ᵗ), v by (1−β₂ᵗ). Without the correction "
        "the step is η(1−β₁ᵗ)/√(1−β₂ᵗ) times the corrected one: 3.2η at the first step, up to ~6.5η around step "
        "10 and still 3.2η at step 100 (β = 0.9, 0.999) — larger, not smaller, early steps. They agree once "
        "β₂ᵗ ≈ 0 (thousands of steps).",
    ),
)

_ADAM_LATEX_CORE = r"""m_t &\leftarrow \beta_1\, m_{t-1} + (1-\beta_1)\, g_t\\
v_t &\leftarrow \beta_2\, v_{t-1} + (1-\beta_2)\, g_t^2\\"""

ADAM = OptimizerSpec(
    id="adam",
    name="Adam",
    ref=Reference("torch.optim", "Adam"),
    hyperparams=(
        LR(1e-3),
        BETA1(0.9),
        BETA2(0.999),
        EPS(1e-8),
        WEIGHT_DECAY(),
        FLAG("amsgrad", False, "use the running maximum of v (AMSGrad)"),
        EPS_INSIDE(),
        BIAS_CORRECTION(),
    ),
    variants=_ADAM_VARIANTS,
    latex=r"""\begin{aligned}
g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda\,\theta_{t-1}\\
"""
    + _ADAM_LATEX_CORE
    + r"""
\hat v_t &\leftarrow \max(\hat v_{t-1}, v_t)\ \text{(amsgrad)}\quad\text{else}\quad v_t\\
\theta_t &\leftarrow \theta_{t-1} - \frac{\eta}{1-\beta_1^t}\; \frac{m_t}{\sqrt{\hat v_t}\,/\sqrt{1-\beta_2^t} + \epsilon}
\end{aligned}""",
    explanation="Momentum (an average of gradients, m) divided by an RMSprop-style average of squared gradients (v), "
    "both bias-corrected for their zero start. Each step moves each coordinate by roughly η, whatever "
    "the gradient's scale.",
    pros=(
        "Works well out of the box on most problems",
        "Per-coordinate adaptive steps plus momentum",
        "Invariant to rescaling the gradient",
    ),
    cons=(
        "Step size ~η even near the minimum: hovers unless η decays",
        "L2 weight decay interacts badly with the adaptive scaling (use AdamW)",
        "Can fail to converge on some convex problems (AMSGrad's fix)",
    ),
    when_to_use="The default for deep learning, especially transformers and anything hard to tune.",
    init=_adam_init,
    update=_adam_update,
    buffers=(
        StateBuffer("exp_avg", "m_t", "first moment: running average of gradients", "m_{t-1}"),
        StateBuffer("exp_avg_sq", "v_t", "second moment: running average of squared gradients", "v_{t-1}"),
        StateBuffer(
            "max_exp_avg_sq",
            r"\hat v_t",
            "largest second moment so far (AMSGrad)",
            r"\hat v_{t-1}",
            only_if="amsgrad",
        ),
    ),
    indicators=(
        Indicator(
            "kept_max",
            r"\hat v_t",
            "AMSGrad's max kept the earlier value (v̂_{t−1} > v_t) rather than the new v_t",
            PER_COORDINATE,
            flag=True,
        ),
    ),
    adaptive=True,
    momentum=True,
    typical_use="default for deep learning",
    year=2014,
    paper="Kingma & Ba, Adam: A Method for Stochastic Optimization",
)

ADAMW = OptimizerSpec(
    id="adamw",
    name="AdamW",
    ref=Reference("torch.optim", "AdamW"),
    hyperparams=(
        LR(1e-3),
        BETA1(0.9),
        BETA2(0.999),
        EPS(1e-8),
        WEIGHT_DECAY(1e-2, decoupled=True),
        FLAG("amsgrad", False, "use the running maximum of v (AMSGrad)"),
        EPS_INSIDE(),
        BIAS_CORRECTION(),
    ),
    variants=_ADAM_VARIANTS,
    latex=r"""\begin{aligned}
\theta_{t-1} &\leftarrow \theta_{t-1}\,(1 - \eta\lambda)\\
g_t &\leftarrow \nabla f(\theta_{t-1})\\
"""
    + _ADAM_LATEX_CORE
    + r"""
\hat v_t &\leftarrow \max(\hat v_{t-1}, v_t)\ \text{(amsgrad)}\quad\text{else}\quad v_t\\
\theta_t &\leftarrow \theta_{t-1} - \frac{\eta}{1-\beta_1^t}\; \frac{m_t}{\sqrt{\hat v_t}\,/\sqrt{1-\beta_2^t} + \epsilon}
\end{aligned}""",
    explanation="Adam with decoupled weight decay: the weights shrink directly by ηλ each step instead of adding λθ "
    "to the gradient, so the decay is not rescaled away by Adam's per-coordinate normalisation.",
    pros=("Weight decay that behaves as intended", "Everything Adam does well"),
    cons=("Decay pulls towards the origin: the minimum found is shifted if λ is large", "One more hyperparameter"),
    when_to_use="Training transformers and most modern networks; whenever you want Adam with regularisation.",
    init=_adam_init,
    update=lambda g, s, p, hp, lr, t: _adam_update(g, s, p, hp, lr, t, decoupled=True),
    buffers=(
        StateBuffer("exp_avg", "m_t", "first moment: running average of gradients", "m_{t-1}"),
        StateBuffer("exp_avg_sq", "v_t", "second moment: running average of squared gradients", "v_{t-1}"),
        StateBuffer(
            "max_exp_avg_sq",
            r"\hat v_t",
            "largest second moment so far (AMSGrad)",
            r"\hat v_{t-1}",
            only_if="amsgrad",
        ),
    ),
    indicators=(
        Indicator(
            "kept_max",
            r"\hat v_t",
            "AMSGrad's max kept the earlier value (v̂_{t−1} > v_t) rather than the new v_t",
            PER_COORDINATE,
            flag=True,
        ),
    ),
    adaptive=True,
    momentum=True,
    typical_use="transformers, modern deep learning",
    year=2017,
    paper="Loshchilov & Hutter, Decoupled Weight Decay Regularization",
)

AMSGRAD = OptimizerSpec(
    id="amsgrad",
    name="AMSGrad",
    ref=Reference("torch.optim", "Adam", {"amsgrad": True}),
    hyperparams=(LR(1e-3), BETA1(0.9), BETA2(0.999), EPS(1e-8), WEIGHT_DECAY(), EPS_INSIDE(), BIAS_CORRECTION()),
    variants=_ADAM_VARIANTS,
    latex=r"""\begin{aligned}
g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda\,\theta_{t-1}\\
"""
    + _ADAM_LATEX_CORE
    + r"""
\hat v_t &\leftarrow \max(\hat v_{t-1}, v_t)\\
\theta_t &\leftarrow \theta_{t-1} - \frac{\eta}{1-\beta_1^t}\; \frac{m_t}{\sqrt{\hat v_t}\,/\sqrt{1-\beta_2^t} + \epsilon}
\end{aligned}""",
    explanation="Adam whose denominator never shrinks: it divides by the largest second-moment average seen so far, "
    "which repairs Adam's convergence proof and stops sudden large steps after a quiet stretch.",
    pros=("Provably convergent where Adam is not", "Smoother late-phase steps"),
    cons=("Steps can stay small after an early burst of large gradients", "Rarely better than Adam in practice"),
    when_to_use="When Adam oscillates or diverges late in training.",
    init=_adam_init,
    update=lambda g, s, p, hp, lr, t: _adam_update(g, s, p, hp, lr, t, amsgrad=True),
    buffers=(
        StateBuffer("exp_avg", "m_t", "first moment: running average of gradients", "m_{t-1}"),
        StateBuffer("exp_avg_sq", "v_t", "second moment: running average of squared gradients", "v_{t-1}"),
        StateBuffer(
            "max_exp_avg_sq",
            r"\hat v_t",
            "largest second moment so far (AMSGrad)",
            r"\hat v_{t-1}",
            only_if=None,
        ),
    ),
    indicators=(
        Indicator(
            "kept_max",
            r"\hat v_t",
            "AMSGrad's max kept the earlier value (v̂_{t−1} > v_t) rather than the new v_t",
            PER_COORDINATE,
            flag=True,
        ),
    ),
    adaptive=True,
    momentum=True,
    typical_use="Adam that oscillates late",
    year=2018,
    paper="Reddi, Kale & Kumar, On the Convergence of Adam and Beyond",
)


def _nadam_init(p: Array, hp: Hyper) -> NAdamState:
    return {"exp_avg": _zeros(p), "exp_avg_sq": _zeros(p), "mu_product": 1.0}


def _nadam_update(g: Array, state: NAdamState, p: Array, hp: Hyper, lr: Value, t: int) -> tuple[Array, NAdamState]:
    # torch.optim.NAdam, _single_tensor_nadam
    b1, b2, eps, wd, psi = hp["beta1"], hp["beta2"], hp["eps"], hp["weight_decay"], hp["momentum_decay"]
    bc2 = 1.0 - b2**t
    g, p = _either_weight_decay(g, p, lr, wd, hp["decoupled_weight_decay"])
    mu = b1 * (1.0 - 0.5 * 0.96 ** (t * psi))
    mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
    mu_product = state["mu_product"] * mu
    m = _lerp(state["exp_avg"], g, 1.0 - b1)
    v = b2 * state["exp_avg_sq"] + (1.0 - b2) * (g * g)
    denom = np.sqrt(v / bc2) + eps
    p = p + (-lr * (1.0 - mu) / (1.0 - mu_product)) * (g / denom)
    p = p + ((-lr * mu_next) / (1.0 - mu_product * mu_next)) * (m / denom)
    new_state: NAdamState = {"exp_avg": m, "exp_avg_sq": v, "mu_product": mu_product}
    if hp.get(RECORD):
        new_state["mu_t"] = mu
        new_state["mu_next"] = mu_next
    return p, new_state


NADAM = OptimizerSpec(
    id="nadam",
    name="NAdam",
    ref=Reference("torch.optim", "NAdam"),
    hyperparams=(
        LR(2e-3),
        BETA1(0.9),
        BETA2(0.999),
        EPS(1e-8),
        WEIGHT_DECAY(),
        HyperParam(
            "momentum_decay", 4e-3, "ψ: schedule of the momentum coefficient μ_t", r"\psi", low=0.0, ui_high=0.1
        ),
        FLAG("decoupled_weight_decay", False, "AdamW-style decay instead of the L2 penalty"),
    ),
    latex=r"""\begin{aligned}
g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda\,\theta_{t-1}\\
\mu_t &\leftarrow \beta_1\bigl(1 - \tfrac12\, 0.96^{\,t\psi}\bigr),\quad
\mu_{t+1} \leftarrow \beta_1\bigl(1 - \tfrac12\, 0.96^{\,(t+1)\psi}\bigr)\\
"""
    + _ADAM_LATEX_CORE
    + r"""
P_t &\leftarrow P_{t-1}\,\mu_t = \textstyle\prod_{i\le t}\mu_i,\qquad P_0 = 1\\
d_t &\leftarrow \sqrt{v_t / (1-\beta_2^t)} + \epsilon\\
\theta_t &\leftarrow \theta_{t-1} - \eta\,\frac{1-\mu_t}{1-P_t}\,\frac{g_t}{d_t}
 - \eta\,\frac{\mu_{t+1}}{1-P_t\,\mu_{t+1}}\,\frac{m_t}{d_t}
\end{aligned}""",
    explanation="Adam with Nesterov momentum: the update already includes the next step's momentum, so it reacts to "
    "a turn in the valley one step earlier. μ_t warms up slowly with the momentum decay ψ.",
    pros=("Often converges a little faster than Adam", "Less overshoot around turns"),
    cons=("Slightly more complex than Adam", "Same late-phase hovering and tuning issues as Adam"),
    when_to_use="As a drop-in Adam replacement, especially where momentum overshoots.",
    init=_nadam_init,
    update=_nadam_update,
    buffers=(
        StateBuffer("mu_product", "P_t", "product of the momentum coefficients μ_1 … μ_t", "P_{t-1}", PER_RUN),
        StateBuffer("exp_avg", "m_t", "first moment: running average of gradients", "m_{t-1}"),
        StateBuffer("exp_avg_sq", "v_t", "second moment: running average of squared gradients", "v_{t-1}"),
    ),
    indicators=(
        Indicator("mu_t", r"\mu_t", "momentum coefficient of this step (warms up with ψ)"),
        Indicator("mu_next", r"\mu_{t+1}", "momentum coefficient of the next step, used in the look-ahead"),
    ),
    adaptive=True,
    momentum=True,
    typical_use="drop-in Adam replacement",
    year=2016,
    paper="Dozat, Incorporating Nesterov Momentum into Adam",
)


def _radam_init(p: Array, hp: Hyper) -> RAdamState:
    return {"exp_avg": _zeros(p), "exp_avg_sq": _zeros(p)}


def _radam_update(g: Array, state: RAdamState, p: Array, hp: Hyper, lr: Value, t: int) -> tuple[Array, RAdamState]:
    # torch.optim.RAdam, _single_tensor_radam
    b1, b2, eps, wd = hp["beta1"], hp["beta2"], hp["eps"], hp["weight_decay"]
    g, p = _either_weight_decay(g, p, lr, wd, hp["decoupled_weight_decay"])
    m = _lerp(state["exp_avg"], g, 1.0 - b1)
    v = b2 * state["exp_avg_sq"] + (1.0 - b2) * (g * g)
    bc1 = 1.0 - b1**t
    bc2 = 1.0 - b2**t
    m_hat = m / bc1
    rho_inf = 2.0 / (1.0 - b2) - 1.0
    rho_t = rho_inf - 2.0 * t * (b2**t) / bc2
    plain = p - m_hat * lr
    rectified_on = rho_t > 5.0
    rect = None
    if _any(rectified_on):
        with np.errstate(all="ignore"):  # the rectifier is only used where rho_t > 5
            rect = np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        adaptive_lr = np.sqrt(bc2) / (np.sqrt(v) + eps)
        p = _select(rectified_on, p - m_hat * lr * adaptive_lr * rect, plain)
    else:
        p = plain
    new_state: RAdamState = {"exp_avg": m, "exp_avg_sq": v}
    if hp.get(RECORD):
        new_state["rectified"] = np.asarray(rectified_on, dtype=float)
        new_state["rho_t"] = rho_t
        new_state["r_t"] = np.where(rectified_on, np.nan if rect is None else rect, np.nan)
    return p, new_state


RADAM = OptimizerSpec(
    id="radam",
    name="RAdam",
    ref=Reference("torch.optim", "RAdam"),
    hyperparams=(
        LR(1e-3),
        BETA1(0.9),
        BETA2(0.999),
        EPS(1e-8),
        WEIGHT_DECAY(),
        FLAG("decoupled_weight_decay", False, "AdamW-style decay instead of the L2 penalty"),
    ),
    latex=r"""\begin{aligned}
g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda\,\theta_{t-1}\\
"""
    + _ADAM_LATEX_CORE
    + r"""
\hat m_t &\leftarrow m_t / (1-\beta_1^t),\qquad \rho_\infty \leftarrow \tfrac{2}{1-\beta_2} - 1,\qquad
\rho_t \leftarrow \rho_\infty - \tfrac{2t\beta_2^t}{1-\beta_2^t}\\
r_t &\leftarrow \sqrt{\tfrac{(\rho_t-4)(\rho_t-2)\rho_\infty}{(\rho_\infty-4)(\rho_\infty-2)\rho_t}}\\
\theta_t &\leftarrow \begin{cases}
\theta_{t-1} - \eta\, \hat m_t\, r_t\, \dfrac{\sqrt{1-\beta_2^t}}{\sqrt{v_t}+\epsilon} & \rho_t > 5\\[4pt]
\theta_{t-1} - \eta\, \hat m_t & \text{otherwise}
\end{cases}
\end{aligned}""",
    explanation="Rectified Adam: while the second-moment estimate is still based on too few steps (ρ_t ≤ 5) it takes "
    "plain momentum-SGD steps, then turns the adaptive scaling on gradually through the rectifier r_t — "
    "a built-in warm-up.",
    pros=("No warm-up schedule needed", "Less sensitive to the learning rate early on"),
    cons=(
        "First steps are plain SGD with momentum: can be large on steep surfaces",
        "Same late-phase behaviour as Adam",
    ),
    when_to_use="When Adam needs a warm-up to be stable.",
    init=_radam_init,
    update=_radam_update,
    buffers=(
        StateBuffer("exp_avg", "m_t", "first moment: running average of gradients", "m_{t-1}"),
        StateBuffer("exp_avg_sq", "v_t", "second moment: running average of squared gradients", "v_{t-1}"),
    ),
    indicators=(
        Indicator(
            "rectified", r"\rho_t > 5", "the adaptive (rectified) step is on", flag=True, event="adaptive step on"
        ),
        Indicator("rho_t", r"\rho_t", "length of the approximated simple moving average"),
        Indicator("r_t", "r_t", "variance rectification term (only while rectified)"),
    ),
    adaptive=True,
    momentum=True,
    typical_use="Adam without warm-up",
    year=2019,
    paper="Liu et al., On the Variance of the Adaptive Learning Rate and Beyond",
)


def _adamax_init(p: Array, hp: Hyper) -> AdamaxState:
    return {"exp_avg": _zeros(p), "exp_inf": _zeros(p)}


def _adamax_update(g: Array, state: AdamaxState, p: Array, hp: Hyper, lr: Value, t: int) -> tuple[Array, AdamaxState]:
    # torch.optim.Adamax, _single_tensor_adamax
    b1, b2, eps = hp["beta1"], hp["beta2"], hp["eps"]
    g = _coupled_weight_decay(g, p, hp["weight_decay"])
    m = _lerp(state["exp_avg"], g, 1.0 - b1)
    decayed, fresh = state["exp_inf"] * b2, np.abs(g) + eps
    u = np.maximum(decayed, fresh)
    clr = lr / (1.0 - b1**t)
    new_state: AdamaxState = {"exp_avg": m, "exp_inf": u}
    if hp.get(RECORD):
        new_state["new_max"] = (fresh >= decayed).astype(float)
    return p - clr * (m / u), new_state


ADAMAX = OptimizerSpec(
    id="adamax",
    name="Adamax",
    ref=Reference("torch.optim", "Adamax"),
    hyperparams=(LR(2e-3), BETA1(0.9), BETA2(0.999), EPS(1e-8), WEIGHT_DECAY()),
    latex=r"""\begin{aligned}
g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda\,\theta_{t-1}\\
m_t &\leftarrow \beta_1\, m_{t-1} + (1-\beta_1)\, g_t\\
u_t &\leftarrow \max\bigl(\beta_2\, u_{t-1},\ |g_t| + \epsilon\bigr)\\
\theta_t &\leftarrow \theta_{t-1} - \frac{\eta}{1-\beta_1^t}\,\frac{m_t}{u_t}
\end{aligned}""",
    explanation="Adam with the infinity norm: the denominator is a decaying maximum of |g| instead of an average of "
    "g², which makes it more robust to rare huge gradients.",
    pros=("Stable step sizes bounded by η", "Robust to gradient outliers"),
    cons=("Usually no better than Adam", "Slow to adapt after a single large gradient"),
    when_to_use="Embeddings and problems with occasional gradient spikes.",
    init=_adamax_init,
    update=_adamax_update,
    buffers=(
        StateBuffer("exp_avg", "m_t", "first moment: running average of gradients", "m_{t-1}"),
        StateBuffer("exp_inf", "u_t", "decaying maximum of |g| (infinity norm)", "u_{t-1}"),
    ),
    indicators=(
        Indicator(
            "new_max", "u_t", "the maximum took |g_t| + ε (not the decayed β₂u_{t−1})", PER_COORDINATE, flag=True
        ),
    ),
    adaptive=True,
    momentum=True,
    typical_use="embeddings, gradient spikes",
    year=2014,
    paper="Kingma & Ba, Adam (section 7.1)",
)


# =========================================================================== pytorch-optimizer
def _ftrl_init(p: Array, hp: Hyper) -> FTRLState:
    return {"z": _zeros(p), "n": _zeros(p)}


def _ftrl_update(g: Array, state: FTRLState, p: Array, hp: Hyper, lr: Value, t: int) -> tuple[Array, FTRLState]:
    # pytorch_optimizer.FTRL (per-parameter path). Note: the new θ is computed from z and n alone.
    lr_power, beta, l1, l2 = hp["lr_power"], hp["beta"], hp["lambda_1"], hp["lambda_2"]
    n_old, z = state["n"], state["z"]
    sigma = g * g
    de_nom = n_old ** (-lr_power)
    n = n_old + sigma
    sigma = (n ** (-lr_power) - de_nom) / lr
    z = z + g - sigma * p
    de_nom = (np.sqrt(n) + beta) / lr + l2
    new_p = (np.sign(z) * l1 - z) / de_nom
    clamped = np.abs(z) <= l1
    new_p = np.where(clamped, 0.0, new_p)
    new_state: FTRLState = {"z": z, "n": n}
    if hp.get(RECORD):
        new_state["sigma"] = sigma
        new_state["clamped"] = clamped.astype(float)
    return new_p, new_state


FTRL = OptimizerSpec(
    id="ftrl",
    name="FTRL",
    ref=Reference("pytorch_optimizer", "FTRL"),
    hyperparams=(
        LR(1e-3),
        HyperParam(
            "lr_power",
            -0.5,
            "exponent of the per-coordinate step-size schedule (−½: Adagrad-like)",
            r"p",
            high=0.0,
            ui_low=-1.0,
            ui_high=0.0,
        ),
        HyperParam("beta", 0.0, "offset added to √n in the denominator", r"\beta", low=0.0, ui_high=10.0),
        HyperParam(
            "lambda_1",
            0.0,
            "L1 penalty: coordinates with |z| ≤ λ₁ are set exactly to 0",
            r"\lambda_1",
            low=0.0,
            ui_high=10.0,
        ),
        HyperParam("lambda_2", 0.0, "L2 penalty", r"\lambda_2", low=0.0, ui_high=10.0),
    ),
    latex=r"""\begin{aligned}
g_t &\leftarrow \nabla f(\theta_{t-1}),\qquad n_t \leftarrow n_{t-1} + g_t^2\\
\sigma_t &\leftarrow \bigl(n_t^{-p} - n_{t-1}^{-p}\bigr) / \eta\\
z_t &\leftarrow z_{t-1} + g_t - \sigma_t\, \theta_{t-1}\\
\theta_t &\leftarrow \begin{cases} 0 & |z_t| \le \lambda_1\\[2pt]
\dfrac{\lambda_1 \operatorname{sign}(z_t) - z_t}{(\sqrt{n_t} + \beta)/\eta + \lambda_2} & \text{otherwise}\end{cases}
\end{aligned}""",
    explanation="Follow The Regularized Leader (proximal): instead of stepping from the current point, it solves for "
    "the point that best fits all gradients seen so far plus an L1/L2 penalty. The L1 term produces exact "
    "zeros — the reason it powered online ad click prediction.",
    pros=("Exact sparsity with λ₁", "Strong regret guarantees for online convex learning"),
    cons=(
        "The position is recomputed from accumulators: paths can jump, especially early",
        "Designed for convex online problems; unusual on non-convex surfaces",
    ),
    when_to_use="Online learning of sparse linear models (click-through prediction).",
    init=_ftrl_init,
    update=_ftrl_update,
    buffers=(
        StateBuffer("z", "z_t", "accumulated gradients, corrected by σ·θ", "z_{t-1}"),
        StateBuffer("n", "n_t", "sum of squared gradients", "n_{t-1}"),
    ),
    indicators=(
        Indicator("sigma", r"\sigma_t", "increase of the per-coordinate learning-rate term", PER_COORDINATE),
        Indicator("clamped", r"|z_t| \le \lambda_1", "L1 set this coordinate exactly to 0", PER_COORDINATE, flag=True),
    ),
    adaptive=True,
    typical_use="online sparse linear models",
    year=2013,
    paper="McMahan et al., Ad Click Prediction: a View from the Trenches",
)


def _swats_init(p: Array, hp: Hyper) -> SWATSState:
    b = p.shape[1]
    return {
        "exp_avg": _zeros(p),
        "exp_avg_sq": _zeros(p),
        "max_exp_avg_sq": _zeros(p),
        "momentum_buffer": _zeros(p),
        "exp_avg2": np.zeros(b),
        "sgd_phase": np.zeros(b, dtype=bool),
        "sgd_lr": np.zeros(b),
        "lr_used": np.zeros(b),
    }


def _swats_update(g: Array, state: SWATSState, p: Array, hp: Hyper, lr: Value, t: int) -> tuple[Array, SWATSState]:
    # pytorch_optimizer.SWATS (per-parameter path). Each trajectory is its own parameter group, so each switches
    # from Adam to SGD on its own; at the switch the group's lr becomes the estimated SGD rate, and torch's
    # chainable scheduler keeps rescaling that value after every step (hp[LR_CHAIN], see schedules.lr_chain).
    b1, b2, eps, wd = hp["beta1"], hp["beta2"], hp["eps"], hp["weight_decay"]
    in_sgd = state["sgd_phase"]
    group_lr = np.where(in_sgd, state["sgd_lr"], lr)
    bc1 = 1.0 - b1**t
    bc2 = 1.0 - b2**t
    step_size = lr * math.sqrt(bc2) / bc1 if np.ndim(bc2) == 0 else lr * np.sqrt(bc2) / bc1

    if _nonzero(wd):
        decouple = hp["weight_decouple"]
        shrink = 1.0 - wd * _select(hp["fixed_decay"], 1.0, group_lr)
        p_dec = p * shrink
        g_cpl = g + wd * p if bool(np.all(np.asarray(wd) > 0)) else np.where(np.asarray(wd) > 0, g + wd * p, g)
        p, g = _select(decouple, p_dec, p), _select(decouple, g, g_cpl)

    # SGD phase (rows that already switched)
    buf = b1 * state["momentum_buffer"] + g
    upd = buf * (1.0 - b1)
    upd = _select(hp["nesterov"], upd + b1 * buf, upd)
    p_sgd = p - group_lr * upd

    # Adam phase
    m = _lerp(state["exp_avg"], g, 1.0 - b1)
    v = b2 * state["exp_avg_sq"] + (1.0 - b2) * (g * g)
    vmax = _select(hp["ams_bound"], np.maximum(state["max_exp_avg_sq"], v), state["max_exp_avg_sq"])
    denom = np.sqrt(_select(hp["ams_bound"], vmax, v) + 1e-15) + eps
    perturb = (m / denom) * (-step_size)
    p_adam = p + perturb
    pg = (perturb * g).sum(axis=0)
    valid = pg != 0
    with np.errstate(all="ignore"):
        scaling = (perturb * perturb).sum(axis=0) / np.where(valid, -pg, 1.0)
    avg2 = np.where(valid, _lerp(state["exp_avg2"], scaling, 1.0 - b2), state["exp_avg2"])
    corrected = avg2 / bc2
    switch = valid & (t > 1) & (corrected > 0.0) & (np.abs(corrected - scaling) <= 1e-8 + eps * np.abs(scaling))
    switch &= ~in_sgd

    # The group lr after this step (the SGD rate from the switch on), then the scheduler's step on it.
    phase = in_sgd | switch
    group_after = np.where(switch, corrected, group_lr)
    chain = hp.get(LR_CHAIN)
    if chain is not None:
        a, c, d = (np.asarray(x[t - 1]) for x in chain)
        group_after = a * (group_after - c) + c + d
    new_state: SWATSState = {
        "exp_avg": np.where(in_sgd, state["exp_avg"], m),
        "exp_avg_sq": np.where(in_sgd, state["exp_avg_sq"], v),
        "max_exp_avg_sq": np.where(in_sgd, state["max_exp_avg_sq"], vmax),
        "momentum_buffer": np.where(in_sgd, buf, state["momentum_buffer"]),
        "exp_avg2": np.where(in_sgd, state["exp_avg2"], avg2),
        "sgd_phase": phase,
        "sgd_lr": np.where(phase, group_after, state["sgd_lr"]),
        LR_USED: group_lr,
    }
    if hp.get(RECORD):
        adam_step = ~in_sgd
        new_state["in_sgd_phase"] = in_sgd.astype(float)
        new_state["switched"] = switch.astype(float)
        new_state["gamma"] = np.where(adam_step & valid, scaling, np.nan)
        new_state["sgd_lr_estimate"] = np.where(adam_step, corrected, np.nan)
    return np.where(in_sgd, p_sgd, p_adam), new_state


SWATS = OptimizerSpec(
    id="swats",
    name="SWATS",
    ref=Reference("pytorch_optimizer", "SWATS"),
    hyperparams=(
        LR(1e-3),
        BETA1(0.9),
        BETA2(0.999),
        WEIGHT_DECAY(),
        FLAG("weight_decouple", False, "AdamW-style decay instead of the L2 penalty"),
        FLAG("fixed_decay", False, "decoupled decay not scaled by the learning rate"),
        FLAG("ams_bound", False, "use the running maximum of v in the Adam phase"),
        FLAG("nesterov", False, "Nesterov momentum in the SGD phase"),
        EPS(1e-6),
    ),
    latex=r"""\begin{aligned}
&\textbf{Adam phase:}\quad
m_t \leftarrow \beta_1\, m_{t-1} + (1-\beta_1)\, g_t,\quad
v_t \leftarrow \beta_2\, v_{t-1} + (1-\beta_2)\, g_t^2,\quad
\hat v_t \leftarrow \max(\hat v_{t-1}, v_t)\ \text{(ams\_bound)}\ \text{else}\ v_t\\
&s_t \leftarrow -\frac{\eta\sqrt{1-\beta_2^t}}{1-\beta_1^t}\,\frac{m_t}{\sqrt{\hat v_t+10^{-15}}+\epsilon},\quad
\theta_t \leftarrow \theta_{t-1} + s_t\\
&\gamma_t \leftarrow \frac{s_t^\top s_t}{-s_t^\top g_t},\quad
\lambda_t \leftarrow \beta_2 \lambda_{t-1} + (1-\beta_2)\gamma_t,\quad
\text{switch to SGD with } \eta_{\mathrm{SGD}} = \frac{\lambda_t}{1-\beta_2^t}
\text{ once } \Bigl|\frac{\lambda_t}{1-\beta_2^t} - \gamma_t\Bigr| \le 10^{-8} + \epsilon|\gamma_t|\\
&\textbf{SGD phase:}\quad b_t \leftarrow \beta_1 b_{t-1} + g_t,\quad
\theta_t \leftarrow \theta_{t-1} - \eta_{\mathrm{SGD}}\,\bigl((1-\beta_1)\, b_t + \beta_1 b_t\ \text{(nesterov)}\bigr)
\quad(\eta_{\mathrm{SGD}} \text{ then follows the schedule})
\end{aligned}""",
    explanation="Switches from Adam to SGD: starts with Adam's fast early progress, keeps estimating which plain SGD "
    "learning rate would take the same steps, and once that estimate settles, switches to SGD with "
    "momentum at that rate — aiming for SGD's better final generalisation.",
    pros=("Adam's quick start with SGD's late-phase behaviour", "Picks the SGD learning rate automatically"),
    cons=(
        "The switch point is sensitive to ε and noise",
        "After the switch the schedule rescales the estimated SGD rate, and a warm-up's milestone resets it to η",
    ),
    when_to_use="Image classification where SGD generalises better but Adam trains faster at first.",
    init=_swats_init,
    update=_swats_update,
    buffers=(
        StateBuffer("exp_avg", "m_t", "first moment (Adam phase)", "m_{t-1}"),
        StateBuffer("exp_avg_sq", "v_t", "second moment (Adam phase)", "v_{t-1}"),
        StateBuffer("exp_avg2", r"\lambda_t", "running average of the projected SGD rate γ", r"\lambda_{t-1}", PER_RUN),
        StateBuffer(
            "max_exp_avg_sq", r"\hat v_t", "largest second moment so far", r"\hat v_{t-1}", only_if="ams_bound"
        ),
        StateBuffer(
            "momentum_buffer", "b_t", "velocity of the SGD phase (created at the switch)", "b_{t-1}", lazy=True
        ),
    ),
    indicators=(
        Indicator("in_sgd_phase", r"\text{SGD phase}", "this step ran in the SGD phase", flag=True),
        Indicator(
            "switched", r"\text{switch}", "the switch to SGD happened at this step", flag=True, event="switched to SGD"
        ),
        Indicator("gamma", r"\gamma_t", "SGD rate that would have taken this Adam step (projection)"),
        Indicator(
            "sgd_lr_estimate",
            r"\frac{\lambda_t}{1-\beta_2^t}",
            "estimated SGD learning rate: the rate it switches to once this settles",
        ),
    ),
    adaptive=True,
    momentum=True,
    follows_schedule=True,
    typical_use="Adam→SGD for generalisation",
    year=2017,
    paper="Keskar & Socher, Improving Generalization Performance by Switching from Adam to SGD",
)


def _lion_init(p: Array, hp: Hyper) -> LionState:
    return {"exp_avg": _zeros(p)}


def _lion_update(g: Array, state: LionState, p: Array, hp: Hyper, lr: Value, t: int) -> tuple[Array, LionState]:
    # pytorch_optimizer.Lion
    b1, b2, wd = hp["beta1"], hp["beta2"], hp["weight_decay"]
    if _nonzero(wd):
        p_dec = p * (1.0 - wd * _select(hp["fixed_decay"], 1.0, lr))
        g_cpl = g + wd * p
        p, g = _select(hp["weight_decouple"], p_dec, p), _select(hp["weight_decouple"], g, g_cpl)
    c = _lerp(state["exp_avg"], g, 1.0 - b1)
    m = _lerp(state["exp_avg"], g, 1.0 - b2)
    new_state: LionState = {"exp_avg": m}
    if hp.get(RECORD):
        new_state["c_t"] = c
    return p - lr * np.sign(c), new_state


LION = OptimizerSpec(
    id="lion",
    name="Lion",
    ref=Reference("pytorch_optimizer", "Lion"),
    hyperparams=(
        LR(1e-4),
        BETA1(0.9),
        BETA2(0.99),
        WEIGHT_DECAY(),
        FLAG("weight_decouple", True, "AdamW-style decay instead of the L2 penalty"),
        FLAG("fixed_decay", False, "decoupled decay not scaled by the learning rate"),
    ),
    latex=r"""\begin{aligned}
\theta_{t-1} &\leftarrow \theta_{t-1}\,(1 - \eta\lambda)\\
g_t &\leftarrow \nabla f(\theta_{t-1})\\
c_t &\leftarrow \beta_1\, m_{t-1} + (1-\beta_1)\, g_t\\
\theta_t &\leftarrow \theta_{t-1} - \eta\,\operatorname{sign}(c_t)\\
m_t &\leftarrow \beta_2\, m_{t-1} + (1-\beta_2)\, g_t
\end{aligned}""",
    explanation="EvoLved Sign Momentum, found by program search: every coordinate moves by exactly ±η each step, "
    "in the direction of an interpolation between momentum and the current gradient.",
    pros=("Cheap: one state buffer", "Uniform step size makes it robust to gradient scale"),
    cons=(
        "Never settles exactly: it keeps jumping by η around the minimum",
        "Needs a 3–10× smaller learning rate than Adam",
    ),
    when_to_use="Large vision and language models, with a small learning rate and larger weight decay.",
    init=_lion_init,
    update=_lion_update,
    buffers=(StateBuffer("exp_avg", "m_t", "momentum: running average of gradients (β₂)", "m_{t-1}"),),
    indicators=(Indicator("c_t", "c_t", "interpolation whose sign is the step (β₁)", PER_COORDINATE),),
    momentum=True,
    typical_use="large transformers (memory-light)",
    year=2023,
    paper="Chen et al., Symbolic Discovery of Optimization Algorithms",
)


OPTIMIZERS: dict[str, OptimizerSpec[Any]] = {
    s.id: s
    for s in (
        SGD,
        MOMENTUM_SGD,
        NESTEROV,
        ADAGRAD,
        RMSPROP,
        ADADELTA,
        ADAM,
        ADAMW,
        AMSGRAD,
        NADAM,
        RADAM,
        ADAMAX,
        FTRL,
        SWATS,
        LION,
    )
}
"""Every optimizer by id: the one registry the app, the CLI, Explore, the golden tests and the exports read."""


def register(spec: OptimizerSpec[Any], *, replace: bool = False) -> OptimizerSpec[Any]:
    """Add an optimizer to OPTIMIZERS; from then on the CLI lists and runs it, Explore sweeps it, the golden
    test asks for its fixture and the PyTorch-script export can name its reference (spec.ref).

    Checks what the rest of the project relies on: a new lowercase id, lr first, unique hyperparameter
    names, and every state buffer's symbols present in the LaTeX rule."""
    if not spec.id.isidentifier() or spec.id != spec.id.lower():
        raise SpecError("an optimizer id is a lowercase identifier, got {id!r}", id=spec.id)
    if spec.id in OPTIMIZERS and not replace:
        raise SpecError("optimizer {id!r} is already registered", id=spec.id)
    if not spec.hyperparams or spec.hyperparams[0].name != "lr":
        raise SpecError("{id}: the first hyperparameter must be lr", id=spec.id)
    names = [p.name for p in spec.hyperparams]
    if len(set(names)) != len(names):
        raise SpecError("{id}: hyperparameter names repeat: {names}", id=spec.id, names=", ".join(names))
    for buf in spec.buffers:
        for symbol in (buf.symbol, buf.fills):
            if symbol not in spec.latex:
                raise SpecError(
                    "{id}: state buffer {name} names {symbol!r}, which its LaTeX rule does not contain",
                    id=spec.id,
                    name=buf.name,
                    symbol=symbol,
                )
    OPTIMIZERS[spec.id] = spec
    return spec
