"""Job limits: no request may burn the server.

Heavy work (a GIF / MP4 export, an Explore sweep or basin map, a large simulation) runs inside
:func:`job`.  Per server process at most :data:`SLOTS` heavy jobs run at once (one per core by default;
``OPTVIZ_HEAVY_JOBS`` overrides it, e.g. 1 when several processes share the cores), and each session has
at most one heavy job running or waiting.  Others wait in line, first come first served, with a message that
says how many jobs are ahead of them, and give up with a one-line message after a deadline.  When a job ends
its memory goes back to the system (:func:`release_memory`: ``gc.collect`` and glibc's ``malloc_trim``).

    from ui import heavy
    with heavy.job(_("Computing the sweep…")):
        res = _cached_sweep(...)

The line itself (:class:`JobGate`) knows nothing of Streamlit: tests drive it with real threads.
:func:`after_run` (one call at the end of the app script) freezes the objects that live for the whole process
on the first run, and starts a janitor that hands memory back once the server is idle.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import ctypes.util
import gc
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import i18n
from i18n import N_
from surfaces.base import Surface
from surfaces.datasets import dataset_of

LOG = logging.getLogger("optimizer_playground.heavy")

WAIT_S = 60.0  # how long a job may wait for a free slot before the user is told to try again


def default_slots() -> int:
    """Heavy jobs per process: OPTVIZ_HEAVY_JOBS if set (≥ 1), else one per core."""
    raw = os.environ.get("OPTVIZ_HEAVY_JOBS", "").strip()
    if raw.isdigit() and int(raw) >= 1:
        return int(raw)
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, cores)


SLOTS = default_slots()


class BusyError(i18n.UserError):
    """No slot freed up before the deadline, or this session already has a heavy job."""


# ============================================================================ CPU budget of a simulation
CPU_BUDGET_S = 5.0  # the most CPU one request may cost (issue 8); a simulation estimated above it is refused
HEAVY_S = 0.5  # a simulation estimated above this waits in the job line (GATE) instead of running at once
# The cost model of optim_core.trajectory.run, fitted with ``python -m benchmarks.budget`` on the project's 2-core
# box: CPU seconds per step = a fixed cost + width × a cost per path, where width is how many paths run side by
# side (the starts, or a sweep's lrs).  Measured (µs per step at widths 1 / 16 / 64): Rosenbrock 13 / 12 / 15,
# logreg full batch 35 / 105 / 318, logreg mini-batches of 1 39 / 150 / 512, linreg mini-batches of 1
# 29 / 86 / 257.  The coefficients cover the worst of those, and SAFETY covers a busy machine.
STEP_S = 18e-6  # per step, a surface given by a formula
PER_POINT_S = 0.6e-6
STEP_DATA_S = 40e-6  # per step, a surface built from data (linreg, logreg)
PER_POINT_DATA_S = 5.5e-6  # … its full batch
PER_POINT_MINIBATCH_S = 8.5e-6  # … mini-batches (drawing the samples of every path costs more than the sum)
SAFETY = 1.1


def simulation_seconds(surface: Surface, steps: int, width: int, runs: int = 1, *, minibatch: bool = False) -> float:
    """Predicted CPU seconds of `runs` runs of `steps` steps, each with `width` paths side by side (minibatch:
    the runs draw mini-batches of a dataset)."""
    if dataset_of(surface) is None:
        step, per_point = STEP_S, PER_POINT_S
    else:
        step, per_point = STEP_DATA_S, (PER_POINT_MINIBATCH_S if minibatch else PER_POINT_DATA_S)
    return SAFETY * runs * max(int(steps), 0) * (step + max(int(width), 1) * per_point)


# The step inspector's recording (ui/inspector.py): the inspected run simulated again with its state recorded
# (measured 1.0–1.3 × its plain simulation: the buffers are copied every step), its vectors and overlay (1–3 %),
# and its table of every step as CSV (about 1.2 µs a cell, one start).  Fitted with ``python -m benchmarks.budget``.
RECORD_FACTOR = 1.35
CSV_CELL_S = 1.4e-6


def table_columns(dim: int, buffers: int, indicators: int) -> int:
    """The most columns the inspector's table of every step can have (explain.table.step_table): step, the
    point, f, |g|, lr, and per axis g, Δθ, η_eff and each buffer and indicator."""
    return 4 + dim * (4 + buffers + indicators)


def recording_seconds(surface: Surface, steps: int, width: int, *, columns: int, minibatch: bool = False) -> float:
    """Predicted CPU seconds of the step inspector's recording of one run of `steps` steps with `width` paths:
    the run again with its state recorded, its vectors, and its table of `columns` columns as CSV."""
    again = RECORD_FACTOR * simulation_seconds(surface, steps, width, minibatch=minibatch)
    return again + SAFETY * (max(int(steps), 0) + 1) * columns * CSV_CELL_S


class BudgetError(i18n.UserError):
    """Work that would cost more CPU than one request may use."""


# ============================================================================ Explore maps
# An Explore map (optim_core.explore: a sweep or a basin map) is one pass of the step loop over every cell that keeps
# no history (optim_core.trajectory.run_summary), in chunks of SUMMARY_CHUNK runs that stay in a core's cache.  Per
# run and step it costs far less than a path of the main view (PER_POINT_S above is fitted at widths ≤ 64, where the
# per-step overhead dominates), so maps have their own terms:
#     CPU seconds = SAFETY × steps × (chunks × EXPLORE_STEP_S + runs × (the optimizer's + the surface's cost)).
# Fitted with ``python -m benchmarks.budget`` on the project's 2-core box at 256² × 50–100 steps (run_summary's CPU
# per run and step: SGD on a surface minus 3 ns of loop is the surface's part, an optimizer on Rosenbrock minus
# Rosenbrock's part is the optimizer's), each entry 1.3 × the measure, which was taken while other test suites ran.
EXPLORE_STEP_S = 150e-6  # per step and chunk of runs: the loop's overhead (17–46 µs at 16 runs, ~110 µs at 4096)
EXPLORE_OPTIMIZER_S = {  # per run and step: the update and the loop's own checks
    "sgd": 4e-9,
    "momentum": 6e-9,
    "nesterov": 7e-9,
    "adagrad": 10e-9,
    "rmsprop": 11e-9,
    "adadelta": 18e-9,
    "adam": 19e-9,
    "adamw": 20e-9,
    "amsgrad": 20e-9,
    "nadam": 23e-9,
    "radam": 21e-9,
    "adamax": 16e-9,
    "ftrl": 19e-9,
    "swats": 43e-9,  # its own lr estimate at every step
    "lion": 11e-9,
}
EXPLORE_OPTIMIZER_MAX_S = 50e-9  # an optimizer not fitted yet
EXPLORE_SURFACE_S = {  # per run and step: the surface's gradient and f
    "quadratic": 4e-9,
    "ill_conditioned": 4e-9,
    "rosenbrock": 6e-9,
    "saddle": 4e-9,
    "beale": 18e-9,
    "himmelblau": 9e-9,
    "rastrigin": 47e-9,
    "ackley": 78e-9,
    "booth": 6e-9,
    "six_hump_camel": 33e-9,
    "monkey_saddle": 8e-9,
    "parabola": 1e-9,
    "asymmetric_bowl": 2e-9,
    "xcos": 32e-9,
    "double_well": 2e-9,
}
EXPLORE_FORMULA_S = 80e-9  # a typed formula (as dear as Ackley, the dearest built-in)
EXPLORE_DATA_S = 10e-6  # a surface built from data: its full batch, every sample at every step (logreg 7.7 µs)
MEMORY_BUDGET_MB = 300.0  # the most memory one request may hold (the exports' budget too: export.budget.MEMORY_MB)
# Memory of a map: the chunk's loop state and the map's arrays per run, then the figure (the invisible cell overlay:
# x, y and five float32 per cell, in NumPy, in plotly.py's JSON and in Streamlit's message) per cell; measured by
# ``python -m benchmarks.budget`` (tracemalloc): a 256² sweep and its figure 21 MB, a 256² basin map 10 MB.
EXPLORE_RUN_BYTES = 700
EXPLORE_FIXED_MB = 8.0


def explore_seconds(surface: Surface, optimizer: str, steps: int, runs: int) -> float:
    """Predicted CPU seconds of one Explore map: `runs` runs (cells or starts) of `steps` steps."""
    from optim_core.trajectory import SUMMARY_CHUNK

    if dataset_of(surface) is not None:
        per_surface = EXPLORE_DATA_S
    else:  # a built-in by its id; a typed formula ("custom") as the dearest
        per_surface = EXPLORE_SURFACE_S.get(surface.id, EXPLORE_FORMULA_S)
    per_run = EXPLORE_OPTIMIZER_S.get(optimizer, EXPLORE_OPTIMIZER_MAX_S) + per_surface
    runs = max(int(runs), 1)
    chunks = -(-runs // SUMMARY_CHUNK)
    return SAFETY * max(int(steps), 0) * (chunks * EXPLORE_STEP_S + runs * per_run)


def explore_megabytes(runs: int, steps: int = 0, *, lr_chain: bool = False) -> float:
    """Predicted peak memory (MB) of one Explore map and its figure.  lr_chain: SWATS under a schedule with one lr
    per run keeps its scheduler's (steps, runs) chain."""
    chain = 8.0 * max(int(steps), 0) * max(int(runs), 1) if lr_chain else 0.0
    return EXPLORE_FIXED_MB + (max(int(runs), 1) * EXPLORE_RUN_BYTES + chain) / 1e6


def check_explore(seconds: float, megabytes: float) -> None:
    """Refuse (BudgetError, one line) an Explore request predicted over the CPU or the memory budget."""
    if seconds > CPU_BUDGET_S:
        raise BudgetError(
            "this map would take about {seconds} s of the server's time, more than one request may use ({limit} s): "
            "lower the resolution or the steps",
            seconds=f"{seconds:.0f}",
            limit=f"{CPU_BUDGET_S:g}",
        )
    if megabytes > MEMORY_BUDGET_MB:
        raise BudgetError(
            "this map would need about {mb} MB of the server's memory, more than one request may use ({limit} MB): "
            "lower the resolution or the steps",
            mb=f"{megabytes:.0f}",
            limit=f"{MEMORY_BUDGET_MB:g}",
        )


class JobGate:
    """At most `slots` jobs at once, one per session, the others waiting in line (FIFO) until a deadline.

    ``with gate.job(session, timeout=…, on_wait=…):`` blocks until the job may run.  While it waits,
    ``on_wait(ahead, waited_s)`` is called about every `poll` seconds (and at once when `ahead` changes):
    `ahead` is the number of jobs running or queued before this one.  An exception raised by on_wait (a
    Streamlit rerun or stop) leaves the line cleanly.
    """

    def __init__(self, slots: int, *, poll: float = 0.5) -> None:
        if slots < 1:
            raise ValueError("slots must be ≥ 1")
        self.slots = slots
        self.poll = poll
        self._cond = threading.Condition()
        self._running = 0
        self._queue: collections.deque[int] = collections.deque()
        self._sessions: set[str] = set()  # sessions with a job running or waiting
        self._tickets = itertools.count()

    # -------------------------------------------------------------- state, for messages and tests
    @property
    def running(self) -> int:
        with self._cond:
            return self._running

    @property
    def waiting(self) -> int:
        with self._cond:
            return len(self._queue)

    def _ahead(self, ticket: int) -> int:
        return self._running + self._queue.index(ticket)

    def _admissible(self, ticket: int) -> bool:
        return self._running < self.slots and self._queue[0] == ticket

    @contextlib.contextmanager
    def job(
        self,
        session: str,
        *,
        timeout: float = WAIT_S,
        on_wait: Callable[[int, float], None] | None = None,
    ) -> Iterator[None]:
        self._enter(session, timeout, on_wait)
        try:
            yield
        finally:
            with self._cond:
                self._running -= 1
                self._sessions.discard(session)
                self._cond.notify_all()

    def _enter(self, session: str, timeout: float, on_wait: Callable[[int, float], None] | None) -> None:
        t0 = time.monotonic()
        with self._cond:
            if session in self._sessions:
                raise BusyError(N_("You already have a job running: wait for it to finish, then try again."))
            ticket = next(self._tickets)
            self._queue.append(ticket)
            self._sessions.add(session)
            admitted = False
            try:
                last_ahead = -1
                last_call = -1e9
                while not self._admissible(ticket):
                    waited = time.monotonic() - t0
                    if waited >= timeout:
                        ahead = self._ahead(ticket)
                        raise BusyError(
                            N_("The server is busy ({ahead} ahead of you in the queue). Please try again in a minute."),
                            ahead=ahead,
                        )
                    ahead = self._ahead(ticket)
                    if on_wait is not None and (ahead != last_ahead or time.monotonic() - last_call >= self.poll):
                        last_ahead, last_call = ahead, time.monotonic()
                        self._cond.release()  # never call out (Streamlit) while holding the lock
                        try:
                            on_wait(ahead, waited)
                        finally:
                            self._cond.acquire()
                        continue  # the line may have moved meanwhile
                    self._cond.wait(min(self.poll, max(0.0, timeout - waited)))
                self._queue.popleft()
                self._running += 1
                admitted = True
                self._cond.notify_all()  # the next in line may be admissible too
            finally:
                if not admitted:
                    if ticket in self._queue:
                        self._queue.remove(ticket)
                    self._sessions.discard(session)
                    self._cond.notify_all()


GATE = JobGate(SLOTS)


# ============================================================================ memory
def rss_mb() -> float:
    """This process's resident memory (MB), from /proc (0 where there is no /proc)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        fn = ctypes.CDLL(name).malloc_trim  # glibc only
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_size_t]
    fn.restype = ctypes.c_int
    return fn


_TRIM = _malloc_trim()


def release_memory() -> tuple[float, float]:
    """Collect garbage and hand free heap pages back to the system; (RSS before, RSS after) in MB.

    CPython returns its own small-object arenas when they empty, but memory it got from malloc stays with
    glibc, in one arena per thread that allocated it (Streamlit runs each session's script in a thread), until
    ``malloc_trim`` releases the free pages.  A no-op apart from the collection where glibc is absent."""
    before = rss_mb()
    gc.collect()
    if _TRIM is not None:
        _TRIM(0)
    return before, rss_mb()


IDLE_S = 20.0  # the janitor trims once no script has run for this long
JANITOR_EVERY_S = 10.0


class _Process:
    """Per-process bookkeeping of after_run(): the first run, the last run, the janitor thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.settled = False
        self.last_run = time.monotonic()
        self.trimmed_since_last_run = True
        self.janitor: threading.Thread | None = None
        self.trims = 0  # idle trims done (for tests and logs)


_PROCESS = _Process()


def after_run() -> None:
    """Call at the end of every script run (one line at the end of app.py). Cheap after the first call.

    On the first run of the process: collect, then freeze what is alive (``gc.freeze``): modules, classes,
    the optimizer and surface declarations live until the process ends, and frozen they are no longer walked
    by every full collection (Python's automatic ones: a slider move's occasional 0.1 s spike).  It also starts
    a janitor thread that hands memory back (:func:`release_memory`) once the server has been idle for
    ``IDLE_S`` seconds, so the memory a class used returns after the class."""
    p = _PROCESS
    p.last_run = time.monotonic()
    p.trimmed_since_last_run = False
    if p.settled:
        return
    with p.lock:
        if p.settled:
            return
        gc.collect()
        gc.freeze()
        p.settled = True
        LOG.info("froze %d objects after the first run", gc.get_freeze_count())
        p.janitor = threading.Thread(target=_janitor, name="optviz-janitor", daemon=True)
        p.janitor.start()


def _janitor() -> None:
    p = _PROCESS
    while True:
        time.sleep(JANITOR_EVERY_S)
        if not p.trimmed_since_last_run and time.monotonic() - p.last_run >= IDLE_S:
            before, after = release_memory()
            p.trimmed_since_last_run = True
            p.trims += 1
            LOG.info("idle: RSS %.0f MB -> %.0f MB", before, after)


# ============================================================================ Streamlit
def _session_id() -> str:
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
    except Exception:
        ctx = None
    return ctx.session_id if ctx is not None else f"anonymous-{threading.get_ident()}-{time.monotonic_ns()}"


@contextlib.contextmanager
def quiet_job(*, timeout: float = WAIT_S, gate: JobGate | None = None) -> Iterator[None]:
    """This session's heavy job without a Streamlit element: for work inside a cached function (the main
    simulation, under ui.trajectories' st.cache_resource), where an element would be replayed from the cache.
    Waits in the same line as :func:`job`; BusyError as there; the memory is handed back afterwards."""
    with (gate or GATE).job(_session_id(), timeout=timeout):
        try:
            yield
        finally:
            release_memory()


@contextlib.contextmanager
def job(label: str, *, timeout: float = WAIT_S, spinner: bool = True, gate: JobGate | None = None) -> Iterator[None]:
    """Run the block as this session's heavy job: wait in line (with a message), then a spinner with `label`
    (``spinner=False`` when the block shows its own progress, e.g. an export's progress bar).

    Raises BusyError (a UserError: the app's guard shows its one line) when the session already has a job,
    or when no slot frees up within `timeout` seconds.  Afterwards the memory is handed back."""
    import streamlit as st

    from .text import lang

    gate = gate or GATE
    tr = lang()
    note = st.empty()

    def waiting(ahead: int, waited: float) -> None:
        text = tr.ngettext(
            "Waiting for the server: {n} job ahead of you… ({s} s)",
            "Waiting for the server: {n} jobs ahead of you… ({s} s)",
            ahead,
        )
        note.info(text.format(n=ahead, s=int(waited)), icon=":material/hourglass_top:")

    try:
        with gate.job(_session_id(), timeout=timeout, on_wait=waiting):
            note.empty()
            try:
                with st.spinner(label) if spinner else contextlib.nullcontext():
                    yield
            finally:
                before, after = release_memory()
                LOG.debug("heavy job %r: RSS %.0f MB → %.0f MB after release", label, before, after)
    finally:
        note.empty()
