"""Live scrubbing in a real headless Chromium (ui/scrub.py, ui/scrub.js): while a run's lr slider is dragged, the
map draws that run's path for the value under the thumb — before the release, with no rerun — and after the
release the chart holds exactly run()'s path for the new value. A value chosen by a key is put into the map's
own traces at once, before the server answers, and the rerun's chart (ui/hold.js: no blank frame) is the same.

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


class HeldSocket:
    """The page's Streamlit websocket, routed through the test (page.route_web_socket): while ``holding``, every
    message from the server waits here; ``release()`` delivers them in order."""

    def __init__(self, page) -> None:
        self.holding = False
        self.held: list = []
        self.ws = None
        page.route_web_socket(re.compile(r"/_stcore/stream"), self._route)

    def _route(self, ws) -> None:
        server = ws.connect_to_server()
        ws.on_message(server.send)
        server.on_message(self._down)
        self.ws = ws

    def _down(self, message) -> None:
        if self.holding:
            self.held.append(message)
        else:
            self.ws.send(message)

    def release(self) -> None:
        self.holding = False
        for message in self.held:
            self.ws.send(message)
        self.held.clear()


# Per animation frame: is a map shown in its place? (a .st-key-contour displayed and visible whose chart is drawn
# and visible, or ui/hold.js's copy of the old picture: what benchmarks/app.py counts as "blank" frames when
# there is none)
_BLANK_WATCH_JS = """() => {
  const W = window.__blank = {frames: 0, blank: 0, stop: false};
  const shown = () => !!document.querySelector('.optviz-hold .main-svg') || [...document.querySelectorAll('.st-key-contour')].some(b => {
    const cs = getComputedStyle(b), gd = b.querySelector('.js-plotly-plot');
    return cs.display !== 'none' && cs.visibility !== 'hidden' && gd && gd._fullData && gd.querySelector('.main-svg')
      && getComputedStyle(gd).visibility !== 'hidden';
  });
  const loop = () => { W.frames += 1; if (!shown()) W.blank += 1; if (!W.stop) requestAnimationFrame(loop); };
  requestAnimationFrame(loop);
}"""


def map_png(page) -> np.ndarray:
    from io import BytesIO

    from PIL import Image

    png = page.locator(".st-key-contour").first.screenshot()
    return np.asarray(Image.open(BytesIO(png)).convert("RGB")).astype(int)


# the second run diverges (SGD at lr 0.05 on Rosenbrock): its mark stays as it is while run 1's value changes
WITH_MARKS = SCENE.with_(runs=(RunConfig("adam", {"lr": 0.02}), RunConfig("sgd", {"lr": 0.05})))


@pytest.mark.parametrize("scene", [SCENE, WITH_MARKS], ids=["plain", "another-run-diverged"])
def test_an_arrow_key_draws_the_exact_path_before_the_server_answers(open_page, scene):
    """ArrowRight on an lr slider: the page puts run()'s path for the next value into the map's own traces (and
    the run's label into the legend) while every message from the server is held back; the rerun's chart, once
    the messages go through, is the same picture, and no frame in between shows no map."""
    assert scene is SCENE or scene.resolve().simulate_run(1).diverged_at.max() >= 0
    sock: list[HeldSocket] = []
    page = open_page(query=scene_to_query(scene), setup=lambda p: sock.append(HeldSocket(p)))
    (held,) = sock
    thumb = keyed(page, SLIDER).locator("input[type=range]").first
    thumb.focus()
    wait_payload(page, SLIDER)
    index = int(thumb.input_value())
    value = page.evaluate(
        """([key, i]) => { const S = window.__optvizScrub; return S.cache.get(S.sliders.get(key).id).values[i]; }""",
        [SLIDER, index + 1],
    )
    after = with_lr(scene, 0, value)
    traj = after.resolve().simulate_run(0)
    link = page_query(page)["run"]

    held.holding = True
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "(i) => { const gd = document.querySelector('.st-key-contour .js-plotly-plot'); "
        "return gd && gd.dataset.scrubCommitted === String(i); }",
        arg=index + 1,
        timeout=5_000,
    )
    page.wait_for_timeout(300)  # the draw settles (trace order restored); the server's answers are still held
    assert held.held or page_query(page)["run"] == link, "the server answered: the page must not have needed it"
    assert page_query(page)["run"] == link
    assert not page.evaluate("() => !!document.querySelector('svg.optviz-scrub')"), "a preview, not the map itself"
    # the map's own path and end mark are run()'s for the new value (float32, as the figure ships them)
    paths = paths_by_run(plot_data(page, "contour"))
    want = traj.points[:, 0, :].astype(np.float32)
    np.testing.assert_array_equal(
        paths[(0, 0)].astype(np.float32), want, err_msg=f"map path after ArrowRight, lr={value}"
    )
    heads = [t for t in plot_data(page, "contour") if (t.get("meta") or {}).get("role") == "head"]
    head0 = next(t for t in heads if t["meta"]["run"] == 0)
    assert (float(head0["x"][0]), float(head0["y"][0])) == (float(want[-1, 0]), float(want[-1, 1]))
    label = page.evaluate("() => document.querySelector('.legend .item[data-run=\"0\"]').textContent")
    assert label == after.resolve().runs[0].label, f"legend: {label!r}"
    committed = map_png(page)

    page.evaluate(_BLANK_WATCH_JS)
    ws0 = page.evaluate("() => window.__ws.length")
    held.release()
    # the held messages arrive at once: React may show "running" and "finished" in one render, so the script-state
    # counter can miss this rerun; the page's websocket log does not (tools.browser.WS_LOG_JS)
    page.wait_for_function(f"() => window.__ws.length > {ws0}", timeout=20_000)
    wait_idle(page)
    page.wait_for_function(
        "() => document.querySelectorAll('.st-key-contour').length === 1 "
        "&& !document.querySelector('.st-key-contour .js-plotly-plot').dataset.scrubCommitted",
        timeout=10_000,
    )
    page.wait_for_timeout(300)
    watch = page.evaluate("() => { window.__blank.stop = true; return window.__blank; }")
    assert watch["frames"] > 0 and watch["blank"] == 0, f"frames with no map during the rerun: {watch}"
    final = map_png(page)
    assert committed.shape == final.shape
    differ = (np.abs(committed - final).sum(axis=2) > 40).mean()
    assert differ < 0.002, f"the rerun's map differs from the committed one in {differ:.2%} of its pixels"
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


@pytest.mark.parametrize(
    "keys,moves",
    [(["ArrowRight"] * 3, 3), (["ArrowRight", "ArrowLeft"], 0)],
    ids=["three-right", "right-then-back"],
)
def test_quick_arrow_keys_end_on_the_last_values_path_and_never_blank(open_page, keys, moves):
    """Keys pressed in quick succession (reruns overlap; right-then-back returns to the figure whose old chart is
    still held on screen): no frame without a map, and the page ends on run()'s path for the last value."""
    page = open_page(query=scene_to_query(SCENE))
    thumb = keyed(page, SLIDER).locator("input[type=range]").first
    thumb.focus()
    wait_payload(page, SLIDER)
    index = int(thumb.input_value())
    value = page.evaluate(
        """([key, i]) => { const S = window.__optvizScrub; return S.cache.get(S.sliders.get(key).id).values[i]; }""",
        [SLIDER, index + moves],
    )
    page.evaluate(_BLANK_WATCH_JS)
    for key in keys:
        page.keyboard.press(key)
        page.wait_for_timeout(60)
    until(page, lambda: _settled_on(page, value), timeout_s=20)
    wait_idle(page)
    page.wait_for_timeout(500)
    watch = page.evaluate("() => { window.__blank.stop = true; return window.__blank; }")
    # Measured residual: keys back and forth within one rerun can leave one frame in which Streamlit has dropped
    # every earlier map container before it mounts the next one hidden — nothing on the page to hold (1 run in 3
    # of right-then-back; 0 in the single-key test above, which asserts none)
    assert watch["blank"] <= 1, f"frames with no map: {watch}"
    after = with_lr(SCENE, 0, value)
    assert_paths_equal(final_paths(page), after, after.resolve().simulate(), where=f"after {keys}, lr={value}")
    # the map is on screen, where it belongs (a container held and let go is laid out as Streamlit left it)
    box = page.evaluate(
        "() => { const b = document.querySelector('.st-key-contour'), r = b.getBoundingClientRect(), cs = getComputedStyle(b);"
        " return {h: r.height, display: cs.display, visibility: cs.visibility, style: b.style.cssText}; }"
    )
    assert box["h"] > 200 and box["display"] != "none" and box["visibility"] == "visible", box
    assert box["style"] == "", box
    assert not page.js_errors, page.js_errors


def _settled_on(page, value: float) -> None:
    wait_idle(page)
    assert float(widget_value(page, SLIDER)) == value
    assert page.evaluate("() => document.querySelectorAll('.st-key-contour').length") == 1
