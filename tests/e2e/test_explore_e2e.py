"""Explore in a real browser: a click on a sweep heatmap cell selects that cell and sends it to the main view.

Plotly heatmaps report no clicked points to Streamlit; the invisible cell-centre overlay does (viz.explore).
Runs a small script that renders only the Explore section, on its own server (tools.browser.start_server).
"""

from __future__ import annotations

import textwrap
import urllib.parse

import numpy as np
import pytest

from tools.browser import _stop, start_server

APP_SCRIPT = textwrap.dedent("""
    import streamlit as st
    from optim_core.scene import RunConfig, Scene
    from ui.explore import render
    scene = Scene(surface="ill_conditioned", runs=(RunConfig("momentum", {"lr": 0.01}), RunConfig("adam", {"lr": 0.01})))
    if st.query_params.get("run"):
        scene = Scene.from_query(st.query_params.to_dict())
    st.markdown("MAIN: " + "; ".join(r.label() for r in scene.runs))
    render(scene)
""")


@pytest.mark.e2e
def test_clicking_a_heatmap_cell_selects_it_in_the_browser(tmp_path, browser):
    script = tmp_path / "explore_app.py"
    script.write_text(APP_SCRIPT)
    proc, url = start_server(script, tmp_path / "streamlit.log")
    try:
        page = browser.new_page(viewport={"width": 1300, "height": 2200})
        try:
            page.goto(url)
            page.wait_for_selector(".st-key-sweep_heatmap .js-plotly-plot .main-svg", timeout=60_000)

            def selected_text():
                return page.locator("p", has_text="Selected cell:").first.inner_text()

            before = selected_text()
            box = page.locator(".st-key-sweep_heatmap .nsewdrag").bounding_box()
            # Cell (i, j) = (16, 8) of the 64×64 grid: x from the left, y from the bottom.
            x = box["x"] + box["width"] * (8.5 / 64)
            y = box["y"] + box["height"] * (1 - 16.5 / 64)
            page.mouse.move(x, y)
            page.wait_for_timeout(300)
            page.mouse.click(x, y)
            page.wait_for_function(
                "t => !Array.from(document.querySelectorAll('p')).some(p => p.innerText === t)",
                arg=before,
                timeout=30_000,
            )
            after = selected_text()
            lr_grid = np.geomspace(1e-4, 10.0, 64)
            mu_grid = np.linspace(0.0, 0.999, 64)
            assert f"lr = {lr_grid[8]:.4g}" in after and f"momentum = {mu_grid[16]:.4g}" in after, after
            page.locator(".st-key-explore_apply").get_by_role(
                "button", name="Use these settings in the main view"
            ).click()
            page.wait_for_function("() => location.search.includes('momentum%3Alr%3D')", timeout=30_000)
            assert f"{lr_grid[8]:.6g}"[:6] in urllib.parse.unquote(page.evaluate("() => location.search"))
        finally:
            page.close()
    finally:
        _stop(proc)
