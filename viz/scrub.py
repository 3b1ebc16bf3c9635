"""Live scrubbing: one run's paths for every value of one hyperparameter slider, ready for the browser.

While the pointer drags a hyperparameter slider the browser swaps the dragged run's path for the one
precomputed at the value under the thumb (ui/scrub.js draws it); on release the normal rerun draws the exact
figure.  This module computes those paths and packs them:

- one vectorized ``optim_core.run`` call per chunk of slider values (B = values × starts): the whole grid of an
  lr slider costs about as much as a few single runs.  With gradient noise every value runs on its own (the
  noise stream depends on the batch size), so each path is still exactly the one ``run()`` gives;
- each value's path is what the view draws for that run — (x, y) on a surface's contour map, (θ, f(θ)) on a
  1-D curve: the points up to the last finite one,
  decimated by an odd stride (the figure's own, raised if needed to stay under a point budget), starts joined
  by NaN rows; float32, since it is only drawn;
- memory is bounded per request: chunks of at most ``MAX_CELLS`` trajectory-steps per ``run`` call.

The binary form (``ScrubPaths.to_bytes``) is what the browser receives: a little-endian uint32 header length,
a UTF-8 JSON header, padding to 4 bytes, then float32 x, float32 y (the joined paths of every value, one after
the other), float32 heads (values × starts × 2).  ``from_bytes`` reads it back (tests, tools).
"""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from optim_core.scene import ResolvedScene
from optim_core.trajectory import run

POINT_BUDGET = 200_000
"""Most x/y pairs in one payload (float32: 1.6 MB of paths at most)."""
MAX_CELLS = 3_000_000
"""Most trajectory-steps (batch × (steps + 1)) in one run() call: bounds a request's memory (~150 MB)."""
MAX_VALUES = 256
"""Most slider values one payload covers (a slider has ~20–90)."""
FORMAT_VERSION = 1


@dataclass(frozen=True, eq=False)
class ScrubPaths:
    """Run ``run``'s drawn path for each value of hyperparameter ``param``.

    Value g, start b: ``xy[offsets[g]:offsets[g + 1]]`` is the path of value g (every start, joined by NaN
    rows, as the contour view's path trace), ``heads[g, b]`` its last drawn point, ``diverged_at[g, b]`` the
    step it diverged at (−1: it did not).  ``ok[g]`` is False for a value the run cannot take (outside the
    parameter's valid range): its path is empty."""

    run: int
    param: str
    values: np.ndarray  # (G,) float64
    ok: np.ndarray  # (G,) bool
    stride: int
    steps: int
    starts: int
    offsets: np.ndarray  # (G + 1,) int64
    xy: np.ndarray  # (N, 2) float32
    heads: np.ndarray  # (G, S, 2) float32
    diverged_at: np.ndarray  # (G, S) int64

    def path(self, g: int) -> np.ndarray:
        return self.xy[self.offsets[g] : self.offsets[g + 1]]

    @property
    def points(self) -> int:
        return int(len(self.xy))

    def header(self, **extra: Any) -> dict[str, Any]:
        return {
            "v": FORMAT_VERSION,
            "run": self.run,
            "param": self.param,
            "values": [float(v) for v in self.values],
            "ok": [bool(v) for v in self.ok],
            "stride": self.stride,
            "steps": self.steps,
            "starts": self.starts,
            "offsets": [int(o) for o in self.offsets],
            "diverged": [[int(d) for d in row] for row in self.diverged_at],
            **extra,
        }

    def to_bytes(self, **extra: Any) -> bytes:
        """The binary payload (see the module docstring); ``extra`` goes into the JSON header."""
        return pack(self.header(**extra), self.xy[:, 0], self.xy[:, 1], self.heads.reshape(-1))

    @classmethod
    def from_bytes(cls, blob: bytes) -> tuple[ScrubPaths, dict[str, Any]]:
        head, arrays = unpack(blob, 3)
        x, y, heads = arrays
        g, s = len(head["values"]), int(head["starts"])
        paths = cls(
            run=int(head["run"]),
            param=str(head["param"]),
            values=np.asarray(head["values"], dtype=float),
            ok=np.asarray(head["ok"], dtype=bool),
            stride=int(head["stride"]),
            steps=int(head["steps"]),
            starts=s,
            offsets=np.asarray(head["offsets"], dtype=np.int64),
            xy=np.stack([x, y], axis=1),
            heads=heads.reshape(g, s, 2),
            diverged_at=np.asarray(head["diverged"], dtype=np.int64).reshape(g, s),
        )
        return paths, head

    def nbytes(self) -> int:
        return len(self.to_bytes())


def pack(header: Mapping[str, Any], *arrays: np.ndarray) -> bytes:
    """uint32 header length, JSON header, zero padding to a multiple of 4, then each array as float32 (its
    length in the header's "lengths")."""
    flat = [np.ascontiguousarray(a, dtype="<f4").reshape(-1) for a in arrays]
    text = json.dumps({**header, "lengths": [int(a.size) for a in flat]}, separators=(",", ":")).encode()
    pad = (-(4 + len(text))) % 4
    return b"".join([struct.pack("<I", len(text)), text, b" " * pad, *(a.tobytes() for a in flat)])


def unpack(blob: bytes, n: int) -> tuple[dict[str, Any], list[np.ndarray]]:
    (size,) = struct.unpack_from("<I", blob, 0)
    head = json.loads(blob[4 : 4 + size].decode())
    pos = 4 + size + (-(4 + size)) % 4
    out = []
    for length in head["lengths"][:n]:
        out.append(np.frombuffer(blob, dtype="<f4", count=int(length), offset=pos))
        pos += 4 * int(length)
    return head, out


def odd_stride(stride: int) -> int:
    """An odd stride ≥ stride (odd: a zig-zag that alternates every step still alternates when decimated)."""
    stride = max(1, int(stride))
    return stride if stride % 2 else stride + 1


def payload_stride(n_values: int, n_starts: int, steps: int, *, at_least: int = 1, budget: int = POINT_BUDGET) -> int:
    """The smallest odd stride ≥ at_least whose paths, at most values × starts × (steps / stride + 2) points,
    fit the point budget."""
    stride = odd_stride(at_least)
    per = max(1, n_values * n_starts)
    while per * (steps // stride + 2) > budget and stride < steps:
        stride = odd_stride(stride + 2)
    return stride


def _keep(last: int, stride: int) -> np.ndarray:
    idx = np.arange(0, last + 1, stride)
    if idx[-1] != last:
        idx = np.append(idx, last)
    return idx


def _valid(spec_param, values: np.ndarray) -> np.ndarray:
    ok = np.isfinite(values)
    for g, v in enumerate(values):
        if ok[g]:
            try:
                spec_param.check_array(np.asarray([v]))
            except ValueError:
                ok[g] = False
    return ok


def scrub_paths(
    resolved: ResolvedScene,
    run_index: int,
    param: str,
    values: Sequence[float],
    *,
    stride: int = 1,
    budget: int = POINT_BUDGET,
    max_cells: int = MAX_CELLS,
) -> ScrubPaths:
    """The drawn path of run ``run_index`` for each value of ``param`` (the other hyperparameters, the starts,
    steps, schedule, noise and clipping as in the scene).  Raises ValueError (SpecError) for an unknown run or
    parameter."""
    from optim_core.spec import SpecError

    if not 0 <= run_index < len(resolved.runs):
        raise SpecError("there is no run {n}", n=run_index + 1)
    r = resolved.runs[run_index]
    spec_param = r.spec.param(param)  # SpecError for an unknown name
    if spec_param.kind != "float":
        raise SpecError("{name} is not a number to scrub", name=param)
    vals = np.asarray(list(values)[:MAX_VALUES], dtype=float)
    ok = _valid(spec_param, vals)
    starts = np.asarray(resolved.starts, dtype=float)
    n_starts, dim = starts.shape
    if dim not in (1, 2):
        raise SpecError("live scrubbing draws paths on a curve f(x) or a surface f(x, y)")
    steps = int(resolved.steps)
    stride = payload_stride(len(vals), n_starts, steps, at_least=stride, budget=budget)

    base = {k: v for k, v in r.config.params.items() if k != param}  # groups are already split (RunConfig)
    noise = {"std": resolved.noise.std, "seed": resolved.noise.seed} if resolved.noise else None
    common: dict[str, Any] = {
        "schedule": dict(r.schedule),  # the run's own schedule (a run may override the scene's)
        "noise": noise,
        "clip": resolved.clip,
        "batch_size": r.batch_size,
        "seed": resolved.batch_seed,
    }

    good = np.flatnonzero(ok)
    if noise is not None or r.batch_size is not None:
        # the noise / mini-batch stream depends on the batch: one value per call, exactly as run() gives it
        per_call = 1
    else:
        per_call = max(1, max_cells // max(1, n_starts * (steps + 1)))
    paths: dict[int, np.ndarray] = {}
    heads = np.full((len(vals), n_starts, 2), np.nan, dtype=np.float32)
    diverged = np.full((len(vals), n_starts), -1, dtype=np.int64)
    for c0 in range(0, len(good), per_call):
        chunk = good[c0 : c0 + per_call]
        k = len(chunk)
        arg: Any = float(vals[chunk[0]]) if k == 1 else np.repeat(vals[chunk], n_starts)
        traj = run(resolved.surface, r.spec, np.tile(starts, (k, 1)), steps, **common, **base, **{param: arg})
        # what the view draws: (x, y) on a surface's map, (θ, f(θ)) on a curve (viz.curve's path traces)
        pts = traj.points if dim == 2 else np.concatenate([traj.points, traj.loss[:, :, None]], axis=2)
        d_at = traj.diverged_at
        for j, g in enumerate(chunk):
            parts = []
            for b in range(n_starts):
                col = j * n_starts + b
                d = int(d_at[col])
                last = steps if d < 0 else max(d - 1, 0)
                keep = _keep(last, stride)
                xy = pts[keep, col, :]
                parts.append(xy)
                heads[g, b] = xy[-1]
                diverged[g, b] = d
            paths[int(g)] = _join(parts)
    blocks = [paths.get(g, np.zeros((0, 2))) for g in range(len(vals))]
    offsets = np.zeros(len(vals) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(b) for b in blocks])
    xy_all = np.concatenate(blocks, axis=0) if len(blocks) else np.zeros((0, 2))
    return ScrubPaths(
        run=run_index,
        param=param,
        values=vals,
        ok=ok,
        stride=stride,
        steps=steps,
        starts=n_starts,
        offsets=offsets,
        xy=_f32(xy_all),
        heads=heads,
        diverged_at=diverged,
    )


def _join(parts: list[np.ndarray]) -> np.ndarray:
    if len(parts) == 1:
        return parts[0]
    gap = np.full((1, 2), np.nan)
    out: list[np.ndarray] = []
    for k, p in enumerate(parts):
        if k:
            out.append(gap)
        out.append(p)
    return np.concatenate(out, axis=0)


def _f32(a: np.ndarray) -> np.ndarray:
    """float32 for drawing; values beyond float32 saturate instead of becoming inf."""
    a = np.asarray(a, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        a = np.where(np.isnan(a), np.nan, np.clip(a, -3e38, 3e38))
    return a.astype(np.float32)


def identity(resolved: ResolvedScene, run_index: int, param: str, values: Sequence[float]) -> str:
    """What a payload depends on, as a short stable id: run ``run_index`` of the scene with ``param`` left out
    (its value is what the slider moves), the starts, steps, schedule, noise, clipping and the slider values.
    Moving the slider itself keeps the id: the browser reuses the paths it has."""
    import hashlib

    d = json.loads(resolved.run_key(run_index))
    params = dict(d["runs"][0]["params"])
    params.pop(param, None)
    d["runs"][0]["params"] = params
    d["scrub"] = [param, [float(v) for v in values]]
    text = json.dumps(d, sort_keys=True, separators=(",", ":"))
    return hashlib.sha1(text.encode()).hexdigest()[:16]
