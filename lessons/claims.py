"""What a lesson says, as data the code checks.

A lesson's text may only say what its picture shows. Each sentence that states a fact about the runs is
backed by a :class:`Claim` — "run 1 ends within 0.01 of a minimum", "run 2 diverges before step 60", "run 0's
final f − f* is below 1 % of run 1's" — that :func:`check` measures on the lesson's own trajectories. A test runs
every lesson and asserts every claim; the page shows the measured values beside the lesson.

Runs are referred to by their index in the lesson's scene; ``start`` picks a start point (default the first).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from i18n import N_, Lang
from optim_core.scene import ResolvedScene, Scene


class Trajectory(Protocol):
    """What the checks read of a run: an optim_core Trajectory, or the app's cached copy of one."""

    @property
    def points(self) -> np.ndarray: ...  # (steps+1, B, d)

    @property
    def loss(self) -> np.ndarray: ...  # (steps+1, B)

    @property
    def diverged_at(self) -> np.ndarray: ...  # (B,)

    @property
    def steps(self) -> int: ...

    def distance_to_minimum(self) -> np.ndarray | None: ...


@dataclass(frozen=True)
class Claim:
    kind: str  # a key of KINDS
    run: int  # the run the claim is about ("a")
    value: float = 0.0  # the threshold
    other: int | None = None  # a second run ("b") for comparisons
    start: int = 0
    point: tuple[float, ...] | None = None  # a point of the surface ("near_point")
    name: str | None = None  # an indicator of the run's optimizer (the flag_* kinds), e.g. "switched"
    steps: int = 0  # a window: the first `steps` steps (early_travel_ratio, together_until)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown claim kind {self.kind!r}")
        if KINDS[self.kind].needs_other and self.other is None:
            raise ValueError(f"claim {self.kind!r} compares two runs: give other=")
        if self.kind == "near_point" and self.point is None:
            raise ValueError("claim 'near_point' needs point=")
        if self.kind.startswith("flag_") and not self.name:
            raise ValueError(f"claim {self.kind!r} reads an indicator: give name=")
        if self.kind in ("early_travel_ratio", "together_until") and self.steps < 1:
            raise ValueError(f"claim {self.kind!r} looks at the first steps: give steps=")


@dataclass(frozen=True)
class Outcome:
    claim: Claim
    holds: bool
    measured: float  # the measured quantity the claim compares (NaN when it does not apply)
    text: str  # the claim in words (translated)


@dataclass(frozen=True)
class _Kind:
    template: str  # {a}, {b}: run labels; {value}: the threshold; {measured}: what was measured
    measure: Callable[[Claim, Sequence[Trajectory], ResolvedScene], float]
    holds: Callable[[float, Claim], bool]
    needs_other: bool = False
    percent: bool = False  # show value as a percentage


# ---------------------------------------------------------------------------------------- measurements
def _dist_end(c: Claim, trajs: Sequence[Trajectory], r: ResolvedScene, run: int | None = None) -> float:
    t = trajs[c.run if run is None else run]
    d = t.distance_to_minimum()
    if d is None:
        return float("nan")
    last = int(t.diverged_at[c.start]) - 1 if t.diverged_at[c.start] >= 0 else t.steps
    return float(d[max(last, 0), c.start])


def _gap_end(t: Trajectory, start: int, f_star: float) -> float:
    return float(max(t.loss[-1, start] - f_star, 0.0))


def _f_star(r: ResolvedScene) -> float:
    m = np.asarray(r.surface.minima, dtype=float)
    return float(np.min(r.surface.value(m))) if len(m) else 0.0


def _steps_to(t: Trajectory, start: int, tol: float) -> int | None:
    d = t.distance_to_minimum()
    if d is None:
        return None
    hit = np.flatnonzero(d[:, start] <= tol)
    if t.diverged_at[start] >= 0:
        hit = hit[hit < t.diverged_at[start]]
    return int(hit[0]) if hit.size else None


def _step_lengths(t: Trajectory, start: int) -> np.ndarray:
    p = t.points[:, start]
    return np.linalg.norm(np.diff(p, axis=0), axis=-1)


def _diverged_at(c: Claim, trajs: Sequence[Trajectory], r: ResolvedScene) -> float:
    d = int(trajs[c.run].diverged_at[c.start])
    return float(d) if d >= 0 else float("inf")


def _loss_ratio(c: Claim, trajs: Sequence[Trajectory], r: ResolvedScene) -> float:
    fs = _f_star(r)
    a, b = _gap_end(trajs[c.run], c.start, fs), _gap_end(trajs[c.other], c.start, fs)  # type: ignore[index]
    return a / b if b > 0 else (0.0 if a == 0 else float("inf"))


def _faster(c: Claim, trajs: Sequence[Trajectory], r: ResolvedScene) -> float:
    """Steps run a needs to get within value of a minimum, minus those of b (b never: −∞ when a does)."""
    a = _steps_to(trajs[c.run], c.start, c.value)
    b = _steps_to(trajs[c.other], c.start, c.value)  # type: ignore[index]
    if a is None:
        return float("inf")
    return float(a - b) if b is not None else float("-inf")


def _last_over_first(c: Claim, trajs: Sequence[Trajectory], r: ResolvedScene) -> float:
    s = _step_lengths(trajs[c.run], c.start)
    return float(s[-1] / s[0]) if len(s) and s[0] > 0 else float("nan")


def _moved(c: Claim, trajs: Sequence[Trajectory], r: ResolvedScene) -> float:
    t = trajs[c.run]
    return float(np.linalg.norm(t.points[-1, c.start] - t.points[0, c.start]))


def _closer(c: Claim, trajs: Sequence[Trajectory], r: ResolvedScene) -> float:
    return _dist_end(c, trajs, r) - _dist_end(c, trajs, r, run=c.other)


def _near_point(c: Claim, trajs: Sequence[Trajectory], r: ResolvedScene) -> float:
    t = trajs[c.run]
    return float(np.linalg.norm(t.points[-1, c.start] - np.asarray(c.point, dtype=float)))


def _dist_ratio(c: Claim, trajs: Sequence[Trajectory], r: ResolvedScene) -> float:
    a, b = _dist_end(c, trajs, r), _dist_end(c, trajs, r, run=c.other)
    return a / b if b > 0 else (0.0 if a == 0 else float("inf"))


def _overshoot(c: Claim, trajs: Sequence[Trajectory], r: ResolvedScene) -> float:
    """How far the run went past the minimum it ends nearest, measured along the line from that minimum to the
    start (> 0: it crossed to the other side)."""
    t = trajs[c.run]
    m = np.asarray(r.surface.minima, dtype=float).reshape(len(r.surface.minima), -1)
    if not len(m):
        return float("nan")
    p = t.points[:, c.start]
    end = p[-1] if t.diverged_at[c.start] < 0 else p[max(int(t.diverged_at[c.start]) - 1, 0)]
    k = int(np.argmin(np.linalg.norm(m - end, axis=-1)))
    axis = p[0] - m[k]
    n = float(np.linalg.norm(axis))
    if n == 0:
        return float("nan")
    along = (p - m[k]) @ (axis / n)
    return float(max(-along.min(), 0.0))


def _path_length(t: Trajectory, start: int, steps: int | None = None) -> float:
    """Distance travelled along the path (up to the last finite point), over the first `steps` steps or all."""
    last = int(t.diverged_at[start]) - 1 if t.diverged_at[start] >= 0 else t.steps
    if steps is not None:
        last = min(last, steps)
    return float(_step_lengths(t, start)[: max(last, 0)].sum())


def _travel_ratio(c: Claim, trajs: Sequence[Trajectory], r: ResolvedScene) -> float:
    a = _path_length(trajs[c.run], c.start, c.steps or None)
    b = _path_length(trajs[c.other], c.start, c.steps or None)  # type: ignore[index]
    return a / b if b > 0 else float("inf")


def _apart(c: Claim, trajs: Sequence[Trajectory], r: ResolvedScene) -> float:
    a, b = trajs[c.run].points[-1, c.start], trajs[c.other].points[-1, c.start]  # type: ignore[index]
    return float(np.linalg.norm(a - b))


def _max_gap_until(c: Claim, trajs: Sequence[Trajectory], r: ResolvedScene) -> float:
    """The largest distance between the two paths over the first `steps` steps."""
    a, b = trajs[c.run].points[: c.steps + 1, c.start], trajs[c.other].points[: c.steps + 1, c.start]  # type: ignore[index]
    return float(np.max(np.linalg.norm(a - b, axis=-1)))


_RECORDS: dict[tuple[str, int], Any] = {}


def _flag(c: Claim, r: ResolvedScene) -> np.ndarray:
    """(S, …) the indicator c.name of run c.run at every step (1.0 on, 0.0 off, NaN where it does not apply),
    from the run recorded again with its state (lessons are small; cached per run)."""
    key = (r.run_key(c.run), c.run)
    rec = _RECORDS.get(key)
    if rec is None:
        traj = r.simulate_run(c.run, record_state=True)
        assert traj.record is not None
        rec = _RECORDS.setdefault(key, traj.record)
    if c.name not in rec.indicators:
        raise ValueError(f"{r.runs[c.run].spec.id} has no indicator {c.name!r}")
    return np.asarray(rec.indicators[c.name])[:, c.start]


def _flag_first(c: Claim, trajs: Sequence[Trajectory], r: ResolvedScene) -> float:
    """The first step (1-based) at which the flag is on; ∞ if never."""
    f = _flag(c, r)
    on = np.flatnonzero(np.nan_to_num(f.reshape(len(f), -1), nan=0.0).max(axis=1) > 0.5)
    return float(on[0] + 1) if on.size else float("inf")


def _flag_share(c: Claim, trajs: Sequence[Trajectory], r: ResolvedScene) -> float:
    """The share of steps (and coordinates) at which the flag is on, where it applies."""
    f = _flag(c, r)
    f = f[np.isfinite(f)]
    return float((f > 0.5).mean()) if f.size else float("nan")


def _final_loss(c: Claim, trajs: Sequence[Trajectory], r: ResolvedScene) -> float:
    return float(trajs[c.run].loss[-1, c.start])


def _lt(m: float, c: Claim) -> bool:
    return bool(m < c.value)


def _le(m: float, c: Claim) -> bool:
    return bool(m <= c.value)


def _gt(m: float, c: Claim) -> bool:
    return bool(m > c.value)


KINDS: dict[str, _Kind] = {
    "reaches": _Kind(N_("{a} ends within {value} of a minimum (measured {measured})"), _dist_end, _le),
    "misses": _Kind(N_("{a} ends more than {value} from every minimum (measured {measured})"), _dist_end, _gt),
    "diverges_before": _Kind(N_("{a} diverges before step {value} (measured: step {measured})"), _diverged_at, _lt),
    "stays_finite": _Kind(N_("{a} does not diverge"), _diverged_at, lambda m, c: m == float("inf")),
    "loss_below": _Kind(
        N_("{a}'s final f − f* is below {value} of {b}'s (measured {measured})"),
        _loss_ratio,
        _lt,
        needs_other=True,
        percent=True,
    ),
    "faster": _Kind(
        N_("{a} gets within {value} of a minimum before {b} does"),
        _faster,
        lambda m, c: m < 0,
        needs_other=True,
    ),
    "steps_shrink": _Kind(
        N_("{a}'s last step is shorter than {value} of its first (measured {measured})"),
        _last_over_first,
        _lt,
        percent=True,
    ),
    "moves_more": _Kind(N_("{a} moves more than {value} away from its start (measured {measured})"), _moved, _gt),
    "moves_less": _Kind(N_("{a} moves less than {value} away from its start (measured {measured})"), _moved, _lt),
    "closer_than": _Kind(N_("{a} ends closer to a minimum than {b}"), _closer, lambda m, c: m < 0, needs_other=True),
    "final_f_below": _Kind(N_("{a}'s final f is below {value} (measured {measured})"), _final_loss, _lt),
    "overshoots": _Kind(N_("{a} overshoots the minimum by more than {value} (measured {measured})"), _overshoot, _gt),
    "above_best": _Kind(
        N_("{a} ends in a dip whose f is more than {value} above the lowest known minimum (measured {measured})"),
        lambda c, trajs, r: float(trajs[c.run].loss[-1, c.start]) - _f_star(r),
        _gt,
    ),
    "path_longer": _Kind(
        N_("{a}'s path is more than {value}× as long as {b}'s (measured {measured}×)"),
        _travel_ratio,
        _gt,
        needs_other=True,
    ),
    "early_travel_ratio": _Kind(
        N_("In the first {steps} steps {a} travels more than {value}× as far as {b} (measured {measured}×)"),
        _travel_ratio,
        _gt,
        needs_other=True,
    ),
    "apart_by": _Kind(
        N_("{a} and {b} end more than {value} apart (measured {measured})"), _apart, _gt, needs_other=True
    ),
    "together_until": _Kind(
        N_("{a} and {b} stay within {value} of each other for the first {steps} steps (measured {measured})"),
        _max_gap_until,
        _le,
        needs_other=True,
    ),
    "flag_first_before": _Kind(
        N_("{a}: “{flag}” first happens before step {value} (measured: step {measured})"), _flag_first, _lt
    ),
    "flag_off_until": _Kind(
        N_("{a}: “{flag}” stays off for the first {value} steps (measured: first on at step {measured})"),
        _flag_first,
        _gt,
    ),
    "flag_share_above": _Kind(
        N_("{a}: “{flag}” holds at more than {value} of its steps (measured {measured})"),
        _flag_share,
        _gt,
        percent=True,
    ),
    "near_point": _Kind(N_("{a} ends within {value} of {point} (measured {measured})"), _near_point, _le),
    "dist_ratio_below": _Kind(
        N_("{a} ends closer to a minimum than {b} by more than {factor}× (measured {measured_factor}×)"),
        _dist_ratio,
        _lt,
        needs_other=True,
    ),
}


def _fmt(v: float, percent: bool = False) -> str:
    if not np.isfinite(v):
        return "—" if np.isnan(v) else ("∞" if v > 0 else "−∞")
    if percent:
        return f"{100 * v:.3g} %"
    return f"{v:.3g}"


def _factor(x: float) -> str:
    return f"{x:,.0f}" if 10 <= x < 1e7 else f"{x:.3g}"


def check(claims: Sequence[Claim], trajs: Sequence[Trajectory], resolved: ResolvedScene, lang: Lang) -> list[Outcome]:
    """Measure every claim on the lesson's trajectories; the texts in the given language."""
    out = []
    labels = [r.label_in(lang) for r in resolved.runs]
    for c in claims:
        kind = KINDS[c.kind]
        measured = kind.measure(c, trajs, resolved)
        holds = bool(kind.holds(measured, c)) if not np.isnan(measured) else False
        flag = ""
        if c.name:
            ind = next((i for i in resolved.runs[c.run].spec.indicators if i.name == c.name), None)
            flag = lang.gettext(ind.meaning) if ind is not None else c.name
        whole = c.kind in ("diverges_before", "flag_first_before", "flag_off_until")
        params: dict[str, Any] = {
            "a": labels[c.run],
            "b": labels[c.other] if c.other is not None else "",
            "value": str(int(c.value)) if whole else _fmt(c.value, kind.percent),
            "measured": _fmt(measured) if whole else _fmt(measured, kind.percent),
            "steps": str(c.steps),
            "flag": flag,
            "point": "(" + ", ".join(f"{v:g}" for v in c.point) + ")" if c.point is not None else "",
            "factor": _factor(1 / c.value) if c.value > 0 else "∞",
            "measured_factor": _factor(1 / measured) if measured > 0 and np.isfinite(measured) else "∞",
        }
        out.append(Outcome(claim=c, holds=holds, measured=measured, text=lang.fmt(kind.template, **params)))
    return out


def report(heading: str, scene: Scene, claims: Sequence[Claim], lang: Lang) -> tuple[int, ResolvedScene, list[Any]]:
    """Print ``heading`` and every claim measured on the scene (✓ / ✗): what ``python -m lessons`` and
    ``python -m lessons.guide`` show. Returns (claims that fail, the resolved scene, its trajectories)."""
    resolved = scene.resolve()
    trajs: list[Any] = list(resolved.simulate())  # optim_core Trajectories: what the claims read
    print(heading)
    outcomes = check(claims, trajs, resolved, lang)
    for o in outcomes:
        print(f"  {'✓' if o.holds else '✗'} {o.text}")
    return sum(not o.holds for o in outcomes), resolved, trajs
