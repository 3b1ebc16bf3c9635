"""A Scene: everything needed to reproduce what the app shows, as plain data.

The same description travels everywhere: the app keeps it in its widgets and the URL (the URL codec lives in
the UI layer, ``ui/url.py``), the export tab downloads it as JSON (``to_json`` / ``from_json``), the CLI's
``--config`` reads that JSON.  A scene is **validated once** into a :class:`ResolvedScene` —
``scene.resolve()`` — which holds the surface object, each run's resolved hyperparameters and label, the
start points as an array, the schedule, noise and clipping, the view window and one canonical ``key`` for
caches; ``resolved.simulate()`` turns it into trajectories.  Bad input raises ``SpecError`` / ``FormulaError``
(``i18n.UserError``: one line, translatable).

Files from users are hostile: :meth:`Scene.from_json` takes bytes or text, accepts a UTF-8 byte-order mark,
rejects invalid UTF-8, more than ``MAX_CONFIG_BYTES``, nesting deeper than ``MAX_JSON_DEPTH``, NaN / Infinity
and numbers that overflow, each with its own one-line message.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from dataclasses import replace as dc_replace
from functools import cached_property
from typing import Any

import numpy as np

import i18n
from i18n import N_
from surfaces import SURFACES, Surface, get_surface

from .batches import check_batch
from .optimizers import OPTIMIZERS
from .schedules import SCHEDULES, resolve_schedule
from .spec import OptimizerSpec, SpecError
from .trajectory import DIVERGENCE_BOUND, MAX_STEPS, Noise, Trajectory, resolve_params, run

SCENE_VERSION = 1
MAX_RUNS = 8
MAX_STARTS = 8
MAX_CONFIG_BYTES = 100_000
MAX_JSON_DEPTH = 12
MAX_NOISE_SEED = 2**31 - 1
SCENE_FIELDS = (
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
    "batch",
)


def short(v: Any, digits: int = 10) -> str:
    """A value as a short, exact-looking token: 0.01, 1e-08, true; huge or odd values stay short."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        text = str(int(v))
        return text if len(text) <= 15 else f"{float(v):.3g}"
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.{digits}g}"
    text = str(v)
    return text if len(text) <= 40 else text[:37] + "…"


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
    """One optimizer with its hyperparameter overrides (names as in the spec; defaults fill the rest), and
    optionally its own learning-rate schedule (None: the scene's), so one scene can put a constant lr beside
    warm-up + cosine."""

    optimizer: str
    params: Mapping[str, Any] = field(default_factory=dict)
    schedule: Mapping[str, Any] | None = None
    batch_size: int | None = None  # on a dataset surface: this run's mini-batch size (None: the scene's)

    def __post_init__(self) -> None:
        # One canonical form, so equal scenes compare equal whatever their source (JSON lists, URL strings,
        # tuples): grouped values such as betas=(0.9, 0.99) are split into beta1/beta2, numbers become floats.
        spec = OPTIMIZERS.get(self.optimizer)
        groups = spec.groups() if spec else {}
        flat: dict[str, Any] = {}
        for key, value in dict(self.params).items():
            if spec is not None and key in groups:
                flat.update({name: _canonical(part) for name, part in spec.split_group(key, value).items()})
            else:
                flat[str(key)] = _canonical(value)
        object.__setattr__(self, "params", flat)
        if self.schedule is not None:
            sched = {str(k): (v if k == "name" else _canonical(v)) for k, v in dict(self.schedule).items()}
            object.__setattr__(self, "schedule", sched)

    @property
    def spec(self) -> OptimizerSpec:
        spec = OPTIMIZERS.get(self.optimizer)
        if spec is None:
            raise SpecError(
                "unknown optimizer {name}; choose one of: {choices}",
                name=repr(short(self.optimizer)),
                choices=", ".join(OPTIMIZERS),
            )
        return spec

    def resolved(self) -> dict[str, Any]:
        """Every hyperparameter, defaults filled in, validated (raises SpecError)."""
        return resolve_params(self.spec, self.params, 1)

    def label(self, with_params: bool = True, also: tuple[str, ...] = ()) -> str:
        """e.g. "Adam (lr=0.01, eps=0.1)": the name plus the learning rate, the hyperparameters that differ from
        the defaults, and those named in ``also`` (Scene.run_labels uses it to tell same-optimizer runs apart)."""
        return run_label(self.spec, self.resolved(), also) if with_params else self.spec.name


def run_label(
    spec: OptimizerSpec, resolved: Mapping[str, Any], also: tuple[str, ...] = (), lang: i18n.Lang | None = None
) -> str:
    """ "Adam (lr=0.01, eps=0.1)": hyperparameters by their reference names (what torch users know); a textbook
    form of the rule by its name, in `lang` (e.g. "Adam (lr=0.1, no bias correction)"), not as its switch."""
    tr = lang or i18n.get("en")
    parts = []
    for p in spec.hyperparams:
        if p.variant:  # a switch to a textbook form: named below
            continue
        v = resolved[p.name]
        if p.name == "lr" or v != p.default or p.name in also:
            parts.append(f"{p.name}={short(v, 4)}")
    flags = {p.name: p.default for p in spec.hyperparams if p.variant}
    named: set[tuple] = set()
    for variant in spec.variants:  # the first variant of each switch setting names it (two may share one)
        switches = variant.params
        chosen = switches and set(switches) <= set(flags) and all(resolved.get(k) == v for k, v in switches.items())
        setting = tuple(sorted(switches.items()))
        if chosen and setting not in named and any(flags[k] != v for k, v in switches.items()):
            named.add(setting)
            parts.append(tr(variant.name))
    return f"{spec.name} ({', '.join(parts)})" if parts else spec.name


@dataclass(frozen=True, eq=False)
class ResolvedRun:
    """One run of a resolved scene: its spec, every hyperparameter (defaults filled in), its schedule (its own
    or the scene's) and its label."""

    index: int
    config: RunConfig
    spec: OptimizerSpec
    params: Mapping[str, Any]
    label: str  # in English; label_in(lang) for the page's language
    schedule: Mapping[str, Any] = field(default_factory=lambda: {"name": "constant"})
    batch_size: int | None = None  # None: the full batch (or no data)
    label_also: tuple[str, ...] = ()  # hyperparameters named because a same-optimizer twin differs in them
    label_suffixes: tuple[tuple[str, Mapping[str, Any]], ...] = ()  # (template, params): "· cosine", "· batch 16"

    def label_in(self, lang: i18n.Lang | None) -> str:
        """The label in `lang` (variant names and the batch suffix translated; the numbers as they are)."""
        tr = lang or i18n.get("en")
        text = run_label(self.spec, self.params, self.label_also, tr)
        return "".join([text, *(" · " + tr.fmt(t, **p) for t, p in self.label_suffixes)])


@dataclass(frozen=True, eq=False)
class ResolvedScene:
    """A scene validated once: what every view, export and cache works from."""

    scene: Scene
    key: str  # canonical JSON of the scene: one cache key for everything derived from it
    surface: Surface
    runs: tuple[ResolvedRun, ...]
    starts: np.ndarray  # (B, d)
    steps: int
    schedule: Mapping[str, Any]  # {"name": id, **resolved params}
    noise: Noise | None
    clip: float | None
    window: tuple[tuple[float, float], ...]
    batch_size: int | None = None  # on a finite-sum surface: samples per step (N = full batch); None elsewhere
    batch_seed: int = 0  # the seed of the per-epoch reshuffling

    @property
    def dim(self) -> int:
        return int(self.starts.shape[1])

    def run_key(self, i: int) -> str:
        """A cache key for run i alone (what its trajectory depends on: not the other runs, not the window).
        Computed once per resolved scene (a rerun asks for each key many times)."""
        return self._run_keys[i]

    @cached_property
    def _run_keys(self) -> tuple[str, ...]:
        d = self.scene.to_dict()
        d["window"] = None
        runs = d.pop("runs")
        return tuple(json.dumps(d | {"runs": [r]}, sort_keys=True, separators=(",", ":")) for r in runs)

    def simulate_run(self, i: int, *, record_state: bool = False) -> Trajectory:
        """Run i from every start (B = number of starts); record_state: also what each step did (traj.record)."""
        r = self.runs[i]
        noise = {"std": self.noise.std, "seed": self.noise.seed} if self.noise else None
        return run(
            self.surface,
            r.spec,
            self.starts,
            self.steps,
            schedule=dict(r.schedule),
            noise=noise,
            clip=self.clip,
            batch_size=r.batch_size,
            seed=self.batch_seed,
            record_state=record_state,
            **dict(r.config.params),
        )

    def simulate(self) -> list[Trajectory]:
        """One Trajectory per run; each holds every start point."""
        return [self.simulate_run(i) for i in range(len(self.runs))]


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
    starts: tuple[tuple[float, ...], ...] = ()  # empty: the surface's default start
    steps: int = 500
    schedule: Mapping[str, Any] = field(default_factory=lambda: {"name": "constant"})
    noise_std: float = 0.0
    noise_seed: int = 0
    clip: float | None = None
    window: tuple[tuple[float, float], ...] | None = None  # view box; None: the surface's domain
    batch_size: int | None = None  # a dataset surface's mini-batch size; None: the full batch
    batch_seed: int = 0  # seed of the per-epoch reshuffling of the data

    # ------------------------------------------------------------------ validation, once
    def resolve(self) -> ResolvedScene:
        """Validate every field and resolve it. Raises SpecError / FormulaError. Memoized on the instance (a
        rerun asks ~18 times), and equal scenes from other sources share one result through a small LRU keyed
        by the canonical JSON."""
        return self._resolved

    @cached_property
    def _resolved(self) -> ResolvedScene:
        # functools.cached_property writes the instance's __dict__ directly, so it works on a frozen dataclass
        # and stays out of the dataclass fields: equality, hash, repr and replace() are unchanged. An invalid
        # scene raises here and caches nothing (each call raises again, as before).
        key = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        hit = _RESOLVED.get(key)
        if hit is None:
            hit = _resolve(self, key)
            if len(_RESOLVED) >= _RESOLVED_MAX:
                _RESOLVED.pop(next(iter(_RESOLVED)))
            _RESOLVED[key] = hit
        return hit

    def __getstate__(self) -> dict[str, Any]:
        # pickles and copies carry the fields, never the memo (a Surface's lambdified functions do not pickle)
        return {k: v for k, v in self.__dict__.items() if k != "_resolved"}

    def validated(self) -> Scene:
        """Return self if every field is valid; raise SpecError/FormulaError with a one-line message."""
        self.resolve()
        return self

    @property
    def key(self) -> str:
        return self.resolve().key

    def run_labels(self) -> list[str]:
        return [r.label for r in self.resolve().runs]

    def start_points(self) -> tuple[tuple[float, ...], ...]:
        return tuple(tuple(float(c) for c in s) for s in self.resolve().starts)

    def view_window(self) -> tuple[tuple[float, float], ...]:
        return self.resolve().window

    def with_(self, **changes: Any) -> Scene:
        return replace(self, **changes)

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        return {
            "version": SCENE_VERSION,
            "surface": self.surface,
            "surface_params": {k: float(v) for k, v in self.surface_params.items()},
            "runs": [
                {"optimizer": r.optimizer, "params": dict(r.params)}
                | ({"schedule": dict(r.schedule)} if r.schedule is not None else {})
                | ({"batch_size": int(r.batch_size)} if r.batch_size is not None else {})
                for r in self.runs
            ],
            "starts": [[float(c) for c in s] for s in self.starts],
            "steps": int(self.steps),
            "schedule": dict(self.schedule),
            "noise": {"std": float(self.noise_std), "seed": int(self.noise_seed)},
            "clip": self.clip,
            "window": [list(map(float, w)) for w in self.window] if self.window else None,
            "batch": {"size": None if self.batch_size is None else int(self.batch_size), "seed": int(self.batch_seed)},
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, data: Any) -> Scene:
        """A validated Scene from a parsed JSON object (a config file); one-line SpecError otherwise."""
        if not isinstance(data, Mapping):
            raise SpecError("a scene config is a JSON object {...}")
        unknown = sorted(str(k) for k in data if k not in SCENE_FIELDS)
        if unknown:
            raise SpecError(
                "unknown scene field(s): {fields}; a scene has: {known}",
                fields=", ".join(short(k) for k in unknown[:5]),
                known=", ".join(SCENE_FIELDS),
            )
        version = data.get("version", SCENE_VERSION)
        if version != SCENE_VERSION:
            raise SpecError("this config has version {version}; this app reads version 1", version=short(version))
        base = cls()
        raw_runs = _field(data, "runs", list, [])
        if len(raw_runs) > MAX_RUNS:
            raise SpecError("at most {max} runs at once, got {n}", max=MAX_RUNS, n=len(raw_runs))
        runs = []
        for k, r in enumerate(raw_runs):
            if not isinstance(r, Mapping) or not isinstance(r.get("optimizer"), str):
                raise SpecError('run {n} needs an "optimizer" name', n=k + 1)
            params = r.get("params", {})
            if not isinstance(params, Mapping):
                raise SpecError('run {n}: "params" is an object of name: value', n=k + 1)
            for pname, pval in params.items():
                _check_param_value(str(pname), pval)
            run_sched = r.get("schedule")
            if run_sched is not None and not isinstance(run_sched, Mapping):
                raise SpecError('run {n}: "schedule" is an object {{"name": …}}', n=k + 1)
            run_batch = r.get("batch_size")
            runs.append(
                RunConfig(
                    r["optimizer"],
                    dict(params),
                    dict(run_sched) if run_sched is not None else None,
                    None if run_batch is None else _whole(run_batch, "batch size"),
                )
            )
        raw_starts = _field(data, "starts", list, [])
        if len(raw_starts) > MAX_STARTS:
            raise SpecError("at most {max} start points, got {n}", max=MAX_STARTS, n=len(raw_starts))
        starts = tuple(_point(s, "a start point") for s in raw_starts)
        noise = _field(data, "noise", dict, {}) or {}
        batch = _field(data, "batch", dict, {}) or {}
        unknown_batch = sorted(str(k) for k in batch if k not in ("size", "seed"))
        if unknown_batch:
            raise SpecError('"batch" has "size" and "seed", not {fields}', fields=", ".join(map(short, unknown_batch)))
        window = data.get("window")
        sparams = _field(data, "surface_params", dict, {}) or {}
        scene = cls(
            surface=_field(data, "surface", str, base.surface),
            surface_params={str(k): _number(v, "a surface parameter") for k, v in sparams.items()},
            runs=tuple(runs) or base.runs,
            starts=starts,
            steps=_whole(data.get("steps", base.steps), "steps"),
            schedule=dict(_field(data, "schedule", dict, {"name": "constant"}) or {"name": "constant"}),
            noise_std=_number(noise.get("std", 0.0), "noise std"),
            noise_seed=_whole(noise.get("seed", 0), "noise seed"),
            clip=None if data.get("clip") is None else _number(data["clip"], "clip"),
            window=None if window is None else _window(window),
            batch_size=None if batch.get("size") is None else _whole(batch["size"], "batch size"),
            batch_seed=_whole(batch.get("seed", 0), "sampling seed"),
        )
        return scene.validated()

    @classmethod
    def from_json(cls, text: str | bytes) -> Scene:
        """Parse a scene config (text or raw bytes from an upload) safely; see the module docstring."""
        data = parse_json(text, what="scene config")
        return cls.from_dict(data)


# ---------------------------------------------------------------------------------------------- resolving
_RESOLVED: dict[str, ResolvedScene] = {}  # a small LRU: a rerun resolves the same scene once
_RESOLVED_MAX = 64


def _resolve(scene: Scene, key: str) -> ResolvedScene:
    # A formula in x alone started from one number is a 1-D curve; with two numbers, the 2-D valley.
    is_builtin = scene.surface.strip() in SURFACES
    wanted = None if is_builtin or not scene.starts else len(scene.starts[0])
    surface = get_surface(scene.surface, dim=wanted, **dict(scene.surface_params))
    dim = int(surface.dim)
    if not scene.runs:
        raise SpecError("add at least one optimizer run")
    if len(scene.runs) > MAX_RUNS:
        raise SpecError("at most {max} runs at once, got {n}", max=MAX_RUNS, n=len(scene.runs))
    resolved = [r.resolved() for r in scene.runs]
    sched_spec, sched_params = resolve_schedule(dict(scene.schedule))
    scene_sched = {"name": sched_spec.id, **sched_params}
    schedules = []
    for r in scene.runs:
        if r.schedule is None:
            schedules.append(scene_sched)
        else:
            s_spec, s_params = resolve_schedule(dict(r.schedule))
            schedules.append({"name": s_spec.id, **s_params})
    labelled: list[ResolvedRun] = []
    for i, r in enumerate(scene.runs):
        twins = [resolved[j] for j, o in enumerate(scene.runs) if o.optimizer == r.optimizer and j != i]
        differing = tuple(k for k, v in resolved[i].items() if any(t[k] != v for t in twins))
        suffixes: tuple[tuple[str, Mapping[str, Any]], ...] = ()
        if any(schedules[j] != schedules[i] for j in range(len(scene.runs))):
            # runs with different schedules say which, by the schedule's name (translated with the label)
            suffixes = ((SCHEDULES[schedules[i]["name"]].name, {}),)
        run_ = ResolvedRun(
            index=i,
            config=r,
            spec=r.spec,
            params=resolved[i],
            label="",
            schedule=schedules[i],
            label_also=differing,
            label_suffixes=suffixes,
        )
        labelled.append(dc_replace(run_, label=run_.label_in(None)))
    resolved_runs = tuple(labelled)
    if len(scene.starts) > MAX_STARTS:
        raise SpecError("at most {max} start points, got {n}", max=MAX_STARTS, n=len(scene.starts))
    starts_t = scene.starts or (tuple(surface.start),)
    for s in starts_t:
        if len(s) != dim:
            raise SpecError("a start point on this surface has {d} coordinate(s), got {n}", d=dim, n=len(s))
        if not all(isinstance(c, (int, float, np.floating, np.integer)) and math.isfinite(float(c)) for c in s):
            raise SpecError("a start point is made of finite numbers")
        if max(abs(float(c)) for c in s) > DIVERGENCE_BOUND:
            raise SpecError("start coordinates must be within ±{bound}", bound=f"{DIVERGENCE_BOUND:g}")
    starts = np.asarray(starts_t, dtype=float).reshape(-1, dim)
    steps = scene.steps
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or not 1 <= int(steps) <= MAX_STEPS:
        raise SpecError("steps must be a whole number from 1 to {max}, got {value}", max=MAX_STEPS, value=short(steps))
    noise = Noise.coerce({"std": scene.noise_std, "seed": scene.noise_seed})
    if not isinstance(scene.noise_seed, (int, np.integer)) or not 0 <= int(scene.noise_seed) <= MAX_NOISE_SEED:
        raise SpecError(
            "the noise seed must be a whole number from 0 to {max}, got {value}",
            max=MAX_NOISE_SEED,
            value=short(scene.noise_seed),
        )
    clip = scene.clip
    if clip is not None and not (math.isfinite(clip) and clip > 0):
        raise SpecError("clip (the largest gradient norm) must be a positive number, got {value}", value=short(clip))
    window = scene.window or surface.domain
    window = tuple((float(lo), float(hi)) for lo, hi in window)
    if scene.window is not None:
        check_window(window, dim)
    data, batch_size, batch_seed = check_batch(surface, scene.batch_size, scene.batch_seed)
    scene_batch = None if data is None or batch_size == data.n else batch_size
    run_batches: list[int | None] = []
    for rr in resolved_runs:
        if rr.config.batch_size is None:
            run_batches.append(scene_batch)
        else:
            _d, b, _s = check_batch(surface, rr.config.batch_size, batch_seed)
            run_batches.append(None if data is None or b == data.n else b)
    if any(b != run_batches[0] for b in run_batches):  # runs that sample differently say how
        n = data.n if data is not None else 0
        final: list[ResolvedRun] = []
        for one, b in zip(resolved_runs, run_batches):
            batch = (N_("batch {n}"), {"n": b}) if b is not None else (N_("batch {n} (full)"), {"n": n})
            rb = dc_replace(one, batch_size=b, label_suffixes=(*one.label_suffixes, batch))
            final.append(dc_replace(rb, label=rb.label_in(None)))
        final_runs = tuple(final)
    else:
        final_runs = tuple(dc_replace(one, batch_size=b) for one, b in zip(resolved_runs, run_batches))
    return ResolvedScene(
        scene=scene,
        key=key,
        surface=surface,
        runs=final_runs,
        starts=starts,
        steps=int(steps),
        schedule={"name": sched_spec.id, **sched_params},
        noise=noise,
        clip=None if clip is None else float(clip),
        window=window,
        batch_size=scene_batch,
        batch_seed=batch_seed,
    )


def check_window(window: tuple[tuple[float, float], ...], dim: int = 2) -> None:
    """A view window: d finite (lo, hi) pairs with lo < hi, inside ±1e6, not narrower than 1e-9."""
    if len(window) != dim:
        raise SpecError("the view window needs {d} ranges (lo, hi), got {n}", d=dim, n=len(window))
    for lo, hi in window:
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise SpecError("the view window must be finite numbers")
        if not lo < hi:
            raise SpecError("the view window needs min < max on every axis")
        if max(abs(lo), abs(hi)) > DIVERGENCE_BOUND:
            raise SpecError("the view window must lie within ±{bound}", bound=f"{DIVERGENCE_BOUND:g}")
        if hi - lo < 1e-9 * max(1.0, abs(lo), abs(hi)):
            raise SpecError("the view window is too narrow to draw")


def simulate(scene: Scene) -> list[Trajectory]:
    """One Trajectory per run; each holds every start point (B = number of starts)."""
    return scene.resolve().simulate()


# ---------------------------------------------------------------------------------------------- safe JSON
def parse_json(text: str | bytes, *, what: str = "file", max_bytes: int = MAX_CONFIG_BYTES) -> Any:
    """json.loads for hostile input: size, encoding, nesting depth and non-finite numbers checked first."""
    if isinstance(text, (bytes, bytearray)):
        raw = bytes(text)
        if len(raw) > max_bytes:
            raise SpecError(
                "this {what} is too large ({size} KB); a scene config is at most {max} KB",
                what=what,
                size=f"{len(raw) / 1000:.0f}",
                max=f"{max_bytes / 1000:.0f}",
            )
        if raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SpecError(
                "this {what} is not UTF-8 text (invalid byte at position {pos})", what=what, pos=exc.start
            ) from None
    text = str(text)
    if len(text.encode("utf-8", errors="replace")) > max_bytes:
        raise SpecError(
            "this {what} is too large; a scene config is at most {max} KB", what=what, max=max_bytes // 1000
        )
    text = text.lstrip("\ufeff")
    depth = _json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise SpecError(
            "this {what} is nested too deeply ({depth} levels; at most {max})",
            what=what,
            depth=depth,
            max=MAX_JSON_DEPTH,
        )

    def bad_constant(name: str) -> Any:
        raise SpecError("this {what} contains {name}: numbers must be finite", what=what, name=name)

    def parse_float(s: str) -> float:
        v = float(s)
        if not math.isfinite(v):
            raise SpecError("this {what} contains a number too large to use ({number})", what=what, number=short(s))
        return v

    def parse_int(s: str) -> int | float:
        if len(s) > 18:
            raise SpecError("this {what} contains a number too large to use ({number})", what=what, number=short(s))
        return int(s)

    try:
        return json.loads(text, parse_constant=bad_constant, parse_float=parse_float, parse_int=parse_int)
    except json.JSONDecodeError as exc:
        raise SpecError(
            "this {what} is not valid JSON: {problem} at line {line}, column {col}",
            what=what,
            problem=exc.msg,
            line=exc.lineno,
            col=exc.colno,
        ) from None
    except RecursionError:
        raise SpecError("this {what} is nested too deeply", what=what) from None


def _json_depth(text: str) -> int:
    """Deepest nesting of [ and { outside strings (checked before json.loads, which recurses)."""
    depth = best = 0
    in_str = esc = False
    for ch in text:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            best = max(best, depth)
        elif ch in "]}":
            depth -= 1
    return best


def _field(data: Mapping[str, Any], name: str, kind: type, default: Any) -> Any:
    value = data.get(name, default)
    if value is None:
        return default
    kinds = (Mapping,) if kind is dict else (kind,)
    if not isinstance(value, kinds):
        names: dict[type, str] = {dict: "an object {...}", list: "a list [...]", str: "a text"}
        raise SpecError('"{name}" must be {kind}', name=name, kind=names.get(kind, kind.__name__))
    return value


def _number(v: Any, what: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise SpecError("{what} must be a number, got {value}", what=what, value=short(v))
    x = float(v)
    if not math.isfinite(x):
        raise SpecError("{what} must be a finite number", what=what)
    return x


def _whole(v: Any, what: str) -> int:
    x = _number(v, what)
    if not x.is_integer():
        raise SpecError("{what} must be a whole number, got {value}", what=what, value=short(v))
    if abs(x) > 2**53:
        raise SpecError("{what} is far too large ({value})", what=what, value=short(x, 3))
    return int(x)


def _point(s: Any, what: str) -> tuple[float, ...]:
    if not isinstance(s, (list, tuple)) or not 1 <= len(s) <= 2:
        raise SpecError("{what} is a list of one or two numbers, got {value}", what=what, value=short(s))
    return tuple(_number(c, what) for c in s)


def _window(w: Any) -> tuple[tuple[float, float], ...]:
    if not isinstance(w, (list, tuple)) or not 1 <= len(w) <= 2:
        raise SpecError('"window" is [[x min, x max], [y min, y max]]')
    out = []
    for pair in w:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise SpecError('"window" is [[x min, x max], [y min, y max]]')
        out.append((_number(pair[0], "the view window"), _number(pair[1], "the view window")))
    return tuple(out)


def _check_param_value(name: str, value: Any) -> None:
    """A hyperparameter value in a config: a number, a boolean, or a list of numbers (betas)."""
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        _number(value, name)
        return
    if isinstance(value, (list, tuple)) and len(value) <= 4:
        for v in value:
            _number(v, name)
        return
    if isinstance(value, str) and len(value) <= 40:
        return  # "true", "0.9,0.99": validated by the optimizer's spec
    raise SpecError("{name} must be a number or true/false, got {value}", name=short(name), value=short(value))
