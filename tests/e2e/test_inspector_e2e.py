"""The step inspector in a real headless Chromium: keys step the cursor, the arrows on the map and the rule's
numbers beside it follow, playback moves the curves' cursor and the arrows, the 3-D view plays.

What the page draws is compared with runs recorded here (optim_core, record_state=True). The overlay is an SVG
layer over the map (ui/player.js, makeOverlay); each arrow is an element data-name
``insp:<layer>:<run>:<start>|<scale>`` with its tail (data-ax, data-ay) and head (data-x, data-y) in data
coordinates, drawn at that scale, which its label "Δθ ×5" states; an effective-lr rectangle is
``insp:eff_lr:<run>:<start>|<scale>`` with data-x0/x1/y0/y1, the trail ``insp-trail:…:<step>|<scale>``. The tests also save the screenshots a teacher would project:
artifacts/screens/inspector/{saddle_adam,zigzag_momentum,adagrad_rectangles,3d_step}.png.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from explain import read_numbers
from lessons import LESSONS
from optim_core import run
from optim_core.scene import RunConfig, Scene
from tools.browser import (
    SCREENS,
    install_rerun_counter,
    keyed,
    play_button,
    rerun,
    screenshot,
    select_option,
    until,
    wait_idle,
)
from ui.url import scene_to_query

pytestmark = pytest.mark.e2e

SHOTS = SCREENS / "inspector"
SIZE = {"width": 1440, "height": 900}


def recorded(lesson: str, i: int):
    scene = LESSONS[lesson].scene
    r = scene.resolve()
    cfg = scene.runs[i]
    return run(r.surface, cfg.optimizer, r.starts, r.steps, record_state=True, **dict(cfg.params))


def open_inspector(open_page, lesson: str, run: int, run_label: str | None = None, *, query: dict | None = None):
    """The lesson in presentation mode (what a class sees), the inspector on, run `run` (chosen by its label);
    or, with `query`, the scene of that link."""
    page = open_page(query=query or {"lesson": lesson, "present": "1"})
    # the bar measures the new size and Python sizes the map again: wait for that rerun (and the bar's remount)
    rerun(page, lambda: page.set_viewport_size(SIZE), "resizing the window")
    quiet(page)  # a click while the bar is being mounted again can be lost on a loaded machine
    toggle = keyed(page, "inspect")
    rerun(page, lambda: toggle.locator("label").first.click(), "the inspector toggle")

    def panel_open() -> None:
        if not toggle.locator("input").first.is_checked():  # the click was lost: click again
            rerun(page, lambda: toggle.locator("label").first.click(), "the inspector toggle, again")
        keyed(page, "insp_run", timeout_ms=2_000)

    until(page, panel_open, timeout_s=30)
    if run_label:
        rerun(page, lambda: select_option(page, "insp_run", run_label), "choosing the run")
    page.mouse.move(SIZE["width"] - 3, SIZE["height"] - 3)
    # a lesson with an open question starts at step 0 (predict, then see), where no step has been taken yet:
    # go to the last step, as a teacher would after ▶ Play
    quiet(page)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")  # keys are not for the toggle
    last = int(page.locator(".st-key-player .pl-total").first.inner_text().strip("/ "))
    try:
        rerun(page, lambda: page.keyboard.press("End"), "End: the last step")
    except AssertionError:  # already there (and reported): End changes nothing, so nothing reruns
        if bar_step(page) != last:
            raise

    def mounted() -> None:  # the bar has been mounted again with this run's overlay: it draws its arrows
        assert any(k.startswith(f"insp:step:{run}:") for k in overlay(page)), "no arrows of the run on the map yet"

    until(page, mounted, timeout_s=20)
    quiet(page)
    return page


def quiet(page, still_ms: int = 2000, timeout_s: float = 30) -> None:
    """Wait until no rerun has started for still_ms: the panel's first draw can change the map column's width
    (a scrollbar), the bar re-measures, Python reruns and the bar is mounted again — keys pressed while it is
    being mounted are lost."""
    install_rerun_counter(page)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        before = page.evaluate("() => window.__e2eScriptStates")
        page.wait_for_timeout(still_ms)
        if page.evaluate("() => window.__e2eScriptStates") == before:
            wait_idle(page)
            return
    raise AssertionError(f"the app kept rerunning for {timeout_s:.0f} s")


def shoot(page, name: str) -> None:
    """The screenshot a teacher would project: the panel's words and numbers beside the (sticky) map."""
    wait_idle(page)
    page.evaluate("() => document.querySelector('.st-key-inspector').scrollIntoView({block: 'start'})")
    page.mouse.move(SIZE["width"] - 3, SIZE["height"] - 3)
    page.wait_for_timeout(400)
    SHOTS.mkdir(parents=True, exist_ok=True)
    screenshot(page, name, directory=SHOTS)


def go_to(page, step: int) -> None:
    """Type a step into the bar's step field (it goes to the nearest frame): one redraw, not one per key."""
    box = page.locator(".st-key-player .pl-step").first
    box.fill(str(step))
    box.press("Enter")


def press(page, *keys: str) -> None:
    """Keys to the page (the playback bar listens on the document), not to a focused widget."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    for k in keys:
        page.keyboard.press(k)


def overlay(page) -> dict:
    """What the inspector draws on the map: data-name → its data coordinates (numbers) and label text."""
    return page.evaluate("""() => {
      const out = {};
      for (const n of document.querySelectorAll('.st-key-contour svg.insp-overlay [data-name]')) {
        const v = {text: n.textContent};
        for (const [k, x] of Object.entries(n.dataset)) if (k !== 'name') v[k] = Number(x);
        out[n.dataset.name] = v;
      }
      return out;
    }""")


def bar_step(page) -> int:
    return int(page.locator(".st-key-player .pl-step").first.input_value())


def drawn(ov: dict, layer: str, r: int, b: int = 0) -> tuple[dict, float]:
    """The annotation or shape of one layer of run r, start b, and its drawn scale."""
    (name,) = [k for k in ov if k.startswith(f"insp:{layer}:{r}:{b}|")]
    return ov[name], float(name.rsplit("|", 1)[1])


def arrow(ov: dict, layer: str, r: int, b: int = 0) -> tuple[np.ndarray, np.ndarray, float]:
    """(tail, head − tail divided by its drawn scale, the scale) of one arrow on the map; its label says the
    scale when it is not 1."""
    a, s = drawn(ov, layer, r, b)
    labels = " ".join(v["text"] for k, v in ov.items() if k.startswith("insp-label:") and k.endswith(f":{r}:{b}"))
    sci = f"{s:.0e}".replace("e+0", "e+").replace("e-0", "e-")  # player.js writes 1e+5 beyond 10⁵
    assert s == 1 or f"×{s:g}" in labels or f"×{sci}" in labels, (s, labels)
    tail = np.array([a["ax"], a["ay"]], dtype=float)
    return tail, (np.array([a["x"], a["y"]], dtype=float) - tail) / s, s


def panel_rows(page) -> dict[str, list[float]]:
    """symbol → numbers of the step's LaTeX block, from KaTeX's own copy of the source."""
    srcs = page.evaluate("""() => [...document.querySelectorAll(
      '.st-key-inspector .katex annotation')].map(a => a.textContent)""")
    blocks = [s for s in srcs if "& = " in s]
    assert blocks, "no step equation in the panel"
    body = blocks[0].split("\\begin{aligned}", 1)[1].rsplit("\\end{aligned}", 1)[0]
    out = {}
    for line in body.split("\\\\"):
        sym, _, value = line.strip().partition("&")
        if value.strip().startswith("="):
            out[sym.strip()] = read_numbers(value.split(r"\quad")[0])
    return out


def test_keys_step_the_cursor_and_the_arrows_and_the_numbers_follow(open_page):
    traj = recorded("saddle", 2)  # Adam, lr 0.03
    rec = traj.record
    page = open_inspector(open_page, "saddle", 2, "Adam")
    press(page, "Home", *["ArrowRight"] * 12)

    def at_step(t: int, zoomed: bool = False) -> None:
        assert bar_step(page) == t
        ov = overlay(page)
        theta = traj.points[t - 1, 0]
        tail, step, s = arrow(ov, "step", 2)
        np.testing.assert_allclose(tail, theta, rtol=1e-5)
        np.testing.assert_allclose(step, traj.points[t, 0] - theta, rtol=1e-3, atol=1e-7)
        tail, grad, _ = arrow(ov, "gradient", 2)
        np.testing.assert_allclose(grad, -rec.lr[t - 1, 0] * rec.grad[t - 1, 0], rtol=1e-3, atol=1e-7)
        _, vel, _ = arrow(ov, "velocity", 2)
        np.testing.assert_allclose(vel, -0.03 * rec.state["exp_avg"][t - 1, 0] / (1 - 0.9**t), rtol=1e-3, atol=1e-7)
        rect, k = drawn(ov, "eff_lr", 2)
        assert f"×{k:g}" in ov["insp-label:eff_lr:2:0"]["text"]
        sides = np.array([rect["x1"] - rect["x0"], rect["y1"] - rect["y0"]]) / k
        np.testing.assert_allclose(sides, rec.eff_lr[t - 1, 0], rtol=1e-3)
        assert zoomed or s > 1  # Adam's steps of ~0.03 on a 4-wide map are scaled up, and say so

    until(page, lambda: at_step(12))

    def numbers(t: int) -> None:
        rows = panel_rows(page)
        np.testing.assert_allclose(rows[r"\theta_t"], traj.points[t, 0], rtol=1e-3)
        np.testing.assert_allclose(rows["m_t"], rec.state["exp_avg"][t - 1, 0], rtol=1e-3)
        np.testing.assert_allclose(rows["v_t"], rec.state["exp_avg_sq"][t - 1, 0], rtol=1e-3)

    until(page, lambda: numbers(12), timeout_s=20)  # the settled step reaches Python, the panel reruns
    shoot(page, "saddle_adam")
    press(page, "ArrowLeft")
    until(page, lambda: at_step(11))
    until(page, lambda: numbers(11), timeout_s=20)
    # zoomed in, the same arrows are drawn at another scale — and still say which
    before = arrow(overlay(page), "step", 2)[2]
    page.evaluate("""() => { const g = document.querySelector('.st-key-contour .js-plotly-plot');
      window.Plotly.relayout(g, {'xaxis.range': [-1.6, -1.4], 'yaxis.range': [0.2, 0.4]}); }""")
    until(page, lambda: (at_step(11, zoomed=True), arrow(overlay(page), "step", 2)[2] < before))
    assert not page.js_errors, page.js_errors


def test_playback_moves_the_curves_cursor_and_the_arrows(open_page):
    traj = recorded("zigzag", 2)  # momentum μ = 0.9 overshoots along the valley
    page = open_inspector(open_page, "zigzag", 2, "0.9")
    press(page, "Home")
    until(page, lambda: bar_step(page) == 0)

    def cursor_x() -> float | None:
        return page.evaluate("""() => { const g = document.querySelector('.st-key-metrics .js-plotly-plot');
          const s = (g.layout.shapes || []).find(s => s.name === 'step-cursor'); return s ? s.x0 : null; }""")

    seen_cursor, seen_tail = set(), set()
    play_button(page).click()
    for _ in range(25):
        page.wait_for_timeout(150)
        seen_cursor.add(cursor_x())
        a = next((v for k, v in overlay(page).items() if k.startswith("insp:step:2:0|")), None)
        if a:
            seen_tail.add((round(a["ax"], 6), round(a["ay"], 6)))
    until(page, lambda: bar_step(page) == traj.steps, timeout_s=30)
    assert len(seen_cursor - {None}) >= 5, seen_cursor
    assert len(seen_tail) >= 5, "the arrows did not follow the playback"
    tails = np.array(sorted(seen_tail))
    on_path = np.min(np.linalg.norm(traj.points[:-1, 0][None, :, :] - tails[:, None, :], axis=2), axis=1)
    assert (on_path < 1e-4).all()  # every drawn arrow started at a point of the path
    # a step where the velocity carries the path past the valley floor, for the screenshot
    g = traj.record.grad[:, 0]
    t = next(t for t in range(8, traj.steps) if g[t - 1, 1] * g[t, 1] < 0)
    go_to(page, t)
    until(page, lambda: bar_step(page) == t)
    until(
        page,
        lambda: any("valley floor" in s for s in page.locator(".st-key-inspector p").all_inner_texts()),
        timeout_s=20,
    )
    shoot(page, "zigzag_momentum")
    assert not page.js_errors, page.js_errors


def test_adagrad_rectangles_shrink_with_its_rate(open_page):
    traj = recorded("adagrad", 0)
    eff = traj.record.eff_lr[:, 0]
    page = open_inspector(open_page, "adagrad", 0)  # run 0 is Adagrad, inspected by default
    sizes = {}
    for t in (5, 100):
        steps = frame_steps(page)
        t = steps[int(np.argmin(np.abs(np.array(steps) - t)))]
        go_to(page, t)

        def rect(t=t):
            assert bar_step(page) == t
            ov = overlay(page)
            r, k = drawn(ov, "eff_lr", 0)
            sides = np.array([r["x1"] - r["x0"], r["y1"] - r["y0"]])
            np.testing.assert_allclose(sides / k, eff[t - 1], rtol=1e-3)
            # the trail: earlier steps' rectangles, same scale, each centred on the point its step started from
            trail = {int(n.split(":")[4].split("|")[0]): v for n, v in ov.items() if n.startswith("insp-trail:")}
            assert len(trail) == min(8, t - 1) and max(trail) < t
            for ts, v in trail.items():
                got = np.array([v["x1"] - v["x0"], v["y1"] - v["y0"]]) / k
                np.testing.assert_allclose(got, eff[ts - 1], rtol=1e-3)
                centre = np.array([v["x0"] + v["x1"], v["y0"] + v["y1"]]) / 2
                np.testing.assert_allclose(centre, traj.points[ts - 1, 0], rtol=1e-4, atol=1e-6)
            return sides

        sizes[t] = until(page, rect)
    small, big = sizes[max(sizes)], sizes[min(sizes)]
    assert (small < 0.5 * big).all(), sizes  # the same scale for every step: the square shrinks
    shoot(page, "adagrad_rectangles")
    assert not page.js_errors, page.js_errors


def frame_steps(page) -> list[int]:
    return page.evaluate("""() => {
      const g = document.querySelector('.st-key-contour .js-plotly-plot');
      return g.layout.meta.frame_steps; }""")


def test_the_3d_view_plays_and_follows_the_step(open_page):
    traj = recorded("saddle", 2)
    # at its last step: the lesson's open question holds the side views until the bar has reached the end
    page = open_page(query={"lesson": "saddle", "side": "3d", "step": str(LESSONS["saddle"].scene.steps)})
    page.wait_for_selector(".st-key-surface3d .js-plotly-plot .main-svg", timeout=60_000)
    wait_idle(page)

    def heads() -> list[list[float]]:
        return page.evaluate("""() => {
          const g = document.querySelector('.st-key-surface3d .js-plotly-plot');
          return g._fullData.filter(t => t.meta && t.meta.role === 'head').map(t => [t.x[0], t.y[0]]); }""")

    assert (
        page.evaluate(
            "() => document.querySelector('.st-key-surface3d .js-plotly-plot')._transitionData._frames.length"
        )
        > 10
    )
    go_to(page, 30)  # software WebGL: one redraw
    until(page, lambda: np.testing.assert_allclose(heads()[2], traj.points[30, 0], rtol=1e-5), timeout_s=30)
    page.evaluate("() => document.querySelector('.st-key-surface3d').scrollIntoView({block: 'center'})")
    page.wait_for_timeout(1500)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".st-key-surface3d").screenshot(path=str(SHOTS / "3d_step.png"))
    press(page, "Home")
    until(page, lambda: np.testing.assert_allclose(heads()[2], traj.points[0, 0], rtol=1e-5), timeout_s=30)
    seen = set()
    play_button(page).click()
    for _ in range(30):
        page.wait_for_timeout(300)
        seen.add(tuple(None if v is None else round(v, 5) for v in heads()[2]))  # None: left the view
    assert len(seen) >= 3, f"the 3-D heads did not move during playback: {seen}"
    assert not page.js_errors, page.js_errors


# ----------------------------------------------------------------------------- every step reachable (issue 11)
LONG = Scene(
    surface="rosenbrock",
    runs=(RunConfig("adam", {"lr": 2e-2}), RunConfig("momentum", {"lr": 1e-3})),
    starts=((-1.2, 1.0), (0.0, 2.0)),
    steps=500,
)
HEAVY = Scene(  # the app's largest scene (benchmarks.app heavy_scene): 8 runs × 3 starts × 10 000 steps
    surface="rosenbrock",
    runs=tuple(
        RunConfig(o, {"lr": lr})
        for o, lr in [
            ("sgd", 1e-3),
            ("momentum", 1e-3),
            ("adam", 2e-2),
            ("rmsprop", 5e-3),
            ("adagrad", 0.1),
            ("nadam", 2e-2),
            ("adamw", 2e-2),
            ("lion", 1e-3),
        ]
    ),
    starts=((-1.2, 1.0), (0.0, 2.0), (1.5, -0.5)),
    steps=10_000,
)


def recorded_scene(scene: Scene, i: int):
    r = scene.resolve()
    cfg = scene.runs[i]
    return run(r.surface, cfg.optimizer, r.starts, r.steps, record_state=True, **dict(cfg.params))


def map_run(page, run_index: int) -> tuple[list[np.ndarray], np.ndarray]:
    """(each start's path as drawn, the end markers as drawn) of one run on the map, from Plotly's _fullData."""
    got = page.evaluate(
        """(r) => {
      const g = document.querySelector('.st-key-contour .js-plotly-plot');
      const f = (role) => g._fullData.find(t => t.meta && t.meta.role === role && t.meta.run === r);
      const xy = (t) => Array.from(t.x, (x, i) => [x, t.y[i]]);
      return {path: xy(f('path')), head: xy(f('head'))}; }""",
        run_index,
    )
    path = np.array([[np.nan if v is None else v for v in row] for row in got["path"]], dtype=float)
    segments = [s[~np.isnan(s[:, 0])] for s in np.split(path, np.flatnonzero(np.isnan(path[:, 0])))]
    return segments, np.array(got["head"], dtype=float)


def bar_range(page) -> tuple[int, int]:
    """(the scrub slider's last position, its position): one position per step with the inspector on."""
    got = page.locator(".st-key-player .pl-range").first.evaluate("(r) => [Number(r.max), Number(r.value)]")
    return int(got[0]), int(got[1])


def test_every_step_of_a_500_step_run_is_reachable(open_page):
    traj = recorded_scene(LONG, 0)
    rec = traj.record
    page = open_inspector(open_page, "", 0, query=scene_to_query(LONG))
    assert bar_range(page)[0] == 500  # one bar position per step
    press(page, "Home")
    until(page, lambda: bar_step(page) == 0)

    def at_step(t: int) -> None:
        assert bar_step(page) == t
        assert bar_range(page)[1] == t
        ov = overlay(page)
        for b in range(2):
            tail, step, _ = arrow(ov, "step", 0, b)
            np.testing.assert_allclose(tail, traj.points[t - 1, b], rtol=1e-5)
            np.testing.assert_allclose(step, traj.points[t, b] - traj.points[t - 1, b], rtol=1e-3, atol=1e-7)
            _, grad, _ = arrow(ov, "gradient", 0, b)
            np.testing.assert_allclose(grad, -rec.lr[t - 1, b] * rec.grad[t - 1, b], rtol=1e-3, atol=1e-7)
        paths, heads = map_run(page, 0)  # the path on the map is θ_0 … θ_t, its end marker θ_t
        for b in range(2):
            np.testing.assert_allclose(paths[b], traj.points[: t + 1, b], rtol=1e-6, atol=1e-7)
            np.testing.assert_allclose(heads[b], traj.points[t, b], rtol=1e-6, atol=1e-7)

    for t in (1, 2, 3):
        press(page, "ArrowRight")
        until(page, lambda t=t: at_step(t))
    go_to(page, 12)
    until(page, lambda: at_step(12))
    press(page, "ArrowLeft")
    until(page, lambda: at_step(11))
    # the browser built no frame per step: the figure keeps its ≤ 121 frames
    n_frames = page.evaluate(
        "() => document.querySelector('.st-key-contour .js-plotly-plot')._transitionData._frames.length"
    )
    assert 0 < n_frames <= 121, n_frames
    assert not page.js_errors, page.js_errors


def test_the_heavy_scene_reaches_its_last_steps(open_page):
    traj = recorded_scene(HEAVY, 0)
    page = open_inspector(open_page, "", 0, query=scene_to_query(HEAVY))
    assert bar_range(page)[0] == 10_000
    for t in (9_999, 5_001, 1):
        go_to(page, t)

        def at(t: int = t) -> None:
            assert bar_step(page) == t
            tail, step, _ = arrow(overlay(page), "step", 0, 1)
            np.testing.assert_allclose(tail, traj.points[t - 1, 1], rtol=1e-5)
            np.testing.assert_allclose(step, traj.points[t, 1] - traj.points[t - 1, 1], rtol=1e-3, atol=1e-9)
            paths, heads = map_run(page, 0)
            np.testing.assert_allclose(heads[1], traj.points[t, 1], rtol=1e-6, atol=1e-7)
            np.testing.assert_allclose(paths[1][-1], traj.points[t, 1], rtol=1e-6, atol=1e-7)

        until(page, at, timeout_s=20)
        # the page still answers at once (no stall): a script round trip and the bar's next step
        press(page, "ArrowRight")
        until(page, lambda t=t: bar_step(page) == min(t + 1, 10_000), timeout_s=5)
    assert not page.js_errors, page.js_errors


# ----------------------------------------------------------------------------- arrows and numbers on one screen
ON_SCREEN_JS = """() => {
  const box = (el) => { if (!el) return null; const r = el.getBoundingClientRect();
    return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; };
  const arrow = document.querySelector('.st-key-contour svg.insp-overlay [data-name^="insp:step:2:"]');
  const eq = [...document.querySelectorAll('.st-key-inspector .katex-display')]
    .find(k => ((k.querySelector('annotation') || {}).textContent || '').includes('& = '));
  return {arrow: box(arrow), eq: box(eq), vw: innerWidth, vh: innerHeight}; }"""


@pytest.mark.parametrize(
    "size,sidebar,lang",
    [
        ((1024, 768), "open", "en"),
        ((1024, 768), "closed", "en"),
        ((1024, 768), "open", "zh"),
        ((390, 844), "closed", "en"),
    ],
    ids=["1024x768-sidebar", "1024x768-no-sidebar", "1024x768-sidebar-zh", "phone"],
)
def test_the_arrows_and_the_numbers_are_on_the_screen_together(open_page, size, sidebar, lang):
    """A teacher points at the arrows on the map and at the rule's numbers: at 1024×768 (a projector), sidebar
    open or closed, both are on the screen as the page opens; on a phone, once the map is scrolled to the top,
    the arrows and the rule's first rows."""
    traj = recorded("saddle", 2)
    page = open_page(query={"lesson": "saddle", "step": "12", **({"lang": lang} if lang != "en" else {})})
    rerun(page, lambda: page.set_viewport_size({"width": size[0], "height": size[1]}), "resizing the window")
    quiet(page)
    side = page.locator('[data-testid="stSidebar"]')
    if sidebar == "closed" and side.get_attribute("data-collapsed") == "false":
        side.hover()
        page.locator('[data-testid="stSidebarCollapseButton"] button').first.click(force=True)
        quiet(page)
    assert side.get_attribute("data-collapsed") == ("true" if sidebar == "closed" else "false")
    toggle = keyed(page, "inspect")
    rerun(page, lambda: toggle.locator("label").first.click(), "the inspector toggle")

    def panel_open() -> None:
        if not toggle.locator("input").first.is_checked():
            rerun(page, lambda: toggle.locator("label").first.click(), "the inspector toggle, again")
        keyed(page, "insp_run", timeout_ms=2_000)

    until(page, panel_open, timeout_s=30)
    rerun(page, lambda: select_option(page, "insp_run", "Adam"), "choosing the run")
    quiet(page)
    go_to(page, 12)
    until(page, lambda: np.testing.assert_allclose(panel_rows(page)[r"\theta_t"], traj.points[12, 0], rtol=1e-3), 20)
    quiet(page)  # the bar measured the panel, the map was sized again
    top = (
        "() => { const m = document.querySelector('.st-key-contour'), s = document.querySelector('[data-testid=stMain]');"
        " s.scrollTo(0, %s); }"
    )
    page.evaluate(top % ("m.getBoundingClientRect().top + s.scrollTop - 47" if size[0] < 900 else "0"))
    page.mouse.move(size[0] - 3, size[1] - 3)
    page.wait_for_timeout(500)
    got = page.evaluate(ON_SCREEN_JS)
    for what in ("arrow", "eq"):
        b = got[what]
        assert b is not None, f"no {what} drawn"
        # a phone: Adam's rule has 13 rows; the map, the bar and its first six (θ, g, m, v) fit, the rest scrolls
        bottom = b["top"] + 150 if (what == "eq" and size[0] < 900) else b["bottom"]
        assert b["top"] >= 0 and bottom <= got["vh"] and b["left"] >= 0 and b["right"] <= got["vw"], (what, got)
    tail, step, _ = arrow(overlay(page), "step", 2)
    np.testing.assert_allclose(tail, traj.points[11, 0], rtol=1e-5)
    SHOTS.mkdir(parents=True, exist_ok=True)
    screenshot(page, f"together_{size[0]}x{size[1]}_{sidebar}_{lang}", directory=SHOTS)
    assert not page.js_errors, page.js_errors
