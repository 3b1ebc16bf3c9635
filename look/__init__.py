"""One drawing language for the screen and the exports: themes, value scales, ticks, number formats, fonts, the
surface picture and the view models of surfaces and runs.

viz (Plotly figures) and export (GIF / MP4 / PNG frames) both draw from here, so a run has the same colour, a
surface the same picture and colour bar, and a number the same format in the app and in a file.

    look = make_look("dark", scale=PRESENTATION, lang="zh")   # or Look() / DEFAULT: light, 1.0, English
    sv = surface_view(surface, window)                          # grid, ValueScale, minima
    runs = run_views(trajectories, labels)                      # RunView per run (colour = theme colour of its index)
    sv.picture(look.theme)                                      # the filled-contour picture (PNG data URI)
    cv = curve_view(curve, window)                              # a 1-D curve: samples, f range, minima

Layer: imports optim_core / surfaces / i18n only (and NumPy, Pillow for the raster and fonts); no Plotly.
"""

from .background import LEVELS, background_uri, pixel_size, render_rgb, to_data_uri
from .curve import CURVE_POINTS, CurveView, curve_view
from .fmt import MINUS, minus, nice_step, nice_ticks, num, point, sig, tick_label
from .grid import bilinear, resample, sample
from .look import DEFAULT, NORMAL, PRESENTATION, SCALE_RANGE, Look, LookError, make_look
from .model import GRID_N, RunView, SurfaceView, Window, run_view, run_views, surface_view
from .scale import ValueScale, fit_scale
from .theme import DARK, HIGH_CONTRAST, LIGHT, THEMES, Theme, blend, hex_to_rgb, rgb_to_hex, rgba, run_color

__all__ = [
    "CURVE_POINTS",
    "DARK",
    "DEFAULT",
    "GRID_N",
    "HIGH_CONTRAST",
    "LEVELS",
    "LIGHT",
    "MINUS",
    "NORMAL",
    "PRESENTATION",
    "SCALE_RANGE",
    "THEMES",
    "CurveView",
    "Look",
    "LookError",
    "RunView",
    "SurfaceView",
    "Theme",
    "ValueScale",
    "Window",
    "background_uri",
    "bilinear",
    "blend",
    "curve_view",
    "fit_scale",
    "hex_to_rgb",
    "make_look",
    "minus",
    "nice_step",
    "nice_ticks",
    "num",
    "pixel_size",
    "point",
    "render_rgb",
    "resample",
    "rgb_to_hex",
    "rgba",
    "run_color",
    "run_view",
    "run_views",
    "sample",
    "sig",
    "surface_view",
    "tick_label",
    "to_data_uri",
]
