"""Declarations: what an optimizer *is*, independent of any UI.

An optimizer is declared once as an :class:`OptimizerSpec`: its hyperparameters
(names and defaults exactly as the reference implementation spells them), its
update rule in LaTeX, the teaching text, and a pair of pure functions in the
optax style::

    state = spec.init(params, hp)
    params, state = spec.update(grad, state, params, hp, lr, t)

``params`` and ``grad`` are float64 arrays of shape (d, B), d = 1 (a curve) or 2
(a surface): B independent trajectories, stored coordinate-major so that each
coordinate is a contiguous row and a per-trajectory hyperparameter of shape (B,)
broadcasts without reshaping (the public API, :func:`optim_core.run`, speaks
(B, d) and transposes once).  Each
value in ``hp`` is either a Python scalar (the same for all trajectories: the
fast path) or an array of shape (B,).  ``lr`` is the scheduled learning rate
for this step (scalar or (B,)) and ``t`` the 1-based step number.  ``state`` is
a dict of arrays; ``update`` never mutates its inputs.

The state's buffers are declared once (:class:`StateBuffer`: the reference's own
``optimizer.state[p]`` key, its symbol in the LaTeX rule, its meaning), and so are
the *indicators* the step inspector shows (:class:`Indicator`: which branch a step
took, RAdam's ρ_t and r_t, SWATS's phase …).  ``run(..., record_state=True)`` records
both at every step; an update adds its indicators to the state it returns only when
``hp[RECORD]`` is set, so runs that do not record pay nothing for them.

The app, the CLI, the docs and the sweep controls are generated from these
declarations, so adding an optimizer means adding one spec and nothing else.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Generic, TypeVar

import numpy as np
import numpy.typing as npt

import i18n
from i18n import N_, UserError

LR_CHAIN: Final = "lr_chain"
"""Reserved key in the ``hp`` given to the update of a spec with ``follows_schedule=True``: the
schedule's chainable step (optim_core.schedules.lr_chain), for an optimizer that sets its own group lr."""
LR_USED: Final = "lr_used"
"""Reserved state key: the learning rate a ``follows_schedule`` optimizer actually used this step."""
RECORD: Final = "record"
"""Reserved key in ``hp``: true when run() records the state, so the update also returns its indicators."""
PER_COORDINATE: Final = "coordinate"
"""A buffer or indicator with one value per coordinate: recorded as (steps, B, d)."""
PER_RUN: Final = "run"
"""A buffer or indicator with one value per trajectory: recorded as (steps, B)."""

Array = npt.NDArray[np.float64]
"""Positions, gradients and per-coordinate state: float64, (d, B) coordinate-major."""
Value = Any
"""A hyperparameter or learning-rate value: a Python scalar (same for every run) or a (B,) array."""
Hyper = Mapping[str, Any]
"""Resolved hyperparameters by name (values are Value), plus the reserved keys LR_CHAIN and RECORD."""
State = Mapping[str, Any]
S = TypeVar("S", bound=Mapping[str, Any])
"""An optimizer's state: a TypedDict of its buffers (and internal entries) per optimizer."""
InitFn = Callable[[Array, Hyper], S]
UpdateFn = Callable[[Array, S, Array, Hyper, Value, int], tuple[Array, S]]


class SpecError(UserError):
    """A hyperparameter value or name that the spec does not accept (one-line message, a translatable template)."""


TRUE_OR_FALSE = N_("true or false")  # a switch's valid values (HyperParam.range_text)


@dataclass(frozen=True)
class HyperParam:
    """One hyperparameter.

    ``name`` is the name used everywhere in this project (CLI ``--set``, URL,
    sweep axes).  Where the reference groups values in a tuple (torch's
    ``betas``), each member is its own HyperParam with ``group``/``index``
    naming its place in that tuple, so a sweep can vary β1 alone while the CLI
    still accepts ``--set betas=0.9,0.999``.
    """

    name: str
    default: float | bool
    description: str
    symbol: str = ""  # LaTeX symbol used in labels, e.g. r"\beta_1"
    kind: str = "float"  # "float" | "int" | "bool"
    low: float = -math.inf  # valid range, checked on every run
    high: float = math.inf
    low_open: bool = False  # True: the low end itself is invalid (lr > 0)
    high_open: bool = False  # True: the high end itself is invalid (beta < 1)
    log: bool = False  # sliders and sweep axes on a log scale
    ui_low: float | None = None  # slider range (inside the valid range)
    ui_high: float | None = None
    group: str | None = None  # reference tuple this belongs to ("betas")
    index: int = 0  # position inside that tuple
    # True: not a keyword of the reference but a switch to a textbook form of the rule (OptimizerSpec.variants):
    # left out of reference_kwargs, so the torch class never sees it.
    variant: bool = False

    def range_text(self, lang: i18n.Lang | None = None) -> str:
        """The valid values: "[0, 1)", "(0, inf)"; a switch's "true or false" in `lang` (English by default)."""
        if self.kind == "bool":
            return (lang or i18n.EN)(TRUE_OR_FALSE)
        lo = "(" if self.low_open or self.low == -math.inf else "["
        hi = ")" if self.high_open or self.high == math.inf else "]"
        return f"{lo}{_fmt(self.low)}, {_fmt(self.high)}{hi}"

    def slider_range(self) -> tuple[float, float]:
        lo = self.ui_low if self.ui_low is not None else self.low
        hi = self.ui_high if self.ui_high is not None else self.high
        return float(lo), float(hi)

    def validate(self, value: Any) -> float | bool:
        """Return the value coerced to this parameter's kind, or raise SpecError."""
        if self.kind == "bool":
            if isinstance(value, (bool, np.bool_)):
                return bool(value)
            if isinstance(value, str) and value.strip().lower() in {"true", "1", "yes", "on"}:
                return True
            if isinstance(value, str) and value.strip().lower() in {"false", "0", "no", "off"}:
                return False
            if isinstance(value, (int, float)) and value in (0, 1):
                return bool(value)
            raise SpecError("{name} must be true or false, got {value!r}", name=self.name, value=value)
        try:
            x = float(value)
        except (TypeError, ValueError):
            raise SpecError("{name} must be a number, got {value!r}", name=self.name, value=value) from None
        if not math.isfinite(x):
            raise SpecError("{name} must be finite, got {value!r}", name=self.name, value=value)
        if self.kind == "int":
            if not float(x).is_integer():
                raise SpecError("{name} must be a whole number, got {value!r}", name=self.name, value=value)
            self.check_array(np.asarray([x]))
            return int(x)
        self.check_array(np.asarray([x]))
        return x

    def check_array(self, values: np.ndarray) -> None:
        """Raise SpecError if any value lies outside the valid range."""
        if self.kind == "bool":
            return
        v = np.asarray(values, dtype=float)
        bad = ~np.isfinite(v)
        bad |= (v <= self.low) if self.low_open else (v < self.low)
        bad |= (v >= self.high) if self.high_open else (v > self.high)
        if bad.any():
            first = v[bad].flat[0]
            raise SpecError(
                "{name} must be in {range}, got {value}",
                name=self.name,
                range=self.range_text(),
                value=_fmt(float(first)),
            )


@dataclass(frozen=True)
class StateBuffer:
    """One entry of the optimizer's state, exactly as the reference keeps it in ``optimizer.state[p]``.

    name: the reference's key (``exp_avg``, ``momentum_buffer``, pytorch-optimizer's ``z`` …).
    symbol: its value after step t in the spec's LaTeX rule (``m_t``); fills: the symbol its previous value
    takes in the rule of step t (``m_{t-1}``) — both appear verbatim in ``OptimizerSpec.latex``.
    meaning: one line for the step inspector (translated through the catalogue).
    per: PER_COORDINATE (a vector like θ) or PER_RUN (one number per trajectory: NAdam's μ product).
    only_if: the hyperparameter that must be true / non-zero for the reference to keep this entry at all
    (``amsgrad``, ``centered``, ``momentum``); None: always kept.
    lazy: the reference creates the entry only when it is first used (SWATS's ``momentum_buffer``, at its
    switch to SGD); until then the recorded buffer holds its initial value, 0.
    """

    name: str
    symbol: str
    meaning: str
    fills: str
    per: str = PER_COORDINATE
    only_if: str | None = None
    lazy: bool = False

    def active(self, hp: Mapping[str, Any]) -> Any:
        """True (or a (B,) mask) where the reference keeps this entry for these hyperparameters."""
        if self.only_if is None:
            return True
        v = hp.get(self.only_if, False)
        return v != 0 if isinstance(v, np.ndarray) else bool(v)


@dataclass(frozen=True)
class Indicator:
    """A quantity the step inspector shows beside the buffers: the branch a step took or a derived scalar.

    Recorded at every step as float64 (flags as 1.0 / 0.0; NaN where it does not apply, e.g. RAdam's r_t
    while rectification is off).  ``symbol`` is LaTeX (it appears in the rule where the rule names it)."""

    name: str
    symbol: str
    meaning: str
    per: str = PER_RUN
    flag: bool = False
    event: str | None = None  # a flag that marks a moment on the map where it first turns on ("switched to SGD")


@dataclass(frozen=True)
class Reference:
    """The implementation a spec reproduces, as the import a script writes: ``module.cls(params, **kwargs)``.

    module: "torch.optim" or "pytorch_optimizer"; cls: the class name there ("SGD", "Lion");
    kwargs: keyword arguments this optimizer id always passes (nesterov=True, amsgrad=True);
    pip: the package that provides it ("torch", "pytorch-optimizer").
    The golden-fixture generator (tools/make_golden.py) and the PyTorch-script export build the reference
    optimizer from this, with ``OptimizerSpec.reference_kwargs`` for the hyperparameters."""

    module: str
    cls: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    @property
    def pip(self) -> str:
        return "pytorch-optimizer" if self.module.split(".")[0] == "pytorch_optimizer" else "torch"

    @property
    def qualname(self) -> str:
        """e.g. "torch.optim.SGD"."""
        return f"{self.module}.{self.cls}"

    @property
    def import_module(self) -> str:
        """The top-level module a script imports: "torch" or "pytorch_optimizer"."""
        return self.module.split(".")[0]

    def __str__(self) -> str:
        """e.g. "torch.optim.SGD(nesterov=True)"."""
        fixed = ", ".join(f"{k}={v!r}" for k, v in self.kwargs.items())
        return f"{self.qualname}({fixed})" if fixed else self.qualname


@dataclass(frozen=True)
class Variant:
    """A form of the rule as textbooks and course material write it, beside the framework's own (the spec's latex).

    params: the settings that select it, e.g. {"lr_inside": True} or {"alpha": 0.9} (variant switches are
    HyperParams with variant=True; a variant may also be a preset of ordinary hyperparameters).
    latex: its update rule; source: where it is written that way; note: when its path differs from the
    framework's and when it does not (teaching text, translated through the catalogue)."""

    id: str
    name: str
    params: Mapping[str, Any]
    latex: str
    source: str
    note: str


@dataclass(frozen=True)
class OptimizerSpec(Generic[S]):
    id: str  # "adam"
    name: str  # "Adam"
    ref: Reference  # torch.optim.Adam — what the golden fixtures and the PyTorch script use
    hyperparams: tuple[HyperParam, ...]
    latex: str  # the update rule as the code does it (rendered with st.latex)
    explanation: str
    pros: tuple[str, ...]
    cons: tuple[str, ...]
    when_to_use: str
    init: InitFn[S]
    update: UpdateFn[S]
    adaptive: bool = False  # per-coordinate adaptive step size?
    momentum: bool = False  # accumulates a velocity?
    typical_use: str = ""
    year: int | None = None
    paper: str = ""
    # True: the optimizer rewrites its own group lr (SWATS at its switch to SGD) and the schedule keeps
    # acting on that value as torch's chainable schedulers do; run() then passes hp[LR_CHAIN] and reads
    # state[LR_USED] each step.
    follows_schedule: bool = False
    buffers: tuple[StateBuffer, ...] = ()  # the reference's optimizer.state[p] entries, in its order
    indicators: tuple[Indicator, ...] = ()  # branch indicators recorded with the state
    variants: tuple[Variant, ...] = ()  # textbook forms of the rule (selected by variant hyperparameters)

    @property
    def reference(self) -> str:
        """The reference as text: "torch.optim.Adam", "torch.optim.SGD(nesterov=True)"."""
        return str(self.ref)

    @property
    def fixed(self) -> Mapping[str, Any]:
        """Reference keyword arguments this id pins (nesterov=True for "nesterov", amsgrad=True for "amsgrad")."""
        return self.ref.kwargs

    def buffer(self, name: str) -> StateBuffer:
        for b in self.buffers:
            if b.name == name:
                return b
        raise SpecError("{optimizer} has no state buffer {name!r}", optimizer=self.id, name=name)

    def param(self, name: str) -> HyperParam:
        for p in self.hyperparams:
            if p.name == name:
                return p
        raise SpecError(
            "{optimizer} has no hyperparameter {name!r}; it has: {names}",
            optimizer=self.id,
            name=name,
            names=", ".join(self.param_names()),
        )

    def param_names(self) -> list[str]:
        names: list[str] = []
        for p in self.hyperparams:
            key = p.group or p.name
            if key not in names:
                names.append(key)
        return names

    def defaults(self) -> dict[str, float | bool]:
        return {p.name: p.default for p in self.hyperparams}

    def groups(self) -> dict[str, list[HyperParam]]:
        out: dict[str, list[HyperParam]] = {}
        for p in self.hyperparams:
            if p.group:
                out.setdefault(p.group, []).append(p)
        for members in out.values():
            members.sort(key=lambda p: p.index)
        return out

    def split_group(self, group: str, value: Any) -> dict[str, Any]:
        """One reference tuple into its members: split_group("betas", (0.9, 0.99)) -> {"beta1": 0.9, "beta2": 0.99}.

        Accepts a tuple, list or array (members may be per-run arrays) or a "0.9,0.99" string."""
        members = self.groups()[group]
        if isinstance(value, str):
            parts = value.split(",")
        elif isinstance(value, (tuple, list, np.ndarray)):
            parts = list(value)
        else:
            parts = [value]
        if len(parts) != len(members):
            raise SpecError(
                "{group} takes {n} values ({names}), got {got}",
                group=group,
                n=len(members),
                names=", ".join(m.name for m in members),
                got=len(parts),
            )
        return {m.name: part for m, part in zip(members, parts)}

    def variant(self, vid: str) -> Variant:
        for v in self.variants:
            if v.id == vid:
                return v
        raise SpecError(
            "{optimizer} has no variant {name!r}; it has: {names}",
            optimizer=self.id,
            name=vid,
            names=", ".join(v.id for v in self.variants) or "none",
        )

    def variant_settings(self, resolved: Mapping[str, Any]) -> dict[str, Any]:
        """The variant switches (HyperParam.variant) that differ from their defaults: {} is the reference's form."""
        out: dict[str, Any] = {}
        for p in self.hyperparams:
            if p.variant and p.name in resolved:
                v = resolved[p.name]
                if isinstance(v, np.ndarray) or v != p.default:
                    out[p.name] = _plain(v)
        return out

    def reference_kwargs(self, resolved: Mapping[str, Any]) -> dict[str, Any]:
        """Scalar hyperparameters in the reference's own spelling, tuples regrouped; variant switches left out
        (the reference has no such keyword: see variant_settings).

        >>> ADAM.reference_kwargs({"lr": 0.1, "beta1": 0.9, "beta2": 0.99, ...})
        {"lr": 0.1, "betas": (0.9, 0.99), ...}
        """
        out: dict[str, Any] = {}
        groups = self.groups()
        for p in self.hyperparams:
            if p.variant:
                continue
            if p.group:
                if p.group not in out:
                    out[p.group] = tuple(_plain(resolved[m.name]) for m in groups[p.group])
            else:
                out[p.name] = _plain(resolved[p.name])
        out.update(self.fixed)
        return out


def _plain(v: Any) -> Any:
    if isinstance(v, (np.generic,)):
        return v.item()
    return v


def _fmt(x: float) -> str:
    if x == math.inf:
        return "inf"
    if x == -math.inf:
        return "-inf"
    return f"{x:g}"
