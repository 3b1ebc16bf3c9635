"""One palette for every view: run colours, the surface colour scale, marker styles.

Run colours follow Okabe & Ito's colour-blind-safe set (Color Universal Design),
reordered so the first runs contrast most with each other and with the light
surface scale; pale yellow is left out (invisible on a light background).
The surface scale runs from near-white (low f) to slate blue (high f): light
enough that every run colour reads on it, projected or printed.
"""

from __future__ import annotations

import numpy as np

RUN_COLORS: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#000000",  # black
    "#E69F00",  # orange (after black: vermillion and orange are the closest pair, keep them apart)
    "#56B4E9",  # sky blue
    "#882255",  # wine (Tol), an eighth distinct hue
)

DIVERGED_COLOR = "#E8000B"  # the red ✕ where a run diverged
START_COLOR = "#FFFFFF"
MINIMUM_COLOR = "#FFD21F"
INK = "#1F2430"  # text and outlines
GRID_INK = "rgba(31, 36, 48, 0.55)"  # contour lines baked into the background

# (position, RGB) stops of the surface colour scale; the PNG background, the colour bar and the 3-D surface
# all use these stops, so a colour means the same value everywhere.
SURFACE_STOPS: tuple[tuple[float, tuple[int, int, int]], ...] = (
    (0.00, (255, 253, 240)),
    (0.15, (246, 238, 204)),
    (0.35, (214, 226, 210)),
    (0.55, (170, 200, 214)),
    (0.75, (126, 160, 196)),
    (1.00, (78, 104, 150)),
)
UNDEFINED_RGB = (200, 200, 200)


def run_color(i: int) -> str:
    """Colour of run i (stable: run i always has this colour in every view)."""
    return RUN_COLORS[i % len(RUN_COLORS)]


def rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[k : k + 2], 16) for k in (0, 2, 4))
    return f"rgba({r}, {g}, {b}, {alpha:g})"


def plotly_colorscale() -> list[list]:
    """The surface scale in Plotly's [[position, "rgb(...)"], ...] form."""
    return [[p, f"rgb({r}, {g}, {b})"] for p, (r, g, b) in SURFACE_STOPS]


def lut(n: int = 256) -> np.ndarray:
    """(n, 3) uint8 lookup table of the surface scale, linearly interpolated between the stops."""
    pos = np.array([p for p, _ in SURFACE_STOPS])
    rgb = np.array([c for _, c in SURFACE_STOPS], dtype=float)
    t = np.linspace(0.0, 1.0, n)
    out = np.stack([np.interp(t, pos, rgb[:, k]) for k in range(3)], axis=-1)
    return np.rint(out).astype(np.uint8)
