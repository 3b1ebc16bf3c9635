"""viz/sweep.py draws exactly what optim_core.tune.tune_lr measured, and ui/tune.py tunes what the run is."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from look import make_look
from optim_core import OPTIMIZERS
from optim_core.scene import RunConfig, Scene
from optim_core.tune import LR_GRID, tune_lr
from viz.sweep import FLOOR_DECADES, sweep_figure


def traces(fig) -> dict[str, dict]:
    spec = json.loads(fig.to_json())
    return {t["meta"]["role"]: t for t in spec["data"]}, spec["layout"]


def shapes(layout: dict) -> dict[str, dict]:
    return {s["name"]: s for s in layout.get("shapes", [])}


def test_the_curve_is_the_tunings_final_gaps_and_the_marks_are_where_tune_says():
    t = tune_lr("ill_conditioned", "sgd", (-4.5, 2.0), 300)
    fig = sweep_figure(t, current_lr=0.1)
    tr, layout = traces(fig)
    sweep = tr["sweep"]
    np.testing.assert_array_equal(np.asarray(sweep["x"], dtype=float), t.lrs)
    floor = layout["meta"]["floor"]
    for y, gap, div in zip(sweep["y"], t.final_gap, t.diverged):
        if div:
            assert y is None  # a gap in the line where the run diverged
        elif gap > floor:
            assert y == pytest.approx(gap, rel=1e-12)
        else:
            assert y == pytest.approx(floor, rel=1e-12)  # reached f* to rounding: on the floor
    # every diverged lr has its ✕, and only those
    np.testing.assert_array_equal(np.asarray(tr["diverged"]["x"]), t.lrs[t.diverged])
    assert t.diverged.any() and (t.lrs[t.diverged] > 0.2).all()  # SGD on L = 10 diverges above 2/L
    # the ✕ sit above every finite value
    top = max(v for v in sweep["y"] if v is not None)
    assert min(tr["diverged"]["y"]) > top
    # the best lr: a star on the curve and a dashed line
    assert tr["best"]["x"] == [pytest.approx(t.best_lr)]
    k = t.best_index
    assert tr["best"]["y"][0] == pytest.approx(sweep["y"][k])
    s = shapes(layout)
    assert s["best"]["x0"] == pytest.approx(t.best_lr)
    # the stability bound 2/L = 0.2, with its formula
    assert t.bound == pytest.approx(0.2)
    assert s["bound"]["x0"] == pytest.approx(0.2)
    labels = [a["text"] for a in layout["annotations"]]
    assert any(lab.startswith("2/L ≈ 0.2") for lab in labels), labels
    # the current lr 0.1 is a grid value: marked on the curve and by a dotted line
    assert s["current"]["x0"] == pytest.approx(0.1)
    kc = int(np.flatnonzero(np.isclose(t.lrs, 0.1))[0])
    assert tr["current"]["x"] == [pytest.approx(0.1)] and tr["current"]["y"][0] == pytest.approx(sweep["y"][kc])
    assert layout["xaxis"]["type"] == "log" and layout["yaxis"]["type"] == "log"
    assert layout["meta"]["lrs"] == pytest.approx(t.lrs.tolist())


def test_a_value_that_reaches_f_star_exactly_is_drawn_on_the_floor():
    """x² + y² with SGD: lr 0.5 lands on the minimum in one step (f − f* = 0), which a log axis cannot show."""
    t = tune_lr("quadratic", "sgd", (-2.5, 2.0), 100, lrs=[0.01, 0.1, 0.5, 0.9, 1.5])
    assert t.final_gap[2] == 0.0
    tr, layout = traces(sweep_figure(t))
    floor = layout["meta"]["floor"]
    assert tr["floor"]["x"] == pytest.approx([0.5]) and tr["floor"]["y"] == pytest.approx([floor])
    assert tr["floor"]["text"] == ["0"]  # the hover says the true value
    finite = [g for g in t.final_gap if np.isfinite(g) and g > 0]
    assert math.log10(max(finite)) - math.log10(floor) <= FLOOR_DECADES + 1e-9
    assert tr["diverged"]["x"] == pytest.approx([1.5])


def test_without_a_known_minimum_the_plot_shows_f_itself():
    """On the saddle x² − y² f has no minimum: the sweep is final f (negative), on a linear axis."""
    t = tune_lr("saddle", "adam", (-1.8, 0.001), 50, lrs=[1e-3, 1e-2, 1e-1])
    assert t.f_star is None
    tr, layout = traces(sweep_figure(t))
    assert layout["yaxis"]["type"] == "linear"
    assert layout["yaxis"]["title"]["text"] == "final f"
    np.testing.assert_allclose(np.asarray(tr["sweep"]["y"], dtype=float), t.final_gap, rtol=1e-12)


def test_when_every_lr_diverges_there_is_no_best():
    t = tune_lr("quadratic", "sgd", (-2.5, 2.0), 50, lrs=[2.0, 5.0, 10.0])
    assert t.best_lr is None
    tr, layout = traces(sweep_figure(t, current_lr=5.0))
    assert "best" not in tr and "best" not in shapes(layout)
    assert len(tr["diverged"]["x"]) == 3
    assert "current" not in tr  # a diverged lr has no point on the curve …
    assert shapes(layout)["current"]["x0"] == 5.0  # … but its line is drawn


def test_momentum_bound_and_words_in_chinese():
    t = tune_lr("ill_conditioned", "momentum", (-4.5, 2.0), 200, params={"momentum": 0.9})
    _tr, layout = traces(sweep_figure(t, look=make_look(lang="zh")))
    assert shapes(layout)["bound"]["x0"] == pytest.approx(2 * 1.9 / 10)
    labels = [a["text"] for a in layout["annotations"]]
    assert any("2(1+μ)/((1−τ)L)" in lab or "≈ 0.38" in lab for lab in labels), labels


def test_user_text_never_reaches_the_figure_as_markup():
    """The figure holds numbers and catalogue words only: no run label, no formula."""
    t = tune_lr("x^2 + 3*y^2", "adam", (1.0, 1.0), 50, lrs=[1e-2, 1e-1])
    text = sweep_figure(t, current_lr=1e-2).to_json()
    assert "x^2" not in text and "<a" not in text


# ------------------------------------------------------------------------------------- ui/tune.py (pure part)
def test_tune_each_run_uses_the_runs_own_settings_and_the_sliders_steps():
    from ui.tune import best_lr, lr_options, tune_run, tuning_key
    from ui.widgets import slider_options

    scene = Scene(
        surface="linreg",
        runs=(
            RunConfig("momentum", {"lr": 0.019, "momentum": 0.5}, {"name": "step", "step_size": 20, "gamma": 0.5}, 16),
            RunConfig("adam", {"lr": 0.01, "beta1": 0.8}),
        ),
        steps=120,
        clip=5.0,
        batch_seed=2,
    )
    resolved = scene.resolve()
    t = tune_run(resolved, 0)
    # the grid: the slider's own steps within the tuner's span, plus the run's off-grid lr 0.019
    spec = OPTIMIZERS["momentum"]
    steps = [v for v in slider_options(spec.param("lr"), spec.param("lr").default) if LR_GRID[0] <= v <= LR_GRID[-1]]
    assert set(np.round(t.lrs, 12)) == set(np.round([*steps, 0.019], 12))
    assert 0.019 not in lr_options(spec) and 0.019 in lr_options(spec, 0.019)
    # the lr 0.019 of the sweep is the run itself, with its schedule, mini-batches and clipping (gradient noise
    # is drawn per trajectory of a batched run, so with noise the sweep's value there is another draw)
    k = int(np.flatnonzero(np.isclose(t.lrs, 0.019))[0])
    alone = resolved.simulate_run(0)
    assert t.final_gap[k] == pytest.approx(float(alone.loss[-1, 0]) - t.f_star, rel=1e-9, abs=1e-12)
    # its best, on the slider's steps (or the run's own lr)
    b = best_lr(resolved, 0, t)
    assert b is not None and (b == 0.019 or b in steps)
    # what the cache key holds: not the lr (for a grid lr), but everything else the sweep depends on
    moved = scene.with_(runs=(scene.runs[0], RunConfig("adam", {"lr": 0.02, "beta1": 0.8})))
    assert tuning_key(moved.resolve(), 1) == tuning_key(resolved, 1)
    other_beta = scene.with_(runs=(scene.runs[0], RunConfig("adam", {"lr": 0.01, "beta1": 0.9})))
    assert tuning_key(other_beta.resolve(), 1) != tuning_key(resolved, 1)
    assert tuning_key(scene.with_(steps=121).resolve(), 1) != tuning_key(resolved, 1)
    noisy = scene.with_(noise_std=0.1, noise_seed=4)
    assert tuning_key(noisy.resolve(), 1) != tuning_key(noisy.with_(noise_seed=5).resolve(), 1)
    assert tuning_key(scene.with_(window=((-3.0, 3.0), (-3.0, 3.0))).resolve(), 1) == tuning_key(resolved, 1)


def test_applying_the_best_never_makes_a_run_worse():
    """A lesson's off-grid lr 0.019 sits just below 2/L = 0.02 on κ = 100: better than every grid lr
    (0.015 crawls, 0.02 never settles). Tune each run keeps it."""
    from ui.tune import best_lr, tune_run

    resolved = Scene(
        surface="ill_conditioned",
        surface_params={"kappa": 100.0},
        runs=(RunConfig("sgd", {"lr": 0.019}),),
        starts=((-4.5, 1.0),),
        steps=150,
    ).resolve()
    t = tune_run(resolved, 0)
    assert best_lr(resolved, 0, t) == 0.019
