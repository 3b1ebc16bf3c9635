"""Benchmark of the exporters: GIF (contour, 3-D, 1-D curve), MP4, PNG; and the render budget.

    python -m benchmarks.render [--out DIR] [--repeat 3]
    python -m benchmarks.render --budget      # limits per size, and CPU / RSS of the heaviest allowed renders

Builds a realistic scene with NumPy only (no project imports besides export):
Rosenbrock on a 200x200 grid (log colours) with four 500-step optimizer runs
(gradient descent, heavy-ball momentum, Adam, and gradient descent with a
learning rate that diverges), plus Himmelblau with four spiral / zig-zag paths, plus the 1-D view: four
500-step runs on f(x) = x² (the ball on the curve, θ against the iteration beside it).
Prints a Markdown table (best of N after a warm-up) and writes the outputs to
DIR (default artifacts/render).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

from export import CurveImage, PathLayer, SurfaceImage, View3D, render_gif, render_mp4, render_png

from .timing import best_of

COLORS = ("#e6194b", "#f58231", "#ffffff", "#00bcd4")
CURVE_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7")


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
    for k, (m_xy, col) in enumerate(zip(minima, COLORS)):
        m = np.array(m_xy)
        ang = 2.5 * np.pi * (1 - t) * (1 if k % 2 else -1) + k
        rad = 4.0 * (1 - t) ** 1.5
        spiral = m + rad[:, None] * np.stack([np.cos(ang), np.sin(ang)], 1)
        zig = 0.25 * (1 - t) * np.sign(np.sin(60 * np.pi * t))
        spiral[:, 0] += zig
        paths.append(PathLayer(np.clip(spiral, -4.9, 4.9), col, f"spiral {k + 1} → min {k + 1}"))
    return surf, paths


def curve_scene(n_steps: int = 500) -> tuple[CurveImage, list[PathLayer]]:
    """The 1-D view: f(x) = x² on [-2.5, 2.5], four gradient-descent runs from x = 2 (lr 0.1 crawls, 0.5 lands
    at once, 0.9 bounces and settles, momentum 0.9 overshoots and rings), iterates (x_t, f(x_t))."""
    xs = np.linspace(-2.5, 2.5, 600)
    curve = CurveImage(xs, xs**2, (-2.5, 2.5), (-0.4, 6.6), minima=(0.0,), minima_f=(0.0,), title="Parabola")
    paths = []
    for k, (lr, beta) in enumerate(((0.1, 0.0), (0.5, 0.0), (0.9, 0.0), (0.1, 0.9))):
        x, v, pts = 2.0, 0.0, [2.0]
        for _ in range(n_steps):
            v = beta * v + 2 * x
            x = x - lr * v
            pts.append(x)
        p = np.asarray(pts)
        paths.append(PathLayer(np.column_stack([p, p**2]), CURVE_COLORS[k], f"lr={lr}" + (" β=0.9" if beta else "")))
    return curve, paths


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


def heavy_paths(n: int = 64, steps: int = 10_000, seed: int = 0) -> list[PathLayer]:
    """The UI's own limits: 8 runs × 8 starts × 10 000 steps, converging onto Rosenbrock's minimum."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 1, steps + 1)[:, None]
    cols = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000", "#E69F00", "#56B4E9", "#882255")
    out = []
    for k in range(n):
        st = rng.uniform([-1.8, -0.8], [1.8, 2.8])
        pts = st + (np.array([1.0, 1.0]) - st) * (1 - (1 - t) ** 3) + 0.05 * np.sin(40 * t) * rng.normal(size=2)
        out.append(PathLayer(pts, cols[k % 8], f"run {k % 8}" if k < 8 else ""))
    return out


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _one_budget_case(spec: dict) -> dict:
    """Run one render (in this fresh process) three times; CPU and RSS around each."""
    surf, _ = rosenbrock_scene()
    paths = heavy_paths(spec["paths"], spec["steps"])
    fn = {"gif": render_gif, "mp4": render_mp4, "png": render_png}[spec["fmt"]]
    view = View3D() if spec["style"] == "3d" else None
    kw = dict(size=(spec["w"], spec["h"]), frames=spec["frames"], style=spec["style"], view3d=view)
    render_gif(surf, paths[:1], size=(160, 120), frames=2)  # warm-up: fonts, tables
    rows = []
    for _ in range(3):
        before = _rss_mb()
        c0, w0 = time.process_time(), time.perf_counter()
        ch0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        data = fn(surf, paths, **kw)
        ch1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = time.process_time() - c0 + (ch1.ru_utime + ch1.ru_stime) - (ch0.ru_utime + ch0.ru_stime)
        rows.append(
            dict(
                cpu=round(cpu, 2),
                wall=round(time.perf_counter() - w0, 2),
                rss_before=round(before),
                rss_after=round(_rss_mb()),
                peak=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                kb=len(data) // 1024,
            )
        )
        del data
    return dict(spec, runs=rows)


def budget_report() -> None:
    """Limits per size for a light and a heavy scene; the heaviest allowed renders measured (each in its own
    process, three times in a row: does the memory come back?)."""
    from export.budget import CPU_SECONDS, MEMORY_MB, SIZES, Job, estimate, limits
    from export.scene1d import every

    print(f"budget: {CPU_SECONDS:g} s CPU (this process + ffmpeg), {MEMORY_MB:g} MB per render\n")
    print("| scene | view | format | " + " | ".join(f"{w}×{h}" for w, h in SIZES) + " |")
    print("|---|---|---|" + "---:|" * len(SIZES))
    for label, paths, steps in (("4 paths × 500 steps", 4, 500), ("64 paths × 10 000 steps", 64, 10_000)):
        for style in ("contour", "3d", "curve"):
            k = every([PathLayer(np.zeros((steps + 1, 2)), "#000000")] * paths) if style == "curve" else 1
            drawn = 2 * paths if style == "curve" else paths  # a curve's θ panel twins
            for fmt in ("gif", "mp4"):
                pause = 30 if fmt == "mp4" else 0
                lim = limits(paths=drawn, steps=steps, style=style, fmt=fmt, pause_frames=pause, every=k)
                print(f"| {label} | {style} | {fmt} | " + " | ".join(str(lim[s]) for s in SIZES) + " |")
    cases: list[dict] = []
    for style, (w, h) in (("3d", (1280, 720)), ("contour", (1920, 1080)), ("contour", (1280, 720))):
        most = limits(paths=64, steps=10_000, style=style)[(w, h)]
        cases.append(dict(fmt="gif", style=style, w=w, h=h, frames=most, paths=64, steps=10_000))
    cases.append(dict(fmt="gif", style="3d", w=1280, h=720, frames=600, paths=4, steps=600))
    print("\nheaviest allowed renders, each in a fresh process, three times in a row (MB = RSS):\n")
    print("| render | predicted s / MB | CPU s | RSS before → after (peak) |")
    print("|---|---:|---:|---|")
    for spec in cases:
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.render", "--budget-case", json.dumps(spec)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        res = json.loads(out.strip().splitlines()[-1])
        view = View3D() if spec["style"] == "3d" else None
        est = estimate(
            Job(spec["fmt"], spec["w"], spec["h"], spec["frames"], spec["style"], view, spec["paths"], spec["steps"])
        )
        name = f"{spec['fmt'].upper()} {spec['style']} {spec['w']}×{spec['h']} × {spec['frames']} frames, {spec['paths']} × {spec['steps']}"
        cpu = " / ".join(str(r["cpu"]) for r in res["runs"])
        rss = ", ".join(f"{r['rss_before']} → {r['rss_after']} ({r['peak']})" for r in res["runs"])
        print(f"| {name} | {est.seconds:.1f} / {est.megabytes:.0f} | {cpu} | {rss} |", flush=True)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="artifacts/render")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--rotate", action="store_true", help="also time the turning 3-D camera (slow)")
    ap.add_argument("--budget", action="store_true", help="limits per size and the heaviest allowed renders")
    ap.add_argument("--budget-case", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.budget_case:
        print(json.dumps(_one_budget_case(json.loads(a.budget_case))))
        return
    if a.budget:
        budget_report()
        return
    os.makedirs(a.out, exist_ok=True)
    surf, paths = rosenbrock_scene()
    hsurf, hpaths = himmelblau_scene()
    many = sweep_paths(32)
    curve, cpaths = curve_scene()
    opts = dict(size=(640, 480), fps=20, frames=a.frames, pause_s=1.5)
    cases = [
        ("GIF contour (Rosenbrock)", "rosenbrock_contour.gif", lambda: render_gif(surf, paths, **opts)),
        ("GIF contour (Himmelblau)", "himmelblau_contour.gif", lambda: render_gif(hsurf, hpaths, **opts)),
        ("GIF contour, 32 paths (sweep)", "rosenbrock_sweep32.gif", lambda: render_gif(surf, many, **opts)),
        ("GIF 3-D fixed camera", "rosenbrock_3d.gif", lambda: render_gif(surf, paths, style="3d", **opts)),
        ("MP4 contour", "rosenbrock_contour.mp4", lambda: render_mp4(surf, paths, **opts)),
        ("PNG contour (final frame)", "rosenbrock_contour.png", lambda: render_png(surf, paths, **opts)),
        ("PNG 3-D (final frame)", "rosenbrock_3d.png", lambda: render_png(surf, paths, style="3d", **opts)),
        ("GIF 1-D curve, θ beside (parabola)", "parabola_curve.gif", lambda: render_gif(curve, cpaths, **opts)),
        ("PNG 1-D curve (final frame)", "parabola_curve.png", lambda: render_png(curve, cpaths, **opts)),
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
    n = getattr(im, "n_frames", 1)
    wanted = {0, n // 2, n - 1}
    for k, frame in enumerate(ImageSequence.Iterator(im)):
        if k in wanted:
            frame.convert("RGB").save(os.path.join(folder, f"{stem}_f{k:03d}.png"))


if __name__ == "__main__":
    main()
