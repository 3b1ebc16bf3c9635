"""The frame engine: paths drawn step by step over a Backdrop, one frame per shown step.

Paths are drawn incrementally: frame k adds only the segments between the steps of frames k-1 and k to a
persistent "trail" image.  Each increment is drawn 3x supersampled on a small Pillow "L" mask around the new
segments, box-downsampled to an alpha mask and composited in float (antialiased lines with an outline and
round joints/caps); the touched pixels are mapped to the GIF palette through a 32^3 nearest-colour table.
Head markers, the step counter and the divergence markers are composited the same way on a per-frame copy,
so last frame's head never lingers.  Markers follow the screen: a start is the theme's ring, a head the run
colour in a halo, a divergence the theme's ✕.

:func:`frames` yields the frames (full colour, or palette indices for a GIF) one at a time: nothing keeps
more than the current frame.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import numpy as np

from look import DEFAULT, Look

from . import kit, scene1d, scene2d, scene3d
from .inputs import CurveImage, PathLayer, SurfaceImage, View3D, check_options, frame_steps, max_steps
from .kit import clip_runs


class Engine:
    """Draws paths incrementally into a persistent trail (RGB, and palette
    indices when quantized) and produces frames with heads and the counter."""

    def __init__(
        self,
        scene: kit.Backdrop,
        paths: Sequence[PathLayer],
        n_steps: int,
        look: Look = DEFAULT,
        palette: kit.Palette | None = None,
        bg_idx: np.ndarray | None = None,
    ):
        self.look = look
        self.sc = scene
        self.paths = paths
        self.n_steps = n_steps
        self.rgb = scene.bg.copy()
        self.pal = palette
        self.idx = None if bg_idx is None else bg_idx.copy()
        self.cur = [-1] * len(paths)
        self.mlw = scene.sizes.lw  # markers' unit: start ring, head, ✕
        styles = [scene.style_of(i) for i in range(len(paths))]
        # each path is drawn inside its panel (one panel but for the 1-D curve with θ beside it)
        self.clips = list(scene.path_clip) if scene.path_clip is not None else [scene.clip] * len(paths)
        m = 4 * self.mlw
        self.safes = [(c[0] - m, c[1] - m, c[2] + m, c[3] + m) for c in self.clips]
        self.inside = [bool(((px >= safe[:2]) & (px <= safe[2:])).all()) for px, safe in zip(scene.path_px, self.safes)]
        # first index from which a path no longer moves (diverged / converged to the pixel)
        self.still = []
        for px in scene.path_px:
            mv = np.nonzero(np.abs(np.diff(px, axis=0)).max(1) > 1e-3)[0] if len(px) > 1 else np.zeros(0, int)
            self.still.append(int(mv[-1]) + 1 if mv.size else 0)
        self.arc = [
            np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(px, axis=0).T))]) if len(px) > 1 else np.zeros(1)
            for px in scene.path_px
        ]
        th = look.theme
        self.col = [p.rgb for p in paths]
        self.out = [th.path_outline(c) for c in self.col]
        # per path: width, outline beyond it, dot radius, head radius (px)
        self.lws = [self.mlw * st.width for st in styles]
        self.extras = [kit.outline_extra(look) * st.outline for st in styles]
        self.dot_rs = [self.mlw * st.dot for st in styles]
        self.head_rs = [self.mlw * st.head for st in styles]
        self.strides = [max(1, int(st.every)) for st in styles]
        self.extra = kit.outline_extra(look)  # the head's halo
        self.ink, self.paper, self.halo = kit.rgb_of(th.ink), kit.rgb_of(th.paper), kit.rgb_of(th.halo)
        self.diverged = kit.rgb_of(th.diverged)
        self.text = kit.rgb_of(th.ink)
        self.div_drawn = [False] * len(paths)
        # (box, ops) re-stamped whenever new segments overlap them, each inside its panel
        self.markers: list[tuple[tuple[float, float, float, float], list]] = []  # start / divergence
        self.marker_clips: list[tuple[int, int, int, int]] = []
        self._n_marker_boxes = -1
        self._marker_boxes = np.zeros((0, 4))
        self._marker_pairs = np.zeros((0, 0), dtype=bool)
        self.overlays = list(scene.overlays)  # legend, minima: above everything drawn here
        for i, _p in enumerate(paths):
            if scene.starts is None or scene.starts[i]:
                self._add_marker(self._start_ops(i), self.clips[i])
        for box, ops in self.overlays:
            if any(overlap(box, m[0]) for m in self.markers):
                self._persist(box, ops)

    # ---- marker definitions
    def _start_ops(self, i):
        """A start, as on screen: a paper-coloured disc in an ink ring (under the path)."""
        cx, cy = self.sc.path_px[i][0]
        r = self.mlw * 1.9
        ring = max(1.5, self.mlw * 0.55)
        ops = [
            (self.paper, 1.0, kit.disc_shape(cx, cy, r)),
            (self.ink, 1.0, kit.ring_shape(cx, cy, r, ring)),
        ]
        return (cx - r - 3, cy - r - 3, cx + r + 3, cy + r + 3), ops

    def _head_ops(self, i, cx, cy):
        """Head marker as cached coverage masks (drawn every frame for every path): the run colour in a halo."""
        r = self.head_rs[i]
        ix, iy = math.floor(cx), math.floor(cy)
        fx, fy = round((cx - ix) * 4) / 4, round((cy - iy) * 4) / 4
        k, outer, inner = kit.disc_masks(r + max(1.3, self.extra * 0.55), r, fx, fy)
        return (ix - k, iy - k, ix + k + 1, iy + k + 1), [(self.halo, 1.0, outer), (self.col[i], 1.0, inner)]

    def _div_ops(self, i):
        cx, cy = self.sc.path_px[i][self.paths[i].diverged_at]
        c = self.clips[i]
        lw = self.mlw
        m = lw * 2.6
        cx = min(max(cx, c[0] + m), c[2] - m)
        cy = min(max(cy, c[1] + m), c[3] - m)
        k = lw * 2.3
        a = np.array([[cx - k, cy - k], [cx + k, cy + k]])
        b = np.array([[cx - k, cy + k], [cx + k, cy - k]])
        ops = [
            (self.halo, 1.0, kit.polyline_shape(a, lw * 1.1 + 3.0)),
            (self.halo, 1.0, kit.polyline_shape(b, lw * 1.1 + 3.0)),
            (self.diverged, 1.0, kit.polyline_shape(a, lw * 1.1)),
            (self.diverged, 1.0, kit.polyline_shape(b, lw * 1.1)),
        ]
        e = k + lw * 1.2 + 3
        return (cx - e, cy - e, cx + e, cy + e), ops

    def _add_marker(self, marker, clip) -> None:
        self.markers.append(marker)
        self.marker_clips.append(clip)
        self._persist(marker[0], marker[1], clip)

    # ---- drawing
    def _persist(self, box, ops, clip=None) -> tuple[int, int, int, int] | None:
        cb = kit.clip_box(box, clip or self.sc.clip)
        if cb is None:
            return None
        region, touched = kit.paint(self.rgb, cb, ops, kit.SS)
        x0, y0, x1, y1 = cb
        self.rgb[y0:y1, x0:x1] = region
        if self.idx is not None and self.pal is not None and touched.any():
            sub = self.idx[y0:y1, x0:x1]
            sub[touched] = self.pal.map(region[touched])
        return cb

    def advance(self, step: int) -> None:
        """Extend every path to ``step`` (clamped to its own length)."""
        dirty: list[tuple[float, float, float, float]] = []
        for i, p in enumerate(self.paths):
            b = min(step, p.n_steps)
            a = self.cur[i]
            lw, extra, dot_r = self.lws[i], self.extras[i], self.dot_rs[i]
            if b <= a:
                continue
            px = self.sc.path_px[i]
            hid = self.sc.hidden[i]
            safe = self.safes[i]
            a0 = max(a, 0)
            every = self.strides[i]
            if every > 1:  # only every k-th iterate (and the frame's own): long 1-D paths, as on screen
                ks = np.arange(a0, b + 1)
                ks = ks[(ks % every == 0) | (ks == a0) | (ks == b)]
                seg = core = px[ks]
            else:
                ks = None
                seg = px[a0 : b + 1]
                # the new outline (with its round cap) covers the old core up to
                # ~(lw + extra) / 2 px behind the joint: redraw the core from there
                arc = self.arc[i]
                core_from = int(np.searchsorted(arc, arc[a0] - (lw + extra + 1.6), side="right")) - 1
                core = px[min(max(core_from, 0), a0) : b + 1]
            if self.still[i] <= a0:  # the path does not move any more: nothing to draw
                runs_out, runs_core = [], []
            elif hid is None:
                if self.inside[i]:
                    runs_out = [(seg, True)]
                    runs_core = [(core, True)]
                else:
                    runs_out = [(r, True) for r in clip_runs(seg, safe)]
                    runs_core = [(r, True) for r in clip_runs(core, safe)]
            else:
                runs_out = vis_runs(seg, hid[a0 : b + 1], safe)
                runs_core = vis_runs(core, hid[b + 1 - len(core) : b + 1], safe, both=True)
            ops = []
            lo = np.array([np.inf, np.inf])
            hi = -lo
            for run, vis in runs_out:
                if len(run) >= 2 and vis:
                    ops.append((self.out[i], 1.0, kit.polyline_shape(run, lw + extra)))
            for run, vis in runs_core:
                if len(run) >= 2:
                    if vis:
                        ops.append((self.col[i], 1.0, kit.polyline_shape(run, lw)))
                    else:  # behind the surface (3-D): thin and faint
                        ops.append((self.col[i], 0.45, kit.polyline_shape(run, lw * 0.7)))
                    lo = np.minimum(lo, run.min(0))
                    hi = np.maximum(hi, run.max(0))
            if ops and dot_r > 0:  # a dot at every new iterate (1-D curves), inside the panel
                new = px[a0 + 1 if a >= 0 else 0 : b + 1] if ks is None else seg[1 if a >= 0 else 0 :]
                new = new[((new >= safe[:2]) & (new <= safe[2:])).all(axis=1)]
                if len(new):
                    ops.append((self.col[i], 1.0, kit.dots_shape(new, dot_r)))
                    lo = np.minimum(lo, new.min(0) - dot_r)
                    hi = np.maximum(hi, new.max(0) + dot_r)
            if ops:
                e = lw + extra + 2
                cb = self._persist((lo[0] - e, lo[1] - e, hi[0] + e, hi[1] + e), ops, self.clips[i])
                if cb:
                    dirty.append(cb)
            self.cur[i] = b
            d = p.diverged_at
            if d is not None and not self.div_drawn[i] and b >= d:
                self.div_drawn[i] = True
                self.markers.append(self._div_ops(i))
                self.marker_clips.append(self.clips[i])
                dirty.append(self.markers[-1][0])
        if dirty:
            self._restamp(dirty)

    def _restamp(self, dirty: list) -> None:
        """Draw again the markers (in order) and overlays that new segments, or markers drawn again before
        them, overlap: they stay on top of the paths.  Overlaps are tested with arrays (hundreds of start
        markers × dozens of new segments per frame)."""
        n = len(self.markers)
        if n != self._n_marker_boxes:
            self._marker_boxes = np.array([m[0] for m in self.markers], dtype=float).reshape(-1, 4)
            self._marker_pairs = overlaps(self._marker_boxes, self._marker_boxes)
            self._n_marker_boxes = n
        d = np.array(dirty, dtype=float).reshape(-1, 4)
        hit = np.asarray(overlaps(self._marker_boxes, d).any(axis=1) if n else np.zeros(0, dtype=bool))
        redrawn: list[int] = []
        for j in range(n):
            if hit[j] or (redrawn and self._marker_pairs[j, redrawn].any()):
                box, ops = self.markers[j]
                self._persist(box, ops, self.marker_clips[j])
                redrawn.append(j)
        if redrawn:
            d = np.concatenate([d, self._marker_boxes[redrawn]])
        for box, ops in self.overlays:
            if overlaps(np.array([box], dtype=float), d).any():
                self._persist(box, ops)

    def frame(self, step: int, quantized: bool) -> np.ndarray:
        """The current trail plus head markers and the step counter."""
        base = self.idx if quantized and self.idx is not None else self.rgb
        out = base.copy()
        items = []
        for i, p in enumerate(self.paths):
            b = min(step, p.n_steps)
            cx, cy = self.sc.path_px[i][b]
            items.append(self._head_ops(i, cx, cy))
        for i, (box, ops) in enumerate(items):
            self._transient(out, box, ops, quantized, self.clips[i], full_mask=box)
        # step counter (right-aligned in the header)
        if not self.paths:
            return out
        txt = kit.counter_text(self.look, step, self.n_steps)
        tbox, mask = kit.text_mask(self.sc.counter_xy, txt, self.sc.sizes.font("text", txt), "rm")
        self._transient(out, tbox, [(self.text, 1.0, mask)], quantized, self.sc.counter_box, full_mask=tbox)
        return out

    def _transient(self, out, box, ops, quantized, limit, full_mask=None):
        cb = kit.clip_box(box, limit)
        if cb is None:
            return
        if full_mask is not None:  # ops hold masks aligned with full_mask; crop them
            fx0, fy0 = full_mask[0], full_mask[1]
            ops = [(c, a, m[cb[1] - fy0 : cb[3] - fy0, cb[0] - fx0 : cb[2] - fx0]) for c, a, m in ops]
        region, touched = kit.paint(self.rgb, cb, ops, kit.SS)
        x0, y0, x1, y1 = cb
        if quantized and self.pal is not None:
            sub = out[y0:y1, x0:x1]
            sub[touched] = self.pal.map(region[touched])
        else:
            out[y0:y1, x0:x1] = region


def overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def overlaps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(len(a), len(b)) bool: which boxes (x0, y0, x1, y1) of a overlap which of b."""
    return (
        (a[:, None, 0] < b[None, :, 2])
        & (b[None, :, 0] < a[:, None, 2])
        & (a[:, None, 1] < b[None, :, 3])
        & (b[None, :, 1] < a[:, None, 3])
    )


def vis_runs(pts, hidden, safe, both=False):
    """Split a polyline into runs of visible / hidden segments (a segment is
    hidden when both ends are hidden), each clipped to the safe box."""
    if len(pts) < 2:
        return []
    seg_hidden = np.asarray(hidden[:-1] & hidden[1:], dtype=bool)
    change = np.flatnonzero(seg_hidden[1:] != seg_hidden[:-1]) + 1
    starts = [0, *change.tolist()]
    ends = [*change.tolist(), len(seg_hidden)]
    out = []
    for start, end in zip(starts, ends):  # segments start … end-1, points start … end
        vis = not bool(seg_hidden[start])
        if vis or both:
            for r in clip_runs(pts[start : end + 1], safe):
                out.append((r, vis))
    return out


def reserved_colors(paths: Sequence[PathLayer], scene: kit.Backdrop, look: Look) -> list[kit.RGB]:
    """Colours the GIF palette keeps exact: the theme's text and markers, the surface bands, the paths."""
    th = look.theme
    white, black = (255, 255, 255), (0, 0, 0)
    named = [th.paper, th.ink, th.muted, th.axis, th.diverged, th.minimum, th.halo]
    res: list[kit.RGB] = [white, black] + [kit.rgb_of(c) for c in named]
    res.append(kit.blend(kit.rgb_of(th.diverged), kit.rgb_of(th.halo), 0.5))
    res += [(g, g, g) for g in (60, 100, 140, 180, 215, 240)]
    res += list(scene.reserved)
    for c in dict.fromkeys(p.rgb for p in paths):
        o = th.path_outline(c)
        res += [c, o, kit.blend(c, o, 0.5)]
    return res


def backdrop(
    surface: SurfaceImage | CurveImage,
    paths: Sequence[PathLayer],
    size: tuple[int, int],
    style: str,
    view3d: View3D | None,
    look: Look,
    frame_index: int = 0,
) -> kit.Backdrop:
    if isinstance(surface, CurveImage):
        return scene1d.backdrop(surface, paths, size, look)
    if style == "3d":
        return scene3d.backdrop(surface, paths, size, view3d or View3D(), look, frame_index)
    return scene2d.backdrop(surface, paths, size, look)


def frames(
    surface: SurfaceImage | CurveImage,
    paths: Sequence[PathLayer],
    size: tuple[int, int],
    n_frames: int,
    style: str,
    view3d: View3D | None,
    quantized: bool,
    look: Look = DEFAULT,
    only_last: bool = False,
) -> tuple[Iterator[np.ndarray], kit.Palette | None, np.ndarray]:
    """(frame iterator, GIF palette or None, the step each frame shows).  quantized: frames are palette indices.

    On a CurveImage the paths are (x, f(x)) points; their θ panel twins are added here (scene1d.layers)."""
    if isinstance(surface, CurveImage):
        paths = scene1d.layers(surface, paths)
        style, view3d = "curve", None
    n_steps = max_steps(paths)
    steps = frame_steps(n_steps, n_frames)
    if only_last:
        steps = steps[-1:]
    rotating = style == "3d" and (view3d or View3D()).rotate_deg_per_frame != 0 and not only_last
    first = 0 if not only_last else len(frame_steps(n_steps, n_frames)) - 1
    scene = backdrop(surface, paths, size, style, view3d, look, first)
    pal = bg_idx = None
    if quantized:
        # the shaded 3-D surface bands visibly without dithering; the flat
        # colour map does not need it (and compresses better without).  A
        # turning camera maps every frame through the LUT: no dither there
        # either, or frame 0 would differ in texture from the rest.
        pal, bg_idx = kit.build_palette(
            scene.bg, reserved_colors(paths, scene, look), dither=style == "3d" and not rotating
        )

    def gen() -> Iterator[np.ndarray]:
        if not rotating:
            eng = Engine(scene, paths, n_steps, look, pal, bg_idx)
            for s in steps:
                eng.advance(int(s))
                yield eng.frame(int(s), quantized)
            return
        for j, s in enumerate(steps):
            sc = scene if j == 0 else backdrop(surface, paths, size, style, view3d, look, j)
            idx = None
            if quantized:
                assert pal is not None
                idx = bg_idx if j == 0 else pal.map(sc.bg)
            eng = Engine(sc, paths, n_steps, look, pal, idx)
            eng.advance(int(s))
            yield eng.frame(int(s), quantized)

    return gen(), pal, steps


def data_to_pixel(
    surface: SurfaceImage | CurveImage,
    points: np.ndarray,
    *,
    size=(640, 480),
    style: str = "contour",
    view3d: View3D | None = None,
    values: np.ndarray | None = None,
    frame_index: int = 0,
    look: Look = DEFAULT,
    panel: str = "curve",
    paths: Sequence[PathLayer] = (),
) -> np.ndarray:
    """Continuous pixel coordinates (N, 2) (x right, y down; pixel (i, j) spans
    [i, i+1) x [j, j+1)) of data points (N, 2) in an image of ``size``, exactly
    as the renderers place them.  For ``style="3d"`` the height is ``values``
    (f at the points) or, if None, interpolated from the surface grid;
    ``frame_index`` matters only with a turning camera.  On a CurveImage the points are (x, f) in the curve
    panel, or (t, θ) with ``panel="theta"`` (whose ranges follow the rendered ``paths``)."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if isinstance(surface, CurveImage):
        w, h = check_options(size, 20, 2, 0.0, 0, "curve", ())
        return scene1d.data_to_pixel(surface, pts, (w, h), look, panel, paths)
    w, h = check_options(size, 20, 2, 0.0, 0, style, ())
    if style == "3d":
        return scene3d.project_points(surface, pts, values, (w, h), view3d or View3D(), frame_index, look)
    return scene2d.layout(surface, (w, h), look).to_pixel(pts)
