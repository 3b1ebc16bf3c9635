"""The playback bar of the Trajectories view: a components-v2 element (it runs in the page, no iframe).

It drives the animation frames of the charts in the browser — play / pause, first / previous / next / last,
a step field, a scrub slider, four speeds, the keys Space ← → Home End and 1–9 (the header's lessons) — moves
a step cursor on the metric curves, sizes the map to fill its column (equal x/y scale, within the viewport),
and reports the step it settles on to Python (``st.session_state["player"]["step"]``), so the views that
depend on the current step (the step inspector) follow. The JavaScript is in player.js beside this file.

Its positions are the animation frames (at most viz.animation.MAX_FRAMES, spread over the steps), or, with the
step inspector on a map, every step 0 … S (:func:`per_step`): the inspector explains step t for every t, so → moves
exactly one step and the step field goes to exactly the typed step; the browser builds the map's frame of a step
when it shows it (player.js ``stepFrame``), and plays by advancing as many steps per tick as a frame covers.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import streamlit as st

from viz.animation import SPEED_LABELS, SPEEDS, frame_duration

from .text import _

HTML = """
<div class="pl-root" role="toolbar">
  <button type="button" class="pl-btn pl-first" aria-label="first">|◀</button>
  <button type="button" class="pl-btn pl-prev" aria-label="previous">◀</button>
  <button type="button" class="pl-btn pl-play pl-main">▶ Play</button>
  <button type="button" class="pl-btn pl-next" aria-label="next">▶</button>
  <button type="button" class="pl-btn pl-last" aria-label="last">▶|</button>
  <span class="pl-steplabel">step</span>
  <input class="pl-step" type="number" min="0" inputmode="numeric" aria-label="step"/>
  <span class="pl-total"></span>
  <span class="pl-speeds"></span>
  <input class="pl-range" type="range" min="0" value="0" aria-label="scrub"/>
</div>
"""

CSS = """
.pl-root { display: flex; flex-wrap: wrap; align-items: center; gap: 0.3rem 0.35rem; width: 100%;
  font-family: var(--st-font, sans-serif); font-size: var(--pl-font, 0.95rem); color: var(--st-text-color, #1F2430); }
.pl-btn, .pl-speed { border: 1px solid var(--pl-border, #C8CDD6); background: var(--st-background-color, #fff);
  color: inherit; border-radius: 0.4rem; padding: 0.18rem 0.55rem; cursor: pointer; font: inherit; line-height: 1.35; }
.pl-btn:hover, .pl-speed:hover { border-color: var(--st-primary-color, #0072B2); }
.pl-main { min-width: 6.2rem; font-weight: 600; }
.pl-speed.on { background: var(--st-primary-color, #0072B2); color: #fff; border-color: var(--st-primary-color, #0072B2); }
.pl-speeds { display: inline-flex; gap: 0.2rem; }
.pl-step { width: 4.6rem; border: 1px solid var(--pl-border, #C8CDD6); border-radius: 0.4rem; padding: 0.12rem 0.3rem;
  font: inherit; background: var(--st-background-color, #fff); color: inherit; }
.pl-steplabel, .pl-total { color: var(--st-text-color, #5B6475); opacity: 0.85; }
.pl-range { flex: 1 1 12rem; min-width: 8rem; accent-color: var(--st-primary-color, #0072B2); }
"""

_HERE = Path(__file__).parent
# hold.js (the old picture stays while Streamlit replaces a chart) is part of this module: it runs where the bar
# does, before any rerun replaces the charts the bar drives
_COMPONENT = st.components.v2.component(
    "optviz_player",
    html=HTML,
    css=CSS,
    js="\n".join((_HERE / name).read_text(encoding="utf-8") for name in ("hold.js", "player.js")),
)


def frame_info(fig) -> tuple[list[str], list[int]]:
    """(frame names, the step each frame shows) of an animated figure (viz.contour_figure)."""
    frames = fig.raw_frames if hasattr(fig, "raw_frames") else [f.to_plotly_json() for f in fig.frames]
    names = [f["name"] for f in frames or []]
    meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
    steps = list(meta.get("frame_steps") or [])
    if len(steps) != len(names):
        sliders = fig.layout.sliders
        steps = [int(float(s.label)) for s in sliders[0].steps] if sliders else list(range(len(names)))
    return names, [int(s) for s in steps]


def player(
    *,
    key: str,
    names: list[str],
    steps: list[int],
    charts: list[str],
    cursors: Sequence[str] = (),
    active: int | None = None,
    fit: dict[str, Any] | None = None,
    box: dict[str, Any] | None = None,
    overlay: dict[str, Any] | None = None,
    scene: str = "",
    hold_sides: bool = False,
    report_drawn: bool = False,
) -> Any:
    """Mount the playback bar. ``charts``: keys of the animated charts; ``cursors``: keys of charts with a
    "step-cursor" shape; ``fit``: how to size the map (see player.js); ``overlay``: what the step inspector
    draws on the map at the shown step (viz.inspector.overlay_data; None: nothing); ``report_drawn``: report the
    box once the map is drawn even if it did not change (a session's first run waits for it: ui.boot.map_first).

    With the inspector on a map (a 2-D overlay), the bar has one position per step 0 … last (:func:`per_step`):
    the browser builds the map's frame for a step when it shows it, from the figure's lazy frames."""
    n = len(names)
    return _COMPONENT(
        key=key,
        data={
            "frames": names,
            "steps": steps,
            "per_step": per_step(steps, overlay),  # None: one position per frame
            "charts": list(charts),
            "cursors": list(cursors),
            "active": active,  # None: the last frame (or, with the inspector on, the step shown before)
            "speed_labels": list(SPEED_LABELS),
            "speed_ms": [frame_duration(n, s) for s in SPEEDS],
            "speed_index": SPEEDS.index(1.0),
            "labels": {
                "play": _("Play"),
                "pause": _("Pause"),
                "first": _("First step"),
                "prev": _("Previous step (←)"),
                "next": _("Next step (→)"),
                "last": _("Last step"),
                "step": _("step"),
            },
            "fit": fit,
            "box": box or {},
            "overlay": overlay,
            "hold_sides": hold_sides,  # side views hidden until the last step (a lesson's open question)
            "scene": scene,  # reported back with the step: a report is only ever for the scene it was made on
            "report_drawn": report_drawn,
        },
        default={"step": None, "box": None},
        on_step_change=lambda: None,
        on_box_change=lambda: None,
    )


def per_step(steps: Sequence[int], overlay: dict[str, Any] | None) -> dict[str, int] | None:
    """``{"last": S}``: the bar has a position for every step 0 … S (the step inspector on a map: it explains
    step t, for every t), each frame built in the browser when shown; None: one position per animation frame
    (at most viz.animation.MAX_FRAMES, the default). "Every step 0 … S" needs no list."""
    if overlay is None or overlay.get("dim", 2) != 2 or not steps:
        return None
    return {"last": int(max(steps))}


STACKED_BAR_PX = 84  # the playback bar's height below a stacked map (two rows of buttons at 1024 px, margins)
HEADER_PX = 47  # Streamlit's header band over the page (2.9rem, ui/style.py)
DEFAULT_BOX = {
    "w": 780,
    "vh": 900,
    "top": 100,
    "ml": 44,
    "mr": 58,
    "mt": 16,
    "mb": 36,
    "main": 1100,
    "dpr": 1,
    "below": 0,  # px under the map that must stay in the viewport with it (the inspector's numbers, stacked)
}


def measured_box() -> dict[str, Any]:
    """What the browser last measured (player.js), else a laptop-sized guess."""
    got = (st.session_state.get("player") or {}).get("box")
    return {**DEFAULT_BOX, **got} if isinstance(got, dict) else dict(DEFAULT_BOX)


def map_height(box: dict[str, Any], aspect: float, *, present: bool = False) -> int:
    """The map's height in px: its plot area keeps the window's aspect (equal x/y scale) across the column's
    width, and fits in the viewport — but never shrinks below 61 % of the main column's width (at 1920×1080
    with the sidebar open that puts the x-axis labels just below the fold; the plot stays large).

    ``box["below"]`` (stacked columns with the step inspector on): the px under the map that must be on the
    screen with it (the bar and the step's numbers): the map and they fit the viewport under the header band
    once the map is scrolled to its top (what comes above the map on a phone leaves no room for both), with no
    floor."""
    plot_w = max(box["w"] - box["ml"] - box["mr"], 160)
    want = plot_w * aspect
    below = max(0, int(box.get("below") or 0))
    top = HEADER_PX if below else box["top"]
    room = box["vh"] - top - box["mt"] - box["mb"] - 10 - below
    if not below and box["main"] > 0 and box["w"] >= 0.9 * box["main"]:
        # the columns are stacked (a projector at 1024×768, a phone): the playback bar comes right below the
        # map and must be on screen with it — ▶ Play is what a teacher reaches for first
        room -= STACKED_BAR_PX
    floor = 0.61 * box["main"] * aspect if not (present or below) else 0
    plot_h = max(min(want, max(room, floor)), 240)
    return int(round(plot_h + box["mt"] + box["mb"]))
