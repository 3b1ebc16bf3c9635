"""The 1-D view and the batch-size control in a real headless Chromium, at a laptop's 1440×900 and a phone's 390×844.

1-D (the lesson "Learning rate on x²"): θ against t is chosen as the side view; its axis keeps to the curve's
window although one run diverges (the drawn range is read from Plotly); the balls on the curve sit at the
recorded iterates of the step the bar shows, the θ chart's step cursor is at that step, and Play takes both to
the last step.

Mini-batches (linreg): the batch-size slider in the sidebar is moved with the keyboard; the map then draws the
mini-batch path of that batch size (compared with optim_core), the batch panel's cards say it, and the panel sits
below the playback bar (on a phone too, where the columns stack).

Screenshots: artifacts/screens/curve_batch/{curve,theta,batch,batch_panel}_<w>x<h>.png.
"""

from __future__ import annotations

import numpy as np
import pytest

from lessons import LESSONS
from optim_core.scene import Scene, simulate
from tools.browser import (
    SCREENS,
    assert_paths_equal,
    final_paths,
    keyed,
    play_button,
    plot_area,
    plot_data,
    rerun,
    screenshot,
    until,
    wait_animation_end,
    wait_idle,
)
from ui.url import scene_from_query

pytestmark = pytest.mark.e2e

SHOTS = SCREENS / "curve_batch"
SIZES = [(1440, 900), (390, 844)]


def _size_id(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"


def open_at(open_page, query: dict, size: tuple[int, int]):
    page = open_page(query=query)
    w, h = size
    page.set_viewport_size({"width": w, "height": h})
    page.wait_for_timeout(1500)  # the bar measures the new size; Python may size the map again
    wait_idle(page)
    return page


def bar_step(page) -> int:
    return int(page.locator(".st-key-player .pl-step").first.input_value())


def go_to(page, step: int) -> None:
    box = page.locator(".st-key-player .pl-step").first
    box.fill(str(step))
    box.press("Enter")


def heads(page) -> dict[int, float]:
    """run → the x of its ball on the curve, as drawn now."""
    out = {}
    for t in plot_data(page, "contour") or []:
        meta = t.get("meta") or {}
        if meta.get("role") == "head" and t.get("x"):
            out[int(meta.get("run", len(out)))] = float(t["x"][0])
    return out


def cursor_x(page, key: str) -> float | None:
    return page.evaluate(
        """(key) => {
      const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
      if (!gd || !gd._fullLayout) return null;
      const s = (gd._fullLayout.shapes || []).find(s => s.name === 'step-cursor');
      return s ? Number(s.x0) : null;
    }""",
        key,
    )


def shoot(page, name: str, size: tuple[int, int], anchor: str) -> None:
    page.evaluate(f"() => document.querySelector('.st-key-{anchor}').scrollIntoView({{block: 'start'}})")
    page.mouse.move(size[0] - 3, size[1] - 3)
    page.wait_for_timeout(400)
    SHOTS.mkdir(parents=True, exist_ok=True)
    screenshot(page, f"{name}_{_size_id(size)}", directory=SHOTS)


@pytest.mark.parametrize("size", SIZES, ids=_size_id)
def test_the_curve_view_plays_the_balls_and_theta_against_t(open_page, size):
    lesson = LESSONS["lr_parabola"]
    resolved = lesson.scene.resolve()
    trajs = simulate(lesson.scene)
    (x0, x1) = resolved.window[0]
    # opened at its last step (the lesson's open question would open it at step 0 with the side views held)
    page = open_at(open_page, {"lesson": "lr_parabola", "step": str(resolved.steps)}, size)
    # θ against the iteration as the side view
    if not page.locator(".st-key-theta .js-plotly-plot").count():  # the lesson may open on the loss curves
        option = keyed(page, "side_view").locator("button").filter(has_text="θ against")
        rerun(page, lambda: option.first.click(), "choosing θ against the iteration")
    keyed(page, "theta").locator(".js-plotly-plot .main-svg").first.wait_for(timeout=30_000)
    # the θ axis keeps to the curve's window: the diverging lr = 1.2 run (|θ| ~ 10⁶) does not stretch it
    assert np.abs(trajs[3].points).max() > 1e5
    area = plot_area(page, "theta")
    lo, hi = sorted(area["yrange"])
    assert x0 - 0.1 * (x1 - x0) <= lo and hi <= x1 + 0.1 * (x1 - x0), area["yrange"]
    theta = {int(t["meta"]["run"]): t for t in plot_data(page, "theta") if (t.get("meta") or {}).get("role") == "theta"}
    for r in range(3):  # the runs the lesson is about are drawn as recorded, all in view
        y = np.array(theta[r]["y"], dtype=float)
        np.testing.assert_allclose(y, trajs[r].points[: len(y), 0, 0], rtol=1e-5, atol=1e-6)
        assert lo <= y.min() and y.max() <= hi
    escaped = [t for t in plot_data(page, "theta") if (t.get("meta") or {}).get("role") == "escaped"]
    assert escaped and escaped[0]["x"][0] == 1.0  # lr 1.2 from 2: θ₁ = −2.8 is out of the window at step 1

    # the bar's step field: the balls at the recorded iterates of that step, θ's cursor there
    go_to(page, 5)

    def at(step: int) -> None:
        assert bar_step(page) == step
        drawn = heads(page)
        for r, t in enumerate(trajs):
            assert drawn[r] == pytest.approx(float(t.points[step, 0, 0]), rel=1e-5, abs=1e-6), (r, drawn)
        assert cursor_x(page, "theta") == pytest.approx(step)

    until(page, lambda: at(5), timeout_s=15)
    # Play runs to the last step: the balls end at the final iterates, the cursor at the last step
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press("Home")
    until(page, lambda: bar_step(page) == 0, timeout_s=10)
    play_button(page).click()
    wait_animation_end(page)
    until(page, lambda: at(resolved.steps), timeout_s=15)
    shoot(page, "curve", size, "contour")
    shoot(page, "theta", size, "theta")
    assert not page.js_errors, page.js_errors


@pytest.mark.parametrize("size", SIZES, ids=_size_id)
def test_the_batch_size_control_draws_the_mini_batch_path(open_page, size):
    query = {"surface": "linreg", "run": "sgd:lr=0.05", "steps": "120"}
    page = open_at(open_page, query, size)
    sidebar = page.locator('[data-testid="stSidebar"]')
    if sidebar.get_attribute("data-collapsed") == "true":  # a phone: open the sidebar first
        page.locator('[data-testid="stExpandSidebarButton"]').first.click()
        page.wait_for_timeout(600)
    thumb = keyed(page, "batch_size").locator("input[type=range]").first
    keyed(page, "batch_size").scroll_into_view_if_needed()

    def batch_shown() -> int:
        return int((thumb.get_attribute("aria-valuetext") or "0").split()[0])

    def key(name: str, want: int) -> None:  # one option per key, each one rerun (a burst loses keys to reruns)
        thumb.focus()
        page.keyboard.press(name)
        until(page, lambda: batch_shown() == want or _retry(name, want), timeout_s=10)
        wait_idle(page)

    def _retry(name: str, want: int) -> bool:
        if not thumb.evaluate("(el) => el === document.activeElement"):  # a rerun took the focus: press again
            thumb.focus()
            page.keyboard.press(name)
        raise AssertionError(f"the slider shows {batch_shown()}, not {want}")

    key("Home", 1)
    while batch_shown() < 16:
        key("ArrowRight", batch_shown() + 1)
    assert thumb.get_attribute("aria-valuetext") == "16 = 2⁴"

    def link_has_16() -> None:  # the value reaches Python and the share link
        wait_idle(page)
        if _query(page).get("batch", "").split(",")[0] != "16":
            raise AssertionError(f"the link does not carry batch 16 yet: {_query(page)}")

    until(page, link_has_16, timeout_s=30)
    wait_idle(page)
    scene: Scene = scene_from_query({**query, **_query(page)})
    assert scene.batch_size == 16, _query(page)
    (traj,) = simulate(scene)
    assert traj.sampling is not None and traj.sampling.batch_size == 16
    if size[0] < 640:  # close the sidebar again, as a phone user would, to see the map
        page.keyboard.press("Escape")
        collapse = page.locator(
            '[data-testid="stSidebarCollapseButton"] button, [data-testid="stSidebarCollapseButton"]'
        )
        if sidebar.get_attribute("data-collapsed") != "true" and collapse.count():
            sidebar.hover()
            collapse.first.click()
        page.wait_for_timeout(600)

    def drawn() -> None:
        assert_paths_equal(final_paths(page, "contour"), scene, [traj])

    until(page, drawn, timeout_s=20)
    # the batch panel: the cards describe batch 16, and the panel comes after the playback bar
    panel = keyed(page, "batch_panel")
    text = panel.inner_text()
    assert "Gradient evaluations per step\n16" in text or "Gradient evaluations per step\n\n16" in text, text[:400]
    bar_box = page.locator(".st-key-player").first.bounding_box()
    panel_box = panel.bounding_box()
    assert bar_box and panel_box and panel_box["y"] >= bar_box["y"] + bar_box["height"] - 1
    if size[0] < 640:  # stacked: the bar comes right after the map, before the panel
        map_box = keyed(page, "contour").bounding_box()
        assert map_box and map_box["y"] < bar_box["y"] < panel_box["y"]
    shoot(page, "batch", size, "contour")
    panel.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    SHOTS.mkdir(parents=True, exist_ok=True)
    screenshot(page, f"batch_panel_{_size_id(size)}", directory=SHOTS)
    assert not page.js_errors, page.js_errors


def _query(page) -> dict[str, str]:
    from tools.browser import page_query

    return page_query(page)
