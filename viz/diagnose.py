"""Why did a run diverge?  One message per diverged run: the run, the step, the likely cause, a fix.

On a quadratic f the Hessian is constant with largest eigenvalue L
(Surface.curvature_bound()), and the classical stability limits are exact:
  gradient descent            lr < 2 / L
  heavy-ball momentum μ       lr (1 − τ) < 2 (1 + μ) / L     (τ = dampening)
  Nesterov (torch's form)     lr < 2 (1 + μ) / (L (1 + 2μ))
with L raised by an L2 weight decay λ (coupled: the gradient gains λθ).
Elsewhere the trajectory's own reason is reported with a hint.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from look import RunView, num, point, sig


@dataclass(frozen=True)
class Divergence:
    run: int  # run index
    label: str
    step: int  # first step that diverged (earliest over the run's starts)
    starts: tuple[int, ...]  # which starts diverged
    cause: str
    hint: str

    @property
    def text(self) -> str:
        where = ""
        if len(self.starts) > 1:
            where = f" (from {len(self.starts)} starts; first)"
        return f"**{self.label}** diverged at step {self.step}{where}: {self.cause}. {self.hint}"


def stability_limit(optimizer: str, params: Mapping[str, Any], curvature: float) -> tuple[float, str] | None:
    """(largest stable lr, formula text) on a quadratic with largest curvature L; None if no closed form."""
    wd = float(params.get("weight_decay", 0.0) or 0.0)
    L = curvature + wd
    if not L > 0:
        return None
    if optimizer == "sgd":
        return 2.0 / L, "2/L"
    if optimizer == "momentum":
        mu = float(params.get("momentum", 0.0))
        tau = float(params.get("dampening", 0.0))
        if tau >= 1.0:
            return None
        if tau:
            return 2.0 * (1.0 + mu) / ((1.0 - tau) * L), f"2(1+μ)/((1−τ)L) (μ = {num(mu)}, τ = {num(tau)})"
        return 2.0 * (1.0 + mu) / L, f"2(1+μ)/L (μ = {num(mu)})"
    if optimizer == "nesterov":
        mu = float(params.get("momentum", 0.0))
        return 2.0 * (1.0 + mu) / (L * (1.0 + 2.0 * mu)), f"2(1+μ)/(L(1+2μ)) (μ = {num(mu)})"
    return None


def diagnose(
    runs: Sequence[RunView],
    optimizers: Sequence[str],
    *,
    curvature: float | None = None,
    clip: float | None = None,
    start_curvature: Sequence[float | None] | None = None,
) -> list[Divergence]:
    """One Divergence per run that diverged from at least one start.

    curvature: L of a quadratic surface (exact stability limits), else None.
    start_curvature[b]: largest Hessian eigenvalue at start b (a local hint on other surfaces), or None.
    """
    out = []
    for run, opt in zip(runs, optimizers):
        bad = [b for b in range(run.batch) if int(run.diverged_at[b]) >= 0]
        if not bad:
            continue
        first = min(bad, key=lambda b: int(run.diverged_at[b]))
        d = int(run.diverged_at[first])
        reason = (run.reasons[first] if first < len(run.reasons) else None) or "the trajectory blew up"
        lr = float(run.params.get("lr", float("nan")))
        smaller = sig(lr / 10, 2)
        clip_hint = "" if clip else " or turn on gradient clipping"
        if d == 0:
            s = run.points[0, first]
            cause = f"{reason} {point(*s)}"
            hint = "Move the start point to where f is defined."
        elif curvature is not None and curvature > 0:
            lim = stability_limit(opt, run.params, curvature)
            if lim is not None and lr > lim[0]:
                formula, _, note = lim[1].partition(" (")
                cause = (
                    f"lr {num(lr)} exceeds {formula} ≈ {sig(lim[0], 3)} on this quadratic "
                    f"(L = {sig(curvature, 3)}{', ' + note.rstrip(')') if note else ''}), "
                    f"so every step overshoots further"
                )
                hint = f"Lower lr below {sig(lim[0], 3)}{clip_hint}."
            else:
                gd = 2.0 / curvature
                cause = f"{reason}; with lr {num(lr)} the steps grew without bound"
                hint = (
                    f"For comparison, plain gradient descent is stable here only for lr < 2/L ≈ {sig(gd, 3)}. "
                    f"Try lr ≈ {smaller}{clip_hint}."
                )
        else:
            local = start_curvature[first] if start_curvature is not None and first < len(start_curvature) else None
            if local is not None and local > 0 and opt in ("sgd", "momentum", "nesterov"):
                lim = stability_limit(opt, run.params, local)
                bound = lim[0] if lim else 2.0 / local
                cause = (
                    f"{reason}. Near the start the surface curves with L ≈ {sig(local, 2)}, so steps with "
                    f"lr above ≈ {sig(bound, 2)} overshoot and grow"
                )
                hint = f"Lower lr below ≈ {sig(bound, 2)}{clip_hint}."
            else:
                cause = f"{reason} — with lr {num(lr)} the steps outgrew the surface's curvature"
                hint = f"Lower lr (try {smaller}){clip_hint}."
        out.append(Divergence(run=run.index, label=run.label, step=d, starts=tuple(bad), cause=cause, hint=hint))
    return out
