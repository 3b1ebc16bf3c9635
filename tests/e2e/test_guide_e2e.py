"""The chooser and "Tune each run" in a real headless Chromium, on a 1440×900 laptop and a 390×844 phone.

- Learn tab → a task of the chooser → "Show me": the map opens (the Trajectories tab) and draws exactly the
  entry's scene, which the address bar holds.
- Sidebar → "Tune each run": the dialog opens with one sweep plot per run (x: the slider's lr steps plus the
  run's own lr), "Apply the best learning rates" closes it, and the sliders show the applied lrs.
Screenshots: artifacts/screens/guide-<size>-{learn,map,dialog,applied}.png.
"""

from __future__ import annotations

import numpy as np
import pytest

from lessons.guide import CHOICES
from optim_core.scene import RunConfig, Scene, simulate
from tools.browser import (
    as_float,
    assert_paths_equal,
    exceptions,
    final_paths,
    keyed,
    page_query,
    plot_data,
    rerun,
    screenshot,
    until,
    wait_idle,
    widget_value,
)
from ui.tune import best_lr, lr_options, tune_run
from ui.url import scene_from_query

pytestmark = pytest.mark.e2e

SIZES = {"laptop": (1440, 900), "phone": (390, 844)}


def normalized(scene: Scene) -> Scene:
    return scene.with_(
        starts=tuple(scene.start_points()),
        window=tuple(map(tuple, scene.view_window())),
        runs=tuple(RunConfig(r.optimizer, r.resolved(), r.schedule, r.batch_size) for r in scene.runs),
    )


def scene_of(page) -> Scene:
    return scene_from_query(page_query(page))


def open_sidebar(page) -> None:
    sidebar = page.locator('[data-testid="stSidebar"]')
    if sidebar.get_attribute("data-collapsed") == "true":
        page.locator('[data-testid="stExpandSidebarButton"]').first.click()
        page.wait_for_timeout(800)
    assert sidebar.get_attribute("data-collapsed") == "false"


@pytest.mark.parametrize("size", list(SIZES))
def test_a_chooser_button_opens_its_scene_and_tune_each_run_applies_the_best_lrs(open_page, size):
    w, h = SIZES[size]
    page = open_page(query={"tab": "learn"}, wait_chart=False)
    page.set_viewport_size({"width": w, "height": h})
    keyed(page, "chooser", timeout_ms=60_000)
    wait_idle(page)
    choice = CHOICES["sparse"]
    rerun(
        page,
        lambda: keyed(page, "chooser_task").locator("button").filter(has_text="Sparse features, NLP").click(),
        "choosing a task",
    )
    assert keyed(page, "chooser").inner_text().count(choice.recommendation) == 1
    screenshot(page, f"guide-{size}-learn")

    # "Show me": the map, with the entry's scene
    keyed(page, "chooser_sparse").locator("button").first.click()
    page.wait_for_selector(".st-key-contour .js-plotly-plot .main-svg", timeout=60_000)
    until(page, lambda: _assert_scene(page, choice.scene), timeout_s=30)
    wait_idle(page)
    assert page.get_by_role("tab", name="Trajectories").get_attribute("aria-selected") == "true"
    assert_paths_equal(final_paths(page), choice.scene, simulate(choice.scene))
    assert not exceptions(page)
    screenshot(page, f"guide-{size}-map")

    # Tune each run: the dialog and its sweeps
    open_sidebar(page)
    keyed(page, "tune_runs").locator("button").first.click()
    page.wait_for_selector('[data-testid="stDialog"] .st-key-tune_sweep2 .js-plotly-plot .main-svg', timeout=60_000)
    wait_idle(page)
    resolved = choice.scene.resolve()
    expected = [best_lr(resolved, i, tune_run(resolved, i)) for i in range(len(resolved.runs))]
    for i, r in enumerate(resolved.runs):
        traces = plot_data(page, f"tune_sweep{i}")
        sweep = next(t for t in traces if (t["meta"] or {}).get("role") == "sweep")
        np.testing.assert_allclose(sweep["x"], lr_options(r.spec, float(r.params["lr"])), rtol=1e-12)
        best = next(t for t in traces if (t["meta"] or {}).get("role") == "best")
        assert best["x"][0] == pytest.approx(expected[i])
    screenshot(page, f"guide-{size}-dialog")

    # Apply: the dialog closes, the address bar and the sliders hold the best lrs
    assert expected[0] == 0.019 and expected[1] != 1.0  # SGD keeps its lr (best already), Adagrad changes
    keyed(page, "tune_apply").locator("button").first.click()
    page.wait_for_selector('[data-testid="stDialog"]', state="detached", timeout=30_000)
    until(page, lambda: _assert_lrs(page, expected), timeout_s=30)
    wait_idle(page)
    for i, lr in enumerate(expected):
        shown = as_float(widget_value(page, f"run{i}_lr"))
        assert shown == pytest.approx(lr, rel=1e-9), (i, widget_value(page, f"run{i}_lr"))
    assert not exceptions(page) and not page.js_errors, page.js_errors
    screenshot(page, f"guide-{size}-applied")


def _assert_scene(page, scene: Scene) -> None:
    assert normalized(scene_of(page)) == normalized(scene)


def _assert_lrs(page, lrs: list[float]) -> None:
    got = [r.params["lr"] for r in scene_of(page).runs]
    assert got == pytest.approx(lrs, rel=1e-12), got
