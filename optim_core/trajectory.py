"""run(): optimizer trajectories on a surface or a curve, vectorized over B independent runs.

Design notes (why it looks like this):
- Positions live coordinate-major, shape (d, B) with d = 1 (a curve f(x)) or 2 (a surface f(x, y)),
  inside the loop: each coordinate is a contiguous row for the lambdified gradient and a per-run
  hyperparameter of shape (B,) broadcasts with no reshaping.  The result speaks (steps+1, B, d).
- Divergence is detected *after* the loop, vectorized over the whole history:
  every operation is elementwise per trajectory, so a run that overflows only
  poisons its own column, and one pass over the history finds, per run, the
  first step whose point, loss or gradient is not finite or whose point leaves
  the bound.  That keeps the per-step cost to the optimizer arithmetic alone.
- Losses and gradient norms are computed once over the whole history.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

import i18n
from i18n import N_
from surfaces import DIMS, SURFACES, Surface, get_surface

from .batches import Sampling, batches, check_batch
from .optimizers import OPTIMIZERS
from .schedules import lr_chain, lr_factors, resolve_schedule
from .spec import LR_CHAIN, LR_USED, PER_COORDINATE, RECORD, OptimizerSpec, SpecError

MAX_STEPS = 10_000
"""Most steps one run() may take (the CLI and the app enforce it too)."""
MAX_BATCH = 65_536
"""Most trajectories in one run() call (a 256×256 sweep or basin map)."""
DIVERGENCE_BOUND = 1e6
"""A trajectory has diverged once its distance from the origin, sqrt(x² + y²) (|x| on a curve), exceeds this."""
_CLIP_EPS = 1e-6  # torch.nn.utils.clip_grad_norm_ divides by (norm + 1e-6)

# Why a run diverged (Trajectory.reasons holds the English text; Trajectory.reason(b, lang) translates it).
REASON_OVERFLOW = N_("the position overflowed to infinity")
REASON_BOUND_2D = N_("it left the bound |(x, y)| ≤ {bound}")
REASON_BOUND_1D = N_("it left the bound |x| ≤ {bound}")
REASON_F = N_("f is not defined (or overflows) at the new position")
REASON_GRAD = N_("the gradient is not finite at the new position")
REASON_START = N_("f or its gradient is not defined at the start")
REASONS = (REASON_OVERFLOW, REASON_BOUND_2D, REASON_BOUND_1D, REASON_F, REASON_GRAD, REASON_START)


def reason_in(text: str, lang: i18n.Lang = i18n.EN) -> str:
    """A stored reason (Trajectory.reasons, RunView.reasons: English with its bound filled in, e.g. "it left the
    bound |x| ≤ 1e+06") in `lang`: its template translated, then filled with the same bound. The views call this
    rather than lang(text), which finds no message for a formatted text."""
    for template in REASONS:
        head, sep, tail = template.partition("{bound}")
        if not sep:
            if template == text:
                return lang(template)
        elif text.startswith(head) and text.endswith(tail) and len(text) > len(head) + len(tail):
            return lang.fmt(template, bound=text[len(head) : len(text) - len(tail)])
    return lang(text)


# Squares outside [_SQ_LOW, _SQ_HIGH] have overflowed or lost precision to underflow: those norms are
# recomputed scaled by the largest component (|g| up to ~1.3e308 then has a finite norm).
_SQ_LOW, _SQ_HIGH = 1e-280, 1e300


def grad_norm(g: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Euclidean norm over the first axis (d rows), with no overflow or underflow.

    Where the plain sqrt(g_x² + g_y²) is safe it is used as is (so results match the reference bit for bit);
    where a square overflows (|g| > ~1e150) or underflows, the norm is m·sqrt(Σ(g_i/m)²) with m the largest
    |g_i|, computed for those entries only.  NaN or inf components give a non-finite norm; finite components
    give a finite norm unless it exceeds the largest float."""
    if g.shape[0] == 1:
        return np.abs(g[0], out=out)
    with np.errstate(all="ignore"):
        sq = g[0] * g[0]
        sq += g[1] * g[1]
        norm = np.sqrt(sq, out=out)
        # NaN compares False: a NaN gradient is not "risky", its norm is NaN either way.  An exact 0 is.
        risky = (sq > _SQ_HIGH) | (sq < _SQ_LOW)
        if risky.any():
            idx = np.nonzero(risky)
            gx, gy = g[0][idx], g[1][idx]
            m = np.maximum(np.abs(gx), np.abs(gy))
            safe_m = np.where(m > 0, m, 1.0)
            a, b = gx / safe_m, gy / safe_m
            norm[idx] = m * np.sqrt(a * a + b * b)
    return norm


@dataclass(frozen=True)
class Noise:
    """Additive Gaussian gradient noise, g ← g + std·ξ with ξ ~ N(0, I), reproducible from the seed.

    It stands in for mini-batch sampling: the same surface, but each step sees a noisy gradient.
    """

    std: float
    seed: int = 0

    @classmethod
    def coerce(cls, value: Any) -> Noise | None:
        if value is None:
            return None
        if isinstance(value, Noise):
            noise = value
        elif isinstance(value, Mapping):
            noise = cls(float(value.get("std", 0.0)), int(value.get("seed", 0)))
        elif isinstance(value, (tuple, list)) and len(value) == 2:
            noise = cls(float(value[0]), int(value[1]))
        else:
            noise = cls(float(value))
        if not np.isfinite(noise.std) or noise.std < 0:
            raise SpecError("noise std must be a finite number ≥ 0, got {std}", std=noise.std)
        return noise if noise.std > 0 else None


@dataclass(frozen=True)
class StepRecord:
    """What each step did, recorded by ``run(..., record_state=True)``: row t-1 is step t = 1..S.

    grad: (S, B, d) what torch's ``p.grad`` holds when ``optimizer.step()`` runs at step t: the exact
        gradient at θ_{t−1} plus noise, then clipped; before the optimizer's own weight decay.
    lr: (S, B) the learning rate step t used.
    state: buffer name (the reference's ``optimizer.state[p]`` key) → (S, B, d) or, for a per-run buffer,
        (S, B): its value after step t.  Every declared buffer is recorded, also where the reference keeps
        none (``StateBuffer.active``): there it holds the optimizer's unused initial value.
    indicators: indicator name → (S, B) or (S, B, d) float64 (flags 1.0 / 0.0; NaN where it does not apply).
    delta: (S, B, d) θ_t − θ_{t−1}, exactly the difference of consecutive rows of Trajectory.points.
    eff_lr: (S, B, d) |Δθ_t| / |g_t| per coordinate: the step size the optimizer effectively used per unit of
        gradient (NaN where g_t = 0).

    A diverged run (diverged_at d ≥ 1) shows steps 1 … d−1: rows t ≥ d of grad, state, indicators and eff_lr
    are NaN and its delta is 0 there (its points repeat the last finite point)."""

    grad: np.ndarray
    lr: np.ndarray
    state: dict[str, np.ndarray]
    indicators: dict[str, np.ndarray]
    delta: np.ndarray
    eff_lr: np.ndarray

    def nbytes(self) -> int:
        arrays = [self.grad, self.lr, self.delta, self.eff_lr, *self.state.values(), *self.indicators.values()]
        return sum(a.nbytes for a in arrays)


@dataclass(frozen=True)
class Trajectory:
    """The result of run(). points, loss and grad_norm are finite (no NaN or inf, ever)."""

    surface: Surface
    optimizer: OptimizerSpec
    params: dict[str, Any]  # resolved hyperparameters, scalars or (B,) arrays, project names
    points: np.ndarray  # (steps+1, B, d); after divergence a run repeats its last finite point
    loss: np.ndarray  # (steps+1, B) f at each point
    grad_norm: np.ndarray  # (steps+1, B) |∇f| at each point (the exact gradient, before noise and clipping)
    diverged_at: np.ndarray  # (B,) int: first step that diverged, -1 if none
    reasons: tuple[str | None, ...]  # per run: why it diverged, or None
    lr: np.ndarray  # (steps,) or (steps, B): the learning rate used at each step (the schedule's; for SWATS after
    # its switch, the estimated SGD rate as the schedule rescales it: always (steps, B) for SWATS)
    schedule: dict[str, Any] = field(default_factory=dict)
    noise: Noise | None = None
    clip: float | None = None
    bound: float = DIVERGENCE_BOUND
    record: StepRecord | None = None  # per-step gradient, lr, state and indicators (run(..., record_state=True))
    sampling: Sampling | None = None  # on a finite-sum surface: batch size, seed, the epoch of each step

    @property
    def epoch(self) -> np.ndarray | None:
        """(steps,) the epoch (1, 2, …) each step belongs to, on a finite-sum surface; None elsewhere."""
        return None if self.sampling is None else self.sampling.epoch

    @property
    def steps(self) -> int:
        return self.points.shape[0] - 1

    @property
    def batch(self) -> int:
        return self.points.shape[1]

    @property
    def dim(self) -> int:
        """1 on a curve f(x), 2 on a surface f(x, y): the size of the points' last axis."""
        return self.points.shape[2]

    @property
    def diverged(self) -> np.ndarray:
        return self.diverged_at >= 0

    def diverged_step(self, b: int = 0) -> int | None:
        d = int(self.diverged_at[b])
        return None if d < 0 else d

    def reason(self, b: int = 0, lang: i18n.Lang = i18n.EN) -> str | None:
        """Why run b diverged, in the language (None if it did not)."""
        text = self.reasons[b]
        return None if text is None else reason_in(text, lang)

    def param_value(self, name: str, b: int = 0) -> Any:
        v = self.params[name]
        return v[b].item() if isinstance(v, np.ndarray) else v

    def params_for(self, b: int = 0) -> dict[str, Any]:
        """The resolved hyperparameters of trajectory b, as plain Python values."""
        return {k: self.param_value(k, b) for k in self.params}

    def distance_to_minimum(self) -> np.ndarray | None:
        """(steps+1, B) distance to the nearest known minimum, or None if the surface has none."""
        return self.surface.nearest_minimum_distance(self.points)

    def events(self) -> tuple[Event, ...]:
        """The moments the optimizer declares as events (Indicator.event: SWATS's switch to SGD, RAdam's
        rectification turning on), each at the first step its flag is on, per start; () without a record."""
        if self.record is None:
            return ()
        out = []
        for ind in self.optimizer.indicators:
            if not ind.event or ind.name not in self.record.indicators:
                continue
            flag = np.nan_to_num(np.asarray(self.record.indicators[ind.name], dtype=float), nan=0.0) > 0.5
            flag = flag.reshape(flag.shape[0], flag.shape[1], -1).any(axis=2)  # (S, B)
            for b in range(flag.shape[1]):
                on = np.flatnonzero(flag[:, b])
                if on.size:
                    out.append(Event(step=int(on[0]) + 1, start=b, name=ind.name, label=ind.event))
        return tuple(out)


@dataclass(frozen=True)
class Event:
    """A declared moment of a run: at step ``step`` (θ_step is where it shows) of start ``start``."""

    step: int
    start: int
    name: str  # the indicator
    label: str  # English; translated where it is shown


def split_groups(spec: OptimizerSpec, given: Mapping[str, Any]) -> dict[str, Any]:
    """Given hyperparameters with every reference tuple split into its members (betas → beta1, beta2),
    unknown names rejected. Each member may itself be a scalar or a per-run array."""
    known = {p.name: p for p in spec.hyperparams}
    groups = spec.groups()
    flat: dict[str, Any] = {}
    for key, value in given.items():
        if key in groups:
            flat.update(spec.split_group(key, value))
        elif key in known:
            flat[key] = value
        elif key in spec.fixed:
            if spec.fixed[key] != value and str(value).lower() != str(spec.fixed[key]).lower():
                raise SpecError(
                    "{optimizer} always uses {name}={value}", optimizer=spec.id, name=key, value=spec.fixed[key]
                )
        else:
            raise SpecError(
                "{optimizer} has no hyperparameter {name!r}; it has: {names}",
                optimizer=spec.id,
                name=key,
                names=", ".join(spec.param_names()),
            )
    return flat


def resolve_params(spec: OptimizerSpec, given: Mapping[str, Any], batch: int) -> dict[str, Any]:
    """Defaults overlaid with given values, validated; the tuple alias ``betas`` is split into beta1/beta2.

    A value is a scalar (same for every run) or a sequence/array of length B.
    """
    flat = split_groups(spec, given)
    resolved: dict[str, Any] = {}
    for p in spec.hyperparams:
        value = flat.get(p.name, p.default)
        if isinstance(value, (np.ndarray, list, tuple)):
            arr = np.asarray(value)
            if arr.ndim != 1 or arr.shape[0] != batch:
                raise SpecError(
                    "{name} must be a scalar or have one value per start ({n}), got shape {shape}",
                    name=p.name,
                    n=batch,
                    shape=str(arr.shape),
                )
            if p.kind == "bool":
                arr = np.array([p.validate(v) for v in arr.tolist()], dtype=bool)
            else:
                try:
                    arr = arr.astype(float)
                except (TypeError, ValueError):
                    raise SpecError("{name} must be numbers", name=p.name) from None
                p.check_array(arr)
            # An array whose entries are all equal is a scalar: it keeps the fast scalar path.
            resolved[p.name] = arr if (arr != arr[0]).any() else (bool(arr[0]) if p.kind == "bool" else float(arr[0]))
        else:
            resolved[p.name] = p.validate(value)
    return resolved


def _coerce_starts(starts: Any) -> np.ndarray:
    """Starts as a (B, d) array: a number (one 1-D start), (d,) (one start) or (B, d), d ∈ {1, 2}."""
    try:
        s = np.asarray(starts, dtype=float)
    except (TypeError, ValueError):
        raise SpecError("start must be numbers: x, or x and y") from None
    if s.ndim == 0:
        s = s.reshape(1, 1)
    elif s.ndim == 1 and s.shape[0] in DIMS:
        s = s[None, :]
    if s.ndim != 2 or s.shape[1] not in DIMS or s.shape[0] == 0:
        raise SpecError(
            "starts must have shape (d,) or (B, d) with d = 1 (a curve) or 2 (a surface), got {shape}",
            shape=str(s.shape),
        )
    if s.shape[0] > MAX_BATCH:
        raise SpecError("at most {max} trajectories per run, got {n}", max=MAX_BATCH, n=s.shape[0])
    if not np.isfinite(s).all():
        raise SpecError("start coordinates must be finite")
    if (np.abs(s) > DIVERGENCE_BOUND).any():
        raise SpecError("start coordinates must be within ±{bound}", bound=format(DIVERGENCE_BOUND, "g"))
    return s


def resolve_surface(surface: str | Surface, dim: int | None = None) -> Surface:
    """The Surface for run()'s argument.  A formula typed in x alone becomes a 1-D curve when dim is 1
    (one number per start); with two numbers it stays the 2-D surface it always was."""
    if isinstance(surface, str) and dim == 1:
        key = surface.strip()
        if key in SURFACES:
            return get_surface(key)
        return get_surface(key, dim=1)
    return get_surface(surface)


def _batch_of(starts: np.ndarray, flat_params: Mapping[str, Any]) -> np.ndarray:
    """Broadcast a single start against per-run hyperparameter arrays (a sweep from one start).

    Takes split_groups' output, so a reference tuple (betas) is never mistaken for a per-run array."""
    sizes = {len(np.atleast_1d(v)) for v in flat_params.values() if isinstance(v, (np.ndarray, list, tuple))}
    sizes.discard(1)
    if len(sizes) > 1:
        raise SpecError(
            "per-run hyperparameter arrays have different lengths: {lengths}",
            lengths=", ".join(map(str, sorted(sizes))),
        )
    if sizes and starts.shape[0] == 1:
        return np.repeat(starts, sizes.pop(), axis=0)
    return starts


def run(
    surface: str | Surface,
    optimizer: str | OptimizerSpec,
    starts: Any,
    steps: int,
    *,
    schedule: Any = None,
    noise: Any = None,
    clip: float | None = None,
    bound: float = DIVERGENCE_BOUND,
    record_state: bool = False,
    batch_size: int | None = None,
    seed: int = 0,
    **params: Any,
) -> Trajectory:
    """Run ``steps`` optimizer steps from each start.

    surface: a built-in id ("rosenbrock"), a formula ("x^2 + 3*y^2") or a Surface.  A formula typed in x
        alone with one number per start is a 1-D curve; with two numbers it is the 2-D surface.
    optimizer: an id from OPTIMIZERS ("adam") or an OptimizerSpec.
    starts: a number (one start on a curve), (d,) or (B, d) with d = 1 or 2.  A single start with per-run
        hyperparameter arrays is repeated B times.
    schedule: None, a schedule id, or {"name": id, **params} (see optim_core.schedules).
    noise: None, a std, (std, seed), {"std", "seed"} or Noise: seeded Gaussian gradient noise.
    clip: max gradient norm per trajectory (torch.nn.utils.clip_grad_norm_ semantics), or None.
    record_state: also record, for every step, the gradient the optimizer saw, the lr, its state buffers and
        branch indicators, Δθ and the effective lr (Trajectory.record, a StepRecord).  Off by default: the
        plain path does not pay for it.
    batch_size: on a finite-sum surface (a dataset: linreg, logreg), the samples each step's gradient averages,
        1 (SGD) … N (full batch, the default); each epoch reshuffles the data from ``seed``, as a DataLoader with
        shuffle=True does (see optim_core.batches).  Every trajectory of the call sees the same batches; noise
        and clipping apply on top.  Trajectory.sampling records the epoch of each step.
    params: hyperparameters by their reference names (lr=0.01, betas=(0.9, 0.99), nesterov=...), each a scalar
        or a length-B array.
    Raises SpecError / FormulaError / SurfaceError (all ValueError, one-line messages) for invalid input.
    """
    s = _setup(surface, optimizer, starts, steps, schedule, noise, clip, batch_size, seed, params)
    hp_run = {**s.hp_run, RECORD: True} if record_state else s.hp_run
    history, grads, lr_used, rec = _iterate(
        s.surf, s.spec, hp_run, s.starts, s.steps, s.lr_steps, s.noise, s.clip, record_state, s.sampling
    )
    return _finish(
        s.surf,
        s.spec,
        s.hp,
        history,
        grads,
        s.lr_steps if lr_used is None else lr_used,
        bound,
        rec,
        schedule=s.schedule,
        noise=s.noise,
        clip=s.clip,
        sampling=s.sampling,
    )


@dataclass(frozen=True)
class _Setup:
    """run()'s arguments checked and resolved: what the step loop needs (shared by run and run_summary)."""

    surf: Surface
    spec: OptimizerSpec
    hp: dict[str, Any]  # resolved hyperparameters (what Trajectory.params shows)
    hp_run: dict[str, Any]  # … plus what the loop alone needs (a schedule's lr chain)
    starts: np.ndarray  # (B, d)
    steps: int
    lr_steps: Any  # (steps,) or (steps, B) array; for run_summary, (steps, B) may be _LrRows
    schedule: dict[str, Any]
    noise: Noise | None
    clip: float | None
    sampling: Sampling | None


class _LrRows:
    """(steps, B) learning rates (a schedule's factors × a per-run lr) without the (steps, B) array: row t is
    computed when the loop asks for it, with the same product, so its values are those of the full array."""

    ndim = 2

    def __init__(self, factors: np.ndarray, lr0: np.ndarray) -> None:
        self.factors, self.lr0 = factors, lr0

    def __getitem__(self, t: int) -> np.ndarray:
        return self.factors[t] * self.lr0


def _setup(
    surface, optimizer, starts, steps, schedule, noise, clip, batch_size, seed, params, *, lazy_lr: bool = False
) -> _Setup:
    spec = optimizer if isinstance(optimizer, OptimizerSpec) else OPTIMIZERS.get(str(optimizer))
    if spec is None:
        raise SpecError(
            "unknown optimizer {name!r}; choose one of: {choices}", name=optimizer, choices=", ".join(OPTIMIZERS)
        )
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or not 1 <= steps <= MAX_STEPS:
        raise SpecError("steps must be a whole number from 1 to {max}, got {steps!r}", max=MAX_STEPS, steps=steps)
    steps = int(steps)
    coerced = _coerce_starts(starts)
    surf = resolve_surface(surface, coerced.shape[1])
    if coerced.shape[1] != surf.dim:
        raise SpecError(
            "{name} is {d}-D: a start has {d} coordinate(s), got {n}", name=surf.name, d=surf.dim, n=coerced.shape[1]
        )
    flat = split_groups(spec, params)
    starts_arr = _batch_of(coerced, flat)
    batch = starts_arr.shape[0]
    hp = resolve_params(spec, flat, batch)
    sched_spec, sched_params = resolve_schedule(schedule)
    noise_cfg = Noise.coerce(noise)
    if clip is not None:
        clip = float(clip)
        if not np.isfinite(clip) or clip <= 0:
            raise SpecError("clip (max gradient norm) must be > 0, got {clip}", clip=clip)

    data, batch_n, seed = check_batch(surf, batch_size, seed)
    sampling = None if data is None else Sampling.of(data.n, int(batch_n or data.n), seed, steps)

    lr0 = hp["lr"]
    factors = lr_factors({"name": sched_spec.id, **sched_params}, steps, lr0)
    lr_steps: Any
    if isinstance(lr0, np.ndarray) and lazy_lr:  # run_summary: O(B) memory, a row per step
        lr_steps = _LrRows(factors, lr0)
    elif isinstance(lr0, np.ndarray):
        lr_steps = (factors if factors.ndim == 2 else factors[:, None]) * lr0[None, :]
    else:
        lr_steps = factors * lr0

    hp_run = hp
    if spec.follows_schedule and sched_spec.id != "constant":
        hp_run = {**hp, LR_CHAIN: lr_chain({"name": sched_spec.id, **sched_params}, steps, lr0)}
    return _Setup(
        surf=surf,
        spec=spec,
        hp=hp,
        hp_run=hp_run,
        starts=starts_arr,
        steps=steps,
        lr_steps=lr_steps,
        schedule={"name": sched_spec.id, **sched_params},
        noise=noise_cfg,
        clip=clip,
        sampling=sampling,
    )


def _iterate(surf, spec, hp, starts, steps, lr_steps, noise, clip, record=False, sampling=None):
    """The hot loop. Returns history and exact gradients, both (steps+1, d, B), possibly non-finite; for
    a spec that follows the schedule with its own group lr, the lr it used at each step, (steps, B); and
    with ``record``, the raw per-step records (coordinate-major, (steps, d, B) or (steps, B)), else None.
    (run_summary steps through the same loop with an observer instead of the history: _iterate_loop's observe.)

    With a mini-batch ``sampling`` the step's gradient is the batch's (surfaces.Dataset.batch_gradient) and the
    exact gradients are computed once after the loop, over the whole history (one vectorized pass)."""
    if sampling is not None and not sampling.full_batch:
        history, grads, lr_used, rec = _iterate_loop(
            surf, spec, hp, starts, steps, lr_steps, noise, clip, record, sampling
        )
        data = surf.dataset
        grads[:, 0], grads[:, 1] = data.batch_gradient(history[:, 0], history[:, 1])
        return history, grads, lr_used, rec
    return _iterate_loop(surf, spec, hp, starts, steps, lr_steps, noise, clip, record, None)


def _iterate_loop(surf, spec, hp, starts, steps, lr_steps, noise, clip, record, sampling, observe=None):
    """The loop itself.  With ``observe`` (run_summary; no record, no mini-batches) nothing is kept: each point
    θ_t is handed to ``observe(t, θ_t, exact gradient at θ_t)`` (both (d, B), possibly non-finite) as soon as its
    gradient is known, t = 0 … steps (fewer when every run has blown up), and the history is None."""
    batch, dim = starts.shape
    keep = observe is None
    history = np.empty((steps + 1, dim, batch)) if keep else None
    grads = np.empty((steps + 1 if keep else 1, dim, batch))
    lr_used = np.empty((steps, batch)) if spec.follows_schedule and keep else None
    rec: dict[str, np.ndarray] | None = None
    rec_items: list[tuple[str, np.ndarray]] = []
    if record:
        rec = {"grad": np.empty((steps, dim, batch))}
        for item in (*spec.buffers, *spec.indicators):
            rec[item.name] = np.empty((steps, dim, batch) if item.per == PER_COORDINATE else (steps, batch))
        rec_items = [(k, v) for k, v in rec.items() if k != "grad"]
    p = np.ascontiguousarray(starts.T)
    if history is not None:
        history[0] = p
    grad_fn = surf.gradient_fn  # compiled once per surface
    rng = np.random.default_rng(noise.seed) if noise else None
    per_run_lr = lr_steps.ndim == 2
    two = dim == 2
    sampler = None
    if sampling is not None:
        sampler = batches(sampling.n_samples, sampling.batch_size, sampling.seed)
        batch_grad = surf.dataset.batch_gradient
    with np.errstate(all="ignore"):
        state = spec.init(p, hp)
        for t in range(1, steps + 1):
            g = grads[t - 1 if keep else 0]
            # Row assignment also broadcasts a constant component.
            if sampler is not None:
                g[0], g[1] = batch_grad(p[0], p[1], next(sampler))  # exact gradients: after the loop
            elif two:
                g[0], g[1] = grad_fn(p[0], p[1])
            else:
                (g[0],) = grad_fn(p[0])
            if observe is not None:
                observe(t - 1, p, g)
            if rng is not None:
                g = g + noise.std * rng.standard_normal((dim, batch))
            if clip is not None:
                g = g * np.minimum(clip / (grad_norm(g) + _CLIP_EPS), 1.0)
            lr = lr_steps[t - 1] if per_run_lr else float(lr_steps[t - 1])
            p, state = spec.update(g, state, p, hp, lr, t)
            if history is not None:
                history[t] = p
            if lr_used is not None:
                lr_used[t - 1] = state[LR_USED]
            if rec is not None:
                rec["grad"][t - 1] = g
                for name, arr in rec_items:
                    arr[t - 1] = state[name]  # assignment broadcasts a scalar (NAdam's μ product, RAdam's ρ_t)
            if t % 64 == 0 and not np.isfinite(p).any():
                if history is None:  # every run has blown up: θ_t is the last point worth showing
                    grads[0] = np.nan
                    observe(t, p, grads[0])
                    return None, None, None, None
                history[t + 1 :] = np.nan  # every run has blown up: nothing left to compute
                grads[t:] = np.nan
                if lr_used is not None:
                    lr_used[t:] = lr_steps[t:] if per_run_lr else lr_steps[t:, None]
                if rec is not None:
                    for arr in rec.values():
                        arr[t:] = np.nan
                return history, grads, lr_used, rec
        last = grads[steps if keep else 0]
        if two:
            last[0], last[1] = grad_fn(p[0], p[1])
        else:
            (last[0],) = grad_fn(p[0])
        if observe is not None:
            observe(steps, p, last)
            return None, None, None, None
    return history, grads, lr_used, rec


def _check(f, pos: np.ndarray, g: np.ndarray, bound: float, loss: np.ndarray, gnorm: np.ndarray) -> np.ndarray:
    """Which points are fine: f, the gradient's norm and the point finite, the point within the bound.

    pos and g are (d, …) (coordinate first: a slab of the history, or one step); loss and gnorm (…) receive f at
    each point and the norm of the gradient (the largest float where only the norm overflows).  The one test of
    divergence: _finish applies it to the history, run_summary's observer to each step as it comes."""
    gn = grad_norm(g, out=gnorm)
    if pos.shape[0] == 2:
        x, y = pos[0], pos[1]
        loss[...] = f(x, y)  # assignment broadcasts a constant f
        r2 = x * x + y * y
    else:
        x = pos[0]
        loss[...] = f(x)
        r2 = x * x
    # The distance test is False for NaN and inf; a sum is finite only if both terms are.  The
    # overflow-free norm is finite iff every component is, except beyond the largest float: there
    # the components decide.
    finite = np.isfinite(loss + gn)
    if not finite.all():
        huge = ~finite & (gn == np.inf) & np.isfinite(loss)
        if huge.any():
            huge &= np.isfinite(g).all(axis=0)
            finite |= huge
            gn[huge] = np.finfo(float).max  # shown as the largest float, never inf
    return (r2 <= bound * bound) & finite


def _finish(surf, spec, hp, history, grads, lr_steps, bound, rec, **extra) -> Trajectory:
    # All checks run on the contiguous (steps+1, d, B) layout; points is returned as a zero-copy
    # transposed view of it, (steps+1, B, d).
    steps, dim, batch = history.shape
    steps -= 1
    f = surf._f
    loss = np.empty((steps + 1, batch))
    gnorm = np.empty((steps + 1, batch))
    ok = np.empty((steps + 1, batch), dtype=bool)
    # Slabs of ~256 KB keep each pass in cache: on a 4096-run sweep this halves the post-pass time.
    slab = max(1, 32_768 // batch)
    with np.errstate(all="ignore"):
        for i in range(0, steps + 1, slab):
            g = grads[i : i + slab].transpose(1, 0, 2)  # (d, slab, B) view
            pos = history[i : i + slab].transpose(1, 0, 2)
            ok[i : i + slab] = _check(f, pos, g, bound, loss[i : i + slab], gnorm[i : i + slab])
    any_bad = ~ok.all(axis=0)
    first_bad = np.full(batch, -1)
    reasons: list[str | None] = [None] * batch
    cols = np.flatnonzero(any_bad)
    if cols.size:
        first_bad[cols] = (~ok[:, cols]).argmax(axis=0)
        for b in cols:
            d = first_bad[b]
            if not np.isfinite(history[d, :, b]).all():
                reasons[b] = REASON_OVERFLOW
            elif not float(grad_norm(history[d, :, b, None])[0]) <= bound:  # no overflow in a square
                reasons[b] = (REASON_BOUND_2D if dim == 2 else REASON_BOUND_1D).format(bound=f"{bound:g}")
            elif not np.isfinite(loss[d, b]):
                reasons[b] = REASON_F
            else:
                reasons[b] = REASON_GRAD
        # Runs stop at their last good point: row k of a diverged run b shows point min(k, d_b - 1).
        last_good = np.maximum(first_bad[cols] - 1, 0)
        rows = np.minimum(np.arange(steps + 1)[:, None], last_good[None, :])
        history[:, :, cols] = history[rows, :, cols[None, :]].transpose(0, 2, 1)
        loss[:, cols] = loss[rows, cols[None, :]]
        gnorm[:, cols] = gnorm[rows, cols[None, :]]
        start_bad = cols[first_bad[cols] == 0]
        if start_bad.size:
            # f or its gradient is undefined at the start itself: there is no finite value to show.
            big = np.finfo(float).max
            for b in start_bad:
                loss[:, b] = np.where(np.isfinite(loss[:, b]), loss[:, b], big)
                gnorm[:, b] = np.where(np.isfinite(gnorm[:, b]), gnorm[:, b], big)
                reasons[b] = REASON_START
    params = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in hp.items()}
    points = history.transpose(0, 2, 1)
    record = None if rec is None else _step_record(spec, rec, points, lr_steps, first_bad)
    return Trajectory(
        surface=surf,
        optimizer=spec,
        params=params,
        points=points,
        loss=loss,
        grad_norm=gnorm,
        diverged_at=first_bad,
        reasons=tuple(reasons),
        lr=np.asarray(lr_steps),
        bound=bound,
        record=record,
        **extra,
    )


def _step_record(spec, rec, points, lr_steps, first_bad) -> StepRecord:
    """The raw per-step records as a StepRecord: (S, B, d) views, rows of diverged steps NaN."""
    steps, batch = points.shape[0] - 1, points.shape[1]
    for b in np.flatnonzero(first_bad >= 0):
        first_row = max(int(first_bad[b]) - 1, 0)  # row t-1 holds step t; steps d, d+1, ... are not shown
        for arr in rec.values():
            arr[first_row:, ..., b] = np.nan
    out = {k: (v.transpose(0, 2, 1) if v.ndim == 3 else v) for k, v in rec.items()}
    grad = out.pop("grad")
    delta = np.diff(points, axis=0)
    with np.errstate(all="ignore"):
        eff_lr = np.where(grad != 0, np.abs(delta) / np.abs(grad), np.nan)
    lr = np.broadcast_to(lr_steps if np.ndim(lr_steps) == 2 else np.asarray(lr_steps)[:, None], (steps, batch))
    names = {b.name for b in spec.buffers}
    return StepRecord(
        grad=grad,
        lr=lr,
        state={k: v for k, v in out.items() if k in names},
        indicators={k: v for k, v in out.items() if k not in names},
        delta=delta,
        eff_lr=eff_lr,
    )


# ============================================================================ summaries without the history
@dataclass(frozen=True)
class RunSummary:
    """What a map of many runs needs of each, without the history: the numbers ``summarize(run(...))`` gives.

    final_point (B, d) and final_loss (B,): Trajectory.points[-1] and loss[-1] (a diverged run's last finite
    point); diverged_at (B,): Trajectory.diverged_at; first_within (B,) int, when asked for with ``within``: the
    first step t whose Trajectory.loss[t] ≤ within, −1 if none (a diverged run's shown losses included, as they
    are in the Trajectory).
    """

    final_point: np.ndarray
    final_loss: np.ndarray
    diverged_at: np.ndarray
    first_within: np.ndarray | None = None

    @property
    def diverged(self) -> np.ndarray:
        return self.diverged_at >= 0

    @property
    def nbytes(self) -> int:
        arrays = [self.final_point, self.final_loss, self.diverged_at]
        return sum(a.nbytes for a in arrays) + (0 if self.first_within is None else self.first_within.nbytes)

    @classmethod
    def join(cls, parts: list[RunSummary]) -> RunSummary:
        """The summaries of consecutive chunks of runs as one."""
        if len(parts) == 1:
            return parts[0]
        firsts = [p.first_within for p in parts if p.first_within is not None]
        return cls(
            final_point=np.concatenate([p.final_point for p in parts]),
            final_loss=np.concatenate([p.final_loss for p in parts]),
            diverged_at=np.concatenate([p.diverged_at for p in parts]),
            first_within=np.concatenate(firsts) if len(firsts) == len(parts) else None,
        )


def summarize(traj: Trajectory, within: float | None = None) -> RunSummary:
    """The RunSummary of a whole Trajectory (the reference run_summary is held to, bit for bit)."""
    first = None
    if within is not None:
        hit = traj.loss <= within
        first = np.where(hit.any(axis=0), hit.argmax(axis=0), -1)
    return RunSummary(
        final_point=traj.points[-1].copy(),
        final_loss=traj.loss[-1].copy(),
        diverged_at=np.asarray(traj.diverged_at, dtype=np.int64).copy(),
        first_within=first,
    )


class _Watch:
    """run_summary's observer: the per-step check of _finish (_check) on each point as the loop hands it over,
    keeping per run only the numbers a RunSummary holds (and the previous point: a run's last finite one)."""

    def __init__(self, f, dim: int, batch: int, bound: float, within: float | None) -> None:
        self.f, self.bound = f, bound
        self.track = within is not None
        self.within = 0.0 if within is None else float(within)
        self.first_bad = np.full(batch, -1, dtype=np.int64)
        self.final_point = np.empty((dim, batch))
        self.final_loss = np.empty(batch)
        self.first_within = np.full(batch, -1, dtype=np.int64)
        self.waiting = np.full(batch, self.track)  # alive and not yet within
        self.alive = np.ones(batch, dtype=bool)
        self.all_alive = True
        self.prev_point = np.empty((dim, batch))
        self.loss, self.prev_loss = np.empty(batch), np.empty(batch)
        self.sum, self.r2 = np.empty(batch), np.empty(batch)
        self.ok = np.empty(batch, dtype=bool)
        self.last_t = -1

    def _ok(self, p: np.ndarray, g: np.ndarray, loss: np.ndarray) -> np.ndarray:
        """_check's answer for every run still alive (a dead run's entry is meaningless), with f written to loss.

        Cheaper than _check where nothing is extreme: loss + |g|² (no square root, no rescaling) finite implies
        loss + |g| finite (|g| ≤ max(|g|², 1), and both sums have the same sign structure), so there the test is
        the bound alone; the few alive runs where that sum is not finite get _check itself."""
        x = p[0]
        r2, total = self.r2, self.sum
        np.multiply(x, x, out=r2)
        np.multiply(g[0], g[0], out=total)
        if p.shape[0] == 2:
            y = p[1]
            loss[...] = self.f(x, y)  # assignment broadcasts a constant f
            r2 += y * y
            total += g[1] * g[1]
        else:
            loss[...] = self.f(x)
        total += loss
        ok = np.isfinite(total, out=self.ok)
        if not ok.all():
            odd = np.flatnonzero(~ok & self.alive)
            if odd.size:
                ok[odd] = _check(self.f, p[:, odd], g[:, odd], self.bound, np.empty(odd.size), np.empty(odd.size))
        ok &= r2 <= self.bound * self.bound
        return ok

    def __call__(self, t: int, p: np.ndarray, g: np.ndarray) -> None:
        self.loss, self.prev_loss = self.prev_loss, self.loss
        loss = self.loss
        ok = self._ok(p, g, loss)
        if t == 0:
            # A run bad at its start shows its start, with the largest float for a loss f does not define.
            bad = ~ok
            if bad.any():
                self.first_bad[bad] = 0
                self.alive[bad] = False
                self.all_alive = False
                self.final_point[:, bad] = p[:, bad]
                self.final_loss[bad] = np.where(np.isfinite(loss[bad]), loss[bad], np.finfo(float).max)
            hit_loss = np.where(bad, self.final_loss, loss) if bad.any() else loss
            if self.track:
                hit = hit_loss <= self.within
                self.first_within[hit] = 0
                self.waiting &= ~hit & self.alive
        else:
            if not ok.all():
                newly = ~ok & self.alive
                if newly.any():
                    # a run that diverges at step t ends at θ_{t−1}, with its loss
                    cols = np.flatnonzero(newly)
                    self.first_bad[cols] = t
                    self.final_point[:, cols] = self.prev_point[:, cols]
                    self.final_loss[cols] = self.prev_loss[cols]
                    self.alive[cols] = False
                    self.all_alive = False
                    self.waiting[cols] = False
            if self.track:
                hit = loss <= self.within
                hit &= self.waiting
                if hit.any():
                    self.first_within[hit] = t
                    self.waiting &= ~hit
        np.copyto(self.prev_point, p)
        self.last_t = t

    def summary(self) -> RunSummary:
        alive = self.alive
        # runs still alive after the last step end at it (every run is dead when the loop stopped early)
        self.final_point[:, alive] = self.prev_point[:, alive]
        self.final_loss[alive] = self.loss[alive]
        return RunSummary(
            final_point=np.ascontiguousarray(self.final_point.T),
            final_loss=self.final_loss,
            diverged_at=self.first_bad,
            first_within=self.first_within if self.track else None,
        )


SUMMARY_CHUNK = 16_384
"""run_summary steps at most this many runs at once: the loop's arrays (128 KB each) then stay in a core's cache,
which halves the CPU time of a 256² map (Himmelblau, momentum, 300 steps: 0.35 s in one piece, 0.17 s in four).
The numbers do not depend on it (the runs are independent and every operation is elementwise)."""


def _chunk(s: _Setup, sl: slice) -> _Setup:
    """The runs ``sl`` of a resolved setup, with the values already resolved (a per-run array stays an array, so
    the chunk takes the very arithmetic path the whole batch takes)."""
    batch = s.starts.shape[0]

    def cut(v: Any) -> Any:
        return v[sl] if isinstance(v, np.ndarray) and v.ndim == 1 and v.shape[0] == batch else v

    hp = {k: cut(v) for k, v in s.hp.items()}
    hp_run = {k: cut(v) for k, v in s.hp_run.items()}
    if LR_CHAIN in s.hp_run:
        a, c, d = s.hp_run[LR_CHAIN]
        hp_run[LR_CHAIN] = (a, c, d[:, sl] if d.ndim == 2 else d)
    lr = s.lr_steps
    if isinstance(lr, _LrRows):
        lr = _LrRows(lr.factors[:, sl] if lr.factors.ndim == 2 else lr.factors, lr.lr0[sl])
    elif lr.ndim == 2:
        lr = lr[:, sl]
    return replace(s, hp=hp, hp_run=hp_run, starts=s.starts[sl], lr_steps=lr)


def run_summary(
    surface: str | Surface,
    optimizer: str | OptimizerSpec,
    starts: Any,
    steps: int,
    *,
    within: float | None = None,
    schedule: Any = None,
    noise: Any = None,
    clip: float | None = None,
    bound: float = DIVERGENCE_BOUND,
    batch_size: int | None = None,
    seed: int = 0,
    **params: Any,
) -> RunSummary:
    """What run() would give, summarized (final point and loss, divergence step, first step within ``within``)
    without keeping the history: memory O(B) instead of O(steps × B), for maps of up to MAX_BATCH runs.

    The same arguments and checks as run(), the same step loop (an observer sees each point and its exact
    gradient as they come, and applies run()'s own divergence test), so the numbers equal
    ``summarize(run(...), within)`` bit for bit.  Mini-batches on a dataset (batch_size < N) compute their exact
    gradients after the loop: there this runs run() and summarizes it.
    """
    s = _setup(surface, optimizer, starts, steps, schedule, noise, clip, batch_size, seed, params, lazy_lr=True)
    if within is not None:
        within = float(within)
    if s.sampling is not None and not s.sampling.full_batch:
        traj = run(
            surface,
            optimizer,
            starts,
            steps,
            schedule=schedule,
            noise=noise,
            clip=clip,
            bound=bound,
            batch_size=batch_size,
            seed=seed,
            **params,
        )
        return summarize(traj, within)
    batch, dim = s.starts.shape
    # in cache-sized chunks; with noise in one piece (each step draws one (d, B) normal for the whole batch)
    pieces = 1 if s.noise is not None else -(-batch // SUMMARY_CHUNK)
    per = -(-batch // pieces)
    parts = []
    for a in range(0, batch, per):
        c = s if pieces == 1 else _chunk(s, slice(a, min(a + per, batch)))
        watch = _Watch(c.surf._f, dim, c.starts.shape[0], float(bound), within)
        _iterate_loop(c.surf, c.spec, c.hp_run, c.starts, c.steps, c.lr_steps, c.noise, c.clip, False, None, watch)
        parts.append(watch.summary())
    return RunSummary.join(parts)
