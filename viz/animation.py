"""Browser-side playback: which points each frame shows, and the play / pause / speed / scrub controls.

Frames carry only the path-related traces (paths, heads, divergence marks):
never the surface, which lives in a layout image the fast ``redraw=False``
path does not touch.  Each frame shows a prefix of the very arrays the static
figure holds, so the last frame *is* the full path and the hover data
(customdata of the static trace) lines up in every frame.

Payload: frames repeat path prefixes, so they cost ~F·M/2 points per path
(F frames, M points).  ``plan`` picks F and, only if needed, an odd decimation
stride (odd, so a zig-zag that alternates every step still alternates) to stay
under a point budget; the whole figure then stays well under 2 MB.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from look import DEFAULT, Look

from .style import font

FRAME_POINT_BUDGET = 90_000  # x/y pairs summed over all frames (float32 base64: ~0.96 MB)
MAX_FRAMES = 121
MIN_FRAMES = 41
VSYNC_MS = 1000.0 / 60.0
TARGET_PLAY_MS = 5000.0  # nominal length of a playback at 1×
SPEEDS = (0.25, 0.5, 1.0, 2.0)
SPEED_LABELS = ("¼×", "½×", "1×", "2×")


@dataclass(frozen=True)
class Plan:
    stride: int  # decimation stride of every path (1 = every step)
    frame_steps: np.ndarray  # (F,) step number shown by each frame
    keep: list[list[np.ndarray]]  # keep[r][b]: step indices drawn for run r, start b (always ends at last valid)
    last: list[np.ndarray]  # last[r]: (B,) last valid step of run r

    @property
    def n_frames(self) -> int:
        return len(self.frame_steps)


def _keep(last: int, stride: int) -> np.ndarray:
    idx = np.arange(0, last + 1, stride)
    if idx[-1] != last:
        idx = np.append(idx, last)
    return idx


def _cost(keep: list[list[np.ndarray]], frame_steps: np.ndarray) -> int:
    return int(sum(np.searchsorted(k, frame_steps, side="right").sum() for ks in keep for k in ks))


def plan(
    lasts: list[np.ndarray],
    *,
    budget: int = FRAME_POINT_BUDGET,
    max_frames: int = MAX_FRAMES,
    min_frames: int = MIN_FRAMES,
) -> Plan:
    """lasts[r]: (B,) last valid step index of each start of run r."""
    s_eff = max(1, max(int(np.max(l)) for l in lasts)) if lasts else 1
    n_frames = min(s_eff + 1, max_frames)
    stride = 1
    for _ in range(64):
        keep = [[_keep(int(l), stride) for l in ls] for ls in lasts]
        frame_steps = np.unique(np.rint(np.linspace(0, s_eff, n_frames)).astype(int))
        cost = _cost(keep, frame_steps)
        if cost <= budget:
            break
        if n_frames > min_frames:
            n_frames = max(min_frames, int(n_frames * budget / cost))
        else:
            grow = max(2, int(np.ceil(stride * (cost / budget - 1.0))))
            stride += grow + (grow % 2)  # stay odd
    return Plan(stride=stride, frame_steps=frame_steps, keep=keep, last=[np.asarray(l) for l in lasts])


def quantize_ms(ms: float) -> int:
    """A frame duration just under a whole number of display refreshes (60 Hz).

    Browsers advance animations on refresh ticks, so 50 ms really takes 4 ticks (66.7 ms) while 48 ms takes 3
    (50 ms): measured in headless Chromium, 50 ms frames played 1.29× slower than nominal, 48 ms 1.05×.
    """
    ticks = max(1, int(round((ms + 2.0) / VSYNC_MS)))
    return int(ticks * VSYNC_MS - 2.0)


def base_ticks(n_frames: int) -> int:
    """Refresh ticks per frame at 1×: even and ≥ 4, so 2× (half as many ticks, ≥ 2: a frame every other
    refresh is what a browser sustains) and ½×, ¼× are exact multiples; aims at TARGET_PLAY_MS per playback."""
    ticks = TARGET_PLAY_MS / max(n_frames, 1) / VSYNC_MS
    return int(min(16, max(4, 2 * round(ticks / 2))))


def frame_duration(n_frames: int, speed: float = 1.0) -> int:
    """Milliseconds per frame at a speed from SPEEDS (exact ratios between the speeds)."""
    ticks = max(1, int(round(base_ticks(n_frames) / speed)))
    return int(ticks * VSYNC_MS - 2.0)


def controls(
    frame_names: list[str], frame_labels: list[str], *, active_frame: int | None = None, look: Look = DEFAULT
) -> dict:
    """layout.updatemenus + layout.sliders for play / pause / speed / scrub (no server round trip)."""
    _ = look.lang
    th = look.theme
    n = len(frame_names)
    speed_ms = [frame_duration(n, s) for s in SPEEDS]
    one_x = SPEEDS.index(1.0)

    def anim(ms: int) -> dict:
        return {
            "frame": {"duration": ms, "redraw": False},
            "transition": {"duration": 0},
            "fromcurrent": True,
            "mode": "immediate",
        }

    play = {
        "type": "buttons",
        "direction": "left",
        "showactive": False,
        "name": "playback",
        "x": 0.0,
        "xanchor": "left",
        "y": 1.0,
        "yanchor": "bottom",
        "pad": {"r": 4, "t": 0, "b": 10},
        "bgcolor": th.control,
        "bordercolor": th.control_border,
        "font": font(look, 14, th.control_ink),
        "buttons": [
            {"label": "▶ " + _("Play"), "method": "animate", "args": [None, anim(speed_ms[one_x])]},
            {
                "label": "❚❚ " + _("Pause"),
                "method": "animate",
                "args": [
                    [None],
                    {"frame": {"duration": 0, "redraw": False}, "transition": {"duration": 0}, "mode": "immediate"},
                ],
            },
        ],
    }
    speed = {
        "type": "buttons",
        "direction": "left",
        "showactive": True,
        "active": one_x,
        "name": "speed",
        "x": 0.0,
        "xanchor": "left",
        "y": 1.0,
        "yanchor": "bottom",
        "pad": {"r": 4, "t": 0, "b": 10, "l": int(176 * look.scale)},  # clear of ▶ Play ❚❚ Pause
        "bgcolor": th.control,
        "bordercolor": th.control_border,
        "font": font(look, color=th.control_ink),
        "buttons": [
            {"label": lab, "method": "relayout", "args": [{"updatemenus[0].buttons[0].args[1].frame.duration": ms}]}
            for lab, ms in zip(SPEED_LABELS, speed_ms)
        ],
    }
    slider = {
        "active": n - 1 if active_frame is None else active_frame,
        "name": "scrub",
        "x": 0.0,
        "len": 1.0,
        "xanchor": "left",
        "y": 0.0,
        "yanchor": "top",
        "pad": {"t": int(30 * look.scale), "b": 0, "l": 0, "r": 0},
        "ticklen": 0,
        "minorticklen": 0,
        "tickcolor": "rgba(0,0,0,0)",
        "font": {"size": 1, "color": "rgba(0,0,0,0)"},
        "bgcolor": th.track,
        "activebgcolor": th.run_color(0),
        "bordercolor": th.control_border,
        "currentvalue": {
            "prefix": _("step") + " ",
            "visible": True,
            "xanchor": "right",
            "font": font(look),
            "offset": 4,
        },
        "steps": [
            {
                "label": lab,
                "method": "animate",
                "args": [
                    [name],
                    {"frame": {"duration": 0, "redraw": False}, "transition": {"duration": 0}, "mode": "immediate"},
                ],
            }
            for name, lab in zip(frame_names, frame_labels)
        ],
    }
    return {"updatemenus": [play, speed], "sliders": [slider]}


# ----------------------------------------------------------------------------- frames rebuilt in the browser
# A frame that reveals a path repeats its points up to the frame's step: 119 frames of 6 paths were 87 % of the
# contour figure's bytes.  With ``lazy_frames`` the figure builders write such frame entries as references to
# the static figure (whose traces are the last frame: the whole paths), and ``lazy`` moves the frames into
# ``layout.meta.lazy_frames``; the browser (ui/player.js ``lazyFrames``) expands them back into the very same
# Plotly frames (Plotly.addFrames) before anything plays them.  The entries:
#   {"cut": [c0, c1, …], "k": keys}        the first c_b rows of each NaN-separated segment (one per start) of
#                                          the trace the entry animates, for its arrays ``keys``
#   {"pick": [r0, r1, …], "run": r, "k": keys}  rows r_i of the run's path trace (meta role "path", run r):
#                                          an end marker at the last shown point of each start
# Any other entry is a plain Plotly frame entry, kept as it is.
ARRAY_KEYS = ("x", "y", "z", "customdata")


def cut_entry(counts: list[int], keys: tuple[str, ...] = ("x", "y"), **rest: object) -> dict:
    return {"type": "scatter", **rest, "cut": [int(c) for c in counts], "k": list(keys)}


def pick_entry(run: int, rows: list[int], keys: tuple[str, ...] = ("x", "y", "customdata"), **rest: object) -> dict:
    return {"type": "scatter", **rest, "pick": [int(r) for r in rows], "run": int(run), "k": list(keys)}


def segment_starts(keep: list[np.ndarray]) -> list[int]:
    """Row of each start's first point in a path trace that joins ``keep``'s rows with one NaN row between."""
    out, row = [], 0
    for k in keep:
        out.append(row)
        row += len(k) + 1
    return out


def lazy(fig: Any) -> Any:
    """Move a figure's frames (with cut / pick entries) into layout.meta.lazy_frames; the figure has no frames
    left for plotly.py to validate, serialize or send.  Returns the same figure."""
    raw = list(getattr(fig, "raw_frames", None) or [])
    if not raw:
        return fig
    meta = dict(fig.layout.meta) if isinstance(fig.layout.meta, dict) else {}
    meta["lazy_frames"] = [
        {"name": f.get("name"), "traces": list(f.get("traces") or []), "data": f["data"]} for f in raw
    ]
    fig.layout.meta = meta
    fig.clear_frames()
    return fig


def _values(v: object) -> np.ndarray | None:
    from .figure import decode

    if v is None or isinstance(v, str):
        return None
    try:
        return np.asarray(decode(v) if isinstance(v, dict) else np.asarray(v, dtype=float), dtype=np.float64)
    except (TypeError, ValueError):
        return None


def _segments(x: np.ndarray) -> list[int]:
    """Start row of each run of rows between the NaN gap rows of a joined path."""
    nan = np.isnan(x if x.ndim == 1 else x[:, 0])
    return [0, *(int(i) + 1 for i in np.flatnonzero(nan))]


def expand_frames(fig: Any) -> list[dict]:
    """What player.js does in the browser, in Python (tests compare it with the eager frames): the frames of
    layout.meta.lazy_frames as plain entries, arrays as float64 NumPy arrays (NaN rows between starts)."""
    meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
    frames = []
    paths = {
        (tr.meta or {}).get("run"): t
        for t, tr in enumerate(fig.data)
        if isinstance(tr.meta, dict) and tr.meta.get("role") == "path"
    }
    for fr in meta.get("lazy_frames") or []:
        data = []
        for t, item in zip(fr["traces"], fr["data"]):
            if "cut" not in item and "pick" not in item:
                data.append(item)
                continue
            src = fig.data[t if "cut" in item else paths[item["run"]]]
            x = _values(src.x)
            assert x is not None
            if "cut" in item:
                rows: list[int] = []
                for b, (s, c) in enumerate(zip(_segments(x), item["cut"])):
                    rows += ([-1] if b else []) + list(range(s, s + c))
            else:
                rows = list(item["pick"])
            idx = np.asarray(rows, dtype=int)
            entry = {k: v for k, v in item.items() if k not in ("cut", "pick", "run", "k")}
            for k in item["k"]:
                a = _values(getattr(src, k))
                assert a is not None
                got = a[np.maximum(idx, 0)].astype(np.float64)
                got[idx < 0] = np.nan
                entry[k] = got
            data.append(entry)
        frames.append({"name": fr["name"], "traces": fr["traces"], "data": data})
    return frames


# ----------------------------------------------------------------------------- a frame per step, built when shown
# With the step inspector on, the playback bar has a position for every step 0 … S, not one per frame: the frame
# of step t is built in the browser when the bar shows t (ui/player.js ``stepFrame``), from the same references
# (the last lazy frame's entries, which cover every animated trace) and handed to Plotly.animate as a frame
# object; nothing per step is sent, and no named frame is added.  ``expand_step`` is that function in Python
# (the tests compare it with the frames at the frames' own steps, and with run() between them).
def _path_rows(fig: Any) -> tuple[dict[int, int], dict[int, np.ndarray]]:
    """(run → its path trace, run → the step of every row of that trace: its customdata's first column)."""
    paths, steps = {}, {}
    for t, tr in enumerate(fig.data):
        if isinstance(tr.meta, dict) and tr.meta.get("role") == "path":
            r = int(tr.meta["run"])
            paths[r] = t
            cd = _values(tr.customdata)
            assert cd is not None
            steps[r] = cd.reshape(len(cd), -1)[:, 0]
    return paths, steps


def expand_step(fig: Any, t: int, exact: dict[str, Any] | None = None) -> dict:
    """The frame of step ``t`` as ui/player.js ``stepFrame`` builds it (arrays as float64, NaN gap rows).

    Every path shows the rows of its static trace whose step is ≤ t (the static path is every ``stride``-th step,
    stride 1 unless the scene is large).  ``exact``: one run's every point, ``{"run": r, "points": (S+1, B, 2),
    "loss": (S+1, B)}`` (the inspector's overlay): that run's path then continues at stride 1 from its last
    kept row to θ_t, and its end marker is θ_t.  Other entries (divergence marks, events) are those of the
    latest lazy frame at or before t."""
    meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
    spec = list(meta.get("lazy_frames") or [])
    if not spec:
        raise ValueError("a figure without lazy frames")
    frame_steps = [int(s) for s in meta.get("frame_steps") or []]
    tmpl = spec[-1]
    fi = max([i for i, s in enumerate(frame_steps[: len(spec)]) if s <= t] or [0])
    plain = spec[fi]
    paths, row_steps = _path_rows(fig)

    def shown(r: int) -> list[tuple[int, int, int, int]]:
        """Per start: (first row, rows shown, the last shown step, the last valid step)."""
        x = _values(fig.data[paths[r]].x)
        assert x is not None
        starts = _segments(x)
        ends = [s - 1 for s in starts[1:]] + [len(x)]
        steps = row_steps[r]
        out = []
        for a, e in zip(starts, ends):
            c = max(1, int(np.searchsorted(steps[a:e], t, side="right")))
            out.append((a, c, int(steps[a + c - 1]), int(steps[e - 1])))
        return out

    def extra(r: int, b: int, last: int, valid: int) -> np.ndarray:
        """(k, 4): x, y, step, f of the exact run's steps last+1 … min(t, valid)."""
        if exact is None or int(exact["run"]) != r:
            return np.zeros((0, 4))
        ks = np.arange(last + 1, min(t, valid) + 1)
        pts = np.asarray(exact["points"], dtype=np.float64)[ks, b, :2]
        loss = exact.get("loss")
        f = np.asarray(loss, dtype=np.float64)[ks, b] if loss is not None else np.full(len(ks), np.nan)
        return np.column_stack([pts, ks.astype(float), f])

    data = []
    for j, (tr, item) in enumerate(zip(tmpl["traces"], tmpl["data"])):
        if "cut" not in item and "pick" not in item:
            data.append(plain["data"][j])
            continue
        if "cut" in item:
            src = fig.data[tr]
            r = int((src.meta or {})["run"])
        else:
            r = int(item["run"])
            src = fig.data[paths[r]]
        sh = shown(r)
        entry = {k: v for k, v in item.items() if k not in ("cut", "pick", "run", "k")}
        for key in item["k"]:
            a = _values(getattr(src, key))
            assert a is not None
            a = a.reshape(len(a), -1)
            cols = {"x": [0], "y": [1], "customdata": [2, 3]}[key]
            parts: list[np.ndarray] = []
            if "cut" in item:
                seg = _segments(_values(src.x))  # type: ignore[arg-type]
                for b, (_a, c, last, valid) in enumerate(sh):
                    if b:
                        parts.append(np.full((1, a.shape[1]), np.nan))
                    parts.append(a[seg[b] : seg[b] + c])
                    parts.append(extra(r, b, last, valid)[:, cols])
            else:
                for b, (a0, c, last, valid) in enumerate(sh):
                    more = extra(r, b, last, valid)
                    parts.append(more[-1:, cols] if len(more) else a[a0 + c - 1 : a0 + c])
            got = np.concatenate(parts).astype(np.float32).astype(np.float64)
            entry[key] = got[:, 0] if got.shape[1] == 1 else got
        data.append(entry)
    return {"traces": list(tmpl["traces"]), "data": data}
