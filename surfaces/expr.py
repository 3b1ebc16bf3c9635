"""The expression tree of a typed formula, and everything computed from it in time linear in its size.

Why not let SymPy do it?  SymPy evaluates as it builds and differentiates, and its evaluation asks questions
(is this zero? positive? real?) whose cost has no bound in the size of the expression: for the 47-character
``sinh(sinh(log(y)**100))+sinh(sinh(log(x)**100))`` merely *building* the SymPy expression took 0.5 s of CPU
and its symbolic Hessian 10-18 s (``Pow.as_real_imag`` expanding ``(a + i*b)**100`` to answer ``is_zero``),
while one Python process serves a whole class.  A thread cannot interrupt SymPy and forking a threaded server
is unsafe, so the only sound bound is one proved before the work starts.  Hence this module:

* :class:`Node` — an immutable tree of numbers, x, y, pi, e, ``+ - * / **``, unary minus and the fixed
  function table.  Identical sub-trees are one object (hash-consing), constant sub-trees carry their float
  value (folded once, as Python floats, by the parser).
* :func:`compile_program` — value and exact gradient (forward-mode differentiation over the tree) as
  straight-line NumPy code: at most :data:`MAX_OPS_PER_NODE` NumPy operations per node of the tree, so the
  work per evaluation is bounded by the node count the parser caps.  The generated source is made only of the variable names,
  temporaries, numbers (``repr`` of finite floats) and the names of :data:`NUMPY_FUNCTIONS`, and it is
  checked token by token before ``compile()``: no text of the formula can reach it.
* :func:`to_python` — the same tree as a Python expression for the PyTorch script (torch function names),
  :func:`to_latex` — for display, :func:`to_sympy` — an *unevaluated* SymPy tree (``evaluate=False``: no
  questions asked) for code that wants a SymPy object, :func:`from_sympy` — a whitelist conversion of the
  built-in surfaces' (trusted) SymPy expressions, so one printer serves every surface.

Every walk here is iterative (no recursion limit), and every output is linear in the size of the tree.
"""

from __future__ import annotations

import io
import math
import re
import tokenize
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

# ------------------------------------------------------------------------------------------------- nodes
OPS = ("num", "const", "var", "neg", "add", "sub", "mul", "div", "pow", "call")
BINARY = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}

# name -> arity.  The only functions a formula can call; "ln" is parsed as "log".
ARITY: dict[str, int] = {
    "sin": 1,
    "cos": 1,
    "tan": 1,
    "asin": 1,
    "acos": 1,
    "atan": 1,
    "atan2": 2,  # atan2(y, x), as in Python, NumPy and torch
    "sinh": 1,
    "cosh": 1,
    "tanh": 1,
    "asinh": 1,
    "acosh": 1,
    "atanh": 1,
    "exp": 1,
    "log": 1,
    "sqrt": 1,
    "abs": 1,
}
CONSTANTS = {"pi": math.pi, "e": math.e}


@dataclass(frozen=True, eq=False, slots=True)
class Node:
    """One node of a formula.  ``value`` is the float value of a constant sub-tree (None if it uses x or y);
    ``deps`` is a bit mask of the variables it depends on (1: x, 2: y)."""

    op: str
    args: tuple[Node, ...] = ()
    name: str = ""  # var: "x" / "y"; const: "pi" / "e"; call: the function
    value: float | None = None
    deps: int = 0

    @property
    def is_const(self) -> bool:
        return self.value is not None


VARIABLES = ("x", "y")


class Builder:
    """Makes nodes, sharing identical sub-trees (so a sub-tree written twice is computed once)."""

    def __init__(self) -> None:
        self._memo: dict[tuple, Node] = {}

    def _make(self, op: str, args: tuple[Node, ...] = (), name: str = "", value: float | None = None) -> Node:
        key = (op, name, value if op == "num" else None, tuple(id(a) for a in args))
        node = self._memo.get(key)
        if node is None:
            deps = 0
            for a in args:
                deps |= a.deps
            if op == "var":
                deps = 1 << VARIABLES.index(name)
            node = Node(op, args, name, value if deps == 0 else None, deps)
            self._memo[key] = node
        return node

    def num(self, value: float) -> Node:
        if not math.isfinite(value):
            raise ValueError("a number in a formula must be finite")
        return self._make("num", value=float(value) + 0.0)  # + 0.0: no negative zero

    def const(self, name: str) -> Node:
        return self._make("const", name=name, value=CONSTANTS[name])

    def var(self, name: str) -> Node:
        return self._make("var", name=name)

    def op(self, op: str, args: Sequence[Node], value: float | None = None) -> Node:
        """An operator node; for a constant result the caller passes its (already checked) float value."""
        return self._make(op, tuple(args), value=value)

    def call(self, name: str, args: Sequence[Node], value: float | None = None) -> Node:
        return self._make("call", tuple(args), name=name, value=value)


def walk(root: Node) -> list[Node]:
    """Every distinct node once, children before parents (an iterative post-order over the shared tree)."""
    order: list[Node] = []
    seen: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        if node.value is None:  # a constant sub-tree is one number: its inside is never evaluated
            stack.extend((a, False) for a in reversed(node.args) if id(a) not in seen)
    return order


def tree_size(root: Node) -> int:
    """Nodes of the tree written out (shared sub-trees counted each time they appear)."""
    sizes: dict[int, int] = {}
    for node in walk_all(root):
        sizes[id(node)] = 1 + sum(sizes[id(a)] for a in node.args)
    return sizes[id(root)]


def walk_all(root: Node) -> list[Node]:
    """Like :func:`walk`, but also inside constant sub-trees (for display)."""
    order: list[Node] = []
    seen: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend((a, False) for a in reversed(node.args) if id(a) not in seen)
    return order


# ----------------------------------------------------------------------------------------- numbers
def number_literal(value: float) -> str:
    """A finite float as Python source that reads back to the same float (``2``, ``0.5``, ``-3``, ``1e+16``)."""
    v = float(value)
    if not math.isfinite(v):
        raise ValueError("only finite numbers can be printed")
    if v.is_integer() and abs(v) < 2**53:
        return str(int(v))
    return repr(v)


# ------------------------------------------------------------------------------ compiled value + gradient
# The NumPy function behind each name the generated code may call.
NUMPY_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "asin": np.arcsin,
    "acos": np.arccos,
    "atan": np.arctan,
    "atan2": np.arctan2,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "tanh": np.tanh,
    "asinh": np.arcsinh,
    "acosh": np.arccosh,
    "atanh": np.arctanh,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "sign": np.sign,  # the derivative of abs
}
# Per node: its value, two shared derivative factors (<= 6 operations), and per variable at most 6 more
# (a**b with both in x, y: db*log(a) + b*da/a, times a**b).  compile_program checks the bound.
MAX_OPS_PER_NODE = 20
_TEMP = re.compile(r"[vq]\d+|d[xy]\d+")
_ALLOWED_OPS = {"+", "-", "*", "/", "**", "(", ")", ",", "=", ":", "[", "]"}
_KEYWORDS = {"def", "return"}


class _Emitter:
    """Straight-line code: one assignment per line whose operands are temporaries, x, y or numbers."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str, int]] = []  # (target, expression, NumPy operations)
        self._n = 0

    def assign(self, prefix: str, expr: str, ops: int = 1) -> str:
        name = f"{prefix}{self._n}"
        self._n += 1
        self.lines.append((name, expr, ops))
        return name

    def render(self, results: Sequence[str]) -> tuple[list[str], int]:
        """The lines the results need (dead ones dropped), and their NumPy operation count."""
        live = {r for r in results if _TEMP.fullmatch(r)}
        kept = []
        for target, expr, ops in reversed(self.lines):
            if target in live:
                kept.append((target, expr, ops))
                live.update(_TEMP_USE.findall(expr))
        kept.reverse()
        return [f"    {t} = {e}" for t, e, _ in kept], sum(o for _, _, o in kept)


_TEMP_USE = re.compile(r"\b(?:[vq]\d+|d[xy]\d+)\b")

# A term of the derivative code: None is 0, a float is that constant, a str is an operand (a name or a number).
Term = float | str | None


def _lit(v: float) -> str:
    text = number_literal(v)
    return f"({text})" if text.startswith("-") else text


def _txt(t: float | str) -> str:
    return _lit(t) if isinstance(t, float) else t


class _Terms:
    """Arithmetic on derivative terms that folds zeros, ones and constants before emitting a line."""

    def __init__(self, em: _Emitter, prefix: str) -> None:
        self.em, self.prefix = em, prefix

    def _line(self, expr: str) -> str:
        return self.em.assign(self.prefix, expr)

    def neg(self, a: Term) -> Term:
        if a is None or isinstance(a, float):
            return None if a is None else -a + 0.0
        return self._line(f"-{a}")

    def add(self, a: Term, b: Term, sign: int = 1) -> Term:
        if b is None:
            return a
        if a is None:
            return b if sign > 0 else self.neg(b)
        if isinstance(a, float) and isinstance(b, float):
            return a + sign * b
        return self._line(f"{_txt(a)} {'+' if sign > 0 else '-'} {_txt(b)}")

    def mul(self, a: Term, b: Term) -> Term:
        if a is None or b is None:
            return None
        if isinstance(a, float) and isinstance(b, float):
            return a * b
        if a == 1.0:
            return b
        if b == 1.0:
            return a
        if a == -1.0:
            return self.neg(b)
        if b == -1.0:
            return self.neg(a)
        return self._line(f"{_txt(a)} * {_txt(b)}")

    def div(self, a: Term, b: float | str) -> Term:
        if a is None:
            return None
        if isinstance(a, float) and isinstance(b, float):
            return a / b
        if b == 1.0:
            return a
        return self._line(f"{_txt(a)} / {_txt(b)}")


def _operand(node: Node, names: dict[int, str]) -> float | str:
    """A node as a term: its value if constant, else its variable or temporary."""
    if node.value is not None:
        return float(node.value)
    if node.op == "var":
        return node.name
    return names[id(node)]


def _values(order: list[Node], em: _Emitter) -> dict[int, str]:
    """Emit one line per operation node; return each node's temporary."""
    names: dict[int, str] = {}
    for n in order:
        if n.value is not None or n.op == "var":
            continue
        a = [_txt(_operand(c, names)) for c in n.args]
        if n.op == "neg":
            expr = f"-{a[0]}"
        elif n.op in BINARY:
            expr = f"{a[0]} {BINARY[n.op]} {a[1]}"
        else:  # call
            expr = f"{n.name}({', '.join(a)})"
        names[id(n)] = em.assign("v", expr)
    return names


# f'(a) for f(a) = the function; "{a}" is the argument's operand, "{v}" the value f(a).  (text, operations)
_DERIVATIVE_FACTORS: dict[str, tuple[str, int]] = {
    "sin": ("cos({a})", 1),
    "cos": ("-sin({a})", 2),
    "tan": ("1 + {v} ** 2", 2),
    "asin": ("1 / sqrt(1 - {a} ** 2)", 4),
    "acos": ("-1 / sqrt(1 - {a} ** 2)", 4),
    "atan": ("1 / (1 + {a} ** 2)", 3),
    "sinh": ("cosh({a})", 1),
    "cosh": ("sinh({a})", 1),
    "tanh": ("1 - {v} ** 2", 2),
    "asinh": ("1 / sqrt({a} ** 2 + 1)", 4),
    "acosh": ("1 / (sqrt({a} - 1) * sqrt({a} + 1))", 6),
    "atanh": ("1 / (1 - {a} ** 2)", 3),
    "exp": ("{v}", 0),
    "log": ("1 / {a}", 1),
    "sqrt": ("0.5 / {v}", 1),
    "abs": ("sign({a})", 1),
}


def _derivatives(
    order: list[Node], names: dict[int, str], em: _Emitter, k: int, shared: dict[tuple[int, str], str]
) -> Term:
    """Forward-mode derivative of the root with respect to variable k (every node's, in order).

    ``shared`` holds derivative factors used for both variables (cos(a) for sin(a), 2*a for a**2, ...)."""
    bit = 1 << k
    T = _Terms(em, f"d{VARIABLES[k]}")
    d: dict[int, Term] = {}

    def factor(n: Node, kind: str, expr: str, ops: int) -> str:
        key = (id(n), kind)
        if key not in shared:
            shared[key] = em.assign("q", expr, ops)
        return shared[key]

    for n in order:
        if not n.deps & bit or n.value is not None:
            d[id(n)] = None
            continue
        if n.op == "var":
            d[id(n)] = 1.0
            continue
        v = names[id(n)]
        a = [_operand(c, names) for c in n.args]
        da = [d[id(c)] for c in n.args]
        out: Term
        if n.op == "neg":
            out = T.neg(da[0])
        elif n.op == "add":
            out = T.add(da[0], da[1])
        elif n.op == "sub":
            out = T.add(da[0], da[1], sign=-1)
        elif n.op == "mul":
            out = T.add(T.mul(da[0], a[1]), T.mul(a[0], da[1]))
        elif n.op == "div":  # d(a/b) = (da - (a/b) db) / b
            out = T.div(T.add(da[0], T.mul(v, da[1]), sign=-1), a[1])
        elif n.op == "pow":
            base, exponent = n.args
            if exponent.value is not None:  # c * a**(c-1) * da
                c = float(exponent.value)
                if c == 1:
                    out = da[0]
                elif c == 2:
                    out = T.mul(factor(n, "pow", f"2 * {_txt(a[0])}", 1), da[0])
                else:
                    f = factor(n, "pow", f"{_lit(c)} * {_txt(a[0])} ** {_lit(c - 1)}", 2)
                    out = T.mul(f, da[0])
            elif base.value is not None:  # a**b * log(a) * db, with a > 0 (the parser refuses a base <= 0)
                if base.value <= 0:
                    raise ValueError("a constant base of a variable power must be positive")
                out = T.mul(factor(n, "pow", f"{v} * {_lit(math.log(base.value))}", 1), da[1])
            else:  # a**b * (db * log(a) + b * da / a)
                lg = factor(n, "log", f"log({_txt(a[0])})", 1)
                inner = T.add(T.mul(da[1], lg), T.div(T.mul(a[1], da[0]), a[0]))
                out = T.mul(v, inner)
        elif n.name == "atan2":  # atan2(a, b): (b da - a db) / (a^2 + b^2)
            r = factor(n, "atan2", f"{_txt(a[0])} ** 2 + {_txt(a[1])} ** 2", 3)
            out = T.div(T.add(T.mul(a[1], da[0]), T.mul(a[0], da[1]), sign=-1), r)
        else:
            text, ops = _DERIVATIVE_FACTORS[n.name]
            f = text.format(a=_txt(a[0]), v=v)
            out = T.mul(f if ops == 0 else factor(n, "call", f, ops), da[0])
        d[id(n)] = out
    return d[id(order[-1])]


@dataclass(frozen=True)
class Program:
    """A formula compiled to NumPy: ``value(x, y)`` and ``gradient(x, y) -> [df/dx, df/dy]`` (a component
    that does not depend on the points is a Python float: broadcast it)."""

    value: Callable[..., Any]
    gradient: Callable[..., list[Any]]
    source: str  # the generated code, for inspection and tests
    ops: int  # NumPy operations per gradient evaluation (the work per optimizer step)
    nodes: int  # distinct operation nodes of the formula


def compile_program(root: Node, variables: Sequence[str] = VARIABLES) -> Program:
    """Value and exact gradient of the tree as straight-line NumPy code (see the module docstring)."""
    if root.value is not None:
        raise ValueError("a constant has no program")
    order = walk(root)
    for n in order:
        if n.op == "call" and n.name not in ARITY:
            raise ValueError("unknown function in a formula tree")
    params = ", ".join(variables)
    value_em = _Emitter()
    value_names = _values(order, value_em)
    result = _txt(_operand(root, value_names))
    value_lines, _ = value_em.render([result])

    em = _Emitter()
    names = _values(order, em)
    shared: dict[tuple[int, str], str] = {}
    comps = []
    for var in variables:
        dk = _derivatives(order, names, em, VARIABLES.index(var), shared)
        comps.append("0.0" if dk is None else repr(dk) if isinstance(dk, float) else dk)
    grad_lines, ops = em.render(comps)
    nodes = sum(1 for n in order if n.value is None)
    if ops > MAX_OPS_PER_NODE * nodes:
        raise ValueError("the gradient program is larger than its proven bound")
    source = "\n".join(
        [f"def f({params}):", *value_lines, f"    return {result}", "", f"def g({params}):", *grad_lines]
        + [f"    return [{', '.join(comps)}]", ""]
    )
    check_generated_source(source, allowed_names=set(variables) | set(NUMPY_FUNCTIONS) | {"f", "g"})
    namespace: dict[str, Any] = {"__builtins__": {}, **NUMPY_FUNCTIONS}
    exec(compile(source, "<formula>", "exec"), namespace)  # the source holds no text of the formula
    return Program(namespace["f"], namespace["g"], source, ops, nodes)


def check_generated_source(source: str, allowed_names: set[str]) -> None:
    """Refuse generated code holding anything but numbers, the allowed names, temporaries and operators.

    Defence in depth: the emitters only ever write such tokens; this proves it for every program."""
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        kind, text = tok.type, tok.string
        if kind in (tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER):
            continue
        if kind == tokenize.NUMBER and re.fullmatch(r"\d+(\.\d*)?(e[+-]?\d+)?", text):
            continue
        if kind == tokenize.NAME and (text in allowed_names or text in _KEYWORDS or _TEMP.fullmatch(text)):
            continue
        if kind == tokenize.OP and text in _ALLOWED_OPS:
            continue
        raise ValueError(f"generated code holds an unexpected token {text!r}")


# ------------------------------------------------------------------------------------------- printers
# Precedence as in Python: + - < * / < unary - < ** < atoms and calls.
_PREC = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pow": 4}
_ATOM = 5
_NEG = 3


def _wrap(parent: str, child: int, right: bool) -> bool:
    """Whether an operand of precedence ``child`` needs parentheses as the left / right operand of ``parent``,
    so that the printed text evaluates in exactly the tree's order."""
    p = _PREC[parent]
    if parent == "neg":
        return child < _ATOM and child != _PREC["pow"]  # -(a + b), -(a*b), -(-a); but -a**b is -(a**b)
    if child == _NEG and (right or parent == "pow"):
        return True  # x - (-y), x * (-3), x**(-1), (-2)**x: explicit, and never -2**x
    if parent == "pow":  # right-associative
        return child <= p if not right else child < p
    return child < p or (right and child == p)  # a + (b + c) keeps its parentheses: float order matters


_EXACT_INTEGERS = 2.0**53


def _prints_exactly(root: Node) -> bool:
    """Whether Python evaluating this constant sub-tree as written gives exactly its folded value: arithmetic
    only (no calls), with every integer-valued intermediate below 2**53 (Python's exact integers then agree
    with the floats the parser folded with) and no intermediate zero (its sign could differ)."""
    for n in walk_all(root):
        if n.op == "call" or n.value is None:
            return False
        if float(n.value).is_integer() and abs(n.value) >= _EXACT_INTEGERS:
            return False
        if n.value == 0.0:  # folded to +0.0; Python may make -0.0 (-(pi - pi)), which atan2 tells apart
            return False
    return True


def to_python(
    root: Node,
    functions: dict[str, str],
    constants: dict[str, str] | None = None,
    constant_call: Callable[[str], str] | None = None,
) -> str:
    """The tree as one Python expression in x and y, evaluating in exactly the tree's order.

    ``functions`` maps each function of the table to the source name to call (e.g. ``"torch.sin"``);
    ``constants`` names pi and e (e.g. ``{"pi": "math.pi"}``; without it they are numbers).  A constant
    sub-tree of plain arithmetic is written as it was typed (``2 * math.pi``) when Python evaluates it to the
    same float the parser folded, else as that float.  ``constant_call(literal)`` wraps a constant argument of
    a two-argument function (torch.atan2 needs tensors on both sides)."""
    constants = constants or {}
    out: dict[int, tuple[str, int]] = {}
    order = walk_all(root)
    structural = {id(n) for n in order if n.value is not None and n.op != "call" and _prints_exactly(n)}
    for n in order:
        if n.value is not None and (id(n) not in structural or n.op in ("num", "const")):
            if n.op == "const" and n.name in constants:
                out[id(n)] = (constants[n.name], _ATOM)
            else:
                text = number_literal(n.value)
                out[id(n)] = (text, _NEG if text.startswith("-") else _ATOM)
            continue
        if n.op == "var":
            out[id(n)] = (n.name, _ATOM)
            continue
        parts = []
        for i, c in enumerate(n.args):
            text, prec = out[id(c)]
            if n.op == "call":
                if c.value is not None and len(n.args) == 2 and constant_call is not None:
                    text = constant_call(repr(float(c.value)) if c.op != "const" else text)
            elif _wrap(n.op, prec, right=i == 1):
                text = f"({text})"
            parts.append(text)
        if n.op == "neg":
            out[id(n)] = (f"-{parts[0]}", _NEG)
        elif n.op == "pow":
            out[id(n)] = (f"{parts[0]}**{parts[1]}", _PREC["pow"])
        elif n.op in BINARY:
            out[id(n)] = (f"{parts[0]} {BINARY[n.op]} {parts[1]}", _PREC[n.op])
        else:
            out[id(n)] = (f"{functions[n.name]}({', '.join(parts)})", _ATOM)
    return out[id(root)][0]


_LATEX_FUNCTIONS = {
    "sin": r"\sin",
    "cos": r"\cos",
    "tan": r"\tan",
    "asin": r"\arcsin",
    "acos": r"\arccos",
    "atan": r"\arctan",
    "sinh": r"\sinh",
    "cosh": r"\cosh",
    "tanh": r"\tanh",
    "asinh": r"\operatorname{arsinh}",
    "acosh": r"\operatorname{arcosh}",
    "atanh": r"\operatorname{artanh}",
    "log": r"\ln",
    "atan2": r"\operatorname{atan2}",
}


def _latex_number(value: float) -> str:
    text = number_literal(abs(value))
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = rf"{mantissa} \cdot 10^{{{int(exponent)}}}"
    return ("-" if value < 0 else "") + text


def to_latex(root: Node) -> str:
    """LaTeX of the formula as written (constants stay 2\\pi, 1/3): numbers, x, y and fixed commands only."""
    out: dict[int, tuple[str, int]] = {}
    for n in walk_all(root):
        if n.op == "num":
            text = _latex_number(n.value or 0.0)
            out[id(n)] = (text, _NEG if text.startswith("-") else _ATOM)
            continue
        if n.op == "const":
            out[id(n)] = (r"\pi" if n.name == "pi" else "e", _ATOM)
            continue
        if n.op == "var":
            out[id(n)] = (n.name, _ATOM)
            continue
        a = [out[id(c)][0] for c in n.args]
        w = [
            rf"\left({t}\right)" if n.op in _PREC and _wrap(n.op, prec, right=i == 1) else t
            for i, (t, prec) in enumerate(out[id(c)] for c in n.args)
        ]
        prec = _PREC.get(n.op, _ATOM)
        if n.op == "neg":
            s = f"-{w[0]}"
        elif n.op in ("add", "sub"):
            s = f"{w[0]} {'+' if n.op == 'add' else '-'} {w[1]}"
        elif n.op == "mul":
            s = rf"{w[0]} \cdot {w[1]}"
        elif n.op == "div":
            s, prec = rf"\frac{{{a[0]}}}{{{a[1]}}}", _ATOM
        elif n.op == "pow":
            s = f"{{{w[0]}}}^{{{a[1]}}}"
        elif n.name == "sqrt":
            s = rf"\sqrt{{{a[0]}}}"
        elif n.name == "abs":
            s = rf"\left|{a[0]}\right|"
        elif n.name == "exp":
            s = rf"e^{{{a[0]}}}"
        else:
            s = rf"{_LATEX_FUNCTIONS[n.name]}\left({', '.join(a)}\right)"
        out[id(n)] = (s, prec)
    return out[id(root)][0]


# ------------------------------------------------------------------------------------- SymPy, both ways
_SYMPY_FUNCTIONS: dict[str, Any] = {
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "asin": sp.asin,
    "acos": sp.acos,
    "atan": sp.atan,
    "atan2": sp.atan2,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "tanh": sp.tanh,
    "asinh": sp.asinh,
    "acosh": sp.acosh,
    "atanh": sp.atanh,
    "exp": sp.exp,
    "log": sp.log,
    "abs": sp.Abs,
}


def _sympy_number(value: float) -> sp.Expr:
    if value.is_integer() and abs(value) < 2**53:
        return sp.Integer(int(value))
    return sp.Float(repr(value))


def to_sympy(root: Node, symbols: dict[str, sp.Symbol]) -> sp.Expr:
    """An unevaluated SymPy expression with the same structure (``evaluate=False`` everywhere: building it
    asks SymPy no question about its value).  Constant sub-trees become their folded value."""
    out: dict[int, sp.Expr] = {}
    for n in walk(root):
        if n.value is not None:
            if n.op == "const":
                out[id(n)] = sp.pi if n.name == "pi" else sp.E
            else:
                out[id(n)] = _sympy_number(n.value)
            continue
        if n.op == "var":
            out[id(n)] = symbols[n.name]
            continue
        a = [out[id(c)] for c in n.args]
        if n.op == "neg":
            e: sp.Expr = sp.Mul(sp.S.NegativeOne, a[0], evaluate=False)
        elif n.op == "add":
            e = sp.Add(a[0], a[1], evaluate=False)
        elif n.op == "sub":
            e = sp.Add(a[0], sp.Mul(sp.S.NegativeOne, a[1], evaluate=False), evaluate=False)
        elif n.op == "mul":
            e = sp.Mul(a[0], a[1], evaluate=False)
        elif n.op == "div":
            e = sp.Mul(a[0], sp.Pow(a[1], sp.S.NegativeOne, evaluate=False), evaluate=False)
        elif n.op == "pow":
            e = sp.Pow(a[0], a[1], evaluate=False)
        elif n.name == "sqrt":
            e = sp.Pow(a[0], sp.S.Half, evaluate=False)
        else:
            e = _SYMPY_FUNCTIONS[n.name](*a, evaluate=False)
        out[id(n)] = e
    return out[id(root)]


_FROM_SYMPY = {cls: name for name, cls in _SYMPY_FUNCTIONS.items()}


def from_sympy(expr: sp.Expr, symbols: dict[sp.Symbol, str]) -> Node:
    """A trusted SymPy expression (a built-in surface) as a tree: a whitelist conversion that raises
    ValueError on anything outside numbers, the given symbols, pi, E, + * ** and the function table."""
    b = Builder()
    out: dict[sp.Basic, Node] = {}
    stack: list[tuple[sp.Basic, bool]] = [(expr, False)]
    while stack:
        e, expanded = stack.pop()
        if e in out:
            continue
        if not expanded and e.args and not e.is_Number:
            stack.append((e, True))
            stack.extend((a, False) for a in reversed(e.args))
            continue
        out[e] = _convert(e, [out[a] for a in e.args] if e.args and not e.is_Number else [], symbols, b)
    return out[expr]


def _fold(b: Builder, op: str, args: list[Node]) -> Node:
    if all(a.value is not None for a in args):
        x = [float(a.value) for a in args]  # type: ignore[arg-type]
        value = {
            "add": lambda: x[0] + x[1],
            "sub": lambda: x[0] - x[1],
            "mul": lambda: x[0] * x[1],
            "div": lambda: x[0] / x[1],
            "pow": lambda: math.pow(x[0], x[1]),
            "neg": lambda: -x[0],
        }[op]()
        return b.op(op, args, value)
    return b.op(op, args)


def _convert(e: sp.Basic, args: list[Node], symbols: dict[sp.Symbol, str], b: Builder) -> Node:
    if e.is_Symbol:
        if e not in symbols:
            raise ValueError(f"unexpected symbol {e} in a built-in surface")
        return b.var(symbols[e])
    if e is sp.pi:
        return b.const("pi")
    if e is sp.E:
        return b.const("e")
    if e.is_Number:
        value = float(e)
        return b.num(value) if value >= 0 else _fold(b, "neg", [b.num(-value)])
    if e.is_Add:
        node = args[0]
        for a in args[1:]:
            node = _fold(b, "add", [node, a])
        return node
    if e.is_Mul:
        # SymPy writes a / b as Mul(a, Pow(b, -1)): print it as a division, as SymPy's own printers do.
        top, bottom = [], []
        for node, factor in zip(args, e.args):
            if factor.is_Pow and factor.exp.is_Number and factor.exp < 0:
                bottom.append(node.args[1])  # node is 1 / den (see the Pow branch)
            else:
                top.append(node)
        negate = bool(top) and top[0].value == -1.0
        if negate:
            top = top[1:]
        node = top[0] if top else b.num(1.0)
        for a in top[1:]:
            node = _fold(b, "mul", [node, a])
        if bottom:
            den = bottom[0]
            for a in bottom[1:]:
                den = _fold(b, "mul", [den, a])
            node = _fold(b, "div", [node, den])
        return _fold(b, "neg", [node]) if negate else node
    if e.is_Pow:
        base, exponent = args
        if e.exp == sp.S.Half:
            return _call(b, "sqrt", [base])
        if e.exp.is_Number and e.exp < 0:  # 1 / base**k, as the printers of SymPy write it
            k = float(-e.exp)
            den = _call(b, "sqrt", [base]) if k == 0.5 else base if k == 1 else _fold(b, "pow", [base, b.num(k)])
            return _fold(b, "div", [b.num(1.0), den])
        return _fold(b, "pow", [base, exponent])
    name = _FROM_SYMPY.get(type(e))
    if name is not None and len(args) == ARITY[name]:
        return _call(b, name, args)
    raise ValueError(f"a built-in surface uses {type(e).__name__}, which has no tree form")


_MATH: dict[str, Callable[..., float]] = {
    "sqrt": math.sqrt,
    "abs": abs,
    "log": math.log,
    "atan2": math.atan2,
    **{name: getattr(math, name) for name in ARITY if name not in ("sqrt", "abs", "log", "atan2")},
}


def _call(b: Builder, name: str, args: list[Node]) -> Node:
    if all(a.value is not None for a in args):
        return b.call(name, args, float(_MATH[name](*(float(a.value or 0.0) for a in args))))
    return b.call(name, args)
