"""Live scrubbing in a real headless Chromium (ui/scrub.py, ui/scrub.js): while a run's lr slider is dragged, the
map draws that run's path for the value under the thumb — before the release, with no rerun — and after the
release the chart holds exactly run()'s path for the new value.

The preview is an SVG overlay on the map (svg.optviz-scrub; its data-index is the slider option it shows); its
path is compared, point by point in pixels, with optim_core's trajectory mapped through the chart's own axes.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from optim_core.scene import RunConfig, Scene
from tools.browser import (
    assert_paths_equal,
    final_paths,
    keyed,
    page_query,
    paths_by_run,
    plot_data,
    until,
    wait_idle,
    widget_value,
)
from ui.url import scene_to_query

pytestmark = pytest.mark.e2e

SCENE = Scene(
    surface="rosenbrock",
    runs=(RunConfig("adam", {"lr": 0.02}), RunConfig("sgd", {"lr": 0.001})),
    steps=300,
)
SLIDER = "run0_lr"

_OVERLAY_JS = """() => {
  const svg = document.querySelector('.st-key-contour svg.optviz-scrub');
  if (!svg) return null;
  const gd = document.querySelector('.st-key-contour .js-plotly-plot');
  const hidden = [...gd.querySelectorAll('.scatterlayer .trace')]
    .filter(g => g.style.visibility === 'hidden').map(g => g.__data__[0].trace.index);
  return {index: Number(svg.dataset.index), value: Number(svg.dataset.value), run: Number(svg.dataset.run),
          d: svg.querySelector('path').getAttribute('d'), hidden,
          caption: document.querySelector('.optviz-scrub-caption').textContent};
}"""

_TO_PIXELS_JS = """(pts) => {
  const gd = document.querySelector('.st-key-contour .js-plotly-plot');
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  return pts.map(([x, y]) => [xa.c2p(x), ya.c2p(y)]);
}"""


def overlay(page) -> dict | None:
    return page.evaluate(_OVERLAY_JS)


def drawn_pixels(d: str) -> list[list[tuple[float, float]]]:
    """The overlay path's polylines (pixels): one list per M."""
    lines: list[list[tuple[float, float]]] = []
    for cmd, xs, ys in re.findall(r"([ML])(-?[\d.]+),(-?[\d.]+)", d):
        if cmd == "M":
            lines.append([])
        lines[-1].append((float(xs), float(ys)))
    return lines


def expected_pixels(page, scene: Scene, run: int) -> np.ndarray:
    """run()'s path for the first start, in the map's pixels: (x, y) on a surface, (θ, f(θ)) on a 1-D curve."""
    traj = scene.resolve().simulate_run(run)
    pts = (
        traj.points[:, 0, :] if traj.points.shape[2] == 2 else np.column_stack([traj.points[:, 0, 0], traj.loss[:, 0]])
    )
    return np.array(page.evaluate(_TO_PIXELS_JS, pts.astype(np.float32).astype(float).tolist()))


def wait_preview(page, index: int) -> None:
    """Wait until the preview on the map shows slider option `index`."""
    page.wait_for_function(
        """(i) => { const s = document.querySelector('.st-key-contour svg.optviz-scrub');
                    return s && Number(s.dataset.index) === i; }""",
        arg=index,
        timeout=2_000,
    )


def with_lr(scene: Scene, run: int, lr: float) -> Scene:
    runs = list(scene.runs)
    runs[run] = RunConfig(runs[run].optimizer, {**runs[run].params, "lr": lr})
    return scene.with_(runs=tuple(runs))


def slider_thumb(page, key: str) -> tuple[float, float]:
    thumb = keyed(page, key).locator("input[type=range]").locator("xpath=../..").first
    thumb.scroll_into_view_if_needed()
    box = thumb.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def wait_payload(page, key: str) -> None:
    page.wait_for_function(
        """(key) => { const S = window.__optvizScrub; const s = S && S.sliders.get(key);
                      return !!(s && S.cache.has(s.id)); }""",
        arg=key,
        timeout=20_000,
    )


def reruns(page) -> int:
    return page.evaluate("() => window.__e2eScriptStates")


def assert_drawn_is_run(page, scene: Scene, run: int, where: str) -> None:
    """The overlay's path is run()'s trajectory for the scene, in pixels (0.1 px rounding). Retried briefly: a
    chart that resizes redraws the overlay on the next animation frame."""
    until(page, lambda: _drawn_is_run(page, scene, run, where), timeout_s=2.0)


def _drawn_is_run(page, scene: Scene, run: int, where: str, got: dict | None = None) -> None:
    got = got if got is not None else overlay(page)
    assert got is not None, f"{where}: no preview on the map"
    lines = drawn_pixels(got["d"])
    assert len(lines) == 1, f"{where}: {len(lines)} polylines drawn for one start"
    drawn = np.array(lines[0])
    want = expected_pixels(page, scene, run)
    assert drawn.shape == want.shape, f"{where}: {drawn.shape[0]} points drawn, run() has {want.shape[0]}"
    np.testing.assert_allclose(drawn, want, atol=0.06, err_msg=where)


def test_dragging_lr_redraws_the_path_before_the_release(open_page):
    page = open_page(query=scene_to_query(SCENE))
    before = paths_by_run(plot_data(page, "contour"))
    x0, y0 = slider_thumb(page, SLIDER)
    page.mouse.move(x0, y0)
    wait_payload(page, SLIDER)
    start_value = widget_value(page, SLIDER)
    n0 = reruns(page)
    link = page_query(page)["run"]

    page.mouse.down()
    seen: dict[int, float] = {}
    for dx in (5, 10, 15):
        page.mouse.move(x0 + dx, y0, steps=3)
        index = int(keyed(page, SLIDER).locator("input[type=range]").first.input_value())
        wait_preview(page, index)
        got = overlay(page)
        assert got["run"] == 0 and got["caption"].startswith("Run 1 · lr = ")
        # the run's own traces are hidden under the preview; the other run's are not
        assert len(got["hidden"]) == 2
        value = got["value"]
        assert widget_value(page, SLIDER) == got["caption"].split(" = ")[1].split(" ")[0]
        assert_drawn_is_run(page, with_lr(SCENE, 0, value), 0, f"during the drag at lr={value}")
        seen[index] = value
    assert len(seen) >= 2, f"the thumb did not move across options: {seen}"
    # the server has not seen the new value: the scene in the link (written by every full rerun) is the old one
    assert page_query(page)["run"] == link, "the server got the value during the drag: the preview must not need it"
    # the chart's own data is still the old value's until the release
    assert paths_by_run(plot_data(page, "contour"))[(0, 0)].shape == before[(0, 0)].shape

    page.mouse.up()
    page.wait_for_function(f"() => window.__e2eScriptStates > {n0}", timeout=20_000)
    wait_idle(page)
    page.wait_for_function("() => !document.querySelector('.st-key-contour svg.optviz-scrub')", timeout=10_000)
    final = seen[max(seen)]
    assert widget_value(page, SLIDER) != start_value
    assert float(widget_value(page, SLIDER)) == final
    after = with_lr(SCENE, 0, final)
    assert_paths_equal(final_paths(page), after, after.resolve().simulate(), where=f"after the release at lr={final}")
    assert not page.js_errors, page.js_errors


def test_arrow_keys_redraw_at_once_and_settle_on_runs_path(open_page):
    page = open_page(query=scene_to_query(SCENE))
    thumb = keyed(page, SLIDER).locator("input[type=range]").first
    thumb.focus()
    wait_payload(page, SLIDER)
    index = int(thumb.input_value())
    value = page.evaluate(
        """([key, i]) => { const S = window.__optvizScrub; return S.cache.get(S.sliders.get(key).id).values[i]; }""",
        [SLIDER, index + 1],
    )
    traj = with_lr(SCENE, 0, value).resolve().simulate_run(0)
    pts = traj.points[:, 0, :].astype(np.float32).astype(float).tolist()
    n0 = reruns(page)
    page.keyboard.press("ArrowRight")
    # the preview is on the map before the rerun the key press started has finished. It lives until the rerun's
    # figure is drawn (a quick box draws it within ~100 ms), and the map may be resized meanwhile: its path and
    # the expected pixels are read in one go, through the axes of that moment
    got = page.wait_for_function(
        """([i, pts]) => { const s = document.querySelector('.st-key-contour svg.optviz-scrub');
             if (!s || Number(s.dataset.index) !== i) return null;
             const gd = document.querySelector('.st-key-contour .js-plotly-plot');
             const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
             return {value: Number(s.dataset.value), d: s.querySelector('path').getAttribute('d'),
                     px: pts.map(([x, y]) => [xa.c2p(x), ya.c2p(y)])}; }""",
        arg=[index + 1, pts],
        timeout=2_000,
    ).json_value()
    assert got["value"] == value, f"the preview shows lr={got['value']}, the next option is {value}"
    (line,) = drawn_pixels(got["d"])
    drawn, want = np.array(line), np.array(got["px"])
    assert drawn.shape == want.shape, f"after ArrowRight: {drawn.shape[0]} points drawn, run() has {want.shape[0]}"
    np.testing.assert_allclose(drawn, want, atol=0.06, err_msg=f"after ArrowRight, lr={value}")
    page.wait_for_function(f"() => window.__e2eScriptStates > {n0}", timeout=20_000)
    wait_idle(page)
    page.wait_for_function("() => !document.querySelector('.st-key-contour svg.optviz-scrub')", timeout=10_000)
    after = with_lr(SCENE, 0, value)
    assert float(widget_value(page, SLIDER)) == value
    assert_paths_equal(final_paths(page), after, after.resolve().simulate(), where=f"after ArrowRight, lr={value}")
    assert not page.js_errors, page.js_errors


CURVE = Scene(surface="double_well", runs=(RunConfig("sgd", {"lr": 0.05}), RunConfig("adam", {"lr": 0.1})), steps=60)


def test_dragging_lr_on_a_curve_redraws_theta_and_f_before_the_release(open_page):
    """A 1-D scene (a lesson's curve): the dragged run's balls and trail follow the thumb on the curve, (θ_t,
    f(θ_t)) exactly as run() gives them for the value under the thumb, before the release."""
    page = open_page(query=scene_to_query(CURVE))
    x0, y0 = slider_thumb(page, SLIDER)
    page.mouse.move(x0, y0)
    wait_payload(page, SLIDER)
    link = page_query(page)["run"]
    page.mouse.down()
    page.mouse.move(x0 + 8, y0, steps=3)
    index = int(keyed(page, SLIDER).locator("input[type=range]").first.input_value())
    wait_preview(page, index)
    got = overlay(page)
    value = got["value"]
    assert got["run"] == 0 and value != 0.05
    want = expected_pixels(page, with_lr(CURVE, 0, value), 0)
    (line,) = drawn_pixels(got["d"])
    drawn = np.array(line)
    assert drawn.shape == want.shape, f"{drawn.shape[0]} points drawn, run() has {want.shape[0]}"
    np.testing.assert_allclose(drawn, want, atol=0.06, err_msg=f"during the drag at lr={value}")
    assert page_query(page)["run"] == link, "the server got the value during the drag"
    n0 = reruns(page)
    page.mouse.up()
    page.wait_for_function(f"() => window.__e2eScriptStates > {n0}", timeout=20_000)
    wait_idle(page)
    page.wait_for_function("() => !document.querySelector('.st-key-contour svg.optviz-scrub')", timeout=10_000)
    assert float(widget_value(page, SLIDER)) == value
    assert not page.js_errors, page.js_errors
