"""Explore maps as the browser feels them, up to 256 × 256 (a script, not a test).  Prints Markdown tables.

    python -m benchmarks.explore_app                 # sweeps and basin maps at 64² and 256², cell clicks
    python -m benchmarks.explore_app --sizes 256     # only the 256² rows
    python -m benchmarks.explore_app --repeat 3

Headless Chromium against a real `streamlit run app.py` (benchmarks.app's helpers).  A map is timed from the
input that asks for it (Enter in the y resolution, or in "Starts per axis", a value not computed before, so
nothing comes from a cache) to the heatmap drawn with the new grid (its `_fullData` holds that many rows); a
cell click from the click to the cell's own path drawn in the contour under the map.  Times are taken inside
the page (performance.now()), median of `--repeat` after a warm-up.  The page's websocket traffic splits each
time: the last message after the input (≈ the server finished sending) and its bytes.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics

from .app import REPEAT, browser_session, median, new_page

VIEWPORT = {"width": 1300, "height": 2200}
SWEEP_QUERY = {"surface": "ill_conditioned", "run": "momentum:lr=0.01", "tab": "explore"}
BASIN_QUERY = {"surface": "himmelblau", "run": "momentum:lr=0.002", "tab": "explore"}

# Arm: t0 = the next keydown (Enter) or click; done when the chart inside `selector` shows the new grid: `cells`
# points in its invisible cell overlay (the sweep map, a picture: viz.explore.metric_picture), or a first trace
# with `rows` rows of z (the basin maps), and its SVG is there.  Websocket messages after t0 are read from
# window.__ws (tools.browser.WS_LOG_JS logs them; benchmarks.app.new_page installs it).
ARM_MAP_JS = """([selector, rows, cells]) => {
  const M = window.__m = {t0: null, done: null, wsFrom: window.__ws.length};
  const mark = (e) => { if (M.t0 === null) M.t0 = e.timeStamp; };
  for (const type of ['keydown', 'click']) document.addEventListener(type, mark, {capture: true, once: true});
  const drawn = (gd) => {
    if (!gd || !gd._fullData || !gd.querySelector('.main-svg')) return false;
    if (cells) return gd._fullData.filter(t => t.name === 'cells').reduce((n, t) => n + (t._length ?? t.x.length), 0) === cells;
    const t = gd._fullData[0];
    return !!(t && t.z && t.z.length === rows);
  };
  const loop = () => {
    if (M.t0 !== null && drawn(document.querySelector(selector))) { M.done = performance.now(); return; }
    requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
}"""

# Arm a click: done when the cell contour's path (its scatter traces' x) differs from what it was.
ARM_CLICK_JS = """() => {
  const sig = () => { const g = document.querySelector('.st-key-sweep_cell_contour .js-plotly-plot');
    if (!g || !g._fullData) return null;
    return g._fullData.filter(t => t.type === 'scatter').map(t => { let h = 0;
      for (const v of Array.from(t.x ?? [])) h = (h * 31 + (Number.isFinite(v) ? v : 0) * 1e6) % 1e15; return h; }).join(','); };
  const s0 = sig();
  const M = window.__m = {t0: null, done: null, wsFrom: window.__ws.length};
  document.addEventListener('click', (e) => { if (M.t0 === null) M.t0 = e.timeStamp; }, {capture: true, once: true});
  const loop = () => {
    if (M.t0 !== null) { const s = sig(); if (s !== null && s !== s0) { M.done = performance.now(); return; } }
    requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
}"""

READ_JS = """() => {
  const M = window.__m;
  const ws = window.__ws.slice(M.wsFrom).filter(m => M.t0 !== null && m[0] >= M.t0);
  return {ms: M.done === null || M.t0 === null ? null : M.done - M.t0,
          ws_last: ws.length ? ws[ws.length - 1][0] - M.t0 : null,
          ws_bytes: ws.reduce((s, m) => s + m[1], 0)};
}"""


def _wait(page, timeout_s: float = 60) -> dict:
    with contextlib.suppress(Exception):  # a map that never comes is a missing value in the table, not a crash
        page.wait_for_function("() => window.__m.done !== null", timeout=timeout_s * 1000, polling=50)
    out = page.evaluate(READ_JS)
    from tools.browser import wait_idle

    wait_idle(page, timeout_ms=int(timeout_s * 1000))
    return out


def timed_input(page, key: str, value: int, selector: str, rows: int, cells: int = 0) -> dict:
    """Type `value` into number input `key`, Enter: ms until the chart in `selector` shows the new grid (`cells`
    cells in its overlay, or `rows` rows of z)."""
    from tools.browser import keyed

    box = keyed(page, key).locator("input").first
    box.fill(str(value))
    page.evaluate(ARM_MAP_JS, [selector, rows, cells])
    box.press("Enter")
    return _wait(page)


def cell_pixel(page, i: int, j: int, ny: int, nx: int) -> tuple[float, float]:
    """Viewport pixel of the centre of cell (i, j) of the sweep heatmap (row i from the bottom)."""
    heat = page.locator(".st-key-sweep_heatmap .nsewdrag")
    heat.scroll_into_view_if_needed()
    box = heat.bounding_box()
    return box["x"] + box["width"] * ((j + 0.5) / nx), box["y"] + box["height"] * (1 - (i + 0.5) / ny)


def timed_click(page, i: int, j: int, ny: int, nx: int) -> dict:
    x, y = cell_pixel(page, i, j, ny, nx)
    page.mouse.move(x, y)
    page.wait_for_timeout(150)
    page.evaluate(ARM_CLICK_JS)
    page.mouse.click(x, y)
    return _wait(page)


def set_number(page, key: str, value: int) -> None:
    from tools.browser import as_float, rerun, set_numeric, widget_value

    if as_float(widget_value(page, key)) == value:
        return
    rerun(page, lambda: set_numeric(page, key, value=value), f"{key} = {value}")


def bench_sweep(browser, url: str, n: int, repeat: int) -> dict:
    page = new_page(browser, url, SWEEP_QUERY, VIEWPORT)
    page.wait_for_selector(".st-key-sweep_heatmap .js-plotly-plot .main-svg", timeout=120_000)
    set_number(page, "explore_x_n", n)
    maps, clicks = [], []
    for k in range(repeat + 1):
        rows = n - k  # a grid not computed before: no cache hit
        maps.append(timed_input(page, "explore_y_n", rows, ".st-key-sweep_heatmap .js-plotly-plot", rows, rows * n))
        i, j = (7 + 37 * k) % rows, (11 + 53 * k) % n
        clicks.append(timed_click(page, i, j, rows, n))
    page.close()
    return {"map": maps[1:], "click": clicks[1:], "cold": maps[0]}


def bench_basins(browser, url: str, n: int, repeat: int) -> dict:
    from tools.browser import keyed, rerun

    page = new_page(browser, url, BASIN_QUERY, VIEWPORT)
    page.wait_for_selector(".st-key-sweep_heatmap .js-plotly-plot .main-svg", timeout=120_000)
    radio = keyed(page, "explore_mode").get_by_text("Basins", exact=True)
    rerun(page, radio.click, "Basins")
    page.wait_for_selector(".st-key-basins .js-plotly-plot .main-svg", timeout=120_000)
    maps = []
    for k in range(repeat + 1):
        rows = n - k
        maps.append(timed_input(page, "explore_basin_n", rows, ".st-key-basins .js-plotly-plot", rows))
    page.close()
    return {"map": maps[1:], "cold": maps[0]}


def _row(name: str, rows: list[dict], target: str) -> str:
    ms = median([r["ms"] for r in rows])
    last = median([r["ws_last"] for r in rows])
    mb = statistics.median([r["ws_bytes"] for r in rows]) / 1e6 if rows else 0.0
    spread = [r["ms"] for r in rows if r["ms"] is not None]
    got = "—" if ms is None else f"{ms / 1000:.2f} s"
    rng = f"{min(spread) / 1000:.2f}–{max(spread) / 1000:.2f} s" if spread else "—"
    return f"| {name} | {got} | {rng} | {'—' if last is None else f'{last / 1000:.2f} s'} | {mb:.1f} MB | {target} |"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="64,256", help="grid sizes per axis, comma-separated")
    ap.add_argument("--repeat", type=int, default=REPEAT)
    ap.add_argument("--no-basins", action="store_true")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    lines = []
    with browser_session() as (browser, url):
        for n in sizes:
            sw = bench_sweep(browser, url, n, args.repeat)
            target = "≤ 1 s" if n > 64 else "≤ 0.8 s"
            lines.append(
                _row(f"sweep {n}×{n} × 300 steps (momentum, ill-conditioned): Enter → map drawn", sw["map"], target)
            )
            lines.append(_row(f"click a cell of the {n}×{n} sweep → its path drawn", sw["click"], "≤ 0.4 s"))
            if not args.no_basins:
                bs = bench_basins(browser, url, n, args.repeat)
                lines.append(
                    _row(f"basin map {n}×{n} × 300 steps (momentum, Himmelblau): Enter → map drawn", bs["map"], target)
                )
    print(f"median of {args.repeat} after a warm-up; websocket: the last message after the input, bytes received\n")
    print("| interaction | median | range | last message | received | target |")
    print("|---|---:|---:|---:|---:|---|")
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
