"""Explore: sweeps, stability theory, basins, ensembles (optim_core.explore), their figures (viz.explore)
and the Streamlit section (ui.explore)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from optim_core import OPTIMIZERS, SpecError, run
from optim_core import explore as ex
from optim_core.explore import (
    BASIN_MAX,
    DIVERGED,
    NOT_CONVERGED,
    apply_to_scene,
    axis_values,
    basins,
    companion_spectral_radius,
    default_axes,
    ensemble,
    stability_boundary,
    sweep,
)
from optim_core.scene import RunConfig, Scene
from surfaces import get_surface
from ui.url import scene_from_query, scene_to_query

REPO = Path(__file__).resolve().parents[2]


def _p(opt: str, name: str):
    return OPTIMIZERS[opt].param(name)


LR_RANGE = _p("adam", "lr").range_text()  # "(0, inf)": as the spec spells it
BETA_RANGE = _p("adam", "beta1").range_text()  # "[0, 1)"
DAMP_RANGE = _p("momentum", "dampening").range_text()  # "[0, 1]"


# ============================================================================ axes
def test_default_axes_pick_lr_and_the_momentum_like_parameter():
    assert default_axes("adam") == ("lr", "beta1")
    assert default_axes("momentum") == ("lr", "momentum")
    assert default_axes("nesterov") == ("lr", "momentum")
    assert default_axes("rmsprop") == ("lr", "alpha")
    assert default_axes("adadelta") == ("lr", "rho")
    assert default_axes("sgd") == ("lr", "weight_decay")
    for spec in OPTIMIZERS.values():
        x, y = default_axes(spec)
        assert x != y and _p(spec.id, x).kind == "float" and _p(spec.id, y).kind == "float"


def test_axis_values_are_log_spaced_where_the_spec_says_log():
    lr = axis_values(_p("adam", "lr"), 1e-4, 1e-1, 4)
    np.testing.assert_allclose(lr, [1e-4, 1e-3, 1e-2, 1e-1], rtol=1e-12)
    assert lr[0] == 1e-4 and lr[-1] == 1e-1  # endpoints exact
    b1 = axis_values(_p("adam", "beta1"), 0.0, 0.9, 4, axis="y")
    np.testing.assert_allclose(b1, [0.0, 0.3, 0.6, 0.9])
    eps = axis_values(_p("adam", "eps"), 1e-12, 1e-4, 3)
    np.testing.assert_allclose(eps, [1e-12, 1e-8, 1e-4], rtol=1e-12)


# ============================================================================ validation messages
@pytest.mark.parametrize(
    "call, expected, allowed",
    [
        (lambda: axis_values(_p("adam", "lr"), 0.1, 0.01, 8), "x range is reversed: 0.1 > 0.01", LR_RANGE),
        (lambda: axis_values(_p("adam", "beta1"), 0.5, 0.5, 8, axis="y"), "y range is empty", BETA_RANGE),
        (lambda: axis_values(_p("adam", "lr"), 1e-3, 1e-1, 300), "x resolution 300 is over the cap", "2 to 256"),
        (lambda: axis_values(_p("adam", "lr"), 0.0, 0.1, 8), "lr is on a log scale: the range must be > 0", LR_RANGE),
        (
            lambda: axis_values(_p("adam", "eps"), -1.0, 0.1, 8),
            "eps is on a log scale: the range must be > 0",
            LR_RANGE,
        ),
        (lambda: axis_values(_p("adam", "beta1"), 0.5, 1.2, 8, axis="y"), "y range: beta1 must be in", BETA_RANGE),
        (lambda: axis_values(_p("momentum", "momentum"), -0.1, 0.5, 8), "x range: momentum must be in", BETA_RANGE),
        (lambda: axis_values(_p("momentum", "dampening"), 0.0, 1.5, 8), "dampening must be in", DAMP_RANGE),
        (
            lambda: sweep("quadratic", "adam", (1, 1), 10, "lr", [0.1, 0.01], "beta1", [0.9]),
            "x range is reversed: 0.1 > 0.01",
            LR_RANGE,
        ),
        (
            lambda: sweep("quadratic", "adam", (1, 1), 10, "lr", np.ones(0), "beta1", [0.9]),
            "x range is empty",
            LR_RANGE,
        ),
        (
            lambda: sweep("quadratic", "adam", (1, 1), 10, "lr", np.geomspace(1e-3, 1, 257), "beta1", [0.9]),
            "over the cap",
            "1 to 256",
        ),
        (
            lambda: sweep("quadratic", "adam", (1, 1), 10, "lr", [0.0, 0.1], "beta1", [0.9]),
            "lr is on a log scale: the range must be > 0",
            LR_RANGE,
        ),
        (
            lambda: sweep("quadratic", "adam", (1, 1), 10, "lr", [0.01], "beta1", [0.5, 1.0]),
            "y range: beta1 must be in",
            BETA_RANGE,
        ),
        (lambda: basins("himmelblau", "sgd", 10, grid_n=BASIN_MAX + 1), "over the cap", "256"),
    ],
)
def test_validation_messages_are_one_line_and_name_the_allowed_range(call, expected, allowed):
    with pytest.raises(SpecError) as info:
        call()
    msg = str(info.value)
    assert "\n" not in msg
    assert expected in msg, msg
    assert allowed(msg) if callable(allowed) else allowed in msg, msg


@pytest.mark.parametrize(
    "call, expected",
    [
        (lambda: sweep("quadratic", "adam", (1, 1), 10, "lr", [0.1], "lr", [0.2]), "x and y are both lr"),
        (
            lambda: sweep("quadratic", "adam", (1, 1), 10, "lr", [0.1], "foo", [0.2]),
            "adam has no hyperparameter 'foo' for the y axis; choose one of: lr, beta1, beta2, eps, weight_decay",
        ),
        (lambda: sweep("quadratic", "adam", (1, 1), 10, "amsgrad", [0.1], "lr", [0.2]), "amsgrad is a bool"),
        (lambda: sweep("quadratic", "nope", (1, 1), 10, "lr", [0.1], "beta1", [0.2]), "unknown optimizer 'nope'"),
        (
            lambda: sweep("quadratic", "adam", (1, 1), 10, "lr", [0.1], "beta1", [0.2], base_params={"bogus": 1}),
            "adam has no hyperparameter 'bogus'",
        ),
        (lambda: sweep("quadratic", "adam", (1, 1), 0, "lr", [0.1], "beta1", [0.2]), "steps must be"),
        (lambda: sweep("quadratic", "adam", (1, 1), 10, "lr", [0.1, 0.1], "beta1", [0.2]), "strictly increasing"),
        (lambda: basins("saddle", "sgd", 10), "no known minima"),
        (lambda: basins("himmelblau", "sgd", 10, window=((1, 0), (0, 1))), "window x range is reversed"),
        (lambda: ensemble("quadratic", "sgd", (1, 1), 10, noise_std=0.0), "noise std must be"),
        (lambda: ensemble("quadratic", "sgd", (1, 1), 10, n_runs=ex.ENSEMBLE_MAX + 1), "ensemble size"),
    ],
)
def test_other_validation_messages(call, expected):
    with pytest.raises(SpecError) as info:
        call()
    assert "\n" not in str(info.value)
    assert expected in str(info.value), str(info.value)


# ============================================================================ sweeps equal single runs
def _check_cells(res, cells):
    surf = res.surface
    f_star = min(float(surf.value(np.asarray(m))) for m in surf.minima) if surf.minima else None
    for i, j in cells:
        params = res.cell_params(i, j)
        assert params[res.x_param] == res.x_values[j] and params[res.y_param] == res.y_values[i]
        one = run(surf, res.optimizer, res.start, res.steps, schedule=res.schedule, clip=res.clip, **params)
        np.testing.assert_allclose(res.final_point[i, j], one.points[-1, 0], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(res.final_loss[i, j], one.loss[-1, 0], rtol=1e-9, atol=1e-12)
        assert res.diverged_at[i, j] == one.diverged_at[0]
        if f_star is not None:
            hit = np.flatnonzero(one.loss[:, 0] <= f_star + res.tol)
            expected = int(hit[0]) if hit.size and one.diverged_at[0] < 0 else -1
            assert res.steps_to_tol[i, j] == expected
            d = surf.nearest_minimum_distance(one.points[-1, 0])
            np.testing.assert_allclose(res.distance[i, j], d, rtol=1e-9, atol=1e-12)


def _cells(shape, n, seed):
    rng = np.random.default_rng(seed)
    ny, nx = shape
    picks = {(0, 0), (ny - 1, nx - 1), (0, nx - 1), (ny - 1, 0)}
    while len(picks) < n:
        picks.add((int(rng.integers(ny)), int(rng.integers(nx))))
    return sorted(picks)


@pytest.mark.parametrize(
    "surface, opt, start, xp, xr, yp, yr, base",
    [
        ("rosenbrock", "momentum", (-1.2, 1.0), "lr", (1e-5, 1e-2), "momentum", (0.0, 0.99), None),
        ("ill_conditioned", "sgd", (-4.5, 2.0), "lr", (1e-3, 0.5), "weight_decay", (0.0, 2.0), None),
        # Adam with three things varying from the defaults: lr and beta1 on the axes, beta2 and eps from base_params.
        ("rosenbrock", "adam", (-1.2, 1.0), "lr", (1e-4, 1.0), "beta1", (0.0, 0.99), {"beta2": 0.99, "eps": 1e-6}),
        ("himmelblau", "rmsprop", (0.0, 0.0), "alpha", (0.5, 0.999), "lr", (1e-3, 0.3), {"momentum": 0.5}),
        ("beale", "nesterov", (1.0, 1.5), "lr", (1e-4, 0.1), "momentum", (0.0, 0.95), None),
    ],
)
def test_sweep_cells_equal_individual_runs(surface, opt, start, xp, xr, yp, yr, base):
    xv = axis_values(_p(opt, xp), *xr, 24)
    yv = axis_values(_p(opt, yp), *yr, 20, axis="y")
    res = sweep(surface, opt, start, 150, xp, xv, yp, yv, base_params=base)
    assert res.shape == (20, 24) and res.final_point.shape == (20, 24, 2)
    assert res.points is None  # paths are not kept by default
    for k, v in (base or {}).items():
        assert res.base_params[k] == v
    _check_cells(res, _cells(res.shape, 30, seed=len(surface)))
    if opt == "momentum":
        assert res.diverged.any() and not res.diverged.all()  # the spot checks cover both kinds of cells


def test_sweep_with_schedule_and_clip_equals_individual_runs():
    xv = axis_values(_p("momentum", "lr"), 1e-3, 0.5, 10)
    yv = axis_values(_p("momentum", "momentum"), 0.0, 0.9, 7, axis="y")
    res = sweep(
        "booth",
        "momentum",
        (-8.0, -6.0),
        120,
        "lr",
        xv,
        "momentum",
        yv,
        schedule={"name": "cosine", "eta_min": 1e-4},
        clip=5.0,
    )
    _check_cells(res, _cells(res.shape, 12, seed=3))


def test_cell_trajectory_equals_the_sweep_cell_and_kept_points():
    xv = axis_values(_p("adam", "lr"), 1e-3, 0.3, 8)
    yv = axis_values(_p("adam", "beta1"), 0.0, 0.95, 6, axis="y")
    res = sweep("rosenbrock", "adam", (-1.2, 1.0), 200, "lr", xv, "beta1", yv, keep_points=True)
    assert res.points.shape == (6, 8, 201, 2)
    for i, j in [(0, 0), (2, 5), (5, 7), (3, 1)]:
        traj = res.cell_trajectory(i, j)
        assert traj.batch == 1 and traj.steps == 200
        np.testing.assert_allclose(traj.points[:, 0], res.points[i, j], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(traj.points[-1, 0], res.final_point[i, j], rtol=1e-9, atol=1e-12)
        assert traj.param_value("lr") == xv[j] and traj.param_value("beta1") == yv[i]


def test_chunked_sweep_gives_the_same_numbers(monkeypatch):
    xv = axis_values(_p("momentum", "lr"), 1e-4, 1e-2, 16)
    yv = axis_values(_p("momentum", "momentum"), 0.0, 0.95, 16, axis="y")
    whole = sweep("rosenbrock", "momentum", (-1.2, 1.0), 100, "lr", xv, "momentum", yv)
    monkeypatch.setattr(ex, "WORK_BUDGET", 101 * 37)  # 37 runs per run() call: chunks cut across rows
    chunked = sweep("rosenbrock", "momentum", (-1.2, 1.0), 100, "lr", xv, "momentum", yv)
    for name in ("final_loss", "final_point", "steps_to_tol", "diverged_at", "distance"):
        np.testing.assert_array_equal(getattr(whole, name), getattr(chunked, name))


def test_sweep_metrics_and_cell_index():
    xv = axis_values(_p("sgd", "lr"), 1e-2, 0.5, 12)
    yv = np.array([0.0, 0.5])
    res = sweep("ill_conditioned", "sgd", (-4.5, 2.0), 400, "lr", xv, "weight_decay", yv, tol=1e-8)
    assert res.f_star == 0.0
    np.testing.assert_array_equal(res.metric("loss"), res.final_loss)
    np.testing.assert_array_equal(res.metric("steps"), res.steps_to_tol)
    assert res.cell_index(13) == (1, 1)
    # Converged cells (within tol) have a small distance; diverged cells never count as reaching tol.
    assert (res.steps_to_tol[res.diverged] == -1).all()
    ok = res.steps_to_tol >= 0
    assert ok.any() and (res.distance[ok] < 1e-3).all()
    with pytest.raises(SpecError):
        res.metric("speed")
    # A surface without minima: no f*, steps all -1, distance NaN.
    res2 = sweep("saddle", "sgd", (-1.8, 0.001), 20, "lr", xv[:3], "weight_decay", yv)
    assert res2.f_star is None and (res2.steps_to_tol == -1).all() and np.isnan(res2.distance).all()


def test_sweep_result_pickles_for_the_streamlit_cache():
    import pickle

    xv = axis_values(_p("adam", "lr"), 1e-3, 0.1, 4)
    yv = axis_values(_p("adam", "beta1"), 0.0, 0.9, 3, axis="y")
    res = sweep("x^2 + 3*y^2", "adam", (1.0, 1.0), 20, "lr", xv, "beta1", yv)
    back = pickle.loads(pickle.dumps(res))
    np.testing.assert_array_equal(back.final_loss, res.final_loss)
    assert back.surface.formula == "x^2 + 3*y^2"
    np.testing.assert_allclose(back.cell_trajectory(1, 2).points[-1, 0], res.final_point[1, 2])


# ============================================================================ stability theory
def test_closed_forms_agree_with_the_companion_matrix():
    rng = np.random.default_rng(0)
    for _ in range(4000):
        lam = float(rng.uniform(0.1, 20))
        mu = float(rng.uniform(0, 0.999))
        tau = float(rng.uniform(0, 0.9))
        a = float(rng.uniform(0, 5))  # η λ
        lr = a / lam
        for opt, bound, rho in [
            ("sgd", 2.0, companion_spectral_radius("sgd", lr, lam)),
            ("momentum", 2 * (1 + mu) / (1 - tau), companion_spectral_radius("momentum", lr, lam, mu, tau)),
            ("nesterov", 2 * (1 + mu) / (1 + 2 * mu), companion_spectral_radius("nesterov", lr, lam, mu)),
        ]:
            if abs(a - bound) > 1e-6:
                assert (rho < 1) == (a < bound), (opt, lam, mu, tau, a)


@pytest.mark.parametrize(
    "opt, yp, yr",
    [
        ("sgd", "weight_decay", (0.0, 5.0)),
        ("momentum", "momentum", (0.0, 0.95)),
        ("nesterov", "momentum", (0.0, 0.95)),
        ("momentum", "dampening", (0.0, 0.9)),
    ],
)
def test_stability_boundary_agrees_with_the_measured_map(opt, yp, yr):
    xv = axis_values(_p(opt, "lr"), 1e-2, 2.0, 40)
    yv = axis_values(_p(opt, yp), *yr, 24, axis="y")
    res = sweep("ill_conditioned", opt, (-4.5, 2.0), 2000, "lr", xv, yp, yv)
    b = stability_boundary("ill_conditioned", opt, "lr", yp, xv, yv)
    assert b is not None and b.lam_max == pytest.approx(10.0) and b.eigenvalues == pytest.approx((1.0, 10.0))
    inside, outside = b.ratio < 0.9, b.ratio > 1.1
    assert inside.sum() > 100 and outside.sum() > 100
    assert not res.diverged[inside].any()  # far inside: converges ...
    assert (res.distance[inside] < 1e-6).all()  # ... all the way to the minimum
    assert res.diverged[outside].all()  # far outside: diverges
    assert (res.diverged == ~b.stable).mean() > 0.97  # and the line itself is where the map changes


def test_stability_curves_are_the_textbook_formulas():
    xv = axis_values(_p("momentum", "lr"), 1e-3, 5.0, 8)
    mu = axis_values(_p("momentum", "momentum"), 0.0, 0.9, 5, axis="y")
    b = stability_boundary("ill_conditioned", "sgd", "lr", "weight_decay", xv, [0.0, 1.0])
    ((cx, cy),) = b.curves
    np.testing.assert_allclose(cx, 2.0 / (10.0 + cy))
    assert cx[0] == pytest.approx(0.2)  # SGD without weight decay: lr < 2/λmax, a vertical line
    b = stability_boundary("ill_conditioned", "momentum", "lr", "momentum", xv, mu)
    ((cx, cy),) = b.curves
    np.testing.assert_allclose(cx, 2.0 * (1.0 + cy) / 10.0)
    b = stability_boundary("ill_conditioned", "nesterov", "momentum", "lr", mu, xv)  # lr on the y axis
    ((cx, cy),) = b.curves
    np.testing.assert_allclose(cy, 2.0 * (1.0 + cx) / ((1.0 + 2.0 * cx) * 10.0))
    # Neither axis is lr: solve for the other variable (weight decay) at the base lr.
    b = stability_boundary(
        "ill_conditioned", "momentum", "momentum", "weight_decay", mu, [0.0, 50.0], base_params={"lr": 0.1}
    )
    ((cx, cy),) = b.curves
    np.testing.assert_allclose(cy, 2.0 * (1.0 + cx) / 0.1 - 10.0)


def test_stability_boundary_is_none_where_no_classical_theory_applies():
    xv, yv = [0.01, 0.1], [0.1, 0.9]
    assert stability_boundary("ill_conditioned", "adam", "lr", "beta1", xv, yv) is None
    assert stability_boundary("rosenbrock", "sgd", "lr", "weight_decay", xv, yv) is None  # not a quadratic
    assert stability_boundary("saddle", "sgd", "lr", "weight_decay", xv, yv) is None  # no minimum
    local = stability_boundary("rosenbrock", "sgd", "lr", "weight_decay", xv, [0.0, 1.0], local=True)
    assert local.local and local.lam_max == pytest.approx(float(np.linalg.eigvalsh([[802, -400], [-400, 200]]).max()))


# ============================================================================ basins
def test_basins_near_each_minimum_label_that_minimum():
    surf = get_surface("himmelblau")
    for k, (mx, my) in enumerate(surf.minima):
        res = basins(
            surf, "sgd", 200, params={"lr": 0.005}, grid_n=5, window=((mx - 0.3, mx + 0.3), (my - 0.3, my + 0.3))
        )
        assert (res.labels == k).all(), (k, res.labels)
        assert res.counts[k] == 25


def test_basin_labels_on_himmelblau_from_hand_checked_starts():
    # Grid over [-4, 4]² with 9 points per axis: the starts are the integer points.
    res = basins("himmelblau", "sgd", 300, params={"lr": 0.01}, grid_n=9, window=((-4, 4), (-4, 4)))
    np.testing.assert_array_equal(res.xs, np.arange(-4, 5))

    def label(x, y):
        return int(res.labels[list(res.ys).index(y), list(res.xs).index(x)])

    # minima: 0 (3, 2), 1 (-2.81, 3.13), 2 (-3.78, -3.28), 3 (3.58, -1.85)
    assert label(4, 4) == 0 and label(-4, 4) == 1 and label(-4, -4) == 2 and label(4, -4) == 3
    assert label(0, 0) == 0  # ∇f(0, 0) = (-14, -22): gradient descent heads up and right, to (3, 2)
    assert label(-1, 1) == 1 and label(2, -3) == 3
    # Every label agrees with a separate run from that start.
    m = np.asarray(res.minima)
    starts = np.stack(np.meshgrid(res.xs, res.ys), -1).reshape(-1, 2)
    one = run("himmelblau", "sgd", starts, 300, lr=0.01)
    d = np.hypot(*(one.points[-1][:, None, :] - m[None]).transpose(2, 0, 1))
    np.testing.assert_array_equal(res.labels.ravel(), np.where(d.min(1) <= res.tol, d.argmin(1), NOT_CONVERGED))
    assert sum(res.counts.values()) == 81


def test_basins_diverged_and_not_converged_labels():
    res = basins("himmelblau", "sgd", 50, params={"lr": 0.5}, grid_n=6)
    assert (res.labels == DIVERGED).all() and res.counts[DIVERGED] == 36
    res = basins("himmelblau", "sgd", 2, params={"lr": 1e-4}, grid_n=6)
    assert (res.labels == NOT_CONVERGED).all() and res.fractions[NOT_CONVERGED] == 1.0
    # Momentum overshoots: from (4, 4) it ends in the (3.58, -1.85) basin, not the nearest (3, 2).
    res = basins("himmelblau", "momentum", 300, params={"lr": 0.002}, grid_n=2, window=((-4, 4), (-4, 4)))
    assert res.labels[1, 1] == 3


# ============================================================================ ensembles
def test_ensemble_is_reproducible_and_bands_are_ordered():
    kw = dict(params={"lr": 1e-3}, n_runs=64, noise_std=2.0, schedule=None, clip=None)
    a = ensemble("rosenbrock", "sgd", (-1.2, 1.0), 300, seed=7, **kw)
    b = ensemble("rosenbrock", "sgd", (-1.2, 1.0), 300, seed=7, **kw)
    c = ensemble("rosenbrock", "sgd", (-1.2, 1.0), 300, seed=8, **kw)
    np.testing.assert_array_equal(a.bands, b.bands)
    np.testing.assert_array_equal(a.end_points, b.end_points)
    assert not np.array_equal(a.end_points, c.end_points)
    p10, p50, p90 = a.band(10), a.band(50), a.band(90)
    assert (p10 <= p50).all() and (p50 <= p90).all() and (p10 < p90).any()
    assert a.bands.shape == (3, 301) and a.end_points.shape == (64, 2) and a.sample_paths.shape[1:] == (301, 2)
    # The runs are exactly run() with noise=(std, seed) from the repeated start ...
    noisy = run("rosenbrock", "sgd", np.repeat([[-1.2, 1.0]], 64, axis=0), 300, lr=1e-3, noise=(2.0, 7))
    np.testing.assert_array_equal(a.end_points, noisy.points[-1])
    np.testing.assert_allclose(p50, np.percentile(noisy.loss, 50, axis=1))
    # ... and the full-batch comparison is the noise-free run.
    full = run("rosenbrock", "sgd", (-1.2, 1.0), 300, lr=1e-3)
    np.testing.assert_array_equal(a.full_loss, full.loss[:, 0])
    assert a.full_diverged_at == -1
    # The noise spreads the end points; without noise all would sit on the full-batch end point.
    assert np.std(a.end_points, axis=0).min() > 1e-4


# ============================================================================ back to the main view
def test_apply_to_scene_updates_or_adds_the_run_and_round_trips_through_the_url():
    scene = Scene(
        surface="ill_conditioned",
        runs=(RunConfig("sgd", {"lr": 1e-3}), RunConfig("adam", {"lr": 0.01, "betas": (0.8, 0.99)})),
    )
    new = apply_to_scene(scene, "adam", {"lr": 0.0031622776601683794, "beta1": 0.5})
    adam = new.runs[1]
    assert adam.optimizer == "adam" and adam.params == {"lr": 0.003162277660, "beta1": 0.5, "beta2": 0.99}
    assert new.runs[0] == scene.runs[0]
    assert scene_from_query(scene_to_query(new)) == new
    added = apply_to_scene(scene, "momentum", {"lr": 0.05, "momentum": 0.9})
    assert len(added.runs) == 3 and added.runs[2].params == {"lr": 0.05}  # momentum 0.9 is the default


# ============================================================================ figures
def test_sweep_heatmap_figure():
    import viz.explore as vx
    from viz.figure import decode

    xv = axis_values(_p("momentum", "lr"), 1e-3, 1.0, 16)
    yv = axis_values(_p("momentum", "momentum"), 0.0, 0.9, 12, axis="y")
    res = sweep("ill_conditioned", "momentum", (-4.5, 2.0), 300, "lr", xv, "momentum", yv)
    b = stability_boundary("ill_conditioned", "momentum", "lr", "momentum", xv, yv)
    fig = vx.sweep_heatmap(res, "loss", boundary=b, selected=(3, 4))
    assert fig.layout.template.layout.colorway is not None  # template="plotly", not Streamlit's placeholders
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "linear"
    assert res.diverged.any() and (res.steps_to_tol >= 0).any() and ((res.steps_to_tol < 0) & ~res.diverged).any()
    # The map is a picture over the cell edges (log10 on the log axis); an invisible heatmap carries the colour bar.
    xe, ye = vx._edges(xv, True), vx._edges(yv, False)
    np.testing.assert_allclose(np.sqrt(xe[1:] * xe[:-1]), xv, rtol=1e-9)
    (image,) = fig.layout.images
    assert image.xref == "x" and image.yref == "y" and image.sizing == "stretch" and image.layer == "below"
    assert image.x == pytest.approx(np.log10(xe[0])) and image.sizex == pytest.approx(np.log10(xe[-1] / xe[0]))
    assert image.y == pytest.approx(ye[-1]) and image.sizey == pytest.approx(ye[-1] - ye[0])
    bar = fig.data[0]
    assert bar.type == "heatmap" and bar.opacity == 0 and bar.colorbar.title.text == "final f − f*"
    z, _, _ = vx.metric_layer(res, "loss")
    ok = ~res.diverged & np.isfinite(z)
    assert bar.zmin == pytest.approx(z[ok].min()) and bar.zmax == pytest.approx(z[ok].max())
    pic = _picture(image.source)
    assert pic.shape[0] % 12 == 0 and pic.shape[1] % 16 == 0 and pic.shape[1] >= vx.MAP_PIXELS
    ky, kx = pic.shape[0] // 12, pic.shape[1] // 16
    cells_rgb = pic[ky // 2 :: ky, kx // 2 :: kx][::-1]  # one pixel per cell, row 0 at the bottom
    grey = np.array(vx.hex_to_rgb(vx.DEFAULT.theme.metric_missing))
    np.testing.assert_array_equal((np.abs(cells_rgb - grey).sum(axis=2) <= 3), res.diverged)
    # colours follow the scale: the lowest cell is the scale's first colour, the highest its last
    lut = vx._scale_lut(vx.DEFAULT.theme.metric_scale).astype(int)
    lo, hi = (
        np.unravel_index(np.argmin(np.where(ok, z, np.inf)), z.shape),
        np.unravel_index(np.argmax(np.where(ok, z, -np.inf)), z.shape),
    )
    assert np.abs(cells_rgb[lo] - lut[0]).sum() <= 6 and np.abs(cells_rgb[hi] - lut[-1]).sum() <= 6
    # the invisible click/hover overlay: one trace per status, every cell exactly once, (i, j) in customdata
    cells = [t for t in fig.data if t.name == vx.CELLS_TRACE]
    assert len(cells) == 3
    cd = np.concatenate([decode(t.customdata).reshape(-1, 5) for t in cells])
    xs = np.concatenate([decode(t.x) for t in cells])
    assert cd.shape == (12 * 16, 5)
    k = (cd[:, 0] * 16 + cd[:, 1]).astype(int)
    np.testing.assert_array_equal(np.sort(k), np.arange(12 * 16))
    i, j = cd[:, 0].astype(int), cd[:, 1].astype(int)
    np.testing.assert_allclose(xs, xv[j], rtol=1e-6)
    np.testing.assert_allclose(cd[:, 2], res.final_loss[i, j].astype(np.float32), rtol=1e-6)
    steps = np.where(res.diverged, res.diverged_at, res.steps_to_tol)[i, j]
    np.testing.assert_array_equal(cd[:, 3], steps)
    for t in cells:
        assert "lr = %{x" in t.hovertemplate and "momentum = %{y" in t.hovertemplate
        # no markers: plotly.js then ties only points within 0.5 px of the pointer (3 px with markers)
        assert t.mode == "text" and t.text is None and t.marker.maxdisplayed == 1
    reached, never, diverged = cells
    assert "diverged at step %{customdata[3]}" in diverged.hovertemplate
    assert "never within tolerance" in never.hovertemplate and "%{customdata[3]}" not in never.hovertemplate
    assert "steps to tol = %{customdata[3]}" in reached.hovertemplate and "diverged" not in reached.hovertemplate
    assert any(t.name == "stability boundary (theory)" for t in fig.data)
    sel = next(t for t in fig.data if t.name == "selected")
    assert sel.x[0] == xv[4] and sel.y[0] == yv[3]
    for metric in ("steps", "distance"):
        vx.sweep_heatmap(res, metric)


def _picture(source: str) -> np.ndarray:
    import base64
    import io

    from PIL import Image

    assert source.startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(source.split(",", 1)[1]))).convert("RGB")).astype(int)


def test_sweep_heatmap_of_uneven_values_is_a_heatmap_trace():
    import viz.explore as vx
    from viz.figure import decode

    xv = np.array([1e-3, 2e-3, 1e-2, 0.5, 1.0])  # uneven cells: a picture cannot place them
    yv = np.array([0.0, 0.5, 0.6, 0.9])
    res = sweep("ill_conditioned", "momentum", (-4.5, 2.0), 300, "lr", xv, "momentum", yv)
    fig = vx.sweep_heatmap(res, "loss")
    assert not fig.layout.images
    heat = fig.data[0]
    assert heat.type == "heatmap" and len(heat.x) == 6 and len(heat.y) == 5  # cell edges
    z, _, _ = vx.metric_layer(res, "loss")
    np.testing.assert_allclose(decode(heat.z).reshape(4, 5), np.where(res.diverged, np.nan, z).astype(np.float32))
    div = next(t for t in fig.data if t.name == "diverged" and t.type == "heatmap")
    np.testing.assert_array_equal(~np.isnan(decode(div.z).reshape(res.shape)), res.diverged)
    assert res.diverged.any()


def test_selected_cell_reads_what_streamlit_returns_for_a_click():
    import viz.explore as vx

    xv = axis_values(_p("adam", "lr"), 1e-3, 1.0, 4)
    yv = axis_values(_p("adam", "beta1"), 0.0, 0.9, 4, axis="y")
    res = sweep("quadratic", "adam", (1.0, 1.0), 5, "lr", xv, "beta1", yv)
    # Measured in Chromium: a click on the overlay returns this (customdata as a dict with string keys).
    state = {
        "selection": {
            "points": [
                {
                    "curve_number": 1,
                    "point_number": 6,
                    "point_index": 6,
                    "x": float(xv[2]),
                    "y": float(yv[1]),
                    "customdata": {"0": 1, "1": 2},
                }
            ],
            "point_indices": [6],
            "box": [],
            "lasso": [],
        }
    }
    assert vx.selected_cell(res, state) == (1, 2)
    assert vx.selected_cell(res, {"selection": {"points": [{"x": float(xv[3]) * 1.01, "y": 0.31}]}}) == (1, 3)
    assert vx.selected_cell(res, {"selection": {"points": [], "point_indices": [], "box": [], "lasso": []}}) is None
    assert vx.selected_cell(res, None) is None


def test_basin_and_ensemble_figures():
    import viz.explore as vx

    results = [
        basins("himmelblau", o, 100, params=p, grid_n=20)
        for o, p in [("sgd", {"lr": 0.01}), ("momentum", {"lr": 0.002})]
    ]
    fig = vx.basin_figure(results)
    heat = [t for t in fig.data if t.type == "heatmap"]
    assert len(heat) == 2 and heat[0].xaxis == "x" and heat[1].xaxis == "x2"
    np.testing.assert_array_equal(np.asarray(heat[1].z), results[1].labels)
    legend = [t.name for t in fig.data if t.showlegend is not False and t.name]
    assert sum(n.startswith(f"minimum {k + 1} (") for n in legend for k in range(4)) == 4
    # no internal code in the legend or the hover: not "-2: not converged", not "label -1"
    assert not any(re.match(r"-?\d+:", n) for n in legend), legend
    assert all("label" not in (t.hovertemplate or "") for t in heat)
    failed = vx.basin_figure([basins("himmelblau", "sgd", 50, params={"lr": 0.5}, grid_n=6)])
    names = [t.name for t in failed.data if t.showlegend is not False and t.name]
    assert any(n.startswith("diverged — ") for n in names), names
    assert len([t for t in fig.data if t.name == "known minima" and t.showlegend is not False]) == 1
    ens = ensemble("rosenbrock", "sgd", (-1.2, 1.0), 100, params={"lr": 1e-3}, n_runs=20, noise_std=1.0, seed=0)
    loss = vx.ensemble_loss_figure(ens)
    assert loss.layout.yaxis.type == "log"
    assert any(t.name == "full batch (no noise)" for t in loss.data)
    cloud = vx.ensemble_cloud_figure(ens)
    ends = next(t for t in cloud.data if t.name and t.name.startswith("end points"))
    assert len(ends.x) == 20
    cell = vx.cell_contour(get_surface("himmelblau"), results[0].final_point[:2, 0])
    # the surface under the path is the main map's picture (same value scale, same bands), not a second mapping
    from look import surface_view

    image = cell.layout.images[0]
    assert image.source == surface_view(get_surface("himmelblau"), None, vx.CONTOUR_GRID).picture()
    assert not any(t.type in ("contour", "heatmap") for t in cell.data)
    # high contrast: the path has the main map's white halo under it; the light theme has none
    from look import HIGH_CONTRAST, make_look

    pts = results[0].final_point[:2, 0]
    assert not [t for t in cell.data if (t.meta or {}).get("role") == "halo"]
    hc = vx.cell_contour(get_surface("himmelblau"), pts, look=make_look("high_contrast"))
    halo, path = hc.data[0], hc.data[1]
    assert halo.meta["role"] == "halo" and halo.line.color == HIGH_CONTRAST.outline and halo.hoverinfo == "skip"
    assert halo.line.width > path.line.width and list(halo.x) == list(path.x)
