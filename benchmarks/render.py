"""Benchmark of export.render: GIF (contour), GIF (3-D), MP4, PNG.

    python -m benchmarks.render [--out DIR] [--repeat 3]

Builds a realistic scene with NumPy only (no project imports besides export):
Rosenbrock on a 200x200 grid (log colours) with four 500-step optimizer runs
(gradient descent, heavy-ball momentum, Adam, and gradient descent with a
learning rate that diverges), plus Himmelblau with four spiral / zig-zag paths.
Prints a Markdown table (best of N after a warm-up) and writes the outputs to
DIR (default artifacts/render).
"""

from __future__ import annotations

import argparse
import os

import numpy as np

from export import PathLayer, SurfaceImage, View3D, render_gif, render_mp4, render_png

from .timing import best_of

COLORS = ("#e6194b", "#f58231", "#ffffff", "#00bcd4")


def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def rosenbrock_grad(p):
    x, y = p
    return np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])


def _run(update, start, n=500, limit=1e6):
    pts = np.empty((n + 1, 2))
    pts[0] = start
    state: dict = {}
    diverged = None
    for t in range(1, n + 1):
        if diverged is not None:
            pts[t] = pts[t - 1]
            continue
        nxt = update(pts[t - 1], state, t)
        if not np.isfinite(nxt).all() or np.abs(nxt).max() > limit:
            diverged = t - 1
            pts[t] = pts[t - 1]
        else:
            pts[t] = nxt
    return pts, diverged


def rosenbrock_scene(n_grid: int = 200) -> tuple[SurfaceImage, list[PathLayer]]:
    xs = np.linspace(-2, 2, n_grid)
    ys = np.linspace(-1, 3, n_grid)
    z = rosenbrock(*np.meshgrid(xs, ys))
    surf = SurfaceImage(xs, ys, z, log_color=True, title="Rosenbrock", minima=((1.0, 1.0),))
    start = np.array([-1.2, 1.0])

    def gd(lr):
        return lambda p, s, t: p - lr * rosenbrock_grad(p)

    def momentum(lr, beta=0.9):
        def up(p, s, t):
            s["v"] = beta * s.get("v", 0.0) + rosenbrock_grad(p)
            return p - lr * s["v"]

        return up

    def adam(lr, b1=0.9, b2=0.999, eps=1e-8):
        def up(p, s, t):
            g = rosenbrock_grad(p)
            s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
            s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
            mh, vh = s["m"] / (1 - b1**t), s["v"] / (1 - b2**t)
            return p - lr * mh / (np.sqrt(vh) + eps)

        return up

    runs = [
        ("GD lr=0.001", gd(1e-3), start),
        ("Momentum lr=0.0005 β=0.9", momentum(5e-4), start),
        ("Adam lr=0.05 β1=0.9", adam(0.05), start),
        ("GD lr=0.0035", gd(3.5e-3), np.array([-1.5, 2.5])),
    ]
    paths = []
    for (label, up, st), col in zip(runs, COLORS):
        pts, div = _run(up, st)
        paths.append(PathLayer(pts, col, label, div))
    return surf, paths


def himmelblau_scene(n_grid: int = 200) -> tuple[SurfaceImage, list[PathLayer]]:
    xs = np.linspace(-5, 5, n_grid)
    ys = np.linspace(-5, 5, n_grid)
    gx, gy = np.meshgrid(xs, ys)
    z = (gx**2 + gy - 11) ** 2 + (gx + gy**2 - 7) ** 2
    minima = ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848127))
    surf = SurfaceImage(xs, ys, z, log_color=True, title="Himmelblau", minima=minima)
    t = np.linspace(0, 1, 501)
    paths = []
    for k, (m, col) in enumerate(zip(minima, COLORS)):
        m = np.array(m)
        ang = 2.5 * np.pi * (1 - t) * (1 if k % 2 else -1) + k
        rad = 4.0 * (1 - t) ** 1.5
        spiral = m + rad[:, None] * np.stack([np.cos(ang), np.sin(ang)], 1)
        zig = 0.25 * (1 - t) * np.sign(np.sin(60 * np.pi * t))
        spiral[:, 0] += zig
        paths.append(PathLayer(np.clip(spiral, -4.9, 4.9), col, f"spiral {k + 1} → min {k + 1}"))
    return surf, paths


def sweep_paths(n: int = 32, steps: int = 500, seed: int = 0) -> list[PathLayer]:
    """n paths from random starts to (1, 1) (a sweep; only 4 legend entries)."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 1, steps + 1)[:, None]
    out = []
    for k in range(n):
        st = rng.uniform([-1.8, -0.8], [1.8, 2.8])
        pts = st + (np.array([1.0, 1.0]) - st) * (1 - (1 - t) ** 3) + 0.05 * np.sin(40 * t) * rng.normal(size=2)
        out.append(PathLayer(pts, COLORS[k % 4], f"run {k % 4}" if k < 4 else ""))
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="artifacts/render")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--rotate", action="store_true", help="also time the turning 3-D camera (slow)")
    a = ap.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    surf, paths = rosenbrock_scene()
    hsurf, hpaths = himmelblau_scene()
    many = sweep_paths(32)
    opts = dict(size=(640, 480), fps=20, frames=a.frames, pause_s=1.5)
    cases = [
        ("GIF contour (Rosenbrock)", "rosenbrock_contour.gif", lambda: render_gif(surf, paths, **opts)),
        ("GIF contour (Himmelblau)", "himmelblau_contour.gif", lambda: render_gif(hsurf, hpaths, **opts)),
        ("GIF contour, 32 paths (sweep)", "rosenbrock_sweep32.gif", lambda: render_gif(surf, many, **opts)),
        ("GIF 3-D fixed camera", "rosenbrock_3d.gif", lambda: render_gif(surf, paths, style="3d", **opts)),
        ("MP4 contour", "rosenbrock_contour.mp4", lambda: render_mp4(surf, paths, **opts)),
        ("PNG contour (final frame)", "rosenbrock_contour.png", lambda: render_png(surf, paths, **opts)),
        ("PNG 3-D (final frame)", "rosenbrock_3d.png", lambda: render_png(surf, paths, style="3d", **opts)),
    ]
    if a.rotate:
        view = View3D(rotate_deg_per_frame=1.0)
        cases.append(
            (
                "GIF 3-D turning 1°/frame",
                "rosenbrock_3d_turning.gif",
                lambda: render_gif(surf, paths, style="3d", view3d=view, **opts),
            )
        )
    print(
        f"{a.frames} frames, 640x480, {len(paths)} paths x {paths[0].n_steps} steps; best of {a.repeat} after a warm-up\n"
    )
    print("| output | time (s) | size (KB) |")
    print("|---|---:|---:|")
    for name, fname, fn in cases:
        t, data = best_of(fn, a.repeat)
        with open(os.path.join(a.out, fname), "wb") as fh:
            fh.write(data)
        print(f"| {name} | {t:.3f} | {len(data) / 1024:.0f} |", flush=True)
        if fname.endswith(".gif"):
            _save_sample_frames(data, os.path.join(a.out, "frames"), fname[:-4])
    print(f"\noutputs in {a.out}/ (sample GIF frames as PNG in {a.out}/frames/)")


def _save_sample_frames(data: bytes, folder: str, stem: str) -> None:
    """First, middle and last frame of a GIF, decoded by Pillow, as PNG files."""
    import io

    from PIL import Image, ImageSequence

    os.makedirs(folder, exist_ok=True)
    im = Image.open(io.BytesIO(data))
    n = im.n_frames
    wanted = {0, n // 2, n - 1}
    for k, frame in enumerate(ImageSequence.Iterator(im)):
        if k in wanted:
            frame.convert("RGB").save(os.path.join(folder, f"{stem}_f{k:03d}.png"))


if __name__ == "__main__":
    main()
