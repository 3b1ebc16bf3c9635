"""The classroom in a real browser, at the screen sizes people use: a 1024×768 projector, a 1440×900 laptop,
1920×1080 and a 390×844 phone.

- The map fills the screen: its plot area is at least 60 % of the main column's width at 1024, 1440 and 1920,
  and at 1440×900 it is fully visible without scrolling with a lesson loaded.
- The lessons stay visible and clickable with the sidebar collapsed (they sat under Streamlit's header).
- Phone: the sidebar does not cover the page on first load; no control is clipped.
- Presentation mode: chrome hidden; Space plays and pauses, → steps, a digit loads a lesson; no console error.
- An end marker's hover belongs to its own run and says the final step and the hyperparameters.
"""

from __future__ import annotations

import pytest

from lessons import LESSONS
from tools.browser import data_to_pixel, exceptions, page_query, pixel_to_data, plot_area, until, wait_idle

pytestmark = pytest.mark.e2e

SIZES = {"projector": (1024, 768), "laptop": (1440, 900), "full_hd": (1920, 1080)}

_GEOMETRY_JS = """() => {
  const gd = document.querySelector('.st-key-contour .js-plotly-plot');
  const drag = gd.querySelector('.nsewdrag').getBoundingClientRect();
  const main = document.querySelector('[data-testid="stMainBlockContainer"]');
  const cs = getComputedStyle(main);
  const width = main.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
  const axis = gd.querySelector('.xtick') ? gd.querySelector('.xaxislayer-above').getBoundingClientRect() : drag;
  return {plot_w: drag.width, plot_h: drag.height, top: drag.top, bottom: Math.max(drag.bottom, axis.bottom),
          main_w: width, vh: innerHeight, vw: innerWidth,
          scroll_w: document.documentElement.scrollWidth};
}"""


def _open(open_page, size, query):
    page = open_page(query=query)
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.wait_for_timeout(1500)  # the playback bar measures the new size; the map is resized on the rerun
    wait_idle(page)
    page.wait_for_timeout(500)
    return page


@pytest.mark.parametrize("name", list(SIZES))
def test_the_map_fills_the_main_column(open_page, name):
    size = SIZES[name]
    page = _open(open_page, size, {"lesson": "rosenbrock"})
    g = page.evaluate(_GEOMETRY_JS)
    frac = g["plot_w"] / g["main_w"]
    assert frac >= 0.60, f"{name}: the plot area is {frac:.0%} of the main column ({g})"
    assert abs(g["plot_w"] - g["plot_h"]) <= 3, f"{name}: a square window keeps x and y at equal scale ({g})"
    if name == "laptop":
        assert g["top"] >= 0 and g["bottom"] <= g["vh"], f"the map is not fully visible at 1440×900: {g}"
    if name == "projector":  # stacked columns: the playback bar comes below the map, on screen with it
        bar = page.locator(".st-key-player").first.bounding_box()
        assert bar and bar["y"] + bar["height"] <= g["vh"], f"▶ Play is below the fold at 1024×768: {bar}, {g}"
    assert g["scroll_w"] <= g["vw"] + 1, f"{name}: the page scrolls sideways"


@pytest.mark.parametrize("size", [(1024, 768), (1920, 1080), (390, 844)], ids=["projector", "full_hd", "phone"])
def test_lessons_stay_clickable_with_the_sidebar_collapsed(open_page, size):
    page = _open(open_page, size, {"tab": "trajectories"})
    sidebar = page.locator('[data-testid="stSidebar"]')
    if sidebar.get_attribute("data-collapsed") == "false":
        sidebar.hover()  # Streamlit shows the collapse button on hover
        page.locator('[data-testid="stSidebarCollapseButton"] button').first.click(force=True)
        page.wait_for_timeout(800)
    assert sidebar.get_attribute("data-collapsed") == "true"
    button = page.locator('.st-key-lessons_row [class*="st-key-lesson_"]:not(.st-key-lesson_group) button').first
    box = button.bounding_box()
    assert box and box["y"] >= 0 and box["x"] >= 0 and box["x"] + box["width"] <= size[0] + 1
    # nothing covers it: the element at its centre is the button (or inside it)
    covered = page.evaluate(
        """([x, y]) => { const el = document.elementFromPoint(x, y);
             const b = document.querySelector(
               '.st-key-lessons_row [class*="st-key-lesson_"]:not(.st-key-lesson_group) button');
             return el && (el === b || b.contains(el)) ? null : (el ? el.outerHTML.slice(0, 160) : 'nothing'); }""",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert covered is None, f"the lesson button is covered by {covered}"
    button.click()
    page.wait_for_function("() => new URLSearchParams(location.search).has('lesson')", timeout=30_000)
    assert "lesson" in page_query(page)


def test_on_a_phone_the_sidebar_starts_closed_and_nothing_is_clipped(open_page):
    page = _open(open_page, (390, 844), {})
    assert page.locator('[data-testid="stSidebar"]').get_attribute("data-collapsed") == "true"
    clipped = page.evaluate(
        """() => { const vw = innerWidth; const out = [];
          for (const el of document.querySelectorAll('button, [role=radio], input, [data-testid="stPlotlyChart"]')) {
            if (el.closest('[data-testid="stSidebar"][data-collapsed="true"]')) continue;  // off-canvas until opened
            const r = el.getBoundingClientRect();
            if (r.width > 0 && r.height > 0 && (r.right > vw + 1 || r.left < -1)) out.push(el.innerText || el.tagName);
          }
          for (const host of document.querySelectorAll('.st-key-player *')) {
            const root = host.shadowRoot; if (!root) continue;
            for (const el of root.querySelectorAll('button, input')) {
              const r = el.getBoundingClientRect();
              if (r.width > 0 && (r.right > vw + 1 || r.left < -1)) out.push('player: ' + (el.innerText || el.className));
            }
          }
          return out; }"""
    )
    assert not clipped, f"controls cut off at 390 px: {clipped}"


def test_presentation_mode_and_its_keys(open_page):
    page = _open(open_page, (1920, 1080), {"present": "1", "lesson": "zigzag"})
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    # the exit button sits in the page's flow (the end of the lessons row), covering no other control
    covered = page.evaluate(
        """() => { const b = document.querySelector('.st-key-present_exit button'); if (!b) return ['no button'];
          const r = b.getBoundingClientRect(); const out = [];
          if (r.width === 0 || r.bottom > innerHeight || r.right > innerWidth) out.push('exit button off screen');
          for (const e of document.querySelectorAll('button, input, [data-baseweb="select"], .js-plotly-plot')) {
            if (b.contains(e) || e.contains(b)) continue;
            const q = e.getBoundingClientRect(); if (!q.width || !q.height) continue;
            if (q.left < r.right && r.left < q.right && q.top < r.bottom && r.top < q.bottom)
              out.push(e.getAttribute('aria-label') || e.className || e.tagName); }
          return out; }"""
    )
    assert not covered, f"the exit button overlaps: {covered}"

    def step():
        return page.evaluate(
            """() => { for (const h of document.querySelectorAll('.st-key-player *')) {
                 const r = h.shadowRoot; if (r && r.querySelector('.pl-step')) return Number(r.querySelector('.pl-step').value); }
               return null; }"""
        )

    page.keyboard.press("Home")
    page.wait_for_timeout(400)
    assert step() == 0
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(400)
    first = step()
    assert first > 0
    page.keyboard.press("Space")  # play …
    page.wait_for_timeout(1200)
    playing = step()
    assert playing > first
    page.keyboard.press("Space")  # … pause
    page.wait_for_timeout(600)
    paused = step()
    page.wait_for_timeout(800)
    assert step() == paused
    first_of_group = next(k for k, v in LESSONS.items() if v.group == LESSONS["zigzag"].group)
    page.keyboard.press("1")  # the first lesson of the row
    page.wait_for_function(
        "id => new URLSearchParams(location.search).get('lesson') === id", arg=first_of_group, timeout=30_000
    )
    assert not page.js_errors, page.js_errors
    assert not exceptions(page)


def test_an_end_marker_hover_belongs_to_its_own_run(open_page):
    query = {
        "surface": "rosenbrock",
        "run": "adam:lr=0.05,weight_decay=0.1;adamw:lr=0.05,weight_decay=0.1",
        "steps": "500",
    }
    page = _open(open_page, (1440, 900), query)
    heads = page.evaluate(
        """() => { const g = document.querySelector('.st-key-contour .js-plotly-plot');
           return g._fullData.filter(t => t.meta && t.meta.role === 'head').map(t => [t.meta.run, t.x[0], t.y[0]]); }"""
    )
    for run, x, y in heads:
        for dx, dy in ((0, 0), (3, 0), (-3, 0), (0, 3), (0, -3)):
            px, py = data_to_pixel(page, "contour", x, y)
            page.mouse.move(px + dx, py + dy)
            page.wait_for_timeout(250)
            text = page.evaluate(
                "() => Array.from(document.querySelectorAll('.hoverlayer .hovertext')).map(e => e.textContent).join('|')"
            )
            name = "AdamW" if run == 1 else "Adam ("
            assert name in text and "step 500" in text and "weight_decay = 0.1" in text, (run, dx, dy, text)


def test_hover_answers_on_a_path_point_and_on_the_bare_surface(open_page):
    """The hover traces draw (almost) no SVG markers (viz/contour.py HIDDEN_MARKERS): Plotly answers hover from
    its data, so a path point still names its run, step and f, and a bare spot of the map still says f there."""
    query = {"surface": "rosenbrock", "run": "momentum:lr=0.001,momentum=0.9", "steps": "200"}
    page = _open(open_page, (1440, 900), query)
    path = page.evaluate(
        """() => { const g = document.querySelector('.st-key-contour .js-plotly-plot');
           const t = g._fullData.find(t => t.meta && t.meta.role === 'pathhover');
           return {x: Array.from(t.x), y: Array.from(t.y), cd: Array.from(t.customdata, r => Array.from(r)),
                   drawn: Array.from(g.querySelectorAll('.scatterlayer .trace')).map((el, k) => [
                     g._fullData[k].meta && g._fullData[k].meta.role, el.querySelectorAll('.points path').length])}; }"""
    )

    def hover_text() -> str:
        return page.evaluate(
            "() => Array.from(document.querySelectorAll('.hoverlayer .hovertext')).map(e => e.textContent).join('|')"
        )

    i = 40  # a point of the path well away from its start and end markers
    px, py = data_to_pixel(page, "contour", path["x"][i], path["y"][i])
    page.mouse.move(px, py)
    step = int(path["cd"][i][0])

    def on_path():
        text = hover_text()
        assert "Momentum" in text and f"step {step}" in text, text

    until(page, on_path)
    area = plot_area(page, "contour")
    here = pixel_to_data(page, "contour", 0.05, 0.06)  # a corner of the map, far from the path
    page.mouse.move(here["cx"], here["cy"])

    def on_surface():
        text = hover_text()
        assert "f = " in text and "click" in text, text  # the grid's hover: f here, "click: start here"

    until(page, on_surface)
    assert area["xrange"][0] <= here["x"] <= area["xrange"][1]
    drawn = {role: n for role, n in path["drawn"] if role in ("grid", "pathhover")}
    assert drawn and max(drawn.values()) <= 1, f"invisible hover points are drawn as SVG markers again: {drawn}"


def _bar_step(page):
    return page.evaluate(
        """() => { for (const h of document.querySelectorAll('.st-key-player *')) {
             const r = h.shadowRoot; if (r && r.querySelector('.pl-step')) return Number(r.querySelector('.pl-step').value); }
           return null; }"""
    )


def test_a_links_step_opens_there_one_key_moves_one_frame_and_the_link_follows(open_page):
    query = {"surface": "ill_conditioned", "run": "sgd:lr=0.05;momentum:lr=0.05", "steps": "60", "step": "20"}
    page = _open(open_page, (1440, 900), query)
    assert _bar_step(page) == 20  # the bar opens at the link's step
    page.get_by_text("3-D surface", exact=True).first.click()  # a rerun that mounts the bar again
    wait_idle(page)
    page.wait_for_timeout(800)
    assert _bar_step(page) == 20  # … and keeps the shown step
    page.mouse.click(5, 300)  # focus the page, not a field
    for want in (21, 22, 21):
        page.keyboard.press("ArrowRight" if want > _bar_step(page) else "ArrowLeft")
        page.wait_for_timeout(300)
        assert _bar_step(page) == want  # one key press, one step (no handler left over from an earlier mount)
    page.wait_for_function("() => new URLSearchParams(location.search).get('step') === '21'", timeout=30_000)
    assert page_query(page).get("step") == "21"  # the share link keeps the shown step
    assert not page.js_errors, page.js_errors


def test_the_share_box_shows_the_link_as_text_and_copies_it(open_page):
    """The share box (ui/share.js) holds the page's own link as a field value: a hostile formula in the link
    stays text (no element is made from it), and the copy button copies or selects the link."""
    query = {"surface": "x^2 + y^2", "run": "sgd:lr=0.1", "steps": "20", "lang": "en"}
    page = _open(open_page, (1440, 900), query)
    box = page.locator(".st-key-share_box input.sh-link").first
    until(page, lambda: assert_same_link(page, box.input_value()))
    button = page.locator(".st-key-share_box button.sh-copy").first
    button.click()
    until(page, lambda: _assert_in(button.inner_text(), ("Copied", "Selected: press Ctrl+C")))
    assert box.evaluate("b => b.selectionEnd - b.selectionStart === b.value.length")  # selected, ready for Ctrl+C
    # hostile text in the link: shown in the field as typed, never parsed as HTML
    hostile = {"surface": "x^2 + y^2", "run": "sgd:lr=0.1", "steps": "20", "lesson": '"><img src=x onerror=alert(1)>'}
    page = _open(open_page, (1440, 900), hostile)
    assert page.locator(".st-key-share_box img, .st-key-share_link img").count() == 0
    assert not page.js_errors, page.js_errors


def _assert_in(text: str, options: tuple[str, ...]) -> None:
    assert text in options, text


def assert_same_link(page, shown: str) -> None:
    """The field's link and the address bar's query are the same scene and view (the host may differ)."""
    from urllib.parse import parse_qs, urlsplit

    assert shown, "the share field is empty"
    want = {k: v[-1] for k, v in parse_qs(urlsplit(shown).query).items()}
    assert want == page_query(page), (shown, page_query(page))
