"""The 3-D style: the surface as a shaded mesh seen by an orthographic camera,
paths lying on it.  Pure NumPy + Pillow (no matplotlib):

* the mesh (``View3D.mesh_n`` squared quads) is drawn far-to-near with
  Pillow polygons at 2x and box-downsampled (antialiased edges).  For a
  height field seen from above, ordering by horizontal distance along the
  view direction is a correct painter's order; where the camera sees the
  underside of a sheet (a steep log-scaled wall) small saw-tooth artifacts
  remain, as in matplotlib.  Each quad is coloured by the colour map at its
  mean height and Lambert-shaded;
* the same quads drawn into a float image give a depth buffer; a path point
  is "hidden" where the surface in front of it is closer to the camera than
  the point by more than a tolerance, and hidden segments are drawn thin and
  faint, so a run going behind a hill stays readable;
* heights use the same scale as the colours (the surface's look.ValueScale,
  logarithmic for Rosenbrock), so Rosenbrock's valley is visible, and the z
  axis and the colour bar carry the screen's ticks.

The camera follows matplotlib's convention (azim -60, elev 30 looks from the
front-left and above).  With ``rotate_deg_per_frame`` the background and the
path projection are recomputed every frame (slower; see the benchmark).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from look import Look, ValueScale, blend, nice_ticks, tick_label
from look.fonts import text_size

from . import kit
from .inputs import PathLayer, SurfaceImage, View3D, max_steps
from .scene2d import band_colors, colour_ticks

ZH = 0.62  # half height of the box; x and y span [-1, 1]
LIFT = 0.015  # paths float this much above the surface
HIDE_EPS = 0.07  # depth tolerance for "behind the surface"


@dataclass
class _Camera:
    right: np.ndarray
    up: np.ndarray
    toward: np.ndarray  # unit vector from the scene towards the camera
    scale: float
    cx: float
    cy: float

    def project(self, P: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(N, 3) normalized points -> (N, 2) pixels and (N,) depth (larger = nearer)."""
        sx = P @ self.right
        sy = P @ self.up
        px = np.stack([self.cx + sx * self.scale, self.cy - sy * self.scale], axis=1)
        return px, P @ self.toward


@dataclass
class _Geom:
    size: tuple[int, int]
    sizes: kit.Sizes
    area: tuple[int, int, int, int]  # where the box is fitted
    cbar: tuple[int, int, int, int]
    cticks: list
    scale: ValueScale
    cam: _Camera


def _normalizer(s: SurfaceImage, sc: ValueScale):
    (x0, x1), (y0, y1) = s.view

    def norm(x, y, z):
        X = 2.0 * (np.asarray(x, dtype=np.float64) - x0) / (x1 - x0) - 1.0
        Y = 2.0 * (np.asarray(y, dtype=np.float64) - y0) / (y1 - y0) - 1.0
        with np.errstate(invalid="ignore"):
            t = sc.t(np.asarray(z, dtype=np.float64))
        Z = (np.asarray(t, dtype=np.float64) - 0.5) * 2.0 * ZH
        return np.stack(np.broadcast_arrays(X, Y, Z), axis=-1)

    return norm


def _geometry(s: SurfaceImage, size: tuple[int, int], view: View3D, frame_index: int, look: Look) -> _Geom:
    w, h = size
    sz = kit.base_sizes(w, h, look)
    fs = sz.fs
    sc = s.value_scale
    pad = sz.pad
    header_h = sz.header_h
    cticks = colour_ticks(s, 6 if h >= 300 else 3)
    c_lab_w = max([text_size(lab, sz.font("tick"))[0] for _, lab in cticks] + [0])
    cbar_w = max(8, int(round(fs * 0.75)))
    tick_len = sz.tick_len
    right_need = pad + cbar_w + tick_len + 3 + c_lab_w + pad
    area = (pad, header_h, w - right_need - pad, h - pad)
    cbar_h = int((area[3] - area[1]) * 0.7)
    cy0 = area[1] + (area[3] - area[1] - cbar_h) // 2
    cbar = (w - right_need + pad, cy0, w - right_need + pad + cbar_w, cy0 + cbar_h)

    az = math.radians(view.azim + frame_index * view.rotate_deg_per_frame)
    el = math.radians(view.elev)
    toward = np.array([math.cos(el) * math.cos(az), math.cos(el) * math.sin(az), math.sin(el)])
    right = np.array([-math.sin(az), math.cos(az), 0.0])
    up = np.array([-math.sin(el) * math.cos(az), -math.sin(el) * math.sin(az), math.cos(el)])
    if view.rotate_deg_per_frame:
        # extent over every azimuth: no zoom pulsing while the camera turns
        half_w = math.sqrt(2.0)
        half_h = math.sqrt(2.0) * abs(math.sin(el)) + ZH * abs(math.cos(el))
        mid = (0.0, 0.0)
    else:
        corners = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-ZH, ZH)])
        sx, sy = corners @ right, corners @ up
        half_w, half_h = (sx.max() - sx.min()) / 2, (sy.max() - sy.min()) / 2
        mid = ((sx.max() + sx.min()) / 2, (sy.max() + sy.min()) / 2)
    # room for tick labels around the box
    aw = (area[2] - area[0]) - 2 * fs * 3.2
    ah = (area[3] - area[1]) - 2 * fs * 1.6
    scale = max(10.0, min(aw / (2 * half_w), ah / (2 * half_h)))
    cx = (area[0] + area[2]) / 2 - mid[0] * scale
    cy = (area[1] + area[3]) / 2 + mid[1] * scale
    cam = _Camera(right, up, toward, scale, cx, cy)
    return _Geom(size, sz, area, cbar, cticks, sc, cam)


def _path_xyz(s: SurfaceImage, p: PathLayer) -> np.ndarray:
    z = p.values if p.values is not None else s.sample(p.points[:, 0], p.points[:, 1])
    return np.asarray(z, dtype=np.float64)


def _project_paths(s: SurfaceImage, paths: Sequence[PathLayer], g: _Geom, norm):
    out_px, out_depth = [], []
    for p in paths:
        z = _path_xyz(s, p)
        P = norm(p.points[:, 0], p.points[:, 1], z)
        # unknown height (outside the grid, undefined f): put it on the lid;
        # far above the window's range: clamp a little above the lid
        Z = P[:, 2]
        Z = np.where(np.isfinite(Z), Z, ZH)
        P[:, 2] = np.clip(Z, -ZH, ZH * 1.25) + LIFT
        # a run that leaves the window is drawn along the box's edge
        P[:, :2] = np.clip(P[:, :2], -1.0, 1.0)
        px, depth = g.cam.project(P)
        out_px.append(px)
        out_depth.append(depth)
    return out_px, out_depth


def project_points(
    s: SurfaceImage, pts: np.ndarray, values, size, view: View3D, frame_index: int, look: Look
) -> np.ndarray:
    """Pixel coordinates of data points in the 3-D style (see data_to_pixel)."""
    g = _geometry(s, size, view, frame_index, look)
    norm = _normalizer(s, g.scale)
    layer = PathLayer(pts, "#000000", "", None, values)
    px, _ = _project_paths(s, [layer], g, norm)
    return px[0]


def _draw_panes(img: Image.Image, g: _Geom, s: SurfaceImage, k: int, look: Look) -> list:
    """Floor and two back walls (light grey with grid lines); returns label jobs."""
    d = ImageDraw.Draw(img)
    cam = g.cam
    t = cam.toward
    # the back walls are the ones whose outward normal points away from the camera
    xb = -1.0 if t[0] > 0 else 1.0
    yb = -1.0 if t[1] > 0 else 1.0
    zb = -ZH if t[2] >= 0 else ZH

    def P(pts):
        px, _ = cam.project(np.asarray(pts, dtype=np.float64))
        return [tuple(v) for v in (px * k).tolist()]

    th = look.theme
    paper, ink = kit.rgb_of(th.paper), kit.rgb_of(th.ink)
    pane = kit.rgb_of(th.pane)
    edge = blend(pane, ink, 0.18)
    grid = blend(pane, paper if paper != pane else ink, 0.9 if paper != pane else 0.1)
    d.polygon(P([[-1, -1, zb], [1, -1, zb], [1, 1, zb], [-1, 1, zb]]), fill=pane, outline=edge)
    d.polygon(P([[xb, -1, -ZH], [xb, 1, -ZH], [xb, 1, ZH], [xb, -1, ZH]]), fill=blend(pane, ink, 0.04), outline=edge)
    d.polygon(P([[-1, yb, -ZH], [1, yb, -ZH], [1, yb, ZH], [-1, yb, ZH]]), fill=blend(pane, ink, 0.02), outline=edge)
    (x0, x1), (y0, y1) = s.view
    xt, xstep = nice_ticks(x0, x1, 5)
    yt, ystep = nice_ticks(y0, y1, 5)
    gw = max(1, k)
    X = lambda v: 2 * (v - x0) / (x1 - x0) - 1
    Y = lambda v: 2 * (v - y0) / (y1 - y0) - 1
    for v in xt:
        d.line(P([[X(v), -1, zb], [X(v), 1, zb]]), fill=grid, width=gw)
        d.line(P([[X(v), yb, -ZH], [X(v), yb, ZH]]), fill=grid, width=gw)
    for v in yt:
        d.line(P([[-1, Y(v), zb], [1, Y(v), zb]]), fill=grid, width=gw)
        d.line(P([[xb, Y(v), -ZH], [xb, Y(v), ZH]]), fill=grid, width=gw)
    for tpos, _ in g.cticks:
        zz = (tpos - 0.5) * 2 * ZH
        d.line(P([[xb, -1, zz], [xb, 1, zz]]), fill=grid, width=gw)
        d.line(P([[-1, yb, zz], [1, yb, zz]]), fill=grid, width=gw)
    # label jobs (drawn at 1x after downsampling): front edges of the floor
    yf, xf = -yb, -xb
    jobs: list[tuple] = []
    for v in xt:
        jobs.append((np.array([X(v), yf * 1.16, -ZH]), tick_label(v, xstep)))
    for v in yt:
        jobs.append((np.array([xf * 1.16, Y(v), -ZH]), tick_label(v, ystep)))
    jobs.append((np.array([0.0, yf * 1.42, -ZH]), "x"))
    jobs.append((np.array([xf * 1.42, 0.0, -ZH]), "y"))
    # z axis on the vertical edge that is leftmost on screen
    edges = [(ex, ey) for ex in (-1, 1) for ey in (-1, 1)]
    ex, ey = min(edges, key=lambda e: float(np.array([e[0], e[1], 0.0]) @ cam.right))
    for tpos, lab in g.cticks:
        zz = (tpos - 0.5) * 2 * ZH
        jobs.append(("z", np.array([ex, ey, zz]), lab))
    return jobs


def _mesh(s: SurfaceImage, g: _Geom, n: int, norm):
    (x0, x1), (y0, y1) = s.view
    xs = np.linspace(x0, x1, n + 1)
    ys = np.linspace(y0, y1, n + 1)
    z = s.sample(xs[None, :], ys[:, None])
    P = norm(xs[None, :], ys[:, None], z)  # (n+1, n+1, 3)
    return P


def backdrop(
    s: SurfaceImage,
    paths: Sequence[PathLayer],
    size: tuple[int, int],
    view: View3D,
    look: Look,
    frame_index: int = 0,
) -> kit.Backdrop:
    """The 3-D style's static picture for one camera position, and the paths' pixels and hidden flags."""
    w, h = size
    th = look.theme
    ink, axis_rgb, muted = kit.rgb_of(th.ink), kit.rgb_of(th.axis), kit.rgb_of(th.muted)
    g = _geometry(s, size, view, frame_index, look)
    sz = g.sizes
    norm = _normalizer(s, g.scale)
    pad = sz.pad
    k = 2  # supersampling of the mesh
    big = Image.new("RGB", (w * k, h * k), kit.rgb_of(th.paper))
    jobs = _draw_panes(big, g, s, k, look)
    cam = g.cam
    P = _mesh(s, g, view.mesh_n, norm)
    n = P.shape[0] - 1
    c00, c01, c11, c10 = P[:-1, :-1], P[:-1, 1:], P[1:, 1:], P[1:, :-1]
    quads = np.stack([c00, c01, c11, c10], axis=2).reshape(-1, 4, 3)  # (n*n, 4, 3)
    ok = np.isfinite(quads).all(axis=(1, 2))
    quads = quads[ok]
    flat_px, depth = cam.project(quads.reshape(-1, 3))
    qpx = flat_px.reshape(-1, 4, 2)
    qdepth = depth.reshape(-1, 4).mean(1)
    # colour by the mean height, Lambert shading with a light from the upper left
    tq = (quads[:, :, 2].mean(1) / (2 * ZH)) + 0.5
    base = th.colorize(tq).astype(np.float64)
    nrm = np.cross(quads[:, 2] - quads[:, 0], quads[:, 3] - quads[:, 1])
    nrm /= np.linalg.norm(nrm, axis=1, keepdims=True) + 1e-12
    nrm *= np.where(nrm @ cam.toward < 0, -1.0, 1.0)[:, None]  # face the camera
    light = cam.toward * 0.55 + cam.up * 0.75 - cam.right * 0.35
    light /= np.linalg.norm(light)
    lam = np.clip(nrm @ light, 0.0, 1.0)
    shade = 0.5 + 0.6 * lam
    col = np.clip(base * shade[:, None], 0, 255).astype(np.uint8)
    # Painter's order for a height field seen from above: by horizontal
    # distance along the view direction (an occluder is always nearer
    # horizontally); the mean 3-D depth breaks ties.
    hdir = np.array([cam.toward[0], cam.toward[1], 0.0])
    hdepth = quads.mean(1) @ hdir
    if cam.toward[2] < 0:  # seen from below: the vertical order flips
        hdepth = -hdepth
    order = np.lexsort((qdepth, hdepth))
    d = ImageDraw.Draw(big)
    depth_im = Image.new("F", (w, h), -1e9)
    dd = ImageDraw.Draw(depth_im)
    # mesh lines every `every` quads, darker than the face
    every = max(1, n // 12)
    ii = np.nonzero(ok)[0]
    qi, qj = ii // n, ii % n  # row (y) and column (x) of each quad
    for q in order:
        pts = (qpx[q] * k).ravel().tolist()
        c = tuple(col[q].tolist())
        d.polygon(pts, fill=c, outline=c)
        dd.polygon(qpx[q].ravel().tolist(), fill=float(qdepth[q]))
        if qj[q] % every == 0 or qi[q] % every == 0:
            lc = tuple(int(v * 0.8) for v in c)
            if qj[q] % every == 0:
                d.line(pts[0:2] + pts[6:8], fill=lc, width=max(1, k // 2 + 0))
            if qi[q] % every == 0:
                d.line(pts[0:4], fill=lc, width=max(1, k // 2 + 0))
    img = np.asarray(big.reduce(k)).copy()
    depth_buf = np.asarray(depth_im)
    # labels (left out when the box is too small for them)
    if cam.scale < 4 * sz.fs:
        jobs = []
    tick_font = sz.font("tick")
    for job in jobs:
        if isinstance(job[0], str):
            _, p3, lab = job
            (px,), _ = cam.project(p3[None, :])
            tl = sz.tick_len
            kit.fill_rect(img, (px[0] - tl - 1, round(px[1]) - 0.5, px[0] - 1, round(px[1]) + 0.5), axis_rgb)
            kit.put_text(img, (px[0] - tl - 3, px[1]), lab, tick_font, ink, "rm")
        else:
            p3, lab = job
            (px,), _ = cam.project(p3[None, :])
            f = sz.font("text") if lab in ("x", "y") else tick_font
            kit.put_text(img, (px[0], px[1]), lab, f, ink, "mm")
    # colour bar
    c0, ct, c1, cb = g.cbar
    kit.colour_bar(img, g.cbar, th)
    tick_len = sz.tick_len
    for tpos, lab in g.cticks:
        py = cb - tpos * (cb - ct)
        kit.fill_rect(img, (c1 + 1, round(py) - 0.5, c1 + 1 + tick_len, round(py) + 0.5), axis_rgb)
        kit.put_text(img, (c1 + 3 + tick_len, py), lab, tick_font, ink, "lm")
    ctitle = look.gettext("f (log)") if g.scale.log else "f"
    kit.put_text(img, (c0, ct - sz.fs * 0.6), ctitle, sz.font("tick", ctitle), muted, "lb")
    hm = sz.header_h / 2
    counter_w = kit.counter_width(look, sz, max_steps(paths) if paths else None)
    title_font = sz.font("title", s.title)
    kit.put_text(
        img, (pad, hm), kit.fit_text(s.title, title_font, g.cbar[0] - counter_w - 3 * pad), title_font, ink, "lm"
    )
    # paths: pixels, and hidden flags from the depth buffer
    path_px, path_depth = _project_paths(s, paths, g, norm)
    hidden = []
    for px, dep in zip(path_px, path_depth):
        ix = np.clip(np.floor(px[:, 0]).astype(int), 0, w - 1)
        iy = np.clip(np.floor(px[:, 1]).astype(int), 0, h - 1)
        inside = (px[:, 0] >= 0) & (px[:, 0] < w) & (px[:, 1] >= 0) & (px[:, 1] < h)
        hidden.append(inside & (depth_buf[iy, ix] > dep + HIDE_EPS))
    clip = (0, sz.header_h, g.cbar[0] - pad, h)
    overlays: list[kit.Overlay] = []
    # minima: stars on the surface
    if s.minima:
        mx = np.array(s.minima)
        mz = s.sample(mx[:, 0], mx[:, 1])
        MP = norm(mx[:, 0], mx[:, 1], mz)
        good = np.isfinite(MP).all(1)
        mpx, mdep = cam.project(MP[good] + np.array([0.0, 0.0, LIFT]))
        for (cx, cy), dep in zip(mpx, mdep):
            iy, ix = int(min(max(cy, 0), h - 1)), int(min(max(cx, 0), w - 1))
            if depth_buf[iy, ix] > dep + HIDE_EPS:
                continue
            if star := kit.stamp_minimum(img, cx, cy, clip, sz.fs, th):
                overlays.append(star)
    if paths:
        busy = kit.busy_points(paths, path_px)
        # avoid labels (text-coloured, unsaturated) and, less, the surface (coloured); the panes may be covered
        im16 = img.astype(np.int16)
        sat = im16.max(-1) - im16.min(-1)
        near_ink = np.abs(im16 - np.asarray(ink, dtype=np.int16)).max(-1) < 90
        occupied = np.where(near_ink & (sat < 25), 20.0, 0.0) + np.where(sat > 30, 1.0, 0.0)
        ov = kit.legend_overlay(img, paths, sz, clip, busy, look, occupied)
        if ov:
            overlays.append(ov)
    rx = g.cbar[0] - pad
    cbox = kit.counter_box(look, sz, rx, w)
    return kit.Backdrop(
        bg=img,
        clip=clip,
        path_px=path_px,
        hidden=hidden,
        sizes=sz,
        counter_xy=(rx, int(hm)),
        counter_box=cbox,
        overlays=overlays,
        reserved=band_colors(look) + [(int(r), int(g), int(b)) for r, g, b in th.lut(256)[::8]],
    )
