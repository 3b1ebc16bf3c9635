"""Encoders: frames → GIF / MP4 / PNG bytes, one frame in memory at a time.

GIF: the frames are indices into one fixed 256-entry palette (the quantized backdrop plus reserved entries for
the path colours, their outlines and the markers), written as they come by :class:`GifStream`: the header and
the global colour table once, then for every frame only the rectangle that changed since the previous frame,
with unchanged pixels inside it set to a transparent index (disposal 1), so LZW compresses long runs and the
file stays small.  Pillow encodes each rectangle (``PIL.GifImagePlugin.getdata``); nothing keeps the earlier
frames.  MP4 pipes full-colour frames to ffmpeg (imageio-ffmpeg); PNG is the last frame in full colour.

Every render is checked against the budget (export.budget) before any work, and gives its memory back to the
operating system when done.
"""

from __future__ import annotations

import contextlib
import io
import os
import struct
import tempfile
from collections.abc import Callable, Iterator, Sequence
from typing import BinaryIO

import numpy as np
from PIL import GifImagePlugin, Image

from look import DEFAULT, Look

from . import budget, scene1d
from .frames import frames as make_frames
from .inputs import CurveImage, ExportError, PathLayer, SurfaceImage, View3D, check_options, max_steps, style_for


def job(
    fmt: str,
    surface: SurfaceImage | CurveImage,
    paths: Sequence[PathLayer],
    size: tuple[int, int],
    frames: int,
    style: str,
    view3d: View3D | None,
    hold: int = 0,
) -> budget.Job:
    """The budget's view of a render: on a curve every θ panel twin counts as a path too, and long paths draw
    every k-th iterate."""
    if isinstance(surface, CurveImage):
        layers, every = len(scene1d.layers(surface, paths)), scene1d.every(paths)
        return budget.Job(fmt, size[0], size[1], frames, "curve", None, layers, max_steps(paths), hold, every)
    return budget.Job(fmt, size[0], size[1], frames, style, view3d, len(paths), max_steps(paths), hold)


def durations_cs(n: int, fps: float, pause_s: float) -> list[int]:
    """Centiseconds per frame: round(100 / fps) (>= 2), the last frame pause_s longer."""
    cs = max(2, int(round(100.0 / fps)))
    d = [cs] * n
    if d:
        d[-1] += int(round(pause_s * 100))
    return d


def reporting(
    frames: Iterator[np.ndarray], total: int, progress: Callable[[float], None] | None
) -> Iterator[np.ndarray]:
    """Pass frames through, telling ``progress`` the fraction done every few frames."""
    if progress is None:
        yield from frames
        return
    every = max(1, total // 50)
    for k, frame in enumerate(frames, 1):
        yield frame
        if k % every == 0 or k == total:
            progress(min(k / total, 1.0))


class GifStream:
    """A GIF89a written frame by frame: global palette, optional NETSCAPE loop block, then per frame the changed
    rectangle (transparent where unchanged)."""

    def __init__(self, fp: BinaryIO, size: tuple[int, int], palette: bytes, transparent: int, loop: int) -> None:
        if len(palette) != 768:
            raise ExportError("a GIF palette has 256 RGB entries")
        self.fp = fp
        self.w, self.h = size
        self.transparent = int(transparent)
        self.prev: np.ndarray | None = None
        self.count = 0
        w, h = size
        # logical screen: a 256-entry global colour table (flag 0x80 | colour resolution 7 << 4 | size 7)
        fp.write(b"GIF89a" + struct.pack("<HHBBB", w, h, 0xF7, 0, 0) + palette)
        if loop != 1:  # NETSCAPE2.0: repeat count (0 = forever); one play needs no block
            repeats = 0 if loop == 0 else int(loop) - 1
            fp.write(b"!\xff\x0bNETSCAPE2.0\x03\x01" + struct.pack("<H", repeats) + b"\x00")

    def add(self, idx: np.ndarray, duration_cs: int) -> None:
        """Write a frame (H, W) of palette indices shown for duration_cs centiseconds."""
        patch, offset = self._patch(idx)
        self._write(patch, offset, duration_cs)
        self.prev = idx

    def close(self) -> None:
        self.fp.write(b";")

    def _patch(self, idx: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
        if self.prev is None:
            return np.ascontiguousarray(idx), (0, 0)
        diff = idx != self.prev
        rows = np.flatnonzero(diff.any(axis=1))
        if rows.size == 0:  # nothing moved: a one-pixel transparent frame keeps the timing
            return np.full((1, 1), self.transparent, dtype=np.uint8), (0, 0)
        cols = np.flatnonzero(diff[rows[0] : rows[-1] + 1].any(axis=0))
        y0, y1, x0, x1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
        sub = np.where(diff[y0:y1, x0:x1], idx[y0:y1, x0:x1], np.uint8(self.transparent))
        return np.ascontiguousarray(sub, dtype=np.uint8), (x0, y0)

    def _write(self, patch: np.ndarray, offset: tuple[int, int], duration_cs: int) -> None:
        h, w = patch.shape
        im = Image.frombuffer("P", (w, h), patch.tobytes(), "raw", "P", 0, 1)
        chunks = GifImagePlugin.getdata(
            im, offset, duration=duration_cs * 10, transparency=self.transparent, disposal=1
        )
        for c in chunks:
            self.fp.write(c)
        self.count += 1


def render_gif(
    surface: SurfaceImage | CurveImage,
    paths: Sequence[PathLayer] = (),
    *,
    size=(640, 480),
    fps: float = 20,
    frames: int = 150,
    pause_s: float = 1.5,
    loop: int = 0,
    style: str = "contour",
    view3d: View3D | None = None,
    progress: Callable[[float], None] | None = None,
    look: Look = DEFAULT,
) -> bytes:
    """Animated GIF of the paths growing over the surface, drawn in ``look`` (theme, scale, language).

    ``frames`` steps are chosen by :func:`frame_steps` (the last step always
    shown).  GIF stores durations in centiseconds: every frame lasts
    ``round(100 / fps)`` cs (>= 2), the last one ``round(100 * pause_s)`` cs
    more.  ``loop``: 0 = forever, n = play n times (n - 1 repeats are stored
    in the NETSCAPE block; 1 omits it).  ``style``: "contour" (filled map +
    contour lines) or "3d" (shaded surface; see :class:`View3D`, a turning
    camera re-renders the surface every frame and is much slower).
    ``progress``, if given, is called with the fraction of frames drawn (for a progress bar).
    Raises ExportError for a bad option, BudgetError when the options cost more than the budget.
    """
    paths = list(paths)
    style = style_for(surface, style)
    w, h = check_options(size, fps, frames, pause_s, loop, style, paths)
    budget.check(job("gif", surface, paths, (w, h), frames, style, view3d))

    def render() -> bytes:
        it, pal, steps = make_frames(surface, paths, (w, h), frames, style, view3d, quantized=True, look=look)
        assert pal is not None
        durations = durations_cs(len(steps), fps, pause_s)
        buf = io.BytesIO()
        gif = GifStream(buf, (w, h), pal.bytes, pal.transparent, loop)
        for arr, cs in zip(reporting(it, len(steps), progress), durations):
            gif.add(arr, cs)
        gif.close()
        return buf.getvalue()

    return budget.released(render)


def render_mp4(
    surface: SurfaceImage | CurveImage,
    paths: Sequence[PathLayer] = (),
    *,
    size=(640, 480),
    fps: float = 20,
    frames: int = 150,
    pause_s: float = 1.5,
    loop: int = 0,
    style: str = "contour",
    view3d: View3D | None = None,
    crf: int = 20,
    progress: Callable[[float], None] | None = None,
    look: Look = DEFAULT,
) -> bytes:
    """H.264 MP4 (yuv420p, +faststart) of the same animation, via imageio-ffmpeg.

    Odd sizes are padded to even by repeating the last row/column.  The last
    frame is held for ``pause_s`` by repeating it ``round(pause_s * fps)``
    times.  ``loop`` is accepted for a uniform signature and ignored (players
    decide).  ``crf``: x264 quality, 0-51 (lower is better)."""
    paths = list(paths)
    style = style_for(surface, style)
    w, h = check_options(size, fps, frames, pause_s, loop, style, paths)
    if isinstance(crf, bool) or not isinstance(crf, (int, np.integer)) or not 0 <= crf <= 51:
        raise ExportError("crf must be an integer in [0, 51], got {value}", value=repr(crf))
    hold = int(round(pause_s * fps))
    budget.check(job("mp4", surface, paths, (w, h), frames, style, view3d, hold))
    import imageio_ffmpeg

    def render() -> bytes:
        it, _, steps = make_frames(surface, paths, (w, h), frames, style, view3d, quantized=False, look=look)
        W, H = w + (w % 2), h + (h % 2)
        fd, path = tempfile.mkstemp(suffix=".mp4")
        os.close(fd)
        try:
            writer = imageio_ffmpeg.write_frames(
                path,
                (W, H),
                fps=fps,
                codec="libx264",
                quality=None,
                macro_block_size=2,
                pix_fmt_in="rgb24",
                pix_fmt_out="yuv420p",
                ffmpeg_log_level="error",
                output_params=[
                    "-crf",
                    str(int(crf)),
                    "-preset",
                    "veryfast",
                    "-tune",
                    "animation",
                    "-threads",
                    "1",
                    "-movflags",
                    "+faststart",
                ],
            )
            writer.send(None)
            last = None
            for arr in reporting(it, len(steps), progress):
                if (w, h) != (W, H):
                    arr = np.pad(arr, ((0, H - h), (0, W - w), (0, 0)), mode="edge")
                last = np.ascontiguousarray(arr)
                writer.send(last)
            for _ in range(hold):
                writer.send(last)
            writer.close()
            with open(path, "rb") as fh:
                return fh.read()
        finally:
            with contextlib.suppress(OSError):
                os.remove(path)

    return budget.released(render)


def render_png(
    surface: SurfaceImage | CurveImage,
    paths: Sequence[PathLayer] = (),
    *,
    size=(640, 480),
    fps: float = 20,
    frames: int = 150,
    pause_s: float = 1.5,
    loop: int = 0,
    style: str = "contour",
    view3d: View3D | None = None,
    look: Look = DEFAULT,
) -> bytes:
    """PNG of the final frame (full paths), full colour (not quantized).  The
    animation options are accepted (and validated) for a uniform signature."""
    paths = list(paths)
    style = style_for(surface, style)
    w, h = check_options(size, fps, frames, pause_s, loop, style, paths)
    budget.check(job("png", surface, paths, (w, h), frames, style, view3d))

    def render() -> bytes:
        it, _, _ = make_frames(
            surface, paths, (w, h), frames, style, view3d, quantized=False, look=look, only_last=True
        )
        buf = io.BytesIO()
        Image.fromarray(np.ascontiguousarray(next(iter(it)))).save(buf, format="PNG", optimize=False, compress_level=6)
        return buf.getvalue()

    return budget.released(render)


def iter_frames(
    surface: SurfaceImage | CurveImage,
    paths: Sequence[PathLayer] = (),
    *,
    size=(640, 480),
    frames: int = 150,
    style: str = "contour",
    view3d: View3D | None = None,
    look: Look = DEFAULT,
) -> Iterator[np.ndarray]:
    """Full-colour frames as (H, W, 3) uint8 arrays, one per ``frame_steps`` entry (a generator: one at a time)."""
    paths = list(paths)
    style = style_for(surface, style)
    w, h = check_options(size, 20, frames, 0.0, 0, style, paths)
    it, _, _ = make_frames(surface, paths, (w, h), frames, style, view3d, quantized=False, look=look)
    return it
