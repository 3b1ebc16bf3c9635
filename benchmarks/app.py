"""Benchmarks of the app (a script, not a test).  Prints a Markdown table.

    python -m benchmarks.app              # everything
    python -m benchmarks.app --quick      # skip the browser measurements

Measures
  rerun      server-side rerun after one slider change, 6 runs × 500 steps, 200×200 grid (AppTest, after warm-up)
  payload    len(fig.to_json()) of the contour (with frames), 3-D and metrics figures for that scene
  playback   contour animation in headless Chromium: measured / nominal duration (nominal = frames × frame ms)
  first      seconds from `streamlit run` to the first chart (`.js-plotly-plot .main-svg`) in Chromium
and saves screenshots (mid-animation, 1280×800 page) under artifacts/screens/.

The browser helpers (start_server, launch, play_contour) are reusable: tests/e2e can import them.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from ui.url import scene_to_query

ROOT = Path(__file__).resolve().parents[1]
SCREENS = ROOT / "artifacts" / "screens"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
BENCH_OPTIMIZERS = ("sgd", "momentum", "adam", "rmsprop", "adagrad", "nadam")


def bench_scene():
    from optim_core.scene import RunConfig, Scene

    lrs = {"sgd": 1e-3, "momentum": 1e-3, "adam": 2e-2, "rmsprop": 5e-3, "adagrad": 0.1, "nadam": 2e-2}
    return Scene(surface="rosenbrock", runs=tuple(RunConfig(o, {"lr": lrs[o]}) for o in BENCH_OPTIMIZERS), steps=500)


# ----------------------------------------------------------------------------- server and browser
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def start_server(port: int | None = None, log: str | os.PathLike = os.devnull):
    """`streamlit run app.py` on 127.0.0.1:<free port>; yields (base_url, started_at); stops it by PID."""
    port = port or free_port()
    started = time.perf_counter()
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.headless",
                "true",
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(port),
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}/"
        for _ in range(300):
            try:
                urllib.request.urlopen(url + "_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        yield url, started
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def launch(p):
    return p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def wait_chart(page, timeout_ms: int = 30_000) -> None:
    page.wait_for_selector(".st-key-contour .js-plotly-plot .main-svg", timeout=timeout_ms)


CONTOUR_GD = "document.querySelector('.st-key-contour .js-plotly-plot')"

PLAY_JS = f"""async ([midFraction]) => {{
  const gd = {CONTOUR_GD};
  const btn = gd._fullLayout.updatemenus[0].buttons[0];
  const frameMs = btn.args[1].frame.duration;
  const nFrames = gd._transitionData._frames.length;
  const nominal = frameMs * nFrames;
  const probe = () => {{
    const paths = gd._fullData.filter(t => t.meta && t.meta.role === 'path');
    const pts = paths.reduce((n, t) => n + (t.x ? t.x.length : 0), 0);
    return {{images: gd.querySelectorAll('.layer-below image, .layer-above image, image').length,
            pathPoints: pts}};
  }};
  const full = probe();
  const done = new Promise(res => gd.once('plotly_animated', () => res(performance.now())));
  const t0 = performance.now();
  gd.querySelector('.updatemenu-button').dispatchEvent(new MouseEvent('click', {{bubbles: true}}));
  await new Promise(r => setTimeout(r, nominal * midFraction));
  const mid = probe();
  window.__midDone = true;
  const t1 = await done;
  return {{measured: t1 - t0, nominal, frameMs, nFrames, full, mid, end: probe()}};
}}"""


def play_contour(page, mid_fraction: float = 0.45) -> dict:
    """Click ▶ Play on the contour map and measure the playback (measured vs nominal duration)."""
    result = page.evaluate(f"() => ({PLAY_JS})([{mid_fraction}])")
    result["ratio"] = result["measured"] / result["nominal"]
    return result


def screenshot_mid_animation(page, path: str, speed_label: str = "¼×", fraction: float = 0.4) -> dict:
    """Play at a slow speed and take a screenshot while it plays (a screenshot takes ~1 s here)."""
    chart = page.locator(".st-key-contour")
    chart.locator(".updatemenu-button", has_text=speed_label).click()
    page.wait_for_timeout(300)
    nominal = page.evaluate(
        f"() => {{ const gd = {CONTOUR_GD}; return gd._fullLayout.updatemenus[0].buttons[0]"
        f".args[1].frame.duration * gd._transitionData._frames.length; }}"
    )
    chart.locator(".updatemenu-button", has_text="Play").click()
    page.wait_for_timeout(nominal * fraction)
    page.screenshot(path=path)
    state = page.evaluate(f"""() => {{ const gd = {CONTOUR_GD};
        const paths = gd._fullData.filter(t => t.meta && t.meta.role === 'path');
        return {{step: gd._fullLayout.sliders[0].active, frames: gd._transitionData._frames.length,
                images: gd.querySelectorAll('image').length,
                points: paths.reduce((n, t) => n + t.x.length, 0)}}; }}""")
    chart.locator(".updatemenu-button", has_text="Pause").click()
    chart.locator(".updatemenu-button", has_text="1×").click()
    page.wait_for_timeout(300)
    return state


# ----------------------------------------------------------------------------- measurements
def measure_payload() -> dict:
    import numpy as np

    from optim_core.scene import simulate
    from surfaces import get_surface
    from viz import contour_figure, metrics_figure, run_views, surface3d_figure, surface_view

    scene = bench_scene()
    surf = get_surface(scene.surface)
    sv = surface_view(surf, None, 200)
    runs = run_views(simulate(scene), [r.label() for r in scene.runs])
    starts = np.asarray(scene.start_points())
    t = time.perf_counter()
    fig = contour_figure(sv, runs, starts, value=surf.value)
    build = time.perf_counter() - t
    return {
        "contour_bytes": len(fig.to_json()),
        "contour_build_s": build,
        "frames": fig.layout.meta["frames"],
        "stride": fig.layout.meta["stride"],
        "surface3d_bytes": len(surface3d_figure(sv, runs, starts).to_json()),
        "metrics_bytes": len(metrics_figure(runs, f_star=sv.f_star).to_json()),
    }


def measure_rerun(repeats: int = 7) -> dict:
    from streamlit.testing.v1 import AppTest

    scene = bench_scene()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for k, v in scene_to_query(scene).items():
        at.query_params[k] = v
    t = time.perf_counter()
    at.run()
    first = time.perf_counter() - t
    assert not at.exception, at.exception
    values = [1e-3, 2e-3, 3e-3, 4e-3, 5e-3, 6e-3, 8e-3, 1.2e-3, 1.5e-3, 2.5e-3]
    at.select_slider(key="run0_lr").set_value(values[-1]).run()  # warm-up (imports, caches)
    times = []
    for v in values[:repeats]:
        slider = at.select_slider(key="run0_lr").set_value(v)
        t = time.perf_counter()
        slider.run()
        times.append(time.perf_counter() - t)
        assert not at.exception, at.exception
    return {"first_run_s": first, "rerun_median_s": statistics.median(times), "rerun_max_s": max(times)}


def measure_browser() -> dict:
    from playwright.sync_api import sync_playwright

    SCREENS.mkdir(parents=True, exist_ok=True)
    out: dict = {}
    query = urllib.parse.urlencode(scene_to_query(bench_scene()), safe=",:;=")
    with sync_playwright() as p:
        browser = launch(p)
        try:
            with start_server() as (url, started):
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.goto(url)
                wait_chart(page, 60_000)
                out["first_chart_s"] = time.perf_counter() - started
                page.wait_for_timeout(1500)
                page.screenshot(path=str(SCREENS / "default_1280x800.png"))
                out["page_scroll_width"] = page.evaluate("() => document.documentElement.scrollWidth")
                page.goto(url + "?" + query)
                wait_chart(page)
                page.wait_for_timeout(2000)
                runs = []
                for _ in range(3):
                    runs.append(play_contour(page))
                    page.wait_for_timeout(300)
                out["playback"] = runs
                page.screenshot(path=str(SCREENS / "animation_end.png"))
                out["mid_shot"] = screenshot_mid_animation(page, str(SCREENS / "animation_mid.png"))
        finally:
            browser.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="skip the browser measurements")
    args = ap.parse_args()
    payload = measure_payload()
    rerun = measure_rerun()
    rows = [
        (
            "Server rerun after one slider change (6 runs × 500 steps, 200×200 grid), median",
            f"{rerun['rerun_median_s'] * 1000:.0f} ms (max {rerun['rerun_max_s'] * 1000:.0f} ms)",
            "≤ 300 ms",
        ),
        ("First run of that scene (cold caches)", f"{rerun['first_run_s'] * 1000:.0f} ms", "—"),
        (
            "Contour figure JSON (with frames)",
            f"{payload['contour_bytes'] / 1e6:.2f} MB ({payload['frames']} frames, stride {payload['stride']})",
            "≤ 2 MB",
        ),
        ("3-D figure JSON", f"{payload['surface3d_bytes'] / 1e6:.2f} MB", "—"),
        ("Metrics figure JSON", f"{payload['metrics_bytes'] / 1e6:.2f} MB", "—"),
        ("Contour figure build", f"{payload['contour_build_s'] * 1000:.0f} ms", "—"),
    ]
    if not args.quick:
        b = measure_browser()
        pb = b["playback"]
        ratios = ", ".join(f"{r['ratio']:.2f}" for r in pb)
        mid = pb[0]["mid"]
        shot = b["mid_shot"]
        rows += [
            (
                "Contour playback, measured / nominal (3 plays)",
                f"{ratios} ({pb[0]['nFrames']} frames × {pb[0]['frameMs']} ms = {pb[0]['nominal'] / 1000:.1f} s)",
                "≤ 1.3×",
            ),
            (
                "Mid-animation: background images / path points shown",
                f"{mid['images']} / {mid['pathPoints']} of {pb[0]['full']['pathPoints']}",
                "surface visible, partial",
            ),
            (
                "Screenshot mid-animation (¼×): slider frame / path points",
                (
                    f"frame {shot['step']} of {shot['frames']}, {shot['points']} points, {shot['images']} image "
                    f"(artifacts/screens/animation_mid.png)"
                ),
                "—",
            ),
            ("First chart visible after `streamlit run`", f"{b['first_chart_s']:.1f} s", "≤ 8 s"),
            ("Page width at 1280×800 (no horizontal scroll)", f"{b['page_scroll_width']} px", "1280 px"),
        ]
    print("| Measure | Result | Target |\n|---|---|---|")
    for name, result, target in rows:
        print(f"| {name} | {result} | {target} |")


if __name__ == "__main__":
    main()
