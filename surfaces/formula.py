"""Safe parsing of user-typed surface formulas such as ``(1.5 - x + x*y)^2 + sin(x)``.

Why not ``sympy.sympify`` / ``parse_expr``?  Both call Python's ``eval`` on the
text (their documentation says so; sympy issues #10805, #24990, #6835).  Emptying
``__builtins__`` does not help: bound-method ``__globals__``, comprehension and
f-string gadgets, ``().__class__.__subclasses__()`` and ``Function('<code>')`` names
(which ``lambdify`` pastes into generated source) all reach ``os.system``.  Even
harmless-looking text can hang them: ``9**9**9**9`` or ``factorial(10**10)``.

So this module never evaluates user text.  It

1. checks the raw text: at most ``MAX_LENGTH`` characters, printable ASCII only
   (no look-alike letters, zero-width or non-breaking spaces, tabs or newlines);
2. parses it with ``ast.parse(mode="eval")``, which only builds a syntax tree;
3. walks that tree *iteratively* against a whitelist (numbers, ``x``, ``y``, ``pi``,
   ``e``, ``+ - * / ** ^``, and the functions in ``FUNCTIONS`` with exact arity),
   limiting node count, depth, literal size, exponents, polynomial degree, the
   estimated size of the second derivatives (nested functions blow those up) and
   the number of terms expanding the polynomial would generate;
4. builds the SymPy expression itself, bottom-up, from SymPy objects only.
   A constant sub-expression (no x, y) is evaluated at once as a Python float
   (overflow, division by zero and domain errors become ``FormulaError``), so no
   huge number ever reaches SymPy.

Every failure is a ``FormulaError`` (a ``ValueError``) whose message is one line
saying what is wrong and how to fix it.
"""

from __future__ import annotations

import ast
import functools
import keyword
import math
import re
import time
from dataclasses import dataclass

import numpy as np
import sympy as sp

from .base import Surface, X, Y

# --- limits -----------------------------------------------------------------
MAX_LENGTH = 300  # characters
MAX_NODES = 200  # numbers, names, operators and calls in the syntax tree
MAX_DEPTH = 100  # nesting of the syntax tree (a chain a+b+c+... counts as one level)
MAX_LITERAL = 10**15  # magnitude of a number written in the formula
MAX_EXPONENT = 100  # |constant exponent| on an expression in x, y
MAX_DEGREE = 100  # bound on the polynomial degree the powers multiply to
MAX_COST = 3000  # bound on the estimated size of a second derivative (see _cost_mul)
MAX_EXPANSION = 2000  # bound on the terms SymPy would generate expanding the polynomial (see _expansion)
_MAX_EXACT_SIZE = 12  # constant sub-expressions up to this size stay exact (1/3, 2*pi, 2**(1/2))

DOMAIN = ((-5.0, 5.0), (-5.0, 5.0))  # plot window of a typed formula
_GRID = 81  # grid used to find minima and the default start
_MINIMA_BUDGET_S = 0.05  # time box for refining the grid minima
START_QUANTILE = 0.25  # the default start has f and |grad f| in the lowest quarter of the window


class FormulaError(ValueError):
    """A formula was rejected; str() is a single line saying what is wrong and how to fix it."""

    def __init__(self, message: object) -> None:
        super().__init__(" ".join(str(message).split()))


# name -> (arity, SymPy function, float function).  Only these names can ever be
# called.  Every SymPy function here has a NumPy translation in lambdify, which
# prints *only* names of this table (plus numbers, x, y, pi, E) into the source it
# generates -- no user-chosen name ever reaches that generated code.
FUNCTIONS: dict[str, tuple[int, object, object]] = {
    "sin": (1, sp.sin, math.sin),
    "cos": (1, sp.cos, math.cos),
    "tan": (1, sp.tan, math.tan),
    "asin": (1, sp.asin, math.asin),
    "acos": (1, sp.acos, math.acos),
    "atan": (1, sp.atan, math.atan),
    "atan2": (2, sp.atan2, math.atan2),  # atan2(y, x), as in Python and NumPy
    "sinh": (1, sp.sinh, math.sinh),
    "cosh": (1, sp.cosh, math.cosh),
    "tanh": (1, sp.tanh, math.tanh),
    "asinh": (1, sp.asinh, math.asinh),
    "acosh": (1, sp.acosh, math.acosh),
    "atanh": (1, sp.atanh, math.atanh),
    "exp": (1, sp.exp, math.exp),
    "log": (1, sp.log, math.log),  # natural logarithm
    "ln": (1, sp.log, math.log),
    "sqrt": (1, sp.sqrt, math.sqrt),
    "abs": (1, sp.Abs, abs),
}
_ALLOWED_FUNCTIONS = ", ".join(sorted(FUNCTIONS))
_CONSTANTS = {"pi": (math.pi, sp.pi), "e": (math.e, sp.E), "E": (math.e, sp.E)}
_VARIABLES = {"x": X, "y": Y}

_WHITESPACE = " \t\r\n\f\v"
_BAD = (sp.zoo, sp.nan, sp.oo, sp.S.NegativeInfinity)

# Messages for syntax the parser accepts but a formula must not contain.
_FORBIDDEN = {
    ast.Attribute: "attribute access is not allowed",
    ast.Subscript: "indexing with [...] is not allowed",
    ast.Lambda: "lambda is not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.FormattedValue: "f-strings are not allowed",
    ast.NamedExpr: "assignment (:=) is not allowed",
    ast.Compare: "comparisons (<, >, ==, ...) are not allowed",
    ast.BoolOp: "'and' / 'or' are not allowed",
    ast.IfExp: "conditional expressions (... if ... else ...) are not allowed",
    ast.Starred: "'*' unpacking is not allowed",
    ast.Tuple: "a formula is one expression: remove the commas (tuples are not allowed)",
    ast.List: "lists [...] are not allowed",
    ast.Set: "sets {...} are not allowed",
    ast.Dict: "dicts {...} are not allowed",
    ast.Await: "await is not allowed",
    ast.Yield: "yield is not allowed",
    ast.YieldFrom: "yield is not allowed",
    ast.Slice: "slices are not allowed",
}
_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_BAD_BINOPS = {
    ast.FloorDiv: "'//' is not allowed: use /",
    ast.Mod: "'%' is not allowed",
    ast.MatMult: "'@' is not allowed: use *",
    ast.BitOr: "'|' is not allowed",
    ast.BitAnd: "'&' is not allowed",
    ast.LShift: "'<<' is not allowed",
    ast.RShift: "'>>' is not allowed",
    ast.BitXor: "'^' is not allowed",
}
_BAD_UNARY = {ast.Not: "'not' is not allowed", ast.Invert: "'~' is not allowed"}


# --- values carried while building --------------------------------------------
@dataclass(frozen=True)
class _Const:
    """A constant sub-expression: its float value, and a small exact SymPy form if it has one."""

    value: float
    exact: sp.Expr | None = None
    size: int = 1


@dataclass(frozen=True)
class _Var:
    """A sub-expression in x and/or y with a bound on its polynomial degree and
    estimates of the tree sizes of it and of its first and second derivatives."""

    expr: sp.Expr
    degree: int
    cost: tuple[int, int, int] = (1, 1, 0)
    expansion: tuple[int, int] = (1, 0)  # (terms once expanded, work to expand)


_ZERO_COST = (1, 0, 0)  # a constant: its derivatives vanish


def _cost(v: _Const | _Var) -> tuple[int, int, int]:
    return v.cost if isinstance(v, _Var) else _ZERO_COST


# Estimated tree sizes (S, D1, D2) of an expression, its derivative and its second
# derivative, by the sum, product and chain rules.  Nested functions and long
# products make D2 grow like the cube of their length (sin(sin(...)) 58 deep: a
# Hessian with 10^5 nodes, seconds to differentiate and lambdify), so D2 is capped.
def _cost_add(a, b):
    return a[0] + b[0] + 1, a[1] + b[1] + 1, a[2] + b[2] + 1


def _cost_mul(a, b):
    (sa, d1a, d2a), (sb, d1b, d2b) = a, b
    d1 = (d1a + sb + 1 if d1a else 0) + (sa + d1b + 1 if d1b else 0) + 1
    d2 = (d2a + sb + 1 if d2a else 0) + (2 * (d1a + d1b) + 3 if d1a and d1b else 0) + (sa + d2b + 1 if d2b else 0) + 1
    return sa + sb + 1, d1, d2


def _cost_fn(g, extra: int = 2):
    """f(g) where f' and f'' add about `extra` nodes around a copy of g."""
    sg, d1g, d2g = g
    if not d1g:
        return sg + 1, 0, 0
    d1 = sg + extra + d1g + 1
    d2 = (sg + extra + 2 * d1g + 2) + (sg + extra + d2g + 1 if d2g else 0) + 1
    return sg + 1, d1, d2


# Expanding a polynomial (sympy.Poly does, e.g. in Surface.curvature_bound) costs about
# one unit per generated term: (x^2+y^2+x*y+x+y+1)^20 generates C(25, 5) = 53130 terms by
# the multinomial theorem and takes 5 s; (x+y+1)^100 generates 5151 and takes 1 s.
def _monomials(degree: int) -> int:
    return (degree + 1) * (degree + 2) // 2  # distinct monomials of a polynomial in x, y


def _expansion(v: _Const | _Var) -> tuple[int, int]:
    return v.expansion if isinstance(v, _Var) else (1, 0)


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def _clip(s: str, n: int = 40) -> str:
    return s if len(s) <= n else s[: n - 3] + "..."


def _to_sympy(v: _Const | _Var) -> sp.Expr:
    if isinstance(v, _Var):
        return v.expr
    if v.exact is not None:
        return v.exact
    if float(v.value).is_integer() and abs(v.value) <= 2**53:
        return sp.Integer(int(v.value))
    return sp.Float(v.value)


def _small_exact(e: sp.Expr | None) -> sp.Expr | None:
    """Keep an exact constant only while it stays small (no 300-digit rationals)."""
    if e is None or not e.is_number or e.has(*_BAD, sp.I):
        return None
    if e.is_Rational and (abs(e.p) > MAX_LITERAL or e.q > MAX_LITERAL):
        return None
    return e


def _checked(v: float, what: str) -> float:
    if not math.isfinite(v):
        raise FormulaError(f"{what} overflows: use smaller numbers")
    return v


# --- constant folding (Python floats, never SymPy on big numbers) -------------
def _const_binop(op: type, a: _Const, b: _Const) -> _Const:
    fa, fb = a.value, b.value
    shown = f"{_fmt(fa)} {_BINOPS[op]} {_fmt(fb)}"
    try:
        if op is ast.Add:
            v = fa + fb
        elif op is ast.Sub:
            v = fa - fb
        elif op is ast.Mult:
            v = fa * fb
        elif op is ast.Div:
            if fb == 0:
                raise FormulaError(f"division by zero ({shown})")
            v = fa / fb
        else:
            if fa == 0 and fb < 0:
                raise FormulaError(f"0 to a negative power is a division by zero ({shown})")
            if fa < 0 and not fb.is_integer():
                raise FormulaError(f"a negative number to a fractional power is not real ({shown})")
            v = math.pow(fa, fb)
    except OverflowError:
        raise FormulaError(f"the constant {_clip(shown)} overflows: use smaller numbers") from None
    _checked(v, f"the constant {_clip(shown)}")

    exact = None
    size = a.size + b.size + 1
    if a.exact is not None and b.exact is not None and size <= _MAX_EXACT_SIZE:
        ea, eb = a.exact, b.exact
        if op is ast.Add:
            exact = ea + eb
        elif op is ast.Sub:
            exact = ea - eb
        elif op is ast.Mult:
            exact = ea * eb
        elif op is ast.Div:
            exact = ea / eb
        elif (eb.is_Integer and abs(eb) <= 16) or (
            eb.is_Rational
            and eb.q in (2, 3)
            and abs(eb.p) <= 16
            and (ea in (sp.pi, sp.E) or (ea.is_Rational and ea > 0))
        ):
            exact = ea**eb
    return _Const(v, _small_exact(exact), size)


def _const_call(name: str, args: list[_Const]) -> _Const:
    _, _, fn = FUNCTIONS[name]
    shown = f"{name}({', '.join(_fmt(a.value) for a in args)})"
    try:
        v = float(fn(*(a.value for a in args)))
    except OverflowError:
        raise FormulaError(f"{shown} overflows: use a smaller argument") from None
    except (ValueError, ZeroDivisionError):
        raise FormulaError(f"{shown} is undefined (not a real number)") from None
    _checked(v, shown)
    exact = None
    if name in ("sqrt", "abs") and args[0].exact is not None and args[0].size < _MAX_EXACT_SIZE:
        a = args[0].exact
        if name == "abs" or a in (sp.pi, sp.E) or (a.is_Rational and a > 0):
            exact = FUNCTIONS[name][1](a)
    return _Const(v, _small_exact(exact), args[0].size + 1)


def _collapse(expr: sp.Expr) -> _Const | _Var | None:
    """If SymPy cancelled x and y away (x - x, exp(log(2))...), return the constant."""
    if expr.free_symbols:
        return None
    if expr.has(*_BAD):
        raise FormulaError("the formula divides by zero (or takes log(0)) for every x, y")
    if expr.has(sp.I):
        raise FormulaError("the formula is not a real number for any x, y")
    try:
        v = float(expr)
    except (TypeError, ValueError, OverflowError):
        raise FormulaError("a constant in the formula is not a finite real number") from None
    _checked(v, "a constant in the formula")
    return _Const(v, _small_exact(expr) if expr.is_Rational else None, 1)


# --- building expressions in x, y ---------------------------------------------
def _var_binop(op: type, a: _Const | _Var, b: _Const | _Var) -> _Const | _Var:
    sa, sb = _to_sympy(a), _to_sympy(b)
    da = a.degree if isinstance(a, _Var) else 0
    db = b.degree if isinstance(b, _Var) else 0
    ca, cb = _cost(a), _cost(b)
    (ta, wa), (tb, wb) = _expansion(a), _expansion(b)
    if op in (ast.Add, ast.Sub):
        expr = sp.Add(sa, sb) if op is ast.Add else sp.Add(sa, sp.Mul(sp.S.NegativeOne, sb))
        deg, cost = max(da, db), _cost_add(ca, cb)
        expansion = (min(ta + tb, _monomials(deg)), wa + wb + ta + tb)
    elif op is ast.Mult:
        expr, deg, cost = sp.Mul(sa, sb), da + db, _cost_mul(ca, cb)
        expansion = (min(ta * tb, _monomials(deg)), wa + wb + ta * tb)
    elif op is ast.Div:
        if isinstance(b, _Const) and b.value == 0:
            raise FormulaError("division by zero: the divisor is 0")
        expr, deg, cost = sp.Mul(sa, sp.Pow(sb, sp.S.NegativeOne)), da + db, _cost_mul(ca, _cost_fn(cb))
        expansion = (ta, wa) if isinstance(b, _Const) else (1, wa + wb)  # not a polynomial
    else:  # Pow
        if isinstance(b, _Const):
            if abs(b.value) > MAX_EXPONENT:
                raise FormulaError(
                    f"exponent {_fmt(b.value)} is too large: at most {MAX_EXPONENT} on an expression in x or y"
                )
            deg, cost = da * max(1, math.ceil(abs(b.value))), _cost_fn(ca)
            if b.value >= 0 and float(b.value).is_integer():
                generated = math.comb(ta + int(b.value) - 1, int(b.value)) if b.value else 1
                expansion = (min(generated, _monomials(deg)), wa + generated)
            else:
                expansion = (1, wa)  # not a polynomial
        else:
            if isinstance(a, _Const) and a.value < 0:
                raise FormulaError(
                    f"{_fmt(a.value)} to a power that depends on x or y is not a real number: use a positive base"
                )
            deg = max(da, db, 1)
            # a**b = exp(b*log(a)): its derivatives repeat a, b and a**b itself.
            inner = _cost_mul(cb, _cost_fn(ca))
            _, d1, d2 = _cost_fn(inner, extra=ca[0] + cb[0] + 2)
            cost = (ca[0] + cb[0] + 1, d1, d2)
            expansion = (1, wa + wb)
        expr = sp.Pow(sa, sb)
    if deg > MAX_DEGREE:
        raise FormulaError(f"the powers multiply to degree {deg}: at most {MAX_DEGREE} is allowed")
    if expansion[1] > MAX_EXPANSION:
        raise FormulaError(
            f"multiplied out, the formula has too many terms (about {expansion[1]}, "
            f"at most {MAX_EXPANSION}): use smaller powers of sums"
        )
    return _collapse(expr) or _make_var(expr, deg, cost, expansion)


def _make_var(expr: sp.Expr, degree: int, cost: tuple[int, int, int], expansion: tuple[int, int]) -> _Var:
    if cost[2] > MAX_COST:
        raise FormulaError(
            "the formula is too complex to differentiate quickly (too many nested "
            "functions or multiplied factors): simplify it"
        )
    return _Var(expr, degree, cost, expansion)


def _var_call(name: str, args: list[_Const | _Var]) -> _Const | _Var:
    fn = FUNCTIONS[name][1]
    expr = fn(*(_to_sympy(a) for a in args))
    deg = max([1] + [a.degree for a in args if isinstance(a, _Var)])
    if len(args) == 2:  # atan2(a, b): derivatives carry a, b and a^2 + b^2
        ca, cb = _cost(args[0]), _cost(args[1])
        cost = _cost_fn(_cost_add(ca, cb), extra=2 * (ca[0] + cb[0]) + 4)
    else:
        cost = _cost_fn(_cost(args[0]))
    expansion = (1, sum(_expansion(a)[1] for a in args))  # a function of x, y is not a polynomial
    return _collapse(expr) or _make_var(expr, deg, cost, expansion)


# --- syntax errors --------------------------------------------------------------
_TOKEN = re.compile(
    r"""\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<name>[A-Za-z_]\w*)"""
    r"""|(?P<str>'[^']*'?|"[^"]*"?)|(?P<op>\*\*|.))"""
)


def _group_back(src: str, close: int) -> int:
    """Start of the parenthesised group ending at src[close] == ')', with a function name before it."""
    level = 0
    for i in range(close, -1, -1):
        level += {")": 1, "(": -1}.get(src[i], 0)
        if level == 0:
            while i > 0 and (src[i - 1].isalnum() or src[i - 1] == "_"):
                i -= 1
            return i
    return close


def _group_forward(src: str, open_: int) -> int:
    """End (exclusive) of the parenthesised group starting at src[open_] == '('."""
    level = 0
    for i in range(open_, len(src)):
        level += {"(": 1, ")": -1}.get(src[i], 0)
        if level == 0:
            return i + 1
    return open_ + 1


def _missing_operator(left: str, right: str) -> FormulaError:
    left, right = _clip(left.strip(), 30), _clip(right.strip(), 30)
    return FormulaError(f"missing operator between {left} and {right}: write {left}*{right}")


def _implicit_multiplication(src: str) -> FormulaError | None:
    """Find `2x`, `2 x`, `x y`, `)(`, `)x`, `2(` ... in text Python could not parse."""
    prev = None  # (kind, text, start, end)
    for m in _TOKEN.finditer(src):
        kind = m.lastgroup
        text = m.group(kind)
        start, end = m.start(kind), m.end(kind)
        if kind == "name" and keyword.iskeyword(text):
            kind = "keyword"
        elif kind == "op" and text in "()":
            kind = text
        cur = (kind, text, start, end)
        if prev is not None:
            pk, ptext, pstart, pend = prev
            left_ok = pk in ("num", "name", ")")
            right_ok = kind in ("num", "name", "(")
            is_call = pk == "name" and kind == "(" and ptext not in _VARIABLES and ptext not in _CONSTANTS
            if left_ok and right_ok and not is_call:
                lstart = _group_back(src, pstart) if pk == ")" else pstart
                rend = _group_forward(src, start) if kind == "(" else end
                return _missing_operator(src[lstart:pend], src[start:rend])
        if kind != "op" or text.strip():
            prev = cur
    return None


def _syntax_error(src: str, origin: list[int], lead: int, err: SyntaxError) -> FormulaError:
    msg = str(err.msg or "invalid syntax")
    if "nested" in msg or "too complex" in msg:
        return FormulaError("the formula is too deeply nested: remove some parentheses")
    found = _implicit_multiplication(src)
    if found is not None:
        return found
    opened, closed = src.count("("), src.count(")")
    if opened != closed:
        return FormulaError(f"unbalanced parentheses: {opened} '(' but {closed} ')'")
    offset = (err.offset or 1) - 1
    idx = origin[min(max(offset, 0), len(origin) - 1)] if origin else 0
    near = _clip(src[idx : idx + 12], 12)
    return FormulaError(
        f"invalid syntax at position {lead + idx + 1} (near {near!r}): check the operators and parentheses"
    )


# --- the parser -------------------------------------------------------------------
def _prepare(text: object) -> tuple[str, int]:
    """Length and character checks; returns (stripped text, number of leading characters stripped)."""
    if not isinstance(text, str):
        raise FormulaError(f"a formula must be text, got {type(text).__name__}")
    src = text.strip(_WHITESPACE)
    if len(src) > MAX_LENGTH:
        raise FormulaError(f"formula is too long ({len(src)} characters, at most {MAX_LENGTH})")
    if not src:
        raise FormulaError("the formula is empty: type an expression in x and y, e.g. x^2 + 3*y^2")
    lead = len(text) - len(text.lstrip(_WHITESPACE))
    for i, ch in enumerate(src):
        if " " <= ch <= "~":
            continue
        pos = lead + i + 1
        if ch in "\t\n\r\f\v":
            name = {"\t": "a tab", "\n": "a line break", "\r": "a line break"}.get(ch, "a control character")
            raise FormulaError(f"the formula must be one line with plain spaces (found {name} at position {pos})")
        shown = f"'{ch}' U+{ord(ch):04X}" if ch.isprintable() else f"U+{ord(ch):04X}"
        raise FormulaError(
            f"only printable ASCII is allowed (found {shown} at position {pos}): "
            "retype the formula with plain letters, digits and spaces"
        )
    return src, lead


def _children(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        head = [] if isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS else [node.func]
        return head + list(node.args)
    return []


def _check_node(node: ast.AST, src: str, origin: list[int]) -> None:
    """Raise FormulaError unless the node itself is on the whitelist (children are checked later)."""
    for kind, message in _FORBIDDEN.items():
        if isinstance(node, kind):
            raise FormulaError(message)
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINOPS:
            raise FormulaError(_BAD_BINOPS.get(type(node.op), f"operator {type(node.op).__name__} is not allowed"))
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.UAdd, ast.USub)):
            raise FormulaError(_BAD_UNARY.get(type(node.op), "this operator is not allowed"))
    elif isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, bool):
            raise FormulaError(f"{v} is not allowed: use 1 or 0")
        if isinstance(v, complex):
            raise FormulaError("complex numbers (like 1j) are not allowed")
        if isinstance(v, (str, bytes)):
            raise FormulaError("text in quotes is not allowed")
        if v is None or v is Ellipsis:
            raise FormulaError(f"{'None' if v is None else '...'} is not allowed")
        if not isinstance(v, (int, float)):
            raise FormulaError("only numbers are allowed as constants")
        if (isinstance(v, float) and not math.isfinite(v)) or abs(v) > MAX_LITERAL:
            shown = _clip(_segment(node, src, origin), 20)
            raise FormulaError(f"the number {shown} is too large (at most 1e15 in magnitude)")
    elif isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise FormulaError(f"{node.id} is a function: write {node.id}(...)")
        if node.id not in _VARIABLES and node.id not in _CONSTANTS:
            if node.id in ("X", "Y"):
                raise FormulaError(f"unknown name '{node.id}': use lower-case x and y")
            raise FormulaError(f"unknown name '{_clip(node.id, 20)}': use x and y (constants: pi, e)")
    elif isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name) and func.id not in _VARIABLES and func.id not in _CONSTANTS:
            if func.id not in FUNCTIONS:
                raise FormulaError(f"function '{_clip(func.id, 20)}' is not available; allowed: {_ALLOWED_FUNCTIONS}")
            if node.keywords:
                raise FormulaError(f"{func.id} takes no keyword arguments: write {func.id}(...)")
            arity = FUNCTIONS[func.id][0]
            if any(isinstance(a, ast.Starred) for a in node.args):
                raise FormulaError("'*' unpacking is not allowed")
            if len(node.args) != arity:
                plural = "argument" if arity == 1 else "arguments"
                raise FormulaError(f"{func.id} takes {arity} {plural}, got {len(node.args)}")
        elif node.keywords:
            raise FormulaError("keyword arguments are not allowed")
    elif not isinstance(node, ast.expr):
        raise FormulaError(f"{type(node).__name__} is not allowed in a formula")
    else:
        raise FormulaError(f"this kind of expression ({type(node).__name__}) is not allowed")


def _segment(node: ast.AST, src: str, origin: list[int]) -> str:
    """The original text of a node (ast offsets refer to the text with ^ replaced by **)."""
    try:
        start, end = node.col_offset, node.end_col_offset
        return src[origin[start] : origin[end - 1] + 1]
    except (AttributeError, IndexError, TypeError):
        return "..."


def _call_as_multiplication(node: ast.Call, src: str, origin: list[int]) -> FormulaError:
    """`2(x+1)`, `(x)(y)`, `x(y)`: the user meant a product."""
    whole = _segment(node, src, origin)
    func = node.func
    if not node.args and isinstance(func, ast.Name):
        return FormulaError(f"{func.id} is not a function: to multiply, write {func.id}*(...)")
    if whole.endswith(")"):
        cut = _group_back(whole, len(whole) - 1)
        # _group_back also swallows a preceding name; we want just the parenthesis.
        while cut < len(whole) and whole[cut] != "(":
            cut += 1
        left, right = whole[:cut], whole[cut:]
        if left.strip():
            return _missing_operator(left, right)
    return FormulaError("missing operator before '(': write * for multiplication")


def parse_formula(text: str) -> sp.Expr:
    """Parse a formula in x and y into a SymPy expression, or raise FormulaError.

    Accepts numbers, x, y, pi, e (E), + - * / ** ^ (power), parentheses and the
    functions in FUNCTIONS.  Never evaluates the text.
    """
    try:
        return _parse(text)
    except FormulaError:
        raise
    except (RecursionError, MemoryError):
        raise FormulaError("the formula is too deeply nested or too large") from None
    except Exception as exc:  # a SymPy corner case: still one clean line, never a traceback
        raise FormulaError(f"could not build the formula ({type(exc).__name__}): simplify it") from None


def _parse(text: object) -> sp.Expr:
    src, lead = _prepare(text)
    # '^' means power here (it has no other allowed meaning); origin maps positions back.
    translated, origin = [], []
    for i, ch in enumerate(src):
        translated.append("**" if ch == "^" else ch)
        origin.extend([i, i] if ch == "^" else [i])
    try:
        tree = ast.parse("".join(translated), mode="eval")
    except SyntaxError as err:
        raise _syntax_error(src, origin, lead, err) from None
    except (RecursionError, MemoryError):
        raise FormulaError("the formula is too deeply nested: remove some parentheses") from None
    except (ValueError, OverflowError):
        raise FormulaError("the formula could not be parsed: check it for typos") from None

    # Iterative post-order walk: (node, depth, children_done).
    stack: list[tuple[ast.AST, int, bool]] = [(tree.body, 1, False)]
    results: dict[int, _Const | _Var] = {}
    nodes = 0
    uses_xy = False
    while stack:
        node, depth, done = stack.pop()
        if not done:
            nodes += 1
            if nodes > MAX_NODES:
                raise FormulaError(f"the formula is too complex (more than {MAX_NODES} numbers, names and operations)")
            if depth > MAX_DEPTH:
                raise FormulaError(f"the formula is too deeply nested (more than {MAX_DEPTH} levels)")
            _check_node(node, src, origin)
            stack.append((node, depth, True))
            for child in reversed(_children(node)):
                # a + b + c + ... is a chain, not nesting: it counts as one level.
                chain = isinstance(node, ast.BinOp) and isinstance(child, ast.BinOp) and type(child.op) is type(node.op)
                stack.append((child, depth if chain else depth + 1, False))
            continue
        args = [results.pop(id(c)) for c in _children(node)]
        if isinstance(node, ast.Constant):
            v = node.value
            value = _Const(float(v), sp.Integer(v) if isinstance(v, int) else None)
        elif isinstance(node, ast.Name):
            if node.id in _VARIABLES:
                uses_xy = True
                value = _Var(_VARIABLES[node.id], 1)
            else:
                value = _Const(*_CONSTANTS[node.id])
        elif isinstance(node, ast.UnaryOp):
            (a,) = args
            if isinstance(node.op, ast.UAdd):
                value = a
            elif isinstance(a, _Const):
                value = _Const(-a.value, None if a.exact is None else -a.exact, a.size + 1)
            else:
                value = _Var(-a.expr, a.degree, a.cost, a.expansion)
        elif isinstance(node, ast.BinOp):
            a, b = args
            op = type(node.op)
            if isinstance(a, _Const) and isinstance(b, _Const):
                value = _const_binop(op, a, b)
            else:
                value = _var_binop(op, a, b)
        else:  # ast.Call
            if not (isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS):
                raise _call_as_multiplication(node, src, origin)
            name = node.func.id
            if all(isinstance(a, _Const) for a in args):
                value = _const_call(name, args)
            else:
                value = _var_call(name, args)
        results[id(node)] = value

    root = results[id(tree.body)]
    if isinstance(root, _Const):
        if uses_xy:
            raise FormulaError(f"the formula simplifies to a constant ({_fmt(root.value)}): it must depend on x or y")
        raise FormulaError(f"the formula is constant ({_fmt(root.value)}): it must use x or y")
    expr = root.expr
    if expr.has(*_BAD):
        raise FormulaError("the formula contains a division by zero or log(0): rewrite that part")
    if expr.has(sp.I):
        raise FormulaError("the formula is not real-valued (square root or log of a negative number)")
    return expr


# --- custom surfaces ------------------------------------------------------------
def _hessian_at(s: Surface, p: np.ndarray) -> np.ndarray:
    """Central differences of the exact gradient (Surface.gradient).

    Deliberately not Surface.hessian: compiling the symbolic Hessian costs more
    than the whole minimum search (4 lambdify calls, ~25 ms for Beale), and it
    cannot be evaluated for abs(x), whose second derivative is DiracDelta (no
    NumPy translation).  Differences of the exact gradient are accurate to ~1e-8
    relative, plenty for Newton steps and the positive-definiteness test.
    """
    step = 1e-6 * (1.0 + np.abs(p))
    pts = np.array([p + [step[0], 0], p - [step[0], 0], p + [0, step[1]], p - [0, step[1]]])
    g = s.gradient(pts)
    h = np.array([(g[0] - g[1]) / (2 * step[0]), (g[2] - g[3]) / (2 * step[1])])
    return 0.5 * (h + h.T)


def _refine(s: Surface, p: np.ndarray, spacing: float, tol: float) -> tuple[np.ndarray, float] | None:
    """Damped Newton from a grid minimum (gradient steps where the Hessian is not
    positive definite); the refined point if it is a local minimum inside the domain."""
    (x0, x1), (y0, y1) = DOMAIN
    f = float(s.value(p))
    if not np.all(np.isfinite(s.gradient(p))):
        # A kink where the gradient is 0/0, e.g. sqrt(x^2 + y^2) at the origin.
        return (p, f) if _rises_around(s, p, f) else None
    for _ in range(30):
        g = s.gradient(p)
        if not np.all(np.isfinite(g)):
            return None
        gn = float(np.hypot(*g))
        if gn <= tol:
            break
        h = _hessian_at(s, p)
        d = None
        if np.all(np.isfinite(h)) and np.linalg.eigvalsh(h)[0] > 0:
            d = -np.linalg.solve(h, g)
        if d is None or not np.all(np.isfinite(d)) or g @ d >= 0:
            d = -g * (spacing / gn)
        dn = float(np.hypot(*d))
        if dn > 2 * spacing:
            d *= 2 * spacing / dn
        t = 1.0
        while t > 1e-10:  # Armijo backtracking
            q = p + t * d
            fq = float(s.value(q))
            if np.isfinite(fq) and fq <= f + 1e-4 * t * float(g @ d):
                break
            t *= 0.5
        else:
            break
        p, f = q, fq
        if not (x0 <= p[0] <= x1 and y0 <= p[1] <= y1):
            return None
    g = s.gradient(p)
    if not (np.all(np.isfinite(g)) and float(np.hypot(*g)) <= tol and np.isfinite(f)):
        return None
    h = _hessian_at(s, p)
    w = np.linalg.eigvalsh(h) if np.all(np.isfinite(h)) else np.array([-np.inf])
    if w[0] > 1e-9 * max(1.0, abs(w[-1])):
        return p, f
    if w[0] < -1e-6 * max(1.0, abs(w[-1])):
        return None  # a saddle or a maximum
    # Degenerate (x^4 + y^4, abs(x) + abs(y)): accept if f rises in every direction nearby.
    return (p, f) if _rises_around(s, p, f) else None


def _rises_around(s: Surface, p: np.ndarray, f: float) -> bool:
    ang = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    ring = np.concatenate([p + r * np.stack([np.cos(ang), np.sin(ang)], 1) for r in (1e-3, 1e-2)])
    fr = s.value(ring)
    return bool(np.isfinite(f) and np.all(np.isfinite(fr)) and np.all(fr >= f))


def _find_minima(
    s: Surface, xs: np.ndarray, ys: np.ndarray, z: np.ndarray, gnorm: np.ndarray
) -> list[tuple[float, float, float]]:
    """Strict local minima of the grid, refined; at most 8, lowest f first."""
    n = len(xs)
    zi = np.where(np.isfinite(z), z, np.inf)
    core = zi[1:-1, 1:-1]
    strict = np.isfinite(core)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if di or dj:
                strict &= core < zi[1 + di : n - 1 + di, 1 + dj : n - 1 + dj]
    ii, jj = np.nonzero(strict)
    ii, jj = ii + 1, jj + 1
    order = np.argsort(zi[ii, jj], kind="stable")[:32]
    spacing = float(xs[1] - xs[0])
    # Gradient tolerance relative to the typical slope, so that 1e-6*(x^2 + y^2) works too.
    finite = gnorm[np.isfinite(gnorm) & (gnorm > 0)]
    tol = 1e-9 * (float(np.median(finite)) if finite.size else 1.0)
    found: list[tuple[float, float, float]] = []
    deadline = time.perf_counter() + _MINIMA_BUDGET_S
    for k in order:
        if time.perf_counter() > deadline:
            break
        with np.errstate(all="ignore"):
            r = _refine(s, np.array([xs[jj[k]], ys[ii[k]]], dtype=float), spacing, tol)
        if r is None:
            continue
        p, f = r
        if all(math.hypot(p[0] - q[0], p[1] - q[1]) > 1e-4 for q in found):
            found.append((float(p[0]), float(p[1]), f))
    found.sort(key=lambda m: m[2])
    return found[:8]


def _default_start(
    xs: np.ndarray, ys: np.ndarray, z: np.ndarray, gnorm: np.ndarray, minima: list[tuple[float, float, float]]
) -> tuple[float, float]:
    """The default start, chosen for a long, visible and well-behaved path.

    Candidates: grid points in the inner 80% of the window (not on the plot's edge)
    where f and its gradient are finite and both f and |grad f| are in the lowest
    quarter of their values over the window.  That keeps the start out of regions
    where f explodes (Beale's and Rosenbrock's outer walls, where default learning
    rates diverge on the first step) and puts Rosenbrock's start in its valley.
    Among them, take the one farthest from its nearest found minimum (from the grid's
    lowest point if none was found), with directions within 20 degrees of the x or y
    axis through that minimum weighted down: starting on a symmetry axis hides
    zig-zagging (x^2 + 10*y^2 would run straight along y = 0) and keeps a saddle's
    path on its ridge.
    """
    gx, gy = np.meshgrid(xs, ys)
    pts = np.stack([gx, gy], -1).reshape(-1, 2)
    zf = z.reshape(-1)
    gnorm = gnorm.reshape(-1)
    ok = np.isfinite(zf) & np.isfinite(gnorm)
    (x0, x1), (y0, y1) = DOMAIN
    inner = (np.abs(pts[:, 0] - (x0 + x1) / 2) <= 0.4 * (x1 - x0) + 1e-9) & (
        np.abs(pts[:, 1] - (y0 + y1) / 2) <= 0.4 * (y1 - y0) + 1e-9
    )
    if not ok.any():  # f is finite somewhere but its gradient nowhere: any finite point
        ok = np.isfinite(zf)
        gnorm = np.zeros_like(zf)
    cand = ok & inner & (zf <= np.quantile(zf[ok], START_QUANTILE)) & (gnorm <= np.quantile(gnorm[ok], START_QUANTILE))
    if not cand.any():
        cand = ok & inner
    if not cand.any():
        cand = ok
    if minima:
        ref = np.array([[m[0], m[1]] for m in minima])
    else:
        ref = pts[np.argmin(np.where(ok, zf, np.inf))][None, :]
    diff = pts[:, None, :] - ref[None, :, :]  # (P, M, 2)
    dist = np.hypot(diff[..., 0], diff[..., 1])
    nearest = np.argmin(dist, axis=1)
    d = diff[np.arange(len(pts)), nearest]
    dn = dist[np.arange(len(pts)), nearest]
    angle_weight = np.minimum(1.0, np.abs(np.sin(2 * np.arctan2(d[:, 1], d[:, 0]))) / np.sin(np.radians(40)))
    score = np.where(cand, dn * angle_weight, -np.inf)
    best = int(np.argmax(score))
    return float(pts[best, 0]), float(pts[best, 1])


@functools.lru_cache(maxsize=128)
def _custom_surface(src: str) -> Surface:
    expr = parse_formula(src)
    probe = Surface(id="custom", name=src, expr=expr, domain=DOMAIN, formula=src)
    xs, ys, z = probe.grid(_GRID)
    if not np.isfinite(z).any():
        raise FormulaError(
            "f is not defined anywhere in the plot window [-5, 5] x [-5, 5]: "
            "check the arguments of log, sqrt, asin, acos"
        )
    gx, gy = np.meshgrid(xs, ys)
    gnorm = np.hypot(*np.moveaxis(probe.gradient(np.stack([gx, gy], -1)), -1, 0))
    minima = _find_minima(probe, xs, ys, z, gnorm)
    start = _default_start(xs, ys, z, gnorm, minima)
    # lambdify turns this expression into Python source.  That is safe because it was
    # built by _parse from SymPy objects only: numbers, X, Y, pi, E and the functions
    # in FUNCTIONS -- no name from the user's text can appear in the generated code.
    surface = Surface(
        id="custom",
        name=src,
        expr=expr,
        domain=DOMAIN,
        minima=tuple((round(mx, 6) + 0.0, round(my, 6) + 0.0) for mx, my, _ in minima),
        start=start,
        formula=src,
    )
    # Reuse everything the probe already compiled: cached_property values live in __dict__. Copying by
    # kind rather than by name keeps this right when Surface gains or renames a compiled property.
    for key, value in probe.__dict__.items():
        if isinstance(getattr(Surface, key, None), functools.cached_property):
            surface.__dict__[key] = value
    return surface


def custom_surface(text: str) -> Surface:
    """A Surface for a typed formula (cached by its text), or FormulaError.

    Domain [-5, 5]^2; minima are found numerically (grid, then damped Newton);
    the start is chosen by _default_start.
    """
    src, _ = _prepare(text)
    try:
        return _custom_surface(src)
    except FormulaError:
        raise
    except (RecursionError, MemoryError):
        raise FormulaError("the formula is too complex to evaluate") from None
    except Exception as exc:
        raise FormulaError(f"could not evaluate the formula ({type(exc).__name__}): simplify it") from None


custom_surface.cache_info = _custom_surface.cache_info  # type: ignore[attr-defined]
custom_surface.cache_clear = _custom_surface.cache_clear  # type: ignore[attr-defined]
