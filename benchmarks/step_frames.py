"""What a frame per step costs in the browser: `python -m benchmarks.step_frames` (prints Markdown).

With the step inspector on, the playback bar has a position for every step and builds the map's frame of a step
when it shows it (ui/player.js ``stepFrame``) instead of playing one of the figure's ≤ 121 named frames.  This
measures, in headless Chromium against a real `streamlit run app.py`, for benchmarks.app's 6 runs × 500 steps and
its heavy scene (8 runs × 3 starts × 10 000 steps): the time to build one step's frame (random steps), and
Plotly.animate of such a frame against a named frame, to the next paint.  Timings on a loaded box are noisy;
compare the two columns of one run, not runs on different days.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from benchmarks.app import bench_scene, browser_session, heavy_scene, new_page
from ui.url import scene_to_query

BUILD_JS = """(n) => { const g = document.querySelector('.st-key-contour .js-plotly-plot');
  const st = g.layout.meta.frame_steps, S = st[st.length - 1], out = [];
  for (let k = 0; k < n; k++) {
    const t = Math.floor(Math.random() * (S + 1)), t0 = performance.now();
    window.__optvizStepFrame(g, t, null);
    out.push(performance.now() - t0);
  }
  return out; }"""
ANIMATE_JS = """async (n) => { const g = document.querySelector('.st-key-contour .js-plotly-plot');
  const st = g.layout.meta.frame_steps, S = st[st.length - 1];
  const an = (fr) => new Promise((res) => { const t0 = performance.now();
    window.Plotly.animate(g, [fr], {frame: {duration: 0, redraw: false}, transition: {duration: 0}, mode: 'immediate'})
      .then(() => requestAnimationFrame(() => res(performance.now() - t0))).catch(() => res(NaN)); });
  const obj = [], named = [];
  for (let k = 0; k < n; k++) {
    named.push(await an('f' + Math.floor(Math.random() * st.length)));
    obj.push(await an(window.__optvizStepFrame(g, Math.floor(Math.random() * (S + 1)), null)));
  }
  return {obj, named}; }"""


def main() -> None:
    print("| scene | build one step's frame (median / max) | animate + paint: a step's frame / a named frame |")
    print("|---|---|---|")
    with browser_session(Path(__file__).resolve().parents[1]) as (browser, url):
        for name, scene in (("6 runs × 500 steps", bench_scene()), ("8 runs × 3 starts × 10 000 steps", heavy_scene())):
            page = new_page(browser, url, scene_to_query(scene), viewport={"width": 1440, "height": 900})
            page.wait_for_timeout(1500)
            build = page.evaluate(BUILD_JS, 300)
            anim = page.evaluate(ANIMATE_JS, 40)
            print(
                f"| {name} | {statistics.median(build) * 1000:.0f} µs / {max(build):.1f} ms "
                f"| {statistics.median(anim['obj']):.0f} ms / {statistics.median(anim['named']):.0f} ms |"
            )
            page.close()


if __name__ == "__main__":
    main()
