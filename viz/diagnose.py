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
from dataclasses import dataclass, field
from typing import Any

import i18n
from look import RunView, num, point, sig
from optim_core.trajectory import reason_in


@dataclass(frozen=True)
class Divergence:
    run: int  # run index
    label: str
    step: int  # first step that diverged (earliest over the run's starts)
    starts: tuple[int, ...]  # which starts diverged
    cause: str  # in the language of `lang`
    hint: str
    lang: i18n.Lang = field(default=i18n.EN, compare=False, repr=False)
    start_point: tuple[float, ...] = ()  # where the first diverged start began (named when there are several)
    n_starts: int = 1  # how many starts the run has

    @property
    def text(self) -> str:
        """One Markdown line: the run's label in bold (labels are made of optimizer names and numbers)."""
        _ = self.lang
        if self.n_starts > 1:
            return _.fmt(
                "**{label}** diverged at step {step} from the start {start} ({k} of its {n} starts diverged): "
                "{cause}. {hint}",
                label=self.label,
                step=self.step,
                start=point(*self.start_point),
                k=len(self.starts),
                n=self.n_starts,
                cause=self.cause,
                hint=self.hint,
            )
        return _.fmt(
            "**{label}** diverged at step {step}: {cause}. {hint}",
            label=self.label,
            step=self.step,
            cause=self.cause,
            hint=self.hint,
        )


HUGE_GRADIENT = 1e100  # a gradient this large sends any lr ≥ 1e-94 past the bound of 1e6 in one step


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
        tau = mu if params.get("ema") else float(params.get("dampening", 0.0))  # the EMA form: τ = μ, in effect
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
    lang: i18n.Lang = i18n.EN,
) -> list[Divergence]:
    """One Divergence per run that diverged from at least one start, worded in `lang`.

    curvature: L of a quadratic surface (exact stability limits), else None.
    start_curvature[b]: largest Hessian eigenvalue at start b (a local hint on other surfaces), or None.
    """
    _ = lang
    out = []
    for run, opt in zip(runs, optimizers):
        bad = [b for b in range(run.batch) if int(run.diverged_at[b]) >= 0]
        if not bad:
            continue
        first = min(bad, key=lambda b: int(run.diverged_at[b]))
        d = int(run.diverged_at[first])
        raw = run.reasons[first] if first < len(run.reasons) else None
        reason = reason_in(raw, _) if raw else _("the trajectory blew up")
        lr = float(run.params.get("lr", float("nan")))
        smaller = sig(lr / 10, 2)
        if d == 0:
            s = run.points[0, first]
            cause = _.fmt("{reason} {point}", reason=reason, point=point(*s))
            hint = _("Move the start point to where f is defined.")
        elif float(run.grad_norm[0, first]) >= HUGE_GRADIENT:
            # exp(709)*x: a straight slope of 8e307, no curvature to outgrow; any lr a float holds jumps out
            cause = _.fmt(
                "{reason} — the gradient at the start is {g}, so even the smallest lr takes a step far out of bounds",
                reason=reason,
                g=sig(float(run.grad_norm[0, first]), 2),
            )
            hint = _(
                "Lowering lr cannot help here: rescale f (its values are too large for the steps to stay in bounds)."
            )
        elif curvature is not None and curvature > 0:
            lim = stability_limit(opt, run.params, curvature)
            if lim is not None and lr > lim[0]:
                formula, _sep, note = lim[1].partition(" (")
                cause = _.fmt(
                    "lr {lr} exceeds {formula} ≈ {limit} on this quadratic (L = {L}{note}), "
                    "so every step overshoots further",
                    lr=num(lr),
                    formula=formula,
                    limit=sig(lim[0], 3),
                    L=sig(curvature, 3),
                    note=", " + note.rstrip(")") if note else "",
                )
                if clip:
                    hint = _.fmt("Lower lr below {limit}.", limit=sig(lim[0], 3))
                else:
                    hint = _.fmt("Lower lr below {limit} or turn on gradient clipping.", limit=sig(lim[0], 3))
            else:
                gd = sig(2.0 / curvature, 3)
                cause = _.fmt("{reason}; with lr {lr} the steps grew without bound", reason=reason, lr=num(lr))
                if clip:
                    hint = _.fmt(
                        "For comparison, plain gradient descent is stable here only for lr < 2/L ≈ {gd}. "
                        "Try lr ≈ {smaller}.",
                        gd=gd,
                        smaller=smaller,
                    )
                else:
                    hint = _.fmt(
                        "For comparison, plain gradient descent is stable here only for lr < 2/L ≈ {gd}. "
                        "Try lr ≈ {smaller} or turn on gradient clipping.",
                        gd=gd,
                        smaller=smaller,
                    )
        else:
            local = start_curvature[first] if start_curvature is not None and first < len(start_curvature) else None
            if local is not None and local > 0 and opt in ("sgd", "momentum", "nesterov"):
                # Only a local statement holds here: the curvature changes along the path, so a smaller lr may
                # still converge even above this number once the path leaves the start (Rosenbrock: 2/L ≈ 0.0013
                # at the start, yet lr 0.002 … 0.006 converge). Say what the number is; advise by factors of 10.
                lim = stability_limit(opt, run.params, local)
                bound = sig(lim[0] if lim else 2.0 / local, 2)
                cause = _.fmt(
                    "{reason}. At the start the surface's steepest curvature is L ≈ {L} (the largest Hessian "
                    "eigenvalue there): a step with lr above about {bound} overshoots there, and lr {lr} is {ratio}× "
                    "that",
                    reason=reason,
                    L=sig(local, 2),
                    bound=bound,
                    lr=num(lr),
                    ratio=sig(lr / float(bound), 2),
                )
                if clip:
                    hint = _.fmt(
                        "Try lr ≈ {smaller} (a tenth), and lower it further if it still diverges.", smaller=smaller
                    )
                else:
                    hint = _.fmt(
                        "Try lr ≈ {smaller} (a tenth), lower it further if it still diverges, or turn on gradient "
                        "clipping.",
                        smaller=smaller,
                    )
            else:
                cause = _.fmt(
                    "{reason} — with lr {lr} the steps outgrew the surface's curvature", reason=reason, lr=num(lr)
                )
                if clip:
                    hint = _.fmt("Lower lr (try {smaller}).", smaller=smaller)
                else:
                    hint = _.fmt("Lower lr (try {smaller}) or turn on gradient clipping.", smaller=smaller)
        out.append(
            Divergence(
                run=run.index,
                label=run.label,
                step=d,
                starts=tuple(bad),
                cause=cause,
                hint=hint,
                lang=lang,
                start_point=tuple(float(c) for c in run.points[0, first]),
                n_starts=run.batch,
            )
        )
    return out
