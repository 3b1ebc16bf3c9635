"""Benchmarks of the step inspector (a script, not a test).  Prints a Markdown table.

    python -m benchmarks.inspector            # everything
    python -m benchmarks.inspector --quick    # skip the browser measurements

Measures
  record     run(..., record_state=True) against the plain run, and explain.step_vectors, 6 runs × 500 steps
  payload    the overlay data sent to the page (viz.inspector.overlay_bytes): 1 run and 8 runs × 500 steps;
             the panel's two figures (close-up, η_eff curve) as JSON
  rerun      server side (AppTest): the rerun after the playback bar reports a new step, inspector on / off
  browser    headless Chromium, saddle lesson, Adam inspected: a key press → the panel shows that step's
             numbers (the step is reported after the bar's 350 ms debounce, then the rerun, then the page
             updates); playback duration with the inspector on / off (measured ÷ nominal)
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from benchmarks.timing import best_of

ROOT = Path(__file__).resolve().parents[1]


def measure_record() -> dict:
    from benchmarks.app import bench_scene
    from explain import recorded_run, step_vectors

    resolved = bench_scene().resolve()
    n = len(resolved.runs)
    plain, _ = best_of(lambda: [resolved.simulate_run(i) for i in range(n)], 5)
    rec, trajs = best_of(lambda: [recorded_run(resolved, i) for i in range(n)], 5)
    vec, _ = best_of(lambda: [step_vectors(t) for t in trajs], 5)
    return {"runs": n, "plain_ms": plain * 1e3, "record_ms": rec * 1e3, "vectors_ms": vec * 1e3}


def measure_payload() -> dict:
    from explain import recorded_run, step_vectors
    from optim_core.scene import RunConfig, Scene
    from viz.inspector import closeup_figure, efflr_figure, overlay_bytes, overlay_data

    scene = Scene(runs=tuple(RunConfig("adam", {"lr": 0.01 * (i + 1)}) for i in range(8)), steps=500)
    resolved = scene.resolve()
    items = [(i, r.label, step_vectors(recorded_run(resolved, i))) for i, r in enumerate(resolved.runs)]
    one = overlay_data(items[:1])
    eight = overlay_data(items)
    vec = items[0][2]
    traj = recorded_run(resolved, 0)
    close = closeup_figure(vec, 250, 0, f=traj.surface.value)
    eff = efflr_figure(vec.layers["eff_lr"][:, 0], 250)
    return {
        "one_run": overlay_bytes(one),
        "eight_runs": overlay_bytes(eight),
        "eight_runs_json": len(json.dumps(eight)),
        "closeup_json": len(close.to_json()),
        "efflr_json": len(eff.to_json()),
    }


def measure_rerun(repeats: int = 9) -> dict:
    from streamlit.testing.v1 import AppTest

    out = {}
    for on in (False, True):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.query_params["lesson"] = "saddle"
        at.run()
        at.session_state["inspect"] = on
        at.session_state["insp_run"] = 2
        at.run()
        times = []
        for k in range(repeats + 1):
            at.session_state["player"] = {"step": 10 + 7 * k, "box": None}
            t0 = time.perf_counter()
            at.run()
            if k:  # the first is a warm-up
                times.append(time.perf_counter() - t0)
        assert not at.exception, at.exception
        out["on" if on else "off"] = (statistics.median(times) * 1e3, max(times) * 1e3)
    return out


def measure_browser(presses: int = 8) -> dict:
    from playwright.sync_api import sync_playwright

    from tools.browser import CHROMIUM_ARGS, _stop, find_chromium, keyed, rerun, select_option, start_server, wait_idle

    proc, url = start_server(ROOT / "app.py", ROOT / "artifacts" / "bench" / "inspector-streamlit.log")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.goto(url + "?lesson=saddle")
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=90_000)
            wait_idle(page)
            playback_off = _playback(page)
            rerun(page, lambda: keyed(page, "inspect").locator("label").first.click(), "toggle")
            rerun(page, lambda: select_option(page, "insp_run", "Adam"), "run")
            page.wait_for_timeout(1500)
            wait_idle(page)
            playback_on = _playback(page)
            page.evaluate("() => document.activeElement && document.activeElement.blur()")
            page.keyboard.press("Home")
            page.wait_for_timeout(2000)
            wait_idle(page)
            settle = []
            for k in range(presses):
                page.keyboard.press("ArrowRight")
                want = f"step {k + 1} of"
                t0 = time.perf_counter()
                page.wait_for_function(
                    "(w) => [...document.querySelectorAll('.st-key-inspector .insp-head')].some(e => e.textContent.includes(w))",
                    arg=want,
                    timeout=30_000,
                )
                settle.append(time.perf_counter() - t0)
                wait_idle(page)
            browser.close()
    finally:
        _stop(proc)
    return {
        "settle_median_s": statistics.median(settle),
        "settle_max_s": max(settle),
        "playback_off": playback_off,
        "playback_on": playback_on,
    }


def _playback(page) -> float:
    """Play from step 0 to the end: measured seconds ÷ nominal (frames × the 1× frame duration)."""
    frames = page.evaluate(
        "() => document.querySelector('.st-key-contour .js-plotly-plot').layout.meta.frame_names.length"
    )
    from viz.animation import frame_duration

    nominal = frames * frame_duration(frames) / 1000
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press("Home")
    page.wait_for_timeout(500)
    last = page.evaluate(
        "() => document.querySelector('.st-key-contour .js-plotly-plot').layout.meta.frame_steps.slice(-1)[0]"
    )
    t0 = time.perf_counter()
    page.locator(".st-key-player .pl-play").first.click()
    page.wait_for_function(
        "(n) => Number(document.querySelector('.st-key-player .pl-step').value) === n", arg=last, timeout=120_000
    )
    return (time.perf_counter() - t0) / nominal


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.inspector", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="skip the browser measurements")
    args = ap.parse_args()
    rec = measure_record()
    pay = measure_payload()
    rr = measure_rerun()
    rows = [
        (
            f"run {rec['runs']} × 500 steps, plain / record_state=True",
            f"{rec['plain_ms']:.1f} / {rec['record_ms']:.1f} ms",
        ),
        ("explain.step_vectors for those runs", f"{rec['vectors_ms']:.1f} ms"),
        ("overlay data, 1 run × 500 steps (base64 typed arrays)", f"{pay['one_run'] / 1e3:.0f} KB"),
        (
            "overlay data, 8 runs × 500 steps",
            f"{pay['eight_runs'] / 1e3:.0f} KB ({pay['eight_runs_json'] / 1e3:.0f} KB JSON)",
        ),
        (
            "panel figures JSON: close-up / η_eff curve",
            f"{pay['closeup_json'] / 1e3:.0f} / {pay['efflr_json'] / 1e3:.0f} KB",
        ),
        ("server rerun after a step change, inspector off (median / max)", "{:.0f} / {:.0f} ms".format(*rr["off"])),
        ("server rerun after a step change, inspector on (median / max)", "{:.0f} / {:.0f} ms".format(*rr["on"])),
    ]
    if not args.quick:
        br = measure_browser()
        rows += [
            (
                "Chromium: key → panel shows the step (incl. the bar's 350 ms debounce), median / max",
                f"{br['settle_median_s']:.2f} / {br['settle_max_s']:.2f} s",
            ),
            (
                "Chromium: playback measured ÷ nominal, inspector off / on",
                f"{br['playback_off']:.2f} / {br['playback_on']:.2f}",
            ),
        ]
    print("| measure | result |\n|---|---:|")
    for k, v in rows:
        print(f"| {k} | {v} |")


if __name__ == "__main__":
    main()
