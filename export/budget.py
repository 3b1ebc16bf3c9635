"""What a render may cost, known before it starts: ≤ 5 s of CPU and ≤ 300 MB of memory per request.

One small server (2 cores) serves a whole class.  A render's cost follows from its options alone — pixel size,
frames, view (contour, 3-D, turning 3-D), paths and steps — so :func:`estimate` predicts it before any work,
:func:`check` refuses an option set over budget with one line that says what to lower, and :func:`limits`
tells the UI the largest frame count each size allows for the current scene (so it can cap its slider).

The coefficients were fitted to measurements on the project's 2-core machine (``python -m benchmarks.render
--budget`` measures and prints them again): seconds and megabytes per megapixel-frame, per drawn step, per
3-D mesh, per MP4 frame.  The model is deliberately a little pessimistic: a render it accepts finishes inside
the budget on that machine even while another render runs.

:func:`released` runs a render: afterwards the garbage collector runs and glibc is asked to hand freed heap
pages back to the operating system (``malloc_trim``), so a finished render does not leave the server hundreds
of megabytes larger.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import dataclasses
import gc
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from i18n import UserError

from .inputs import GIF_LIMITS, View3D

CPU_SECONDS = 5.0
MEMORY_MB = 300.0
SIZES = ((480, 360), (640, 480), (800, 600), (1280, 720), (1920, 1080))


class BudgetError(UserError):
    """A render whose options cost more than the server allows for one request."""


# ---- the cost model, fitted to 60 measured renders (CPU seconds of the process and of ffmpeg; peak RSS)
SAFETY = 1.15  # predictions are multiplied by this: the server is rarely idle
# seconds
T_FIXED = 0.05  # fonts, palette tables, encoder start
T_SETUP_PER_MPX = 0.20  # contour backdrop: surface picture, axes, legend, palette quantization (per megapixel)
T_3D_PER_MESH_QUAD = 1.5e-5  # 3-D backdrop: one mesh quad (polygon, depth buffer, shading)
T_3D_PER_MPX = 0.15  # 3-D backdrop: the 2x canvas (per megapixel)
T_TURN_PER_MPX = 0.08  # a turning camera: the surface drawn again and mapped to the palette, per frame and megapixel
T_FRAME = 0.00015  # the step counter and the frame copy
T_FRAME_PER_MPX = {"gif": 0.00075, "mp4": 0.0070, "png": 0.0}  # diff + LZW (GIF), RGB + x264 (MP4) per megapixel
T_PATH_FRAME = {"contour": 0.00026, "3d": 0.00032}  # one path in one frame: its new segment and its head
T_STEP = 0.5e-6  # one step of one path, drawn frame by frame (pixel coordinates, arc length, joints)
T_STEP_PNG = {"contour": 1.2e-6, "3d": 2.5e-6}  # one step of one path drawn in one go (a PNG: whole paths)
# The 1-D curve (export.scene1d), fitted on its own to 48 renders of paths that never settle (SGD at lr = 1 on
# x²: every chord spans the panel, the worst case), measured while the machine ran other test suites (load ~17
# on 2 cores), then raised to cover the worst of them:
#   GIF  s = fixed + per_mpx·mpx + frame_mpx·frames·mpx + paths·frames·(path_frame + path_frame_mpx·mpx)
#            + point·drawn points;   PNG  s = per_mpx·mpx + path_mpx·paths·mpx + point·drawn points
CURVE_GIF = {
    "fixed": 0.28,
    "per_mpx": 0.18,
    "frame_mpx": 0.0074,
    "path_frame": 0.00027,
    "path_frame_mpx": 0.00021,
    "point": 1.6e-5,
}
CURVE_PNG = {"per_mpx": 0.47, "path_mpx": 0.0043, "point": 1.9e-5}
# megabytes
M_FIXED = 20.0  # fonts, tables, the encoder, Python objects
M_PER_MPX = 90.0  # backdrop rasters, trail, the supersampled surface picture (per megapixel)
M_PER_MPX_CURVE = 30.0  # a 1-D curve has no surface picture (measured: +85 MB peak at 1920×1080, 128 × 10 001 points)
M_PER_POINT = 60e-6  # a path point: pixel coordinates, arc length, flags
M_OUT_PER_MPX_FRAME = {"gif": 0.01, "mp4": 0.005, "png": 0.0}  # the encoded file held in memory


@dataclass(frozen=True)
class Job:
    """The options that decide a render's cost."""

    fmt: str  # "gif", "mp4", "png"
    width: int
    height: int
    frames: int
    style: str = "contour"  # or "3d"
    view3d: View3D | None = None
    paths: int = 1
    steps: int = 100  # the longest path's steps
    hold: int = 0  # MP4: frames repeating the last one (the pause)
    every: int = 1  # a 1-D curve's long paths draw every k-th iterate (export.scene1d.every)

    @property
    def mpx(self) -> float:
        return self.width * self.height / 1e6

    @property
    def shown_frames(self) -> int:
        """Frames actually drawn: one per shown step (a PNG draws one)."""
        if self.fmt == "png":
            return 1
        return max(1, min(int(self.frames), int(self.steps) + 1))

    @property
    def drawn_points(self) -> int:
        """Points of a path actually drawn: all, or every k-th one plus each frame's own step."""
        if self.every <= 1:
            return int(self.steps) + 1
        return min(int(self.steps) + 1, math.ceil(int(self.steps) / self.every) + 1 + self.shown_frames)

    @property
    def turning(self) -> bool:
        return self.style == "3d" and self.view3d is not None and self.view3d.rotate_deg_per_frame != 0


@dataclass(frozen=True)
class Cost:
    seconds: float
    megabytes: float

    def fits(self) -> bool:
        return self.seconds <= CPU_SECONDS and self.megabytes <= MEMORY_MB


def _setup_seconds(job: Job) -> float:
    t = T_SETUP_PER_MPX * job.mpx
    if job.style == "3d":
        mesh = (job.view3d or View3D()).mesh_n
        t += T_3D_PER_MESH_QUAD * mesh * mesh + T_3D_PER_MPX * job.mpx
    return t


def _drawing_seconds(job: Job) -> float:
    """What the paths cost, whatever the size: every step drawn once, every path in every frame."""
    if job.style == "curve":
        return _curve_drawing_seconds(job)
    style = "3d" if job.style == "3d" else "contour"
    points = job.paths * (job.steps + 1)
    if job.fmt == "png":
        return T_STEP_PNG[style] * points
    return T_STEP * points + T_PATH_FRAME[style] * job.paths * job.shown_frames


def _curve_drawing_seconds(job: Job) -> float:
    """A 1-D curve's paths: a chord spans its panel, so a path in a frame costs in proportion to the pixels."""
    points = job.paths * job.drawn_points
    if job.fmt == "png":
        return CURVE_PNG["path_mpx"] * job.paths * job.mpx + CURVE_PNG["point"] * points
    c = CURVE_GIF
    return job.paths * job.shown_frames * (c["path_frame"] + c["path_frame_mpx"] * job.mpx) + c["point"] * points


def _curve_seconds(job: Job) -> float:
    """A 1-D render (GIF, PNG; an MP4 is the GIF's frames encoded by ffmpeg instead)."""
    n, mpx = job.shown_frames, job.mpx
    if job.fmt == "png":
        return T_FIXED + CURVE_PNG["per_mpx"] * mpx + _curve_drawing_seconds(job)
    c = CURVE_GIF
    seconds = c["fixed"] + c["per_mpx"] * mpx + c["frame_mpx"] * n * mpx + _curve_drawing_seconds(job)
    if job.fmt == "mp4":
        seconds += n * (T_FRAME_PER_MPX["mp4"] - T_FRAME_PER_MPX["gif"]) * mpx
    return seconds


def estimate(job: Job) -> Cost:
    """Predicted CPU seconds (this process and ffmpeg's) and peak extra memory (MB) of a render, from its
    options alone."""
    n = job.shown_frames
    if job.style == "curve":
        seconds = _curve_seconds(job)
    else:
        per_frame = T_FRAME + T_FRAME_PER_MPX.get(job.fmt, 0.0) * job.mpx
        seconds = T_FIXED + _setup_seconds(job) + n * per_frame + _drawing_seconds(job)
    if job.turning and job.fmt != "png":  # the surface is drawn again for every camera position
        mesh = (job.view3d or View3D()).mesh_n
        seconds += (n - 1) * (T_3D_PER_MESH_QUAD * mesh * mesh + T_TURN_PER_MPX * job.mpx)
    if job.fmt == "mp4":
        seconds += job.hold * T_FRAME_PER_MPX["mp4"] * job.mpx
    megabytes = (
        M_FIXED
        + (M_PER_MPX_CURVE if job.style == "curve" else M_PER_MPX) * job.mpx
        + M_PER_POINT * job.paths * (job.steps + 1)
        + M_OUT_PER_MPX_FRAME.get(job.fmt, 0.0) * job.mpx * n
    )
    return Cost(seconds=seconds * SAFETY, megabytes=megabytes * SAFETY)


def max_frames(job: Job) -> int:
    """The largest frame count (≤ the hard limit) whose render fits the budget; 0 if even 2 frames do not."""
    lo, hi = (int(v) for v in GIF_LIMITS["frames"])
    if not estimate(_with_frames(job, lo)).fits():
        return 0
    if estimate(_with_frames(job, hi)).fits():
        return hi
    a, b = lo, hi  # fits(a), not fits(b)
    while b - a > 1:
        m = (a + b) // 2
        a, b = (m, b) if estimate(_with_frames(job, m)).fits() else (a, m)
    return a


def _with_frames(job: Job, frames: int) -> Job:
    return dataclasses.replace(job, frames=frames)


def limits(
    *,
    paths: int,
    steps: int,
    style: str = "contour",
    view3d: View3D | None = None,
    fmt: str = "gif",
    pause_frames: int = 0,
    every: int = 1,
) -> dict[tuple[int, int], int]:
    """For the current scene: each offered size → the most frames a render may have (0: the size is over budget).

    paths: PathLayers drawn (runs × starts; a 1-D curve with its θ panel: twice that); steps: the scene's steps;
    pause_frames: an MP4's held last frame (round(pause_s × fps)); every: a curve's drawn iterates (scene1d.every).  The UI calls it to cap the frames slider and to grey out sizes; a render with more
    frames than these would be refused by :func:`check`."""
    top = int(GIF_LIMITS["frames"][1])
    return {(w, h): max_frames(Job(fmt, w, h, top, style, view3d, paths, steps, pause_frames, every)) for w, h in SIZES}


def check(job: Job) -> Cost:
    """The job's cost; BudgetError (one line, saying what to lower) if it does not fit."""
    cost = estimate(job)
    if cost.fits():
        return cost
    most = max_frames(job)
    if most >= 2 and job.shown_frames > most:
        raise BudgetError(
            "This {fmt} would take about {seconds} s of server time: lower the frames to {frames} or fewer, or "
            "choose a smaller size.",
            fmt=job.fmt.upper(),
            seconds=f"{cost.seconds:.0f}",
            frames=most,
        )
    if _drawing_seconds(_with_frames(job, 2)) * SAFETY > CPU_SECONDS / 2:
        raise BudgetError(
            "This scene has too many paths and steps to draw in a {fmt} ({paths} paths × {steps} steps): use "
            "fewer runs, starts or steps, or the contour view.",
            fmt=job.fmt.upper(),
            paths=job.paths,
            steps=job.steps,
        )
    raise BudgetError(
        "This {fmt} at {width} × {height} is too large for the server (about {seconds} s, {mb} MB): choose a "
        "smaller size.",
        fmt=job.fmt.upper(),
        width=job.width,
        height=job.height,
        seconds=f"{cost.seconds:.0f}",
        mb=f"{math.ceil(cost.megabytes)}",
    )


# ---- giving memory back
def _libc_trim():
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
        fn = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS, Windows): nothing to trim
        return None
    fn.argtypes = [ctypes.c_size_t]
    fn.restype = ctypes.c_int
    return fn


_TRIM = _libc_trim()


def release_memory() -> None:
    """Collect garbage and return freed heap pages to the operating system (glibc; elsewhere a no-op)."""
    gc.collect()
    if _TRIM is not None:
        _TRIM(0)


T = TypeVar("T")


def released(render: Callable[[], T]) -> T:
    """render(), then its memory given back (also when it fails).  The render runs in its own call, so its
    frames, backdrop and tables are already unreferenced when the heap is trimmed; only the result stays."""
    try:
        return render()
    finally:
        release_memory()
