"""Themes: every colour and every stroke weight of the product, declared once.

A theme says how the screen's Plotly figures and the exported frames look: the run colours, the surface
colour scale, the markers (start, end, known minimum, the ✕ where a run diverged), text, axes, controls, and
how heavy lines and outlines are.  Three are declared:

* ``light`` — the everyday look: a cream-to-slate surface that every run colour reads on, projected or
  printed.  Run colours follow Okabe & Ito's colour-blind-safe set (Color Universal Design), reordered so the
  first runs contrast most with each other; pale yellow is left out (invisible on a light background).
* ``dark`` — a dark room or a dark slide deck: a navy-to-slate surface, bright run colours, light text.
* ``high_contrast`` — projectors that wash colours out: a surface scale that runs from white to deep blue,
  saturated run colours kept far apart, lines 1.5× as thick, markers larger, white halos around paths (in the
  exported frames and on screen).

Colours are "#RRGGBB" strings; the surface scale is (position, (r, g, b)) stops.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from i18n import N_

RGB = tuple[int, int, int]
Stops = tuple[tuple[float, RGB], ...]


def hex_to_rgb(color: str) -> RGB:
    h = color.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def rgb_to_hex(rgb: tuple[int, ...]) -> str:
    return "#{:02X}{:02X}{:02X}".format(*(int(v) for v in rgb[:3]))


def rgba(color: str, alpha: float) -> str:
    r, g, b = hex_to_rgb(color)
    return f"rgba({r}, {g}, {b}, {alpha:g})"


def blend(c1: tuple[int, ...], c2: tuple[int, ...], t: float) -> RGB:
    """The colour a fraction t of the way from c1 to c2."""
    r, g, b = (int(round(a + (b_ - a) * t)) for a, b_ in zip(c1, c2))
    return r, g, b


@dataclass(frozen=True)
class Theme:
    name: str  # id: "light", "dark", "high_contrast"
    label: str  # shown to users (translated through the catalogue)
    run_colors: tuple[str, ...]  # run i has colour run_colors[i % len]
    surface_stops: Stops  # low f (t = 0) … high f (t = 1)
    undefined: RGB  # where f is not defined (log(0), outside the grid)
    contour_line: RGB  # contour lines baked into the surface picture
    contour_alpha: float
    paper: str  # page and plot background
    ink: str  # text, axis titles, marker outlines
    muted: str  # secondary text (colour-bar title, notes)
    axis: str  # axis lines and ticks
    grid: str  # grid lines of line charts
    diverged: str  # the ✕ where a run diverged
    minimum: str  # fill of the known-minimum star
    halo: str  # ring around head markers and behind the ✕, path outlines when outline_mix == 1
    outline: str  # path outlines in exported frames blend the run colour towards this …
    outline_mix: float  # … by this much (1.0: the outline is this colour)
    outline_extra: float  # outline width beyond the path's core, in pixels at scale 1
    line_factor: float  # multiplies every line width
    marker_factor: float  # multiplies every marker size
    control: str  # buttons' background (Plotly draws the active button #F4FAFF in every theme)
    control_ink: str  # buttons' text
    control_border: str
    track: str  # the scrub slider's track
    pane: str  # the 3-D box's back walls (exported frames)
    categorical: tuple[str, ...]  # category colours (basins of attraction)
    metric_scale: str  # Plotly colour scale name for metric heatmaps (loss, steps, distance)
    metric_missing: str  # a metric heatmap's "diverged" cells
    plotly_template: str  # the explicit Plotly template (never Streamlit's placeholder template)
    # the step inspector's layers, (layer id, colour): the same colour for every run (the layer is what the
    # colour means), readable on this theme's surface; ids as explain.LAYERS declares them
    vectors: tuple[tuple[str, str], ...]
    screen_halo: bool = False  # on screen too, a wider line in the outline colour under every path (viz.halo)

    def run_color(self, i: int) -> str:
        """Colour of run i: stable, so run i has this colour in every view and every export."""
        return self.run_colors[i % len(self.run_colors)]

    def vector_color(self, layer: str) -> str:
        """Colour of the inspector's layer `layer` ("gradient", "step", "eff_lr" …) in this theme."""
        return dict(self.vectors)[layer]

    def run_rgb(self, i: int) -> RGB:
        return hex_to_rgb(self.run_color(i))

    def plotly_colorscale(self) -> list[list]:
        """The surface scale in Plotly's [[position, "rgb(...)"], ...] form."""
        return [[p, f"rgb({r}, {g}, {b})"] for p, (r, g, b) in self.surface_stops]

    def lut(self, n: int = 256) -> np.ndarray:
        """(n, 3) uint8 lookup table of the surface scale, linear between the stops."""
        pos = np.array([p for p, _ in self.surface_stops])
        rgb = np.array([c for _, c in self.surface_stops], dtype=float)
        t = np.linspace(0.0, 1.0, n)
        out = np.stack([np.interp(t, pos, rgb[:, k]) for k in range(3)], axis=-1)
        return np.rint(out).astype(np.uint8)

    def colorize(self, t: np.ndarray) -> np.ndarray:
        """t in [0, 1] (any shape; NaN allowed) → uint8 RGB (..., 3) on the surface scale; NaN → undefined."""
        t = np.asarray(t, dtype=np.float64)
        ok = np.isfinite(t)
        i = np.rint(np.clip(np.where(ok, t, 0.0), 0.0, 1.0) * 255.0).astype(np.intp)
        out = self.lut(256)[i]
        out[~ok] = self.undefined
        return out

    def path_outline(self, color: str | RGB) -> RGB:
        """Outline colour of a path drawn in `color` (exported frames)."""
        rgb = hex_to_rgb(color) if isinstance(color, str) else color
        return blend(rgb, hex_to_rgb(self.outline), self.outline_mix)

    def font_family(self, lang_code: str = "en") -> str:
        """CSS font stack of the figures (Chinese: a CJK face before the generic fallback)."""
        cjk = (
            "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', " if lang_code == "zh" else ""
        )
        return f"'Source Sans 3', 'Source Sans Pro', 'Helvetica Neue', Arial, {cjk}sans-serif"


OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")

LIGHT = Theme(
    name="light",
    label=N_("Light"),
    run_colors=(
        "#0072B2",  # blue
        "#D55E00",  # vermillion
        "#009E73",  # bluish green
        "#CC79A7",  # reddish purple
        "#000000",  # black
        "#E69F00",  # orange (after black: vermillion and orange are the closest pair, keep them apart)
        "#56B4E9",  # sky blue
        "#882255",  # wine (Tol), an eighth distinct hue
    ),
    surface_stops=(
        (0.00, (255, 253, 240)),
        (0.15, (246, 238, 204)),
        (0.35, (214, 226, 210)),
        (0.55, (170, 200, 214)),
        (0.75, (126, 160, 196)),
        (1.00, (78, 104, 150)),
    ),
    undefined=(200, 200, 200),
    contour_line=(31, 36, 48),
    contour_alpha=0.38,
    paper="#FFFFFF",
    ink="#1F2430",
    muted="#5A6272",
    axis="#9AA3B2",
    grid="#EEF1F5",
    diverged="#E8000B",
    minimum="#FFD21F",
    halo="#FFFFFF",
    outline="#000000",
    outline_mix=0.62,
    outline_extra=2.4,
    line_factor=1.0,
    marker_factor=1.0,
    control="#FFFFFF",
    control_ink="#1F2430",
    control_border="#C8CDD6",
    track="#E4E8EE",
    pane="#ECECEC",
    categorical=OKABE_ITO,
    metric_scale="Viridis",
    metric_missing="#9A9A9A",
    plotly_template="plotly_white",
    vectors=(
        ("gradient", "#C4161C"),  # red: downhill
        ("velocity", "#6A3D9A"),  # purple: what momentum carries
        ("step", "#1F2430"),  # ink: what actually happened
        ("lookahead", "#6A3D9A"),
        ("decay", "#00796B"),  # teal
        ("eff_lr", "#D98E04"),  # amber
    ),
)

DARK = Theme(
    name="dark",
    label=N_("Dark"),
    run_colors=(
        "#56B4E9",  # sky blue
        "#FF7A45",  # bright vermillion
        "#2FD4A0",  # bright bluish green
        "#E58AC0",  # pink-purple
        "#F0E442",  # yellow (reads on a dark surface)
        "#E69F00",  # orange
        "#FFFFFF",  # white
        "#B79CFF",  # lavender
    ),
    surface_stops=(
        (0.00, (14, 20, 36)),
        (0.15, (22, 34, 58)),
        (0.35, (32, 54, 84)),
        (0.55, (44, 78, 108)),
        (0.75, (64, 106, 134)),
        (1.00, (98, 142, 166)),
    ),
    undefined=(72, 72, 80),
    contour_line=(226, 232, 242),
    contour_alpha=0.24,
    paper="#0E131E",
    ink="#E6EAF2",
    muted="#A3ACBD",
    axis="#56607A",
    grid="#252D3C",
    diverged="#FF4D4F",
    minimum="#FFD21F",
    halo="#0E131E",
    outline="#000000",
    outline_mix=0.7,
    outline_extra=2.4,
    line_factor=1.0,
    marker_factor=1.0,
    control="#D5DBE6",
    control_ink="#0E131E",
    control_border="#3A4458",
    track="#2A3344",
    pane="#1B2230",
    categorical=("#E69F00", "#56B4E9", "#2FD4A0", "#F0E442", "#B79CFF", "#FF7A45", "#E58AC0"),
    metric_scale="Viridis",
    metric_missing="#5A5F6A",
    plotly_template="plotly_dark",
    vectors=(
        ("gradient", "#FF5A5F"),  # the same hues, lighter: they read on the navy surface
        ("velocity", "#C39BFF"),
        ("step", "#F2F4F8"),  # light ink: the light theme's dark ink vanishes here
        ("lookahead", "#C39BFF"),
        ("decay", "#3DD6B5"),
        ("eff_lr", "#FFB52E"),
    ),
)

HIGH_CONTRAST = Theme(
    name="high_contrast",
    label=N_("High contrast (projector)"),
    run_colors=(
        "#0057B8",  # strong blue
        "#E04000",  # vermillion
        "#007A4D",  # deep green
        "#C2007A",  # magenta
        "#000000",  # black
        "#F5A300",  # amber
        "#6A2FC9",  # violet
        "#00A3CC",  # cyan
    ),
    surface_stops=(
        (0.00, (255, 255, 255)),
        (0.20, (226, 231, 240)),
        (0.40, (186, 198, 220)),
        (0.60, (138, 158, 196)),
        (0.80, (90, 112, 162)),
        (1.00, (52, 68, 122)),
    ),
    undefined=(170, 170, 170),
    contour_line=(0, 0, 0),
    contour_alpha=0.55,
    paper="#FFFFFF",
    ink="#000000",
    muted="#202020",
    axis="#000000",
    grid="#C8C8C8",
    diverged="#E8000B",
    minimum="#FFD21F",
    halo="#FFFFFF",
    outline="#FFFFFF",
    outline_mix=1.0,
    outline_extra=4.0,
    line_factor=1.5,
    marker_factor=1.3,
    control="#FFFFFF",
    control_ink="#000000",
    control_border="#000000",
    track="#D0D0D0",
    pane="#E6E6E6",
    categorical=("#E69F00", "#0057B8", "#007A4D", "#F0E442", "#C2007A", "#E04000", "#00A3CC"),
    metric_scale="Cividis",
    metric_missing="#7A7A7A",
    plotly_template="plotly_white",
    vectors=(
        ("gradient", "#D00000"),  # saturated and darker: a projector washes pale colours out
        ("velocity", "#5A189A"),
        ("step", "#000000"),
        ("lookahead", "#5A189A"),
        ("decay", "#006B55"),
        ("eff_lr", "#B86E00"),
    ),
    screen_halo=True,
)

THEMES: dict[str, Theme] = {t.name: t for t in (LIGHT, DARK, HIGH_CONTRAST)}


def run_color(i: int, theme: Theme = LIGHT) -> str:
    """Colour of run i in a theme (the light theme by default)."""
    return theme.run_color(i)
