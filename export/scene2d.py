"""The contour style's static picture: the surface's picture (look.render_rgb, the very raster the app shows
under its contour map), axes, colour bar, known minima, title and legend, drawn once per render.

The plot area keeps x and y at equal scale (gradients look perpendicular to contours) unless that wastes more
than 30 % of the room; the colour bar has the screen's ticks (the surface's ValueScale).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from look import LEVELS, Look, nice_ticks, render_rgb, tick_label
from look.fonts import text_size

from . import kit
from .inputs import PathLayer, SurfaceImage, Window, max_steps


@dataclass
class Layout:
    size: tuple[int, int]
    box: tuple[int, int, int, int]  # plot area in pixels: left, top, right, bottom (exclusive)
    window: Window
    sizes: kit.Sizes
    cbar: tuple[int, int, int, int]
    xticks: list[tuple[float, str]]
    yticks: list[tuple[float, str]]
    cticks: list[tuple[float, str]]  # (t position, label)

    def to_pixel(self, pts: np.ndarray) -> np.ndarray:
        (x0, x1), (y0, y1) = self.window
        l, t, r, b = self.box
        p = np.asarray(pts, dtype=np.float64).reshape(-1, 2)
        out = np.empty_like(p)
        out[:, 0] = l + (p[:, 0] - x0) / (x1 - x0) * (r - l)
        out[:, 1] = t + (y1 - p[:, 1]) / (y1 - y0) * (b - t)
        return out


def colour_ticks(s: SurfaceImage, n: int) -> list[tuple[float, str]]:
    """The colour bar's ticks: the screen's (ValueScale.ticks), as (t position, label) pairs."""
    pos, labels = s.value_scale.ticks(n)
    return list(zip(pos, labels))


def layout(s: SurfaceImage, size: tuple[int, int], look: Look) -> Layout:
    w, h = size
    sz = kit.base_sizes(w, h, look)
    (wx0, wx1), (wy0, wy1) = s.view
    pad, tick_len, header_h = sz.pad, sz.tick_len, sz.header_h
    tick_font = sz.font("tick")
    cticks = colour_ticks(s, 6 if h >= 300 else 3)
    c_lab_w = max([text_size(lab, tick_font)[0] for _, lab in cticks] + [0])
    cbar_w = max(8, int(round(sz.fs * 0.75)))
    right_need = pad + cbar_w + tick_len + 3 + c_lab_w + pad
    # y ticks first (their labels set the left margin)
    top = header_h
    yt, ystep = nice_ticks(wy0, wy1, 5 if h >= 300 else 3)
    ylabels = [(float(v), tick_label(v, ystep)) for v in yt]
    ylab_w = max([text_size(lab, tick_font)[0] for _, lab in ylabels] + [0])
    axis_lab_w = text_size("y", sz.font("text"))[0] + pad
    left = pad + axis_lab_w + ylab_w + 3 + tick_len
    bottom = h - (tick_len + 3 + text_size("0", tick_font)[1] + pad + text_size("x", sz.font("text"))[1] + pad)
    avail_w = max(40, w - left - right_need)
    avail_h = max(30, bottom - top)
    # Equal aspect unless that wastes more than 30 % of the available area.
    dx, dy = wx1 - wx0, wy1 - wy0
    k = min(avail_w / dx, avail_h / dy)
    pw, ph = dx * k, dy * k
    if pw * ph < 0.7 * avail_w * avail_h:
        pw, ph = avail_w, avail_h
    pw, ph = int(round(pw)), int(round(ph))
    top += max(0, (avail_h - ph) // 2)  # a wide window sits mid-height
    box = (left, top, left + pw, top + ph)
    xt, xstep = nice_ticks(wx0, wx1, max(3, min(8, pw // (sz.fs * 5))))
    xlabels = [(float(v), tick_label(v, xstep)) for v in xt]
    cx0 = box[2] + pad
    cbar = (cx0, top, cx0 + cbar_w, top + ph)
    return Layout(
        size=(w, h), box=box, window=s.view, sizes=sz, cbar=cbar, xticks=xlabels, yticks=ylabels, cticks=cticks
    )


def band_colors(look: Look, levels: int = LEVELS) -> list[kit.RGB]:
    """The surface picture's band colours (the GIF palette keeps them exact)."""
    lut = look.theme.lut(256)
    idx = np.clip(np.rint((np.arange(levels) + 0.5) / levels * 255.0), 0, 255).astype(int)
    return [(int(r), int(g), int(b)) for r, g, b in lut[idx]]


def backdrop(s: SurfaceImage, paths: Sequence[PathLayer], size: tuple[int, int], look: Look) -> kit.Backdrop:
    """The contour style's static picture and the paths' pixel coordinates."""
    lay = layout(s, size, look)
    th = look.theme
    ink, axis_rgb, muted = kit.rgb_of(th.ink), kit.rgb_of(th.axis), kit.rgb_of(th.muted)
    sz = lay.sizes
    w, h = size
    img = np.empty((h, w, 3), dtype=np.uint8)
    img[:] = kit.rgb_of(th.paper)
    l, t, r, b = lay.box
    img[t:b, l:r] = render_rgb(s.xs, s.ys, s.z, s.value_scale, lay.window, width=r - l, height=b - t, theme=th)
    kit.rect_outline(img, lay.box, axis_rgb)
    tick_len = sz.tick_len
    tick_font = sz.font("tick")
    # axes ticks and labels
    (x0, x1), (y0, y1) = lay.window
    for v, lab in lay.xticks:
        px = l + (v - x0) / (x1 - x0) * (r - l)
        kit.fill_rect(img, (round(px) - 0.5, b + 1, round(px) + 0.5, b + 1 + tick_len), axis_rgb)
        kit.put_text(img, (px, b + 2 + tick_len), lab, tick_font, ink, "mt")
    for v, lab in lay.yticks:
        py = t + (y1 - v) / (y1 - y0) * (b - t)
        kit.fill_rect(img, (l - 1 - tick_len, round(py) - 0.5, l - 1, round(py) + 0.5), axis_rgb)
        kit.put_text(img, (l - 3 - tick_len, py), lab, tick_font, ink, "rm")
    tick_h = text_size("0", tick_font)[1]
    kit.put_text(img, ((l + r) / 2, b + tick_len + tick_h + sz.fs * 0.6), "x", sz.font("text"), ink, "mt")
    pad = sz.pad
    kit.put_text(img, (pad, (t + b) / 2), "y", sz.font("text"), ink, "lm")
    # colour bar
    c0, ct, c1, cb = lay.cbar
    kit.colour_bar(img, lay.cbar, th)
    for tpos, lab in lay.cticks:
        py = cb - tpos * (cb - ct)
        kit.fill_rect(img, (c1 + 1, round(py) - 0.5, c1 + 1 + tick_len, round(py) + 0.5), axis_rgb)
        kit.put_text(img, (c1 + 3 + tick_len, py), lab, tick_font, ink, "lm")
    ctitle = look.gettext("f (log)") if s.value_scale.log else "f"
    kit.put_text(img, (c0, b + tick_len + tick_h + sz.fs * 0.6), ctitle, sz.font("tick", ctitle), muted, "lt")
    # minima: stars kept above the paths (re-stamped when a path crosses them)
    overlays: list[kit.Overlay] = []
    if s.minima:
        mp = lay.to_pixel(np.array(s.minima))
        for cx, cy in mp:
            if star := kit.stamp_minimum(img, cx, cy, lay.box, sz.fs, th):
                overlays.append(star)
    # title (left) and the room the step counter needs (right)
    counter_w = kit.counter_width(look, sz, max_steps(paths) if paths else None)
    title_font = sz.font("title", s.title)
    hm = sz.header_h / 2
    kit.put_text(img, (l, hm), kit.fit_text(s.title, title_font, r - l - counter_w - 2 * pad), title_font, ink, "lm")
    # legend: right of the colour bar if it fits, else inside the plot
    path_px = [lay.to_pixel(p.points) for p in paths]
    if kit.legend_entries(paths):
        label_right = c1 + 3 + tick_len + max([text_size(lab, tick_font)[0] for _, lab in lay.cticks] + [0])
        free = (label_right + 2 * pad, t, w - pad, b)
        leg = kit.legend_layout(paths, sz, 10**6, b - t, look)
        if free[2] - free[0] >= leg.size[0] and len(kit.legend_entries(paths)) * sz.fs * 1.25 < b - t:
            kit.draw_legend(img, paths, sz, (free[0], free[1]), free, look)
        else:
            mins = lay.to_pixel(np.array(s.minima)) if s.minima else ()
            # a divergence marker outside the view is drawn at the border
            m = 3 * sz.lw
            busy = kit.busy_points(paths, [np.clip(px, (l + m, t + m), (r - m, b - m)) for px in path_px], mins)
            ov = kit.legend_overlay(img, paths, sz, lay.box, busy, look)
            if ov:
                overlays.append(ov)
    cbox = kit.counter_box(look, sz, r, w)
    return kit.Backdrop(
        bg=img,
        clip=lay.box,
        path_px=path_px,
        hidden=[None] * len(paths),
        sizes=sz,
        counter_xy=(r, int(hm)),
        counter_box=cbox,
        overlays=overlays,
        reserved=band_colors(look),
    )
