"""Valid formulas parse to the right function; custom surfaces find the right minima."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from surfaces.base import Surface, X, Y
from surfaces.formula import FUNCTIONS, FormulaError, custom_surface, parse_formula

RNG = np.random.default_rng(0)
POINTS = RNG.uniform(-3, 3, size=(200, 2))

VALID = [
    ("x^2 + 3*y^2", lambda x, y: x**2 + 3 * y**2),
    ("(1.5 - x + x*y)**2 + sin(x)*exp(-y**2)", lambda x, y: (1.5 - x + x * y) ** 2 + np.sin(x) * np.exp(-(y**2))),
    ("-x**2", lambda x, y: -(x**2)),
    ("+x", lambda x, y: x),
    ("1e-3*x**2+y**2", lambda x, y: 1e-3 * x**2 + y**2),
    ("abs(x)+abs(y)", lambda x, y: np.abs(x) + np.abs(y)),
    ("atan2(y, x)+x**2", lambda x, y: np.arctan2(y, x) + x**2),
    ("ln(x**2+1)+y**2", lambda x, y: np.log(x**2 + 1) + y**2),
    ("log(x**2+1)+y**2", lambda x, y: np.log(x**2 + 1) + y**2),
    ("E**x + y^2", lambda x, y: np.exp(x) + y**2),
    ("e^x - y", lambda x, y: np.exp(x) - y),
    ("2*pi*x*y", lambda x, y: 2 * np.pi * x * y),
    ("x^-2 + y", lambda x, y: x**-2.0 + y),
    ("-x^2", lambda x, y: -(x**2)),  # power binds tighter than unary minus, as in Python
    ("2^3^x", lambda x, y: 2.0 ** (3.0**x)),  # right-associative
    ("x/2/y", lambda x, y: x / 2 / y),
    ("x - y - 1", lambda x, y: x - y - 1),
    ("sqrt(x^2 + y^2 + 1)", lambda x, y: np.sqrt(x**2 + y**2 + 1)),
    ("x^(1/3) + y", lambda x, y: np.where(x >= 0, np.abs(x) ** (1 / 3), np.nan) + y),
    ("2**0.5*x + (1/3)*y", lambda x, y: 2**0.5 * x + y / 3),
    ("10^2*x + 2^-1*y", lambda x, y: 100 * x + 0.5 * y),
    (
        "tan(x/4) + asin(y/4) + acos(x/4) + atan(y)",
        lambda x, y: np.tan(x / 4) + np.arcsin(y / 4) + np.arccos(x / 4) + np.arctan(y),
    ),
    ("sinh(x/2)*cosh(y/3) - tanh(x*y)", lambda x, y: np.sinh(x / 2) * np.cosh(y / 3) - np.tanh(x * y)),
    ("asinh(x) + acosh(y^2 + 1) + atanh(x/4)", lambda x, y: np.arcsinh(x) + np.arccosh(y**2 + 1) + np.arctanh(x / 4)),
    ("x**y", lambda x, y: np.where(x > 0, np.abs(x) ** y, np.nan)),
    ("   x*y   ", lambda x, y: x * y),
    ("0x10*x + 1_000*y", lambda x, y: 16 * x + 1000 * y),
]


def _numeric(expr):
    f = sp.lambdify((X, Y), expr, modules="numpy")
    with np.errstate(all="ignore"):
        return np.broadcast_to(np.asarray(f(POINTS[:, 0], POINTS[:, 1]), dtype=float), (len(POINTS),))


@pytest.mark.parametrize("text, reference", VALID, ids=[v[0] for v in VALID])
def test_valid_formulas_match_numpy(text, reference):
    expr = parse_formula(text)
    assert isinstance(expr, sp.Expr)
    assert expr.free_symbols <= {X, Y}
    got = _numeric(expr)
    with np.errstate(all="ignore"):
        want = reference(POINTS[:, 0], POINTS[:, 1])
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12, equal_nan=True)


def test_symbols_are_the_real_ones():
    expr = parse_formula("x + y")
    assert expr == X + Y
    assert X.is_real and Y.is_real


def test_exact_constants_are_kept_small():
    assert parse_formula("x^(1/3)") == X ** sp.Rational(1, 3)
    assert parse_formula("2*pi*x") == 2 * sp.pi * X
    assert parse_formula("sqrt(2)*x") == sp.sqrt(2) * X
    assert parse_formula("x^2") == X**2  # an integer exponent, not 2.0


def test_abs_gradient_is_finite_and_correct():
    s = Surface(id="t", name="t", expr=parse_formula("abs(x)+abs(y)"), domain=((-5, 5), (-5, 5)))
    pts = POINTS[np.all(np.abs(POINTS) > 1e-3, axis=1)]
    g = s.gradient(pts)
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g, np.sign(pts))


def test_gradient_matches_finite_differences():
    text = "(1.5 - x + x*y)**2 + sin(x)*exp(-y**2) + atan2(y, x+10)"
    s = Surface(id="t", name="t", expr=parse_formula(text), domain=((-5, 5), (-5, 5)))
    h = 1e-6
    for p in POINTS[:20]:
        g = s.gradient(p)
        fd = [(s.value(p + d) - s.value(p - d)) / (2 * h) for d in (np.array([h, 0]), np.array([0, h]))]
        np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-6)


# --- messages -------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, message",
    [
        ("z + x", "unknown name 'z': use x and y"),
        ("x.real", "attribute access is not allowed"),
        ("foo(x)", "function 'foo' is not available; allowed: abs, acos,"),
        ("sin(x, y)", "sin takes 1 argument, got 2"),
        ("2x", "missing operator between 2 and x: write 2*x"),
        ("x" * 312, "formula is too long (312 characters, at most 300)"),
        ("xх", "only printable ASCII is allowed (found 'х' U+0445 at position 2)"),
        ("", "the formula is empty"),
        ("x**(10**10)", "exponent 1e+10 is too large"),
        ("2 + 3", "the formula is constant (5): it must use x or y"),
    ],
)
def test_messages(text, message):
    with pytest.raises(FormulaError) as info:
        parse_formula(text)
    assert message in str(info.value)


def test_error_message_is_one_line_without_traceback():
    for text in ["x +* y", "sin(x", "x\ny", "2x", "__import__('os')", "1/(x-x)", "log(-x^2-1)"]:
        with pytest.raises(FormulaError) as info:
            custom_surface(text)
        message = str(info.value)
        assert message and "\n" not in message and "Traceback" not in message
        assert isinstance(info.value, ValueError)


def test_whitespace_policy():
    assert parse_formula("  x^2 +   y^2 ") == X**2 + Y**2  # spaces anywhere
    assert parse_formula("\n\tx^2 + y^2\r\n") == X**2 + Y**2  # surrounding whitespace is stripped
    with pytest.raises(FormulaError, match="one line"):
        parse_formula("x^2 +\n y^2")  # but not inside


# --- custom surfaces ------------------------------------------------------------
def test_custom_surface_quadratic():
    s = custom_surface("(x-1)^2 + (y+2)^2")
    assert s.id == "custom" and s.name == "(x-1)^2 + (y+2)^2" and s.formula == "(x-1)^2 + (y+2)^2"
    assert s.domain == ((-5.0, 5.0), (-5.0, 5.0))
    assert len(s.minima) == 1
    np.testing.assert_allclose(s.minima[0], (1.0, -2.0), atol=1e-6)


HIMMELBLAU = [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]


def test_custom_surface_himmelblau_minima():
    s = custom_surface("(x^2 + y - 11)^2 + (x + y^2 - 7)^2")
    assert len(s.minima) == 4
    for known in HIMMELBLAU:
        d = min(math.dist(known, m) for m in s.minima)
        assert d < 1e-4, (known, s.minima)


def test_custom_surface_start_is_sensible():
    for text in [
        "(x-1)^2 + (y+2)^2",
        "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        "x^2 + 10*y^2",
        "(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2",
        "x^2 - y^2",
        "log(x) + y^2",
        "abs(x) + abs(y)",
        "x + y",
    ]:
        s = custom_surface(text)
        p = np.array(s.start)
        assert np.isfinite(s.value(p)) and np.all(np.isfinite(s.gradient(p))), text
        assert np.all(np.abs(p) <= 4.0 + 1e-9), text  # inside the inner 80% of the window
        if s.minima:
            assert min(math.dist(s.start, m) for m in s.minima) > 1.0, text
            assert s.start[0] != s.minima[0][0] and s.start[1] != s.minima[0][1], text  # off the axes


def test_custom_surface_degenerate_and_kink_minima():
    assert custom_surface("x^4 + y^4").minima == ((0.0, 0.0),)
    assert custom_surface("abs(x) + abs(y)").minima == ((0.0, 0.0),)
    assert custom_surface("sqrt(x^2 + y^2)").minima == ((0.0, 0.0),)  # gradient 0/0 at the kink
    assert custom_surface("x + y").minima == ()  # no interior minimum
    assert custom_surface("x^2 - y^2").minima == ()  # a saddle is not a minimum


def test_custom_surface_keeps_at_most_8_sorted_minima():
    s = custom_surface("20 + x^2 - 10*cos(2*pi*x) + y^2 - 10*cos(2*pi*y)")
    assert len(s.minima) == 8
    assert s.minima[0] == (0.0, 0.0)
    values = s.value(np.array(s.minima))
    assert np.all(np.diff(values) >= -1e-9)


def test_custom_surface_is_cached():
    a = custom_surface("x^2 + 3*y^2")
    assert custom_surface("x^2 + 3*y^2") is a
    assert custom_surface("  x^2 + 3*y^2  ") is a  # keyed by the stripped text
    assert custom_surface("x^2 + 4*y^2") is not a


def test_undefined_everywhere():
    with pytest.raises(FormulaError, match="not defined anywhere in the plot window"):
        custom_surface("sqrt(-x^2 - 1)")


def test_beale_is_fast():
    text = "(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2"
    custom_surface("x^2 + y^2")  # warm SymPy's caches
    custom_surface.cache_clear()
    t0 = time.perf_counter()
    parse_formula(text)
    t1 = time.perf_counter()
    s = custom_surface(text)
    t2 = time.perf_counter()
    print(f"\nBeale: parse_formula {1e3 * (t1 - t0):.1f} ms, custom_surface {1e3 * (t2 - t1):.1f} ms")
    assert s.minima[0] == (3.0, 0.5)
    assert t2 - t0 < 1.0  # ~50 ms here; generous for slow CI


# --- property: what parses evaluates like the same text in plain Python ----------
_SAFE_ATOMS = st.sampled_from(["x", "y", "pi", "e", "1", "2", "3", "0.5", "1.5"])
_SAFE_FUNCS = st.sampled_from(["sin", "cos", "atan", "tanh", "exp", "abs", "sqrt", "log"])
_SAFE_OPS = st.sampled_from(["+", "-", "*", "/", "**", "^"])


def _safe_combine(children):
    return st.one_of(
        st.tuples(children, _SAFE_OPS, children).map(lambda t: f"({t[0]}){t[1]}({t[2]})"),
        st.tuples(_SAFE_FUNCS, children).map(lambda t: f"{t[0]}({t[1]})"),
        children.map(lambda c: f"-({c})"),
    )


# NumPy scalars, so that a negative base to a fractional power is nan (as in the
# lambdified surface), not a Python complex number.
_PY_NAMES = {name: getattr(np, name) for name in ["sin", "cos", "tanh", "exp", "sqrt", "log"]}
_PY_NAMES.update(atan=np.arctan, abs=np.abs, pi=np.float64(math.pi), e=np.float64(math.e))


@settings(max_examples=300, deadline=None)
@given(st.recursive(_SAFE_ATOMS, _safe_combine, max_leaves=8))
def test_parsed_formula_evaluates_like_python(text):
    """Reference: the same (trusted, generated) text evaluated by Python's math module."""
    try:
        expr = parse_formula(text)
    except FormulaError:
        return
    x0, y0 = np.float64(0.7), np.float64(1.3)
    try:
        with np.errstate(all="ignore"):
            want = eval(text.replace("^", "**"), {"__builtins__": {}}, dict(_PY_NAMES, x=x0, y=y0))
        want = float(want)
    except (ArithmeticError, ValueError, TypeError):
        return
    if not math.isfinite(want) or abs(want) > 1e12:
        return
    with np.errstate(all="ignore"):
        got = float(sp.lambdify((X, Y), expr, modules="numpy")(x0, y0))
    assert got == pytest.approx(want, rel=1e-7, abs=1e-9), (text, expr)


def test_function_table_is_small_and_explicit():
    assert set(FUNCTIONS) == {
        "sin",
        "cos",
        "tan",
        "asin",
        "acos",
        "atan",
        "atan2",
        "sinh",
        "cosh",
        "tanh",
        "asinh",
        "acosh",
        "atanh",
        "exp",
        "log",
        "ln",
        "sqrt",
        "abs",
    }
