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
