"""A Scene: everything needed to reproduce what the app shows, as plain data.

The same description travels everywhere: the app keeps it in the URL
(``to_query``/``from_query``), the export tab downloads it as JSON
(``to_dict``/``from_dict``), the CLI's ``--config`` reads that JSON, and
``simulate`` turns it into trajectories.  Validation happens here, once, with
one-line messages (SpecError / FormulaError, both ValueError).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from surfaces import get_surface

from .optimizers import OPTIMIZERS
from .schedules import resolve_schedule
from .spec import SpecError
from .trajectory import DIVERGENCE_BOUND, MAX_STEPS, Noise, Trajectory, resolve_params, run

SCENE_VERSION = 1
MAX_RUNS = 8
MAX_STARTS = 8


def _canonical(v: Any) -> Any:
    if isinstance(v, str):
        low = v.strip().lower()
        if low in ("true", "false"):
            return low == "true"
        try:
            return float(low)
        except ValueError:
            return v  # left for validation to reject with a message
    if isinstance(v, bool) or (hasattr(v, "dtype") and v.dtype == bool):
        return bool(v)
    if isinstance(v, (int, float)) or hasattr(v, "dtype"):
        return float(v)
    return v


@dataclass(frozen=True)
class RunConfig:
    """One optimizer with its hyperparameter overrides (names as in the spec; defaults fill the rest)."""

    optimizer: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # One canonical form, so equal scenes compare equal whatever their source (JSON lists, URL strings,
        # tuples): grouped values such as betas=(0.9, 0.99) are split into beta1/beta2, numbers become floats.
        spec = OPTIMIZERS.get(self.optimizer)
        groups = spec.groups() if spec else {}
        flat: dict[str, Any] = {}
        for key, value in dict(self.params).items():
            if key in groups:
                flat.update({name: _canonical(part) for name, part in spec.split_group(key, value).items()})
            else:
                flat[key] = _canonical(value)
        object.__setattr__(self, "params", flat)

    def resolved(self) -> dict[str, Any]:
        return resolve_params(OPTIMIZERS[self.optimizer], self.params, 1)

    def label(self, with_params: bool = True, also: tuple[str, ...] = ()) -> str:
        """e.g. "Adam (lr=0.01, eps=0.1)": the name plus the learning rate, the hyperparameters that differ from
        the defaults, and those named in ``also`` (Scene.run_labels uses it to tell same-optimizer runs apart)."""
        spec = OPTIMIZERS[self.optimizer]
        if not with_params:
            return spec.name
        resolved = self.resolved()
        parts = []
        for p in spec.hyperparams:
            v = resolved[p.name]
            if p.name == "lr" or v != p.default or p.name in also:
                parts.append(f"{p.name}={_short(v)}")
        return f"{spec.name} ({', '.join(parts)})" if parts else spec.name


@dataclass(frozen=True)
class Scene:
    surface: str = "rosenbrock"  # a built-in id or a formula
    surface_params: Mapping[str, float] = field(default_factory=dict)
    # The first thing a visitor sees: along Rosenbrock's valley SGD creeps, momentum overshoots then
    # arrives, Adam takes steady steps of ~lr.
    runs: tuple[RunConfig, ...] = (
        RunConfig("sgd", {"lr": 2e-3}),
        RunConfig("momentum", {"lr": 1e-3}),
        RunConfig("adam", {"lr": 5e-2}),
    )
    starts: tuple[tuple[float, float], ...] = ()  # empty: the surface's default start
    steps: int = 500
    schedule: Mapping[str, Any] = field(default_factory=lambda: {"name": "constant"})
    noise_std: float = 0.0
    noise_seed: int = 0
    clip: float | None = None
    window: tuple[tuple[float, float], tuple[float, float]] | None = None  # view box; None: the surface's domain

    # ------------------------------------------------------------------ validation
    def validated(self) -> Scene:
        """Return self if every field is valid; raise SpecError/FormulaError with a one-line message."""
        surf = get_surface(self.surface, **dict(self.surface_params))
        if not self.runs:
            raise SpecError("add at least one optimizer run")
        if len(self.runs) > MAX_RUNS:
            raise SpecError(f"at most {MAX_RUNS} runs at once, got {len(self.runs)}")
        for r in self.runs:
            if r.optimizer not in OPTIMIZERS:
                raise SpecError(f"unknown optimizer {r.optimizer!r}; choose one of: {', '.join(OPTIMIZERS)}")
            r.resolved()
        if len(self.starts) > MAX_STARTS:
            raise SpecError(f"at most {MAX_STARTS} start points, got {len(self.starts)}")
        for s in self.starts:
            if len(s) != 2 or not all(math.isfinite(float(c)) for c in s):
                raise SpecError(f"a start point is two finite numbers, got {s!r}")
            if max(abs(float(c)) for c in s) > DIVERGENCE_BOUND:
                raise SpecError(f"start coordinates must be within ±{DIVERGENCE_BOUND:g}, got {s!r}")
        if not 1 <= int(self.steps) <= MAX_STEPS:
            raise SpecError(f"steps must be from 1 to {MAX_STEPS}, got {self.steps}")
        resolve_schedule(dict(self.schedule))
        Noise.coerce({"std": self.noise_std, "seed": self.noise_seed})
        if self.clip is not None and not (math.isfinite(self.clip) and self.clip > 0):
            raise SpecError(f"clip must be a positive number, got {self.clip}")
        if self.window is not None:
            (x0, x1), (y0, y1) = self.window
            if not (x0 < x1 and y0 < y1) or not all(map(math.isfinite, (x0, x1, y0, y1))):
                raise SpecError("the view window needs x min < x max and y min < y max")
        del surf
        return self

    def run_labels(self) -> list[str]:
        """One label per run, naming every hyperparameter that tells runs of the same optimizer apart
        (Momentum (lr=0.09, momentum=0.4) beside Momentum (lr=0.09, momentum=0.9), not just "(lr=0.09)")."""
        resolved = [r.resolved() for r in self.runs]
        labels = []
        for i, r in enumerate(self.runs):
            twins = [resolved[j] for j, o in enumerate(self.runs) if o.optimizer == r.optimizer and j != i]
            differing = tuple(k for k, v in resolved[i].items() if any(t[k] != v for t in twins))
            labels.append(r.label(also=differing))
        return labels

    def start_points(self) -> tuple[tuple[float, float], ...]:
        return tuple(self.starts) or (tuple(get_surface(self.surface, **dict(self.surface_params)).start),)

    def view_window(self):
        return self.window or get_surface(self.surface, **dict(self.surface_params)).domain

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        return {
            "version": SCENE_VERSION,
            "surface": self.surface,
            "surface_params": dict(self.surface_params),
            "runs": [{"optimizer": r.optimizer, "params": dict(r.params)} for r in self.runs],
            "starts": [list(map(float, s)) for s in self.starts],
            "steps": int(self.steps),
            "schedule": dict(self.schedule),
            "noise": {"std": float(self.noise_std), "seed": int(self.noise_seed)},
            "clip": self.clip,
            "window": [list(self.window[0]), list(self.window[1])] if self.window else None,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scene:
        if not isinstance(data, Mapping):
            raise SpecError("a scene config is a JSON object")
        known = {
            "version",
            "surface",
            "surface_params",
            "runs",
            "starts",
            "steps",
            "schedule",
            "noise",
            "clip",
            "window",
        }
        unknown = set(data) - known
        if unknown:
            raise SpecError(f"unknown scene field(s): {', '.join(sorted(unknown))}")
        try:
            runs = tuple(RunConfig(str(r["optimizer"]), dict(r.get("params", {}))) for r in data.get("runs", []))
            noise = data.get("noise") or {}
            window = data.get("window")
            scene = cls(
                surface=str(data.get("surface", "rosenbrock")),
                surface_params={k: float(v) for k, v in dict(data.get("surface_params") or {}).items()},
                runs=runs or cls().runs,
                starts=tuple((float(s[0]), float(s[1])) for s in data.get("starts") or ()),
                steps=int(data.get("steps", cls.steps)),
                schedule=dict(data.get("schedule") or {"name": "constant"}),
                noise_std=float(noise.get("std", 0.0)),
                noise_seed=int(noise.get("seed", 0)),
                clip=None if data.get("clip") is None else float(data["clip"]),
                window=None
                if window is None
                else ((float(window[0][0]), float(window[0][1])), (float(window[1][0]), float(window[1][1]))),
            )
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            if isinstance(exc, SpecError):
                raise
            raise SpecError(f"malformed scene config: {exc}") from None
        return scene.validated()

    @classmethod
    def from_json(cls, text: str) -> Scene:
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise SpecError(f"scene config is not valid JSON: {exc.msg} at line {exc.lineno}") from None
        return cls.from_dict(data)

    # ------------------------------------------------------------------ URL
    def to_query(self) -> dict[str, str]:
        """Readable URL parameters, e.g. ?surface=rosenbrock&run=adam:lr=0.01,beta1=0.8&start=-1.2,1&steps=300.

        Multiple runs/starts are separated by ';'. Defaults are omitted to keep links short.
        """
        q: dict[str, str] = {"surface": self.surface}
        if self.surface_params:
            q["sp"] = ",".join(f"{k}={_short(v)}" for k, v in self.surface_params.items())
        q["run"] = ";".join(
            r.optimizer + (":" + ",".join(f"{k}={_short(v)}" for k, v in r.params.items()) if r.params else "")
            for r in self.runs
        )
        if self.starts:
            q["start"] = ";".join(f"{_short(x)},{_short(y)}" for x, y in self.starts)
        q["steps"] = str(int(self.steps))
        sched = dict(self.schedule)
        if sched.get("name", "constant") != "constant":
            q["lrs"] = sched.pop("name") + (
                ":" + ",".join(f"{k}={_short(v)}" for k, v in sched.items()) if sched else ""
            )
        if self.noise_std:
            q["noise"] = f"{_short(self.noise_std)},{int(self.noise_seed)}"
        if self.clip is not None:
            q["clip"] = _short(self.clip)
        if self.window is not None:
            (x0, x1), (y0, y1) = self.window
            q["view"] = ",".join(_short(v) for v in (x0, x1, y0, y1))
        return q

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> Scene:
        """Inverse of to_query. Raises SpecError/FormulaError with a one-line message for a bad link."""
        base = cls()
        try:
            runs = base.runs
            if query.get("run"):
                runs = tuple(
                    RunConfig(name, _parse_kv(kv))
                    for name, kv in (_split_head(item) for item in query["run"].split(";") if item.strip())
                )
            starts = ()
            if query.get("start"):
                starts = tuple(_pair(item) for item in query["start"].split(";") if item.strip())
            schedule = {"name": "constant"}
            if query.get("lrs"):
                name, kv = _split_head(query["lrs"])
                schedule = {"name": name, **_parse_kv(kv)}
            noise_std, noise_seed = 0.0, 0
            if query.get("noise"):
                parts = query["noise"].split(",")
                noise_std = float(parts[0])
                noise_seed = int(parts[1]) if len(parts) > 1 else 0
            window = None
            if query.get("view"):
                x0, x1, y0, y1 = (float(v) for v in query["view"].split(","))
                window = ((x0, x1), (y0, y1))
            scene = cls(
                surface=query.get("surface", base.surface),
                surface_params={k: float(v) for k, v in _parse_kv(query.get("sp", "")).items()},
                runs=runs,
                starts=starts,
                steps=int(query.get("steps", base.steps)),
                schedule=schedule,
                noise_std=noise_std,
                noise_seed=noise_seed,
                clip=float(query["clip"]) if query.get("clip") else None,
                window=window,
            )
        except SpecError:
            raise
        except (TypeError, ValueError) as exc:
            raise SpecError(f"this link's scene is malformed ({exc})") from None
        return scene.validated()

    def with_(self, **changes: Any) -> Scene:
        return replace(self, **changes)


def simulate(scene: Scene) -> list[Trajectory]:
    """One Trajectory per run; each holds every start point (B = number of starts)."""
    surface = get_surface(scene.surface, **dict(scene.surface_params))
    starts = scene.start_points()
    noise = {"std": scene.noise_std, "seed": scene.noise_seed} if scene.noise_std else None
    return [
        run(
            surface,
            r.optimizer,
            starts,
            int(scene.steps),
            schedule=dict(scene.schedule),
            noise=noise,
            clip=scene.clip,
            **dict(r.params),
        )
        for r in scene.runs
    ]


def _short(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:.10g}"
    return str(v)


def _split_head(item: str) -> tuple[str, str]:
    head, _, rest = item.partition(":")
    return head.strip(), rest


def _parse_kv(text: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep:
            raise SpecError(f"expected name=value, got {part!r}")
        value = value.strip()
        low = value.lower()
        if low in ("true", "false"):
            out[key.strip()] = low == "true"
        else:
            out[key.strip()] = float(value)
    return out


def _pair(text: str) -> tuple[float, float]:
    parts = text.split(",")
    if len(parts) != 2:
        raise SpecError(f"a start point is x,y — got {text!r}")
    return float(parts[0]), float(parts[1])
