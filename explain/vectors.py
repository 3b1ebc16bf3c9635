"""What is drawn at a step: the vectors of each step, computed from the recorded optimizer state.

Every vector starts at θ_{t−1} (the point the step starts from) and has the shape (S, B, d): row t−1 is step t
= 1 … S, for each of the B starts, d = 1 (a curve) or 2 (a surface).  A layer that does not apply to an
optimizer (Nesterov's look-ahead for Adam) is absent; a step where it does not apply (a diverged step, SWATS's
velocity before it has one) holds NaN.

    gradient   −η_t·g_t: the scheduled learning rate times the gradient the optimizer received (after noise and
               clipping, before its own weight decay) — plain gradient descent's step from the same point.
    velocity   the velocity / first moment as a step: −η_t·b_t (momentum, Nesterov, RMSprop with momentum),
               −η_t·m̂_t = −η_t·m_t / (1 − β₁ᵗ) (the Adam family), −η_t·c_t (Lion's interpolation, whose sign is
               its step); SWATS: −η_t·m̂_t in its Adam phase, −η_t·b_t in its SGD phase.
    step       Δθ_t = θ_t − θ_{t−1}: the step the optimizer took.
    lookahead  Nesterov: −η_t·μ·b_t, the part of the step the velocity carries (to θ_{t−1} − η_t·μ·b_t); the
               gradient term −η_t·(g_t + λθ_{t−1}) completes the step from there.
    decay      decoupled weight decay (AdamW, and NAdam / RAdam / SWATS / Lion when set to decouple):
               −η_t·λ·θ_{t−1} (−λ·θ_{t−1} with Lion / SWATS's fixed_decay), the pull toward the origin.
    eff_lr     the effective learning rate per coordinate, |Δθ_t| / |g_t| (StepRecord.eff_lr): adaptive
               optimizers only.  A rate, not a displacement: drawn as a rectangle whose sides are proportional
               to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from i18n import N_
from optim_core.spec import OptimizerSpec
from optim_core.trajectory import StepRecord, Trajectory

from .errors import ExplainError

if TYPE_CHECKING:
    from optim_core.scene import ResolvedScene


@dataclass(frozen=True)
class Layer:
    """One thing drawn at the current step (each can be switched on and off)."""

    id: str
    name: str  # translated through the catalogue
    short: str  # a short label for a toggle (translated)
    kind: str  # "arrow" (a vector from θ_{t−1}), "point" (a point reached from θ_{t−1}), "rect" (a rate per axis)
    color: str  # the same colour for every run: the layer is what the colour means


LAYERS: tuple[Layer, ...] = (
    Layer("gradient", N_("negative gradient −η·g"), N_("−η·g"), "arrow", "#C4161C"),
    Layer("velocity", N_("velocity / first moment"), N_("velocity"), "arrow", "#6A3D9A"),
    Layer("step", N_("actual step Δθ"), N_("step Δθ"), "arrow", "#1F2430"),
    Layer("lookahead", N_("Nesterov look-ahead"), N_("look-ahead"), "point", "#6A3D9A"),
    Layer("decay", N_("weight-decay pull"), N_("decay"), "arrow", "#00796B"),
    Layer("eff_lr", N_("effective learning rate per axis"), N_("η_eff"), "rect", "#D98E04"),
)
LAYER_IDS: tuple[str, ...] = tuple(layer.id for layer in LAYERS)

# How each optimizer's velocity is read from its state: (source, name).
#   "buffer"  −η·state[name] (where the buffer is kept: StateBuffer.active)
#   "moment"  −η·state[name] / (1 − β₁ᵗ) (bias-corrected first moment)
#   "indicator" −η·indicators[name]
#   "phase"   SWATS: "moment" exp_avg in the Adam phase, "buffer" momentum_buffer in the SGD phase
VELOCITY: dict[str, tuple[str, str]] = {
    "momentum": ("buffer", "momentum_buffer"),
    "nesterov": ("buffer", "momentum_buffer"),
    "rmsprop": ("buffer", "momentum_buffer"),
    "adam": ("moment", "exp_avg"),
    "adamw": ("moment", "exp_avg"),
    "amsgrad": ("moment", "exp_avg"),
    "nadam": ("moment", "exp_avg"),
    "radam": ("moment", "exp_avg"),
    "adamax": ("moment", "exp_avg"),
    "swats": ("phase", "exp_avg"),
    "lion": ("indicator", "c_t"),
}
# The short label drawn beside the velocity arrow.
VELOCITY_SYMBOL: dict[str, str] = {
    "buffer": "−ηb",
    "moment": "−ηm̂",
    "indicator": "−ηc",
    "phase": "−ηm̂ / −ηb",
}
# Decoupled weight decay: optimizer → the flag that turns it on (None: always decoupled).
DECOUPLED: dict[str, str | None] = {
    "adamw": None,
    "nadam": "decoupled_weight_decay",
    "radam": "decoupled_weight_decay",
    "swats": "weight_decouple",
    "lion": "weight_decouple",
}
SYMBOLS: dict[str, str] = {
    "gradient": "−ηg",
    "step": "Δθ",
    "lookahead": "θ − ημb",
    "decay": "−ηλθ",
    "eff_lr": "η_eff",
}


@dataclass(frozen=True, eq=False)
class StepVectors:
    """The vectors of every step of one trajectory (see the module's docstring)."""

    optimizer: str
    origin: np.ndarray  # (S, B, d) θ_{t−1}
    points: np.ndarray  # (S+1, B, d) θ_0 … θ_S (diverged runs repeat their last finite point)
    layers: dict[str, np.ndarray]  # layer id → (S, B, d); only the layers that apply
    symbols: dict[str, str] = field(default_factory=dict)  # layer id → short label
    loss: np.ndarray | None = None  # (S+1, B) f at each point (a curve's view draws the vectors at height f)

    @property
    def steps(self) -> int:
        return self.origin.shape[0]

    @property
    def batch(self) -> int:
        return self.origin.shape[1]

    @property
    def dim(self) -> int:
        return self.origin.shape[2]

    def at(self, t: int, b: int = 0) -> dict[str, np.ndarray]:
        """The vectors of step t (1 … S) of start b: layer id → (d,)."""
        check_step(t, self.steps)
        return {k: v[t - 1, b] for k, v in self.layers.items()}


def check_step(t: int, steps: int) -> None:
    if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or not 1 <= t <= steps:
        raise ExplainError("step must be a whole number from 1 to {steps}, got {step}", steps=steps, step=t)


def record_of(traj: Trajectory) -> StepRecord:
    if traj.record is None:
        raise ExplainError("this trajectory was run without recording its state")
    return traj.record


def hp_array(params: Mapping[str, Any], name: str, batch: int, default: Any = 0.0) -> np.ndarray:
    """A hyperparameter as a (B,) array (a scalar repeated, or the per-run array)."""
    v = params.get(name, default)
    return np.broadcast_to(np.asarray(v, dtype=float), (batch,)).astype(float)


def bias_correction(beta: np.ndarray, steps: int) -> np.ndarray:
    """(S, B): 1 − βᵗ for t = 1 … S."""
    t = np.arange(1, steps + 1, dtype=float)[:, None]
    return 1.0 - beta[None, :] ** t


def velocity(spec: OptimizerSpec, traj: Trajectory) -> np.ndarray | None:
    """(S, B, d) the velocity as a step (module docstring), or None for an optimizer without one."""
    how = VELOCITY.get(spec.id)
    if how is None:
        return None
    rec = record_of(traj)
    kind, name = how
    steps, batch = rec.lr.shape
    lr = rec.lr[:, :, None]
    with np.errstate(all="ignore"):
        if kind == "indicator":
            return -lr * rec.indicators[name]
        moment = None
        if kind in ("moment", "phase"):
            bc = bias_correction(hp_array(traj.params, "beta1", batch, 0.9), steps)
            moment = -lr * rec.state[name] / bc[:, :, None]
        if kind == "moment":
            return moment
        buf = rec.state["momentum_buffer"]
        if kind == "buffer":
            kept = np.broadcast_to(np.asarray(spec.buffer("momentum_buffer").active(traj.params)), (batch,))
            if not kept.any():
                return None
            return np.where(kept[None, :, None], -lr * buf, np.nan)
        sgd = rec.indicators["in_sgd_phase"][:, :, None] == 1.0
        assert moment is not None
        out: np.ndarray = np.where(sgd, -lr * buf, moment)
        return out


def decay(spec: OptimizerSpec, traj: Trajectory) -> np.ndarray | None:
    """(S, B, d) the decoupled weight-decay pull at each step, or None where there is none."""
    if spec.id not in DECOUPLED:
        return None
    rec = record_of(traj)
    steps, batch = rec.lr.shape
    wd = hp_array(traj.params, "weight_decay", batch)
    flag = DECOUPLED[spec.id]
    on = (wd != 0) & (hp_array(traj.params, flag, batch) != 0 if flag else True)
    if not on.any():
        return None
    fixed = hp_array(traj.params, "fixed_decay", batch) != 0 if "fixed_decay" in traj.params else np.zeros(batch, bool)
    rate = np.where(fixed[None, :], 1.0, rec.lr) * wd[None, :]  # (S, B)
    theta = traj.points[:-1]
    with np.errstate(all="ignore"):
        pull = -rate[:, :, None] * theta
    return np.where(on[None, :, None] & np.isfinite(rec.lr)[:, :, None] & _alive(rec), pull, np.nan)


def coupled_decay(spec_id: str, hp: Mapping[str, Any]) -> bool:
    """True where the rule adds λθ_{t−1} to the gradient (the L2 penalty) for one run's hyperparameters."""
    if not float(hp.get("weight_decay", 0.0) or 0.0):
        return False
    flag = DECOUPLED.get(spec_id, "")
    if flag is None:  # AdamW: always decoupled
        return False
    if not flag:
        return True
    default = spec_id == "lion"  # Lion decouples by default (weight_decouple=True)
    return not bool(hp.get(flag, default))


def _alive(rec: StepRecord) -> np.ndarray:
    """(S, B, 1) true at the steps a run shows (before it diverged)."""
    return np.isfinite(rec.grad).all(axis=2, keepdims=True)


def step_vectors(traj: Trajectory) -> StepVectors:
    """The drawn vectors of every step of a trajectory run with ``record_state=True``."""
    spec = traj.optimizer
    rec = record_of(traj)
    alive = _alive(rec)
    lr = rec.lr[:, :, None]
    layers: dict[str, np.ndarray] = {}
    with np.errstate(all="ignore"):
        layers["gradient"] = -lr * rec.grad
        vel = velocity(spec, traj)
        if vel is not None:
            layers["velocity"] = np.where(alive, vel, np.nan)
        layers["step"] = np.where(alive, rec.delta, np.nan)
        if spec.id == "nesterov":
            mu = hp_array(traj.params, "momentum", traj.batch)
            if (mu != 0).any():
                ahead = -lr * mu[None, :, None] * rec.state["momentum_buffer"]
                layers["lookahead"] = np.where(alive & (mu != 0)[None, :, None], ahead, np.nan)
        pull = decay(spec, traj)
        if pull is not None:
            layers["decay"] = pull
        if spec.adaptive:
            layers["eff_lr"] = np.where(alive, rec.eff_lr, np.nan)
    symbols = {k: SYMBOLS[k] for k in layers if k in SYMBOLS}
    if "velocity" in layers:
        symbols["velocity"] = VELOCITY_SYMBOL[VELOCITY[spec.id][0]]
    return StepVectors(
        optimizer=spec.id,
        origin=np.asarray(traj.points[:-1]),
        points=np.asarray(traj.points),
        layers=layers,
        symbols=symbols,
        loss=np.asarray(traj.loss),
    )


def recorded_run(resolved: ResolvedScene, i: int) -> Trajectory:
    """Run i of a resolved scene (optim_core.scene.ResolvedScene) again, recording its state: the map's own
    simulation (``resolved.simulate_run``: the run's own schedule and batch size, the scene's noise, clipping and
    sampling seed), so the inspector explains exactly the path the map draws, plus ``record``."""
    return resolved.simulate_run(i, record_state=True)
