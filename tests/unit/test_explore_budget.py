"""ui.heavy's Explore terms: every optimizer and built-in surface fitted, a classroom's 256² maps within the CPU and
memory budgets, a dataset's big maps refused, and the memory model above the measured peak of a 256² map and its
figure (tracemalloc: deterministic, unlike a timing)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import plotly.io as pio
import pytest

from optim_core import OPTIMIZERS
from optim_core.explore import axis_values, basins, sweep
from surfaces import SURFACES, get_surface
from surfaces.datasets import dataset_of
from ui import heavy
from viz.explore import basin_figure, sweep_heatmap

PLAIN = [s for s in SURFACES if dataset_of(get_surface(s)) is None]


def test_every_optimizer_and_surface_has_fitted_terms():
    assert set(heavy.EXPLORE_OPTIMIZER_S) == set(OPTIMIZERS)
    assert set(heavy.EXPLORE_SURFACE_S) == set(PLAIN)
    assert max(heavy.EXPLORE_SURFACE_S.values()) <= heavy.EXPLORE_FORMULA_S
    assert max(heavy.EXPLORE_OPTIMIZER_S.values()) <= heavy.EXPLORE_OPTIMIZER_MAX_S


@pytest.mark.parametrize("opt", list(OPTIMIZERS))
def test_a_256_map_of_300_steps_fits_on_every_surface(opt):
    for sid in [*PLAIN, "x^2 + 3*y^2"]:
        s = heavy.explore_seconds(get_surface(sid), opt, 300, 256 * 256)
        assert 0 < s <= heavy.CPU_BUDGET_S, (opt, sid, s)
    assert heavy.explore_megabytes(256 * 256, 300) <= heavy.MEMORY_BUDGET_MB
    # SWATS under a schedule with one lr per cell keeps its scheduler's chain: still within 300 MB at 300 steps
    assert heavy.explore_megabytes(256 * 256, 300, lr_chain=True) <= heavy.MEMORY_BUDGET_MB


def test_costs_grow_with_the_work_and_big_dataset_maps_are_refused():
    rb = get_surface("rosenbrock")
    a = heavy.explore_seconds(rb, "adam", 300, 64 * 64)
    assert heavy.explore_seconds(rb, "adam", 600, 64 * 64) > a
    assert heavy.explore_seconds(rb, "adam", 300, 128 * 128) > a
    assert heavy.explore_seconds(rb, "swats", 300, 64 * 64) > a
    assert heavy.explore_seconds(get_surface("ackley"), "adam", 300, 64 * 64) > a
    logreg = get_surface("logreg")
    with pytest.raises(heavy.BudgetError) as info:
        heavy.check_explore(heavy.explore_seconds(logreg, "adam", 300, 64 * 64), 10.0)
    msg = str(info.value)
    assert "this map would take about" in msg and "lower the resolution or the steps" in msg and "\n" not in msg
    heavy.check_explore(heavy.explore_seconds(logreg, "adam", 300, 16 * 16), 10.0)  # a small one is fine
    with pytest.raises(heavy.BudgetError, match="MB of the server's memory"):
        heavy.check_explore(1.0, heavy.MEMORY_BUDGET_MB + 1)


def _peak_mb(fn) -> float:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def test_the_memory_model_covers_a_256_map_and_its_figure():
    spec = OPTIMIZERS["adam"]
    xv = axis_values(spec.param("lr"), 1e-4, 1.0, 256)
    yv = axis_values(spec.param("beta1"), 0.0, 0.99, 256, axis="y")

    def sweep_request():
        res = sweep("rosenbrock", "adam", (-1.2, 1.0), 40, "lr", xv, "beta1", yv)
        pio.to_json(sweep_heatmap(res, "loss", selected=(3, 3)), validate=False)

    def basin_request():
        res = basins("himmelblau", "adam", 40, params={"lr": 0.05}, grid_n=256)
        pio.to_json(basin_figure([res]), validate=False)

    sweep_request()  # warm: compile the surface, import what the figures need
    predicted = heavy.explore_megabytes(256 * 256, 40)
    for request in (sweep_request, basin_request):
        peak = _peak_mb(request)
        assert 1.0 < peak <= predicted, (request.__name__, peak, predicted)
    # the history a 256² × 300 map would keep with run(): points alone, far over the request's budget
    assert heavy.MEMORY_BUDGET_MB < 256 * 256 * 301 * 2 * 8 / 1e6
    assert np.isfinite(predicted)
