"""optim_core: declarations, vectorization, divergence, schedules, noise, clipping, surfaces."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from optim_core import DIVERGENCE_BOUND, MAX_STEPS, OPTIMIZERS, SCHEDULES, SpecError, lr_factors, run
from surfaces import BUILTINS, get_surface

EXPECTED_IDS = [
    "sgd",
    "momentum",
    "nesterov",
    "adagrad",
    "rmsprop",
    "adadelta",
    "adam",
    "adamw",
    "amsgrad",
    "nadam",
    "radam",
    "adamax",
    "ftrl",
    "swats",
    "lion",
]


# ----------------------------------------------------------------------------- declarations
def test_fifteen_optimizers_declared_once_with_teaching_text():
    assert list(OPTIMIZERS) == EXPECTED_IDS
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
@pytest.mark.parametrize("sid", list(BUILTINS))
def test_builtin_minima_are_stationary_local_minima(sid):
    s = get_surface(sid)
    assert s.formula and s.tex and s.domain[0][0] < s.domain[0][1]
    assert np.isfinite(s.value(np.array(s.start))) and np.isfinite(s.gradient(np.array(s.start))).all()
    xs, ys, z = s.grid(60)
    assert np.isfinite(z).all()
    for m in s.minima:
        g = s.gradient(np.array(m))
        assert np.linalg.norm(g) < 1e-3 * max(1.0, np.abs(s.value(np.array(m)))), (sid, m, g)
        if sid != "ackley":  # Ackley's minimum is a kink: no Hessian there
            assert (np.linalg.eigvalsh(s.hessian(m)) > 0).all(), (sid, m)


def test_eleven_surfaces_and_curvature_bound():
    assert len(BUILTINS) == 11
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
