"""optim_core.tune: the lr search (one vectorized run), the stability bounds, and the measured comparison table."""

from __future__ import annotations

import numpy as np
import pytest

from optim_core import OPTIMIZERS, SpecError, run
from optim_core.tune import LR_GRID, benchmark_table, lr_bound, steps_to_tolerance, tune_lr
from surfaces import get_surface


def test_tune_lr_is_one_run_over_the_grid():
    t = tune_lr("booth", "adam", (-8.0, -6.0), 200, keep_trajectory=True)
    assert t.trajectory.batch == LR_GRID.size
    np.testing.assert_array_equal(t.trajectory.params["lr"], LR_GRID)
    # every lr's path is the path run() gives for that lr alone
    k = t.best_index
    alone = run("booth", "adam", (-8.0, -6.0), 200, lr=float(LR_GRID[k]))
    np.testing.assert_allclose(t.trajectory.points[:, k], alone.points[:, 0], rtol=1e-12)
    assert t.final_gap[k] == pytest.approx(float(alone.loss[-1, 0]))  # booth's f* = 0


def test_sgd_on_a_quadratic_diverges_exactly_above_two_over_l():
    """x² + y²: L = 2, bound 2/L = 1. Every lr clearly below converges, every lr clearly above diverges."""
    t = tune_lr("quadratic", "sgd", (-2.5, 2.0), 400)
    assert t.bound == pytest.approx(1.0) and t.bound_formula == "2/L"
    assert not t.diverged[t.lrs < 0.95].any()
    assert t.diverged[t.lrs > 1.1].all()
    # the best lr for speed lands next to 1/L = 0.5, where one step reaches the minimum
    fast = tune_lr("quadratic", "sgd", (-2.5, 2.0), 400, criterion="steps")
    assert abs(np.log(fast.best_lr / 0.5)) < np.log(10) / 8 + 1e-12
    curve = fast.sweep_curve()
    assert curve["bound"] == pytest.approx(1.0) and len(curve["lr"]) == len(curve["final_gap"]) == LR_GRID.size
    assert all(g is None for g, d in zip(curve["final_gap"], curve["diverged"]) if d)


def test_momentum_bound_holds_on_the_ill_conditioned_valley_and_the_ema_form_is_ten_times_wider():
    start = (-4.5, 2.0)
    t = tune_lr("ill_conditioned", "momentum", start, 600, params={"momentum": 0.9})
    assert t.bound == pytest.approx(2 * 1.9 / 10)  # L = 10
    assert not t.diverged[t.lrs < 0.9 * t.bound].any() and t.diverged[t.lrs > 1.2 * t.bound].all()
    ema = tune_lr("ill_conditioned", "momentum", start, 600, params={"momentum": 0.9, "ema": True})
    assert ema.bound == pytest.approx(10 * t.bound)
    assert not ema.diverged[ema.lrs < 0.9 * ema.bound].any() and ema.diverged[ema.lrs > 1.2 * ema.bound].all()


def test_lr_bounds():
    assert lr_bound("sgd", {"weight_decay": 0.5}, 1.5) == (1.0, "2/L")
    assert lr_bound("momentum", {"momentum": 0.5, "dampening": 0.5}, 2.0)[0] == pytest.approx(3.0)
    assert lr_bound("nesterov", {"momentum": 0.5}, 1.0)[0] == pytest.approx(1.5)
    assert lr_bound("momentum", {"momentum": 0.0}, 4.0)[0] == pytest.approx(0.5)
    assert lr_bound("adam", {}, 1.0) is None and lr_bound("sgd", {}, 0.0) is None
    assert tune_lr("rosenbrock", "sgd", (-1.2, 1.0), 20, lrs=[1e-3]).bound is None  # not a quadratic


def test_steps_to_tolerance_means_reached_and_stayed():
    gap = np.array([[1.0, 1.0, 1.0], [0.1, 0.5, 0.0], [1.0, 0.05, 0.0], [0.01, 0.01, 0.0]])
    got = steps_to_tolerance(gap, 0.2, np.array([-1, -1, 2]))
    assert got.tolist() == [3, 2, -1]  # dipped at 1 but came back; reached at 2; diverged


def test_no_known_minimum_scores_f_itself():
    t = tune_lr("monkey_saddle", "sgd", (0.8, 0.3), 50, lrs=[1e-3, 1e-2])
    assert t.f_star is None and t.tol is None and (t.steps_to_tol == -1).all()
    assert t.best_index == int(np.nanargmin(t.final_gap))


def test_tune_lr_on_a_dataset_with_mini_batches():
    t = tune_lr("linreg", "sgd", (-1.0, 2.0), 300, batch_size=20, seed=0, keep_trajectory=True)
    assert t.trajectory.sampling.batch_size == 20
    assert t.bound == pytest.approx(2.0 / get_surface("linreg").curvature_bound())


@pytest.mark.parametrize("kwargs", [{"criterion": "fast"}, {"lrs": []}, {"lrs": [0.1, -1.0]}, {"lrs": [np.nan]}])
def test_bad_arguments(kwargs):
    with pytest.raises(SpecError):
        tune_lr("quadratic", "sgd", (1.0, 1.0), 10, **kwargs)


def test_the_committed_table_is_measured():
    """Every optimizer is in the committed table, its memory is its declaration's, and a few entries re-measure
    to the same numbers."""
    from tools import benchmark_table as bt

    table = benchmark_table()
    assert set(table["optimizers"]) == set(OPTIMIZERS)
    assert table["steps"] == bt.STEPS and table["rtol"] == bt.RTOL
    assert table["problems"] == [bt.problem_id(s, p) for s, p in bt.PROBLEMS]
    mem = {k: v["buffers_per_parameter"] for k, v in table["optimizers"].items()}
    assert mem["sgd"] == 0 and mem["momentum"] == 1 and mem["adam"] == 2 and mem["adagrad"] == 1
    for oid, spec in OPTIMIZERS.items():
        assert mem[oid] == bt.buffers_per_parameter(spec)
    for oid, (sid, sp) in (("adam", bt.PROBLEMS[1]), ("sgd", bt.PROBLEMS[8]), ("nesterov", bt.PROBLEMS[10])):
        surface = get_surface(sid, **sp)
        t = tune_lr(surface, oid, surface.start, bt.STEPS, lrs=bt.GRID, criterion="steps", rtol=bt.RTOL)
        entry = table["optimizers"][oid]["problems"][bt.problem_id(sid, sp)]
        assert entry["steps"] == int(t.steps_to_tol[t.best_index])
        assert entry["best_lr"] == t.best_lr
        assert entry["converging_fraction"] == round(t.converging_fraction(), 4)


def test_the_readme_shows_the_committed_table():
    """The README's comparison table is the committed measurement, printed by tools.benchmark_table."""
    from pathlib import Path

    from tools import benchmark_table as bt

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    rows = [line for line in bt.markdown(benchmark_table()).splitlines() if line.startswith("|")]
    assert len(rows) == 2 + len(OPTIMIZERS)
    for row in rows:
        assert row in readme, f"README.md lacks the measured row {row!r}: paste `python -m tools.benchmark_table`"
