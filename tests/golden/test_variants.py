"""The textbook forms of the rules (OptimizerSpec.variants), pinned to their own definitions.

tests/golden/variants/variants.json holds paths computed by tools/make_variants.py, an independent plain-Python
implementation of each form as the course material writes it (no NumPy, nothing from optim_core's rules).
Every case is replayed through optim_core.run; the relations the Learn tab states between the forms and
torch's are checked on real runs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from optim_core import OPTIMIZERS, run

DOC = json.loads((Path(__file__).resolve().parent / "variants" / "variants.json").read_text())
CASES = DOC["cases"]


@pytest.mark.parametrize("case", CASES, ids=[f"{c['optimizer']}-{c['name']}" for c in CASES])
def test_variant_matches_its_independent_definition(case):
    res = run(
        case["surface"], case["optimizer"], case["start"], case["steps"], schedule=case["schedule"], **case["params"]
    )
    assert res.diverged_at[0] == -1
    np.testing.assert_allclose(res.points[:, 0], np.array(case["points"]), rtol=1e-7, atol=1e-12)


def test_every_variant_switch_and_every_declared_variant_is_pinned():
    switched = {
        (c["optimizer"], k)
        for c in CASES
        for k, v in c["params"].items()
        if OPTIMIZERS[c["optimizer"]].param(k).variant and v != OPTIMIZERS[c["optimizer"]].param(k).default
    }
    for spec in OPTIMIZERS.values():
        for p in spec.hyperparams:
            if p.variant:
                assert (spec.id, p.name) in switched, f"{spec.id}.{p.name} has no independent fixture"
        for v in spec.variants:
            assert any(
                c["optimizer"] == spec.id and all(c["params"].get(k) == val for k, val in v.params.items())
                for c in CASES
            ), f"{spec.id} variant {v.id} has no fixture"


def test_the_fixture_file_is_what_the_generator_writes():
    from tools import make_variants

    assert make_variants.OUT.read_text() == make_variants.build()


# ------------------------------------------------------------------ when the forms agree with torch's, and when not
def _case(name):
    return next(c for c in CASES if c["name"] == name)


def test_lr_inside_equals_torch_under_a_constant_lr_and_not_under_a_schedule():
    start, kw = (-4.5, 2.0), {"lr": 0.05, "momentum": 0.9}
    torch_form = run("ill_conditioned", "momentum", start, 80, **kw)
    inside = run("ill_conditioned", "momentum", start, 80, lr_inside=True, **kw)
    np.testing.assert_allclose(inside.points, torch_form.points, rtol=1e-12, atol=1e-14)
    step = {"name": "step", "step_size": 10, "gamma": 0.5}
    torch_form = run("ill_conditioned", "momentum", start, 80, schedule=step, **kw)
    inside = run("ill_conditioned", "momentum", start, 80, schedule=step, lr_inside=True, **kw)
    assert np.abs(inside.points - torch_form.points).max() > 0.1
    # the negative-velocity spelling is the same path (its fixture comes from v ← βv − α∇J, θ ← θ + v)
    np.testing.assert_allclose(_case("negative_velocity_step")["points"], _case("lr_inside_step")["points"], rtol=1e-12)


def test_ema_equals_torch_form_with_lr_times_one_minus_beta():
    ema = run("rosenbrock", "momentum", (-1.2, 1.0), 100, lr=0.01, momentum=0.8, ema=True)
    scaled = run("rosenbrock", "momentum", (-1.2, 1.0), 100, lr=0.01 * (1 - 0.8), momentum=0.8)
    np.testing.assert_allclose(ema.points, scaled.points, rtol=1e-10)


def test_variant_switches_may_differ_per_run_in_one_call():
    """A batch mixing torch's form and textbook forms gives each run its own path (the forms are per trajectory)."""
    step = {"name": "step", "step_size": 10, "gamma": 0.5}
    flags = np.array([False, True, False, True])
    ema = np.array([False, False, True, True])
    both = run(
        "ill_conditioned", "momentum", (-4.5, 2.0), 60, schedule=step, lr=0.05, momentum=0.9, lr_inside=flags, ema=ema
    )
    for b in range(4):
        one = run(
            "ill_conditioned",
            "momentum",
            (-4.5, 2.0),
            60,
            schedule=step,
            lr=0.05,
            momentum=0.9,
            lr_inside=bool(flags[b]),
            ema=bool(ema[b]),
        )
        np.testing.assert_array_equal(both.points[:, b], one.points[:, 0])
    eps_in = np.array([False, True])
    mixed = run(
        "booth", "adam", (-8.0, -6.0), 50, lr=0.1, eps=0.1, eps_inside=eps_in, bias_correction=np.array([True, False])
    )
    for b, (e, c) in enumerate([(False, True), (True, False)]):
        one = run("booth", "adam", (-8.0, -6.0), 50, lr=0.1, eps=0.1, eps_inside=e, bias_correction=c)
        np.testing.assert_array_equal(mixed.points[:, b], one.points[:, 0])


def test_variant_switches_never_reach_the_reference_keywords():
    spec = OPTIMIZERS["adam"]
    from optim_core import resolve_params

    resolved = resolve_params(spec, {"eps_inside": True}, 1)
    assert "eps_inside" not in spec.reference_kwargs(resolved) and "bias_correction" not in spec.reference_kwargs(
        resolved
    )
    assert spec.variant_settings(resolved) == {"eps_inside": True}
    assert spec.variant_settings(resolve_params(spec, {}, 1)) == {}
