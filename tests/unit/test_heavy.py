"""ui/heavy.py: the job line, driven by real threads (no mock of the lock or the waits), and memory release."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ui import heavy
from ui.heavy import BusyError, JobGate

ROOT = Path(__file__).resolve().parents[2]


def _hold(gate: JobGate, session: str, release: threading.Event, entered: threading.Event | None = None):
    """A thread that takes a slot for `session` and keeps it until `release` is set."""

    def work() -> None:
        with gate.job(session, timeout=10):
            if entered is not None:
                entered.set()
            release.wait(10)

    t = threading.Thread(target=work, daemon=True)
    t.start()
    return t


def _until(cond, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.005)


def test_at_most_slots_jobs_run_at_once():
    gate = JobGate(2, poll=0.05)
    lock = threading.Lock()
    now, peak, done = [0], [0], []
    start = threading.Barrier(8)

    def work(i: int) -> None:
        start.wait()
        with gate.job(f"s{i}", timeout=10):
            with lock:
                now[0] += 1
                peak[0] = max(peak[0], now[0])
            time.sleep(0.05)
            with lock:
                now[0] -= 1
        done.append(i)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(done) == list(range(8))
    assert peak[0] == 2
    assert gate.running == 0 and gate.waiting == 0


def test_one_job_per_session_at_a_time():
    gate = JobGate(2)
    release, entered = threading.Event(), threading.Event()
    t = _hold(gate, "alice", release, entered)
    assert entered.wait(5)
    t0 = time.monotonic()
    with pytest.raises(BusyError, match="already have a job running"), gate.job("alice", timeout=5):
        pass
    assert time.monotonic() - t0 < 0.5  # refused at once, not after the deadline
    with gate.job("bob", timeout=1):  # another session takes the second slot
        assert gate.running == 2
    release.set()
    t.join(5)
    with gate.job("alice", timeout=1):  # and alice may start a new job once hers ended
        assert gate.running == 1


def test_first_come_first_served_and_how_many_are_ahead():
    gate = JobGate(1, poll=0.05)
    release, entered = threading.Event(), threading.Event()
    holder = _hold(gate, "holder", release, entered)
    assert entered.wait(5)
    order: list[str] = []
    seen: dict[str, list[int]] = {}

    def waiter(name: str) -> None:
        seen[name] = []
        with gate.job(name, timeout=10, on_wait=lambda ahead, waited: seen[name].append(ahead)):
            order.append(name)
            time.sleep(0.02)

    threads = []
    for i, name in enumerate(("w1", "w2", "w3")):
        t = threading.Thread(target=waiter, args=(name,))
        t.start()
        threads.append(t)
        _until(lambda i=i: gate.waiting == i + 1)
    _until(lambda: all(seen.get(n) for n in ("w1", "w2", "w3")))
    assert [seen[n][0] for n in ("w1", "w2", "w3")] == [1, 2, 3]  # the running job, then those queued before
    release.set()
    for t in [holder, *threads]:
        t.join(10)
    assert order == ["w1", "w2", "w3"]
    assert seen["w3"] == sorted(seen["w3"], reverse=True) and seen["w3"][-1] == 1
    assert gate.running == 0 and gate.waiting == 0


def test_a_job_that_waits_too_long_is_told_to_try_again_and_leaves_the_line():
    gate = JobGate(1, poll=0.05)
    release, entered = threading.Event(), threading.Event()
    holder = _hold(gate, "holder", release, entered)
    assert entered.wait(5)
    t0 = time.monotonic()
    with pytest.raises(BusyError) as err, gate.job("late", timeout=0.3):
        pytest.fail("must not run")
    took = time.monotonic() - t0
    assert 0.3 <= took < 2.0
    assert "busy (1 ahead of you" in str(err.value) and err.value.params == {"ahead": 1}
    assert gate.waiting == 0
    release.set()
    holder.join(5)
    with gate.job("late", timeout=1):  # the session is free again
        pass


def test_a_failing_job_frees_its_slot():
    gate = JobGate(1)
    with pytest.raises(RuntimeError), gate.job("s", timeout=1):
        raise RuntimeError("boom")
    assert gate.running == 0
    t0 = time.monotonic()
    with gate.job("s", timeout=1):
        pass
    assert time.monotonic() - t0 < 0.2


class Rerun(BaseException):
    """Like Streamlit's RerunException: raised from a Streamlit call while the job waits."""


def test_a_rerun_while_waiting_leaves_the_line_cleanly():
    gate = JobGate(1, poll=0.02)
    release, entered = threading.Event(), threading.Event()
    holder = _hold(gate, "holder", release, entered)
    assert entered.wait(5)
    calls = []

    def on_wait(ahead: int, waited: float) -> None:
        calls.append(ahead)
        if len(calls) == 3:
            raise Rerun

    with pytest.raises(Rerun), gate.job("impatient", timeout=5, on_wait=on_wait):
        pytest.fail("must not run")
    assert calls == [1, 1, 1]  # called again every poll interval while nothing moves
    assert gate.waiting == 0
    release.set()
    holder.join(5)
    with gate.job("impatient", timeout=1):
        assert gate.running == 1


def test_slots_come_from_the_environment_or_the_cores(monkeypatch):
    monkeypatch.setenv("OPTVIZ_HEAVY_JOBS", "3")
    assert heavy.default_slots() == 3
    monkeypatch.setenv("OPTVIZ_HEAVY_JOBS", "zero")
    assert heavy.default_slots() == max(1, len(os.sched_getaffinity(0)))
    with pytest.raises(ValueError):
        JobGate(0)


def test_release_memory_hands_freed_heap_back():
    """A thread that allocated and freed ~200 MB leaves it with glibc; release_memory returns it."""
    code = r"""
import threading
from ui.heavy import rss_mb, release_memory
base = rss_mb()
def work():
    junk = [b"x" * 20000 for _ in range(10000)]
    del junk
t = threading.Thread(target=work); t.start(); t.join()
held = rss_mb()
before, after = release_memory()
print(base, held, before, after)
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    base, held, before, after = map(float, out.stdout.split())
    assert held - base > 50, f"the freed memory was returned by itself ({base:.0f} → {held:.0f} MB)"
    assert abs(before - held) < 5
    assert after < base + 20, f"RSS {base:.0f} MB, after the job {held:.0f} MB, after release {after:.0f} MB"


def test_after_run_freezes_once_and_the_janitor_trims_once_per_idle_spell():
    """In a fresh process: the first after_run() freezes; the janitor trims only after IDLE_S without runs."""
    code = r"""
import gc, time
from ui import heavy
heavy.IDLE_S, heavy.JANITOR_EVERY_S = 0.5, 0.05
heavy.after_run()
frozen = gc.get_freeze_count()
heavy.after_run()
again = gc.get_freeze_count()
for _ in range(20):  # a class at work: a run every 0.1 s for 2 s
    heavy.after_run()
    time.sleep(0.1)
busy = heavy._PROCESS.trims
time.sleep(1.2)  # idle
idle = heavy._PROCESS.trims
time.sleep(1.0)  # still idle: nothing new to hand back
still = heavy._PROCESS.trims
heavy.after_run()
time.sleep(1.2)
print(frozen, again, busy, idle, still, heavy._PROCESS.trims, heavy._PROCESS.janitor.is_alive())
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    frozen, again, busy, idle, still, later, alive = out.stdout.split()
    assert int(frozen) > 1000 and int(again) == int(frozen)  # frozen once, on the first run
    assert (int(busy), int(idle), int(still), int(later)) == (0, 1, 1, 2)
    assert alive == "True"
