"""Fixtures for the textbook forms of the rules (OptimizerSpec.variants), from an independent implementation.

Torch has no "η inside the velocity" or "ε inside the square root", so these forms cannot be pinned to a
framework.  They are pinned to their own definitions instead: this script implements each form the way the
course material writes it — plain Python floats, one coordinate at a time, no NumPy and nothing imported from
optim_core's update rules — and records the paths in tests/golden/variants/variants.json; the test
(tests/golden/test_variants.py) replays every case through ``optim_core.run`` at rtol 1e-7.

    python -m tools.make_variants            # writes tests/golden/variants/variants.json
    python -m tools.make_variants --check    # regenerates in memory and compares with the committed file

The surfaces' gradients are written out by hand below; the learning rate of step t (1-based) is computed here
from the schedule's definition (StepLR: η·γ^⌊(t−1)/s⌋).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "golden" / "variants" / "variants.json"

Vec = list[float]


# ------------------------------------------------------------------------------------------- surfaces
def _quadratic(p: Vec) -> Vec:  # x² + y²
    return [2 * p[0], 2 * p[1]]


def _ill_conditioned(p: Vec) -> Vec:  # ½(x² + 10 y²)
    return [p[0], 10 * p[1]]


def _rosenbrock(p: Vec) -> Vec:  # (1 − x)² + 100 (y − x²)²
    x, y = p
    return [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)]


def _booth(p: Vec) -> Vec:  # (x + 2y − 7)² + (2x + y − 5)²
    x, y = p
    a, b = x + 2 * y - 7, 2 * x + y - 5
    return [2 * a + 4 * b, 4 * a + 2 * b]


GRADIENTS: dict[str, Callable[[Vec], Vec]] = {
    "quadratic": _quadratic,
    "ill_conditioned": _ill_conditioned,
    "rosenbrock": _rosenbrock,
    "booth": _booth,
}
STARTS = {"quadratic": [-2.5, 2.0], "ill_conditioned": [-4.5, 2.0], "rosenbrock": [-1.2, 1.0], "booth": [-8.0, -6.0]}


def learning_rates(lr: float, steps: int, schedule: dict | None) -> list[float]:
    """The lr of steps 1..steps: constant, or StepLR's η·γ^⌊(t−1)/s⌋."""
    if schedule is None or schedule["name"] == "constant":
        return [lr] * steps
    if schedule["name"] == "step":
        s, g = schedule["step_size"], schedule["gamma"]
        return [lr * g ** ((t - 1) // s) for t in range(1, steps + 1)]
    raise ValueError(schedule["name"])


# ------------------------------------------------------------------------------------------- the forms
def momentum(grad, x0, lrs, *, momentum, weight_decay=0.0, lr_inside=False, ema=False, negative=False):
    """Course forms of momentum (no dampening):
    η inside:   v ← γ v + η_t ∇J,  θ ← θ − v              (negative=True: v ← β v − α_t ∇J, θ ← θ + v)
    EMA:        v ← β v + (1 − β) ∇J,  θ ← θ − η_t v      (with lr_inside: v ← β v + (1 − β) η_t ∇J, θ ← θ − v)
    torch:      b ← g (t = 1), b ← μ b + g,  θ ← θ − η_t b"""
    x = list(x0)
    v = [0.0] * len(x)
    path = [list(x)]
    for t, eta in enumerate(lrs, start=1):
        g = [gi + weight_decay * xi for gi, xi in zip(grad(x), x)]
        for i in range(len(x)):
            if ema and lr_inside:
                v[i] = momentum * v[i] + (1 - momentum) * eta * g[i]
                x[i] = x[i] - v[i]
            elif ema:
                v[i] = momentum * v[i] + (1 - momentum) * g[i]
                x[i] = x[i] - eta * v[i]
            elif lr_inside and negative:
                v[i] = momentum * v[i] - eta * g[i]
                x[i] = x[i] + v[i]
            elif lr_inside:
                v[i] = momentum * v[i] + eta * g[i]
                x[i] = x[i] - v[i]
            else:
                v[i] = g[i] if t == 1 else momentum * v[i] + g[i]
                x[i] = x[i] - eta * v[i]
        path.append(list(x))
    return path


def adam(
    grad,
    x0,
    lrs,
    *,
    beta1=0.9,
    beta2=0.999,
    eps=1e-8,
    weight_decay=0.0,
    decoupled=False,
    amsgrad=False,
    eps_inside=False,
    bias_correction=True,
):
    """Adam as written in the course material:
    m ← β₁ m + (1 − β₁) g,  v ← β₂ v + (1 − β₂) g²,  [v_max ← max(v_max, v)],
    m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)   (bias_correction; else m̂ = m, v̂ = v)
    θ ← θ − η m̂ / (√v̂ + ε)   or, ε inside, θ ← θ − η m̂ / √(v̂ + ε)
    weight decay: g ← g + λθ, or decoupled (AdamW): θ ← θ (1 − ηλ), with g taken before the decay."""
    x = list(x0)
    n = len(x)
    m, v, vmax = [0.0] * n, [0.0] * n, [0.0] * n
    path = [list(x)]
    for t, eta in enumerate(lrs, start=1):
        if decoupled:  # the gradient at θ_{t−1}, then the decay (Loshchilov & Hutter): θ ← θ(1 − ηλ) − η m̂/(…)
            g = grad(x)
            x = [xi * (1 - eta * weight_decay) for xi in x]
        else:
            g = [gi + weight_decay * xi for gi, xi in zip(grad(x), x)]
        for i in range(n):
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
            vmax[i] = max(vmax[i], v[i])
            second = vmax[i] if amsgrad else v[i]
            if bias_correction:
                m_hat, v_hat = m[i] / (1 - beta1**t), second / (1 - beta2**t)
            else:
                m_hat, v_hat = m[i], second
            denom = math.sqrt(v_hat + eps) if eps_inside else math.sqrt(v_hat) + eps
            x[i] = x[i] - eta * m_hat / denom
        path.append(list(x))
    return path


def rmsprop(grad, x0, lrs, *, alpha=0.99, eps=1e-8, momentum=0.0, centered=False, eps_inside=False):
    """v ← α v + (1 − α) g²,  [ḡ ← α ḡ + (1 − α) g,  v − ḡ²],  d = √(v + ε) (inside) or √v + ε,
    b ← μ b + g / d,  θ ← θ − η b."""
    x = list(x0)
    n = len(x)
    sq, ga, b = [0.0] * n, [0.0] * n, [0.0] * n
    path = [list(x)]
    for eta in lrs:
        g = grad(x)
        for i in range(n):
            sq[i] = alpha * sq[i] + (1 - alpha) * g[i] * g[i]
            var = sq[i]
            if centered:
                ga[i] = alpha * ga[i] + (1 - alpha) * g[i]
                var = sq[i] - ga[i] * ga[i]
            d = math.sqrt(var + eps) if eps_inside else math.sqrt(var) + eps
            b[i] = momentum * b[i] + g[i] / d
            x[i] = x[i] - eta * b[i]
        path.append(list(x))
    return path


# ------------------------------------------------------------------------------------------- cases
CASES: list[dict] = []


def case(optimizer, name, surface, steps, *, lr, schedule=None, form, **kwargs):
    """form: the function above; kwargs: its keywords. params: what optim_core.run receives."""
    lrs = learning_rates(lr, steps, schedule)
    path = form(GRADIENTS[surface], STARTS[surface], lrs, **kwargs)
    params = {"lr": lr, **{k: v for k, v in kwargs.items() if k not in ("decoupled", "negative")}}
    if optimizer == "amsgrad":
        params.pop("amsgrad", None)
    CASES.append(
        {
            "name": name,
            "optimizer": optimizer,
            "surface": surface,
            "start": STARTS[surface],
            "steps": steps,
            "schedule": schedule,
            "params": params,
            "points": path,
        }
    )


STEP = {"name": "step", "step_size": 10, "gamma": 0.5}

# momentum: η inside (and its negative-velocity spelling), EMA, both; constant lr and a step schedule
case("momentum", "lr_inside_constant", "ill_conditioned", 80, lr=0.05, form=momentum, momentum=0.9, lr_inside=True)
case(
    "momentum",
    "lr_inside_step",
    "ill_conditioned",
    80,
    lr=0.05,
    schedule=STEP,
    form=momentum,
    momentum=0.9,
    lr_inside=True,
)
case(
    "momentum",
    "negative_velocity_step",
    "ill_conditioned",
    80,
    lr=0.05,
    schedule=STEP,
    form=momentum,
    momentum=0.9,
    lr_inside=True,
    negative=True,
)
case(
    "momentum",
    "lr_inside_weight_decay_booth",
    "booth",
    60,
    lr=0.01,
    form=momentum,
    momentum=0.7,
    lr_inside=True,
    weight_decay=0.1,
)
case("momentum", "ema_quadratic", "quadratic", 80, lr=0.5, form=momentum, momentum=0.9, ema=True)
case("momentum", "ema_rosenbrock", "rosenbrock", 100, lr=0.01, form=momentum, momentum=0.8, ema=True)
case(
    "momentum",
    "ema_lr_inside_step",
    "ill_conditioned",
    80,
    lr=0.5,
    schedule=STEP,
    form=momentum,
    momentum=0.9,
    ema=True,
    lr_inside=True,
)
case("momentum", "torch_form_step", "ill_conditioned", 80, lr=0.05, schedule=STEP, form=momentum, momentum=0.9)

# Adam family: ε inside, no bias correction, both; AMSGrad, AdamW, L2 weight decay
case("adam", "eps_inside_large_eps_booth", "booth", 80, lr=0.1, form=adam, eps=0.1, eps_inside=True)
case("adam", "eps_inside_default_eps_rosenbrock", "rosenbrock", 100, lr=0.01, form=adam, eps_inside=True)
case("adam", "eps_inside_tiny_gradients_quadratic", "quadratic", 100, lr=0.05, form=adam, eps=1e-2, eps_inside=True)
case("adam", "no_bias_correction_quadratic", "quadratic", 100, lr=0.05, form=adam, bias_correction=False)
case(
    "adam",
    "no_bias_correction_eps_inside_ill",
    "ill_conditioned",
    80,
    lr=0.05,
    form=adam,
    eps=1e-3,
    bias_correction=False,
    eps_inside=True,
)
case(
    "adam",
    "eps_inside_amsgrad_weight_decay_booth",
    "booth",
    80,
    lr=0.1,
    form=adam,
    eps=0.01,
    eps_inside=True,
    amsgrad=True,
    weight_decay=0.1,
)
case(
    "adam",
    "no_bias_correction_step_rosenbrock",
    "rosenbrock",
    80,
    lr=0.02,
    schedule=STEP,
    form=adam,
    bias_correction=False,
)
case(
    "adamw",
    "eps_inside_decoupled_booth",
    "booth",
    80,
    lr=0.1,
    form=adam,
    eps=0.1,
    eps_inside=True,
    weight_decay=0.1,
    decoupled=True,
)
case(
    "adamw",
    "no_bias_correction_decoupled_quadratic",
    "quadratic",
    80,
    lr=0.05,
    form=adam,
    bias_correction=False,
    weight_decay=0.05,
    decoupled=True,
)
case("amsgrad", "eps_inside_ill", "ill_conditioned", 80, lr=0.05, form=adam, eps=0.05, eps_inside=True, amsgrad=True)
case("amsgrad", "no_bias_correction_booth", "booth", 80, lr=0.1, form=adam, bias_correction=False, amsgrad=True)

# RMSprop: ε inside (plain, centered with momentum), Hinton's decay 0.9
case("rmsprop", "eps_inside_booth", "booth", 80, lr=0.05, form=rmsprop, eps=0.01, eps_inside=True)
case(
    "rmsprop",
    "eps_inside_centered_momentum_ill",
    "ill_conditioned",
    80,
    lr=0.01,
    form=rmsprop,
    eps=1e-3,
    eps_inside=True,
    centered=True,
    momentum=0.5,
)
case("rmsprop", "decay_0_9_rosenbrock", "rosenbrock", 100, lr=0.005, form=rmsprop, alpha=0.9)


def build() -> str:
    text = '{"generated_by": "tools/make_variants.py", "cases": [\n'
    text += ",\n".join(json.dumps(c, separators=(",", ":")) for c in CASES) + "\n]}\n"
    return text


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="compare with the committed file; do not write")
    args = ap.parse_args(argv)
    text = build()
    if args.check:
        same = OUT.exists() and OUT.read_text() == text
        print("up to date" if same else f"{OUT.relative_to(ROOT)} differs from what this script generates")
        return 0 if same else 1
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text)
    print(f"wrote {OUT.relative_to(ROOT)}: {len(CASES)} cases, {len(text) / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
