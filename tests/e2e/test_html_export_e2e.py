"""The standalone HTML export (viz.standalone_html) in a real headless Chromium: it opens from a file with the
network cut off, plays its animation with the surface visible mid-way, and asks for nothing from outside."""

from __future__ import annotations

import pytest

from look import make_look, run_views, surface_view
from optim_core.scene import RunConfig, Scene, simulate
from surfaces import get_surface
from tools.browser import ARTIFACTS, background_stats
from viz import standalone_html

SCENE = Scene(
    surface="rosenbrock",
    runs=(RunConfig("sgd", {"lr": 2e-3}), RunConfig("momentum", {"lr": 1e-3}), RunConfig("adam", {"lr": 0.05})),
    steps=400,
)

_STATE_JS = """() => {
  const gd = document.querySelector('.js-plotly-plot');
  let n = 0;
  for (const t of gd._fullData) if (t.meta && t.meta.role === 'path' && t.x) n += Array.from(t.x).filter(v => v !== null).length;
  const area = gd.querySelector('.nsewdrag').getBoundingClientRect();
  return {points: n, frames: (gd._transitionData._frames || []).length, images: gd.querySelectorAll('g.imagelayer image').length,
          area: {left: area.left, top: area.top, width: area.width, height: area.height}};
}"""


@pytest.mark.e2e
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_html_file_plays_offline_with_the_surface_visible(tmp_path, browser, theme):
    surface = get_surface("rosenbrock")
    sv = surface_view(surface, SCENE.view_window())
    runs = run_views(simulate(SCENE), SCENE.run_labels())
    page_file = tmp_path / f"scene_{theme}.html"
    page_file.write_text(standalone_html(sv, runs, value=surface.value, look=make_look(theme)), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    requested: list[str] = []

    def block(route):  # offline: anything not in the file itself is refused, and noted
        requested.append(route.request.url)
        route.abort()

    page.route("http*://**", block)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(page_file.as_uri())
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
        full = page.evaluate(_STATE_JS)
        assert full["frames"] > 40 and full["images"] == 1
        page.locator(".updatemenu-button").filter(has_text="Play").first.click()
        page.wait_for_timeout(1500)  # about a third of the 5 s playback
        mid = page.evaluate(_STATE_JS)
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / f"html_export_{theme}_mid.png"
        page.screenshot(path=str(shot))
        assert 0 < mid["points"] < full["points"], (mid, full)  # mid-animation: part of the paths
        assert mid["images"] == 1  # the surface picture is still there
        stats = background_stats(shot, mid["area"])
        assert stats["bins"] >= 4 and stats["std"] > 8, stats  # a coloured surface, not a blank plot
        assert requested == [] and errors == []
    finally:
        page.close()
