"""Finite-sum surfaces (surfaces.datasets) and mini-batch sampling (optim_core.batches): the data, the mean loss
and its gradient, the minima, the sampling order, the gradient noise, and run(..., batch_size=B, seed=S)."""

from __future__ import annotations

import functools
import json

import numpy as np
import pytest

from optim_core import SpecError, run
from optim_core.batches import Sampling, batches, gradient_noise, method_label, steps_per_epoch
from optim_core.scene import RunConfig, Scene
from surfaces import DATASETS, SURFACES, Surface, dataset_of, get_surface
from surfaces.datasets import linreg_data, logreg_data


@functools.lru_cache(maxsize=4)
def symbolic_twin(sid: str) -> Surface:
    """The same mean loss as a plain SymPy surface (lambdified f, symbolically differentiated gradient)."""
    s = get_surface(sid)
    return Surface(id=f"{sid}_symbolic", name=sid, expr=s.expr, domain=s.domain, minima=s.minima, start=s.start)


# ----------------------------------------------------------------------------------------------- the data
def test_datasets_are_registered_deterministic_and_a_few_hundred_points():
    assert set(DATASETS) == {"linreg", "logreg"}
    for sid in DATASETS:
        assert SURFACES[sid].finite_sum and SURFACES[sid].dim == 2
        data = dataset_of(get_surface(sid))
        assert data is not None and data.n == 200
        assert np.isfinite(data.design).all() and np.isfinite(data.targets).all()
    a, b = linreg_data(0), linreg_data(0)
    np.testing.assert_array_equal(a.design, b.design)
    np.testing.assert_array_equal(a.targets, b.targets)
    assert not np.array_equal(linreg_data(1).targets, a.targets)
    t = logreg_data().targets
    assert set(np.unique(t)) == {0.0, 1.0} and t.sum() == 100  # two classes of 100
    assert dataset_of(get_surface("rosenbrock")) is None


def test_linreg_minimum_is_the_exact_least_squares_solution():
    s = get_surface("linreg")
    data = dataset_of(s)
    slope, intercept = np.polyfit(data.inputs[:, 0], data.targets, 1)
    np.testing.assert_allclose(s.minima[0], (slope, intercept), rtol=1e-12)
    assert np.abs(s.gradient(np.array(s.minima))).max() < 1e-13
    # the mean squared error is a quadratic: its constant Hessian 2·E[a aᵀ] gives the stability bound 2/L
    h = 2 * data.design.T @ data.design / data.n
    assert s.curvature_bound() == pytest.approx(np.linalg.eigvalsh(h).max(), rel=1e-9)


def test_logreg_minimum_is_stationary_and_finite():
    s = get_surface("logreg")
    (m,) = s.minima
    assert np.isfinite(m).all() and 0.5 < np.hypot(*m) < 10
    assert np.abs(s.gradient(np.array([m]))).max() < 1e-14
    # a minimum: f is larger a little way off in every direction
    ring = np.array(m) + 1e-3 * np.stack([np.cos(np.linspace(0, 6.2, 12)), np.sin(np.linspace(0, 6.2, 12))], 1)
    assert (s.value(ring) > s.value(np.array(m))).all()
    assert s.curvature_bound() is None  # not a quadratic


@pytest.mark.parametrize("sid", ["linreg", "logreg"])
def test_mean_loss_and_gradient_equal_the_symbolic_expression(sid):
    """f and ∇f come from the data in closed form; the Surface's SymPy expression is the same function, and its
    symbolic derivative agrees with the closed-form gradient."""
    s, twin = get_surface(sid), symbolic_twin(sid)
    rng = np.random.default_rng(5)
    (x0, x1), (y0, y1) = s.domain
    pts = np.column_stack([rng.uniform(x0, x1, 50), rng.uniform(y0, y1, 50)])
    np.testing.assert_allclose(s.value(pts), twin.value(pts), rtol=1e-12)
    np.testing.assert_allclose(s.gradient(pts), twin.gradient(pts), rtol=1e-9, atol=1e-13)


@pytest.mark.parametrize("sid", ["linreg", "logreg"])
def test_batch_gradient_is_the_mean_of_the_sample_gradients(sid):
    data = dataset_of(get_surface(sid))
    idx = np.array([3, 17, 17, 42, 199])
    point = np.array([0.7, -1.3])
    per_sample = data.sample_gradients(point)
    g0, g1 = data.batch_gradient(np.array([point[0]]), np.array([point[1]]), idx)
    np.testing.assert_allclose([g0[0], g1[0]], per_sample[idx].mean(axis=0), rtol=1e-13)
    # and the full gradient is the mean over all N, also by finite differences of f
    full = np.array(data.mean_gradient(point[0], point[1]), dtype=float)
    np.testing.assert_allclose(full, per_sample.mean(axis=0), rtol=1e-12)
    h = 1e-6
    fd = [
        (data.mean_loss(point[0] + h, point[1]) - data.mean_loss(point[0] - h, point[1])) / (2 * h),
        (data.mean_loss(point[0], point[1] + h) - data.mean_loss(point[0], point[1] - h)) / (2 * h),
    ]
    np.testing.assert_allclose(full, fd, rtol=1e-6)


def test_logistic_loss_has_no_overflow_far_out():
    s = get_surface("logreg")
    far = np.array([[1e5, -1e5], [-3e5, 2e5]])
    assert np.isfinite(s.value(far)).all() and np.isfinite(s.gradient(far)).all()


# ----------------------------------------------------------------------------------------------- sampling
def test_every_epoch_is_a_permutation_cut_into_batches():
    n, b = 200, 64
    it = batches(n, b, seed=3)
    spe = steps_per_epoch(n, b)
    assert spe == 4
    epochs = []
    for _ in range(3):
        parts = [next(it) for _ in range(spe)]
        assert [len(p) for p in parts] == [64, 64, 64, 8]  # drop_last=False: the last batch is smaller
        order = np.concatenate(parts)
        assert sorted(order.tolist()) == list(range(n))  # without replacement inside an epoch
        epochs.append(order)
    assert not np.array_equal(epochs[0], epochs[1])  # reshuffled every epoch
    # the order is NumPy's permutation from the seed, one call per epoch
    rng = np.random.default_rng(3)
    for e in epochs:
        np.testing.assert_array_equal(e, rng.permutation(n))


def test_sampling_records_epochs_sizes_and_regenerates_indices():
    s = Sampling.of(200, 64, 3, steps=10)
    assert s.epoch.tolist() == [1, 1, 1, 1, 2, 2, 2, 2, 3, 3]
    assert s.sizes.tolist() == [64, 64, 64, 8] * 2 + [64, 64]
    np.testing.assert_allclose(s.epochs_done()[[0, 4, 8]], [0.0, 1.0, 2.0])
    it = batches(200, 64, 3)
    for step in range(1, 11):
        np.testing.assert_array_equal(s.indices(step), next(it))
    np.testing.assert_array_equal(np.concatenate([s.indices(k) for k in range(5, 9)]), s.epoch_order(2))
    assert Sampling.of(200, 200, 0, 3).full_batch and Sampling.of(200, 200, 0, 3).epoch.tolist() == [1, 2, 3]
    assert method_label(1, 200).startswith("SGD") and method_label(200, 200).startswith("full")


def test_gradient_noise_formula_matches_sampling_without_replacement():
    """E‖ĝ_B − ∇f‖² = (N−B)/(B(N−1)) · mean‖gᵢ − ∇f‖², checked against 20 000 random batches."""
    data = dataset_of(get_surface("linreg"))
    point = np.array([0.5, 1.0])
    g = data.sample_gradients(point)
    full = g.mean(axis=0)
    rng = np.random.default_rng(0)
    for b in (1, 8, 50):
        draws = np.array([g[rng.choice(data.n, b, replace=False)].mean(axis=0) for _ in range(20_000)])
        empirical = np.sqrt(((draws - full) ** 2).sum(axis=1).mean())
        assert gradient_noise(data, point, b) == pytest.approx(empirical, rel=0.03), b
    assert gradient_noise(data, point, data.n) == 0.0
    # B = 1: the spread of the per-sample gradients themselves
    assert gradient_noise(data, point, 1) == pytest.approx(np.sqrt(((g - full) ** 2).sum(axis=1).mean()), rel=1e-12)
    # vectorized over points, shape kept
    assert gradient_noise(data, np.zeros((3, 4, 2)), 8).shape == (3, 4)


# ----------------------------------------------------------------------------------------------- run()
def test_run_with_a_batch_size_uses_exactly_those_batches():
    """Step by step, the gradient the optimizer saw is the mean gradient of the batch the sampler drew."""
    s = get_surface("linreg")
    data = dataset_of(s)
    t = run("linreg", "sgd", s.start, 30, lr=0.05, batch_size=16, seed=2, record_state=True)
    it = batches(data.n, 16, 2)
    for k in range(30):
        idx = next(it)
        expected = data.sample_gradients(t.points[k, 0])[idx].mean(axis=0)
        np.testing.assert_allclose(t.record.grad[k, 0], expected, rtol=1e-12)
        np.testing.assert_allclose(t.points[k + 1, 0], t.points[k, 0] - 0.05 * expected, rtol=1e-12)
    # the trajectory's loss and gradient norm are the exact (full-batch) ones at each point
    np.testing.assert_allclose(t.loss[:, 0], s.value(t.points[:, 0]), rtol=1e-13)
    np.testing.assert_allclose(t.grad_norm[:, 0], np.linalg.norm(s.gradient(t.points[:, 0]), axis=1), rtol=1e-12)
    assert t.epoch.tolist() == [1] * 13 + [2] * 13 + [3] * 4
    assert t.sampling.batch_size == 16 and t.sampling.seed == 2


def test_all_trajectories_of_a_call_see_the_same_batches():
    starts = np.array([[-1.0, 2.0], [3.0, -2.0], [0.0, 0.0]])
    both = run("logreg", "adam", starts, 40, lr=0.1, batch_size=8, seed=5)
    for b in range(3):
        alone = run("logreg", "adam", starts[b], 40, lr=0.1, batch_size=8, seed=5)
        np.testing.assert_allclose(both.points[:, b], alone.points[:, 0], rtol=1e-12)
    # per-run hyperparameter arrays (an lr sweep) share the batches too
    sweep = run("linreg", "sgd", (-1.0, 2.0), 50, lr=np.array([0.01, 0.05]), batch_size=4, seed=1)
    single = run("linreg", "sgd", (-1.0, 2.0), 50, lr=0.05, batch_size=4, seed=1)
    np.testing.assert_allclose(sweep.points[:, 1], single.points[:, 0], rtol=1e-12)


def test_seed_changes_the_path_and_reproduces_it():
    a = run("linreg", "sgd", (-1.0, 2.0), 60, lr=0.05, batch_size=4, seed=1)
    b = run("linreg", "sgd", (-1.0, 2.0), 60, lr=0.05, batch_size=4, seed=1)
    c = run("linreg", "sgd", (-1.0, 2.0), 60, lr=0.05, batch_size=4, seed=2)
    np.testing.assert_array_equal(a.points, b.points)
    assert not np.allclose(a.points, c.points)


def test_smaller_batches_end_noisier_near_the_minimum():
    """With a constant lr, SGD (B = 1) hovers in a noise ball around the minimum, a mini-batch in a smaller one
    (its gradient noise shrinks as ~1/√B), full batch converges: measured over the last 400 of 2000 steps."""
    s = get_surface("linreg")
    f_star = float(s.value(np.array(s.minima[0])))
    floor = {}
    for b in (1, 4, 20, 200):
        t = run("linreg", "sgd", s.start, 2000, lr=0.05, batch_size=b, seed=0)
        floor[b] = float((t.loss[-400:, 0] - f_star).mean())
    assert floor[200] < 1e-12 < floor[20] < floor[4] < floor[1]
    # the floor scales like the gradient variance, (N−B)/(B(N−1)): about 4× from B = 1 to 4, ~20× to B = 20
    assert 2.5 < floor[1] / floor[4] < 8 and 10 < floor[1] / floor[20] < 80


@pytest.mark.parametrize(
    "kwargs,fragment",
    [
        ({"surface": "rosenbrock", "batch_size": 4}, "applies to a surface built from data"),
        ({"surface": "linreg", "batch_size": 0}, "from 1 to 200"),
        ({"surface": "linreg", "batch_size": 201}, "from 1 to 200"),
        ({"surface": "linreg", "batch_size": 2.5}, "whole number"),
        ({"surface": "linreg", "batch_size": True}, "whole number"),
        ({"surface": "linreg", "batch_size": 4, "seed": -1}, "sampling seed"),
        ({"surface": "linreg", "batch_size": 4, "seed": 2**31}, "sampling seed"),
    ],
)
def test_bad_batch_arguments_are_one_line_errors(kwargs, fragment):
    surface = kwargs.pop("surface")
    with pytest.raises(SpecError) as err:
        run(surface, "sgd", get_surface(surface).start, 5, **kwargs)
    assert fragment in str(err.value) and "\n" not in str(err.value)


# ----------------------------------------------------------------------------------------------- the scene
def test_scene_carries_batch_size_and_seed_through_json():
    scene = Scene(surface="logreg", runs=(RunConfig("adam", {"lr": 0.1}),), steps=50, batch_size=16, batch_seed=7)
    again = Scene.from_json(scene.to_json())
    assert again == scene
    assert json.loads(scene.to_json())["batch"] == {"size": 16, "seed": 7}
    (t,) = again.resolve().simulate()
    assert t.sampling.batch_size == 16 and t.sampling.seed == 7
    direct = run("logreg", "adam", get_surface("logreg").start, 50, lr=0.1, batch_size=16, seed=7)
    np.testing.assert_array_equal(t.points, direct.points)
    # batch size N is the full batch: resolved as None, the same path as no batch size at all
    full = Scene(surface="logreg", runs=scene.runs, steps=50, batch_size=200).resolve()
    assert full.batch_size is None
    np.testing.assert_array_equal(
        full.simulate()[0].points, Scene(surface="logreg", runs=scene.runs, steps=50).resolve().simulate()[0].points
    )
    # an old config without "batch" still loads
    old = json.loads(scene.to_json())
    del old["batch"]
    assert Scene.from_dict(old).batch_size is None


@pytest.mark.parametrize(
    "patch,fragment",
    [
        ({"surface": "rosenbrock", "batch": {"size": 8, "seed": 0}}, "built from data"),
        ({"batch": {"size": 0, "seed": 0}}, "from 1 to 200"),
        ({"batch": {"size": 1.5, "seed": 0}}, "whole number"),
        ({"batch": {"size": 8, "seed": -3}}, "sampling seed"),
        ({"batch": {"size": 8, "shuffle": True}}, '"batch" has "size" and "seed"'),
        ({"batch": [8, 0]}, '"batch" must be an object'),
    ],
)
def test_bad_batch_in_a_config_is_one_line(patch, fragment):
    data = json.loads(Scene(surface="linreg", batch_size=8).to_json())
    data.update(patch)
    with pytest.raises(SpecError) as err:
        Scene.from_dict(data)
    assert fragment in str(err.value) and "\n" not in str(err.value)


# ----------------------------------------------------------------------------------------------- the course table
def test_batch_table_measures_the_same_budget_for_each_batch_size():
    from optim_core.batchtable import compare_batch_sizes, default_batch_sizes

    assert default_batch_sizes(200) == (1, 16, 200) and default_batch_sizes(200, 50) == (1, 50, 200)
    s = get_surface("linreg")
    rows = compare_batch_sizes("linreg", "sgd", {"lr": 0.05}, s.start, epochs=10, seed=0)
    assert [r.batch_size for r in rows] == [1, 16, 200]
    assert [r.steps for r in rows] == [2000, 130, 10]  # 10 epochs each: the same 2000 per-sample gradients
    assert [r.steps_per_epoch for r in rows] == [200, 13, 1]
    assert all(r.epochs == 10 for r in rows)
    assert [r.floats_per_update for r in rows] == [2, 32, 400]  # B samples × (x, y)
    data = dataset_of(s)
    for r in rows:
        t = run("linreg", "sgd", s.start, r.steps, lr=0.05, batch_size=r.batch_size, seed=0)
        f_star = float(s.value(np.array(s.minima[0])))
        np.testing.assert_allclose(r.gap_curve, t.loss[:, 0] - f_star, rtol=1e-12)
        assert r.noise_start == pytest.approx(float(gradient_noise(data, np.array(s.start), r.batch_size)))
    # noise: full at B = 1, none at N; the true gradient vanishes at the minimum but the noise does not
    assert rows[0].noise_start > rows[1].noise_start > rows[2].noise_start == 0.0
    assert rows[0].noise_minimum > 0 and rows[2].noise_minimum == 0.0
    # convergence per epoch: SGD is far ahead after one epoch but hovers; full batch has taken one step
    assert rows[0].gap_one_epoch < rows[1].gap_one_epoch < rows[2].gap_one_epoch
    assert rows[1].epochs_to_tol is not None and rows[2].epochs_to_tol is None


def test_batch_table_refuses_a_plain_surface():
    from optim_core.batchtable import compare_batch_sizes

    with pytest.raises(SpecError):
        compare_batch_sizes("rosenbrock", "sgd", {"lr": 0.01}, (0.0, 0.0))
