"""A bounded load test with real Streamlit sessions, spoken over the browser's own websocket protocol.

    python -m tools.loadtest --url http://127.0.0.1:8501 --sessions 40
    python -m tools.loadtest --url http://school-server:8080 --sessions 40 --query "surface=himmelblau&run=adam"
    python -m tools.loadtest --url http://127.0.0.1:8501 --browser-check      # one Chromium session vs one tool session

Each session does what a browser tab does on a first visit: GET the page (with the query string), GET
``/_stcore/health`` and ``/_stcore/host-config``, open the websocket ``/_stcore/stream`` (carrying the page's
cookies, so a sticky proxy sends it to the same process), send the first ``rerun_script`` and read every
ForwardMsg until the script finishes.  Then it moves a select_slider (``--slider``, a regex on its label:
the learning rate by default) ``--moves`` times, each time sending what the browser would send: the new value
plus every other widget value the browser holds (derived from the widget deltas with the browser's rules),
the query string the app last wrote, the hashes of the cached messages it holds, and the browser's context.

It prints the first-chart times (from the page request to the arrival of the first Plotly chart of the main
area), the rerun times (from the move until the script finished, with a new chart delta received), errors, the
server's RSS (sum over every server process) at baseline, peak, right after the sessions close and ``--after``
seconds later, and the server CPU seconds per script run.  Every wait has a deadline, and ``--timeout`` stops
the whole test.  Server processes come from ``--pids`` / ``--pid-file`` (deploy/start.sh writes one), else the local
Streamlit process listening on the URL's port (read from /proc: the tool never signals a process).

The protocol facts it relies on (Streamlit 1.67; checked against a real Chromium by ``--browser-check`` and
tests/e2e/test_loadtest_e2e.py):
  * subprotocols ``["streamlit", <xsrf token or placeholder>]``; Origin must match the host;
  * a widget's value in the browser: the delta's value when ``set_value`` is set, else the value the browser
    already holds, else the default (option strings for selectbox / select_slider / segmented_control, int for
    integer number inputs, double otherwise); buttons, tabs and charts send nothing until used;
  * after a successful run the browser forgets the values of widgets that run did not draw;
  * ``page_info_changed`` carries the query string the app wrote (``st.query_params``): the next run sends it.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import contextlib
import http.cookiejar
import json
import math
import os
import random
import re
import statistics
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

FINISHED_OK = (0, 3)  # FINISHED_SUCCESSFULLY, FINISHED_FRAGMENT_RUN_SUCCESSFULLY
FINISHED_EARLY = 2  # FINISHED_EARLY_FOR_RERUN: another run follows
T = TypeVar("T")
# the browser context of every session (ClientState.context_info)
TIMEZONE, TIMEZONE_OFFSET, LOCALE, COLOR_SCHEME = "UTC", 0, "en-US", "light"
USER_AGENT = "optviz-loadtest/1 (like a browser tab)"


# What Chromium's playback bar reports after its first draw at 1280×800 (ui/player.js measures the map's column
# and the viewport; Python then sizes the map): one more full rerun per page load, recorded from Chromium.
BROWSER_BOX = {
    "w": 662,
    "vh": 800,
    "top": 135,
    "ml": 44,
    "mr": 68,
    "mt": 15,
    "mb": 36,
    "main": 938,
    "dpr": 1,
    "below": 0,
}


class SessionError(Exception):
    """A session failed: one line that says where."""


# ============================================================================ what the browser holds
def browser_value(kind: str, el: Any, previous: WidgetState | None) -> WidgetState | None:
    """The WidgetState the browser holds for a widget element after it is drawn (None: it sends nothing).

    Rules of the Streamlit frontend: a value set by the app (``set_value``) wins; else the value the browser
    already has for this widget id; else the widget's default."""
    if kind in ("button", "download_button", "plotly_chart", "link_button", "form_submit_button"):
        return None
    set_value = bool(getattr(el, "set_value", False))
    if previous is not None and not set_value:
        return previous
    ws = WidgetState(id=el.id)
    if kind in ("selectbox", "radio"):
        if set_value and el.HasField("raw_value"):
            ws.string_value = el.raw_value
        elif el.HasField("default") and 0 <= el.default < len(el.options):
            ws.string_value = el.options[el.default]
        else:
            return None
    elif kind == "slider":
        if el.type == el.SELECT_SLIDER:
            values = list(el.raw_value) if set_value else [el.options[int(i)] for i in el.default]
            ws.string_array_value.data.extend(values)
        else:
            ws.double_array_value.data.extend(list(el.value) if set_value else list(el.default))
    elif kind == "number_input":
        if set_value and el.HasField("value"):
            v = el.value
        elif el.HasField("default"):
            v = el.default
        else:
            return None
        if el.data_type == el.INT:
            ws.int_value = int(v)
        else:
            ws.double_value = float(v)
    elif kind == "checkbox":
        ws.bool_value = bool(el.value if set_value else el.default)
    elif kind == "button_group":
        values = list(el.raw_values) if set_value else [el.options[i].content for i in el.default]
        ws.string_array_value.data.extend(values)
    elif kind == "multiselect":
        values = list(el.raw_values) if set_value else [el.options[i] for i in el.default]
        ws.string_array_value.data.extend(values)
    elif kind in ("text_input", "text_area"):
        if set_value and el.HasField("value"):
            ws.string_value = el.value
        elif el.HasField("default"):
            ws.string_value = el.default
        else:
            return None
    else:
        return None  # a widget kind this tool does not model: the browser would send its value once used
    return ws


def state_key(ws: WidgetState) -> tuple[str, str, str]:
    """(id, value kind, value) of a WidgetState: comparable between the tool and a browser."""
    which = ws.WhichOneof("value") or ""
    value = getattr(ws, which) if which else None
    if which.endswith("_array_value"):
        value = list(value.data)  # type: ignore[union-attr]
    return ws.id, which, json.dumps(value)


@dataclass
class Widget:
    id: str
    kind: str
    label: str
    options: list[str]
    select_slider: bool


@dataclass
class Run:
    """What one script run sent."""

    status: int = -1
    messages: int = 0
    bytes: int = 0
    first_chart_at: float | None = None
    chart_ids: list[str] = field(default_factory=list)
    chart_hashes: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    finished_at: float | None = None


# ============================================================================ one session
class Session:
    """One browser tab, spoken over the websocket protocol (asyncio)."""

    def __init__(
        self,
        base_url: str,
        query: str,
        *,
        op_timeout: float,
        deadline: float,
        cold_assets: Sequence[str] = (),
        locale: str = LOCALE,
    ) -> None:
        self.base = base_url.rstrip("/")
        parts = urllib.parse.urlsplit(self.base)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.ws_url = (
            ("wss" if parts.scheme == "https" else "ws") + "://" + parts.netloc + parts.path + "/_stcore/stream"
        )
        self.page_url = self.base + "/"
        self.query = query.lstrip("?")
        self.op_timeout = op_timeout
        self.deadline = deadline
        self.cold_assets = tuple(cold_assets)
        self.locale = locale
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(self.jar)
        )
        self.ws: Any = None
        self.widgets: dict[str, Widget] = {}
        self.states: dict[str, WidgetState] = {}
        self.page_script_hash = ""
        self.cache: dict[str, tuple[ForwardMsg, int]] = {}  # hash -> (message, script run count)
        self.max_age = 2
        self.run_count = 0
        self.http_bytes = 0
        self.page_served_by = ""  # X-Served-By of the page and of the websocket upgrade (set by deploy/haproxy.cfg)
        self.ws_served_by = ""

    # ------------------------------------------------------------------ deadlines
    def _remaining(self, what: str) -> float:
        left = min(self.op_timeout, self.deadline - time.monotonic())
        if left <= 0:
            raise SessionError(f"{what}: out of time")
        return left

    # ------------------------------------------------------------------ HTTP (the page, as a browser loads it)
    def _get(self, url: str, timeout: float) -> tuple[int, str]:
        req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip"})
        with self.opener.open(req, timeout=timeout) as r:
            body = r.read()
            self.http_bytes += len(body)
            return int(r.status), r.headers.get("X-Served-By", "")

    async def _http(self, path: str) -> str:
        """GET a path like the browser; the proxy's X-Served-By header ("" without one)."""
        url = self.base + "/" + path.lstrip("/")
        timeout = self._remaining(f"GET {path}")
        try:
            status, served_by = await asyncio.wait_for(asyncio.to_thread(self._get, url, timeout), timeout + 1)
        except (OSError, TimeoutError) as exc:
            raise SessionError(f"GET {path}: {type(exc).__name__}: {exc}") from None
        if status != 200:
            raise SessionError(f"GET {path}: HTTP {status}")
        return served_by

    def _cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)

    def _xsrf(self) -> str:
        return next((c.value for c in self.jar if c.name == "_streamlit_xsrf"), "") or "PLACEHOLDER_AUTH_TOKEN"

    # ------------------------------------------------------------------ websocket
    async def connect(self) -> None:
        """Load the page like a first visit and open the websocket."""
        from websockets.asyncio.client import connect

        self.page_served_by = await self._http("/" + ("?" + self.query if self.query else ""))
        await self._http("/_stcore/health")
        await self._http("/_stcore/host-config")
        for asset in self.cold_assets:
            await self._http(asset)
        headers = {"User-Agent": USER_AGENT}
        cookie = self._cookie_header()
        if cookie:
            headers["Cookie"] = cookie
        timeout = self._remaining("websocket connect")
        try:
            self.ws = await connect(
                self.ws_url,
                subprotocols=["streamlit", self._xsrf()],  # type: ignore[list-item]
                origin=self.origin,  # type: ignore[arg-type]
                additional_headers=headers,
                user_agent_header=None,
                proxy=None,
                max_size=None,
                open_timeout=timeout,
                close_timeout=5,
            )
        except Exception as exc:
            raise SessionError(f"websocket connect: {type(exc).__name__}: {exc}") from None
        response = getattr(self.ws, "response", None)
        self.ws_served_by = response.headers.get("X-Served-By", "") if response is not None else ""

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 10)
            self.ws = None

    def _rerun_msg(self, widget_states: Iterable[WidgetState]) -> bytes:
        msg = BackMsg()
        rs = msg.rerun_script
        rs.query_string = self.query
        rs.widget_states.SetInParent()
        rs.widget_states.widgets.extend(widget_states)
        rs.page_script_hash = self.page_script_hash
        rs.cached_message_hashes.extend(self.cache)
        ci = rs.context_info
        ci.timezone, ci.timezone_offset, ci.locale = TIMEZONE, TIMEZONE_OFFSET, self.locale
        ci.url = self.page_url
        ci.is_embedded = False
        ci.color_scheme = COLOR_SCHEME
        return msg.SerializeToString()

    async def rerun(self, widget_states: Iterable[WidgetState], t0: float) -> Run:
        """Send a rerun_script and read until the script finished (another run after FINISHED_EARLY)."""
        await self.ws.send(self._rerun_msg(widget_states))
        run = Run()
        seen: set[str] = set()
        while True:
            timeout = self._remaining("waiting for the script")
            try:
                data = await asyncio.wait_for(self.ws.recv(), timeout)
            except TimeoutError:
                raise SessionError(f"no script_finished within {timeout:.0f} s") from None
            except Exception as exc:
                raise SessionError(f"websocket: {type(exc).__name__}: {exc}") from None
            now = time.perf_counter() - t0
            msg = ForwardMsg()
            msg.ParseFromString(data)
            run.messages += 1
            run.bytes += len(data)
            self._handle(msg, run, seen, now)
            if run.status == FINISHED_EARLY:
                run = Run(messages=run.messages, bytes=run.bytes)
                seen = set()
                continue
            if run.status >= 0:
                run.finished_at = now
                return run

    def _handle(self, msg: ForwardMsg, run: Run, seen: set[str], now: float) -> None:
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            cached = self.cache.get(msg.ref_hash)
            if cached is None:
                run.exceptions.append(f"cache miss for a referenced message ({msg.ref_hash})")
                return
            self.cache[msg.ref_hash] = (cached[0], self.run_count)
            full = ForwardMsg()
            full.CopyFrom(cached[0])
            full.metadata.CopyFrom(msg.metadata)
            self._handle(full, run, seen, now)
            return
        if msg.metadata.cacheable and msg.hash and msg.hash not in self.cache:
            self.cache[msg.hash] = (msg, self.run_count)
        if kind == "new_session":
            self.page_script_hash = msg.new_session.page_script_hash
            if msg.new_session.config.max_cached_message_age:
                self.max_age = msg.new_session.config.max_cached_message_age
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            el_kind = msg.delta.new_element.WhichOneof("type") or ""
            el = getattr(msg.delta.new_element, el_kind)
            if el_kind == "exception":
                run.exceptions.append(f"{el.type}: {el.message}"[:300])
            elif el_kind == "plotly_chart":
                if run.first_chart_at is None and list(msg.metadata.delta_path)[:1] == [0]:
                    run.first_chart_at = now
                run.chart_ids.append(el.id)
                run.chart_hashes.append(msg.hash)
            wid = getattr(el, "id", "")
            if wid and el_kind != "plotly_chart":
                seen.add(wid)
                self.widgets[wid] = Widget(
                    id=wid,
                    kind=el_kind,
                    label=getattr(el, "label", ""),
                    options=[getattr(o, "content", o) for o in getattr(el, "options", [])],
                    select_slider=el_kind == "slider" and el.type == el.SELECT_SLIDER,
                )
                value = browser_value(el_kind, el, self.states.get(wid))
                if value is not None:
                    self.states[wid] = value
        elif kind == "script_finished":
            run.status = int(msg.script_finished)
            if run.status in FINISHED_OK:
                # the browser drops the values of widgets this run did not draw, and ages its message cache
                if run.status == 0:
                    for wid in list(self.states):
                        if wid not in seen:
                            del self.states[wid]
                self.run_count += 1
                for h, (_m, count) in list(self.cache.items()):
                    if self.run_count - count > self.max_age:
                        del self.cache[h]

    # ------------------------------------------------------------------ the actions
    async def first_load(self) -> tuple[float, float, Run]:
        """(seconds to the first chart, seconds to script finished, the run) from the page request."""
        t0 = time.perf_counter()
        await self.connect()
        run = await self.rerun([], t0)
        if run.status not in FINISHED_OK:
            raise SessionError(f"first run ended with status {run.status}")
        if run.first_chart_at is None:
            raise SessionError("first run drew no chart in the main area")
        return run.first_chart_at, float(run.finished_at or 0.0), run

    def box_states(self) -> list[WidgetState]:
        """The widget states of the playback bar's first report (BROWSER_BOX), as Chromium sends it."""
        pid = next((wid for wid in self.widgets if wid.endswith("-player")), None)
        if pid is None:
            return []
        ws = WidgetState(id=pid)
        ws.json_value = json.dumps({"box": BROWSER_BOX}, separators=(",", ":"))
        self.states[pid] = ws
        return list(self.states.values())

    async def report_box(self) -> Run | None:
        """The rerun every page load also makes: the bar reports the map's room and Python sizes the map."""
        states = self.box_states()
        if not states:
            return None
        run = await self.rerun(states, time.perf_counter())
        if run.status not in FINISHED_OK:
            raise SessionError(f"the box report's rerun ended with status {run.status}")
        return run

    def find_slider(self, pattern: str) -> Widget:
        rx = re.compile(pattern)
        for w in self.widgets.values():
            if w.id in self.states and w.select_slider and rx.search(w.label):
                return w
        labels = sorted({w.label for w in self.widgets.values() if w.select_slider})
        raise SessionError(f"no select_slider whose label matches /{pattern}/ (select_sliders: {labels})")

    def moved_states(self, slider: Widget, new_value: str) -> list[WidgetState]:
        ws = WidgetState(id=slider.id)
        ws.string_array_value.data.append(new_value)
        self.states[slider.id] = ws
        return list(self.states.values())

    async def move(self, slider: Widget, new_value: str) -> tuple[float, Run]:
        """Move a select_slider; seconds until the script finished with a new chart."""
        t0 = time.perf_counter()
        run = await self.rerun(self.moved_states(slider, new_value), t0)
        if run.status not in FINISHED_OK:
            raise SessionError(f"rerun ended with status {run.status}")
        if not run.chart_ids:
            raise SessionError("rerun drew no chart")
        return float(run.finished_at or 0.0), run


def next_value(options: Sequence[str], current: str, rng: random.Random, step: int | None = None) -> str:
    """A new option near the current one: `step` positions away, or 1–3 positions either way at random."""
    i = options.index(current) if current in options else 0
    if step is None:
        candidates = [j for j in range(i - 3, i + 4) if j != i and 0 <= j < len(options)]
        return options[rng.choice(candidates)]
    j = min(max(i + step, 0), len(options) - 1)
    if j == i:
        j = min(max(i - step, 0), len(options) - 1)
    return options[j]


# ============================================================================ the server's processes
CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cmdline(pid: int) -> list[str]:
    try:
        return [a.decode(errors="replace") for a in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if a]
    except OSError:
        return []


def is_streamlit(pid: int) -> bool:
    args = _cmdline(pid)
    return "run" in args and any(Path(a).name == "streamlit" for a in args)


def listening_pid(port: int) -> int | None:
    """The local process listening on a TCP port (from /proc/net/tcp*; read-only)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            if len(cols) > 9 and cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{cols[9]}]")
    if not inodes:
        return None
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            for fd in (d / "fd").iterdir():
                if os.readlink(fd) in inodes:
                    return int(d.name)
        except OSError:
            continue
    return None


def find_server_pids(url: str) -> tuple[list[int], str]:
    """The Streamlit process serving a local URL, and a note: ([pid], "") or ([], why none)."""
    parts = urllib.parse.urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        return [], "the server is not on this machine: pass --pids or --pid-file"
    pid = listening_pid(parts.port or (443 if parts.scheme == "https" else 80))
    if pid is None:
        return [], "no local process listens on that port (or it belongs to another user)"
    if is_streamlit(pid):
        return [pid], ""
    name = Path(_cmdline(pid)[0]).name if _cmdline(pid) else "?"
    return [], f"port {parts.port} is served by {name} (pid {pid}), not Streamlit: pass --pids or --pid-file"


def proc_rss_mb(pids: Iterable[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def proc_cpu_s(pids: Iterable[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total / CLK_TCK


class Sampler:
    """Samples the servers' RSS in the background (peak, and a timeline)."""

    def __init__(self, pids: Sequence[int], every: float = 0.5) -> None:
        self.pids = list(pids)
        self.every = every
        self.peak = 0.0
        self.timeline: list[tuple[float, float]] = []
        self._task: asyncio.Task | None = None
        self._t0 = time.monotonic()

    async def _loop(self) -> None:
        while True:
            rss = proc_rss_mb(self.pids)
            self.peak = max(self.peak, rss)
            self.timeline.append((round(time.monotonic() - self._t0, 1), round(rss, 1)))
            await asyncio.sleep(self.every)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


# ============================================================================ the load test
@dataclass
class Result:
    index: int
    first_chart: float | None = None
    first_finished: float | None = None
    reruns: list[float] = field(default_factory=list)
    script_runs: int = 0
    errors: list[str] = field(default_factory=list)
    bytes: int = 0
    page_served_by: str = ""
    ws_served_by: str = ""


class Barrier:
    """Counts sessions whose work is done; `all_done` is set when every session is done."""

    def __init__(self, n: int) -> None:
        self.left = n
        self.all_done = asyncio.Event()
        self.hold = asyncio.Event()  # set: close the tabs
        if n <= 0:
            self.all_done.set()

    def done(self) -> None:
        self.left -= 1
        if self.left <= 0:
            self.all_done.set()


async def run_session(
    index: int, args: argparse.Namespace, deadline: float, start_at: float, barrier: Barrier, cold: Sequence[str]
) -> Result:
    res = Result(index)
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    rng = random.Random(args.seed * 100_003 + index)
    s = Session(
        args.url, args.query, op_timeout=args.op_timeout, deadline=deadline, cold_assets=cold, locale=args.locale
    )
    try:
        first, finished, run = await s.first_load()
        res.first_chart, res.first_finished = first, finished
        res.page_served_by, res.ws_served_by = s.page_served_by, s.ws_served_by
        res.script_runs += 1
        res.bytes += run.bytes
        res.errors += run.exceptions
        boxed = await s.report_box()  # as a browser: the bar's first report reruns the script once more
        if boxed is not None:
            res.script_runs += 1
            res.bytes += boxed.bytes
            res.errors += boxed.exceptions
        slider = s.find_slider(args.slider)
        for m in range(args.moves):
            await asyncio.sleep(args.think * rng.uniform(0.5, 1.5))
            current = s.states[slider.id].string_array_value.data[0]
            target = next_value(slider.options, current, rng, args.step[m % len(args.step)] if args.step else None)
            took, run = await s.move(slider, target)
            res.reruns.append(took)
            res.script_runs += 1
            res.bytes += run.bytes
            res.errors += run.exceptions
    except SessionError as exc:
        res.errors.append(str(exc))
    except Exception as exc:  # a bug or an unexpected answer: record it, never hang the test
        res.errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        # a class keeps its tabs open until everyone is done
        barrier.done()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(barrier.hold.wait(), max(0.1, deadline - time.monotonic()))
        await s.close()
    return res


def quantiles(xs: Sequence[float]) -> tuple[float, float, float] | None:
    if not xs:
        return None
    ys = sorted(xs)
    p90 = ys[max(0, math.ceil(0.9 * len(ys)) - 1)]  # nearest rank
    return statistics.median(ys), p90, ys[-1]


def fmt_q(xs: Sequence[float]) -> str:
    q = quantiles(xs)
    return "—" if q is None else f"median {q[0]:6.2f} s   p90 {q[1]:6.2f} s   max {q[2]:6.2f} s   (n={len(xs)})"


async def load_test(args: argparse.Namespace) -> dict:
    t_start = time.monotonic()
    deadline = t_start + args.timeout
    pids, why = (args.pids, "") if args.pids else find_server_pids(args.url)
    out: dict[str, Any] = {"url": args.url, "query": args.query, "sessions": args.sessions, "moves": args.moves}
    out["server_pids"] = pids
    out["loadavg_start"] = os.getloadavg()
    cold = read_assets(args.cold) if args.cold else []
    print(f"server processes: {pids or 'none (RSS and CPU not measured): ' + why}", flush=True)
    out["rss_idle_mb"] = proc_rss_mb(pids)
    # warm-up: imports, caches and first-touch allocations (a whole session: its moves import and build more),
    # so the baseline is a server that has served once
    for i in range(args.warmup):
        warm = Barrier(1)
        warm.hold.set()
        res = await run_session(-1 - i, args, deadline, time.monotonic(), warm, [])
        if res.errors:
            print(f"warm-up session {i + 1} failed: {res.errors[0]}", flush=True)
        else:
            print(f"warm-up session {i + 1}: first chart {res.first_chart or 0:.2f} s", flush=True)
    await asyncio.sleep(1.0)
    sampler = Sampler(pids)
    out["rss_baseline_mb"] = proc_rss_mb(pids)
    cpu0 = proc_cpu_s(pids)
    tool0 = time.process_time()
    sampler.start()
    barrier = Barrier(args.sessions)
    t_load = time.monotonic()
    tasks = [
        asyncio.create_task(
            run_session(i, args, deadline, t_load + (args.ramp * i / max(1, args.sessions - 1)), barrier, cold)
        )
        for i in range(args.sessions)
    ]
    # wait until every session did its work (each then keeps its tab open), then close them all together
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(barrier.all_done.wait(), max(0.1, deadline - time.monotonic()))
    cpu1 = proc_cpu_s(pids)
    out["tool_cpu_s"] = time.process_time() - tool0  # the load generator shares this machine's cores
    out["loadavg_end"] = os.getloadavg()
    t_work = time.monotonic() - t_load
    barrier.hold.set()
    results: list[Result] = []
    for t in tasks:
        try:
            results.append(await asyncio.wait_for(t, max(5.0, deadline - time.monotonic() + 15)))
        except (TimeoutError, asyncio.CancelledError):
            results.append(Result(-1, errors=["session did not stop by the deadline"]))
    await asyncio.sleep(2.0)
    out["rss_after_close_mb"] = proc_rss_mb(pids)
    wait_after = min(args.after, max(0.0, deadline - time.monotonic()))
    if wait_after < args.after:
        print(f"(--timeout leaves {wait_after:.0f} s of the {args.after:.0f} s wait after close)", flush=True)
    await asyncio.sleep(wait_after)
    out["rss_after_wait_mb"] = proc_rss_mb(pids)
    out["after_s"] = round(wait_after, 1)
    await sampler.stop()
    out["rss_peak_mb"] = sampler.peak
    out["rss_timeline"] = sampler.timeline
    runs = sum(r.script_runs for r in results)
    out["cpu_s"] = cpu1 - cpu0
    out["script_runs"] = runs
    out["cpu_per_run_s"] = (cpu1 - cpu0) / runs if runs else None
    out["load_wall_s"] = t_work
    out["first_chart"] = [r.first_chart for r in results if r.first_chart is not None]
    out["first_finished"] = [r.first_finished for r in results if r.first_finished is not None]
    out["reruns"] = [x for r in results for x in r.reruns]
    out["errors"] = [f"session {r.index}: {e}" for r in results for e in r.errors]
    out["mb_received"] = sum(r.bytes for r in results) / 1e6
    out["sessions_ok"] = sum(1 for r in results if not r.errors and len(r.reruns) == args.moves)
    # behind deploy/haproxy.cfg: which process served each session, and whether its websocket stuck to it
    out["served_by"] = dict(collections.Counter(r.ws_served_by for r in results if r.ws_served_by))
    out["not_sticky"] = sum(1 for r in results if r.ws_served_by and r.ws_served_by != r.page_served_by)
    return out


def read_assets(path: str) -> list[str]:
    return [ln.strip() for ln in Path(path).read_text().splitlines() if ln.strip() and not ln.startswith("#")]


def report(out: dict) -> str:
    lines = [
        f"load test: {out['sessions']} sessions × (first load + {out['moves']} slider moves) against {out['url']}"
        + (f"  query: {out['query']}" if out["query"] else ""),
        (
            f"  sessions complete : {out['sessions_ok']} / {out['sessions']}   load phase {out['load_wall_s']:.1f} s,"
            f" {out['mb_received']:.1f} MB received"
        ),
        f"  first chart       : {fmt_q(out['first_chart'])}",
        f"  first run finished: {fmt_q(out['first_finished'])}",
        f"  slider rerun      : {fmt_q(out['reruns'])}",
        f"  errors            : {len(out['errors'])}",
        (
            f"  machine load avg  : {out['loadavg_start'][0]:.1f} at start, {out['loadavg_end'][0]:.1f} at the end"
            f" of the load phase ({os.cpu_count()} cores; other work on the machine slows the server);"
            f" this tool used {out['tool_cpu_s']:.1f} s of CPU"
        ),
    ]
    for e in out["errors"][:10]:
        lines.append(f"      {e}")
    if len(out["errors"]) > 10:
        lines.append(f"      … {len(out['errors']) - 10} more")
    if out["served_by"]:
        per = ", ".join(f"{k} {v}" for k, v in sorted(out["served_by"].items()))
        lines.append(f"  sessions per process: {per}; websocket not on its page's process: {out['not_sticky']}")
    if out["server_pids"]:
        lines += [
            f"  server RSS (sum of {len(out['server_pids'])} process(es)): idle {out['rss_idle_mb']:.0f} MB,"
            f" baseline {out['rss_baseline_mb']:.0f} MB (after warm-up), peak {out['rss_peak_mb']:.0f} MB,"
            f" after close {out['rss_after_close_mb']:.0f} MB, {out['after_s']:.0f} s after close"
            f" {out['rss_after_wait_mb']:.0f} MB"
            + (
                f" ({100 * (out['rss_after_wait_mb'] / out['rss_baseline_mb'] - 1):+.0f} % of baseline)"
                if out["rss_baseline_mb"]
                else ""
            ),
            (
                f"  server CPU        : {out['cpu_s']:.1f} s for {out['script_runs']} script runs ="
                f" {out['cpu_per_run_s'] or 0:.3f} s per run; the server used"
                f" {out['cpu_s'] / max(out['load_wall_s'], 1e-9):.2f} of {os.cpu_count()} cores during the load phase"
            ),
        ]
    return "\n".join(lines)


# ============================================================================ the browser check
def browser_check(args: argparse.Namespace) -> int:
    """One Chromium session and one tool session doing the same: first chart, then --moves one-step moves."""
    from playwright.sync_api import sync_playwright

    from tools.browser import CHROMIUM_ARGS, find_chromium

    chromium = find_chromium()
    if chromium is None:
        print("Chromium not found: apt-get install -y chromium", file=sys.stderr)
        return 2
    deadline = time.monotonic() + args.timeout
    # the tool first learns the slider's widget key (its element id ends with the key)
    probe = Session(args.url, args.query, op_timeout=args.op_timeout, deadline=deadline)

    async def learn() -> tuple[str, str]:
        try:
            await probe.first_load()
            w = probe.find_slider(args.slider)
            return w.id.split("-", 2)[2], probe.states[w.id].string_array_value.data[0]
        finally:
            await probe.close()

    key, start_value = run_async(learn)
    pids, _why = (args.pids, "") if args.pids else find_server_pids(args.url)
    url = args.url.rstrip("/") + "/" + ("?" + args.query.lstrip("?") if args.query else "")
    assets: list[str] = []
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = b.new_page(viewport={"width": 1280, "height": 800})
            page.on(
                "requestfinished",
                lambda r: assets.append(urllib.parse.urlsplit(r.url).path) if "/static/" in r.url else None,
            )
            page.add_init_script(_WS_CLOCK_JS)
            # the network's own clock for the websocket frames (CDP), untouched by a busy page
            net: list[tuple[str, float, bytes]] = []
            cdp = page.context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.on("Network.webSocketFrameSent", lambda e: net.append(("sent", e["timestamp"], b"")))
            cdp.on("Network.webSocketFrameReceived", lambda e: net.append(("recv", e["timestamp"], _cdp_payload(e))))
            page.goto(url, timeout=args.op_timeout * 1000)
            page.wait_for_selector("[data-testid='stMain'] .js-plotly-plot .main-svg", timeout=args.op_timeout * 1000)
            drawn = page.evaluate("() => performance.now()")
            _browser_idle(page, args.op_timeout)
            rows = [_phases(page.evaluate("() => window.__lt"), 0.0, drawn, first=True)]
            rows[0]["network"] = _network_time(net, 0, first=True)
            rows[0]["cpu"] = math.nan
            thumb = page.locator(f".st-key-{key} input[type=range]").first
            for _ in range(args.moves):
                page.wait_for_timeout(int(args.think * 1000))
                page.evaluate(_COUNTER_JS)
                thumb.focus()
                pressed = page.evaluate("() => performance.now()")
                n_before = len(net)
                cpu0 = proc_cpu_s(pids) if pids else math.nan
                page.keyboard.press("ArrowRight")
                page.wait_for_function("() => window.__ltRuns > 0", timeout=args.op_timeout * 1000, polling=20)
                _browser_idle(page, args.op_timeout)
                drawn = page.evaluate("() => performance.now()")
                rows.append(_phases(page.evaluate("() => window.__lt"), pressed, drawn))
                rows[-1]["network"] = _network_time(net, n_before)
                page.wait_for_timeout(300)  # the event loop finishes sending
                rows[-1]["cpu"] = (proc_cpu_s(pids) if pids else math.nan) - cpu0
        finally:
            b.close()

    # the tool: the same scene, one-step moves the other way (fresh values, not the browser's cached ones)
    async def one() -> tuple[list[float], list[float], list[str]]:
        times: list[float] = []
        cpus: list[float] = []
        sess = Session(args.url, args.query, op_timeout=args.op_timeout, deadline=deadline)
        try:
            first, _fin, _run = await sess.first_load()
            times.append(first)
            cpus.append(math.nan)
            slider = sess.find_slider(args.slider)
            for _ in range(args.moves):
                await asyncio.sleep(args.think)
                current = sess.states[slider.id].string_array_value.data[0]
                c0 = proc_cpu_s(pids) if pids else math.nan
                took, _run = await sess.move(slider, next_value(slider.options, current, random.Random(0), step=-1))
                await asyncio.sleep(0.3)
                times.append(took)
                cpus.append((proc_cpu_s(pids) if pids else math.nan) - c0)
            return times, cpus, []
        except SessionError as exc:
            return times, cpus, [str(exc)]
        finally:
            await sess.close()

    tool, tool_cpu, errors = run_async(one)
    print(f"slider: {key} (starts at {start_value}). Seconds:")
    print("  before:  page request -> websocket open, first rerun sent / key press -> rerun sent (the page's clock)")
    print("  network: rerun sent -> first chart delta (first load) / script_finished (moves) received, on Chromium's")
    print("           network clock (DevTools). Chromium reads a websocket only as fast as its page takes the")
    print("           messages in, so a busy page (decoding a 1.4 MB chart) holds the server's later messages back")
    print("  in page: the same as the page's script saw it")
    print("  total:   page request / key press -> chart drawn and Streamlit idle")
    print("  cpu:     the server's CPU seconds for that rerun (the same work for both clients)")
    print("                before  network  in page    total      cpu  |   tool  tool cpu")
    for i, row in enumerate(rows):
        name = "first chart" if i == 0 else f"move {i}"
        t = tool[i] if i < len(tool) else math.nan
        tc = tool_cpu[i] if i < len(tool_cpu) else math.nan
        print(
            f"{name:13s} {row['before']:7.2f} {row['network']:8.2f} {row['server']:8.2f} {row['total']:8.2f}"
            f" {row['cpu']:8.2f}  | {t:6.2f} {tc:8.2f}"
        )
    if errors:
        print("tool errors:", *errors, sep="\n  ")
    if args.save_assets:
        Path(args.save_assets).write_text("\n".join(dict.fromkeys(assets)) + "\n")
        print(f"{len(set(assets))} static files the browser fetched -> {args.save_assets} (use with --cold)")
    return 0 if not errors else 1


# Chromium's own clock on its websocket: when each BackMsg left and each ForwardMsg arrived (small ones kept, to
# find script_finished; the first large plotly delta marks the first chart).
_WS_CLOCK_JS = """(() => {
  const Orig = window.WebSocket;
  window.__lt = {sent: [], recv: []};
  function Clocked(...a) {
    const ws = new Orig(...a);
    ws.addEventListener('message', ev => {
      const t = performance.now();
      const d = ev.data;
      const n = d instanceof ArrayBuffer ? d.byteLength : (d && d.size) || 0;
      let b64 = null;
      if (d instanceof ArrayBuffer && n < 512) b64 = btoa(String.fromCharCode(...new Uint8Array(d)));
      window.__lt.recv.push([t, n, b64]);
    });
    const send = ws.send.bind(ws);
    ws.send = x => { window.__lt.sent.push(performance.now()); return send(x); };
    return ws;
  }
  Clocked.prototype = Orig.prototype;
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) Clocked[k] = Orig[k];
  window.WebSocket = Clocked;
})();"""


def _cdp_payload(event: dict) -> bytes:
    """The bytes of a binary websocket frame from a DevTools event (small frames only: enough for script_finished)."""
    response = event.get("response", {})
    if response.get("opcode") != 2 or len(response.get("payloadData", "")) > 700:
        return b"\x00" * (len(response.get("payloadData", "")) * 3 // 4)  # a large frame: its size only
    return base64.b64decode(response.get("payloadData", ""))


def _network_time(net: Sequence[tuple[str, float, bytes]], start: int, *, first: bool = False) -> float:
    """Seconds from the first frame sent (from index start on) to the first chart delta / script_finished."""
    sent = next((t for kind, t, _ in net[start:] if kind == "sent"), math.nan)
    for kind, t, data in net[start:]:
        if kind != "recv" or not t >= sent:
            continue
        if first and len(data) > 100_000:
            return t - sent
        if not first and 0 < len(data) < 512:
            msg = ForwardMsg()
            try:
                msg.ParseFromString(data)
            except Exception:
                continue
            if msg.WhichOneof("type") == "script_finished":
                return t - sent
    return math.nan


def _phases(clock: dict, since_ms: float, drawn_ms: float, *, first: bool = False) -> dict[str, float]:
    """before / server / draw / total seconds of one action from the page's websocket clock."""
    sent = next((t for t in clock["sent"] if t >= since_ms), math.nan)
    end = math.nan
    for t, n, b64 in clock["recv"]:
        if t < sent:
            continue
        if first and n > 100_000:  # the contour chart's delta: the first chart (large, not kept)
            end = t
            break
        if not first and b64:
            msg = ForwardMsg()
            try:
                msg.ParseFromString(base64.b64decode(b64))
            except Exception:
                continue
            if msg.WhichOneof("type") == "script_finished":
                end = t
                break
    return {
        "before": (sent - since_ms) / 1000,
        "server": (end - sent) / 1000,
        "draw": (drawn_ms - end) / 1000,
        "total": (drawn_ms - since_ms) / 1000,
    }


_COUNTER_JS = """() => {
  window.__ltRuns = 0;
  if (window.__ltObs) window.__ltObs.disconnect();
  const app = document.querySelector('[data-testid="stApp"]');
  window.__ltObs = new MutationObserver(() => {
    if (app.getAttribute('data-test-script-state') === 'running') window.__ltRuns += 1; });
  window.__ltObs.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""

_IDLE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  for (const c of document.querySelectorAll('[data-testid="stPlotlyChart"]'))
    if (c.offsetParent !== null && !c.querySelector('.main-svg')) return false;
  return true;
}"""


def _browser_idle(page: Any, timeout_s: float) -> None:
    page.wait_for_function(_IDLE_JS, timeout=timeout_s * 1000, polling=20)


def warm(args: argparse.Namespace) -> int:
    """One session against a fresh server: its first visitor then meets imported modules and filled caches."""

    async def one() -> Result:
        barrier = Barrier(1)
        barrier.hold.set()
        return await run_session(0, args, time.monotonic() + args.timeout, time.monotonic(), barrier, [])

    t0 = time.monotonic()
    res = run_async(one)
    if res.errors:
        print(f"warm-up of {args.url} failed: {res.errors[0]}", file=sys.stderr)
        return 1
    print(f"warmed up {args.url} in {time.monotonic() - t0:.1f} s")
    return 0


# ============================================================================ command line
def run_async(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """asyncio.run(make()), in a worker thread when this thread already runs an event loop (Playwright's)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = asyncio.run(make())
        except BaseException as exc:
            box["error"] = exc

    t = threading.Thread(target=work, name="loadtest")
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m tools.loadtest", description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:8501", help="the app (a Streamlit server or a proxy)")
    ap.add_argument("--sessions", type=int, default=20, help="concurrent sessions (default 20)")
    ap.add_argument("--query", default="", help="query string of the first load, e.g. 'surface=beale&run=adam'")
    ap.add_argument("--moves", type=int, default=3, help="slider moves per session (default 3)")
    ap.add_argument("--slider", default=r"^lr\b", help="regex on the label of the select_slider to move (lr)")
    ap.add_argument("--step", type=int, action="append", help="move by this many positions (repeatable)")
    ap.add_argument("--think", type=float, default=1.0, help="mean pause before each move, seconds (default 1)")
    ap.add_argument("--ramp", type=float, default=5.0, help="start the sessions over this many seconds (default 5)")
    ap.add_argument("--timeout", type=float, default=900.0, help="hard limit for the whole test, seconds")
    ap.add_argument("--op-timeout", type=float, default=180.0, help="limit for one page load or rerun, seconds")
    ap.add_argument("--after", type=float, default=120.0, help="measure RSS this long after close (default 120)")
    ap.add_argument("--warmup", type=int, default=1, help="sessions run before the baseline (default 1)")
    ap.add_argument("--pids", type=lambda s: [int(x) for x in s.split(",") if x], help="server PIDs, comma-separated")
    ap.add_argument("--pid-file", help="a file with server PIDs (one per line), e.g. deploy/start.sh's")
    ap.add_argument("--cold", metavar="FILE", help="also GET these static paths per session (a cold browser cache)")
    ap.add_argument("--locale", default=LOCALE, help="the browser language the sessions report (en-US; zh-CN …)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the sessions' slider targets")
    ap.add_argument("--json", help="write every figure (raw timings, RSS timeline) to this JSON file")
    ap.add_argument("--browser-check", action="store_true", help="compare one Chromium session with one tool session")
    ap.add_argument(
        "--warm",
        action="store_true",
        help="only run one session (first load + --moves moves) to warm a fresh server up; no measurements",
    )
    ap.add_argument("--save-assets", help="with --browser-check: write the static paths Chromium fetched here")
    args = ap.parse_args(argv)
    if args.pid_file:
        args.pids = [int(x) for x in Path(args.pid_file).read_text().split() if x.strip().isdigit()]
    if args.sessions < 1 or args.moves < 0:
        ap.error("--sessions must be ≥ 1 and --moves ≥ 0")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.browser_check:
        return browser_check(args)
    if args.warm:
        return warm(args)
    try:
        out = run_async(lambda: asyncio.wait_for(load_test(args), args.timeout + 60))
    except TimeoutError:
        print(f"load test stopped by --timeout ({args.timeout:.0f} s)", file=sys.stderr)
        return 1
    print(report(out), flush=True)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(out, indent=1))
    return 0 if not out["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
