"""The address bar: the whole scene and what is being looked at, as readable query parameters.

    ?surface=rosenbrock&run=adam:lr=0.01,beta1=0.8;sgd&start=-1.2,1&steps=300&lang=zh&tab=learn

Scene parameters (the user's document, ``optim_core.scene.Scene``): surface, sp (surface parameters), run
(runs separated by ``;``, each ``optimizer:name=value,…`` and optionally ``@schedule:name=value,…``), start
(``x,y`` pairs separated by ``;``, or ``x`` on a curve), steps, lrs (schedule ``name:name=value,…``), noise
(``std,seed``), clip, view (``x0,x1,y0,y1``), batch (a dataset's mini-batch ``size,seed``).

View parameters (how it is shown; defaults are left out of links): lang (en / zh), theme (light / dark /
contrast), tab (trajectories / learn / explore / export), side (loss / 3d), step (the current step), present
(presentation mode), hide (controls to hide, comma-separated, see HIDEABLE; TensorFlow Playground's
``<control>_hide=true`` form works too), lesson (a lesson id: ``?lesson=zigzag`` opens that lesson).

Links are hostile input: every value is parsed here with a one-line ``SpecError`` for a bad scene; a bad view
parameter is ignored (the scene still loads).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from i18n import LANGS
from lessons import LESSONS
from optim_core import SpecError
from optim_core.scene import RunConfig, Scene, short

SCENE_KEYS = ("surface", "sp", "run", "start", "steps", "lrs", "noise", "clip", "view", "batch")
MAX_VALUE_CHARS = 2000  # per query value: a scene's longest link is far shorter

THEMES = ("light", "dark", "contrast")
TABS = ("trajectories", "learn", "explore", "export")
SIDES = ("loss", "3d", "theta", "data")
# Controls a link can hide (hide=a,b or a_hide=true). "lr" and "params" are the run sliders.
HIDEABLE = (
    "surface",
    "optimizer",
    "lr",
    "params",
    "runs",
    "starts",
    "training",
    "window",
    "lessons",
    "tabs",
    "share",
    "sidebar",
)


@dataclass(frozen=True)
class ViewState:
    """How the scene is shown: everything in the link that is not the scene itself."""

    lang: str = "en"
    theme: str = "light"
    tab: str = "trajectories"
    side: str = ""  # "": the dimension's default (loss curves on a surface, θ against t on a curve)
    step: int | None = None  # None: the last step
    present: bool = False
    hide: frozenset[str] = field(default_factory=frozenset)
    lesson: str | None = None  # a lesson id (lessons.LESSONS) while its scene is shown unchanged

    def with_(self, **changes: Any) -> ViewState:
        return replace(self, **changes)


# --------------------------------------------------------------------------------------------- scene
def scene_to_query(scene: Scene) -> dict[str, str]:
    """Readable URL parameters; defaults are omitted to keep links short."""
    q: dict[str, str] = {"surface": scene.surface}
    if scene.surface_params:
        q["sp"] = ",".join(f"{k}={short(v)}" for k, v in scene.surface_params.items())

    def run_text(r: RunConfig) -> str:
        kv = [f"{k}={short(v)}" for k, v in r.params.items()]
        if r.batch_size is not None:
            kv.append(f"batch={int(r.batch_size)}")
        return (
            r.optimizer
            + (":" + ",".join(kv) if kv else "")
            + (("@" + _schedule_text(r.schedule)) if r.schedule is not None else "")
        )

    q["run"] = ";".join(run_text(r) for r in scene.runs)
    if scene.starts:
        q["start"] = ";".join(",".join(short(c) for c in s) for s in scene.starts)
    q["steps"] = str(int(scene.steps))
    if dict(scene.schedule).get("name", "constant") != "constant":
        q["lrs"] = _schedule_text(scene.schedule)
    if scene.noise_std:
        q["noise"] = f"{short(scene.noise_std)},{int(scene.noise_seed)}"
    if scene.clip is not None:
        q["clip"] = short(scene.clip)
    if scene.window is not None:
        q["view"] = ",".join(short(v) for pair in scene.window for v in pair)
    if scene.batch_size is not None:
        q["batch"] = f"{int(scene.batch_size)}" + (f",{int(scene.batch_seed)}" if scene.batch_seed else "")
    return q


def scene_from_query(query: Mapping[str, Any]) -> Scene:
    """Inverse of scene_to_query; a validated Scene. Raises SpecError / FormulaError (one line) for a bad link."""
    q = {k: _value(query, k) for k in SCENE_KEYS if _value(query, k) is not None}
    base = Scene()
    runs = base.runs
    if q.get("run"):
        items = [item for item in q["run"].split(";") if item.strip()]
        if len(items) > 8:
            raise SpecError("this link has {n} runs; at most 8", n=len(items))
        runs = tuple(_run(item) for item in items)
    starts: tuple[tuple[float, ...], ...] = ()
    if q.get("start"):
        items = [item for item in q["start"].split(";") if item.strip()]
        if len(items) > 8:
            raise SpecError("this link has {n} start points; at most 8", n=len(items))
        starts = tuple(_point(item) for item in items)
    schedule: dict[str, Any] = {"name": "constant"}
    if q.get("lrs"):
        name, kv = _split_head(q["lrs"])
        schedule = {"name": name, **_parse_kv(kv, "lrs")}
    noise_std, noise_seed = 0.0, 0
    if q.get("noise"):
        parts = q["noise"].split(",")
        if len(parts) > 2:
            raise SpecError("noise is std,seed — e.g. noise=0.5,0")
        noise_std = _number(parts[0], "noise std")
        if noise_std < 0:
            raise SpecError("the noise std must be ≥ 0, got {value}", value=short(noise_std))
        noise_seed = _whole(parts[1], "noise seed") if len(parts) > 1 else 0
    window = None
    if q.get("view"):
        parts = q["view"].split(",")
        if len(parts) not in (2, 4):
            raise SpecError("view is x min,x max,y min,y max — e.g. view=-2,2,-1,3")
        nums = [_number(v, "the view window") for v in parts]
        window = tuple((nums[i], nums[i + 1]) for i in range(0, len(nums), 2))
    steps = _whole(q["steps"], "steps") if q.get("steps") else base.steps
    batch_size, batch_seed = None, 0
    if q.get("batch"):
        parts = q["batch"].split(",")
        if len(parts) > 2:
            raise SpecError("batch is size,seed — e.g. batch=16,3")
        batch_size = _whole(parts[0], "batch size")
        batch_seed = _whole(parts[1], "sampling seed") if len(parts) > 1 else 0
    sparams = {k: float(v) for k, v in _parse_kv(q.get("sp", ""), "sp").items()}
    scene = Scene(
        surface=q.get("surface", base.surface),
        surface_params=sparams,
        runs=runs,
        starts=starts,
        steps=steps,
        schedule=schedule,
        noise_std=noise_std,
        noise_seed=noise_seed,
        clip=_number(q["clip"], "clip") if q.get("clip") else None,
        window=window,
        batch_size=batch_size,
        batch_seed=batch_seed,
    )
    return scene.validated()


# --------------------------------------------------------------------------------------------- view
def view_to_query(view: ViewState) -> dict[str, str]:
    q: dict[str, str] = {}
    if view.lang != "en":
        q["lang"] = view.lang
    if view.theme != "light":
        q["theme"] = view.theme
    if view.tab != "trajectories":
        q["tab"] = view.tab
    if view.side:
        q["side"] = view.side
    if view.step is not None:
        q["step"] = str(int(view.step))
    if view.present:
        q["present"] = "1"
    if view.hide:
        q["hide"] = ",".join(h for h in HIDEABLE if h in view.hide)
    if view.lesson:
        q["lesson"] = view.lesson
    return q


def view_from_query(query: Mapping[str, Any]) -> ViewState:
    """The view parameters of a link; invalid values are ignored (defaults), never an error."""
    v = ViewState()
    lang = (_value(query, "lang") or "").strip().lower()
    theme = (_value(query, "theme") or "").strip().lower()
    tab = (_value(query, "tab") or "").strip().lower()
    side = (_value(query, "side") or "").strip().lower()
    step_text = (_value(query, "step") or "").strip()
    present = (_value(query, "present") or "").strip().lower() in ("1", "true", "yes", "on")
    hide = {h.strip().lower() for h in (_value(query, "hide") or "").split(",")}
    for key in query:
        if str(key).endswith("_hide") and (_value(query, key) or "").strip().lower() in ("1", "true", "yes"):
            hide.add(str(key)[: -len("_hide")].lower())
    step = None
    if step_text.isdigit() and len(step_text) <= 6:
        step = int(step_text)
    lesson = (_value(query, "lesson") or "").strip()
    return ViewState(
        lang=lang if lang in LANGS else v.lang,
        theme=theme if theme in THEMES else v.theme,
        tab=tab if tab in TABS else v.tab,
        side=side if side in SIDES else v.side,
        step=step,
        present=present,
        hide=frozenset(h for h in hide if h in HIDEABLE),
        lesson=lesson if lesson in LESSONS else None,
    )


def to_query(scene: Scene, view: ViewState) -> dict[str, str]:
    return {**scene_to_query(scene), **view_to_query(view)}


def link(base_url: str, scene: Scene, view: ViewState) -> str:
    """The share link: base URL + the whole scene and view."""
    return base_url + "?" + urlencode(to_query(scene, view), safe=",:;=")


# --------------------------------------------------------------------------------------------- parsing
def _value(query: Mapping[str, Any], key: str) -> str | None:
    v = query.get(key)
    if v is None:
        return None
    if isinstance(v, (list, tuple)):  # AppTest / parse_qs give lists
        v = v[-1] if v else ""
    text = str(v)
    if len(text) > MAX_VALUE_CHARS:
        raise SpecError("this link's {key} is too long ({n} characters)", key=short(key), n=len(text))
    return text


def _number(text: Any, what: str) -> float:
    t = str(text).strip()
    try:
        x = float(t)
    except ValueError:
        raise SpecError("{what} must be a number, got {value}", what=what, value=repr(short(t))) from None
    if not math.isfinite(x):
        raise SpecError("{what} must be a finite number, got {value}", what=what, value=repr(short(t)))
    return x


def _whole(text: Any, what: str) -> int:
    x = _number(text, what)
    if not x.is_integer() or x < 0:
        raise SpecError("{what} must be a whole number ≥ 0, got {value}", what=what, value=short(x, 4))
    if x > 2**31:
        raise SpecError("{what} is far too large ({value})", what=what, value=short(x, 3))
    return int(x)


def _schedule_text(schedule) -> str:
    sched = dict(schedule)
    name = sched.pop("name", "constant")
    return name + (":" + ",".join(f"{k}={short(v)}" for k, v in sched.items()) if sched else "")


def _run(item: str) -> RunConfig:
    """optimizer:name=value,…[@schedule:name=value,…] — a run with its own schedule after '@'."""
    head, at, sched = item.partition("@")
    name, kv = _split_head(head)
    schedule = None
    if at:
        sname, skv = _split_head(sched)
        schedule = {"name": sname, **_parse_kv(skv, "run schedule")}
    params = _parse_kv(kv, "run")
    batch = params.pop("batch", None)  # no optimizer has a hyperparameter named batch: a run's mini-batch size
    return RunConfig(name, params, schedule, None if batch is None else _whole(batch, "batch size"))


def _split_head(item: str) -> tuple[str, str]:
    head, _, rest = item.partition(":")
    return head.strip(), rest


def _parse_kv(text: str, what: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep:
            raise SpecError("{what}: expected name=value, got {value}", what=what, value=repr(short(part)))
        value = value.strip()
        low = value.lower()
        if low in ("true", "false"):
            out[key.strip()] = low == "true"
        else:
            out[key.strip()] = _number(value, key.strip())
    return out


def _point(text: str) -> tuple[float, ...]:
    parts = text.split(",")
    if len(parts) not in (1, 2):
        raise SpecError("a start point is x,y — got {value}", value=repr(short(text)))
    return tuple(_number(p, "a start coordinate") for p in parts)
