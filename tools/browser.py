"""Helpers of the end-to-end tests (imported by conftest.py, the tests, and tools/screenshots.py).

Skip rule: without Chromium or the playwright package the e2e tests skip with a reason — except when the
environment variable CI is set (``CI=true``, as in .ci/run), where they fail: CI installs Chromium, so a skip
there would hide a broken install.

DOM facts these helpers rely on (Streamlit 1.67, plotly.js 3):
- every keyed element gets the CSS class ``st-key-<key>``: widgets and ``st.plotly_chart`` on their
  ``stElementContainer``, ``st.container(key=...)`` on its ``stVerticalBlock``;
- the app root ``[data-testid="stApp"]`` carries ``data-test-script-state`` (initial / running / notRunning);
  elements of a rerun in progress carry ``data-stale="true"``;
- a Plotly chart is ``.js-plotly-plot`` (``_fullData``, ``_fullLayout``, frames in ``_transitionData._frames``);
  its plot area is the ``.nsewdrag`` rectangle; animation buttons are ``g.updatemenu-button``;
- st.slider / st.select_slider: a visually hidden ``input[type=range]`` (keyboard: arrows, Home, End), value in
  ``aria-valuetext``; st.selectbox: ``input[role=combobox]``, options ``[role=option]`` in a portal.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "artifacts"
SCREENS = ARTIFACTS / "screens"
VIEWPORT = {"width": 1280, "height": 800}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
HEALTH_TIMEOUT_S = 30
FIRST_CHART_TIMEOUT_MS = 60_000
RERUN_TIMEOUT_MS = 20_000


# ============================================================================ environment
def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def unavailable(reason: str) -> None:
    """Skip outside CI; fail in CI (where a skip would hide a broken install)."""
    if in_ci():
        pytest.fail(f"{reason} (CI={os.environ.get('CI')!r}: the e2e tests must run in CI)", pytrace=False)
    pytest.skip(reason)


def find_chromium() -> str | None:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    return path if os.path.isfile(path) and os.access(path, os.X_OK) else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    """Terminate the server's process group (its id is the server's PID: start_new_session=True)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def start_server(app: Path, log_path: Path) -> tuple[subprocess.Popen, str]:
    """Start `streamlit run app` on 127.0.0.1 and wait for /_stcore/health. The caller stops it with _stop."""
    port = free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "w")  # noqa: SIM115 - handed to the child process, closed right after the spawn
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
    ]
    proc = subprocess.Popen(
        cmd,
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    log.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {proc.returncode}:\n{_tail(log_path)}")
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return proc, url
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"no answer on {url}/_stcore/health after {HEALTH_TIMEOUT_S} s:\n{_tail(log_path)}")
            time.sleep(0.2)
    except BaseException:
        _stop(proc)
        raise


def _tail(path: Path, n: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


# ============================================================================ page helpers
_IDLE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return 'no stApp';
  const state = app.getAttribute('data-test-script-state');
  if (state !== 'notRunning') return 'script ' + state;
  const conn = app.getAttribute('data-test-connection-state');
  if (conn && conn !== 'CONNECTED') return 'connection ' + conn;
  if (document.querySelector('[data-stale="true"]')) return 'stale elements';
  if (document.querySelector('[data-testid="stSkeleton"]')) return 'skeleton';
  if (document.querySelector('.app-waiting')) return 'controls not sent yet';  // a first run (ui.boot.map_first)
  const status = document.querySelector('[data-testid="stStatusWidget"]');
  if (status && /running/i.test(status.innerText)) return 'status running';
  for (const c of document.querySelectorAll('[data-testid="stPlotlyChart"]')) {
    if (c.offsetParent !== null && c.getBoundingClientRect().width > 0 && !c.querySelector('.main-svg'))
      return 'chart not drawn';
  }
  return '';
}"""


def wait_idle(page, timeout_ms: int = 60_000, settle: int = 3) -> None:
    """Wait until Streamlit is idle: the script is not running, no stale elements, every visible chart drawn,
    for `settle` consecutive polls 150 ms apart."""
    deadline = time.monotonic() + timeout_ms / 1000
    ok, why = 0, ""
    while ok < settle:
        why = page.evaluate(_IDLE_JS)
        ok = ok + 1 if not why else 0
        if time.monotonic() > deadline:
            raise AssertionError(f"Streamlit not idle after {timeout_ms / 1000:.0f} s ({why})")
        page.wait_for_timeout(150)


def install_rerun_counter(page) -> None:
    """Count changes of stApp's data-test-script-state in window.__e2eScriptStates (see rerun())."""
    page.evaluate("""() => {
      if (window.__e2eObserver) return;
      window.__e2eScriptStates = 0;
      const app = document.querySelector('[data-testid="stApp"]');
      window.__e2eObserver = new MutationObserver(ms => { window.__e2eScriptStates += ms.length; });
      window.__e2eObserver.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
    }""")


# Before any page script (page.add_init_script): log every message the page's websocket receives, as [page time,
# bytes] in window.__ws. The benchmarks time the server's answers with it; rerun() counts them: a rerun that ends
# within one React render (a rejected upload: ~20 ms) never shows stApp's script state as running, so the state
# counter alone can miss it, while the server's messages cannot be missed.
WS_LOG_JS = """(() => {
  const Native = window.WebSocket;
  window.__ws = [];
  class Logged extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        const n = e.data && (e.data.byteLength ?? e.data.size ?? e.data.length) || 0;
        window.__ws.push([performance.now(), n]);
      });
    }
  }
  window.WebSocket = Logged;
})();"""


def rerun(page, action: Callable[[], Any], what: str = "the action", timeout_ms: int = RERUN_TIMEOUT_MS) -> None:
    """Do `action`, wait until it started a Streamlit rerun (the script state changed, or, on a page opened with
    WS_LOG_JS, the server sent a message), then until the app is idle again."""
    install_rerun_counter(page)
    before = page.evaluate("() => [window.__e2eScriptStates, window.__ws ? window.__ws.length : -1]")
    action()
    try:
        page.wait_for_function(
            """([states, ws]) => window.__e2eScriptStates > states || (ws >= 0 && window.__ws.length > ws)""",
            arg=before,
            timeout=timeout_ms,
        )
    except Exception:
        raise AssertionError(f"{what} did not start a Streamlit rerun within {timeout_ms / 1000:.0f} s") from None
    wait_idle(page)


def until(page, check: Callable[[], Any], timeout_s: float = 8.0) -> Any:
    """Run `check` until it stops raising AssertionError (a chart may redraw a moment after the rerun ends);
    after `timeout_s` the last AssertionError propagates."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            page.wait_for_timeout(250)


def exceptions(page) -> list[str]:
    """Texts of the Streamlit exception elements on the page."""
    return page.locator('[data-testid="stException"]').all_inner_texts()


def screenshot(page, name: str, *, full_page: bool = False, directory: Path | None = None) -> Path:
    """Save <directory or artifacts/screens>/<name>.png: the viewport, or with full_page the whole app.

    Streamlit scrolls inside its own container (stMain), so a browser "full page" shot is just the viewport:
    full_page grows the viewport to the content's height (≤ 6000 px) for the shot, then restores it."""
    directory = directory or SCREENS
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.png"
    if not full_page:
        page.screenshot(path=str(path))
        return path
    size = page.viewport_size
    height = page.evaluate("""() => Math.max(document.documentElement.scrollHeight,
        ...[...document.querySelectorAll('[data-testid="stMain"], [data-testid="stSidebarContent"]')]
            .map(e => e.scrollHeight))""")
    page.set_viewport_size({"width": size["width"], "height": min(int(height), 6000)})
    try:
        page.wait_for_timeout(500)  # charts resize to the new viewport
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(size)
    return path


def page_query(page) -> dict[str, str]:
    """The page's current URL query as a flat dict (last value wins)."""
    href = page.evaluate("() => location.href")
    return {k: v[-1] for k, v in parse_qs(urlsplit(href).query, keep_blank_values=True).items()}


# ============================================================================ widgets (by key)
def keyed(page, key: str, timeout_ms: int = 10_000):
    """The element with class st-key-<key>; fails with the contract's wording if the app did not create it."""
    loc = page.locator(f".st-key-{key}").first
    try:
        loc.wait_for(state="attached", timeout=timeout_ms)
    except Exception:
        raise AssertionError(f"no element with key {key!r} (CSS class st-key-{key}) on the page") from None
    return loc


def widget_kind(page, key: str) -> str:
    return keyed(page, key).evaluate("""(el) => {
      if (el.querySelector('input[type=range]')) return 'slider';
      if (el.querySelector('input[role=combobox]')) return 'select';
      if (el.querySelector('input[type=number]')) return 'number';
      if (el.querySelector('textarea')) return 'textarea';
      if (el.querySelector('input')) return 'text';
      if (el.querySelector('button')) return 'button';
      return 'unknown';
    }""")


def widget_value(page, key: str) -> str:
    """What the widget shows: a slider's aria-valuetext, an input's value."""
    kind = widget_kind(page, key)
    root = keyed(page, key)
    if kind == "slider":
        return (
            root.locator("input[type=range]").first.get_attribute("aria-valuetext")
            or root.locator("input[type=range]").first.input_value()
        )
    if kind == "textarea":
        return root.locator("textarea").first.input_value()
    if kind in ("select", "number", "text"):
        return root.locator("input").first.input_value()
    raise AssertionError(f"widget {key!r} ({kind}) has no value to read")


def as_float(text: str) -> float | None:
    m = re.search(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?", text.replace("−", "-").replace(",", ""))
    return float(m.group()) if m else None


def set_numeric(page, key: str, *, value: float | None = None, keys: list[str] | None = None) -> str:
    """Change a numeric widget through the real DOM: a slider by keyboard (`keys`, e.g. ["ArrowRight"] or
    ["End"]), a number/text input by typing `value` and Enter. Returns the widget kind. Does not wait."""
    kind = widget_kind(page, key)
    root = keyed(page, key)
    if kind == "slider":
        thumb = root.locator("input[type=range]").first
        thumb.focus()
        for k in keys or ["ArrowRight"]:
            page.keyboard.press(k)
    elif kind in ("number", "text"):
        assert value is not None, f"{key} is a {kind} input: pass value="
        box = root.locator("input").first
        box.fill(f"{value:g}" if isinstance(value, float) else str(value))
        box.press("Enter")
    else:
        raise AssertionError(f"widget {key!r} is a {kind}, not a slider or number input")
    return kind


def select_option(page, key: str, pattern: str) -> None:
    """Pick the option whose text matches the regex `pattern` (case-insensitive) in selectbox `key`."""
    box = keyed(page, key).locator("input[role=combobox]").first
    box.click()
    option = page.get_by_role("option").filter(has_text=re.compile(pattern, re.I)).first
    try:
        option.wait_for(timeout=5_000)
    except Exception:
        names = page.get_by_role("option").all_inner_texts()
        page.keyboard.press("Escape")
        raise AssertionError(f"selectbox {key!r} has no option matching /{pattern}/i; options: {names}") from None
    option.click()


# ============================================================================ Plotly data
_DECODE_JS = """
const __dtypes = {f8: Float64Array, f4: Float32Array, i4: Int32Array, u4: Uint32Array, i2: Int16Array,
                  u2: Uint16Array, i1: Int8Array, u1: Uint8Array, u1c: Uint8ClampedArray};
function __dec(v) {
  if (v === null || v === undefined) return v;
  if (ArrayBuffer.isView(v)) return Array.from(v, e => Number.isFinite(e) ? e : null);
  if (Array.isArray(v)) return v.map(e => (typeof e === 'number' && !Number.isFinite(e)) ? null : e);
  if (typeof v === 'object' && 'bdata' in v) {
    const bin = atob(v.bdata), buf = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) buf[i] = bin.charCodeAt(i);
    const T = __dtypes[String(v.dtype).replace(/^[<>|=]/, '')] || Float64Array;
    return Array.from(new T(buf.buffer), e => Number.isFinite(e) ? e : null);
  }
  return v;
}
function __gd(key) {
  const gd = key ? document.querySelector(`.st-key-${key} .js-plotly-plot`) : document.querySelector('.js-plotly-plot');
  return gd && gd._fullData ? gd : null;
}
"""

_PLOT_DATA_JS = (
    "(key) => {"
    + _DECODE_JS
    + """
  const gd = __gd(key);
  if (!gd) return null;
  return gd._fullData.map(t => ({
    index: t.index, type: t.type, name: t.name, mode: t.mode, visible: t.visible,
    meta: (t.meta && typeof t.meta === 'object') ? JSON.parse(JSON.stringify(t.meta)) : (t.meta ?? null),
    x: __dec(t.x), y: __dec(t.y),
    customdata: (t.customdata && t.customdata.length <= 20000) ? JSON.parse(JSON.stringify(t.customdata)) : null,
  }));
}"""
)

_FRAMES_JS = (
    "(key) => {"
    + _DECODE_JS
    + """
  const gd = __gd(key);
  if (!gd) return null;
  const frames = (gd._transitionData && gd._transitionData._frames) || [];
  const sliders = (gd._fullLayout.sliders || []).map(s => ({
    active: s.active, steps: (s.steps || []).map(st => (st.args && Array.isArray(st.args[0])) ? st.args[0][0] : null)}));
  // the frame order: layout.meta.frame_names (the playback bar's order), else the first slider's steps,
  // else the order frames were added
  let order = frames.map(f => f.name);
  const meta = gd.layout && gd.layout.meta;
  if (meta && Array.isArray(meta.frame_names) && meta.frame_names.length) order = meta.frame_names;
  else if (sliders.length && sliders[0].steps.length && sliders[0].steps.every(n => n !== null)) order = sliders[0].steps;
  const byName = {};
  frames.forEach(f => { byName[String(f.name)] = f; });
  const last = {};
  for (const name of order) {
    const f = byName[String(name)];
    if (!f || !f.data) continue;
    f.data.forEach((d, k) => {
      const idx = f.traces ? f.traces[k] : k;
      if (d && (d.x !== undefined || d.y !== undefined)) last[idx] = {x: __dec(d.x), y: __dec(d.y)};
    });
  }
  return {count: frames.length, order: order.map(String), sliders, last};
}"""
)


def plot_data(page, key: str | None) -> list[dict] | None:
    """`_fullData` of the Plotly chart inside .st-key-<key> (key None: the first chart on the page):
    per trace index, type, name, mode, visible, meta, x, y (decoded; NaN/inf as None), small customdata."""
    return page.evaluate(_PLOT_DATA_JS, key)


def plot_frames(page, key: str) -> dict | None:
    """The chart's animation frames: count, order (slider order), sliders' active index and steps,
    and `last`: per trace index, the x/y of the last frame that sets it."""
    return page.evaluate(_FRAMES_JS, key)


def plot_area(page, key: str) -> dict:
    """The plot area in viewport pixels and the axis ranges: {left, top, width, height, xrange, yrange}."""
    r = page.evaluate(
        """(key) => {
      const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
      if (!gd || !gd._fullLayout) return null;
      const drag = gd.querySelector('.nsewdrag');
      const b = drag.getBoundingClientRect(), L = gd._fullLayout;
      return {left: b.left, top: b.top, width: b.width, height: b.height,
              xrange: L.xaxis.range.slice(), yrange: L.yaxis.range.slice(),
              xtype: L.xaxis.type, ytype: L.yaxis.type, plot_bgcolor: L.plot_bgcolor};
    }""",
        key,
    )
    assert r is not None, f"no Plotly chart in .st-key-{key}"
    return r


def pixel_to_data(page, key: str, fx: float, fy: float) -> dict:
    """Viewport pixel and data coordinates of the point at fractions (fx, fy) of the plot area (fy from the top),
    converted with the axes' own p2d."""
    return page.evaluate(
        """([key, fx, fy]) => {
      const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
      const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
      const b = gd.querySelector('.nsewdrag').getBoundingClientRect();
      const px = fx * xa._length, py = fy * ya._length;
      return {cx: b.left + px, cy: b.top + py, x: xa.p2d(px), y: ya.p2d(py)};
    }""",
        [key, fx, fy],
    )


def data_to_pixel(page, key: str, x: float, y: float) -> tuple[float, float]:
    """Viewport pixel of data point (x, y) on the chart's main axes (works for linear, log and category axes)."""
    return tuple(
        page.evaluate(
            """([key, x, y]) => {
      const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
      const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
      const b = gd.querySelector('.nsewdrag').getBoundingClientRect();
      return [b.left + xa.l2p(xa.d2l(x)), b.top + ya.l2p(ya.d2l(y))];
    }""",
            [key, x, y],
        )
    )


def _as_xy(x, y) -> np.ndarray:
    return np.column_stack(
        [
            np.array([np.nan if v is None else v for v in (x or [])], dtype=float),
            np.array([np.nan if v is None else v for v in (y or [])], dtype=float),
        ]
    )


def path_traces(traces: list[dict]) -> list[dict]:
    return [t for t in traces or [] if isinstance(t.get("meta"), dict) and t["meta"].get("role") == "path"]


def _split_nan(xy: np.ndarray) -> list[np.ndarray]:
    if not np.isnan(xy).any():
        return [xy]
    parts, cur = [], []
    for row in xy:
        if np.isnan(row).any():
            if cur:
                parts.append(np.array(cur))
            cur = []
        else:
            cur.append(row)
    if cur:
        parts.append(np.array(cur))
    return parts


def paths_by_run(traces: list[dict], frames_last: dict | None = None) -> dict[tuple[int, int], np.ndarray]:
    """{(run, start): (n, 2) points} of the path traces (meta role "path"). With `frames_last` (plot_frames'
    `last`), a trace's data is taken from the last animation frame that sets it, else from the base trace.
    The start index is meta["start"] if given, else the order of the run's traces (or NaN-separated parts)."""
    out: dict[tuple[int, int], np.ndarray] = {}
    counters: dict[int, int] = {}
    for t in path_traces(traces):
        run = int(t["meta"].get("run", 0))
        src = (frames_last or {}).get(str(t["index"])) or (frames_last or {}).get(t["index"]) or t
        xy = _as_xy(src.get("x"), src.get("y"))
        if "start" in t["meta"]:
            out[(run, int(t["meta"]["start"]))] = xy
            continue
        for part in _split_nan(xy):
            j = counters.get(run, 0)
            counters[run] = j + 1
            out[(run, j)] = part
    return out


def final_paths(page, key: str = "contour") -> dict[tuple[int, int], np.ndarray]:
    """The full paths the chart draws when its animation has played to the end."""
    frames = plot_frames(page, key)
    return paths_by_run(plot_data(page, key), frames["last"] if frames and frames["count"] else None)


def assert_paths_equal(paths: dict[tuple[int, int], np.ndarray], scene, trajs, *, where: str = "contour") -> None:
    """Every (run, start) path drawn equals the trajectory computed by optim_core (float32 tolerance).
    A diverged run may stop at its divergence step; otherwise the whole path (steps + 1 points) must be drawn."""
    starts = scene.start_points()
    expected_keys = {(i, j) for i in range(len(trajs)) for j in range(len(starts))}
    assert set(paths) == expected_keys, (
        f"{where}: path traces (run, start) {sorted(paths)} != expected {sorted(expected_keys)}"
    )
    (x0, x1), (y0, y1) = scene.view_window()
    scale = max(abs(x0), abs(x1), abs(y0), abs(y1), 1.0)
    for (i, j), drawn in sorted(paths.items()):
        exp = trajs[i].points[:, j, :]
        n = len(drawn)
        d = trajs[i].diverged_step(j)
        label = f"{where}: run {i} ({scene.runs[i].optimizer}) start {j}"
        if d is None:
            assert n == len(exp), f"{label}: {n} points drawn, the trajectory has {len(exp)}"
        else:
            assert 1 <= n <= len(exp), f"{label}: {n} points drawn for a run that diverged at step {d}"
        np.testing.assert_allclose(drawn, exp[:n], rtol=1e-5, atol=1e-6 * scale, err_msg=label)


_ANIMATION_STATE_JS = """(key) => {
  const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  let n = 0;
  for (const t of gd._fullData)
    if (t.meta && t.meta.role === 'path' && t.x) n += Array.from(t.x).filter(v => v !== null && v !== undefined).length;
  // the playback bar (ui/player.js) lives in a shadow root
  let range = null, step = null;
  for (const host of document.querySelectorAll('.st-key-player *')) {
    const root = host.shadowRoot;
    if (root && root.querySelector('.pl-range')) {
      range = Number(root.querySelector('.pl-range').value); step = Number(root.querySelector('.pl-step').value); break;
    }
  }
  return [n, range, step];
}"""


def animation_state(page, key: str = "contour") -> list:
    """[number of points in the path traces, the playback bar's frame index, the step it shows]."""
    return page.evaluate(_ANIMATION_STATE_JS, key)


def play_button(page, key: str = "contour"):
    """The Play button of the playback bar (ui/player.py; Playwright's CSS selectors pierce its shadow root)."""
    button = page.locator(".st-key-player .pl-play")
    assert button.count() >= 1, "no playback bar (key player) on the page"
    return button.first


def wait_animation_end(page, key: str = "contour", timeout_s: float = 60, still_s: float = 1.0) -> list:
    """Wait until the chart's animation state has not changed for `still_s`; return that state."""
    last, still, deadline = None, 0.0, time.monotonic() + timeout_s
    while still < still_s:
        if time.monotonic() > deadline:
            raise AssertionError(f"the animation did not finish within {timeout_s:.0f} s (last state {last})")
        state = animation_state(page, key)
        still = still + 0.2 if state == last else 0.0
        last = state
        page.wait_for_timeout(200)
    return last


def background_stats(png_path: Path, box: dict) -> dict:
    """Colour statistics of the plot area (box: left/top/width/height in CSS px) in a viewport screenshot:
    grey-level std, the fraction of near-white pixels, and the number of 5-bit colour bins covering ≥ 1 %."""
    from PIL import Image

    with Image.open(png_path) as im:
        im = im.convert("RGB")
        l, t = int(box["left"]) + 2, int(box["top"]) + 2
        r, b = int(box["left"] + box["width"]) - 2, int(box["top"] + box["height"]) - 2
        l, t, r, b = max(l, 0), max(t, 0), min(r, im.width), min(b, im.height)
        a = np.asarray(im.crop((l, t, r, b)), dtype=np.int32).reshape(-1, 3)
    grey = a.mean(axis=1)
    q = a >> 3
    codes = (q[:, 0] << 10) | (q[:, 1] << 5) | q[:, 2]
    counts = np.bincount(codes, minlength=1 << 15)
    return {
        "std": float(grey.std()),
        "near_white": float((a.min(axis=1) > 235).mean()),
        "bins": int((counts >= 0.01 * len(codes)).sum()),
        "pixels": int(len(codes)),
    }


class PageErrors(list):
    """Uncaught JavaScript errors of a page (page.on('pageerror'))."""


def dump(obj: Any) -> str:
    return json.dumps(obj, default=str)[:2000]
