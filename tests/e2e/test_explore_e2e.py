"""Explore in a real browser: a click on a sweep heatmap cell selects that cell, and "use these settings" sends
it to the main view (the sidebar's slider and the address bar follow).

Plotly heatmaps report no clicked points to Streamlit; the invisible cell-centre overlay does (viz.explore).
"""

from __future__ import annotations

import urllib.parse

import numpy as np
import pytest

from optim_core import OPTIMIZERS
from tools.browser import rerun, wait_idle, widget_value
from ui.widgets import nearest_option

QUERY = {"surface": "ill_conditioned", "run": "momentum:lr=0.01;adam:lr=0.01", "tab": "explore"}


@pytest.mark.e2e
def test_clicking_a_heatmap_cell_selects_it_and_applies_it(open_page):
    page = open_page(query=QUERY)
    page.set_viewport_size({"width": 1300, "height": 2200})
    page.wait_for_selector(".st-key-sweep_heatmap .js-plotly-plot .main-svg", timeout=60_000)
    wait_idle(page)

    def selected_text():
        return page.locator("p", has_text="Selected cell:").first.inner_text()

    before = selected_text()
    heat = page.locator(".st-key-sweep_heatmap .nsewdrag")
    heat.scroll_into_view_if_needed()
    box = heat.bounding_box()
    # Cell (i, j) = (16, 8) of the 64×64 grid: x from the left, y from the bottom.
    x = box["x"] + box["width"] * (8.5 / 64)
    y = box["y"] + box["height"] * (1 - 16.5 / 64)
    page.mouse.move(x, y)
    page.wait_for_timeout(300)
    page.mouse.click(x, y)
    page.wait_for_function(
        "t => !Array.from(document.querySelectorAll('p')).some(p => p.innerText === t)", arg=before, timeout=30_000
    )
    after = selected_text()
    lo, hi = float(widget_value(page, "explore_x_lo")), float(widget_value(page, "explore_x_hi"))
    lr_grid = np.geomspace(lo, hi, 64)
    mu_grid = np.linspace(0.0, 0.999, 64)
    assert f"lr = {lr_grid[8]:.4g}" in after and f"momentum = {mu_grid[16]:.4g}" in after, after
    apply = page.locator(".st-key-explore_apply").get_by_role("button", name="Use these settings in the main view")
    rerun(page, apply.click, "use these settings")
    page.wait_for_function("() => location.search.includes('momentum%3Alr%3D')", timeout=30_000)
    query = urllib.parse.unquote(page.evaluate("() => location.search"))
    applied = nearest_option(OPTIMIZERS["momentum"].param("lr"), float(lr_grid[8]))  # the slider's nearest value
    assert f"momentum:lr={applied:.10g}" in query, query
    # the sidebar shows the applied value (it is drawn outside the Explore fragment)
    assert float(widget_value(page, "run0_lr")) == pytest.approx(applied, rel=1e-9)


@pytest.mark.e2e
def test_a_256_map_click_shows_that_cells_own_run(open_page):
    """At 256 × 256 (4-pixel cells) a click still lands on the cell under the pointer, and the path drawn under the
    map is that cell's run: the very points run() gives for its lr and momentum."""
    from optim_core import run
    from tools.browser import as_float, plot_data, set_numeric
    from ui.url import scene_from_query

    page = open_page(query=QUERY)
    page.set_viewport_size({"width": 1300, "height": 2200})
    page.wait_for_selector(".st-key-sweep_heatmap .js-plotly-plot .main-svg", timeout=60_000)
    wait_idle(page)
    for key in ("explore_x_n", "explore_y_n"):
        rerun(page, lambda key=key: set_numeric(page, key, value=256), key)
    page.wait_for_function(
        """() => { const g = document.querySelector('.st-key-sweep_heatmap .js-plotly-plot');
                   return g && g._fullData && g._fullData.filter(t => t.name === 'cells')
                     .reduce((n, t) => n + t._length, 0) === 256 * 256; }""",
        timeout=60_000,
    )
    wait_idle(page)
    lo, hi = as_float(widget_value(page, "explore_x_lo")), as_float(widget_value(page, "explore_x_hi"))
    ylo, yhi = as_float(widget_value(page, "explore_y_lo")), as_float(widget_value(page, "explore_y_hi"))
    steps = int(as_float(widget_value(page, "explore_steps")))
    lr_grid, mu_grid = np.geomspace(lo, hi, 256), np.linspace(ylo, yhi, 256)
    start = scene_from_query(QUERY).resolve().starts[0]
    for i, j in ((200, 37), (3, 250)):
        heat = page.locator(".st-key-sweep_heatmap .nsewdrag")
        heat.scroll_into_view_if_needed()
        box = heat.bounding_box()
        # a whole pixel, as a pointer is: within 0.5 px of the cell's centre (a cell is ~1.6 px high here)
        x = round(box["x"] + box["width"] * ((j + 0.5) / 256))
        y = round(box["y"] + box["height"] * (1 - (i + 0.5) / 256))
        page.mouse.move(x, y)
        page.wait_for_timeout(300)
        rerun(page, lambda x=x, y=y: page.mouse.click(x, y), f"a click on cell ({i}, {j})")
        text = page.locator("p", has_text="Selected cell:").first.inner_text()
        assert f"lr = {lr_grid[j]:.4g}" in text and f"momentum = {mu_grid[i]:.4g}" in text, (i, j, text)
        # the map itself is left as it was (no redraw on a click)
        assert not any(t["name"] == "selected" for t in plot_data(page, "sweep_heatmap"))
        # the path under the map is run() of that cell, point for point
        traj = run("ill_conditioned", "momentum", start, steps, lr=float(lr_grid[j]), momentum=float(mu_grid[i]))
        path = next(t for t in plot_data(page, "sweep_cell_contour") if t["mode"] == "lines+markers")
        drawn = np.column_stack([np.asarray(path["x"], dtype=float), np.asarray(path["y"], dtype=float)])
        np.testing.assert_allclose(drawn, traj.points[:, 0], rtol=1e-12, atol=1e-15)
        assert f"final loss {float(traj.loss[-1, 0]):.4g}" in text
