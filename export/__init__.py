"""Export of optimizer trajectories: GIF / MP4 / PNG bytes (Pillow + NumPy), CSV / JSON of the paths.

The renderers are pure functions of plain inputs (SurfaceImage or, for a 1-D curve, CurveImage; PathLayer), drawn in a look.Look (theme,
presentation scale, language) from the same look layer as the screen, so a frame matches the app.  Every
render is checked against a budget (≤ 5 s CPU, ≤ 300 MB) before it starts and streams its frames.

Modules, by job: inputs (what a render takes, option checks), kit (drawing kit: shapes, text, legend,
markers, palette), scene2d / scene3d / scene1d (the static picture of each style: contour, 3-D, curve), frames (the frame engine),
encode (GIF / MP4 / PNG writers), budget (cost model, limits, memory release), scene (a Scene to files),
data (CSV / JSON).
"""

from look import LIGHT, hex_to_rgb

from .budget import BudgetError, Cost, Job, estimate, limits, release_memory
from .encode import iter_frames, render_gif, render_mp4, render_png
from .frames import data_to_pixel
from .inputs import GIF_LIMITS, CurveImage, ExportError, PathLayer, SurfaceImage, View3D, frame_steps

#: Colour of the divergence marker (a red ✕) in the default (light) theme: the screen's colour.
DIVERGED_RGB = hex_to_rgb(LIGHT.diverged)

__all__ = [
    "DIVERGED_RGB",
    "GIF_LIMITS",
    "BudgetError",
    "Cost",
    "CurveImage",
    "ExportError",
    "Job",
    "PathLayer",
    "SurfaceImage",
    "View3D",
    "data_to_pixel",
    "estimate",
    "frame_steps",
    "iter_frames",
    "limits",
    "release_memory",
    "render_gif",
    "render_mp4",
    "render_png",
]
