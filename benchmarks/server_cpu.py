"""Where the server's CPU goes: CPU seconds per script run, and a profile of them (a script, not a test).

    python -m benchmarks.server_cpu                      # CPU per run: first load, cached first load, slider move
    python -m benchmarks.server_cpu --profile            # + a py-spy profile of the slider moves (pip install py-spy)
    python -m benchmarks.server_cpu --url http://127.0.0.1:8501 --pids 1234   # a server you started yourself

One websocket session (tools/loadtest.py) runs one thing at a time against a Streamlit server, so the
server's CPU time (utime + stime from /proc, every thread) between two waits belongs to that run alone:
  first load   the first session on a fresh server (nothing cached: imports, grids, trajectories, figures)
  cached load  a further session opening the same scene (a class following the teacher's link)
  move         one step of the lr slider to a value not seen before (one run recomputed, figures rebuilt)
With --profile, py-spy samples the server (all threads, 200 Hz) during the moves and the script prints the
functions with the largest inclusive and own shares of the samples.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from tools import loadtest
from tools.browser import free_port

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def server(extra: Sequence[str] = (), env: dict[str, str] | None = None) -> Iterator[tuple[str, int]]:
    """`streamlit run app.py` on 127.0.0.1:<free port>; yields (url, pid); stops it by its PID."""
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true"]
    cmd += ["--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"]
    proc = subprocess.Popen(
        [*cmd, *extra],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        import urllib.request

        for _ in range(300):
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Spy:
    """py-spy recording the server while a phase runs (None: no profiling)."""

    def __init__(self, pid: int | None, directory: Path) -> None:
        self.pid, self.directory = pid, directory
        self.files: dict[str, Path] = {}

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        if self.pid is None:
            yield
            return
        raw = self.directory / f"{name.replace(' ', '_')}.txt"
        cmd = ["py-spy", "record", "-p", str(self.pid), "-r", "200", "-f", "raw", "-o", str(raw), "--nonblocking"]
        spy = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)  # attached
        try:
            yield
        finally:
            spy.send_signal(signal.SIGINT)
            try:
                spy.wait(timeout=30)
            except subprocess.TimeoutExpired:
                spy.kill()
                spy.wait()
            self.files[name] = raw


async def measure(url: str, pids: list[int], moves: int, query: str, pause: float, spy: Spy) -> dict[str, list[float]]:
    """Server CPU seconds of each run: [first load], [cached loads], [moves]."""
    deadline = time.monotonic() + 600
    out: dict[str, list[float]] = {"first load": [], "cached load": [], "move": []}

    async def settle() -> float:
        await asyncio.sleep(pause)  # let the event loop finish sending before reading the counters
        return loadtest.proc_cpu_s(pids)

    async def load(name: str) -> None:
        s = loadtest.Session(url, query, op_timeout=180, deadline=deadline)
        c0 = await settle()
        try:
            await s.first_load()
            out[name].append(await settle() - c0)
        finally:
            await s.close()

    await load("first load")
    with spy.phase("cached load"):
        for _ in range(4):
            await load("cached load")
    s = loadtest.Session(url, query, op_timeout=180, deadline=deadline)
    try:
        await s.first_load()
        slider = s.find_slider(r"^lr\b")
        start = slider.options.index(s.states[slider.id].string_array_value.data[0])
        # every target is new to the server's caches: up one option at a time, then below the start
        up = [start + k for k in range(1, moves // 2 + 1)]
        down = [start - k for k in range(1, moves - len(up) + 1)]
        targets = [slider.options[i] for i in up + down if 0 <= i < len(slider.options)]
        with spy.phase("move"):
            for target in targets:
                c0 = await settle()
                await s.move(slider, target)
                out["move"].append(await settle() - c0)
    finally:
        await s.close()
    return out


def collapse(raw: Path) -> tuple[int, collections.Counter, collections.Counter]:
    """(samples, inclusive counts, own counts) per function from py-spy's raw (collapsed stacks) output."""
    total = 0
    inclusive: collections.Counter = collections.Counter()
    own: collections.Counter = collections.Counter()
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack or not n.isdigit():
            continue
        count = int(n)
        frames = [_name(f) for f in stack.split(";")]
        total += count
        for f in set(frames):
            inclusive[f] += count
        own[frames[-1]] += count
    return total, inclusive, own


def _name(frame: str) -> str:
    """'render (ui/trajectories.py:97)' -> 'render (ui/trajectories.py)'."""
    fn, _, where = frame.partition(" (")
    return f"{fn} ({where.rsplit(':', 1)[0]})" if where else fn


BORING = ("threading.py", "_bootstrap", "runpy", "asyncio/", "concurrent/futures", "<frozen", "click/core.py")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.server_cpu", description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", help="measure this running server instead of starting one (needs --pids)")
    ap.add_argument("--pids", type=lambda s: [int(x) for x in s.split(",")], help="its PIDs")
    ap.add_argument("--moves", type=int, default=12, help="slider moves to measure (default 12)")
    ap.add_argument("--query", default="", help="the scene's query string (default: the app's default scene)")
    ap.add_argument("--profile", action="store_true", help="profile the moves with py-spy")
    ap.add_argument("--top", type=int, default=30, help="functions to list (default 30)")
    ap.add_argument("--pause", type=float, default=0.5, help="seconds between runs (default 0.5)")
    ap.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a Streamlit option for the server it starts, e.g. server.fileWatcherType=none (repeatable)",
    )
    ap.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="environment of that server")
    args = ap.parse_args(argv)
    if args.profile and not shutil.which("py-spy"):
        ap.error("--profile needs py-spy: pip install py-spy")

    with contextlib.ExitStack() as stack:
        if args.url:
            if not args.pids:
                ap.error("--url needs --pids")
            url, pids = args.url, args.pids
        else:
            flags = [f"--{o.split('=', 1)[0]}={o.split('=', 1)[1]}" for o in args.option]
            env = dict(e.split("=", 1) for e in args.env)
            url, pid = stack.enter_context(server(flags, env))
            pids = [pid]
        idle0 = loadtest.proc_cpu_s(pids)
        time.sleep(2.0)
        idle = (loadtest.proc_cpu_s(pids) - idle0) / 2.0
        spy = Spy(pids[0] if args.profile else None, Path(stack.enter_context(tempfile.TemporaryDirectory())))
        res = loadtest.run_async(lambda: measure(url, pids, args.moves, args.query, args.pause, spy))
        print(f"server CPU per script run (seconds; the idle server's {idle * 1000:.0f} ms/s included)")
        print("| run | median | min | max | n |")
        print("|---|---:|---:|---:|---:|")
        for name, xs in res.items():
            if xs:
                print(f"| {name} | {statistics.median(xs):.3f} | {min(xs):.3f} | {max(xs):.3f} | {len(xs)} |")
        for phase, raw in spy.files.items():
            if raw.exists():
                print_profile(phase, raw, args.top)
    return 0


def print_profile(phase: str, raw: Path, top: int) -> None:
    total, inclusive, own = collapse(raw)
    print(f"\npy-spy, {phase}: {total} samples (all threads but idle ones, 200 Hz)")
    print("\n| inclusive | own | function (file) |")
    print("|---:|---:|---|")
    shown = 0
    for fn, n in inclusive.most_common():
        if any(b in fn for b in BORING):
            continue
        print(f"| {100 * n / total:5.1f} % | {100 * own[fn] / total:5.1f} % | {fn} |")
        shown += 1
        if shown >= top:
            break
    print("\nlargest own shares:")
    for fn, n in own.most_common(15):
        print(f"  {100 * n / total:5.1f} %  {fn}")


if __name__ == "__main__":
    sys.exit(main())
