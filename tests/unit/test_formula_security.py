"""Hostile input for the formula parser: every entry must be rejected cleanly and fast,
and nothing may execute code, spawn a process or touch a file."""

from __future__ import annotations

import builtins
import glob
import os
import subprocess
import time

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import surfaces.formula as formula
from surfaces.base import X, Y
from surfaces.formula import FormulaError, custom_surface, parse_formula

FAST = 0.5  # seconds per input; the real figures are ~1 ms

# (formula, a substring the message must contain, or None for "any clean rejection")
HOSTILE: list[tuple[str, str | None]] = [
    # code-execution gadgets
    ("__import__('os').system('touch /tmp/pwned')", "attribute access"),
    ("__import__('os')", "function '__import__' is not available"),
    ("().__class__.__bases__[0].__subclasses__()", "attribute access"),
    ("x.__class__", "attribute access"),
    ("lambda: 1", "lambda"),
    ("[c for c in ().__class__.__mro__]", "comprehension"),
    ("(c for c in [1])", "comprehension"),
    ("(y:=1)", ":="),
    ('f"{1}"', "f-string"),
    ("f\"{__import__('os').system('touch /tmp/pwned_f')}\"", "f-string"),
    ("sin.__globals__", "attribute access"),
    ('exec("1")', "function 'exec' is not available"),
    ("eval('1')", "function 'eval' is not available"),
    ("open('/etc/passwd')", "function 'open' is not available"),
    ("Function('os.system')(x)", "function 'Function' is not available"),
    ("Symbol('x')", "function 'Symbol' is not available"),
    ("x if 1 else y", "conditional"),
    ("x[0]", "indexing"),
    ("x.real", "attribute access"),
    ("getattr(x,'y')", "function 'getattr' is not available"),
    ("1 and x", "'and' / 'or'"),
    ("not x", "'not'"),
    ("x < y", "comparisons"),
    ("*x", "invalid syntax"),
    ("sin(*x)", "unpacking"),
    ("sin(x=1)", "keyword"),
    ("'abc'", "quotes"),
    ("b'a'", "quotes"),
    ("1j*x", "complex"),
    ("True*x", "True is not allowed"),
    ("None", "None"),
    ("...", "..."),
    ("{1: x}", "dicts"),
    ("[x]", "lists"),
    ("{x}", "sets"),
    ("x, y", "remove the commas"),
    ("x @ y", "'@'"),
    ("x // 2", "'//'"),
    ("x % 2", "'%'"),
    ("~x", "'~'"),
    ("x | y", "'|'"),
    # resource exhaustion
    ("9**9**9**9", "overflows"),
    ("(((9**99)**99)**99)**99", "overflows"),
    ("(1/3)**(10**9)", "constant"),
    ("factorial(10**10)", "function 'factorial' is not available"),
    ("exp(exp(exp(100)))*x", "overflows"),
    ("x**(10**10)", "exponent"),
    ("(x+y+1)**(99*99)", "exponent"),
    ("((x+1)**100)**100", "degree"),
    ("(x^2+y^2+x*y+x+y+1)^50", "too many terms"),  # sympy.Poly would expand it for minutes
    ("((x+y+1)^7+x)^7", "too many terms"),
    ("(x+y+1)^100", "too many terms"),
    ("1e999*x", "too large"),
    ("123456789012345678*x", "too large"),
    ("cosh(1000)*x", "overflows"),
    ("sin(" * 58 + "x" + ")" * 58, "too complex"),
    ("*".join(f"sin(x+{i})" for i in range(1, 30)), "too complex"),
    ("/".join(f"(x+{i})" for i in range(1, 40)), "too complex"),
    ("(" * 10000 + "x" + ")" * 10000, "too long"),
    ("x" * 100_000, "too long (100000 characters, at most 300)"),
    ("+".join(["x"] * 151), "too long (301 characters"),
    ("+".join(["x"] * 150), "too complex"),
    ("-" * 299 + "x", "too deeply nested"),
    # look-alikes and invisible characters
    ("х**2", "found 'х' U+0445 at position 1"),  # Cyrillic
    ("ｅｘｅｃ('1')", "printable ASCII"),  # fullwidth
    ("x\u200b+y", "U+200B at position 2"),  # zero-width space
    ("x\u00a0+ y", "U+00A0"),  # no-break space
    ("x\t+y", "tab at position 2"),
    ("x\n+y", "line break at position 2"),
    ("x\x00", "printable ASCII"),
    ("x\r\n__import__('os')", "line break"),
    # names
    ("z", "unknown name 'z': use x and y"),
    ("t + x", "unknown name 't'"),
    ("X", "unknown name 'X': use lower-case x and y"),
    ("sin + x", "sin is a function"),
    ("sin(x, y)", "sin takes 1 argument, got 2"),
    ("atan2(x)", "atan2 takes 2 arguments, got 1"),
    # constants and undefined values
    ("3", "the formula is constant (3): it must use x or y"),
    ("pi", "the formula is constant"),
    ("x - x", "simplifies to a constant"),
    ("1/(x-x)", "division by zero"),
    ("log(0)+x", "log(0) is undefined"),
    ("log(-1)+x", "log(-1) is undefined"),
    ("sqrt(-1)*x", "sqrt(-1) is undefined"),
    ("0**-1 + x", "division by zero"),
    ("(-8)**(1/3) + x", "not real"),
    ("(-2)**x", "positive base"),
    # syntax
    ("x^^2", "invalid syntax at position 3"),
    ("2x", "missing operator between 2 and x: write 2*x"),
    ("2 x", "missing operator between 2 and x: write 2*x"),
    ("x y", "missing operator between x and y: write x*y"),
    ("2(x+1)", "missing operator between 2 and (x+1): write 2*(x+1)"),
    ("(x)(y)", "missing operator between (x) and (y): write (x)*(y)"),
    ("(x+1)x", "missing operator between (x+1) and x"),
    ("x()", "x is not a function"),
    ("sin(x", "unbalanced parentheses"),
    ("x)", "unbalanced parentheses"),
    ("", "the formula is empty"),
    ("   ", "the formula is empty"),
    ("\n\t ", "the formula is empty"),
]


class Forbidden(Exception):
    pass


@pytest.fixture
def tripwires(monkeypatch):
    """Replace every way to run code or processes with a recorder that raises."""
    # Warm up lazy imports (SymPy, NumPy) *before* patching: importing runs exec.
    parse_formula(
        "sin(x)*cos(y) + tan(x) + asin(x/9) + acos(y/9) + atan(x) + atan2(y, x) "
        "+ sinh(x) + cosh(y) + tanh(x) + asinh(x) + acosh(x^2+1) + atanh(y/9)"
    )
    parse_formula("exp(x) + log(x^2+1) + ln(y^2+1) + sqrt(x^2+1) + abs(x) + 2**x + x**y + pi*e")
    calls: list[str] = []

    def recorder(name):
        def trap(*args, **kwargs):
            calls.append(f"{name}{args!r:.200}")
            raise Forbidden(name)

        return trap

    for mod, name in [
        (os, "system"),
        (os, "popen"),
        (os, "execv"),
        (os, "execve"),
        (os, "execvp"),
        (os, "spawnv"),
        (os, "fork"),
        (os, "remove"),
        (os, "unlink"),
        (subprocess, "Popen"),
        (subprocess, "run"),
        (subprocess, "check_output"),
        (builtins, "eval"),
        (builtins, "exec"),
        (builtins, "open"),
        (builtins, "input"),
    ]:
        if hasattr(mod, name):
            monkeypatch.setattr(mod, name, recorder(f"{mod.__name__}.{name}"))
    return calls


def _pwned():
    return set(glob.glob("/tmp/pwned*"))


def test_hostile_table(tripwires):
    before = _pwned()
    for text, expected in HOSTILE:
        for fn in (parse_formula, custom_surface):
            t0 = time.perf_counter()
            with pytest.raises(FormulaError) as info:
                fn(text)
            elapsed = time.perf_counter() - t0
            message = str(info.value)
            assert elapsed < FAST, f"{text[:60]!r} took {elapsed:.3f} s"
            assert "\n" not in message and "Traceback" not in message and message, text[:60]
            if expected is not None:
                assert expected in message, f"{text[:60]!r}: {message!r}"
    assert tripwires == [], tripwires
    assert _pwned() == before


def test_rejected_after_parsing_without_processes(monkeypatch):
    """These parse, then fail on the plot window (lambdify legitimately runs exec here)."""
    spawned = []
    monkeypatch.setattr(os, "system", lambda *a: spawned.append(a))
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: spawned.append(a))
    for text in ["log(-x**2-1)", "sqrt(-x^2 - y^2 - 1)", "asin(x^2 + 2)", "acosh(x - 10) + y"]:
        t0 = time.perf_counter()
        with pytest.raises(FormulaError, match="not defined anywhere in the plot window"):
            custom_surface(text)
        assert time.perf_counter() - t0 < 2.0
    assert spawned == []


def test_non_string_input():
    for bad in (None, 3, b"x", ["x"], {"x": 1}):
        with pytest.raises(FormulaError, match="must be text"):
            parse_formula(bad)  # type: ignore[arg-type]
        with pytest.raises(FormulaError, match="must be text"):
            custom_surface(bad)  # type: ignore[arg-type]


def test_deep_nesting_is_clean_even_without_the_length_cap(monkeypatch):
    """With the 300-character cap lifted, CPython's own parser limits must still end
    in a FormulaError (it raises SyntaxError / RecursionError on deep nesting)."""
    monkeypatch.setattr(formula, "MAX_LENGTH", 10**6)
    for text in [
        "(" * 10000 + "x" + ")" * 10000,
        "-" * 100000 + "x",
        "sin(" * 5000 + "x" + ")" * 5000,
        "x" + "**x" * 20000,
        "[" * 10000 + "]" * 10000,
    ]:
        t0 = time.perf_counter()
        with pytest.raises(FormulaError) as info:
            parse_formula(text)
        assert time.perf_counter() - t0 < 2.0
        assert "\n" not in str(info.value)
    with pytest.raises(FormulaError, match="too deeply nested"):
        parse_formula("(" * 10000 + "x" + ")" * 10000)


def test_walk_is_iterative(monkeypatch):
    """A 2500-term sum is 2500 levels deep in the AST, beyond Python's recursion limit
    (1000): only an iterative walk gets through.  (CPython's own AST construction gives
    up near 3000 levels; that case is covered above.)"""
    import sys

    assert sys.getrecursionlimit() < 2500
    monkeypatch.setattr(formula, "MAX_LENGTH", 10**6)
    monkeypatch.setattr(formula, "MAX_NODES", 10**6)
    monkeypatch.setattr(formula, "MAX_DEPTH", 10**6)
    monkeypatch.setattr(formula, "MAX_COST", 10**6)
    monkeypatch.setattr(formula, "MAX_EXPANSION", 10**6)
    assert parse_formula("+".join(["x"] * 2500)) == 2500 * X


def _check_outcome(text: str) -> None:
    t0 = time.perf_counter()
    try:
        expr = parse_formula(text)
    except FormulaError as exc:
        message = str(exc)
        assert message and "\n" not in message and "Traceback" not in message
    else:
        assert isinstance(expr, sp.Expr)
        assert expr.free_symbols and expr.free_symbols <= {X, Y}
        assert not expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo, sp.I)
    assert time.perf_counter() - t0 < FAST, text


PRINTABLE = st.characters(min_codepoint=32, max_codepoint=126)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=PRINTABLE, max_size=120))
def test_random_printable_text(text):
    _check_outcome(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_random_unicode_text(text):
    _check_outcome(text)


# Random formulas from a grammar mixing allowed and forbidden pieces.
_ATOMS = st.sampled_from(
    [
        "x",
        "y",
        "pi",
        "e",
        "E",
        "0",
        "1",
        "2",
        "0.5",
        "1e-3",
        "9",
        "99",
        "1e15",
        "z",
        "True",
        "None",
        "'s'",
        "1j",
        "()",
        "x.y",
        "__import__",
        "os",
    ]
)
_FUNCS = st.sampled_from([*sorted(formula.FUNCTIONS), "foo", "eval", "exec", "getattr", "factorial"])
_BINOPS = st.sampled_from(["+", "-", "*", "/", "**", "^", " ", "%", "//", "<", " and ", ",", "."])


def _combine(children):
    return st.one_of(
        st.tuples(children, _BINOPS, children).map(lambda t: f"{t[0]}{t[1]}{t[2]}"),
        st.tuples(_FUNCS, children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(_FUNCS, children, children).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
        children.map(lambda c: f"({c})"),
        children.map(lambda c: f"-{c}"),
        children.map(lambda c: f"[{c}]"),
    )


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.recursive(_ATOMS, _combine, max_leaves=40))
def test_random_grammar(text):
    _check_outcome(text)
