"""Hostile input for the formula parser: every entry must be rejected cleanly and cheaply, nothing may execute
code, spawn a process or touch a file, and no formula may make SymPy (or anything else) work without a bound.

Bounds here are on work, not on wall time (timings flake on a shared 2-core machine): the number of SymPy
assumption queries, the node count, the NumPy operations of the compiled program, the minimum search's budget.
benchmarks/formulas.py measures the CPU time of the same kind of corpus."""

from __future__ import annotations

import builtins
import glob
import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import surfaces.formula as formula
from cli import main
from optim_core.scene import Scene
from surfaces import expr as ex
from surfaces.formula import FormulaError, check_python_tokens, custom_surface, parse_formula, parse_tree
from ui.url import scene_from_query

# (formula, a substring the message must contain, or None for "any clean rejection")
HOSTILE: list[tuple[str, str | None]] = [
    # code-execution gadgets
    ("__import__('os').system('touch /tmp/pwned')", "'_' at position 1"),
    ("__import__('os')", "names with '_' are not available"),
    ("().__class__.__bases__[0].__subclasses__()", "'.' at position 3: attribute access is not allowed"),
    ("x.__class__", "attribute access is not allowed"),
    ("lambda: 1", "unknown name 'lambda'"),
    ("[c for c in ().__class__.__mro__]", "square brackets are not allowed"),
    ("(c for c in [1])", "unknown name 'c'"),
    ("(y:=1)", "':' at position 3 is not allowed"),
    ('f"{1}"', "unknown name 'f'"),
    ("f\"{__import__('os').system('touch /tmp/pwned_f')}\"", "unknown name 'f'"),
    ("sin.__globals__", "'sin' at position 1 is a function"),
    ('exec("1")', "function 'exec' at position 1 is not available"),
    ("eval('1')", "function 'eval' at position 1 is not available"),
    ("open('/etc/passwd')", "function 'open' at position 1 is not available"),
    ("Function('os.system')(x)", "function 'Function' at position 1 is not available"),
    ("Symbol('x')", "function 'Symbol' at position 1 is not available"),
    ("x if 1 else y", "unknown name 'if' at position 3"),
    ("x[0]", "square brackets are not allowed"),
    ("x.real", "attribute access is not allowed"),
    ("getattr(x,'y')", "function 'getattr'"),
    ("1 and x", "unknown name 'and'"),
    ("not x", "unknown name 'not'"),
    ("x < y", "without =, < or >"),
    ("*x", "cannot start with '*'"),
    ("sin(*x)", "'*' at position 5 follows '('"),
    ("sin(x=1)", "'=' at position 6"),
    ("'abc'", "text in quotes is not allowed"),
    ("b'a'", "unknown name 'b'"),
    ("1j*x", "complex numbers are not allowed"),
    ("True*x", "unknown name 'True'"),
    ("None", "unknown name 'None'"),
    ("...", "attribute access is not allowed"),
    ("{1: x}", "braces are not allowed"),
    ("[x]", "square brackets are not allowed"),
    ("{x}", "braces are not allowed"),
    ("x, y", "commas only separate the arguments of atan2"),
    ("x @ y", "'@' at position 3 is not allowed: write * to multiply"),
    ("x // 2", "'//' at position 3 is not allowed: write / to divide"),
    ("x % 2", "'%' at position 3 is not allowed"),
    ("~x", "'~' at position 1 is not allowed"),
    ("x | y", "write abs(x) for |x|"),
    ("x & y", "'&' at position 3 is not allowed"),
    ("x; import os", "';' at position 2 is not allowed"),
    ("$x", "'$' at position 1 is not allowed"),
    ("x?", "'?' at position 2 is not allowed"),
    # the report: a comment, then a script's closing quotes and a payload
    ('x**2+y**2 #"""; import os; os.system("touch PWNED"); """', "'#' at position 11: comments are not allowed"),
    ("x #", "comments are not allowed"),
    ("x**2 # a comment", "comments are not allowed"),
    ('x + """', "text in quotes is not allowed"),
    ("x + '''", "text in quotes is not allowed"),
    ('x + "\\"', "text in quotes is not allowed"),
    ("x + `id`", "text in quotes is not allowed"),
    ("x \\", "backslashes are not allowed"),
    ("x + \\x41", "backslashes are not allowed"),
    ("x\\\n+y", "remove the line break at position 3"),
    ("x\\ +y", "backslashes are not allowed"),
    # every Python-only literal
    ("0x10*x", "write numbers in decimal"),
    ("0X1F*x", "write numbers in decimal"),
    ("0b11*x", "write numbers in decimal"),
    ("0B11*x", "write numbers in decimal"),
    ("0o7*x", "write numbers in decimal"),
    ("0O17*x", "write numbers in decimal"),
    ("1_000*x", "without '_' separators"),
    ("1_0.5*x", "without '_' separators"),
    ("1e1_0*x", "without '_' separators"),
    ("1j*x", "complex numbers"),
    ("1.5j*x", "complex numbers"),
    ("1e5J*x", "complex numbers"),
    ("x*.5j", "complex numbers"),
    ("007*x", "a whole number does not start with 0"),
    ("r'x'", "unknown name 'r'"),
    ("u'x'", "unknown name 'u'"),
    ("rb'x'", "unknown name 'rb'"),
    ("x + 1.2.3", "is not a number"),
    ("x.y", "attribute access is not allowed"),
    # resource exhaustion
    ("9**9**9**9", "overflows"),
    ("(((9**99)**99)**99)**99", "overflows"),
    ("(1/3)**(10**9)", "constant"),
    ("factorial(10**10)", "function 'factorial'"),
    ("exp(exp(exp(100)))*x", "overflows"),
    ("x**(10**10)", "exponent"),
    ("(x+y+1)**(99*99)", "exponent"),
    ("((x+1)**100)**100", "degree"),
    ("sinh(sinh(log(y)**99))*sinh(sinh(log(x)**98))", "degree 197"),
    ("1e999*x", "too large"),
    ("123456789012345678*x", "too large"),
    ("cosh(1000)*x", "overflows"),
    ("(" * 10000 + "x" + ")" * 10000, "too long"),
    ("x" * 100_000, "too long (100000 characters, at most 300)"),
    ("+".join(["x"] * 151), "too long (301 characters"),
    ("+".join(["x"] * 150), "too complex"),
    ("-" * 299 + "x", "too complex"),
    ("-" * 150 + "x", "too deeply nested"),
    ("(" * 101 + "x" + ")" * 101, "too deeply nested"),
    # look-alikes, invisible characters, and characters the input-method table does not map
    ("х**2", "'х' (U+0445) at position 1 is not allowed"),  # Cyrillic ha
    ("cοs(x)", "'ο' (U+03BF) at position 2 is not allowed"),  # Greek omicron
    ("x**2 + у", "'у' (U+0443) at position 8"),  # Cyrillic u
    ("𝑥**2", "(U+1D465) at position 1 is not allowed"),  # mathematical italic x (NFKC would make it x)
    ("ℯ**x", "(U+212F) at position 1 is not allowed"),  # script e (NFKC would make it e)
    ("ﬁx", "(U+FB01) at position 1 is not allowed"),  # ligature fi
    ("x\u200b+y", "an invisible character (U+200B) at position 2"),  # zero-width space
    ("x\u200d+y", "an invisible character (U+200D) at position 2"),  # zero-width joiner
    ("\ufeffx+y", "an invisible character (U+FEFF) at position 1"),  # byte-order mark
    ("x+\u202ey", "an invisible character (U+202E) at position 3"),  # right-to-left override
    ("x\u0301+y", "an invisible character (U+0301) at position 2"),  # combining accent
    ("x\u00a0+ y", "a special space (U+00A0) at position 2"),  # no-break space
    ("x\u2009+ y", "a special space (U+2009) at position 2"),  # thin space
    ("x\t+y", "replace the tab at position 2"),
    ("x\n+y", "remove the line break at position 2"),
    ("x\x00", "an invisible character (U+0000) at position 2"),
    ("x\r\n__import__('os')", "remove the line break at position 2"),
    ("x\u2028+y", "an invisible character (U+2028) at position 2"),  # line separator
    ("ｘ＃ｙ", "'＃' at position 2: comments are not allowed"),  # full-width, but still a comment sign
    ("ｘ＂ｙ", "'＂' at position 2: text in quotes"),
    ("ｘ＿ｙ", "'＿' at position 2: names with '_' are not available"),
    ("x……2", "'…' at position 2 is not allowed: for a power type ^"),  # the ^ key in Chinese mode
    ("“x”", "'“' at position 1: text in quotes"),
    ("【x】", "'【' at position 1: square brackets"),
    ("atan2(y、x)", "'、' at position 8 is not allowed: separate the arguments of atan2 with a comma"),
    ("x–y", "'–' (U+2013) at position 2 is not allowed"),  # en dash is not the minus sign
    ("ｅｘｅｃ('1')", "function 'exec' at position 1 is not available"),  # full-width letters, still no exec
    ("⁻x", "'⁻' (U+207B) at position 1"),  # a superscript minus without digits
    # names
    ("z", "unknown name 'z' at position 1: use x and y"),
    ("t + x", "unknown name 't' at position 1"),
    ("X", "unknown name 'X' at position 1: use lower-case x and y"),
    ("sin + x", "'sin' at position 1 is a function: write sin(...)"),
    ("sin(x, y)", "sin takes 1 argument, got 2"),
    ("atan2(x)", "atan2 takes 2 arguments, got 1"),
    # constants and undefined values
    ("3", "the formula is constant (3): it must use x or y"),
    ("pi", "the formula is constant"),
    ("x - x", "simplifies to a constant"),
    ("sin(x*y) - sin(x*y)", "simplifies to a constant"),
    ("1/(x-x)", "division by zero"),
    ("log(0)+x", "log(0) is undefined"),
    ("log(-1)+x", "log(-1) is undefined"),
    ("sqrt(-1)*x", "sqrt(-1) is undefined"),
    ("0**-1 + x", "division by zero"),
    ("(-8)**(1/3) + x", "not real"),
    ("(-2)**x", "use a positive base"),
    ("0**x", "use a positive base"),
    # syntax
    ("x^^2", "'^' at position 3 follows '^'"),
    ("2x", "missing operator between 2 and x at position 2: write 2*x"),
    ("2 x", "missing operator between 2 and x at position 3: write 2*x"),
    ("x y", "missing operator between x and y at position 3: write x*y"),
    ("2(x+1)", "missing operator between 2 and (x+1) at position 2: write 2*(x+1)"),
    ("(x)(y)", "missing operator between (x) and (y) at position 4: write (x)*(y)"),
    ("(x+1)x", "missing operator between (x+1) and x"),
    ("x()", "empty parentheses '()' at position 2"),
    ("sin(x", "unbalanced parentheses"),
    ("x)", "')' at position 2 has no matching '('"),
    ("", "the formula is empty"),
    ("   ", "the formula is empty"),
    ("\n\t ", "the formula is empty"),
    ("\u3000", "the formula is empty"),
]

# Heavy formulas that are accepted: each must stay within the proven bounds (see test_heavy_formulas_are_bounded).
HEAVY = [
    "sinh(sinh(log(y)**100))+sinh(sinh(log(x)**100))",  # 10-18 s of CPU in a symbolic Hessian before
    "cosh(cosh(log(x)**100))+cosh(cosh(log(y)**100))",
    "sinh(sinh(sinh(log(x)**50)))+sinh(sinh(sinh(log(y)**50)))",
    "exp(exp(log(x)**100))+exp(exp(log(y)**100))",
    "(x^2+y^2+x*y+x+y+1)^50",  # SymPy's Poly would expand it for minutes
    "((x+y+1)^7+x)^7",
    "(x+y+1)^100",
    "sin(" * 58 + "x" + ")" * 58,  # a Hessian of 10^5 nodes symbolically
    "*".join(f"sin(x+{i})" for i in range(1, 30)),
    "/".join(f"(x+{i})" for i in range(1, 40)),
    "x**y**x**y**x**y",
    "atan2(atan2(atan2(atan2(y,x),x),y),x)",
    "+".join(f"exp(-(x-{k})^2-(y+{k})^2)" for k in range(1, 12)),
    "+".join(["x"] * 100),
    "(" * 99 + "x" + ")" * 99,
    "-" * 98 + "x",
    "x" + "**x" * 40,
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
    return set(glob.glob("/tmp/pwned*")) | set(glob.glob("PWNED"))


def test_hostile_table(tripwires):
    before = _pwned()
    for text, expected in HOSTILE:
        for fn in (parse_formula, custom_surface):
            with pytest.raises(FormulaError) as info:
                fn(text)
            message = str(info.value)
            assert message and "\n" not in message and "Traceback" not in message, text[:60]
            assert "/" + "tmp" not in message or "pwned" in text, message  # no server path of ours
            if expected is not None:
                assert expected in message, f"{text[:60]!r}: {message!r}"
    assert tripwires == [], tripwires
    assert _pwned() == before


def test_python_tokenizer_is_a_second_line_of_defence():
    """check_python_tokens refuses on its own what the lexer refuses first: it would catch a lexer bug."""
    for source in [
        "x # c",
        "x + 'a'",
        'x + """a"""',
        "0x10 * x",
        "0b1 * x",
        "0o7 * x",
        "1_000 * x",
        "1j * x",
        "x + \\\n y",
        "x . real",
        "lambda : x",
        "x if y else x",
        "x [ 0 ]",
        "x // y",
        "__import__",
        "exec ( x )",
        "f'{x}'",
        "x ; y",
        "x = 1",
        "x @ y",
    ]:
        with pytest.raises(FormulaError):
            check_python_tokens(source)
    check_python_tokens("sin ( x ) ** 2 + atan2 ( y , x ) - 1.5e-3 * pi / e")  # and passes the language


def _assumption_queries(monkeypatch) -> list[str]:
    """Record every question SymPy's assumption system is asked (is_zero, is_positive, ...)."""
    assumptions = sys.modules["sympy.core.assumptions"]
    asked: list[str] = []
    original = assumptions._ask

    def recording(fact, obj):
        asked.append(fact)
        return original(fact, obj)

    monkeypatch.setattr(assumptions, "_ask", recording)
    return asked


@pytest.mark.parametrize("text", HEAVY, ids=[h[:40] for h in HEAVY])
def test_heavy_formulas_are_bounded(text, monkeypatch):
    """The work on a formula is proved bounded before it starts: SymPy is asked nothing about its value
    (no is_zero / is_positive / as_real_imag: the 10-18 s of the report), never differentiates, simplifies,
    expands or lambdifies it, and the compiled program has at most MAX_OPS_PER_NODE operations per node."""
    custom_surface.cache_clear()
    asked = _assumption_queries(monkeypatch)

    def refuse(*args, **kwargs):
        raise AssertionError("SymPy must not work on a user's formula")

    for name in ("diff", "lambdify", "simplify", "expand", "cse", "hessian", "Poly", "sympify"):
        monkeypatch.setattr(sp, name, refuse)
    monkeypatch.setattr(sp.Expr, "diff", refuse)
    s = custom_surface(text)
    p = np.array(s.start)
    assert np.isfinite(s.value(p)) or True  # evaluating is numeric only
    s.gradient(p), s.hessian(p), s.curvature_bound()
    assert set(asked) <= {"commutative"}, sorted(set(asked))
    assert s.tree is not None and s.program is not None
    assert s.program.nodes <= formula.MAX_NODES
    assert s.program.ops <= ex.MAX_OPS_PER_NODE * s.program.nodes
    assert s.program.source.count("\n") <= 2 * ex.MAX_OPS_PER_NODE * formula.MAX_NODES


HEAVY_CURVES = [
    "sinh(sinh(log(x)**100))",
    "cosh(cosh(log(x)**100))+x^2",
    "cos(300*x)*(" + "+".join(f"sin({k}*x)" for k in range(1, 28)) + ")",
    "sin(" * 58 + "x" + ")" * 58,
    "x**x**x**x**x**x",
]


@pytest.mark.parametrize("text", HEAVY_CURVES, ids=[h[:40] for h in HEAVY_CURVES])
def test_heavy_curves_are_bounded(text, monkeypatch):
    """A formula in x alone typed as a 1-D curve takes the same compiled path: no SymPy work on it."""
    from surfaces import get_surface
    from surfaces.curves import _custom_curve

    _custom_curve.cache_clear()
    asked = _assumption_queries(monkeypatch)

    def refuse(*args, **kwargs):
        raise AssertionError("SymPy must not work on a user's formula")

    for name in ("diff", "lambdify", "simplify", "expand", "cse", "hessian", "Poly", "sympify"):
        monkeypatch.setattr(sp, name, refuse)
    s = get_surface(text, dim=1)
    assert isinstance(s, formula.FormulaSurface) and s.dim == 1
    s.gradient(np.array([[0.5]])), s.hessian((0.5,)), s.curvature_bound()
    assert set(asked) <= {"commutative"}, sorted(set(asked))
    assert s.program is not None and s.program.ops <= ex.MAX_OPS_PER_NODE * s.program.nodes


def test_curve_minimum_search_refines_a_bounded_number_of_brackets(monkeypatch):
    """cos(300*x) has ~480 minima in [-5, 5]: only the lowest sign changes are refined, all in one bisection."""
    from surfaces import curves, get_surface

    curves._custom_curve.cache_clear()
    calls = {"n": 0}
    original = formula.FormulaSurface.gradient

    def counting(self, points):
        calls["n"] += 1
        return original(self, points)

    monkeypatch.setattr(formula.FormulaSurface, "gradient", counting)
    s = get_surface("cos(300*x)*(1 + x^2/100)", dim=1)
    assert len(s.minima) == 8
    assert calls["n"] <= curves._BISECT + 4  # the grid, one call per bisection step, the start
    x = np.array([m[0] for m in s.minima])
    np.testing.assert_allclose(np.cos(300 * x), -1.0, atol=1e-9)  # true minima of the oscillation ...
    assert np.abs(x).min() > 4.8  # ... the lowest ones: f = -(1 + x^2/100) there, lowest near the edges


def test_the_reported_formula_is_cheap_now():
    """sinh(sinh(log(y)**100)) + ...: 47 characters that cost 10-18 s of CPU in a symbolic Hessian."""
    custom_surface.cache_clear()
    s = custom_surface("sinh(sinh(log(y)**100))+sinh(sinh(log(x)**100))")
    assert s.program is not None and s.program.ops <= 40
    assert s.minima == ((1.0, 1.0),)
    h = s.hessian((1.5, 1.5))  # finite differences of the compiled gradient
    assert h.shape == (2, 2)


def test_minimum_search_stops_at_its_budget(monkeypatch):
    """The minimum search spends at most its budget (in NumPy operations) plus one Newton iteration."""
    custom_surface.cache_clear()
    text = "+".join(f"cos({k}*x)*sin({k}*y)" for k in range(1, 16))  # many grid minima, a large program
    calls = {"n": 0}
    original = formula._Work.value, formula._Work.gradient

    def counting(i):
        def call(self, p):
            calls["n"] += 1
            return original[i](self, p)

        return call

    monkeypatch.setattr(formula._Work, "value", counting(0))
    monkeypatch.setattr(formula._Work, "gradient", counting(1))
    monkeypatch.setattr(formula, "MINIMA_BUDGET_OPS", 20_000)
    s = custom_surface(text)
    assert s.program is not None
    per_iteration = 40  # calls in one Newton iteration at most (gradient, Hessian, 33 halvings, checks)
    assert calls["n"] * s.program.ops <= 20_000 + per_iteration * s.program.ops
    assert calls["n"] > 0


def test_non_string_input():
    for bad in (None, 3, b"x", ["x"], {"x": 1}):
        with pytest.raises(FormulaError, match="must be text"):
            parse_formula(bad)  # type: ignore[arg-type]
        with pytest.raises(FormulaError, match="must be text"):
            custom_surface(bad)  # type: ignore[arg-type]


def test_deep_nesting_is_clean_even_without_the_length_cap(monkeypatch):
    """With the 300-character cap lifted, the parser's own limits end every case in a FormulaError before
    CPython's parser sees the text."""
    monkeypatch.setattr(formula, "MAX_LENGTH", 10**6)
    for text in [
        "(" * 10000 + "x" + ")" * 10000,
        "-" * 100000 + "x",
        "sin(" * 5000 + "x" + ")" * 5000,
        "x" + "**x" * 20000,
        "[" * 10000 + "]" * 10000,
    ]:
        with pytest.raises(FormulaError) as info:
            parse_formula(text)
        assert "\n" not in str(info.value)
    with pytest.raises(FormulaError, match="too deeply nested"):
        parse_formula("(" * 10000 + "x" + ")" * 10000)


def test_walk_is_iterative(monkeypatch):
    """A 2500-term sum is 2500 levels deep in the AST, beyond Python's recursion limit (1000): only an iterative
    walk (parser, tree, compiler, printers) gets through."""
    assert sys.getrecursionlimit() < 2500
    monkeypatch.setattr(formula, "MAX_LENGTH", 10**6)
    monkeypatch.setattr(formula, "MAX_NODES", 10**6)
    monkeypatch.setattr(formula, "MAX_DEPTH", 10**6)
    tree = parse_tree("+".join(["x"] * 2500))
    program = ex.compile_program(tree)
    assert program.value(1.0, 0.0) == 2500.0 and program.gradient(1.0, 0.0) == [2500.0, 0.0]
    assert ex.to_latex(tree).count("x") == 2500
    assert ex.tree_size(tree) == 4999


# --- hostile formulas through every way into the app: a link, an uploaded config, the command line ----------
GADGETS = [
    'x**2+y**2 #"""; import os; os.system("touch PWNED"); """',
    "x**2 #\nimport os",
    "x**2+y**2 \\\nimport os",
    "x + '''",
    '__import__("os").system("touch /tmp/pwned_link")',
    "0x10*x",
    "1_000*x",
    "1j*x",
    "х**2",
    "x\u200b+y",
    "sinh(sinh(log(y)**100))+sinh(sinh(log(x)**100)) # comment",
]


@pytest.mark.parametrize("text", GADGETS, ids=range(len(GADGETS)))
def test_hostile_formula_in_a_link_or_a_config(text, tripwires):
    before = _pwned()
    with pytest.raises(ValueError) as info:
        scene_from_query({"surface": text, "run": "adam:lr=0.1", "steps": "10"})
    assert isinstance(info.value, FormulaError) and "\n" not in str(info.value)
    with pytest.raises(ValueError) as info:
        Scene.from_json(json.dumps({"surface": text, "runs": [{"optimizer": "adam"}], "steps": 10}))
    assert isinstance(info.value, FormulaError) and "\n" not in str(info.value)
    assert tripwires == [] and _pwned() == before


@pytest.mark.parametrize("text", GADGETS, ids=range(len(GADGETS)))
def test_hostile_formula_on_the_command_line(text, tmp_path):
    before = _pwned()
    for argv in (
        ["trajectory", "--surface", text, "--steps", "5"],
        ["render", "--surface", text, "--steps", "5", "--out", str(tmp_path / "run.py")],
        ["render", "--surface", text, "--steps", "5", "--out", str(tmp_path / "a.png")],
    ):
        out, err = io.StringIO(), io.StringIO()
        assert main(argv, out=out, err=err) == 2
        assert err.getvalue().startswith("error: ") and err.getvalue().count("\n") == 1, err.getvalue()
        assert "Traceback" not in err.getvalue() and out.getvalue() == ""
    cfg = tmp_path / "scene.json"
    cfg.write_text(json.dumps({"surface": text, "runs": [{"optimizer": "sgd"}], "steps": 5}), encoding="utf-8")
    err = io.StringIO()
    assert main(["render", "--config", str(cfg), "--out", str(tmp_path / "b.py")], out=io.StringIO(), err=err) == 2
    assert err.getvalue().count("\n") == 1
    assert not (tmp_path / "run.py").exists() and not (tmp_path / "b.py").exists()
    assert _pwned() == before


# --- random input -------------------------------------------------------------------------------------------
def _check_outcome(text: str) -> None:
    try:
        tree = parse_tree(text)
    except FormulaError as exc:
        message = str(exc)
        assert message and "\n" not in message and "Traceback" not in message
        return
    assert tree.value is None and tree.deps  # depends on x or y
    order = ex.walk(tree)
    assert sum(1 for n in order if n.value is None) <= formula.MAX_NODES
    for n in ex.walk_all(tree):
        assert n.op in ex.OPS and (n.op != "call" or n.name in ex.ARITY)
        assert n.value is None or np.isfinite(n.value)
    program = ex.compile_program(tree)
    assert program.ops <= ex.MAX_OPS_PER_NODE * max(1, program.nodes)


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
        "0x1",
        "1_0",
        "()",
        "x.y",
        "__import__",
        "os",
        "#",
        "\\",
        "ｘ",
        "²",
        "×",
        "х",
    ]
)
_FUNCS = st.sampled_from([*sorted(formula.FUNCTIONS), "foo", "eval", "exec", "getattr", "factorial"])
_BINOPS = st.sampled_from(["+", "-", "*", "/", "**", "^", " ", "%", "//", "<", " and ", ",", ".", "＋", "−"])


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
