"""Safe parsing of user-typed surface formulas such as ``(1.5 - x + x*y)^2 + sin(x)``.

Why not ``sympy.sympify`` / ``parse_expr``?  Both call Python's ``eval`` on the text (their documentation says
so; sympy issues #10805, #24990, #6835).  Emptying ``__builtins__`` does not help: bound-method ``__globals__``,
comprehension and f-string gadgets, ``().__class__.__subclasses__()`` and ``Function('<code>')`` names (which
``lambdify`` pastes into generated source) all reach ``os.system``.  Even harmless-looking text can hang them
(``9**9**9**9``), and SymPy's *evaluation* of a parsed expression has no time bound either (see surfaces/expr.py).

So this module never evaluates user text, and SymPy never evaluates a formula.  It

1. normalizes what a Chinese input method types (full-width letters, digits, operators and parentheses, the
   full-width comma and space, ``× ÷ · −``, superscript powers ``x²``) by a fixed table, then requires
   printable ASCII: look-alike letters (Cyrillic ``х``), zero-width and other characters are rejected with a
   message naming the character and its position;
2. reads the text with its own lexer, which knows only the formula language: numbers (decimals, scientific
   notation), ``x``, ``y``, ``pi``, ``e``, ``+ - * / ^ **``, parentheses, commas and the function names of
   ``FUNCTIONS``.  No comments, quotes, backslashes, underscores, ``0x10`` / ``0b11`` / ``0o7`` / ``1_000`` /
   ``1j`` literals or any other Python-only syntax; an unknown name is refused there, with a suggestion;
3. checks the token sequence against the grammar (operand, operator, operand ...; balanced parentheses),
   which is where ``x^2 +`` learns that something is missing at its end and ``2x`` that a ``*`` is missing;
4. checks the tokens again with Python's own ``tokenize`` (only NUMBER / NAME / the allowed OP tokens), then
   parses with ``ast.parse(mode="eval")`` (which only builds a syntax tree) and walks that tree
   *iteratively* against a whitelist, limiting node count, depth, literal size, exponents and degree;
5. builds the formula's own expression tree (surfaces/expr.py): constant sub-expressions are evaluated at once
   as Python floats (overflow, division by zero and domain errors become ``FormulaError``).

From that tree surfaces/expr.py compiles value and exact gradient to NumPy in time and size linear in the
number of nodes, with no text of the formula in the generated code.  Every failure is a ``FormulaError``
(an ``i18n.UserError``: a constant English template plus parameters, one line, translatable).
"""

from __future__ import annotations

import ast
import io
import math
import re
import threading
import tokenize
import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import numpy as np
import sympy as sp

from i18n import N_, UserError

from . import expr as ex
from .base import Surface, SurfaceError, X, Y

# --- limits -----------------------------------------------------------------
MAX_LENGTH = 300  # characters
MAX_NODES = 200  # numbers, names, operators and calls in the syntax tree
MAX_DEPTH = 100  # nesting of the syntax tree (a chain a+b+c+... counts as one level)
MAX_LITERAL = 10**15  # magnitude of a number written in the formula
MAX_EXPONENT = 100  # |constant exponent| on an expression in x, y
MAX_DEGREE = 100  # bound on the polynomial degree the powers multiply to

DOMAIN = ((-5.0, 5.0), (-5.0, 5.0))  # plot window of a typed formula
_GRID = 81  # grid used to find minima and the default start
# Work allowed to the minimum search, in NumPy operations (calls x the program's operations per call): a
# bound on work, not on wall time, so the minima found do not depend on how busy the server is.  About 50 ms.
MINIMA_BUDGET_OPS = 60_000
START_QUANTILE = 0.25  # the default start has f and |grad f| in the lowest quarter of the window


class FormulaError(UserError):
    """A formula was rejected: a one-line message template (translatable) plus its parameters."""


# name -> (arity, float function).  Only these names can ever be called.
FUNCTIONS: dict[str, tuple[int, Callable[..., float]]] = {
    "sin": (1, math.sin),
    "cos": (1, math.cos),
    "tan": (1, math.tan),
    "asin": (1, math.asin),
    "acos": (1, math.acos),
    "atan": (1, math.atan),
    "atan2": (2, math.atan2),  # atan2(y, x), as in Python and NumPy
    "sinh": (1, math.sinh),
    "cosh": (1, math.cosh),
    "tanh": (1, math.tanh),
    "asinh": (1, math.asinh),
    "acosh": (1, math.acosh),
    "atanh": (1, math.atanh),
    "exp": (1, math.exp),
    "log": (1, math.log),  # natural logarithm
    "ln": (1, math.log),
    "sqrt": (1, math.sqrt),
    "abs": (1, abs),
}
_CANONICAL = {"ln": "log"}  # the name in the expression tree
assert {_CANONICAL.get(n, n) for n in FUNCTIONS} == set(ex.ARITY)
_ALLOWED_FUNCTIONS = ", ".join(sorted(FUNCTIONS))
_CONSTANTS = {"pi": "pi", "e": "e", "E": "e"}
_VARIABLES = ("x", "y")
_ATOMS = ("x", "y", "pi", "e")  # what a glued name such as "xy" or "pix" may be made of

_WHITESPACE = " \t\r\n\f\v"

# --- what a Chinese input method types ------------------------------------------------------------------
# Full-width forms U+FF01..U+FF5E are their ASCII twins shifted by 0xFEE0; this is exactly what NFKC does to
# them (a test checks it), and nothing else of NFKC is applied: NFKC also turns ﬁ into fi, ℯ into e, 𝑥 into x
# and U+00A0 into a space, which a formula box has no reason to accept.
_FULLWIDTH_FIRST, _FULLWIDTH_LAST = 0xFF01, 0xFF5E
IME_MAP: dict[str, str] = {
    "\u3000": " ",  # ideographic (full-width) space
    "\u00d7": "*",  # × multiplication sign
    "\u00f7": "/",  # ÷ division sign
    "\u00b7": "*",  # · middle dot
    "\u22c5": "*",  # ⋅ dot operator
    "\u2212": "-",  # − minus sign
    "\u3002": ".",  # 。 ideographic full stop: the '.' key in Chinese punctuation mode
}
_SUPERSCRIPTS = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8", "⁹": "9"}
_SUPERSCRIPT_MINUS = "⁻"

# Characters outside the formula language, with what to say about them.  {char} is the character as typed
# (a full-width ＃ is named as such), {pos} its 1-based position in the text as typed.
_BAD_CHARS: dict[str, str] = {
    "#": N_("'{char}' at position {pos}: comments are not allowed in a formula"),
    "'": N_("'{char}' at position {pos}: text in quotes is not allowed in a formula"),
    '"': N_("'{char}' at position {pos}: text in quotes is not allowed in a formula"),
    "`": N_("'{char}' at position {pos}: text in quotes is not allowed in a formula"),
    "\\": N_("'{char}' at position {pos}: backslashes are not allowed in a formula"),
    "[": N_("'{char}' at position {pos}: square brackets are not allowed, use ( and )"),
    "]": N_("'{char}' at position {pos}: square brackets are not allowed, use ( and )"),
    "{": N_("'{char}' at position {pos}: braces are not allowed, use ( and )"),
    "}": N_("'{char}' at position {pos}: braces are not allowed, use ( and )"),
    "%": N_("'{char}' at position {pos} is not allowed: there is no remainder operator"),
    "@": N_("'{char}' at position {pos} is not allowed: write * to multiply"),
    "=": N_("'{char}' at position {pos}: a formula is an expression, without =, < or >"),
    "<": N_("'{char}' at position {pos}: a formula is an expression, without =, < or >"),
    ">": N_("'{char}' at position {pos}: a formula is an expression, without =, < or >"),
    "!": N_("'{char}' at position {pos}: a formula is an expression, without =, < or >"),
    "|": N_("'{char}' at position {pos} is not allowed: write abs(x) for |x|"),
    "_": N_(
        "'{char}' at position {pos}: names with '_' are not available in a formula; "
        "use x, y, pi, e and the functions {functions}"
    ),
    ".": N_("'{char}' at position {pos}: attribute access is not allowed (only decimals such as 0.5 contain a dot)"),
}
_BAD_CHAR = N_("'{char}' at position {pos} is not allowed in a formula")
# Non-ASCII characters a user may well type, with a hint.
_HINTS: dict[str, str] = {
    "\u2026": N_(
        "'{char}' at position {pos} is not allowed: for a power type ^ with the input method in English mode "
        "(in Chinese mode the ^ key types ……)"
    ),
    "\u201c": N_("'{char}' at position {pos}: text in quotes is not allowed in a formula"),
    "\u201d": N_("'{char}' at position {pos}: text in quotes is not allowed in a formula"),
    "\u2018": N_("'{char}' at position {pos}: text in quotes is not allowed in a formula"),
    "\u2019": N_("'{char}' at position {pos}: text in quotes is not allowed in a formula"),
    "\u3010": N_("'{char}' at position {pos}: square brackets are not allowed, use ( and )"),
    "\u3011": N_("'{char}' at position {pos}: square brackets are not allowed, use ( and )"),
    "\u3001": N_("'{char}' at position {pos} is not allowed: separate the arguments of atan2 with a comma"),
}


# --- normalization and character checks ---------------------------------------------------------------
class _Text(NamedTuple):
    src: str  # normalized, stripped, printable ASCII
    origin: tuple[int, ...]  # origin[i]: index in the text as typed of src[i]
    raw: str  # the text as typed


def _normalize(text: str) -> tuple[str, list[int]]:
    """Apply IME_MAP, the full-width block and superscript powers; origin maps each output character back."""
    out: list[str] = []
    origin: list[int] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in _SUPERSCRIPTS or (ch == _SUPERSCRIPT_MINUS and i + 1 < n and text[i + 1] in _SUPERSCRIPTS):
            j = i + 1
            while j < n and text[j] in _SUPERSCRIPTS:
                j += 1
            digits = "".join(_SUPERSCRIPTS.get(c, "-") for c in text[i:j])
            out.append("^" + digits)
            origin.extend([i] * (len(digits) + 1))
            i = j
            continue
        mapped = IME_MAP.get(ch)
        if mapped is None and _FULLWIDTH_FIRST <= ord(ch) <= _FULLWIDTH_LAST:
            mapped = unicodedata.normalize("NFKC", ch)
        out.append(mapped or ch)
        origin.extend([i] * len(mapped or ch))
        i += 1
    return "".join(out), origin


def _prepare(text: object) -> _Text:
    """Type, length and character checks; the normalized text with its map back to the text as typed."""
    if not isinstance(text, str):
        raise FormulaError("a formula must be text, got {kind}", kind=type(text).__name__)
    stripped = text.strip(_WHITESPACE + "\u3000")
    if len(stripped) > MAX_LENGTH:
        raise FormulaError(
            "the formula is too long ({length} characters, at most {limit})", length=len(stripped), limit=MAX_LENGTH
        )
    norm, origin = _normalize(text)
    lead = len(norm) - len(norm.lstrip(_WHITESPACE))
    src = norm.strip(_WHITESPACE)
    origin = origin[lead : lead + len(src)]
    if not src:
        raise FormulaError("the formula is empty: type an expression in x and y, e.g. x^2 + 3*y^2")
    for i, ch in enumerate(src):
        if " " <= ch <= "~":
            continue
        pos = origin[i] + 1
        typed = text[origin[i]]
        code = f"{ord(typed):04X}"
        if typed in "\n\r":
            raise FormulaError("the formula must be one line: remove the line break at position {pos}", pos=pos)
        if typed == "\t":
            raise FormulaError(
                "the formula must be one line with plain spaces: replace the tab at position {pos}", pos=pos
            )
        if typed in _HINTS:
            raise FormulaError(_HINTS[typed], char=typed, pos=pos)
        category = unicodedata.category(typed)
        if category == "Zs":
            raise FormulaError(
                "a special space (U+{code}) at position {pos} is not allowed: type a plain space", code=code, pos=pos
            )
        if category[0] in "CZM":  # control, format (zero-width), unassigned, separators, combining marks
            raise FormulaError(
                "an invisible character (U+{code}) at position {pos} is not allowed: delete it", code=code, pos=pos
            )
        raise FormulaError(
            "'{char}' (U+{code}) at position {pos} is not allowed: type x, y, digits, + - * / ^ and parentheses "
            "(the full-width characters of a Chinese input method are fine)",
            char=typed,
            code=code,
            pos=pos,
        )
    return _Text(src, tuple(origin), text)


# --- the lexer ------------------------------------------------------------------------------------------
class _Tok(NamedTuple):
    kind: str  # "num", "name", "op"
    text: str  # normalized text; "^" stays "^" (the Python source gets "**")
    start: int  # index in src
    end: int


_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_OPS = ("**", "//", "+", "-", "*", "/", "^", "(", ")", ",")


def _pos(t: _Text, i: int) -> int:
    """1-based position in the text as typed of src[i] (the end of the text for i == len(src))."""
    if i >= len(t.src):
        return len(t.raw.rstrip(_WHITESPACE + "\u3000")) + 1
    return t.origin[i] + 1


def _char(t: _Text, i: int) -> str:
    return t.raw[t.origin[i]]


def _lex(t: _Text) -> list[_Tok]:
    toks: list[_Tok] = []
    try:
        _lex_into(t, toks)
    except FormulaError:
        _check_names(t, toks)  # a bad name before the bad character is reported first
        raise
    _check_names(t, toks)
    return toks


def _lex_into(t: _Text, toks: list[_Tok]) -> None:
    src, i, n = t.src, 0, len(t.src)
    while i < n:
        ch = src[i]
        if ch == " ":
            i += 1
            continue
        if ch.isdigit() or (ch == "." and i + 1 < n and src[i + 1].isdigit()):
            m = _NUMBER.match(src, i)
            assert m is not None
            toks.append(_check_number(t, m.group(), i, m.end()))
            i = m.end()
            continue
        if ch.isalpha():
            m = _NAME.match(src, i)
            assert m is not None
            toks.append(_Tok("name", m.group(), i, m.end()))
            i = m.end()
            continue
        op = next((o for o in _OPS if src.startswith(o, i)), None)
        if op == "//":
            raise FormulaError("'{op}' at position {pos} is not allowed: write / to divide", op="//", pos=_pos(t, i))
        if op is not None:
            toks.append(_Tok("op", op, i, i + len(op)))
            i += len(op)
            continue
        if ch in _BAD_CHARS:
            raise FormulaError(_BAD_CHARS[ch], char=_char(t, i), pos=_pos(t, i), functions=_ALLOWED_FUNCTIONS)
        raise FormulaError(_BAD_CHAR, char=_char(t, i), pos=_pos(t, i))


def _check_number(t: _Text, text: str, start: int, end: int) -> _Tok:
    src, pos = t.src, _pos(t, start)
    nxt = src[end] if end < len(src) else ""
    after = src[end + 1] if end + 1 < len(src) else ""
    run = re.match(r"[0-9A-Za-z_.]*", src[start:]).group()  # type: ignore[union-attr]
    if text == "0" and nxt in "xXoObB" and nxt and (after.isalnum() or after == "_"):
        raise FormulaError(
            "'{number}' at position {pos}: write numbers in decimal (no 0x, 0o or 0b prefix)", number=run, pos=pos
        )
    if nxt in ("j", "J") and not (after.isalnum() or after == "_"):
        raise FormulaError("'{number}' at position {pos}: complex numbers are not allowed", number=text + nxt, pos=pos)
    if nxt == "_":
        raise FormulaError(
            "'{number}' at position {pos}: write numbers without '_' separators, e.g. {fixed}",
            number=run,
            pos=pos,
            fixed=run.replace("_", ""),
        )
    if nxt == ".":
        raise FormulaError("'{number}' at position {pos} is not a number", number=run, pos=pos)
    if re.fullmatch(r"0\d+", text):
        raise FormulaError(
            "'{number}' at position {pos}: a whole number does not start with 0 (write {fixed})",
            number=text,
            pos=pos,
            fixed=str(int(text)),
        )
    value = float(text)
    if not math.isfinite(value) or value > MAX_LITERAL:
        raise FormulaError(
            "the number {number} at position {pos} is too large (at most 1e15 in magnitude)",
            number=_clip(text, 20),
            pos=pos,
        )
    return _Tok("num", text, start, end)


def _next_significant(toks: list[_Tok], k: int) -> _Tok | None:
    return toks[k + 1] if k + 1 < len(toks) else None


def _split_atoms(name: str) -> list[str] | None:
    """'xy' -> ['x', 'y'], 'pix' -> ['pi', 'x']; None if the name is not a product of x, y, pi, e."""
    best: list[list[str] | None] = [None] * (len(name) + 1)
    best[0] = []
    for i in range(len(name)):
        if best[i] is None:
            continue
        for atom in _ATOMS:
            if name.startswith(atom, i) and best[i + len(atom)] is None:
                best[i + len(atom)] = [*best[i], atom]  # type: ignore[misc]
    return best[len(name)]


def _check_names(t: _Text, toks: list[_Tok]) -> None:
    for k, tok in enumerate(toks):
        if tok.kind != "name":
            continue
        name, pos = tok.text, _pos(t, tok.start)
        nxt = _next_significant(toks, k)
        calls = nxt is not None and nxt.text == "("
        if name in FUNCTIONS:
            if calls:
                continue
            after = _next_significant(toks, k + 1)
            then = _next_significant(toks, k + 2)
            if (
                nxt is not None
                and nxt.text in ("^", "**")
                and after is not None
                and after.kind == "num"
                and then is not None
                and then.text == "("
            ):
                raise FormulaError(
                    "'{name}{op}{power}(...)' at position {pos} is not allowed: write {name}(...){op}{power}",
                    name=name,
                    op=nxt.text,
                    power=after.text,
                    pos=pos,
                )
            if nxt is not None and nxt.kind in ("name", "num"):
                raise FormulaError(
                    "'{name}' at position {pos} is a function: write {name}({arg})", name=name, pos=pos, arg=nxt.text
                )
            raise FormulaError("'{name}' at position {pos} is a function: write {name}(...)", name=name, pos=pos)
        if name in _VARIABLES or name in _CONSTANTS:
            continue
        if name in ("X", "Y"):
            raise FormulaError("unknown name '{name}' at position {pos}: use lower-case x and y", name=name, pos=pos)
        shown = _clip(name, 20)
        if calls:
            raise FormulaError(
                "function '{name}' at position {pos} is not available; allowed: {functions}",
                name=shown,
                pos=pos,
                functions=_ALLOWED_FUNCTIONS,
            )
        parts = _split_atoms(name)
        if parts is not None:
            raise FormulaError(
                "unknown name '{name}' at position {pos}: write {fixed}", name=shown, pos=pos, fixed="*".join(parts)
            )
        for fn in sorted(FUNCTIONS, key=len, reverse=True):
            rest = _split_atoms(name[len(fn) :]) if name.startswith(fn) and len(name) > len(fn) else None
            if rest is not None:
                fixed = fn + "(" + "*".join(rest) + ")"
                raise FormulaError(
                    "unknown name '{name}' at position {pos}: write {fixed}", name=shown, pos=pos, fixed=fixed
                )
        raise FormulaError(
            "unknown name '{name}' at position {pos}: use x and y (constants: pi, e)", name=shown, pos=pos
        )


# --- the grammar ---------------------------------------------------------------------------------------
def _is_operand_start(tok: _Tok) -> bool:
    return tok.kind in ("num", "name") or tok.text == "("


def _group_text(t: _Text, toks: list[_Tok], k: int, forward: bool) -> str:
    """The text of the operand ending (forward=False) or starting (forward=True) at token k: a number, a
    name, or a parenthesised group with the function name before it."""
    tok = toks[k]
    if forward:
        if tok.kind == "name" and k + 1 < len(toks) and toks[k + 1].text == "(":
            k += 1
        if toks[k].text != "(":
            return tok.text
        level = 0
        for j in range(k, len(toks)):
            level += {"(": 1, ")": -1}.get(toks[j].text, 0)
            if level == 0:
                return t.src[tok.start : toks[j].end]
        return t.src[tok.start :]
    if tok.text != ")":
        return tok.text
    level = 0
    for j in range(k, -1, -1):
        level += {")": 1, "(": -1}.get(toks[j].text, 0)
        if level == 0:
            first = j - 1 if j > 0 and toks[j - 1].kind == "name" and toks[j - 1].text in FUNCTIONS else j
            return t.src[toks[first].start : tok.end]
    return t.src[: tok.end]


def _check_grammar(t: _Text, toks: list[_Tok]) -> None:
    """Operand / operator alternation and parentheses, with a message that says where."""
    # Every token but parentheses and commas is one node of the syntax tree: count them before Python parses.
    if sum(1 for tok in toks if tok.text not in ("(", ")", ",")) > MAX_NODES:
        raise FormulaError(
            "the formula is too complex (more than {limit} numbers, names and operations)", limit=MAX_NODES
        )
    expect_operand = True
    opened: list[tuple[_Tok, bool]] = []  # '(' tokens, and whether each opens a function call
    unary_run = 0
    prev: _Tok | None = None
    for k, tok in enumerate(toks):
        pos = _pos(t, tok.start)
        if expect_operand:
            if tok.kind == "num" or (tok.kind == "name" and tok.text not in FUNCTIONS):
                expect_operand = False
            elif tok.kind == "name":  # a function: _check_names made sure '(' follows
                pass
            elif tok.text == "(":
                call = prev is not None and prev.kind == "name" and prev.text in FUNCTIONS
                opened.append((tok, call))
                if len(opened) > MAX_DEPTH:
                    raise FormulaError("the formula is too deeply nested (more than {limit} levels)", limit=MAX_DEPTH)
            elif tok.text in ("+", "-"):
                unary_run += 1
                if unary_run > MAX_DEPTH:
                    raise FormulaError("the formula is too deeply nested (more than {limit} levels)", limit=MAX_DEPTH)
                prev = tok
                continue
            elif tok.text == ")":
                if prev is not None and prev.text == "(":
                    if opened and opened[-1][1]:
                        fn = toks[k - 2].text
                        raise FormulaError(
                            "'{name}()' at position {pos} needs an argument, e.g. {name}(x)",
                            name=fn,
                            pos=_pos(t, toks[k - 2].start),
                        )
                    raise FormulaError("empty parentheses '()' at position {pos}", pos=_pos(t, prev.start))
                raise FormulaError(
                    "something is missing between '{before}' and ')' at position {pos}",
                    before=prev.text if prev else "",
                    pos=pos,
                )
            elif tok.text == ",":
                raise FormulaError("something is missing before ',' at position {pos}", pos=pos)
            elif prev is None:
                raise FormulaError("the formula cannot start with '{op}' (position {pos})", op=tok.text, pos=pos)
            else:
                raise FormulaError(
                    "'{op}' at position {pos} follows '{before}': something is missing between them",
                    op=tok.text,
                    before=prev.text,
                    pos=pos,
                )
        else:
            if tok.kind == "op" and tok.text in ("+", "-", "*", "/", "**", "^"):
                expect_operand = True
            elif tok.text == ")":
                if not opened:
                    raise FormulaError("')' at position {pos} has no matching '('", pos=pos)
                opened.pop()
            elif tok.text == ",":
                if not opened or not opened[-1][1]:
                    raise FormulaError(
                        "',' at position {pos}: commas only separate the arguments of atan2(y, x)", pos=pos
                    )
                expect_operand = True
            elif tok.text == "(" and k + 1 < len(toks) and toks[k + 1].text == ")":
                raise FormulaError("empty parentheses '()' at position {pos}", pos=pos)
            else:  # an operand right after an operand: 2x, x y, (x)(y), 2(x+1)
                left = _group_text(t, toks, k - 1, forward=False)
                right = _group_text(t, toks, k, forward=True)
                left, right = _clip(left, 30), _clip(right, 30)
                raise FormulaError(
                    "missing operator between {left} and {right} at position {pos}: write {left}*{right}",
                    left=left,
                    right=right,
                    pos=pos,
                )
        unary_run = 0
        prev = tok
    if expect_operand:
        assert prev is not None  # an empty formula was refused before
        raise FormulaError(
            "the formula ends too early: something is missing after '{op}' at position {pos}",
            op=prev.text,
            pos=_pos(t, prev.start),
        )
    if opened:
        raise FormulaError(
            "unbalanced parentheses: the '(' at position {pos} is never closed", pos=_pos(t, opened[-1][0].start)
        )


# --- Python's tokenizer and syntax tree, as a second opinion ------------------------------------------
_PY_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_PY_OPS = {"+", "-", "*", "/", "**", "(", ")", ","}


def _python_source(toks: list[_Tok]) -> str:
    return " ".join("**" if tok.text == "^" else tok.text for tok in toks)


def check_python_tokens(source: str) -> None:
    """Every token Python sees must be a decimal number, an allowed name or an allowed operator.

    Defence in depth behind the lexer: a comment, a string, a prefixed or imaginary literal, a line
    continuation or anything else makes this raise FormulaError."""
    allowed_names = set(FUNCTIONS) | set(_VARIABLES) | set(_CONSTANTS)
    bad = re.search(r"[^0-9A-Za-z .+\-*/(),]", source)  # one line, no quotes, '#', '\\', '_' or anything else
    if bad:
        raise FormulaError("the formula could not be read near '{text}': check it for typos", text=bad.group())
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        raise FormulaError("the formula could not be read: check it for typos") from None
    for tok in tokens:
        kind, text = tok.type, tok.string
        if kind in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER):
            continue
        ok = (
            (kind == tokenize.NUMBER and _PY_NUMBER.fullmatch(text) is not None)
            or (kind == tokenize.NAME and text in allowed_names)
            or (kind == tokenize.OP and text in _PY_OPS)
        )
        if not ok:
            raise FormulaError("the formula could not be read near '{text}': check it for typos", text=_clip(text, 12))


def _children(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        return list(node.args)
    return []


_AST_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}


def _check_node(node: ast.AST) -> None:
    """Raise FormulaError unless the node itself is on the whitelist (children are checked later)."""
    if isinstance(node, ast.BinOp) and type(node.op) in _AST_BINOPS:
        return
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        return
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return
    if isinstance(node, ast.Name) and (node.id in _VARIABLES or node.id in _CONSTANTS):
        return
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in FUNCTIONS
        and not node.keywords
        and not any(isinstance(a, ast.Starred) for a in node.args)
    ):
        arity = FUNCTIONS[node.func.id][0]
        if len(node.args) != arity:
            template = (
                N_("{name} takes 1 argument, got {count}")
                if arity == 1
                else N_("{name} takes {arity} arguments, got {count}")
            )
            raise FormulaError(template, name=node.func.id, arity=arity, count=len(node.args))
        return
    raise FormulaError("this kind of expression ({kind}) is not allowed in a formula", kind=type(node).__name__)


# --- building the tree ------------------------------------------------------------------------------------
def _fmt(v: float) -> str:
    return f"{v:.6g}"


def _clip(s: str, n: int = 40) -> str:
    return s if len(s) <= n else s[: n - 3] + "..."


def _const_binop(op: str, a: float, b: float) -> float:
    shown = f"{_fmt(a)} {ex.BINARY[op]} {_fmt(b)}"
    try:
        if op == "add":
            v = a + b
        elif op == "sub":
            v = a - b
        elif op == "mul":
            v = a * b
        elif op == "div":
            if b == 0:
                raise FormulaError("division by zero ({expression})", expression=shown)
            v = a / b
        else:
            if a == 0 and b < 0:
                raise FormulaError("0 to a negative power is a division by zero ({expression})", expression=shown)
            if a < 0 and not float(b).is_integer():
                raise FormulaError(
                    "a negative number to a fractional power is not real ({expression})", expression=shown
                )
            v = math.pow(a, b)
    except OverflowError:
        v = math.inf
    if not math.isfinite(v):
        raise FormulaError("the constant {expression} overflows: use smaller numbers", expression=_clip(shown))
    return v


def _const_call(name: str, args: list[float]) -> float:
    fn = FUNCTIONS[name][1]
    shown = f"{name}({', '.join(_fmt(a) for a in args)})"
    try:
        v = float(fn(*args))
    except OverflowError:
        raise FormulaError("{expression} overflows: use a smaller argument", expression=shown) from None
    except (ValueError, ZeroDivisionError):
        raise FormulaError("{expression} is undefined (not a real number)", expression=shown) from None
    if not math.isfinite(v):
        raise FormulaError("{expression} overflows: use a smaller argument", expression=shown)
    return v


class _Build:
    """Bottom-up construction of the expression tree, with constant folding and the degree bound."""

    def __init__(self) -> None:
        self.b = ex.Builder()
        self.degree: dict[int, int] = {}

    def _deg(self, n: ex.Node) -> int:
        return self.degree.get(id(n), 0) if n.value is None else 0

    def _node(self, node: ex.Node, degree: int) -> ex.Node:
        if degree > MAX_DEGREE:
            raise FormulaError(
                "the powers multiply to degree {degree}: at most {limit} is allowed", degree=degree, limit=MAX_DEGREE
            )
        if node.value is None:
            self.degree[id(node)] = degree
        return node

    def number(self, v: float) -> ex.Node:
        return self.b.num(v)

    def name(self, name: str) -> ex.Node:
        if name in _VARIABLES:
            return self._node(self.b.var(name), 1)
        return self.b.const(_CONSTANTS[name])

    def neg(self, a: ex.Node) -> ex.Node:
        if a.value is not None:
            return self.b.op("neg", [a], -a.value + 0.0)
        return self._node(self.b.op("neg", [a]), self._deg(a))

    def binop(self, op: str, a: ex.Node, c: ex.Node) -> ex.Node:
        if a.value is not None and c.value is not None:
            return self.b.op(op, [a, c], _const_binop(op, a.value, c.value))
        da, dc = self._deg(a), self._deg(c)
        if op == "sub" and a is c:  # x - x: the same sub-tree (shared), so exactly 0
            return self.b.num(0.0)
        if op in ("add", "sub"):
            deg = max(da, dc)
        elif op in ("mul", "div"):
            if op == "div" and c.value == 0:
                raise FormulaError("division by zero: the divisor is 0")
            deg = da + dc
        elif c.value is not None:  # pow with a constant exponent
            if abs(c.value) > MAX_EXPONENT:
                raise FormulaError(
                    "exponent {exponent} is too large: at most {limit} on an expression in x or y",
                    exponent=_fmt(c.value),
                    limit=MAX_EXPONENT,
                )
            deg = da * max(1, math.ceil(abs(c.value)))
        else:
            if a.value is not None and a.value <= 0:
                raise FormulaError(
                    "{base} to a power that depends on x or y is not a real number: use a positive base",
                    base=_fmt(a.value),
                )
            deg = max(da, dc, 1)
        return self._node(self.b.op(op, [a, c]), deg)

    def call(self, name: str, args: list[ex.Node]) -> ex.Node:
        canonical = _CANONICAL.get(name, name)
        if all(a.value is not None for a in args):
            return self.b.call(canonical, args, _const_call(name, [float(a.value) for a in args]))  # type: ignore[arg-type]
        return self._node(self.b.call(canonical, args), max([1] + [self._deg(a) for a in args]))


def parse_tree(text: str) -> ex.Node:
    """Parse a formula in x and y into its expression tree, or raise FormulaError (see the module docstring)."""
    try:
        return _parse(text)
    except FormulaError:
        raise
    except (RecursionError, MemoryError):
        raise FormulaError("the formula is too deeply nested or too large") from None
    except Exception as exc:  # a corner case nobody foresaw: still one clean line, never a traceback
        raise FormulaError("could not read the formula ({kind}): simplify it", kind=type(exc).__name__) from None


def parse_formula(text: str) -> sp.Expr:
    """The formula as a SymPy expression in X, Y (unevaluated: SymPy is asked nothing about it), or
    FormulaError.  Same structure, same numbers as :func:`parse_tree`."""
    return ex.to_sympy(parse_tree(text), {"x": X, "y": Y})


def _parse(text: object) -> ex.Node:
    t = _prepare(text)
    toks = _lex(t)
    _check_grammar(t, toks)
    source = _python_source(toks)
    check_python_tokens(source)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as err:
        if "nested" in str(err.msg) or "too complex" in str(err.msg):
            raise FormulaError("the formula is too deeply nested: remove some parentheses") from None
        raise FormulaError("the formula could not be read: check the operators and parentheses") from None
    except (RecursionError, MemoryError):
        raise FormulaError("the formula is too deeply nested: remove some parentheses") from None

    # Iterative post-order walk: (node, depth, children_done).
    stack: list[tuple[ast.AST, int, bool]] = [(tree.body, 1, False)]
    results: dict[int, ex.Node] = {}
    build = _Build()
    nodes = 0
    uses_xy = False
    while stack:
        node, depth, done = stack.pop()
        if not done:
            nodes += 1
            if nodes > MAX_NODES:
                raise FormulaError(
                    "the formula is too complex (more than {limit} numbers, names and operations)", limit=MAX_NODES
                )
            if depth > MAX_DEPTH:
                raise FormulaError("the formula is too deeply nested (more than {limit} levels)", limit=MAX_DEPTH)
            _check_node(node)
            stack.append((node, depth, True))
            for child in reversed(_children(node)):
                # a + b + c + ... is a chain, not nesting: it counts as one level.
                chain = isinstance(node, ast.BinOp) and isinstance(child, ast.BinOp) and type(child.op) is type(node.op)
                stack.append((child, depth if chain else depth + 1, False))
            continue
        args = [results.pop(id(c)) for c in _children(node)]
        if isinstance(node, ast.Constant):
            assert isinstance(node.value, (int, float))  # _check_node let nothing else through
            value = build.number(float(node.value))
        elif isinstance(node, ast.Name):
            uses_xy = uses_xy or node.id in _VARIABLES
            value = build.name(node.id)
        elif isinstance(node, ast.UnaryOp):
            value = args[0] if isinstance(node.op, ast.UAdd) else build.neg(args[0])
        elif isinstance(node, ast.BinOp):
            value = build.binop(_AST_BINOPS[type(node.op)], args[0], args[1])
        else:
            assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            value = build.call(node.func.id, args)
        results[id(node)] = value

    root = results[id(tree.body)]
    if root.value is not None:
        if uses_xy:
            raise FormulaError(
                "the formula simplifies to a constant ({value}): it must depend on x or y", value=_fmt(root.value)
            )
        raise FormulaError("the formula is constant ({value}): it must use x or y", value=_fmt(root.value))
    return root


# --- custom surfaces ------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class FormulaSurface(Surface):
    """A surface (or a 1-D curve) typed as a formula: f and its gradient come from the formula's own compiled
    program (surfaces/expr.py), so no SymPy differentiation, simplification or lambdify ever runs on user
    input; the Hessian and the curvature bound are Surface's finite differences of that gradient.  ``expr`` is
    an unevaluated SymPy tree for code that wants one; ``latex`` is printed from the tree."""

    tree: ex.Node | None = field(default=None, repr=False)
    program: ex.Program | None = field(default=None, repr=False)

    @property
    def _program(self) -> ex.Program:
        assert self.program is not None, "a FormulaSurface is made by formula_surface()"
        return self.program

    # The compiled callables Surface.value / .gradient / .grid / .hessian use (cached properties there).
    @property
    def _f(self) -> Callable[..., Any]:
        return self._program.value

    @property
    def gradient_fn(self) -> Callable[..., list[Any]]:
        return self._program.gradient


def formula_surface(text: str, domain: tuple[tuple[float, float], ...] = DOMAIN) -> FormulaSurface:
    """A typed formula parsed and compiled over ``domain`` (no minima or start yet): a 2-D surface, or a 1-D
    curve when the domain has one axis (the formula must then be in x alone).  FormulaError / SurfaceError."""
    src = _prepare(text).src
    tree = parse_tree(text)  # messages give positions in the text as typed
    dim = len(domain)
    if dim == 1 and tree.deps & 2:
        raise SurfaceError("a 1-D curve is a formula in x alone; this one uses y")
    return FormulaSurface(
        id="custom",
        name=src,
        expr=ex.to_sympy(tree, {"x": X, "y": Y}),
        domain=domain,
        formula=src,
        latex=ex.to_latex(tree),
        tree=tree,
        program=ex.compile_program(tree, _VARIABLES[:dim]),
    )


class _Work:
    """The minimum search's budget: each call of f or its gradient costs the program's operation count."""

    def __init__(self, s: FormulaSurface, budget: int) -> None:
        self.s, self.left, self.cost = s, budget, max(1, s._program.ops)

    @property
    def exhausted(self) -> bool:
        return self.left <= 0

    def value(self, p: np.ndarray) -> np.ndarray:
        self.left -= self.cost
        return self.s.value(p)

    def gradient(self, p: np.ndarray) -> np.ndarray:
        self.left -= self.cost
        return self.s.gradient(p)


def _hessian_at(s: Surface | _Work, p: np.ndarray) -> np.ndarray:
    """Central differences of the exact gradient (accurate to ~1e-8 relative: plenty for Newton steps and the
    positive-definiteness test; abs(x), whose second derivative is a Dirac delta, needs no special case)."""
    step = 1e-6 * (1.0 + np.abs(p))
    pts = np.array([p + [step[0], 0], p - [step[0], 0], p + [0, step[1]], p - [0, step[1]]])
    g = s.gradient(pts)
    h = np.array([(g[0] - g[1]) / (2 * step[0]), (g[2] - g[3]) / (2 * step[1])])
    return 0.5 * (h + h.T)


def _refine(w: _Work, p: np.ndarray, spacing: float, tol: float) -> tuple[np.ndarray, float] | None:
    """Damped Newton from a grid minimum (gradient steps where the Hessian is not positive definite); the
    refined point if it is a local minimum inside the domain (None, too, when the work budget runs out)."""
    (x0, x1), (y0, y1) = DOMAIN
    f = float(w.value(p))
    if not np.all(np.isfinite(w.gradient(p))):
        # A kink where the gradient is 0/0, e.g. sqrt(x^2 + y^2) at the origin.
        return (p, f) if _rises_around(w, p, f) else None
    for _ in range(30):
        if w.exhausted:
            return None
        g = w.gradient(p)
        if not np.all(np.isfinite(g)):
            return None
        gn = float(np.hypot(*g))
        if gn <= tol:
            break
        h = _hessian_at(w, p)
        d = None
        if np.all(np.isfinite(h)) and np.linalg.eigvalsh(h)[0] > 0:
            d = -np.linalg.solve(h, g)
        if d is None or not np.all(np.isfinite(d)) or g @ d >= 0:
            d = -g * (spacing / gn)
        dn = float(np.hypot(*d))
        if dn > 2 * spacing:
            d *= 2 * spacing / dn
        t = 1.0
        while t > 1e-10 and not w.exhausted:  # Armijo backtracking
            q = p + t * d
            fq = float(w.value(q))
            if np.isfinite(fq) and fq <= f + 1e-4 * t * float(g @ d):
                break
            t *= 0.5
        else:
            break
        p, f = q, fq
        if not (x0 <= p[0] <= x1 and y0 <= p[1] <= y1):
            return None
    g = w.gradient(p)
    if not (np.all(np.isfinite(g)) and float(np.hypot(*g)) <= tol and np.isfinite(f)):
        return None
    h = _hessian_at(w, p)
    eig = np.linalg.eigvalsh(h) if np.all(np.isfinite(h)) else np.array([-np.inf])
    if eig[0] > 1e-9 * max(1.0, abs(eig[-1])):
        return p, f
    if eig[0] < -1e-6 * max(1.0, abs(eig[-1])):
        return None  # a saddle or a maximum
    # Degenerate (x^4 + y^4, abs(x) + abs(y)): accept if f rises in every direction nearby.
    return (p, f) if _rises_around(w, p, f) else None


def _rises_around(w: _Work, p: np.ndarray, f: float) -> bool:
    ang = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    ring = np.concatenate([p + r * np.stack([np.cos(ang), np.sin(ang)], 1) for r in (1e-3, 1e-2)])
    fr = w.value(ring)
    return bool(np.isfinite(f) and np.all(np.isfinite(fr)) and np.all(fr >= f))


def _find_minima(
    s: FormulaSurface, xs: np.ndarray, ys: np.ndarray, z: np.ndarray, gnorm: np.ndarray
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
    work = _Work(s, MINIMA_BUDGET_OPS)
    for k in order:
        if work.exhausted:
            break
        with np.errstate(all="ignore"):
            r = _refine(work, np.array([xs[jj[k]], ys[ii[k]]], dtype=float), spacing, tol)
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


_WINDOW = "[-5, 5] x [-5, 5]"


def _check_window(z: np.ndarray, g: np.ndarray) -> None:
    """Refuse a formula that leaves an optimizer nothing to do in the plot window."""
    finite = np.isfinite(z)
    if not finite.any():
        if np.isinf(z).all():
            raise FormulaError(
                "f overflows in the whole plot window {window} (its values are too large for floating point): "
                "use smaller numbers or fewer nested exp, sinh, cosh",
                window=_WINDOW,
            )
        if np.isinf(z).any():
            raise FormulaError(
                "f is not finite anywhere in the plot window {window}: it overflows in some places and is "
                "undefined in the others (check the arguments of log, sqrt, asin, acos and the sizes of exp, sinh)",
                window=_WINDOW,
            )
        raise FormulaError(
            "f is not defined anywhere in the plot window {window}: check the arguments of log, sqrt, asin, acos",
            window=_WINDOW,
        )
    # An area: some sample point whose eight neighbours are all finite too.
    n = finite.shape[0]
    area = finite[1:-1, 1:-1].copy()
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            area &= finite[1 + di : n - 1 + di, 1 + dj : n - 1 + dj]
    if not area.any():
        raise FormulaError(
            "f is defined only at isolated points or along lines of the plot window {window} (at {count} of "
            "{total} sample points): an optimizer needs an area to move in",
            window=_WINDOW,
            count=int(finite.sum()),
            total=finite.size,
        )
    usable = finite & np.isfinite(g).all(axis=-1)
    if not usable.any():
        raise FormulaError(
            "the gradient of f is not finite anywhere in the plot window {window}: an optimizer cannot take a step",
            window=_WINDOW,
        )
    if not np.any(g[usable]):
        raise FormulaError(
            "f does not change in the plot window (its gradient is 0 everywhere): it must depend on x or y"
        )


def _finish_surface(probe: FormulaSurface) -> FormulaSurface:
    """Check the plot window, find the minima and the default start of a 2-D formula surface."""
    xs, ys, z = probe.grid(_GRID)
    gx, gy = np.meshgrid(xs, ys)
    g = probe.gradient(np.stack([gx, gy], -1))
    _check_window(z, g)
    gnorm = np.hypot(g[..., 0], g[..., 1])
    minima = _find_minima(probe, xs, ys, z, gnorm)
    start = _default_start(xs, ys, z, gnorm, minima)
    return replace(probe, minima=tuple((round(mx, 6) + 0.0, round(my, 6) + 0.0) for mx, my, _ in minima), start=start)


class _Cache:
    """A small thread-safe LRU of built surfaces, keyed by the normalized formula text."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, FormulaSurface] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: str) -> FormulaSurface | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return item

    def put(self, key: str, value: FormulaSurface) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.hits = self.misses = 0

    def info(self) -> dict[str, int]:
        with self._lock:
            return {"hits": self.hits, "misses": self.misses, "size": len(self._items), "maxsize": self.size}


_CACHE = _Cache(128)


def custom_surface(text: str) -> FormulaSurface:
    """A Surface for a typed formula (cached by its normalized text), or FormulaError.

    Domain [-5, 5]^2; minima are found numerically (grid, then damped Newton within a work budget);
    the start is chosen by _default_start.  The work is linear in the formula's node count."""
    src = _prepare(text).src
    cached = _CACHE.get(src)
    if cached is not None:
        return cached
    probe = formula_surface(text)
    try:
        surface = _finish_surface(probe)
    except FormulaError:
        raise
    except (RecursionError, MemoryError):
        raise FormulaError("the formula is too complex to evaluate") from None
    except Exception as exc:
        raise FormulaError("could not evaluate the formula ({kind}): simplify it", kind=type(exc).__name__) from None
    _CACHE.put(src, surface)
    return surface


def cache_info() -> dict[str, int]:
    return _CACHE.info()


def cache_clear() -> None:
    _CACHE.clear()


custom_surface.cache_info = cache_info  # type: ignore[attr-defined]
custom_surface.cache_clear = cache_clear  # type: ignore[attr-defined]
