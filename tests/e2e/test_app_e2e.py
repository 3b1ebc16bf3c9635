"""The app in a real headless Chromium: what a user sees and does, checked against optim_core.

Agreed keys (CSS class st-key-<key>): surface, formula, steps, run{i}_optimizer, run{i}_<param>, add_run,
start{j}_x / start{j}_y, preset_<name>; charts contour, surface3d, metrics; containers share_link, divergence,
formula_error. In the contour figure every path trace has meta {"role": "path", "run": i} (optionally "start": j)
and head markers meta {"role": "head", ...}. The whole scene lives in the URL query (scene_to_query(Scene)).

Paths are compared with optim_core's trajectories at float32 tolerance: the drawn path of a chart is the last
animation frame that sets the trace (the figure's base traces may show step 0 only), else the base trace.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlencode

import numpy as np
import pytest

from optim_core import OPTIMIZERS, resolve_params, run
from optim_core.scene import RunConfig, Scene, simulate
from surfaces import get_surface
from tools.browser import (
    animation_state,
    as_float,
    assert_paths_equal,
    background_stats,
    data_to_pixel,
    exceptions,
    final_paths,
    keyed,
    page_query,
    paths_by_run,
    pixel_to_data,
    play_button,
    plot_area,
    plot_data,
    plot_frames,
    rerun,
    screenshot,
    select_option,
    set_numeric,
    until,
    wait_animation_end,
    wait_idle,
    widget_kind,
    widget_value,
)
from ui.url import scene_from_query, scene_to_query

pytestmark = pytest.mark.e2e

SHARED = Scene(
    surface="himmelblau",
    runs=(RunConfig("adam", {"lr": 0.05}), RunConfig("sgd", {"lr": 0.01})),
    starts=((0.5, -1.0),),
    steps=150,
)


def scene_of(page) -> Scene:
    """The scene in the page's URL (the default Scene when the URL has no query yet)."""
    q = page_query(page)
    return scene_from_query(q) if q else Scene()


def assert_no_exception(page) -> None:
    errs = exceptions(page)
    assert not errs, f"Streamlit exception on the page: {errs[0][:1500]}"


def assert_background(png, box, when: str) -> None:
    s = background_stats(png, box)
    assert s["std"] > 8 and s["bins"] >= 4 and s["near_white"] < 0.5, (
        f"the contour background is not visible {when} (plot area colour stats {s}; see {png})"
    )


# ============================================================================ 1. load
def test_page_loads_and_draws_the_default_scene(open_page):
    page = open_page()
    assert_no_exception(page)
    assert page.locator(".st-key-contour .js-plotly-plot").count() == 1, "no contour chart (key contour)"
    assert page.locator(".st-key-contour .js-plotly-plot .main-svg").count() >= 1, "the contour chart is not drawn"
    scene = scene_of(page)
    assert scene == Scene(), f"a fresh page's URL query {page_query(page)} is not the default scene"
    trajs = simulate(scene)

    # the base traces show a prefix of each trajectory (step 0 or more)...
    base = paths_by_run(plot_data(page, "contour"))
    assert base, "the contour chart has no path traces (meta role 'path')"
    for (i, j), xy in base.items():
        exp = trajs[i].points[: len(xy), j, :]
        np.testing.assert_allclose(xy, exp, rtol=1e-5, atol=1e-6, err_msg=f"base trace of run {i} start {j}")
    # ...and the animation ends on the whole trajectory
    assert_paths_equal(final_paths(page, "contour"), scene, trajs)
    assert not page.js_errors, f"uncaught JavaScript errors: {page.js_errors}"


ORDER_JS = """(() => {
  window.__order = {chart: null, sidebar: null, waiting: false};
  const seen = () => {
    const o = window.__order, now = performance.now();
    const gd = document.querySelector('.st-key-contour .js-plotly-plot');
    if (o.chart === null && gd && gd._fullData && gd._fullData.some(t => t.meta && t.meta.role === 'path')
        && gd.querySelector('.main-svg')) o.chart = now;
    if (document.querySelector('.app-waiting')) o.waiting = true;
    if (o.sidebar === null && document.querySelector('[data-testid="stSidebar"] input[type=range]')) o.sidebar = now;
    if (o.chart === null || o.sidebar === null) requestAnimationFrame(seen);
  };
  requestAnimationFrame(seen);
})()"""


def test_the_map_is_drawn_before_the_sidebar_comes(browser, app_url):
    """A session's first run sends the map and only the sidebar's title; the ~100 controls follow once the
    browser has drawn the map (ui.boot.map_first): they no longer hold the first chart up, and they come
    without any input."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.add_init_script(ORDER_JS)
        page.goto(app_url + "?" + urlencode(scene_to_query(SHARED)))
        page.wait_for_function(
            "() => window.__order && window.__order.chart !== null && window.__order.sidebar !== null",
            timeout=60_000,
        )
        order = page.evaluate("() => window.__order")
        assert order["waiting"], "the first run's sidebar did not say its controls were on their way"
        assert order["chart"] < order["sidebar"], f"the sidebar's controls came before the map was drawn: {order}"
        wait_idle(page)
        assert keyed(page, "run0_lr").locator("input[type=range]").count() == 1
        assert page.locator(".app-waiting").count() == 0
        assert scene_of(page) == SHARED
        assert_no_exception(page)
    finally:
        page.close()


# ============================================================================ 2. play
def test_play_animates_and_keeps_the_background(open_page):
    page = open_page()
    chart = keyed(page, "contour")
    chart.scroll_into_view_if_needed()
    frames = plot_frames(page, "contour")
    assert frames and frames["count"] > 1, f"the contour chart has no animation frames ({frames and frames['count']})"
    play = play_button(page, "contour")

    before = animation_state(page, "contour")
    play.click()
    samples, t0 = [], time.monotonic()
    while time.monotonic() - t0 < 1.0:
        samples.append(animation_state(page, "contour"))
        page.wait_for_timeout(100)
    mid = screenshot(page, "contour_playing")
    box = plot_area(page, "contour")
    assert samples[-1][0] > samples[0][0], f"path points did not grow in the first second of Play: {samples}"
    assert samples[-1][1] > samples[0][1] and samples[-1][2] != before[2], (
        f"the playback bar did not move: before {before}, samples {samples}"
    )
    assert_background(mid, box, "mid-animation")

    last = wait_animation_end(page, "contour")
    end = screenshot(page, "contour_played")
    assert last[1] == frames["count"] - 1, f"the playback bar did not end on the last frame: {last}"
    assert not page.js_errors, page.js_errors  # the old Pause button left an uncaught rejection on every click
    assert_background(end, plot_area(page, "contour"), "after the animation")
    scene = scene_of(page)
    assert_paths_equal(paths_by_run(plot_data(page, "contour")), scene, simulate(scene), where="after Play")


# ============================================================================ 3. learning rate
def test_changing_the_learning_rate_changes_the_path(open_page):
    page = open_page()
    before = final_paths(page, "contour")
    old_lr = float(scene_of(page).runs[0].resolved()["lr"])
    kind = widget_kind(page, "run0_lr")
    rerun(page, lambda: set_numeric(page, "run0_lr", value=0.002, keys=["ArrowRight"]), "changing run0_lr")
    assert_no_exception(page)
    q = page_query(page)
    assert "run" in q, f"the URL does not carry the runs after a change: {q}"
    scene = scene_from_query(q)
    lr = float(scene.runs[0].resolved()["lr"])
    assert lr != old_lr, f"run0's lr in the URL is still {old_lr} after changing the {kind}"
    shown = as_float(widget_value(page, "run0_lr"))
    assert shown == pytest.approx(lr, rel=0.01), f"the {kind} shows {widget_value(page, 'run0_lr')!r}, the URL lr={lr}"
    if kind == "number":
        assert lr == pytest.approx(0.002)
    trajs = simulate(scene)

    def check():
        after = final_paths(page, "contour")
        assert not np.array_equal(after[(0, 0)], before[(0, 0)]), "run 0's path did not change"
        assert_paths_equal(after, scene, trajs, where=f"after lr → {lr:g}")

    until(page, check)


# ============================================================================ 4. click to set the start
def test_a_click_on_the_contour_moves_the_start(open_page):
    page = open_page()
    keyed(page, "contour").scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    target = pixel_to_data(page, "contour", 0.72, 0.78)
    area = plot_area(page, "contour")
    rerun(page, lambda: page.mouse.click(target["cx"], target["cy"]), "a click on the contour plot area")
    assert_no_exception(page)
    tol_x = 0.03 * abs(area["xrange"][1] - area["xrange"][0])
    tol_y = 0.03 * abs(area["yrange"][1] - area["yrange"][0])

    def check():
        paths = paths_by_run(plot_data(page, "contour"))
        assert paths, "no path traces after the click"
        for (i, j), xy in paths.items():
            if j == 0:
                assert abs(xy[0, 0] - target["x"]) <= tol_x and abs(xy[0, 1] - target["y"]) <= tol_y, (
                    f"run {i} starts at {xy[0].tolist()}, the click was at ({target['x']:.4g}, {target['y']:.4g})"
                )
        scene = scene_of(page)
        assert scene.starts, f"the URL has no start after the click: {page_query(page)}"
        assert scene.starts[0] == pytest.approx(tuple(paths[(0, 0)][0]), rel=1e-5, abs=1e-6)
        assert_paths_equal(final_paths(page, "contour"), scene, simulate(scene), where="after the click")

    until(page, check)


# ============================================================================ 5. shared URL
def test_a_shared_url_restores_the_scene_and_follows_changes(open_page):
    page = open_page(query=scene_to_query(SHARED))
    assert_no_exception(page)
    assert re.search(r"himmelblau", widget_value(page, "surface"), re.I), widget_value(page, "surface")
    assert re.match(r"\s*adam(?![a-z])", widget_value(page, "run0_optimizer"), re.I), widget_value(
        page, "run0_optimizer"
    )
    assert re.match(r"\s*sgd(?![a-z])", widget_value(page, "run1_optimizer"), re.I), widget_value(
        page, "run1_optimizer"
    )
    assert as_float(widget_value(page, "start0_x")) == pytest.approx(0.5)
    assert as_float(widget_value(page, "start0_y")) == pytest.approx(-1.0)
    assert as_float(widget_value(page, "steps")) == 150
    assert_paths_equal(final_paths(page, "contour"), SHARED, simulate(SHARED), where="shared URL")

    rerun(page, lambda: set_numeric(page, "steps", value=200, keys=["ArrowRight"]), "changing steps")
    changed = scene_from_query(page_query(page))
    assert changed.steps != SHARED.steps, f"the URL did not follow the steps change: {page_query(page)}"
    assert changed.steps == as_float(widget_value(page, "steps"))
    assert changed.with_(steps=SHARED.steps) == SHARED, f"the URL changed more than steps: {page_query(page)}"
    trajs = simulate(changed)
    until(
        page, lambda: assert_paths_equal(final_paths(page, "contour"), changed, trajs, where="after the steps change")
    )


# ============================================================================ 6. messages
def test_a_rejected_formula_shows_one_line_inline(open_page):
    page = open_page()
    formula = page.locator(".st-key-formula")
    if not (formula.count() and formula.first.is_visible()):
        rerun(page, lambda: select_option(page, "surface", r"formula|custom"), "choosing a custom formula")
    kind = widget_kind(page, "formula")
    box = keyed(page, "formula").locator("textarea" if kind == "textarea" else "input").first

    def type_formula():
        box.fill("open(x) + y")
        box.press("Control+Enter" if kind == "textarea" else "Enter")
        box.evaluate("el => el.blur()")  # leaving the field also submits it, as when a user clicks away

    # the page's own follow-up rerun (the playback bar reports its size) can mount the field again and swallow
    # the keys on a loaded machine: let it settle, and type once more if no rerun started
    wait_idle(page)
    page.wait_for_timeout(1500)
    wait_idle(page)
    try:
        rerun(page, type_formula, "entering a formula")
    except AssertionError:
        rerun(page, type_formula, "entering a formula, again")
    text = until(page, lambda: _formula_message(page))
    assert "open" in text and "Traceback" not in text, text
    assert_no_exception(page)


def _formula_message(page) -> str:
    text = keyed(page, "formula_error").inner_text()
    assert re.search(r"not (available|allowed)", text, re.I), f"formula_error shows {text!r}"
    return text


def test_a_diverging_learning_rate_names_the_run_and_the_step(open_page):
    page = open_page()
    rerun(page, lambda: set_numeric(page, "run0_lr", value=1000.0, keys=["End"]), "setting run0_lr to its top")
    assert_no_exception(page)
    scene = scene_of(page)
    assert float(scene.runs[0].resolved()["lr"]) == pytest.approx(1e3), (
        f"lr at the top of its range: {page_query(page)}"
    )
    d = simulate(scene)[0].diverged_step(0)
    assert d is not None, "optim_core says run 0 does not diverge at lr=1e3"
    name = OPTIMIZERS[scene.runs[0].optimizer].name

    def check():
        text = keyed(page, "divergence").inner_text()
        assert name.lower() in text.lower(), f"the divergence message does not name {name}: {text!r}"
        assert re.search(rf"(?<![\d.]){d}(?![\d.])", text), f"the divergence message does not name step {d}: {text!r}"

    until(page, check)
    screenshot(page, "diverged")


# ============================================================================ 7. layout
def test_no_horizontal_scrolling_at_1280x800(open_page):
    page = open_page()
    sizes = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    screenshot(page, "main_1280x800")
    assert sizes[0] <= sizes[1] + 1, f"horizontal scrolling: scrollWidth {sizes[0]} > innerWidth {sizes[1]}"
    # Streamlit scrolls inside its own containers: none of them may scroll sideways either
    inner = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stMain"], [data-testid="stSidebarContent"]')]
        .map(e => [e.getAttribute('data-testid'), e.scrollWidth, e.clientWidth])""")
    wide = [c for c in inner if c[1] > c[2] + 1]
    assert not wide, f"horizontal scrolling inside {wide}"


# ============================================================================ Explore
def test_explore_sweep_cell_shows_its_trajectory(open_page):
    page = open_page()
    tab = page.get_by_role("tab", name=re.compile(r"explore", re.I))
    if tab.count() == 0:
        pytest.skip("the app has no Explore tab yet")
    tab.first.click()
    try:
        page.locator(".st-key-sweep_heatmap .js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
    except Exception:
        raise AssertionError("the Explore tab shows no sweep heatmap (key sweep_heatmap)") from None
    wait_idle(page)
    assert_no_exception(page)
    keyed(page, "sweep_heatmap").scroll_into_view_if_needed()
    page.wait_for_timeout(300)

    def cell_path():
        for t in plot_data(page, "sweep_cell_contour") or []:
            if t["type"] == "scatter" and "lines" in (t["mode"] or "") and t["x"] and len(t["x"]) > 1:
                return t["name"], np.column_stack([t["x"], t["y"]]).astype(float)
        raise AssertionError("the cell contour (key sweep_cell_contour) has no path line")

    name0, path0 = cell_path()
    cells = [
        t
        for t in plot_data(page, "sweep_heatmap")
        if t["type"] in ("scatter", "scattergl") and t["customdata"] and t["x"] and len(t["x"]) >= 4
    ]
    assert cells, "the heatmap has no selectable cell overlay (a scatter with customdata per cell)"
    cell = cells[0]
    n = len(cell["x"])
    for k in (n // 3 + 5, n // 2 + 7, 2 * n // 3 + 3):  # cells away from the corners; one differs from the current
        xk, yk = cell["x"][k], cell["y"][k]
        if f"{xk:.4g}" not in name0 or f"{yk:.4g}" not in name0:
            break
    px, py = data_to_pixel(page, "sweep_heatmap", xk, yk)
    rerun(page, lambda: page.mouse.click(px, py), "a click on a sweep cell")
    assert_no_exception(page)
    name1, path1 = cell_path()
    assert f"{xk:.4g}" in name1 and f"{yk:.4g}" in name1, f"clicked the cell ({xk:.4g}, {yk:.4g}); shown: {name1!r}"
    assert name1 != name0 and not (path1.shape == path0.shape and np.allclose(path1, path0)), "the path did not change"
    scene = scene_of(page)
    start = scene.start_points()[0]
    assert path1[0] == pytest.approx(start), f"the cell path starts at {path1[0]}, the scene's start is {start}"
    # the same run by optim_core: the sweep's optimizer and axes from its widgets, the other hyperparameters
    # from the scene's first run with that optimizer (defaults otherwise)
    by_name = {spec.name: key for key, spec in OPTIMIZERS.items()}
    opt = by_name.get(widget_value(page, "explore_optimizer").strip(), widget_value(page, "explore_optimizer").strip())
    xp, yp = widget_value(page, "explore_x_param").strip(), widget_value(page, "explore_y_param").strip()
    steps = int(as_float(widget_value(page, "explore_steps")))
    overrides = next((dict(r.params) for r in scene.runs if r.optimizer == opt), {})
    params = {k: v for k, v in resolve_params(OPTIMIZERS[opt], overrides, 1).items() if k not in (xp, yp)}
    params.update({xp: float(xk), yp: float(yk)})
    traj = run(
        get_surface(scene.surface, **dict(scene.surface_params)),
        opt,
        start,
        steps,
        schedule=dict(scene.schedule),
        clip=scene.clip,
        **params,
    )
    expected = traj.points[:, 0, :]
    assert len(path1) == len(expected) or traj.diverged_step(0) is not None, (len(path1), len(expected))
    np.testing.assert_allclose(
        path1, expected[: len(path1)], rtol=1e-5, atol=1e-6, err_msg=f"cell path ≠ optim_core.run({opt!r}, {params})"
    )
    screenshot(page, "explore_sweep", full_page=True)
