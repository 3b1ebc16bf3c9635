"""Every interaction of the app as the browser feels it (a script, not a test).  Prints Markdown tables.

    python -m benchmarks.app                   # everything (≈ 4 min on the 2-core box)
    python -m benchmarks.app --only load,arrow # some interactions (names below)
    python -m benchmarks.app --server          # only the server-side measures (AppTest, payload sizes)
    python -m benchmarks.app --profile         # also: where a slider rerun spends its server time (pyinstrument)
    python -m benchmarks.app --compare ../main # before (another checkout) and after, interleaved, same box load

Each browser measure runs headless Chromium against a real `streamlit run app.py` (tools.browser.start_server),
times from the input event to the updated chart, and reports the median of 5 after a warm-up.  Times are taken
inside the page (performance.now(): the input event's own timestamp, then a requestAnimationFrame watcher), so
Playwright's round trips do not count.  "Updated chart" means the map on screen (the first one shown: displayed,
visible, drawn) holds the run's new path in its own data (`_fullData`: other numbers), not just that Streamlit
finished — whether the page put it there (ui/scrub.js commits a value chosen by a key or let go after a drag:
"exact chart") or the rerun's new chart did ("the rerun's chart").  "Blank" frames are animation frames in which
no map is shown in its place (a rerun's chart is mounted hidden; ui/hold.js shows the old one meanwhile).

Interactions (names for --only):
  load     page load → first chart (the path traces drawn), then → every sidebar control; a new session each time
  arrow    ArrowRight on run 0's lr slider → the exact chart (committed by the page), → the rerun's chart
  release  drag of run 0's lr slider, release → the exact chart (the preview follows the drag before that)
  lesson   a lesson button → settled page (script idle, nothing stale, the map shows the lesson)
  3d       the "3-D surface" side view → the 3-D chart drawn
  explore  the Explore tab → the 64×64 sweep heatmap drawn; a click on a cell → its path drawn
  heavy    8 runs × 3 starts × 10 000 steps: ArrowRight on an lr slider → preview / exact chart / rerun's chart
  drag     a scripted drag across a whole slider (lr, β1, ε): frames, dropped frames, script per frame
For each, the page's websocket traffic is logged too: bytes received, the first and last message after the
input (≈ when the server started answering and finished), so the time splits into server and browser.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import itertools
import json
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from optim_core.scene import RunConfig, Scene
from ui.url import scene_to_query

ROOT = Path(__file__).resolve().parents[1]
REPEAT = 5
DEBUG_TRACE = ""  # a path: keep the last drag's Chromium trace there
BENCH_OPTIMIZERS = ("sgd", "momentum", "adam", "rmsprop", "adagrad", "nadam")
TARGETS = {
    "arrow": ("arrow key or drag release on an lr slider → updated chart", "≤ 150 ms"),
    "load": ("page load → first chart", "≤ 2.5 s"),
    "lesson": ("lesson click → settled page", "≤ 0.8 s"),
    "3d": ("switch to the 3-D view", "≤ 1.0 s"),
    "explore": ("Explore: 64×64 sweep visible / click a cell", "≤ 0.8 s / ≤ 0.4 s"),
    "heavy": ("heavy scene (8 runs × 3 starts × 10 000 steps): slider change", "≤ 0.5 s"),
    "drag": ("while dragging lr, β or ε: path redrawn", "every animation frame (≤ 16 ms of script per frame)"),
}


def bench_scene() -> Scene:
    lrs = {"sgd": 1e-3, "momentum": 1e-3, "adam": 2e-2, "rmsprop": 5e-3, "adagrad": 0.1, "nadam": 2e-2}
    return Scene(surface="rosenbrock", runs=tuple(RunConfig(o, {"lr": lrs[o]}) for o in BENCH_OPTIMIZERS), steps=500)


def heavy_scene() -> Scene:
    base = bench_scene()
    runs = (*base.runs, RunConfig("adamw", {"lr": 2e-2}), RunConfig("lion", {"lr": 1e-3}))
    return base.with_(runs=runs, starts=((-1.2, 1.0), (0.0, 2.0), (1.5, -0.5)), steps=10_000)


# ----------------------------------------------------------------------------- in-page instruments
# Arm a measure: remember the input event's timestamp (the first keydown / pointerup / click after arming) and
# watch, once per animation frame, for the conditions: the scrub preview showing another option, the map the user
# sees showing run `run`'s new path ("chart": the page's own commit of the value, ui/scrub.js, or the rerun's
# figure), the rerun's new chart drawn and visible ("server"), a selector's chart drawn, the page settled; and
# count the frames in which no map is visible in its place ("blank": Streamlit mounts a rerun's chart hidden and
# hides the old one; ui/hold.js keeps the old one shown meanwhile).
ARM_JS = """([run, selector]) => {
  const boxes = () => [...document.querySelectorAll('.st-key-contour')];
  const drawn = (gd) => !!(gd && gd._fullData && gd.querySelector('.main-svg') && getComputedStyle(gd).visibility !== 'hidden');
  // the map the user sees: the first one shown (a rerun's new chart is drawn hidden at first; while it is,
  // ui/hold.js shows the old one, which Streamlit hides; once visible, the new one is drawn over it)
  const seen = () => {
    for (const b of boxes()) {
      const cs = getComputedStyle(b), gd = b.querySelector('.js-plotly-plot');
      if (cs.display !== 'none' && cs.visibility !== 'hidden' && drawn(gd)) return gd;
    }
    return null;
  };
  const gd0 = seen();
  const pathOf = (gd) => gd && gd._fullData && gd._fullData.find(t => t.meta && t.meta.role === 'path' && t.meta.run === run);
  const p0 = pathOf(gd0);
  // every point counts: a converged path ends where the old one did
  const sig = (p) => { if (!p || !p.x) return null; let h = 0; const a = p.x, b = p.y || [];
    const v = (x) => (Number.isFinite(x) ? x : 0);  // NaN rows join the starts
    for (let i = 0; i < a.length; i++) h = (h * 31 + v(a[i]) * 1e6 + v(b[i]) * 1e3) % 1e15; return a.length + ':' + h; };
  const s0 = sig(p0);
  const ov0 = document.querySelector('svg.optviz-scrub');
  const idx0 = ov0 ? ov0.dataset.index : null;
  const B = window.__b = {t0: null, preview: null, chart: null, server: null, selector: null, settled: null,
                          frames: 0, blank: 0, wsFrom: window.__ws.length};
  const mark = (e) => { if (B.t0 === null) B.t0 = e.timeStamp; };
  for (const type of ['keydown', 'pointerup', 'click']) document.addEventListener(type, mark, {capture: true, once: true});
  const idle = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    return app && app.getAttribute('data-test-script-state') === 'notRunning' && !document.querySelector('[data-stale="true"]');
  };
  const loop = () => {
    if (B.t0 !== null) {
      const now = performance.now();
      const ov = document.querySelector('svg.optviz-scrub');
      if (B.preview === null && ov && ov.dataset.index !== idx0) B.preview = now;
      const gd = seen();
      B.frames += 1;
      // a copy of the old picture over the new chart's place counts as shown (ui/hold.js, a quick rerun)
      if (!gd && !document.querySelector('.optviz-hold .main-svg')) B.blank += 1;
      const p = pathOf(gd);
      if (B.chart === null && p && sig(p) !== s0) B.chart = now;
      if (B.server === null && gd && gd !== gd0 && p && sig(p) !== s0) B.server = now;
      if (selector && B.selector === null) {
        const g = document.querySelector(selector);
        if (g && g._fullData && g.querySelector('.main-svg')) B.selector = now;
      }
      if (B.settled === null && idle() && (selector ? B.selector !== null : B.server !== null)) B.settled = now;
    }
    if (B.settled === null || (selector === null && B.server === null)) B.raf = requestAnimationFrame(loop);
  };
  B.raf = requestAnimationFrame(loop);
}"""

READ_JS = """() => {
  const B = window.__b;
  const ws = window.__ws.slice(B.wsFrom).filter(m => m[0] >= (B.t0 ?? 0));
  const rel = (t) => t === null || B.t0 === null ? null : t - B.t0;
  const big = ws.reduce((a, m) => (a && a[1] >= m[1] ? a : m), null);
  return {preview: rel(B.preview), chart: rel(B.chart), server: rel(B.server), selector: rel(B.selector),
          settled: rel(B.settled), frames: B.frames, blank: B.blank,
          ws_big: big ? big[0] - B.t0 : null, ws_big_bytes: big ? big[1] : 0,
          ws_first: ws.length ? ws[0][0] - B.t0 : null, ws_last: ws.length ? ws[ws.length - 1][0] - B.t0 : null,
          ws_bytes: ws.reduce((s, m) => s + m[1], 0), ws_messages: ws.length};
}"""


def median(values: list[float | None]) -> float | None:
    got = [v for v in values if v is not None]
    return statistics.median(got) if got else None


def ms(v: float | None) -> str:
    return "—" if v is None else f"{v:.0f} ms"


def sec(v: float | None) -> str:
    return "—" if v is None else f"{v / 1000:.2f} s"


def start_app(root: Path, log: Path):
    """`streamlit run app.py` from the checkout at `root` (another checkout: compare before / after a change)."""
    import os
    import subprocess
    import sys
    import urllib.request

    from tools.browser import _stop, free_port

    port = free_port()
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port",
             str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
            cwd=root, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.1)
    _stop(proc)
    raise RuntimeError(f"no answer from streamlit on {url} (log: {log})")


@contextlib.contextmanager
def browser_session(root: Path = ROOT) -> Iterator[tuple[Any, str]]:
    """(a Chromium browser, the app's base URL): one `streamlit run app.py` for all the measures."""
    with browser_sessions([root]) as (browser, urls):
        yield browser, urls[0]


@contextlib.contextmanager
def browser_sessions(roots: list[Path]) -> Iterator[tuple[Any, list[str]]]:
    """(a Chromium browser, the base URL of each checkout's app): one `streamlit run app.py` per checkout."""
    from playwright.sync_api import sync_playwright

    from tools.browser import CHROMIUM_ARGS, _stop, find_chromium

    procs, urls = [], []
    try:
        for k, root in enumerate(roots):
            log = Path(tempfile.gettempdir()) / f"optviz-bench-streamlit-{k}.log"
            proc, url = start_app(root, log)
            procs.append(proc)
            urls.append(url)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=find_chromium() or "/usr/bin/chromium", args=CHROMIUM_ARGS)
            try:
                yield browser, urls
            finally:
                browser.close()
    finally:
        for proc in procs:
            _stop(proc)


def new_page(browser, url: str, query: dict | None = None, viewport: dict | None = None):
    from tools.browser import VIEWPORT, WS_LOG_JS, wait_idle

    page = browser.new_page(viewport=viewport or VIEWPORT)
    page.add_init_script(WS_LOG_JS)  # every websocket message in window.__ws, before any page script
    page.goto(url + ("/?" + urlencode(query) if query else ""))
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=120_000)
    wait_idle(page, timeout_ms=120_000)
    return page


def measure(page, action: Callable[[], None], *, run: int = 0, selector: str | None = None, timeout_s: float = 60):
    """Arm the in-page watcher, do the action, wait until it saw the result; the timings (ms from the input)."""
    from tools.browser import wait_idle

    page.evaluate(ARM_JS, [run, selector])
    action()
    # a result that never comes is a missing value in the table, not a crash of the whole benchmark
    with contextlib.suppress(Exception):
        page.wait_for_function("() => window.__b.settled !== null", timeout=timeout_s * 1000, polling=100)
    out = page.evaluate(READ_JS)
    wait_idle(page, timeout_ms=int(timeout_s * 1000))
    return out


def _slider(page, key: str):
    from tools.browser import keyed

    return keyed(page, key).locator("input[type=range]").first


def _wait_payload(page, key: str) -> None:
    """Wait until the scrub element holds the paths of slider `key` (an app without live scrubbing: return)."""
    page.wait_for_timeout(300)
    if not page.evaluate("() => !!window.__optvizScrub"):
        return
    page.wait_for_function(
        """(key) => { const S = window.__optvizScrub; const s = S && S.sliders.get(key);
                      return !!(s && S.cache.has(s.id)); }""",
        arg=key,
        timeout=30_000,
    )


def _summary(rows: list[dict], *keys: str) -> dict[str, float | None]:
    return {
        k: median([r.get(k) for r in rows])
        for k in (*keys, "ws_first", "ws_last", "ws_bytes", "ws_big", "ws_big_bytes")
    }


# ----------------------------------------------------------------------------- the interactions
def bench_load(browser, url: str) -> dict:
    query = scene_to_query(bench_scene())
    times: list[float] = []
    controls: list[float] = []
    for k in range(REPEAT + 1):
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(url + "/?" + urlencode(query))
        page.wait_for_function(
            """() => { const gd = document.querySelector('.st-key-contour .js-plotly-plot');
                       return !!(gd && gd._fullData && gd._fullData.some(t => t.meta && t.meta.role === 'path')
                                 && gd.querySelector('.main-svg')); }""",
            timeout=120_000,
            polling="raf",
        )
        t = page.evaluate("() => performance.now()")
        # the whole page: the sidebar's controls (a session's first run sends them once the map is drawn)
        page.wait_for_function(
            """() => !document.querySelector('.app-waiting')
                     && !!document.querySelector('[data-testid="stSidebar"] input[type=range]')""",
            timeout=120_000,
            polling="raf",
        )
        c = page.evaluate("() => performance.now()")
        if k:
            times.append(t)
            controls.append(c)
        page.close()
    return {"first_chart": median(times), "controls": median(controls), "all": times}


def _arrow_rows(page, key: str, run: int, repeat: int = REPEAT) -> list[dict]:
    thumb = _slider(page, key)
    thumb.focus()
    _wait_payload(page, key)
    rows = []
    for k in range(repeat + 1):
        direction = "ArrowRight" if k % 2 == 0 else "ArrowLeft"
        row = measure(page, functools.partial(page.keyboard.press, direction), run=run)
        if k:
            rows.append(row)
    return rows


def bench_arrow(browser, url: str) -> dict:
    page = new_page(browser, url, scene_to_query(bench_scene()))
    rows = _arrow_rows(page, "run2_lr", 2)
    page.close()
    return _summary(rows, "preview", "chart", "server", "blank", "settled")


def bench_release(browser, url: str) -> dict:
    page = new_page(browser, url, scene_to_query(bench_scene()))
    thumb = _slider(page, "run2_lr")
    rows = []
    for k in range(REPEAT + 1):
        thumb.locator("xpath=../..").scroll_into_view_if_needed()
        box = thumb.locator("xpath=../..").bounding_box()
        x0, y0 = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x0, y0)
        _wait_payload(page, "run2_lr")
        page.mouse.down()
        dx = 9 if k % 2 == 0 else -9
        page.mouse.move(x0 + dx, y0, steps=4)
        row = measure(page, page.mouse.up, run=2)
        if k:
            rows.append(row)
    page.close()
    return _summary(rows, "preview", "chart", "server", "blank", "settled")


def bench_lesson(browser, url: str) -> dict:
    page = new_page(browser, url, {"lesson": "zigzag"})
    by: dict[str, list[dict]] = {"rosenbrock": [], "zigzag": []}
    for k in range(2 * REPEAT + 2):
        lesson = "rosenbrock" if k % 2 == 0 else "zigzag"
        button = page.locator(f".st-key-lesson_{lesson} button").first
        row = measure(page, button.click, run=0)
        if k >= 2:
            by[lesson].append(row)
    page.close()
    return {name: _summary(rows, "chart", "server", "blank", "settled") for name, rows in by.items()}


def bench_3d(browser, url: str) -> dict:
    page = new_page(browser, url, scene_to_query(bench_scene()))
    rows = []
    for _ in range(REPEAT + 1):
        button = page.locator(".st-key-side_bar button", has_text="3-D").first
        rows.append(measure(page, button.click, selector=".st-key-surface3d .js-plotly-plot"))
        back = page.locator(".st-key-side_bar button", has_text="Loss").first
        measure(page, back.click, selector=".st-key-metrics .js-plotly-plot")
    page.close()
    return _summary(rows[1:], "selector", "settled")


def bench_explore(browser, url: str) -> dict:
    viewport = {"width": 1300, "height": 2200}
    page = new_page(browser, url, {"surface": "ill_conditioned", "run": "momentum:lr=0.01;adam:lr=0.01"}, viewport)
    sweeps, clicks = [], []
    for k in range(REPEAT + 1):
        tab = page.get_by_role("tab", name="Explore")
        sweeps.append(measure(page, tab.click, selector=".st-key-sweep_heatmap .js-plotly-plot"))
        heat = page.locator(".st-key-sweep_heatmap .nsewdrag")
        box = heat.bounding_box()
        cell = (8 + 3 * k) % 64
        x = box["x"] + box["width"] * ((cell + 0.5) / 64)
        y = box["y"] + box["height"] * (1 - (16.5 + k) / 64)
        page.mouse.move(x, y)
        page.wait_for_timeout(200)
        page.evaluate(
            """() => { const g = document.querySelector('.st-key-sweep_cell_contour .js-plotly-plot');
                       window.__cellSig = (g) => !g || !g._fullData ? null : g._fullData.filter(t => t.type === 'scatter')
                         .map(t => { let h = 0; for (const v of Array.from(t.x ?? [])) h = (h * 31 + (Number.isFinite(v) ? v : 0) * 1e6) % 1e15; return h; }).join(',');
                       window.__cell0 = window.__cellSig(g); }"""
        )
        clicks.append(_click_cell(page, x, y))
        page.get_by_role("tab", name="Trajectories").click()
        page.wait_for_selector(".st-key-contour .js-plotly-plot .main-svg", timeout=60_000)
        from tools.browser import wait_idle

        wait_idle(page)
    page.close()
    return {"sweep": _summary(sweeps[1:], "selector", "settled"), "cold_sweep": sweeps[0], "click": median(clicks[1:])}


def _click_cell(page, x: float, y: float) -> float | None:
    """ms from the click on a heatmap cell to that cell's path drawn (the cell contour's path changed)."""
    page.evaluate(
        """() => { window.__cellT = null; window.__cellClick = null;
          document.addEventListener('click', e => { window.__cellClick = e.timeStamp; }, {capture: true, once: true});
          const loop = () => {
            const g = document.querySelector('.st-key-sweep_cell_contour .js-plotly-plot');
            const now = window.__cellSig(g);
            if (window.__cellClick !== null && now !== null && now !== window.__cell0) { window.__cellT = performance.now(); return; }
            requestAnimationFrame(loop);
          };
          requestAnimationFrame(loop); }"""
    )
    page.mouse.click(x, y)
    try:
        page.wait_for_function("() => window.__cellT !== null", timeout=30_000)
    except Exception:
        return None
    return page.evaluate("() => window.__cellT - window.__cellClick")


def bench_heavy(browser, url: str) -> dict:
    page = new_page(browser, url, scene_to_query(heavy_scene()))
    rows = _arrow_rows(page, "run2_lr", 2)
    page.close()
    return _summary(rows, "preview", "chart", "server", "blank", "settled")


# -- frames while dragging: a Chromium trace, script time per frame on the page's main thread
SCRIPT_EVENTS = {
    "EventDispatch",
    "FunctionCall",
    "TimerFire",
    "FireAnimationFrame",
    "RunMicrotasks",
    "EvaluateScript",
    "V8.Execute",
    "v8.callFunction",
}


def frame_stats(trace: dict) -> dict:
    """Frames (FireAnimationFrame on the renderer's main thread: drag_across keeps a requestAnimationFrame loop
    running, so there is one per displayed frame) and the script time inside each (the union of the script
    events, nested ones counted once: the slider's own React update, the scrub overlay, everything)."""
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    main = {
        (e["pid"], e["tid"])
        for e in events
        if e.get("ph") == "M" and e.get("name") == "thread_name" and e["args"].get("name") == "CrRendererMain"
    }
    busy: dict[tuple, list[tuple[float, float]]] = {}
    frames: dict[tuple, list[float]] = {}
    for e in events:
        key = (e.get("pid"), e.get("tid"))
        if key not in main:
            continue
        if e.get("name") == "FireAnimationFrame":
            frames.setdefault(key, []).append(e["ts"] / 1000)
        elif e.get("ph") == "X" and e.get("name") in SCRIPT_EVENTS and e.get("dur"):
            busy.setdefault(key, []).append((e["ts"] / 1000, (e["ts"] + e["dur"]) / 1000))
    if not frames:
        return {}
    key = max(frames, key=lambda k: len(frames[k]))  # the page's renderer (the one that drew frames)
    stamps = sorted(frames[key])
    spans = sorted(busy.get(key, []))
    merged: list[list[float]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    per_frame = []
    j = 0
    for f0, f1 in itertools.pairwise(stamps):
        total = 0.0
        while j < len(merged) and merged[j][1] <= f0:
            j += 1
        k = j
        while k < len(merged) and merged[k][0] < f1:
            total += min(merged[k][1], f1) - max(merged[k][0], f0)
            k += 1
        per_frame.append(total)
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    return {
        "frames": len(gaps),
        "dropped": sum(1 for g in gaps if g > 1.5 * 1000 / 60),
        "script_median": statistics.median(per_frame) if per_frame else None,
        "script_p90": sorted(per_frame)[int(0.9 * (len(per_frame) - 1))] if per_frame else None,
        "script_max": max(per_frame) if per_frame else None,
        "gap_max": max(gaps) if gaps else None,
    }


def drag_across(browser, page, key: str) -> dict:
    """Drag the thumb of slider `key` from one end of its track to the other, one pointer move per frame."""
    thumb = _slider(page, key)
    track = thumb.locator("xpath=../..").locator("xpath=..").first
    track.scroll_into_view_if_needed()
    tb = track.bounding_box()
    box = thumb.locator("xpath=../..").bounding_box()
    x0, y0 = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x0, y0)
    _wait_payload(page, key)
    page.mouse.down()
    page.mouse.move(tb["x"] + 1, y0, steps=8)
    page.wait_for_timeout(300)
    page.evaluate("() => { const S = window.__optvizScrub; if (S) { S.stats.drawMs = []; S.stats.frames = 0; } }")
    # a frame every vsync while the drag lasts: a frame that comes late is a dropped frame
    page.evaluate(
        "() => { window.__tick = true; const f = () => { if (window.__tick) requestAnimationFrame(f); }; f(); }"
    )
    browser.start_tracing(page=page, categories=["devtools.timeline", "disabled-by-default-devtools.timeline"])
    t0 = time.perf_counter()
    n = 90
    for i in range(n + 1):
        page.mouse.move(tb["x"] + 1 + (tb["width"] - 2) * i / n, y0)
        page.wait_for_timeout(16)
    seconds = time.perf_counter() - t0
    trace = json.loads(browser.stop_tracing())
    page.evaluate("() => { window.__tick = false; }")
    if DEBUG_TRACE:
        Path(DEBUG_TRACE).write_text(json.dumps(trace))
    stats = page.evaluate(
        """() => { if (!window.__optvizScrub) return {};
                   const s = window.__optvizScrub.stats, d = s.drawMs.slice().sort((a, b) => a - b);
                   const ov = document.querySelector('svg.optviz-scrub');
                   return {draws: s.frames, draw_median: d[d.length >> 1] ?? null, draw_max: d[d.length - 1] ?? null,
                           index: ov ? Number(ov.dataset.index) : null}; }"""
    )
    page.mouse.up()
    from tools.browser import wait_idle

    wait_idle(page, timeout_ms=60_000)
    return {**frame_stats(trace), **stats, "seconds": seconds}


def bench_drag(browser, url: str) -> dict:
    scene = bench_scene()
    page = new_page(browser, url, scene_to_query(scene), viewport={"width": 1280, "height": 1400})
    out = {}
    for key in ("run2_lr", "run2_beta1", "run2_eps"):
        if key == "run2_eps":
            page.locator(".st-key-run2_box [data-testid=stExpander] summary").first.click()
            page.wait_for_timeout(500)
        out[key] = drag_across(browser, page, key)
    page.close()
    return out


# ----------------------------------------------------------------------------- server side (AppTest)
def measure_rerun(scene: Scene, repeats: int = 7, profile: bool = False) -> dict:
    """Server-side rerun after one lr slider change (AppTest: the script run, no browser)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    for name, text in scene_to_query(scene).items():
        at.query_params[name] = text
    t = time.perf_counter()
    at.run()
    first = time.perf_counter() - t
    assert not at.exception, at.exception
    values = [1e-3, 2e-3, 3e-3, 4e-3, 5e-3, 6e-3, 8e-3, 1.2e-3, 1.5e-3, 2.5e-3]
    at.select_slider(key="run0_lr").set_value(values[-1]).run()  # warm-up
    times = []
    for v in values[:repeats]:
        slider = at.select_slider(key="run0_lr").set_value(v)
        t = time.perf_counter()
        slider.run()
        times.append(time.perf_counter() - t)
        assert not at.exception, at.exception
    out: dict[str, Any] = {"first_run_s": first, "rerun_median_s": statistics.median(times), "rerun_max_s": max(times)}
    if profile:
        from pyinstrument import Profiler

        prof = Profiler(interval=0.001)
        prof.start()
        for v in values[:3]:
            at.select_slider(key="run0_lr").set_value(v * 1.5).run()
        prof.stop()
        out["profile"] = prof.output_text(unicode=True, color=False, show_all=False)
    return out


def measure_payload() -> dict:
    import logging

    import numpy as np

    logging.getLogger("streamlit").setLevel(logging.ERROR)  # bare mode: no script-run context here, on purpose

    from look import run_views
    from ui.widgets import slider_options
    from viz import contour_figure, metrics_figure, surface3d_figure, surface_view
    from viz.animation import lazy
    from viz.scrub import scrub_paths

    out = {}
    for name, scene in (("bench", bench_scene()), ("heavy", heavy_scene())):
        resolved = scene.resolve()
        sv = surface_view(resolved.surface, resolved.window, 200)  # type: ignore[arg-type]
        t = time.perf_counter()
        trajs = resolved.simulate()
        sim = time.perf_counter() - t
        runs = run_views(trajs, [r.label for r in resolved.runs])
        t = time.perf_counter()
        fig = contour_figure(sv, runs, np.asarray(resolved.starts), value=resolved.surface.value)
        build = time.perf_counter() - t
        t = time.perf_counter()
        contour_json = fig.to_json()
        to_json = time.perf_counter() - t
        # what the app sends: the frames as references to the static paths (viz.animation.lazy)
        t = time.perf_counter()
        small = lazy(
            contour_figure(sv, runs, np.asarray(resolved.starts), value=resolved.surface.value, lazy_frames=True)
        )
        lazy_build = time.perf_counter() - t
        lazy_bytes = len(small.to_json())
        scrub = {}
        for param in ("lr", "beta1", "eps"):
            p = resolved.runs[2].spec.param(param)
            options = slider_options(p, resolved.runs[2].params[param]) or []
            scrub_paths(resolved, 2, param, options)  # warm-up
            t = time.perf_counter()
            c0 = time.process_time()
            paths = scrub_paths(resolved, 2, param, options)
            scrub[param] = {
                "wall_ms": (time.perf_counter() - t) * 1000,
                "cpu_ms": (time.process_time() - c0) * 1000,
                "bytes": len(paths.to_bytes(labels=[str(v) for v in options])),
                "values": len(options),
                "stride": paths.stride,
            }
        out[name] = {
            "simulate_s": sim,
            "contour_bytes": len(contour_json),
            "contour_lazy_bytes": lazy_bytes,
            "contour_lazy_build_s": lazy_build,
            "contour_build_s": build,
            "contour_to_json_s": to_json,
            "surface3d_bytes": len(surface3d_figure(sv, runs, np.asarray(resolved.starts)).to_json()),
            "metrics_bytes": len(metrics_figure(runs, f_star=sv.f_star).to_json()),
            "scrub": scrub,
        }
    return out


# ----------------------------------------------------------------------------- report
BROWSER = {
    "load": bench_load,
    "arrow": bench_arrow,
    "release": bench_release,
    "lesson": bench_lesson,
    "3d": bench_3d,
    "explore": bench_explore,
    "heavy": bench_heavy,
    "drag": bench_drag,
}


def _split(r: dict, key: str) -> str:
    """Where the time goes: the server's messages after the input (first, largest, last) and the bytes."""
    text = f"server messages {ms(r.get('ws_first'))} … {ms(r.get('ws_last'))}"
    if r.get("ws_last") is not None and r.get(key) is not None:
        text += f" (drawn {ms(r[key] - r['ws_last'])} after the last)" if r[key] > r["ws_last"] else ""
    return text


def browser_rows(got: dict) -> list[tuple[str, str, str, str]]:
    rows = []
    if "arrow" in got or "release" in got:
        a, r = got.get("arrow", {}), got.get("release", {})
        result = []
        if a:
            result.append(f"arrow: exact chart {ms(a['chart'])} (the rerun's chart {ms(a.get('server'))})")
        if r:
            result.append(
                f"release: exact chart {ms(r['chart'])} (the rerun's {ms(r.get('server'))}; the preview followed the drag)"
            )
        split = "; ".join(
            x for x in [a and "arrow " + _split(a, "server"), r and "release " + _split(r, "server")] if x
        )
        split += f"; frames with no map shown: arrow {a.get('blank')}, release {r.get('blank')} (median)"
        rows.append((*TARGETS["arrow"][:1], "; ".join(result), TARGETS["arrow"][1], split))
    if "load" in got:
        ld = got["load"]
        rest = f"; every control in the sidebar {sec(ld['controls'])}" if ld.get("controls") is not None else ""
        rows.append((TARGETS["load"][0], sec(ld["first_chart"]), TARGETS["load"][1], "new session each time" + rest))
    if "lesson" in got:
        z, r = got["lesson"]["zigzag"], got["lesson"]["rosenbrock"]
        rows.append(
            (
                TARGETS["lesson"][0],
                f"zigzag {sec(z['settled'])}, rosenbrock {sec(r['settled'])}",
                TARGETS["lesson"][1],
                f"zigzag chart {ms(z['chart'])}; rosenbrock chart {ms(r['chart'])}; frames with no map shown "
                f"{z.get('blank')} / {r.get('blank')}; " + _split(r, "settled"),
            )
        )
    if "3d" in got:
        d = got["3d"]
        rows.append((TARGETS["3d"][0], sec(d["selector"]), TARGETS["3d"][1], _split(d, "selector")))
    if "explore" in got:
        e = got["explore"]
        rows.append(
            (
                TARGETS["explore"][0],
                f"{sec(e['sweep']['selector'])} / {sec(e['click'])}",
                TARGETS["explore"][1],
                f"first (cold) sweep {sec(e['cold_sweep'].get('selector'))}; " + _split(e["sweep"], "selector"),
            )
        )
    if "heavy" in got:
        h = got["heavy"]
        rows.append(
            (
                TARGETS["heavy"][0],
                f"exact chart {sec(h['chart'])} (the rerun's {sec(h.get('server'))}; preview {ms(h['preview'])})",
                TARGETS["heavy"][1],
                _split(h, "server") + f"; frames with no map shown {h.get('blank')}",
            )
        )
    if "drag" in got:
        parts: list[str] = []
        notes: list[str] = []
        for key, d in got["drag"].items():
            name = key.split("_", 1)[1]
            parts.append(
                f"{name}: {d.get('dropped')}/{d.get('frames')} dropped, script/frame median "
                f"{d.get('script_median', 0):.1f} max {d.get('script_max', 0):.1f} ms"
            )
            notes.append(f"{name}: {d.get('draws')} redraws, draw() median {d.get('draw_median', 0):.2f} ms")
        rows.append((TARGETS["drag"][0], "; ".join(parts), TARGETS["drag"][1], "; ".join(notes)))
    return rows


def compare(before: Path, after: Path, only: str, json_path: str | None) -> None:
    """Both checkouts' apps side by side: each interaction measured on one, then at once on the other (the
    order alternates), with the load average beside each, so a busy box weighs on both alike."""
    import os

    names = [n for n in (only.split(",") if only else BROWSER) if n]
    got: dict[str, dict[str, Any]] = {"before": {}, "after": {}}
    load: dict[str, list[float]] = {}
    with browser_sessions([before, after]) as (browser, urls):
        url_of = {"before": urls[0], "after": urls[1]}
        for side in ("before", "after"):
            new_page(browser, url_of[side], scene_to_query(bench_scene())).close()  # warm-up
        for k, name in enumerate(names):
            order = ("before", "after") if k % 2 == 0 else ("after", "before")
            load[name] = [os.getloadavg()[0]]
            for side in order:
                t = time.perf_counter()
                got[side][name] = BROWSER[name](browser, url_of[side])
                print(f"<!-- {name} {side}: {time.perf_counter() - t:.0f} s -->", flush=True)
            load[name].append(os.getloadavg()[0])
    for side, root in (("before", before), ("after", after)):
        print(f"\n{side} ({root}):\n\n| interaction | measured (median of 5) | target | where the time goes |")
        print("|---|---|---|---|")
        for row in browser_rows(got[side]):
            print("| " + " | ".join(row) + " |")
    print(
        "\nload average (1 min) at the start / end of each interaction: "
        + "; ".join(f"{n} {a:.1f} / {b:.1f}" for n, (a, b) in load.items())
    )
    if json_path:
        Path(json_path).write_text(json.dumps({"browser": got, "load": load}, indent=1, default=str))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="", help="comma-separated interactions: " + ",".join(BROWSER))
    ap.add_argument("--server", action="store_true", help="only the server-side measures")
    ap.add_argument("--profile", action="store_true", help="pyinstrument profile of a slider rerun (server side)")
    ap.add_argument("--json", help="also write every number to this file")
    ap.add_argument("--app-root", default=str(ROOT), help="run the app of another checkout (before / after)")
    ap.add_argument(
        "--compare",
        metavar="ROOT",
        help="also run the app of another checkout (before) and measure both, one interaction after the other "
        "(the same box load for both), printing the two tables",
    )
    args = ap.parse_args()
    if args.compare:
        compare(Path(args.compare), Path(args.app_root), args.only, args.json)
        return
    everything: dict[str, Any] = {}
    if not args.only:
        payload = measure_payload()
        rerun = measure_rerun(bench_scene(), profile=args.profile)
        heavy = measure_rerun(heavy_scene(), repeats=3)
        everything.update(payload=payload, rerun=rerun, heavy_rerun=heavy)
        b, h = payload["bench"], payload["heavy"]
        print("| server-side measure | result |\n|---|---|")
        print(
            f"| rerun after one lr change, 6 runs × 500 steps (AppTest, median / max) | "
            f"{rerun['rerun_median_s'] * 1000:.0f} / {rerun['rerun_max_s'] * 1000:.0f} ms |"
        )
        print(
            f"| rerun after one lr change, heavy scene (AppTest, median / max) | "
            f"{heavy['rerun_median_s'] * 1000:.0f} / {heavy['rerun_max_s'] * 1000:.0f} ms |"
        )
        for name, d in (("6 runs × 500 steps", b), ("heavy", h)):
            print(
                f"| {name}: simulate / contour build / to_json | {d['simulate_s'] * 1000:.0f} / "
                f"{d['contour_build_s'] * 1000:.0f} / {d['contour_to_json_s'] * 1000:.0f} ms |"
            )
            print(
                f"| {name}: contour / 3-D / metrics figure JSON | {d['contour_bytes'] / 1e6:.2f} / "
                f"{d['surface3d_bytes'] / 1e6:.2f} / {d['metrics_bytes'] / 1e6:.2f} MB |"
            )
            print(
                f"| {name}: contour as the app sends it (lazy frames): JSON / build | "
                f"{d['contour_lazy_bytes'] / 1e6:.2f} MB / {d['contour_lazy_build_s'] * 1000:.0f} ms |"
            )
            for param, s in d["scrub"].items():
                print(
                    f"| {name}: scrub payload of one {param} slider ({s['values']} values, stride {s['stride']}) | "
                    f"{s['bytes'] / 1e6:.2f} MB, {s['cpu_ms']:.0f} ms CPU |"
                )
        if args.profile:
            print("\n```\n" + rerun["profile"] + "\n```")
    if not args.server:
        names = [n for n in (args.only.split(",") if args.only else BROWSER) if n]
        got: dict[str, Any] = {}
        with browser_session(Path(args.app_root)) as (browser, url):
            warm = new_page(browser, url, scene_to_query(bench_scene()))  # warm-up: imports, caches, lambdify
            warm.close()
            for name in names:
                t = time.perf_counter()
                got[name] = BROWSER[name](browser, url)
                print(f"<!-- {name}: {time.perf_counter() - t:.0f} s -->", flush=True)
        everything["browser"] = got
        print("\n| interaction | measured (median of 5) | target | where the time goes |\n|---|---|---|---|")
        for row in browser_rows(got):
            print("| " + " | ".join(row) + " |")
    if args.json:
        Path(args.json).write_text(json.dumps(everything, indent=1, default=str))


if __name__ == "__main__":
    main()
