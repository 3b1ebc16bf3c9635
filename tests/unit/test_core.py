"""optim_core: declarations, vectorization, divergence, schedules, noise, clipping, surfaces."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from optim_core import DIVERGENCE_BOUND, MAX_STEPS, OPTIMIZERS, SCHEDULES, SpecError, lr_factors, run
from surfaces import BUILTINS, CURVES, SURFACES, SurfaceError, get_surface

ROOT = Path(__file__).resolve().parents[2]
EXPECTED_IDS = list(OPTIMIZERS)  # every parametrized test below follows the registry


# ----------------------------------------------------------------------------- declarations
def test_the_documented_fifteen_are_declared_once_with_teaching_text():
    documented = "sgd momentum nesterov adagrad rmsprop adadelta adam adamw amsgrad nadam radam adamax ftrl swats lion"
    assert documented.split() == list(OPTIMIZERS)[:15]  # the README's list, in the app's order
    for spec in OPTIMIZERS.values():
        assert spec.latex.strip() and spec.explanation and spec.when_to_use and spec.reference
        assert len(spec.pros) >= 2 and len(spec.cons) >= 2 and all(isinstance(x, str) for x in spec.pros + spec.cons)
        assert spec.hyperparams[0].name == "lr"
        for p in spec.hyperparams:
            assert p.validate(p.default) == p.default, f"{spec.id}.{p.name} default outside its own range"
            if p.kind != "bool":
                lo, hi = p.slider_range()
                p.check_array(np.array([lo, hi]))  # the slider never offers an invalid value
                assert lo < hi


@pytest.mark.parametrize(
    "oid,expected",
    [
        ("sgd", {"lr": 1e-3, "weight_decay": 0.0}),
        ("adam", {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0, "amsgrad": False}),
        ("adamw", {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 1e-2, "amsgrad": False}),
        ("adagrad", {"lr": 1e-2, "lr_decay": 0.0, "weight_decay": 0.0, "initial_accumulator_value": 0.0, "eps": 1e-10}),
        ("rmsprop", {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0, "momentum": 0.0, "centered": False}),
        ("adadelta", {"lr": 1.0, "rho": 0.9, "eps": 1e-6, "weight_decay": 0.0}),
        (
            "nadam",
            {
                "lr": 2e-3,
                "betas": (0.9, 0.999),
                "eps": 1e-8,
                "weight_decay": 0.0,
                "momentum_decay": 4e-3,
                "decoupled_weight_decay": False,
            },
        ),
        ("nesterov", {"lr": 1e-3, "momentum": 0.9, "weight_decay": 0.0, "nesterov": True}),
        ("amsgrad", {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0, "amsgrad": True}),
        (
            "lion",
            {"lr": 1e-4, "betas": (0.9, 0.99), "weight_decay": 0.0, "weight_decouple": True, "fixed_decay": False},
        ),
        ("ftrl", {"lr": 1e-3, "lr_power": -0.5, "beta": 0.0, "lambda_1": 0.0, "lambda_2": 0.0}),
    ],
)
def test_reference_names_and_defaults(oid, expected):
    spec = OPTIMIZERS[oid]
    assert spec.reference_kwargs(spec.defaults()) == expected


def test_every_schedule_declared_with_latex():
    assert list(SCHEDULES) == ["constant", "step", "exponential", "cosine", "warmup_cosine"]
    for s in SCHEDULES.values():
        assert s.latex and s.explanation


# ----------------------------------------------------------------------------- vectorization
def _random_params(spec, rng, batch):
    """In-range hyperparameters, a different value per trajectory."""
    out = {}
    for p in spec.hyperparams:
        if p.kind == "bool":
            out[p.name] = rng.random(batch) < 0.5
        elif p.name == "lr":
            out[p.name] = 10 ** rng.uniform(-4, -2, batch)
        elif p.name == "eps":
            out[p.name] = 10 ** rng.uniform(-8, -1, batch)
        else:
            lo, hi = p.slider_range()
            hi = (
                min(hi, 0.5)
                if p.name
                in (
                    "weight_decay",
                    "lambda_1",
                    "lambda_2",
                    "beta",
                    "lr_decay",
                    "initial_accumulator_value",
                    "momentum_decay",
                )
                else hi
            )
            if p.high_open:
                hi = min(hi, p.high - 1e-3)
            out[p.name] = rng.uniform(lo, hi, batch)
    return out


@pytest.mark.parametrize("oid", EXPECTED_IDS)
def test_batch_equals_individual_runs(oid):
    """One call with per-trajectory hyperparameter arrays equals B separate calls, exactly."""
    rng = np.random.default_rng(abs(hash(oid)) % 2**32)
    spec = OPTIMIZERS[oid]
    batch = 6
    params = _random_params(spec, rng, batch)
    starts = rng.uniform(-2, 2, (batch, 2))
    together = run("beale", oid, starts, 60, **params)
    for b in range(batch):
        alone = run("beale", oid, starts[b], 60, **{k: v[b] for k, v in params.items()})
        np.testing.assert_allclose(together.points[:, b], alone.points[:, 0], rtol=1e-12, atol=1e-14)
        assert together.diverged_at[b] == alone.diverged_at[0]


def test_single_start_broadcasts_against_parameter_arrays():
    lrs = np.array([1e-3, 1e-2, 1e-1])
    t = run("quadratic", "sgd", (1.0, 1.0), 5, lr=lrs)
    assert t.points.shape == (6, 3, 2)
    for b, lr in enumerate(lrs):
        np.testing.assert_allclose(t.points[1, b], np.array([1.0, 1.0]) * (1 - 2 * lr))


# ----------------------------------------------------------------------------- divergence
def test_divergence_is_reported_and_path_stops_at_last_finite_point():
    # f = x² + y² has L = 2: SGD is stable iff lr < 1. lr = 1.5 multiplies the point by -2 each step.
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no NumPy floating-point warning may escape
        t = run("quadratic", "sgd", (1.0, 1.0), 100, lr=1.5)
    d = t.diverged_step(0)
    # |p_k| = sqrt(2)·2^k > 1e6 first at k = 20
    assert d == 20
    assert t.reasons[0].startswith("it left the bound")
    np.testing.assert_array_equal(t.points[d:, 0], np.repeat(t.points[d - 1 : d, 0], t.steps - d + 1, axis=0))
    assert np.isfinite(t.points).all() and np.isfinite(t.loss).all() and np.isfinite(t.grad_norm).all()
    assert math.hypot(*t.points[-1, 0]) <= DIVERGENCE_BOUND


def test_overflow_to_infinity_is_divergence_without_nan():
    t = run("rosenbrock", "sgd", (-1.2, 1.0), 200, lr=1e3)
    assert t.diverged_at[0] >= 1
    assert np.isfinite(t.points).all() and np.isfinite(t.loss).all()


def test_undefined_region_is_divergence():
    # log(x) is undefined for x ≤ 0: a large step across 0 must be reported, not turned into NaN.
    t = run("log(x) + y^2 + x^2", "sgd", (0.5, 1.0), 50, lr=2.0)
    assert t.diverged_at[0] >= 1
    assert "not defined" in t.reasons[0] or "gradient" in t.reasons[0] or "bound" in t.reasons[0]
    assert np.isfinite(t.loss).all()


def test_converging_runs_report_no_divergence():
    t = run("quadratic", "sgd", (1.0, 1.0), 100, lr=0.1)
    assert t.diverged_at[0] == -1 and t.reasons[0] is None
    assert t.loss[-1, 0] < 1e-15


# ----------------------------------------------------------------------------- schedules, noise, clipping
def test_schedule_factors_closed_forms():
    np.testing.assert_allclose(lr_factors({"name": "step", "step_size": 2, "gamma": 0.5}, 5), [1, 1, 0.5, 0.5, 0.25])
    np.testing.assert_allclose(lr_factors({"name": "exponential", "gamma": 0.9}, 3), [1, 0.9, 0.81])
    np.testing.assert_allclose(
        lr_factors({"name": "cosine", "T_max": 4}, 5), [1, 0.853553, 0.5, 0.146447, 0], atol=1e-6
    )
    w = lr_factors({"name": "warmup_cosine", "warmup_steps": 4, "start_factor": 0.2, "T_max": 4}, 8)
    np.testing.assert_allclose(w[:5], [0.2, 0.4, 0.6, 0.8, 1.0])
    assert w[-1] < w[5] < 1.0


def test_schedule_scales_the_sgd_step():
    t = run("quadratic", "sgd", (1.0, 0.0), 3, lr=0.1, schedule={"name": "step", "step_size": 1, "gamma": 0.5})
    # x_{t} = x_{t-1} (1 - 2 lr_t) with lr_t = 0.1, 0.05, 0.025
    np.testing.assert_allclose(t.points[1:, 0, 0], np.cumprod([0.8, 0.9, 0.95]))


def test_noise_is_seeded_and_zero_noise_is_exact():
    a = run("quadratic", "sgd", (1.0, 1.0), 50, lr=0.05, noise={"std": 0.5, "seed": 7})
    b = run("quadratic", "sgd", (1.0, 1.0), 50, lr=0.05, noise={"std": 0.5, "seed": 7})
    c = run("quadratic", "sgd", (1.0, 1.0), 50, lr=0.05, noise={"std": 0.5, "seed": 8})
    clean = run("quadratic", "sgd", (1.0, 1.0), 50, lr=0.05)
    np.testing.assert_array_equal(a.points, b.points)
    assert not np.allclose(a.points, c.points)
    np.testing.assert_array_equal(run("quadratic", "sgd", (1.0, 1.0), 50, lr=0.05, noise=0.0).points, clean.points)
    # the exact gradient norm is reported, not the noisy one
    np.testing.assert_allclose(a.grad_norm, 2 * np.linalg.norm(a.points, axis=2))


def test_clipping_bounds_every_step():
    t = run("rosenbrock", "sgd", (-1.2, 1.0), 20, lr=0.01, clip=1.0)
    steps = np.linalg.norm(np.diff(t.points[:, 0], axis=0), axis=1)
    assert (steps <= 0.01 * 1.0 + 1e-12).all()
    assert steps[0] == pytest.approx(0.01, rel=1e-5)  # the first gradient (norm 232) is clipped to 1


# ----------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "kwargs,fragment",
    [
        ({"lr": 0.0}, "lr must be in (0, inf)"),
        ({"lr": -1.0}, "lr must be in"),
        ({"beta1": 1.0}, "beta1 must be in [0, 1)"),
        ({"betas": (0.9,)}, "betas takes 2 values"),
        ({"eps": float("nan")}, "eps must be finite"),
        ({"momentum": 0.9}, "adam has no hyperparameter 'momentum'"),
        ({"amsgrad": "maybe"}, "amsgrad must be true or false"),
    ],
)
def test_bad_hyperparameters_one_line(kwargs, fragment):
    with pytest.raises(SpecError) as e:
        run("quadratic", "adam", (1.0, 1.0), 5, **kwargs)
    assert fragment in str(e.value) and "\n" not in str(e.value)


def test_bad_run_arguments():
    for kwargs, fragment in [
        ({"steps": 0}, "steps must be"),
        ({"steps": MAX_STEPS + 1}, "steps must be"),
        ({"optimizer": "adamm"}, "unknown optimizer"),
        ({"starts": (np.inf, 0)}, "finite"),
        ({"starts": (1, 2, 3)}, "shape"),
    ]:
        args = {"surface": "quadratic", "optimizer": "sgd", "starts": (1.0, 1.0), "steps": 5} | kwargs
        with pytest.raises(SpecError, match=fragment):
            run(args.pop("surface"), args.pop("optimizer"), args.pop("starts"), args.pop("steps"))


# ----------------------------------------------------------------------------- surfaces
@pytest.mark.parametrize("sid", list(SURFACES))
def test_builtin_minima_are_stationary_local_minima(sid):
    s = get_surface(sid)
    assert s.dim == SURFACES[sid].dim and len(s.domain) == s.dim and len(s.start) == s.dim
    # a dataset surface's f is a sum over its data: logreg has no formula a user could type
    assert (s.formula or SURFACES[sid].finite_sum) and s.tex and s.domain[0][0] < s.domain[0][1]
    assert np.isfinite(s.value(np.array(s.start))) and np.isfinite(s.gradient(np.array(s.start))).all()
    if s.dim == 2:
        xs, ys, z = s.grid(60)
    else:
        xs, z = s.curve(60)
    assert np.isfinite(z).all()
    for m in s.minima:
        g = s.gradient(np.array(m))
        assert np.linalg.norm(g) < 1e-3 * max(1.0, np.abs(s.value(np.array(m)))), (sid, m, g)
        if sid != "ackley":  # Ackley's minimum is a kink: no Hessian there
            assert (np.linalg.eigvalsh(s.hessian(m)) > 0).all(), (sid, m)


def test_eleven_surfaces_four_curves_and_curvature_bound():
    assert len(BUILTINS) == 11 and all(e.dim == 2 for e in BUILTINS.values())
    assert list(CURVES) == ["parabola", "asymmetric_bowl", "xcos", "double_well"]
    assert all(e.dim == 1 for e in CURVES.values()) and list(SURFACES) == [*BUILTINS, "linreg", "logreg", *CURVES]
    assert get_surface("quadratic").curvature_bound() == pytest.approx(2.0)
    assert get_surface("ill_conditioned", kappa=50).curvature_bound() == pytest.approx(50.0)
    assert get_surface("booth").curvature_bound() == pytest.approx(18.0)
    assert get_surface("rosenbrock").curvature_bound() is None


def test_betas_as_a_list_is_one_tuple_not_two_runs():
    # JSON gives lists: betas=[0.9, 0.99] is torch's tuple, not a per-run array of length 2.
    as_list = run("rosenbrock", "adam", (-1.2, 1.0), 20, betas=[0.9, 0.99])
    as_tuple = run("rosenbrock", "adam", (-1.2, 1.0), 20, betas=(0.9, 0.99))
    assert as_list.points.shape == (21, 1, 2)
    np.testing.assert_array_equal(as_list.points, as_tuple.points)


def test_a_tuple_member_can_be_a_per_run_array():
    beta1 = np.array([0.8, 0.9, 0.95])
    t = run("rosenbrock", "adam", (-1.2, 1.0), 20, betas=(beta1, 0.999))
    assert t.points.shape == (21, 3, 2)
    for b, v in enumerate(beta1):
        alone = run("rosenbrock", "adam", (-1.2, 1.0), 20, beta1=v, beta2=0.999)
        np.testing.assert_array_equal(t.points[:, b], alone.points[:, 0])


# ----------------------------------------------------------------------------- 1-D curves
def test_a_formula_in_x_from_one_number_is_a_curve():
    t = run("x**2", "sgd", 2.0, 50, lr=0.1)
    assert t.dim == 1 and t.surface.dim == 1 and t.points.shape == (51, 1, 1)
    np.testing.assert_allclose(t.points[:, 0, 0], 2.0 * 0.8 ** np.arange(51), rtol=1e-12)
    np.testing.assert_allclose(t.grad_norm[:, 0], 2 * np.abs(t.points[:, 0, 0]), rtol=1e-15)
    two = run("x**2", "sgd", [[2.0], [-1.0]], 50, lr=0.1)
    assert two.points.shape == (51, 2, 1)
    np.testing.assert_array_equal(two.points[:, 0], t.points[:, 0])
    np.testing.assert_allclose(two.points[:, 1, 0], -1.0 * 0.8 ** np.arange(51), rtol=1e-12)
    # the same text from two numbers stays the 2-D valley it always was
    valley = run("x**2", "sgd", (2.0, 1.0), 5, lr=0.1)
    assert valley.dim == 2 and valley.surface.dim == 2
    np.testing.assert_array_equal(valley.points[:, 0, 1], 1.0)


def test_dimension_mismatch_is_a_one_line_error():
    with pytest.raises(SpecError, match="Parabola is 1-D"):
        run("parabola", "sgd", (1.0, 2.0), 5)
    with pytest.raises(SpecError, match="Rosenbrock is 2-D"):
        run("rosenbrock", "sgd", 1.0, 5)
    with pytest.raises(SurfaceError, match="in x alone"):
        run("x + y", "sgd", 1.0, 5)
    with pytest.raises(SpecError, match="shape"):
        run("parabola", "sgd", np.zeros((2, 3)), 5)


@pytest.mark.parametrize("oid", EXPECTED_IDS)
def test_a_curve_runs_like_the_x_axis_of_a_separable_surface(oid):
    """Every optimizer on the double well f(x) equals its x-coordinate on f(x) + y² started at y = 0."""
    curve = run("double_well", oid, [[1.8], [-1.9]], 80, lr=0.02, schedule="cosine")
    surface = run("(x^2 - 1)^2 + 0.3*x + y^2", oid, [[1.8, 0.0], [-1.9, 0.0]], 80, lr=0.02, schedule="cosine")
    np.testing.assert_allclose(curve.points[..., 0], surface.points[..., 0], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(curve.loss, surface.loss, rtol=1e-12, atol=1e-14)
    assert (curve.diverged_at == surface.diverged_at).all()


def test_parabola_shows_slow_good_one_step_oscillating_and_diverging_learning_rates():
    """x² has L = 2: stable iff lr < 2/L = 1.  From x = 2: x_k = 2 (1 − 2 lr)^k."""
    x = {
        lr: run("parabola", "sgd", get_surface("parabola").start, 60, lr=lr).points[:, 0, 0]
        for lr in (0.01, 0.1, 0.5, 0.9)
    }
    assert get_surface("parabola").start == (2.0,) and get_surface("parabola").curvature_bound() == 2.0
    assert x[0.01][-1] > 0.5  # slow: still far after 60 steps
    assert (np.diff(x[0.1]) < 0).all() and x[0.1][-1] < 1e-5  # smooth, monotone convergence
    assert x[0.5][1] == 0.0  # lr = 1/L lands on the minimum in one step
    assert (np.sign(x[0.9][1:11]) == np.array([-1, 1] * 5)).all()  # oscillates across the minimum ...
    assert (np.abs(np.diff(np.abs(x[0.9]))) > 0).all() and abs(x[0.9][-1]) < 1e-4  # ... shrinking
    diverged = run("parabola", "sgd", 2.0, 200, lr=1.1)
    assert diverged.diverged_step(0) == int(np.ceil(np.log(1e6 / 2) / np.log(1.2))) + 0
    assert diverged.reasons[0] == "it left the bound |x| ≤ 1e+06"


def test_curves_have_the_minima_their_lessons_need():
    bowl = get_surface("asymmetric_bowl")
    assert len(bowl.minima) == 1 and abs(bowl.minima[0][0]) < 1e-12
    assert abs(bowl.gradient(np.array([[2.0]]))[0, 0]) > 5 * abs(bowl.gradient(np.array([[-2.0]]))[0, 0])
    xc = get_surface("xcos")
    assert xc.domain == ((-1.0, 2.0),) and xc.params == {"c": math.pi} and len(xc.minima) == 2
    global_, local = (float(xc.value(np.array(m))) for m in xc.minima)
    assert global_ < local < 0  # the first minimum listed is the lowest
    np.testing.assert_allclose([m[0] for m in xc.minima], [1.0904082219, -0.2738526868], atol=1e-9)
    xc2 = get_surface("xcos", c=2.0)
    assert xc2.domain[0] == pytest.approx((-math.pi / 2, math.pi)) and xc2.minima != xc.minima
    well = get_surface("double_well")
    deep, shallow = (float(well.value(np.array(m))) for m in well.minima)
    assert len(well.minima) == 2 and deep < shallow
    assert well.minima[0][0] < 0 < well.minima[1][0]
    # from its start plain gradient descent settles in the shallow well
    t = run("double_well", "sgd", well.start, 500, lr=0.01)
    assert abs(t.points[-1, 0, 0] - well.minima[1][0]) < 1e-6


def test_typed_curve_finds_its_minima_and_a_start():
    c = get_surface("x^4 - 2*x^2 + 0.5*x", dim=1)
    assert c.dim == 1 and c.domain == ((-5.0, 5.0),) and len(c.minima) == 2
    for m in c.minima:
        assert abs(c.gradient(np.array(m))[0]) < 1e-9 and c.hessian(m)[0, 0] > 0
    assert -5 < c.start[0] < 5 and min(abs(c.start[0] - m[0]) for m in c.minima) > 1.0
    assert get_surface("x^2 + 1", dim=1).curvature_bound() == pytest.approx(2.0)
    with pytest.raises(SurfaceError, match="in x alone"):
        get_surface("x*y", dim=1)


def test_explore_works_on_a_curve():
    from optim_core.explore import basins, ensemble, sweep

    res = sweep("parabola", "momentum", 2.0, 100, "lr", [0.01, 0.1, 1.5], "momentum", [0.0, 0.5])
    assert res.final_point.shape == (2, 3, 1) and res.start == (2.0,)
    alone = run("parabola", "momentum", 2.0, 100, lr=0.1, momentum=0.5)
    assert res.final_loss[1, 1] == alone.loss[-1, 0] and res.diverged[0, 2] and not res.diverged[0, 0]
    b = basins("double_well", "sgd", 300, params={"lr": 0.02}, grid_n=41)
    assert b.labels.shape == (1, 41) and b.final_point.shape == (1, 41, 1) and b.window == ((-2.0, 2.0),)
    # starts left of the hump (x ≈ 0.075) reach the deep well (minimum 0), right of it the shallow one (1)
    assert (b.labels[0, b.xs < -0.1] == 0).all() and (b.labels[0, b.xs > 0.2] == 1).all()
    e = ensemble("parabola", "sgd", [2.0], 50, params={"lr": 0.1}, n_runs=20, noise_std=0.5)
    assert e.end_points.shape == (20, 1) and e.full_points.shape == (51, 1)


# ----------------------------------------------------------------------------- safe and steady
def test_huge_but_finite_gradients_are_not_divergence():
    """|∇f| > ~1e154 used to overflow sqrt(gx² + gy²): runs were stopped a step early, the norm showed 1.8e308."""
    # Lion moves by exactly lr: x = 300, 310, ... The gradient e^x passes 1e154 at x = 360 (finite), and f
    # itself overflows only at x = 710 (step 41): that is where the run diverges.
    t = run("-exp(x) + y^2", "lion", (300.0, 0.0), 45, lr=10.0)
    assert t.diverged_step(0) == 41 and t.reasons[0] == "f is not defined (or overflows) at the new position"
    assert t.points[40, 0, 0] == 700.0
    assert t.grad_norm[40, 0] == pytest.approx(math.exp(700), rel=1e-12)
    assert t.grad_norm[6, 0] == pytest.approx(math.exp(360), rel=1e-12)
    # Adam from (360, 0) was refused at the start; its v = (1−β2)g² overflows as in torch, so it stays put.
    a = run("exp(x)+y^2", "adam", (360.0, 0.0), 20, lr=0.1)
    assert a.diverged_at[0] == -1 and a.reasons[0] is None
    assert a.grad_norm[0, 0] == pytest.approx(math.exp(360), rel=1e-12)
    assert np.isfinite(a.loss).all() and (a.points[:, 0] == [360.0, 0.0]).all()


def test_clipping_uses_a_norm_that_does_not_overflow():
    # ∇f = (e^360, 0): the clipped gradient is the unit vector (an overflowing norm would zero it)
    t = run("exp(x) + y^2", "sgd", (360.0, 0.0), 20, lr=0.5, clip=1.0)
    assert t.diverged_at[0] == -1
    np.testing.assert_allclose(t.points[:, 0, 0], 360.0 - 0.5 * np.arange(21), rtol=0, atol=1e-9)
    # components of 1e200 in both axes: norm sqrt(2)·1e200, each clipped component 1/sqrt(2)
    import sympy as sp

    from surfaces import Surface, X, Y

    steep = Surface(id="steep", name="steep", expr=sp.Float(1e200) * (X + Y), domain=((-1.0, 1.0), (-1.0, 1.0)))
    t = run(steep, "sgd", (0.0, 0.0), 3, lr=1.0, clip=1.0)
    np.testing.assert_allclose(t.points[1, 0], [-(2**-0.5), -(2**-0.5)], rtol=1e-12)
    np.testing.assert_allclose(t.grad_norm[0, 0], math.sqrt(2) * 1e200, rtol=1e-12)


def test_grad_norm_helper_matches_hypot_without_overflow_or_underflow():
    from optim_core.trajectory import grad_norm

    g = np.array([[3.0, 1e200, 1e-170, 0.0, 1.5e308, np.nan, np.inf], [4.0, 1e200, 1e-170, 0.0, 1.5e308, 1.0, 1.0]])
    n = grad_norm(g)
    np.testing.assert_allclose(n[:3], [5.0, math.sqrt(2) * 1e200, math.sqrt(2) * 1e-170], rtol=1e-15)
    assert n[3] == 0.0 and n[4] == np.inf and np.isnan(n[5]) and not np.isfinite(n[6])
    # where the plain formula is safe, it is used as is (bit for bit)
    rng = np.random.default_rng(0)
    h = rng.normal(size=(2, 1000)) * 10 ** rng.uniform(-100, 100, (2, 1000))
    plain = np.sqrt(h[0] * h[0] + h[1] * h[1])
    safe = (plain > 1e-140) & (plain < 1e150)
    np.testing.assert_array_equal(grad_norm(h)[safe], plain[safe])
    np.testing.assert_allclose(grad_norm(h), np.hypot(h[0], h[1]), rtol=1e-15)


def _symbolic_hessian(s, point):
    """Test-only reference: SymPy's Hessian of a built-in, evaluated at one point."""
    import sympy as sp

    h = sp.hessian(s.expr, s.symbols)
    subs = dict(zip(s.symbols, point))
    return np.array(h.subs(subs).evalf(30), dtype=float)


@pytest.mark.parametrize("sid", list(SURFACES))
def test_finite_difference_hessian_matches_the_symbolic_one(sid):
    s = get_surface(sid)
    lo = np.array([a for a, _ in s.domain])
    hi = np.array([b for _, b in s.domain])
    points = [np.array(s.start), *map(np.array, s.minima), lo + 0.31 * (hi - lo), lo + 0.77 * (hi - lo)]
    for p in points:
        if sid == "ackley" and np.hypot(*p) < 1e-3:
            continue  # the kink at Ackley's minimum has no Hessian
        h = s.hessian(p)
        ref = _symbolic_hessian(s, p)
        assert h.shape == (s.dim, s.dim)
        scale = max(1.0, np.abs(ref).max())
        np.testing.assert_allclose(h, ref, rtol=1e-6, atol=1e-6 * scale, err_msg=f"{sid} at {p}")


def test_hessian_never_raises_on_plain_floats():
    s = get_surface("1/x + 1/y")
    h = s.hessian((0.0, 0.0))  # a pole: values are not finite, but no ZeroDivisionError
    assert h.shape == (2, 2) and not np.isfinite(h).all()
    assert np.isfinite(get_surface("1/x + y^2").hessian([2.0, 1.0])).all()
    c = get_surface("1/x", dim=1)
    assert c.hessian(0.0).shape == (1, 1) and c.hessian(2.0)[0, 0] == pytest.approx(0.25, rel=1e-8)


def test_no_symbolic_second_derivative_anywhere(monkeypatch):
    """curvature_bound and hessian are decided from the compiled gradient alone."""
    import sympy as sp

    from surfaces import custom_surface

    def forbidden(*args, **kwargs):
        raise AssertionError("a symbolic Hessian was computed")

    monkeypatch.setattr(sp, "hessian", forbidden)
    monkeypatch.setattr(sp.matrices.MatrixBase, "jacobian", forbidden)
    custom_surface.cache_clear()
    s = get_surface("sinh(sinh(log(y)**100))+sinh(sinh(log(x)**100))")
    assert s.curvature_bound() is None
    assert s.hessian((1.2, 1.3)).shape == (2, 2)
    for text, expected in [("3*x^2 + x*y + 2*y^2 - x", 6.0 + 0.0), ("x^2 + 10*y^2", 20.0), ("x^2", 2.0)]:
        bound = get_surface(text).curvature_bound()
        h = np.array([[6.0, 1.0], [1.0, 4.0]]) if text.startswith("3") else None
        want = float(np.linalg.eigvalsh(h).max()) if h is not None else expected
        assert bound == pytest.approx(want, rel=1e-12), text
    assert get_surface("x^2 + y^4").curvature_bound() is None
    assert get_surface("x^2 + 1e-3*x^3").curvature_bound() is None


def test_curvature_bound_is_exact_for_the_built_in_quadratics():
    assert get_surface("quadratic").curvature_bound() == 2.0
    assert get_surface("ill_conditioned").curvature_bound() == 10.0
    assert get_surface("ill_conditioned", kappa=50).curvature_bound() == 50.0
    assert get_surface("booth").curvature_bound() == pytest.approx(18.0, rel=1e-15)
    assert get_surface("parabola").curvature_bound() == 2.0
    for sid in ("rosenbrock", "beale", "himmelblau", "rastrigin", "ackley", "xcos", "double_well"):
        assert get_surface(sid).curvature_bound() is None, sid


def test_reasons_translate_through_the_catalogue():
    import i18n

    table = {
        "it left the bound |(x, y)| ≤ {bound}": "离开了边界 {bound}",
        "the position overflowed to infinity": "溢出",
    }

    class Catalogue(i18n.Lang):
        def gettext(self, text):
            return table.get(text, text)

    zh = Catalogue("zh", None)
    t = run("quadratic", "sgd", (1.0, 1.0), 100, lr=1.5)
    assert t.reason(0) == "it left the bound |(x, y)| ≤ 1e+06"
    assert t.reason(0, zh) == "离开了边界 1e+06"
    assert run("quadratic", "sgd", (1.0, 1.0), 5, lr=0.1).reason(0, zh) is None


# ----------------------------------------------------------------------------- recorded state
@pytest.mark.parametrize("oid", EXPECTED_IDS)
def test_recording_the_state_changes_nothing_else(oid):
    kwargs = dict(lr=np.array([1e-3, 1e-2]), schedule="cosine", clip=5.0, noise={"std": 0.1, "seed": 1})
    plain = run("beale", oid, [(1.0, 1.5), (-1.0, 0.5)], 50, **kwargs)
    rec = run("beale", oid, [(1.0, 1.5), (-1.0, 0.5)], 50, record_state=True, **kwargs)
    assert plain.record is None and rec.record is not None
    for name in ("points", "loss", "grad_norm", "diverged_at", "lr"):
        np.testing.assert_array_equal(getattr(plain, name), getattr(rec, name))
    r = rec.record
    spec = OPTIMIZERS[oid]
    assert r.grad.shape == (50, 2, 2) and r.lr.shape == (50, 2) and r.delta.shape == r.eff_lr.shape == (50, 2, 2)
    assert list(r.state) == [b.name for b in spec.buffers]
    assert list(r.indicators) == [i.name for i in spec.indicators]
    for b in spec.buffers:
        assert r.state[b.name].shape == ((50, 2, 2) if b.per == "coordinate" else (50, 2))
    for i in spec.indicators:
        v = r.indicators[i.name]
        assert v.shape == ((50, 2, 2) if i.per == "coordinate" else (50, 2)) and v.dtype == float
        if i.flag:
            assert np.isin(v[~np.isnan(v)], (0.0, 1.0)).all()


def test_recorded_gradient_is_after_noise_and_clipping_before_weight_decay():
    t = run("quadratic", "sgd", (3.0, 4.0), 3, lr=0.1, clip=1.0, weight_decay=0.5, record_state=True)
    g = t.record.grad[:, 0]
    np.testing.assert_allclose(np.linalg.norm(g, axis=1), 1.0, rtol=1e-6)  # clipped to norm 1 (|∇f| = 10)
    np.testing.assert_allclose(g[0], [0.6, 0.8], rtol=1e-6)
    # weight decay is the optimizer's own: θ1 = θ0 − lr (g + λ θ0)
    np.testing.assert_allclose(t.points[1, 0], [3.0, 4.0] - 0.1 * (g[0] + 0.5 * np.array([3.0, 4.0])), rtol=1e-12)
    noisy = run("quadratic", "sgd", (3.0, 4.0), 3, lr=0.1, noise={"std": 1.0, "seed": 2}, record_state=True)
    exact = 2 * noisy.points[:-1, 0]
    assert not np.allclose(noisy.record.grad[:, 0], exact)  # the noisy gradient is what the optimizer saw
    np.testing.assert_allclose(noisy.points[1:, 0], noisy.points[:-1, 0] - 0.1 * noisy.record.grad[:, 0])


def test_branch_indicators_tell_which_branch_each_step_took():
    radam = run("quadratic", "radam", (1.0, 1.0), 8, lr=0.01, record_state=True).record.indicators
    np.testing.assert_array_equal(radam["rectified"][:, 0], [0, 0, 0, 0, 0, 1, 1, 1])  # ρ_t > 5 from step 6
    assert np.isnan(radam["r_t"][:5, 0]).all() and (radam["r_t"][5:, 0] > 0).all()
    rho_inf = 2 / (1 - 0.999) - 1
    t = np.arange(1, 9)
    np.testing.assert_allclose(radam["rho_t"][:, 0], rho_inf - 2 * t * 0.999**t / (1 - 0.999**t), rtol=1e-10)
    swats = run("booth", "swats", (-8.0, -6.0), 6, record_state=True)  # switches to SGD in step 2
    ind = swats.record.indicators
    np.testing.assert_array_equal(ind["switched"][:, 0], [0, 1, 0, 0, 0, 0])
    np.testing.assert_array_equal(ind["in_sgd_phase"][:, 0], [0, 0, 1, 1, 1, 1])
    assert swats.lr[2, 0] == ind["sgd_lr_estimate"][1, 0]  # it runs at the rate it estimated at the switch
    assert np.isnan(ind["sgd_lr_estimate"][2:, 0]).all()
    ams = run("rosenbrock", "adam", (-1.2, 1.0), 30, lr=0.01, amsgrad=np.array([True, False]), record_state=True)
    kept = ams.record.indicators["kept_max"]
    assert np.isnan(kept[:, 1]).all() and np.isin(kept[:, 0], (0.0, 1.0)).all() and kept[:, 0].any()
    ftrl = run("booth", "ftrl", (-8.0, -6.0), 20, lr=1.0, lambda_1=20.0, record_state=True)
    clamped = ftrl.record.indicators["clamped"][:, 0]
    assert ((ftrl.points[1:, 0] == 0) == (clamped == 1)).all() and clamped.any()


def test_a_diverged_run_records_nothing_after_its_last_shown_step():
    t = run("quadratic", "adam", [(1.0, 1.0), (1.0, 1.0)], 40, lr=np.array([1e7, 0.1]), record_state=True)
    d = t.diverged_step(0)
    assert d is not None and t.diverged_step(1) is None
    r = t.record
    assert np.isfinite(r.grad[: d - 1, 0]).all() and np.isnan(r.grad[d - 1 :, 0]).all()
    assert np.isnan(r.state["exp_avg"][d - 1 :, 0]).all() and (r.delta[d - 1 :, 0] == 0).all()
    assert np.isfinite(r.grad[:, 1]).all()


def test_recorded_state_of_eight_runs_of_10000_steps_fits_in_100_mb():
    """The heaviest recording (SWATS: 5 buffers, 4 indicators), 3 starts × 10 000 steps, times 8 runs."""
    t = run("rosenbrock", "swats", [(-1.2, 1.0), (0.5, 0.5), (-0.5, 2.0)], 10_000, lr=1e-4, record_state=True)
    per_run = t.record.nbytes() + t.points.nbytes + t.loss.nbytes + t.grad_norm.nbytes + t.lr.nbytes
    assert 8 * per_run < 100e6, per_run


# ----------------------------------------------------------------------------- declared once
@pytest.mark.parametrize("oid", EXPECTED_IDS)
def test_reference_import_and_state_are_declared(oid):
    spec = OPTIMIZERS[oid]
    ref = spec.ref
    assert ref.module in ("torch.optim", "pytorch_optimizer") and ref.cls.isidentifier()
    assert ref.pip == ("torch" if ref.module == "torch.optim" else "pytorch-optimizer")
    assert spec.reference.startswith(ref.qualname) and dict(spec.fixed) == dict(ref.kwargs)
    kwargs = spec.reference_kwargs(spec.defaults())
    assert all(kwargs[k] == v for k, v in ref.kwargs.items())  # the pinned kwargs go to the reference
    names = [b.name for b in spec.buffers] + [i.name for i in spec.indicators]
    assert len(set(names)) == len(names)
    for b in spec.buffers:
        assert b.symbol in spec.latex and b.fills in spec.latex, (oid, b.name)
        assert b.meaning and b.per in ("coordinate", "run")
        assert b.only_if is None or b.only_if in {p.name for p in spec.hyperparams}
    assert [b.name for b in OPTIMIZERS["nesterov"].buffers] == ["momentum_buffer"]
    assert OPTIMIZERS["amsgrad"].ref.kwargs == {"amsgrad": True} and OPTIMIZERS["lion"].ref.cls == "Lion"


def test_register_checks_what_the_project_relies_on():
    from optim_core import HyperParam, OptimizerSpec, Reference, StateBuffer, register

    def make(**changes):
        base = dict(
            id="probe",
            name="Probe",
            ref=Reference("torch.optim", "SGD"),
            hyperparams=(HyperParam("lr", 0.1, "step size", low=0.0, low_open=True),),
            latex=r"\theta_t \leftarrow \theta_{t-1} - \eta g_t",
            explanation="x",
            pros=("a", "b"),
            cons=("c", "d"),
            when_to_use="never",
            init=lambda p, hp: {},
            update=lambda g, s, p, hp, lr, t: (p - lr * g, s),
        )
        return OptimizerSpec(**(base | changes))

    for changes, fragment in [
        ({"id": "sgd"}, "already registered"),
        ({"id": "Bad Id"}, "lowercase identifier"),
        ({"hyperparams": ()}, "first hyperparameter must be lr"),
        ({"buffers": (StateBuffer("exp_avg", "m_t", "first moment", "m_{t-1}"),)}, "does not contain"),
    ]:
        with pytest.raises(SpecError, match=fragment):
            register(make(**changes))
    assert "probe" not in OPTIMIZERS


SIGN_SGD = """
import io, json, sys
import numpy as np
from optim_core import OPTIMIZERS, HyperParam, OptimizerSpec, Reference, register

register(OptimizerSpec(
    id="signsgd",
    name="signSGD",
    ref=Reference("pytorch_optimizer", "SignSGD"),
    hyperparams=(HyperParam("lr", 1e-2, "step size", r"\\eta", low=0.0, low_open=True, log=True, ui_low=1e-4,
                            ui_high=1.0),),
    latex=r"\\theta_t \\leftarrow \\theta_{t-1} - \\eta\\,\\operatorname{sign}(g_t)",
    explanation="Steps by exactly lr per coordinate, in the direction of the gradient's sign.",
    pros=("One hyperparameter", "Robust to the gradient's scale"),
    cons=("Never settles exactly", "Ignores the gradient's size"),
    when_to_use="Teaching.",
    init=lambda p, hp: {},
    update=lambda g, s, p, hp, lr, t: (p - lr * np.sign(g), s),
))

from cli import main
from optim_core.explore import axis_param, default_axes, sweep

out = {}
buf = io.StringIO()
out["list_code"] = main(["list"], out=buf)
out["listed"] = [ln for ln in buf.getvalue().splitlines() if "signsgd" in ln]
buf = io.StringIO()
out["run_code"] = main(["trajectory", "--optimizer", "signsgd", "--surface", "parabola", "--start", "1",
                        "--steps", "3", "--set", "lr=0.25"], out=buf)
out["points"] = json.loads(buf.getvalue())["points"]
axes = default_axes("signsgd")
out["axes"] = list(axes)
res = sweep("quadratic", "signsgd", (1.0, 1.0), 10, axes[0], [0.01, 0.1], axes[1], [-2.0, 0.5, 2.0])
out["sweep_shape"] = list(res.final_loss.shape)
out["cell_start"] = list(res.cell_start(0, 1))
out["cell_matches"] = bool(res.cell_trajectory(0, 1).loss[-1, 0] == res.final_loss[0, 1])
out["axis_range"] = list(axis_param("signsgd", axes[1], "y", "quadratic").slider_range())
out["reference"] = [OPTIMIZERS["signsgd"].ref.module, OPTIMIZERS["signsgd"].ref.cls, OPTIMIZERS["signsgd"].ref.pip]

# the PyTorch script names its reference
from export.snippet import torch_snippet
from optim_core.scene import RunConfig, Scene
script = torch_snippet(Scene(surface="quadratic", runs=(RunConfig("signsgd", {"lr": 0.25}),), steps=5))
out["script_names_reference"] = "pytorch_optimizer" in script and "SignSGD(" in script

# the app renders it: its sidebar offers it, its card is in Learn, its path is on the map
from streamlit.testing.v1 import AppTest
at = AppTest.from_file("app.py", default_timeout=120)
at.query_params["surface"] = "quadratic"
at.query_params["run"] = "signsgd:lr=0.25"
at.query_params["steps"] = "8"
at.run()
out["app_errors"] = [e.message for e in at.exception] + [e.value for e in at.error]
box = at.selectbox(key="run0_optimizer")
out["app_optimizer"] = box.value
out["app_offers"] = "signsgd" in box.options or "signSGD" in box.options
paths = [c for c in at.get("plotly_chart") if c.proto.id.endswith("-contour")]
spec = json.loads(paths[0].proto.spec)
out["app_paths"] = sum(1 for t in spec["data"] if (t.get("meta") or {}).get("role") == "path")
out["app_learn"] = any("signSGD" in str(getattr(m, "value", "")) for m in at.get("html"))
print("RESULT " + json.dumps(out))
sys.stdout.flush()

import pytest
code = pytest.main(["-q", "-p", "no:cacheprovider", "tests/golden/test_golden.py::test_every_optimizer_has_a_fixture"])
print("GOLDEN_EXIT", int(code))
"""


def test_a_registered_optimizer_is_everywhere_at_once():
    """Register a throwaway one-hyperparameter optimizer (sign-SGD) in a fresh process: the CLI lists and runs
    it, Explore offers an axis for it, its reference import is declared and the PyTorch script names it, the app
    (AppTest) offers it, draws its path and shows its Learn card, and the golden test names it as the optimizer
    that lacks a fixture."""
    proc = subprocess.run([sys.executable, "-c", SIGN_SGD], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert "RESULT " in proc.stdout, proc.stdout + proc.stderr
    out = json.loads(proc.stdout.split("RESULT ", 1)[1].splitlines()[0])
    assert out["list_code"] == 0 and len(out["listed"]) == 1 and "pytorch_optimizer.SignSGD" in out["listed"][0]
    assert out["run_code"] == 0 and out["points"] == [[1.0], [0.75], [0.5], [0.25]]
    assert out["axes"] == ["lr", "start_x"] and out["sweep_shape"] == [3, 2]
    assert out["cell_start"] == [-2.0, 1.0] and out["cell_matches"]
    assert out["axis_range"] == [-3.0, 3.0]  # the quadratic bowl's x domain
    assert out["reference"] == ["pytorch_optimizer", "SignSGD", "pytorch-optimizer"]
    assert out["script_names_reference"]
    assert out["app_errors"] == [] and out["app_optimizer"] == "signsgd" and out["app_offers"]
    assert out["app_paths"] == 1 and out["app_learn"]
    golden = proc.stdout.split("GOLDEN_EXIT", 1)
    assert len(golden) == 2 and golden[1].strip().startswith("1"), proc.stdout[-2000:]
    assert "no golden fixture for signsgd" in golden[0], golden[0][-2000:]


def test_a_sweep_axis_can_be_a_coordinate_of_the_start():
    from optim_core.explore import axis_param, default_axes, sweep, sweep_axes

    assert default_axes("sgd") == ("lr", "weight_decay") and default_axes("adam") == ("lr", "beta1")
    assert [p.name for p in sweep_axes("sgd", "parabola")] == ["lr", "weight_decay", "start_x"]
    assert [p.name for p in sweep_axes("sgd", "quadratic")][-2:] == ["start_x", "start_y"]
    assert axis_param("sgd", "start_y", "y", "booth").slider_range() == (-10.0, 10.0)
    with pytest.raises(SpecError, match="start_y is not an axis on a 1-D curve"):
        axis_param("sgd", "start_y", "y", "parabola")
    res = sweep("parabola", "sgd", 2.0, 30, "lr", [0.1, 0.9, 1.1], "start_x", [-2.0, 0.5, 2.0])
    for i, x0 in enumerate([-2.0, 0.5, 2.0]):
        for j, lr in enumerate([0.1, 0.9, 1.1]):
            alone = run("parabola", "sgd", x0, 30, lr=lr)
            assert res.cell_start(i, j) == (x0,) and res.cell_params(i, j)["lr"] == lr
            assert res.final_loss[i, j] == alone.loss[-1, 0]
    assert res.x_log and not res.y_log


# ------------------------------------------------------------------ textbook forms, computed by hand
# f = x² on the parabola, x₀ = 1, so g = 2x; two steps each, every number below worked out on paper.
STEP_HALVES = {"name": "step", "step_size": 1, "gamma": 0.5}  # η₁ = 0.1, η₂ = 0.05


def _two(optimizer, schedule=None, **params):
    return run("parabola", optimizer, 1.0, 2, schedule=schedule, **params).points[:, 0, 0]


def test_momentum_forms_by_hand():
    # torch: b₁ = g₁ = 2, x₁ = 1 − 0.1·2 = 0.8;  g₂ = 1.6, b₂ = 0.5·2 + 1.6 = 2.6, x₂ = 0.8 − 0.05·2.6 = 0.67
    np.testing.assert_allclose(_two("momentum", STEP_HALVES, lr=0.1, momentum=0.5), [1, 0.8, 0.67], rtol=1e-15)
    # η inside: v₁ = 0.1·2 = 0.2, x₁ = 0.8;  v₂ = 0.5·0.2 + 0.05·1.6 = 0.18, x₂ = 0.62 (torch's 0.67: the schedule)
    got = _two("momentum", STEP_HALVES, lr=0.1, momentum=0.5, lr_inside=True)
    np.testing.assert_allclose(got, [1, 0.8, 0.62], rtol=1e-15)
    # EMA, constant η = 0.1: v₁ = 0.5·2 = 1, x₁ = 0.9;  g₂ = 1.8, v₂ = 0.5·1 + 0.5·1.8 = 1.4, x₂ = 0.9 − 0.14 = 0.76
    np.testing.assert_allclose(_two("momentum", lr=0.1, momentum=0.5, ema=True), [1, 0.9, 0.76], rtol=1e-15)


def test_adam_and_rmsprop_forms_by_hand():
    # Adam, one step, β = (0.9, 0.999), η = 0.1, ε = 0.25, g₁ = 2: m₁ = 0.2, v₁ = 0.004, m̂ = 2, v̂ = 4
    one = {"lr": 0.1, "eps": 0.25}
    first = run("parabola", "adam", 1.0, 1, **one).points[1, 0, 0]
    assert first == pytest.approx(1 - 0.1 * 2 / (2 + 0.25), rel=1e-15)  # torch: √v̂ + ε
    first = run("parabola", "adam", 1.0, 1, eps_inside=True, **one).points[1, 0, 0]
    assert first == pytest.approx(1 - 0.1 * 2 / math.sqrt(4 + 0.25), rel=1e-15)  # √(v̂ + ε)
    first = run("parabola", "adam", 1.0, 1, bias_correction=False, **one).points[1, 0, 0]
    assert first == pytest.approx(1 - 0.1 * 0.2 / (math.sqrt(0.004) + 0.25), rel=1e-14)  # m / (√v + ε)
    # RMSprop, α = 0.9: v₁ = 0.1·4 = 0.4
    first = run("parabola", "rmsprop", 1.0, 1, lr=0.1, alpha=0.9, eps=0.25).points[1, 0, 0]
    assert first == pytest.approx(1 - 0.1 * 2 / (math.sqrt(0.4) + 0.25), rel=1e-15)
    first = run("parabola", "rmsprop", 1.0, 1, lr=0.1, alpha=0.9, eps=0.25, eps_inside=True).points[1, 0, 0]
    assert first == pytest.approx(1 - 0.1 * 2 / math.sqrt(0.4 + 0.25), rel=1e-15)
