"""A step in plain words: a few sentences generated from the optimizer's declaration and the recorded step.

Every sentence is a constant English template (marked with ``N_`` so the catalogue extractor sees it) filled
with this step's numbers, translated through the catalogue into the reader's language.  The sentences say what
the rule did (what each buffer kept and took), which branch it took, and why the step has the length and the
direction it has (per axis: |Δθ| = effective learning rate × |g|; the velocity's angle to the downhill
direction; a slope that changed sign — the path went past a valley floor).
"""

from __future__ import annotations

import math

import numpy as np

import i18n
from i18n import N_
from look.fmt import sig
from optim_core.trajectory import Trajectory

from .vectors import check_step, coupled_decay, decay, record_of, step_vectors

COORDS = ("x", "y")

START = N_("Step 0 is the start θ₀ = {theta}, where f = {f}. Step forward (→) to see the first update.")
DIVERGED = N_("This run diverged at step {step}: {reason}. There is nothing to show from there on.")
GRADIENT = N_("Step {t} starts at θ = {theta}, where the gradient is g = {g} (|g| = {norm}).")
NOISE = N_("The gradient includes noise (σ = {std}), as a mini-batch gradient would.")
CLIPPED = N_("It was clipped to norm {clip} (the exact gradient's norm is {norm}).")
L2 = N_("The L2 penalty adds λθ = {v} to it.")
PULL = N_("Decoupled weight decay pulls θ toward the origin by {v}.")

TEXTS: dict[str, str] = {
    "sgd": N_("The step is −η·g = {step}: η = {lr} times the slope, straight downhill."),
    "momentum_first": N_("On the first step the velocity b is just the gradient; the step is −η·b = {step}."),
    "momentum": N_(
        "The velocity b keeps {keep} % of its old value and adds the new gradient{damp}; the step is η = {lr} "
        "times the velocity: Δθ = {step}."
    ),
    "damp": N_(" scaled by 1 − τ = {v}"),
    "nesterov": N_(
        "The velocity b keeps {keep} % of its old value and adds the new gradient; the step adds the velocity once "
        "more, −η·(g + μb) = {step}: it looks ahead to where the velocity is carrying the path."
    ),
    "adagrad": N_(
        "The sum s adds this squared gradient to every earlier one, so it only grows, and each coordinate's "
        "learning rate η/(√s + ε) only shrinks: it is now {eff}."
    ),
    "rmsprop": N_(
        "v keeps {keep} % of its old value and takes {take} % of the squared gradient; each coordinate's gradient "
        "is divided by √v + ε = {d}."
    ),
    "rmsprop_momentum": N_("The divided gradients add up in a velocity b that keeps {keep} % of itself each step."),
    "adadelta": N_(
        "The update Δ is the gradient times √(u + ε)/√(v + ε) — the recent size of the updates over the recent "
        "size of the gradients: θ moves by −η·Δ = {step}."
    ),
    "adam": N_(
        "m keeps {keep1} % of its old value and takes {take1} % of the new gradient; v does the same with the "
        "squared gradient (keeping {keep2} %). Each coordinate moves by about η·m̂/√v̂: close to η = {lr} whatever "
        "the size of its gradient."
    ),
    "nadam": N_(
        "NAdam adds the new gradient (weight {w1}) to the momentum of the next step (weight {w2}), both divided "
        "by d = √(v/(1−β₂ᵗ)) + ε = {d}."
    ),
    "radam_on": N_(
        "ρ_t = {rho} > 5: enough steps to trust the variance estimate, so RAdam takes the adaptive step, "
        "scaled by the rectifier r_t = {r}."
    ),
    "radam_off": N_(
        "ρ_t = {rho} ≤ 5: too few steps to trust the variance estimate, so RAdam takes a plain momentum step "
        "−η·m̂ = {step}."
    ),
    "adamax": N_(
        "u is a decaying maximum of |g| (it keeps {keep} % of itself unless |g| + ε is larger); each coordinate "
        "moves by η/(1−β₁ᵗ)·m/u."
    ),
    "ftrl": N_(
        "FTRL does not step from θ: it recomputes θ from the accumulated z and n (per-coordinate learning rate "
        "η/(√n + β))."
    ),
    "ftrl_clamped": N_("L1 sets {coords} exactly to 0: there |z| ≤ λ₁."),
    "swats_adam": N_(
        "Adam phase: SWATS takes Adam's step and estimates the SGD learning rate that would take the same steps: "
        "now {est}."
    ),
    "swats_switch": N_("The estimate settled at this step: from the next step on SWATS runs SGD at lr {est}."),
    "swats_sgd": N_("SGD phase: momentum SGD at the learning rate SWATS estimated, η = {lr}."),
    "lion": N_(
        "Each coordinate moves by exactly η = {lr} in the direction of −sign(c), where c = β₁m + (1−β₁)g = {c}; "
        "then m keeps {keep} % of itself and takes the rest from g."
    ),
}
AXES = N_(
    "Per axis the step is the effective learning rate times the slope: along x {ex} × {gx} = {dx}, along y "
    "{ey} × {gy} = {dy}, so it is {ratio}× {longer} along {axis}."
)
LONGER = N_("longer")
ANGLE = N_("The velocity points {deg}° away from the downhill direction −g: the path keeps going where it was going.")
OVERSHOOT = N_("Along {axes} the slope has changed sign at the new point: the step went past the valley floor.")
BRANCH_YES = N_("yes")
BRANCH_NO = N_("no")
# an indicator's meaning and its answer: the catalogue holds the punctuation (Chinese uses a full-width colon)
BRANCH = N_("{meaning}: {value}")


def pct(v: float) -> str:
    return f"{100.0 * v:.4g}"


def vec(v: np.ndarray | float) -> str:
    arr = np.atleast_1d(np.asarray(v, dtype=float))
    if arr.size == 1:
        return sig(float(arr[0]), 3)
    return "(" + ", ".join(sig(float(x), 3) for x in arr) + ")"


def narrate(traj: Trajectory, b: int, t: int, lang: i18n.Lang = i18n.EN) -> list[str]:
    """The sentences of step t (0 … S) of start b, in the language."""
    rec = record_of(traj)
    steps = rec.lr.shape[0]
    if t == 0:
        return [lang.fmt(START, theta=vec(traj.points[0, b]), f=sig(float(traj.loss[0, b]), 4))]
    check_step(t, steps)
    d = traj.diverged_step(b)
    if d is not None and t >= d:
        reason = traj.reason(b, lang) or ""
        return [lang.fmt(DIVERGED, step=d, reason=reason)]
    spec = traj.optimizer
    i = t - 1
    hp = traj.params_for(b)
    theta = traj.points[i, b]
    g = rec.grad[i, b]
    delta = rec.delta[i, b]
    out = [lang.fmt(GRADIENT, t=t, theta=vec(theta), g=vec(g), norm=sig(float(np.linalg.norm(g)), 3))]
    if traj.noise is not None:
        out.append(lang.fmt(NOISE, std=sig(traj.noise.std, 3)))
    if traj.clip is not None and traj.noise is None:
        exact = float(traj.grad_norm[i, b])
        if exact > traj.clip:
            out.append(lang.fmt(CLIPPED, clip=sig(traj.clip, 3), norm=sig(exact, 3)))
    wd = float(hp.get("weight_decay", 0.0) or 0.0)
    vectors = step_vectors(traj)
    pull = decay(spec, traj)
    if coupled_decay(spec.id, hp):
        out.append(lang.fmt(L2, v=vec(wd * theta)))
    out += _rule_sentences(traj, b, t, lang)
    if pull is not None and np.isfinite(pull[i, b]).all():
        out.append(lang.fmt(PULL, v=vec(pull[i, b])))
    # why the step has this shape
    if spec.adaptive and theta.shape[0] == 2:
        eff = rec.eff_lr[i, b]
        if np.isfinite(eff).all() and (np.abs(delta) > 0).all():
            big = int(np.argmax(np.abs(delta)))
            ratio = float(np.abs(delta[big]) / np.abs(delta[1 - big]))
            if ratio >= 1.05:
                out.append(
                    lang.fmt(
                        AXES,
                        ex=sig(float(eff[0]), 3),
                        gx=sig(float(abs(g[0])), 3),
                        dx=sig(float(abs(delta[0])), 3),
                        ey=sig(float(eff[1]), 3),
                        gy=sig(float(abs(g[1])), 3),
                        dy=sig(float(abs(delta[1])), 3),
                        ratio=sig(ratio, 3),
                        longer=lang(LONGER),
                        axis=COORDS[big],
                    )
                )
    vel = vectors.layers.get("velocity")
    if vel is not None and t > 1 and spec.id in ("momentum", "nesterov", "rmsprop", "adam", "adamw", "amsgrad"):
        v, down = vel[i, b], -g
        nv, nd = float(np.linalg.norm(v)), float(np.linalg.norm(down))
        if np.isfinite(nv) and nv > 0 and nd > 0 and theta.shape[0] == 2:
            cos = float(np.clip(np.dot(v, down) / (nv * nd), -1.0, 1.0))
            deg = math.degrees(math.acos(cos))
            if deg >= 30:
                out.append(lang.fmt(ANGLE, deg=str(round(deg))))
    if t < steps and (d is None or t + 1 < d):
        nxt = rec.grad[t, b]
        flipped = [COORDS[k] for k in range(len(g)) if g[k] * nxt[k] < 0 and abs(delta[k]) > 0]
        if flipped:
            out.append(lang.fmt(OVERSHOOT, axes=", ".join(flipped)))
    return out


def _rule_sentences(traj: Trajectory, b: int, t: int, lang: i18n.Lang) -> list[str]:
    spec = traj.optimizer
    rec = record_of(traj)
    i = t - 1
    hp = traj.params_for(b)
    lr = float(rec.lr[i, b])
    delta = rec.delta[i, b]
    eff = rec.eff_lr[i, b]
    ind = {k: v[i, b] for k, v in rec.indicators.items()}
    st = {k: v[i, b] for k, v in rec.state.items()}
    sid = spec.id
    f = lang.fmt
    if sid == "sgd":
        return [f(TEXTS["sgd"], step=vec(delta), lr=sig(lr, 3))]
    if sid in ("momentum", "nesterov"):
        mu = float(hp.get("momentum", 0.0))
        if mu == 0:
            return [f(TEXTS["sgd"], step=vec(delta), lr=sig(lr, 3))]
        if t == 1:
            return [f(TEXTS["momentum_first"], step=vec(delta))]
        if sid == "nesterov":
            return [f(TEXTS["nesterov"], keep=pct(mu), step=vec(delta))]
        damp = float(hp.get("dampening", 0.0))
        damp_text = f(TEXTS["damp"], v=sig(1.0 - damp, 3)) if damp else ""
        return [f(TEXTS["momentum"], keep=pct(mu), damp=damp_text, lr=sig(lr, 3), step=vec(delta))]
    if sid == "adagrad":
        return [f(TEXTS["adagrad"], eff=vec(eff))]
    if sid == "rmsprop":
        alpha = float(hp["alpha"])
        out = [f(TEXTS["rmsprop"], keep=pct(alpha), take=pct(1 - alpha), d=vec(ind["denominator"]))]
        if float(hp.get("momentum", 0.0)):
            out.append(f(TEXTS["rmsprop_momentum"], keep=pct(float(hp["momentum"]))))
        return out
    if sid == "adadelta":
        return [f(TEXTS["adadelta"], step=vec(delta))]
    if sid in ("adam", "adamw", "amsgrad"):
        b1, b2 = float(hp["beta1"]), float(hp["beta2"])
        return [f(TEXTS["adam"], keep1=pct(b1), take1=pct(1 - b1), keep2=pct(b2), lr=sig(lr, 3))]
    if sid == "nadam":
        mu, mu_next, prod = float(ind["mu_t"]), float(ind["mu_next"]), float(st["mu_product"])
        w1 = lr * (1 - mu) / (1 - prod)
        w2 = lr * mu_next / (1 - prod * mu_next)
        v = st["exp_avg_sq"]
        dd = np.sqrt(v / (1 - float(hp["beta2"]) ** t)) + float(hp["eps"])
        return [f(TEXTS["nadam"], w1=sig(w1, 3), w2=sig(w2, 3), d=vec(dd))]
    if sid == "radam":
        if ind["rectified"] == 1.0:
            return [f(TEXTS["radam_on"], rho=sig(float(ind["rho_t"]), 4), r=sig(float(ind["r_t"]), 3))]
        return [f(TEXTS["radam_off"], rho=sig(float(ind["rho_t"]), 4), step=vec(delta))]
    if sid == "adamax":
        return [f(TEXTS["adamax"], keep=pct(float(hp["beta2"])))]
    if sid == "ftrl":
        out = [f(TEXTS["ftrl"])]
        clamped = np.atleast_1d(ind["clamped"])
        coords = [COORDS[k] for k in range(len(clamped)) if clamped[k] == 1.0]
        if coords:
            out.append(f(TEXTS["ftrl_clamped"], coords=", ".join(coords)))
        return out
    if sid == "swats":
        if ind["in_sgd_phase"] == 1.0:
            return [f(TEXTS["swats_sgd"], lr=sig(lr, 3))]
        out = [f(TEXTS["swats_adam"], est=sig(float(ind["sgd_lr_estimate"]), 3))]
        if ind["switched"] == 1.0:
            out.append(f(TEXTS["swats_switch"], est=sig(float(ind["sgd_lr_estimate"]), 3)))
        return out
    if sid == "lion":
        return [f(TEXTS["lion"], lr=sig(lr, 3), c=vec(ind["c_t"]), keep=pct(float(hp["beta2"])))]
    return []


def yes_no(v: float, lang: i18n.Lang = i18n.EN) -> str:
    return lang(BRANCH_YES) if v == 1.0 else lang(BRANCH_NO)


def branch_text(meaning: str, value: np.ndarray | float, lang: i18n.Lang = i18n.EN) -> str | None:
    """One flag indicator in words: "<meaning>: x yes, y no" (None where it does not apply: NaN)."""
    arr = np.atleast_1d(np.asarray(value, dtype=float))
    if np.isnan(arr).all():
        return None
    if arr.size == 1:
        answer = yes_no(float(arr[0]), lang)
    else:
        answer = ", ".join(f"{COORDS[k]} {yes_no(float(arr[k]), lang)}" for k in range(arr.size))
    return lang.fmt(BRANCH, meaning=lang(meaning), value=answer)


__all__ = ["branch_text", "narrate"]
