"""From a Scene and its trajectories to the renderer's inputs, and to files.

This is the one place that decides what an exported picture of a scene shows, and it decides it the way the
app does: the surface comes from look.surface_view on the app's grid (same grid, same value scale, same
picture), a 1-D curve from look.curve_view (the screen's samples and f range), the runs from look.run_views
(same labels, same colours), so the app's download buttons, ``python -m optim_core render`` and the screen agree
for the same scene and the same look.  :func:`scene_limits` tells the app which sizes and frame counts a render
of the scene may have before anything is drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from look import GRID_N, LIGHT, Look, RunView, curve_view, make_look, run_views, surface_view
from optim_core import Trajectory
from optim_core.scene import ResolvedScene, Scene, simulate

from . import budget, scene1d
from .data import paths_csv, paths_json
from .encode import render_gif, render_mp4, render_png
from .inputs import GIF_LIMITS, CurveImage, ExportError, PathLayer, SurfaceImage, View3D

FORMATS = ("gif", "mp4", "png", "csv", "json")
RUN_COLORS = LIGHT.run_colors  # the app's colours, so run i looks the same in a GIF as on screen


@dataclass(frozen=True)
class RenderOptions:
    size: tuple[int, int] = (640, 480)
    fps: float = 20.0
    frames: int = 150
    pause_s: float = 1.5
    loop: int = 0
    view: str = "contour"  # or "3d" (a surface); a 1-D curve is drawn as a curve
    theta: bool = True  # a 1-D curve: θ against the iteration beside it
    grid: int = GRID_N  # surface samples per axis: the app's grid, so the colours match the screen
    theme: str = LIGHT.name  # "light", "dark", "high_contrast"
    scale: float = 1.0  # presentation scale (fonts, lines, markers); 1.4 for a projector
    lang: str = "en"

    @property
    def look(self) -> Look:
        return make_look(self.theme, self.scale, self.lang)


def surface_image(scene: Scene, grid: int = GRID_N, look: Look | None = None) -> SurfaceImage:
    """The renderer's surface for a scene: the app's SurfaceView (grid, value scale, minima), its name in the
    look's language."""
    resolved = scene.resolve()  # the surface the scene means (a formula in x alone may be a 1-D curve)
    (x0, x1), (y0, y1) = resolved.window
    sv = surface_view(resolved.surface, ((x0, x1), (y0, y1)), grid, background=False)
    title = look.gettext(sv.name) if look is not None else sv.name
    return SurfaceImage.from_view(sv, title=title)


def curve_image(resolved: ResolvedScene, look: Look | None = None, theta: bool = True) -> CurveImage:
    """The renderer's curve for a 1-D scene: the screen's CurveView (samples, window, f range, minima), its name
    in the look's language."""
    cv = curve_view(resolved.surface, resolved.window)
    title = look.gettext(cv.name) if look is not None else cv.name
    return CurveImage.from_view(cv, title=title, theta=theta)


def run_layers(runs: Sequence[RunView], look: Look, colors: Sequence[str] | None = None) -> list[PathLayer]:
    """One PathLayer per (run, start), in the run's colour (the theme's, or `colors`); one legend row per run.

    On a surface a layer's points are the iterates (x, y); on a 1-D curve they are (x_t, f(x_t)), the iterates
    on the curve, as the screen's 1-D view draws them."""
    layers = []
    for run in runs:
        color = colors[run.index % len(colors)] if colors else look.color_of(run)
        one_d = run.points.shape[-1] == 1
        for b in range(run.batch):
            if one_d:
                f = np.nan_to_num(np.asarray(run.loss[:, b], dtype=float), nan=0.0, posinf=1e300, neginf=-1e300)
                points = np.column_stack([run.points[:, b, 0], f])
            else:
                points = np.asarray(run.points[:, b])
            layers.append(
                PathLayer(
                    points=points,
                    color=color,
                    label=run.label if b == 0 else "",
                    diverged_at=run.diverged_step(b),
                    values=run.loss[:, b] if not one_d else None,
                )
            )
    return layers


def path_layers(
    scene: Scene, trajectories: Sequence[Trajectory], colors: Sequence[str] | None = None, look: Look | None = None
) -> list[PathLayer]:
    look = look or Look()
    labels = [r.label_in(look.lang) for r in scene.resolve().runs]
    return run_layers(run_views(trajectories, labels), look, colors)


def export_scene(
    scene: Scene,
    fmt: str,
    options: RenderOptions = RenderOptions(),
    trajectories: Sequence[Trajectory] | None = None,
    colors: Sequence[str] | None = None,
    progress: Callable[[float], None] | None = None,
) -> bytes:
    """The scene as a file in `fmt` (gif, mp4, png, csv, json), drawn in ``options.look``.

    Raises a one-line UserError (ExportError, BudgetError, SpecError …).  ``progress`` (GIF, MP4) is called
    with the fraction of frames drawn."""
    fmt = fmt.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ExportError("unknown format {fmt}; use one of: {choices}", fmt=repr(fmt), choices=", ".join(FORMATS))
    look = options.look
    scene = scene.validated()
    trajs = list(trajectories) if trajectories is not None else simulate(scene)
    if fmt == "csv":
        return paths_csv(scene, trajs).encode()
    if fmt == "json":
        return paths_json(scene, trajs).encode()
    resolved = scene.resolve()
    image: SurfaceImage | CurveImage
    if resolved.dim == 1:
        image = curve_image(resolved, look, options.theta)
    else:
        image = surface_image(scene, options.grid, look)
    layers = path_layers(scene, trajs, colors, look)
    view3d = View3D() if options.view == "3d" else None
    if fmt == "png":
        return render_png(image, layers, size=options.size, style=options.view, view3d=view3d, look=look)
    render = render_gif if fmt == "gif" else render_mp4
    return render(
        image,
        layers,
        size=options.size,
        fps=options.fps,
        frames=options.frames,
        pause_s=options.pause_s,
        loop=options.loop,
        style=options.view,
        view3d=view3d,
        progress=progress,
        look=look,
    )


def scene_limits(resolved: ResolvedScene, options: RenderOptions, fmt: str = "gif") -> dict[tuple[int, int], int]:
    """For this scene and these options: each offered size (export.budget.SIZES) → the most frames a `fmt`
    render may have (0: the size is over budget whatever the frames).  Nothing is drawn or simulated; the app
    caps its frames slider and greys out sizes with it, and a render within these limits is not refused
    (the renderers build the same budget.Job: export.encode.job)."""
    n = len(resolved.runs) * len(resolved.starts)
    steps = int(resolved.steps)
    if resolved.dim == 1:
        style, view3d = "curve", None
        layers = 2 * n if options.theta else n  # the θ panel's twins
        every = scene1d.every_for(steps, n * steps)
    else:
        style, view3d = options.view, (View3D() if options.view == "3d" else None)
        layers, every = n, 1
    hold = int(round(options.pause_s * options.fps)) if fmt == "mp4" else 0
    top = int(GIF_LIMITS["frames"][1])
    return {
        (w, h): budget.max_frames(budget.Job(fmt, w, h, top, style, view3d, layers, steps, hold, every))
        for w, h in budget.SIZES
    }
