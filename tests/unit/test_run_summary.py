"""run_summary: the metrics a map needs, computed while stepping, equal bit for bit to run()'s full history
reduced (summarize), on every optimizer, with schedules, clipping, noise, diverging runs and curves; and the
memory it saves (a 256×256 map keeps no history)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from optim_core import OPTIMIZERS, trajectory
from optim_core.explore import BASIN_MAX, SWEEP_MAX, basins, sweep
from optim_core.trajectory import MAX_BATCH, SUMMARY_CHUNK, run, run_summary, summarize

FIELDS = ("final_point", "final_loss", "diverged_at", "first_within")


def _same(a, b) -> None:
    for name in FIELDS:
        x, y = getattr(a, name), getattr(b, name)
        if x is None or y is None:
            assert x is None and y is None, name
            continue
        assert x.dtype == y.dtype and x.shape == y.shape, name
        np.testing.assert_array_equal(x, y, err_msg=name)  # NaN-aware, exact: no tolerance


# A log grid of learning rates wide enough that every optimizer has runs that converge, runs that stall and
# runs that blow up (the divergence step and the last finite point are the delicate part).
LRS = np.geomspace(1e-5, 1e5, 60)
CASES = [
    ("rosenbrock", (-1.2, 1.0), {}),
    ("himmelblau", (0.0, 0.0), {"schedule": "cosine"}),
    ("rosenbrock", (-1.2, 1.0), {"clip": 1.0, "schedule": {"name": "step", "step_size": 30, "gamma": 0.5}}),
    ("ill_conditioned", (-4.5, 2.0), {"noise": (0.3, 7)}),
    ("rosenbrock", (-1.2, 1.0), {"bound": 3.0}),  # a tight bound: adaptive steps of size ~lr leave it too
]


@pytest.mark.parametrize("oid", list(OPTIMIZERS))
def test_summary_equals_the_reduced_history_on_every_optimizer(oid, monkeypatch):
    diverged = converged = 0
    for surface, start, extra in CASES:
        within = 1e-3 if surface != "himmelblau" else 1e-2
        ref = summarize(run(surface, oid, start, 160, lr=LRS, **extra), within=within)
        got = run_summary(surface, oid, start, 160, within=within, lr=LRS, **extra)
        _same(got, ref)
        # in chunks of 7 runs (9 chunks, the last shorter): per-run values, schedules and SWATS's lr chain are cut
        with monkeypatch.context() as m:
            m.setattr(trajectory, "SUMMARY_CHUNK", 7)
            _same(run_summary(surface, oid, start, 160, within=within, lr=LRS, **extra), ref)
        diverged += int(ref.diverged.sum())
        converged += int((ref.first_within >= 0).sum())
    assert got.final_point.shape == (LRS.size, 2)
    assert diverged > 0 and converged > 0  # the cases exercise both kinds of runs


def test_cache_sized_chunks_give_the_numbers_of_the_whole_batch():
    # more runs than one chunk, on a surface of exp, cos and sqrt (vectorized kernels with their own tails)
    n = 2 * SUMMARY_CHUNK + 123
    rng = np.random.default_rng(5)
    starts = rng.uniform(-4.0, 4.0, (n, 2))
    lrs = np.geomspace(1e-4, 2.0, n)
    ref = summarize(run("ackley", "adam", starts, 12, lr=lrs, beta1=0.8), within=1.0)
    got = run_summary("ackley", "adam", starts, 12, lr=lrs, beta1=0.8, within=1.0)
    _same(got, ref)
    assert (ref.first_within >= 0).any() and (ref.first_within < 0).any()


def test_summary_without_within_and_on_a_curve():
    starts = np.linspace(-3.0, 3.0, 41)[:, None]
    for oid in ("sgd", "momentum", "adam"):
        ref = summarize(run("double_well", oid, starts, 200, lr=0.05))
        got = run_summary("double_well", oid, starts, 200, lr=0.05)
        _same(got, ref)
        assert got.first_within is None and got.final_point.shape == (41, 1)
    # per-run lr on a curve, with a schedule, some runs diverging
    lrs = np.geomspace(1e-3, 5.0, 30)
    ref = summarize(run("parabola", "momentum", 2.0, 120, lr=lrs, schedule="cosine"), within=1e-6)
    got = run_summary("parabola", "momentum", 2.0, 120, lr=lrs, schedule="cosine", within=1e-6)
    _same(got, ref)
    assert ref.diverged.any() and (ref.first_within >= 0).any()


def test_every_run_blowing_up_stops_early_with_the_same_numbers():
    # every run overflows within 64 steps: the loop's early exit (no point stepping NaNs) is taken
    lrs = np.geomspace(50.0, 1e4, 16)
    ref = summarize(run("rosenbrock", "sgd", (-1.2, 1.0), 500, lr=lrs), within=1e-6)
    got = run_summary("rosenbrock", "sgd", (-1.2, 1.0), 500, lr=lrs, within=1e-6)
    _same(got, ref)
    assert ref.diverged.all() and (ref.diverged_at < 64).all()
    assert np.isfinite(got.final_point).all() and np.isfinite(got.final_loss).all()


def test_a_start_where_f_is_undefined():
    # log(x) is undefined for x ≤ 0: those runs diverge at step 0 and show their start with the largest loss
    starts = np.array([[-1.0, 0.5], [0.5, 0.5], [2.0, -1.0], [0.0, 0.0]])
    ref = summarize(run("log(x) + y^2", "sgd", starts, 50, lr=0.01), within=-1.0)
    got = run_summary("log(x) + y^2", "sgd", starts, 50, lr=0.01, within=-1.0)
    _same(got, ref)
    np.testing.assert_array_equal(got.diverged_at[[0, 3]], [0, 0])
    assert got.final_loss[0] == np.finfo(float).max
    np.testing.assert_array_equal(got.final_point[0], [-1.0, 0.5])


def test_mini_batches_fall_back_to_the_history():
    lrs = np.geomspace(1e-3, 3.0, 12)
    ref = summarize(run("logreg", "adam", (0.5, 0.5), 80, lr=lrs, batch_size=4, seed=3), within=0.6)
    got = run_summary("logreg", "adam", (0.5, 0.5), 80, lr=lrs, batch_size=4, seed=3, within=0.6)
    _same(got, ref)


def test_errors_are_those_of_run():
    for kwargs in ({"lr": -1.0}, {"steps_": 1}):
        with pytest.raises(ValueError) as a:
            run("rosenbrock", "sgd", (0, 0), 10, **kwargs)
        with pytest.raises(ValueError) as b:
            run_summary("rosenbrock", "sgd", (0, 0), 10, **kwargs)
        assert str(a.value) == str(b.value)


def test_a_256_map_keeps_no_history():
    assert SWEEP_MAX == BASIN_MAX == 256 and SWEEP_MAX**2 <= MAX_BATCH
    n, steps = 256, 300
    gx, gy = np.meshgrid(np.geomspace(1e-5, 1e-2, n), np.linspace(0.0, 0.99, n))
    tracemalloc.start()
    try:
        res = sweep("rosenbrock", "momentum", (-1.2, 1.0), steps, "lr", gx[0], "momentum", gy[:, 0])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    history = n * n * (steps + 1) * 2 * 8  # what run() keeps of the points alone: 316 MB
    assert res.shape == (n, n) and res.diverged.any() and (res.steps_to_tol >= 0).any()
    assert peak < 48e6 < history / 6, peak
    # spot checks: a few cells equal run() of that cell alone
    cells = [
        (0, 0),
        (255, 255),
        (128, 3),
        (17, 240),
        *np.argwhere(res.diverged)[:: max(1, int(res.diverged.sum()) // 4)],
    ]
    for i, j in cells:
        one = run("rosenbrock", "momentum", (-1.2, 1.0), steps, lr=gx[i, j], momentum=gy[i, j])
        assert res.final_loss[i, j] == pytest.approx(float(one.loss[-1, 0]), rel=1e-9, abs=1e-12)
        assert res.diverged_at[i, j] == one.diverged_at[0]


def test_a_256_basin_map():
    res = basins("himmelblau", "adam", 120, params={"lr": 0.05}, grid_n=BASIN_MAX)
    assert res.labels.shape == (256, 256) and sum(res.counts.values()) == 256 * 256
    assert all(res.counts[k] > 1000 for k in range(4))  # the four minima each hold a basin
    # the start closest to a minimum ends there; a corner start equals run() from it
    xs = res.xs
    k = int(np.argmin(np.abs(xs - 3.0)))
    m = int(np.argmin(np.abs(res.ys - 2.0)))
    nearest = int(np.argmin([np.hypot(mx - 3.0, my - 2.0) for mx, my in res.minima]))
    assert res.labels[m, k] == nearest
    one = run("himmelblau", "adam", (xs[0], res.ys[-1]), 120, lr=0.05)
    np.testing.assert_allclose(res.final_point[-1, 0], one.points[-1, 0], rtol=1e-9, atol=1e-12)
