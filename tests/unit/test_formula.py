"""Valid formulas parse to the right function (value and exact gradient); custom surfaces find the right
minima; what a Chinese input method types is accepted; rejected formulas say what is wrong and where."""

from __future__ import annotations

import gettext
import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import i18n
from surfaces import expr as ex
from surfaces.base import Surface, X, Y
from surfaces.formula import FUNCTIONS, FormulaError, FormulaSurface, custom_surface, parse_formula, parse_tree

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
    ("1.5e3*x + .5*y + 2.*x + 1E-2*y", lambda x, y: 1500 * x + 0.5 * y + 2 * x + 0.01 * y),
    ("x - x*y + y", lambda x, y: x - x * y + y),
    ("x^y^2", lambda x, y: np.where(x > 0, np.abs(x) ** (y**2), np.nan)),
    ("exp(-(x^2 + y^2)) * (x - 1)", lambda x, y: np.exp(-(x**2 + y**2)) * (x - 1)),
    ("1/(1 + x^2 + y^2)", lambda x, y: 1 / (1 + x**2 + y**2)),
    ("atan2(y, 1) + atan2(2, x + 9)", lambda x, y: np.arctan2(y, 1) + np.arctan2(2, x + 9)),
]

# What a Chinese input method types, and the ASCII formula it means.
IME = [
    ("ｘ＾２＋３＊ｙ＾２", "x^2+3*y^2"),  # full-width letters, digits, operators
    ("（１－ｘ）＾２＋１００＊（ｙ－ｘ＾２）＾２", "(1-x)^2+100*(y-x^2)^2"),  # full-width parentheses and minus
    ("x²＋y³", "x^2+y^3"),  # superscripts
    ("x¹⁰ + y⁻²", "x^10 + y^-2"),  # superscript runs, superscript minus
    ("３×x÷２·y", "3*x/2*y"),  # × ÷ ·
    ("x − y", "x - y"),  # U+2212 minus sign
    ("atan2（y，x）＋x²", "atan2(y,x)+x^2"),  # full-width comma inside atan2(…，…)
    ("x²\u3000+\u3000y²", "x^2 + y^2"),  # ideographic spaces
    ("\u3000x^2 + y^2\u3000", "x^2 + y^2"),  # ... also around the formula
    ("ｓｉｎ（ｘ）＋ｃｏｓ（ｙ）", "sin(x)+cos(y)"),  # full-width function names
    ("１．５＊ｘ＋０。２５＊ｙ", "1.5*x+0.25*y"),  # full-width full stop, and 。 (the '.' key in Chinese mode)
    ("ｘ⋅ｙ", "x*y"),  # dot operator
]


def _numeric(expr):
    f = sp.lambdify((X, Y), expr, modules="numpy")
    with np.errstate(all="ignore"):
        return np.broadcast_to(np.asarray(f(POINTS[:, 0], POINTS[:, 1]), dtype=float), (len(POINTS),))


def _program(text):
    return ex.compile_program(parse_tree(text))


def _compiled(program, points=POINTS):
    with np.errstate(all="ignore"):
        v = np.broadcast_to(np.asarray(program.value(points[:, 0], points[:, 1]), dtype=float), (len(points),))
        g = np.stack([np.broadcast_to(c, (len(points),)) for c in program.gradient(points[:, 0], points[:, 1])], -1)
    return v, g


@pytest.mark.parametrize("text, reference", VALID, ids=[v[0] for v in VALID])
def test_valid_formulas_match_numpy(text, reference):
    """The compiled program (what the app runs) and the SymPy form (what other code may read) both equal the
    reference; the exact gradient equals SymPy's derivative of the same formula."""
    with np.errstate(all="ignore"):
        want = reference(POINTS[:, 0], POINTS[:, 1])
    expr = parse_formula(text)
    assert isinstance(expr, sp.Expr)
    assert expr.free_symbols <= {X, Y}
    np.testing.assert_allclose(_numeric(expr), want, rtol=1e-10, atol=1e-12, equal_nan=True)
    value, grad = _compiled(_program(text))
    np.testing.assert_allclose(value, want, rtol=1e-10, atol=1e-12, equal_nan=True)
    # Reference gradient: SymPy differentiating the (trusted, test-written) formula.
    g = sp.lambdify((X, Y), [sp.diff(expr, X), sp.diff(expr, Y)], modules="numpy")
    with np.errstate(all="ignore"):
        ref = np.stack([np.broadcast_to(c, (len(POINTS),)) for c in g(POINTS[:, 0], POINTS[:, 1])], -1)
    finite = np.isfinite(ref)
    assert finite.sum() > len(POINTS)  # the comparison is not vacuous
    np.testing.assert_allclose(grad[finite], ref[finite], rtol=1e-9, atol=1e-9)


def test_symbols_are_the_real_ones():
    expr = parse_formula("x + y")
    assert expr == X + Y
    assert X.is_real and Y.is_real


def test_constants_are_folded_for_computing_and_kept_for_display():
    tree = parse_tree("2*pi*x + x^(1/3) + sqrt(2)*y")
    # Computing: each constant sub-tree is one float, folded once.
    program = ex.compile_program(tree)
    assert "6.283185307179586 * x" in program.source and "0.3333333333333333" in program.source
    assert "1.4142135623730951 * y" in program.source and "pi" not in program.source
    # Display: as typed.
    assert ex.to_latex(tree) == r"2 \cdot \pi \cdot x + {x}^{\frac{1}{3}} + \sqrt{2} \cdot y"
    assert "x ** 2" in _program("x^2").source  # a whole exponent stays an integer


def test_ime_full_width_table_is_nfkc():
    """The full-width block is mapped exactly as NFKC maps it, to printable ASCII."""
    import unicodedata

    from surfaces.formula import _normalize

    for code in range(0xFF01, 0xFF5F):
        ch = chr(code)
        mapped, origin = _normalize(ch)
        assert mapped == unicodedata.normalize("NFKC", ch) and len(mapped) == 1 and " " < mapped <= "~", hex(code)
        assert origin == [0]


@pytest.mark.parametrize("typed, ascii_text", IME, ids=[a for _, a in IME])
def test_what_a_chinese_input_method_types_is_accepted(typed, ascii_text):
    v_typed, g_typed = _compiled(_program(typed))
    v_ascii, g_ascii = _compiled(_program(ascii_text))
    np.testing.assert_array_equal(v_typed, v_ascii)
    np.testing.assert_array_equal(g_typed, g_ascii)
    assert ex.to_latex(parse_tree(typed)) == ex.to_latex(parse_tree(ascii_text))


def test_ime_formula_shares_the_ascii_surface():
    custom_surface.cache_clear()
    a = custom_surface("ｘ＾２＋３＊ｙ＾２")
    assert a.formula == a.name == "x^2+3*y^2"  # the normalized text: printable ASCII only
    assert custom_surface("x^2+3*y^2") is a


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
MESSAGES = [
    ("z + x", "unknown name 'z' at position 1: use x and y (constants: pi, e)"),
    ("x.real", "'.' at position 2: attribute access is not allowed"),
    ("foo(x)", "function 'foo' at position 1 is not available; allowed: abs, acos,"),
    ("sin(x, y)", "sin takes 1 argument, got 2"),
    ("atan2(x)", "atan2 takes 2 arguments, got 1"),
    ("2x", "missing operator between 2 and x at position 2: write 2*x"),
    ("x" * 312, "the formula is too long (312 characters, at most 300)"),
    ("", "the formula is empty"),
    ("x**(10**10)", "exponent 1e+10 is too large"),
    ("2 + 3", "the formula is constant (5): it must use x or y"),
    # the error is where it is: at the end, not at position 1
    ("x^2 + 3*y^2 +", "the formula ends too early: something is missing after '+' at position 13"),
    ("x**", "the formula ends too early: something is missing after '**' at position 2"),
    ("sin(x) *", "something is missing after '*' at position 8"),
    ("x +* y", "'*' at position 4 follows '+': something is missing between them"),
    ("x^^2", "'^' at position 3 follows '^'"),
    ("*x", "the formula cannot start with '*' (position 1)"),
    ("(x+)", "something is missing between '+' and ')' at position 4"),
    ("sin()", "'sin()' at position 1 needs an argument, e.g. sin(x)"),
    ("x + ()", "empty parentheses '()' at position 5"),
    ("x)", "')' at position 2 has no matching '('"),
    ("sin(x", "unbalanced parentheses: the '(' at position 4 is never closed"),
    ("x, y", "',' at position 2: commas only separate the arguments of atan2(y, x)"),
    # what the user probably meant
    ("sin x", "'sin' at position 1 is a function: write sin(x)"),
    ("exp 2", "'exp' at position 1 is a function: write exp(2)"),
    ("sin + x", "'sin' at position 1 is a function: write sin(...)"),
    ("sin^2(x)", "'sin^2(...)' at position 1 is not allowed: write sin(...)^2"),
    ("sinx + y", "unknown name 'sinx' at position 1: write sin(x)"),
    ("xy", "unknown name 'xy' at position 1: write x*y"),
    ("2pix", "unknown name 'pix' at position 2: write pi*x"),
    ("X^2", "unknown name 'X' at position 1: use lower-case x and y"),
    ("x(y)", "missing operator between x and (y) at position 2: write x*(y)"),
    ("2sin(x)", "missing operator between 2 and sin(x) at position 2: write 2*sin(x)"),
    ("(x+1)(x-1)", "missing operator between (x+1) and (x-1) at position 6: write (x+1)*(x-1)"),
    ("|x| + y", "'|' at position 1 is not allowed: write abs(x) for |x|"),
    ("x // 2", "'//' at position 3 is not allowed: write / to divide"),
    # names are never mangled: the message does not repeat the name, it names the character
    ("__import__('os')", "'_' at position 1: names with '_' are not available in a formula"),
    # Python-only literals
    ("0x10*x", "'0x10' at position 1: write numbers in decimal (no 0x, 0o or 0b prefix)"),
    ("x + 0b11", "'0b11' at position 5: write numbers in decimal"),
    ("0o7*x", "'0o7' at position 1: write numbers in decimal"),
    ("1_000*x", "'1_000' at position 1: write numbers without '_' separators, e.g. 1000"),
    ("1j*x", "'1j' at position 1: complex numbers are not allowed"),
    ("x*2.5J", "'2.5J' at position 3: complex numbers are not allowed"),
    ("007*x", "'007' at position 1: a whole number does not start with 0 (write 7)"),
    ("1.2.3*x", "'1.2.3' at position 1 is not a number"),
    ("1e999*x", "the number 1e999 at position 1 is too large"),
    # the position counts the characters as typed
    ("x²＋y²＋", "something is missing after '+' at position 6"),
    ("\u3000\u3000ｘ＋", "something is missing after '+' at position 4"),
]


@pytest.mark.parametrize("text, message", MESSAGES, ids=[m[0][:30] for m in MESSAGES])
def test_messages(text, message):
    with pytest.raises(FormulaError) as info:
        parse_formula(text)
    assert message in str(info.value)


def test_messages_are_translatable_templates():
    """A FormulaError is an i18n.UserError: a constant template, parameters apart, rendered in English."""
    from tools.i18n import source_messages

    extracted = {message for message, _, _ in source_messages()}
    cases = [*MESSAGES, ("sqrt(-x**2-y**2)", ""), ("exp(exp(x^2+y^2+10))", ""), ("x - x", ""), ("х", "")]
    for text, _ in cases:
        with pytest.raises(FormulaError) as info:
            custom_surface(text)
        exc = info.value
        assert isinstance(exc, i18n.UserError) and isinstance(exc, ValueError)
        assert exc.template in extracted, exc.template  # a constant the catalogue has, not a built string
        assert str(exc) == (exc.template.format(**exc.params) if exc.params else exc.template)
        assert i18n.message(exc, i18n.EN) == str(exc)

    class Marked(i18n.Lang):  # a language whose catalogue marks every template it translates
        def gettext(self, text: str) -> str:
            return "[zz] " + text

    with pytest.raises(FormulaError) as info:
        parse_formula("x + 2y")
    marked = i18n.message(info.value, Marked("zz", gettext.NullTranslations()))
    assert marked == "[zz] missing operator between 2 and y at position 6: write 2*y"


def test_undefined_at_isolated_points_or_overflowing_everywhere():
    with pytest.raises(FormulaError) as info:
        custom_surface("sqrt(-x**2-y**2)")  # defined at the origin only
    assert "defined only at isolated points or along lines" in str(info.value)
    assert "(at 1 of 6561 sample points)" in str(info.value)
    with pytest.raises(FormulaError, match="isolated points or along lines"):
        custom_surface("sqrt(-x^2) + y")  # defined on the line x = 0 only
    with pytest.raises(FormulaError) as info:
        custom_surface("exp(exp(x^2+y^2+10))")
    assert "f overflows in the whole plot window" in str(info.value) and "log, sqrt" not in str(info.value)
    with pytest.raises(FormulaError, match="not finite anywhere"):
        custom_surface("exp(exp(x^2+10)) + log(y)")  # overflows where y > 0, undefined where y <= 0
    with pytest.raises(FormulaError, match="its gradient is 0 everywhere"):
        custom_surface("sin(x)^2 + cos(x)^2 + y - y")
    # but a small area is fine
    assert custom_surface("sqrt(1 - x^2 - y^2)").minima == ()


def test_error_message_is_one_line_without_traceback():
    for text in ["x +* y", "sin(x", "x\ny", "2x", "__import__('os')", "1/(x-x)", "log(-x^2-1)"]:
        with pytest.raises(FormulaError) as info:
            custom_surface(text)
        message = str(info.value)
        assert message and "\n" not in message and "Traceback" not in message
        assert isinstance(info.value, ValueError)


def test_whitespace_policy():
    same = ex.to_latex(parse_tree("x^2+y^2"))
    assert ex.to_latex(parse_tree("  x^2 +   y^2 ")) == same  # spaces anywhere
    assert ex.to_latex(parse_tree("\n\tx^2 + y^2\r\n")) == same  # surrounding whitespace is stripped
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
    with pytest.raises(FormulaError, match="check the arguments of log, sqrt, asin, acos"):
        custom_surface("log(-x^2 - y^2 - 1)")


def test_beale_finds_its_minimum_with_a_small_program():
    text = "(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2"
    custom_surface.cache_clear()
    s = custom_surface(text)
    assert isinstance(s, FormulaSurface)
    assert s.minima[0] == (3.0, 0.5)
    assert s.program is not None and s.program.ops <= 40  # NumPy operations per gradient evaluation


def test_formula_surface_hessian_and_curvature_bound():
    """No symbolic second derivative: Surface's differences of the compiled gradient serve formulas too."""
    s = custom_surface("x^2 + 10*y^2 + x*y")
    np.testing.assert_allclose(s.hessian((0.3, -0.7)), [[2, 1], [1, 20]], rtol=1e-6)
    assert s.curvature_bound() == pytest.approx(np.linalg.eigvalsh([[2, 1], [1, 20]]).max(), rel=1e-12)
    assert custom_surface("(x-1)^2 + 3*(y+2)^2").curvature_bound() == pytest.approx(6.0, rel=1e-12)
    assert custom_surface("x^4 + y^2").curvature_bound() is None  # not quadratic
    assert custom_surface("sin(x) + y^2").curvature_bound() is None
    h = custom_surface("sin(x)*cos(y)").hessian((0.4, 0.9))
    x0, y0 = 0.4, 0.9
    want = [
        [-math.sin(x0) * math.cos(y0), -math.cos(x0) * math.sin(y0)],
        [-math.cos(x0) * math.sin(y0), -math.sin(x0) * math.cos(y0)],
    ]
    np.testing.assert_allclose(h, want, rtol=1e-6, atol=1e-8)


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
        compiled = float(ex.compile_program(parse_tree(text)).value(x0, y0))
    assert got == pytest.approx(want, rel=1e-7, abs=1e-9), (text, expr)
    assert compiled == pytest.approx(want, rel=1e-9, abs=1e-12), (text, expr)


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
