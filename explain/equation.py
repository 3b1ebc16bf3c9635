r"""The update rule at one step, with that step's numbers: generated from the optimizer's declaration.

The spec's LaTeX rule (``OptimizerSpec.latex``) is read line by line: every symbol it assigns (``m_t
\leftarrow …``, also several on one line and inside SWATS's phases) becomes a row ``m_t = (…, …)`` in the
rule's own order, its value taken from the recorded step (:class:`~optim_core.trajectory.StepRecord`):

- a state buffer by its declared ``symbol`` (its previous value, the declared ``fills`` symbol, on the row
  before it); a buffer the reference does not keep for these hyperparameters (``StateBuffer.active``) says so;
- an indicator by its ``symbol`` (RAdam's ρ_t, r_t; NAdam's μ_t …);
- ``g_t``: the gradient the rule uses — the recorded one plus λθ_{t−1} where the weight decay is coupled;
- ``\theta_{t-1}`` assigned (AdamW, Lion): θ_{t−1} after the decoupled decay; ``\theta_t``: the new point;
- a few symbols the rule defines from others (RAdam's m̂_t and ρ_∞, NAdam's d_t, SWATS's s_t): computed here.

A line whose right-hand side is a ``cases`` environment gets the case taken at this step (``t = 1``, RAdam's
``\rho_t > 5``, FTRL's ``|z_t| \le \lambda_1`` per coordinate, or ``otherwise``), decided by the recorded
flag indicator of that condition.  The flags themselves (AMSGrad's max, Adamax's max, SWATS's phase and switch)
are listed as :class:`Branch` es, which the panel words through the catalogue.  The learning rate η is the
scheduled one of this step; Δθ_t, θ_t and the effective learning rate close the block.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from optim_core.spec import Indicator, OptimizerSpec, StateBuffer
from optim_core.trajectory import StepRecord, Trajectory

from .numbers import tex_num, tex_vec
from .vectors import check_step, coupled_decay, decay, record_of

COORDS = ("x", "y")
_ASSIGN = re.compile(r"\\leftarrow")
_SYMBOL_AT_END = re.compile(
    r"((?:\\(?:hat|tilde|bar|vec|check|dot)\s*)*(?:\\(?!q?quad\b)[A-Za-z]+|[A-Za-z])"
    r"(?:_\{[^{}]*\}|_\\?[A-Za-z0-9]+)?)\s*&?\s*$"
)
_CASES = re.compile(r"\\begin\{cases\}(.*?)\\end\{cases\}", re.S)


# ----------------------------------------------------------------------------------------- reading the rule
def rule_lines(latex: str) -> list[str]:
    r"""The rows of an ``aligned`` rule: split on ``\\`` outside braces and ``cases`` environments."""
    body = latex.strip()
    body = re.sub(r"^\\begin\{aligned\}", "", body)
    body = re.sub(r"\\end\{aligned\}$", "", body.strip())
    lines, depth, env, start, i = [], 0, 0, 0, 0
    while i < len(body):
        if body.startswith(r"\begin{", i):
            env += 1
        elif body.startswith(r"\end{", i):
            env -= 1
        ch = body[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif body.startswith("\\\\", i) and depth == 0 and env == 0:
            lines.append(body[start:i])
            i += 2
            if body.startswith("[", i):  # \\[4pt]
                i = body.index("]", i) + 1
            start = i
            continue
        elif ch == "\\":  # skip the escaped character (\{ \} \\ inside)
            i += 2
            continue
        i += 1
    lines.append(body[start:])
    return [ln.strip() for ln in lines if ln.strip()]


@dataclass(frozen=True)
class Assignment:
    symbol: str  # LaTeX, normalised spacing: "m_t", r"\hat v_t"
    rhs: str  # the right-hand side up to the next assignment on the line
    cases: tuple[tuple[str, str], ...] = ()  # (value, condition) of a cases right-hand side


def norm(symbol: str) -> str:
    """One spelling of a LaTeX symbol: single spaces, none before a subscript or inside braces' edges."""
    s = " ".join(symbol.split())
    s = re.sub(r"\s*_\s*", "_", s)
    return s.strip()


def assignments(line: str) -> list[Assignment]:
    r"""The ``symbol \leftarrow rhs`` pairs of one rule line, in order."""
    marks = [m.start() for m in _ASSIGN.finditer(line)]
    out = []
    for k, pos in enumerate(marks):
        m = _SYMBOL_AT_END.search(line[:pos])
        if not m:
            continue
        end = len(line) if k + 1 == len(marks) else marks[k + 1]
        rhs = line[pos + len(r"\leftarrow") : end]
        if k + 1 < len(marks):  # drop the next assignment's symbol from this right-hand side
            nxt = _SYMBOL_AT_END.search(line[:end])
            if nxt:
                rhs = line[pos + len(r"\leftarrow") : nxt.start()]
        cases: tuple[tuple[str, str], ...] = ()
        c = _CASES.search(rhs)
        if c:
            rows = re.split(r"\\\\(?:\[[^\]]*\])?", c.group(1))
            parsed = []
            for row in rows:
                if "&" in row:
                    value, cond = row.split("&", 1)
                    parsed.append((value.strip(), cond.strip()))
            cases = tuple(parsed)
        out.append(Assignment(norm(m.group(1)), rhs.strip().rstrip(",").strip(), cases))
    return out


def rule_assignments(spec: OptimizerSpec) -> list[Assignment]:
    """Every assignment of the spec's rule, in the rule's order (a symbol assigned twice appears twice)."""
    return [a for line in rule_lines(spec.latex) for a in assignments(line)]


# ----------------------------------------------------------------------------------------- one step's values
@dataclass(frozen=True)
class Row:
    """One line of the block: ``symbol = value``.

    key: where the value comes from ("grad", "theta", "theta_prev", "decayed", "delta", "eff_lr", "lr",
    "state:<buffer>", "prev:<buffer>", "indicator:<name>", "derived:<symbol>", "param:<name>").
    value: (d,) or a scalar; None where there is no number (a buffer the reference does not keep).
    note: LaTeX after the value (the case taken, "> 5").
    """

    symbol: str
    key: str
    value: np.ndarray | float | None
    note: str = ""

    def tex(self) -> str:
        shown = "" if self.value is None else tex_vec(self.value)
        sep = " = " if self.value is not None else r"\quad "
        return f"{self.symbol} &{sep}{shown}{self.note}"


@dataclass(frozen=True)
class Branch:
    """A flag indicator at this step: which branch the rule took (per coordinate or for the whole run)."""

    indicator: Indicator
    value: np.ndarray | float  # 1.0 / 0.0 per coordinate (d,) or one number; NaN: does not apply


@dataclass(frozen=True)
class StepEquation:
    optimizer: str
    step: int
    rows: list[Row]
    branches: list[Branch] = field(default_factory=list)
    params: list[Row] = field(default_factory=list)  # the hyperparameters (η is a row of ``rows``)

    def row(self, key: str) -> Row:
        for r in self.rows:
            if r.key == key:
                return r
        raise KeyError(key)

    @property
    def latex(self) -> str:
        lines = [r.tex() for r in self.rows]
        shown = [p for p in self.params if p.value is not None]
        for k in range(0, len(shown), 2):  # the hyperparameters, two a row (the panel is narrow)
            lines.append(r"&\quad " + r",\ ".join(f"{p.symbol} = {tex_value(p.value)}" for p in shown[k : k + 2]))
        return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


class _Step:
    """The recorded values of step t of start b, as the rule's symbols."""

    def __init__(self, traj: Trajectory, b: int, t: int) -> None:
        self.traj = traj
        self.spec: OptimizerSpec = traj.optimizer
        self.rec: StepRecord = record_of(traj)
        self.b, self.t = b, t
        self.i = t - 1
        self.batch = traj.batch
        self.hp = traj.params_for(b)

    def param(self, name: str, default: float = 0.0) -> float:
        return float(self.hp.get(name, default))

    def buffer_value(self, buf: StateBuffer, prev: bool = False) -> np.ndarray:
        arr = self.rec.state[buf.name]
        if prev:
            if self.i == 0:
                init = self.spec.init(np.asarray(self.traj.points[0].T, dtype=float), self.traj.params)
                v = np.asarray(init[buf.name], dtype=float)
                return v[..., self.b] if v.ndim else v
            return arr[self.i - 1, self.b]
        return arr[self.i, self.b]

    def kept(self, buf: StateBuffer) -> bool:
        """The reference keeps this buffer for these hyperparameters (and, if it is lazy, has created it)."""
        if not bool(np.broadcast_to(np.asarray(buf.active(self.traj.params)), (self.batch,))[self.b]):
            return False
        if buf.lazy and "in_sgd_phase" in self.rec.indicators:  # SWATS creates it at its switch to SGD
            return bool(self.rec.indicators["in_sgd_phase"][self.i, self.b] == 1.0)
        return True

    @property
    def theta_prev(self) -> np.ndarray:
        return np.asarray(self.traj.points[self.i, self.b])

    @property
    def lr(self) -> float:
        return float(self.rec.lr[self.i, self.b])

    def coupled_decay(self) -> bool:
        return coupled_decay(self.spec.id, self.hp)

    def grad_used(self) -> np.ndarray:
        g = self.rec.grad[self.i, self.b]
        if self.coupled_decay():
            return g + self.param("weight_decay") * self.theta_prev
        return g


def _derived(spec_id: str) -> dict[str, Callable[[_Step], np.ndarray | float | None]]:
    """Symbols the rule defines from recorded ones (not state, not an indicator)."""

    def m_hat(s: _Step) -> np.ndarray:
        return s.rec.state["exp_avg"][s.i, s.b] / (1.0 - s.param("beta1") ** s.t)

    def rho_inf(s: _Step) -> float:
        return 2.0 / (1.0 - s.param("beta2")) - 1.0

    def nadam_d(s: _Step) -> np.ndarray:
        v = s.rec.state["exp_avg_sq"][s.i, s.b]
        return np.sqrt(v / (1.0 - s.param("beta2") ** s.t)) + s.param("eps")

    def swats_s(s: _Step) -> np.ndarray | None:
        if s.rec.indicators["in_sgd_phase"][s.i, s.b] == 1.0:
            return None  # an SGD step: there is no Adam step s_t
        delta = s.rec.delta[s.i, s.b]
        pull = decay(s.spec, s.traj)
        return delta if pull is None else delta - np.nan_to_num(pull[s.i, s.b])

    table: dict[str, dict[str, Callable[[_Step], np.ndarray | float | None]]] = {
        "radam": {r"\hat m_t": m_hat, r"\rho_\infty": rho_inf},
        "nadam": {"d_t": nadam_d},
        "swats": {"s_t": swats_s},
    }
    return table.get(spec_id, {})


def _case_taken(a: Assignment, s: _Step, flags: dict[str, Indicator]) -> str:
    """The condition of the case the step took, as LaTeX (per coordinate where the flag is)."""
    conditions = [cond for _, cond in a.cases]
    if not conditions:
        return ""

    def otherwise(exclude: str) -> str:
        rest = [c for c in conditions if c != exclude]
        return rest[0] if rest else r"\text{otherwise}"

    for cond in conditions:
        c = norm(cond)
        if c in ("t = 1", "t=1"):
            return cond if s.t == 1 else otherwise(cond)
        if c in ("t > 1", "t>1"):
            return cond if s.t > 1 else otherwise(cond)
        ind = flags.get(c)
        if ind is None:
            continue
        v = s.rec.indicators[ind.name][s.i, s.b]
        if np.ndim(v) == 0:
            return cond if v == 1.0 else otherwise(cond)
        parts = [f"{COORDS[k]}{{:}}\\ {cond if v[k] == 1.0 else otherwise(cond)}" for k in range(len(v))]
        return r";\ ".join(parts)
    return ""


def equation(traj: Trajectory, b: int, t: int) -> StepEquation:
    """The rule of step t (1 … S) of start b with its numbers (see the module docstring)."""
    rec = record_of(traj)
    check_step(t, rec.lr.shape[0])
    if not 0 <= b < traj.batch:
        from .errors import ExplainError

        raise ExplainError("start must be from 0 to {last}, got {start}", last=traj.batch - 1, start=b)
    s = _Step(traj, b, t)
    spec = s.spec
    buffers = {norm(buf.symbol): buf for buf in spec.buffers}
    values = {norm(ind.symbol): ind for ind in spec.indicators if not ind.flag}
    flags = {norm(ind.symbol): ind for ind in spec.indicators if ind.flag}
    derived = {norm(k): fn for k, fn in _derived(spec.id).items()}

    rows: list[Row] = [
        Row(r"\eta", "lr", s.lr),
        Row(r"\theta_{t-1}", "theta_prev", s.theta_prev),
    ]
    seen: set[str] = set()
    for a in rule_assignments(spec):
        sym = a.symbol
        if sym in seen or sym == r"\theta_t":
            continue
        seen.add(sym)
        note = ""
        if a.cases:
            taken = _case_taken(a, s, flags)
            note = rf"\quad [{taken}]" if taken else ""
        if sym == "g_t":
            if s.coupled_decay():
                rows.append(Row(r"\nabla f(\theta_{t-1})", "grad_raw", rec.grad[s.i, s.b]))
            rows.append(Row("g_t", "grad", s.grad_used(), note))
        elif sym == r"\theta_{t-1}":
            pull = decay(spec, traj)
            theta = s.theta_prev if pull is None else s.theta_prev + np.nan_to_num(pull[s.i, s.b])
            rows.append(Row(r"\theta_{t-1}(1-\eta\lambda)", "decayed", theta, note))
        elif sym in buffers:
            buf = buffers[sym]
            if not s.kept(buf):
                only = (buf.only_if or "").replace("_", r"\_")
                off = not bool(np.broadcast_to(np.asarray(buf.active(traj.params)), (traj.batch,))[b])
                why = rf"\text{{({only} = off)}}" if off else r"\text{(—)}"
                rows.append(Row(sym, f"state:{buf.name}", None, why))
                continue
            rows.append(Row(norm(buf.fills), f"prev:{buf.name}", s.buffer_value(buf, prev=True)))
            rows.append(Row(sym, f"state:{buf.name}", s.buffer_value(buf), note))
        elif sym in values:
            ind = values[sym]
            v = rec.indicators[ind.name][s.i, s.b]
            if np.all(np.isnan(v)):
                rows.append(Row(sym, f"indicator:{ind.name}", None, note or r"\text{(—)}"))
            else:
                rows.append(Row(sym, f"indicator:{ind.name}", v, note))
        elif sym in derived:
            v = derived[sym](s)
            if v is None:
                rows.append(Row(sym, f"derived:{sym}", None, r"\text{(—)}"))
            else:
                rows.append(Row(sym, f"derived:{sym}", v, note))
    # indicators the rule does not assign (SWATS's estimated SGD rate), then the step itself
    for ind in spec.indicators:
        if ind.flag or norm(ind.symbol) in seen:
            continue
        v = rec.indicators[ind.name][s.i, s.b]
        if not np.all(np.isnan(v)):
            rows.append(Row(ind.symbol, f"indicator:{ind.name}", v))
    theta_note = ""
    for a in rule_assignments(spec):
        if a.symbol == r"\theta_t" and a.cases:
            taken = _case_taken(a, s, flags)
            theta_note = rf"\quad [{taken}]" if taken else ""
    rows.append(Row(r"\Delta\theta_t", "delta", rec.delta[s.i, s.b]))
    rows.append(Row(r"\theta_t", "theta", np.asarray(traj.points[t, b]), theta_note))
    rows.append(Row(r"\eta^{\mathrm{eff}}_t", "eff_lr", rec.eff_lr[s.i, s.b]))

    branches = [Branch(ind, rec.indicators[ind.name][s.i, s.b]) for ind in spec.indicators if ind.flag]
    params = [
        Row(p.symbol, f"param:{p.name}", float(s.hp[p.name]))
        for p in spec.hyperparams
        if p.kind != "bool" and p.name != "lr" and p.symbol
    ]
    return StepEquation(spec.id, t, rows, branches, params)


def tex_value(v: np.ndarray | float | None) -> str:
    return "" if v is None else tex_vec(v)


__all__ = ["Assignment", "Branch", "Row", "StepEquation", "assignments", "equation", "rule_lines", "tex_num"]
