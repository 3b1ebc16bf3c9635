"""The downloadable PyTorch script holds no user text: every generated script is compiled and its syntax tree
walked statement by statement (this file's own walker, independent of export.snippet.check_script)."""

from __future__ import annotations

import ast
import dataclasses

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from export.snippet import check_script, literal, torch_expression, torch_snippet
from optim_core import OPTIMIZERS, SCHEDULES
from optim_core.scene import RunConfig, Scene
from surfaces import BUILTINS, CURVES, get_surface
from surfaces import expr as ex
from surfaces.formula import FormulaError, parse_tree
from ui.url import scene_from_query

EVERY_FUNCTION = (
    "sin(x) + cos(y) + tan(x/4) + asin(y/9) + acos(x/9) + atan(y) + atan2(y, x + 9) + atan2(1, y^2 + 1)"
    " + sinh(x/3) + cosh(y/3) + tanh(x) + asinh(y) + acosh(x^2 + 1) + atanh(y/9) + exp(-x^2) + log(y^2 + 1)"
    " + ln(x^2 + 2) + sqrt(x^2 + y^2 + 1) + abs(x - 1) + 2^x + x^y^0 + 2*pi*y - e"
)
FSTRING_TEXTS = {"diverged at step ", "final point ", ", f = ", ".6g"}
MODULES = {"torch": "torch", "numpy": "np", "pytorch_optimizer": "pytorch_optimizer", "math": "math"}
F_FUNCTIONS = {f"torch.{name}" for name in ex.ARITY} | {"torch.tensor"}


def docstring(reference: str, surface: str) -> str:
    if surface in BUILTINS:
        about = f"the built-in surface {surface}"
    elif surface in CURVES:
        about = f"the built-in curve {surface}"
    else:
        about = "the scene's own formula (f below is printed from the parsed formula)"
    return (
        f"Reproduce one run of an Optimizer Playground scene with {reference}.\n\n"
        f"Surface: {about}.\nThe path matches the app's to ~1e-12.\n"
    )


def assert_safe_script(source: str, scene: Scene, run_index: int = 0) -> None:
    """The script is exactly: the docstring, imports of torch / numpy / pytorch_optimizer / math (each used),
    the dtype line, f, the start tensor, the optimizer, the scheduler and noise generator if any, the loop and
    the final print; f's body is arithmetic on x, y, numbers and torch functions; the only strings are the
    docstring and the f-strings' fixed texts."""
    compile(source, "<script>", "exec")
    tree = ast.parse(source)
    body = list(tree.body)
    spec = OPTIMIZERS[scene.runs[run_index].optimizer]

    doc = body.pop(0)
    assert isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant)
    cls = spec.ref.qualname
    assert doc.value.value == docstring(cls, scene.surface.strip())
    imported = []
    while isinstance(body[0], ast.Import):
        imp = body.pop(0)
        assert isinstance(imp, ast.Import)
        for alias in imp.names:
            assert MODULES.get(alias.name) == (alias.asname or alias.name), alias.name
            imported.append(alias.asname or alias.name)
    assert "torch" in imported
    assert ("np" in imported) == bool(scene.noise_std)
    assert ("pytorch_optimizer" in imported) == cls.startswith("pytorch_optimizer.")
    assert ast.unparse(body.pop(0)) == "torch.set_default_dtype(torch.float64)"

    f = body.pop(0)
    assert isinstance(f, ast.FunctionDef) and f.name == "f" and [a.arg for a in f.args.args] == ["p"]
    assert not f.decorator_list and len(f.body) == 2
    dim = scene.resolve().dim
    assert ast.unparse(f.body[0]) == ("x, y = (p[0], p[1])" if dim == 2 else "x = p[0]")
    ret = f.body[1]
    assert isinstance(ret, ast.Return) and ret.value is not None
    for node in ast.walk(ret.value):
        assert isinstance(
            node,
            (ast.BinOp, ast.UnaryOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub, ast.UAdd)
            + (ast.Name, ast.Load, ast.Constant, ast.Call, ast.Attribute),
        ), ast.dump(node)
        if isinstance(node, ast.Constant):
            assert type(node.value) in (int, float)
        if isinstance(node, ast.Name):
            assert node.id in ("x", "y", "torch", "math") and (dim == 2 or node.id != "y")
        if isinstance(node, ast.Call):
            assert ast.unparse(node.func) in F_FUNCTIONS and not node.keywords
        if isinstance(node, ast.Attribute):
            assert ast.unparse(node) in F_FUNCTIONS | {"math.pi", "math.e"}

    start = body.pop(0)
    assert isinstance(start, ast.Assign) and ast.unparse(start.targets[0]) == "p"
    assert ast.unparse(start.value).startswith("torch.tensor([") and ast.unparse(start.value).endswith(
        "], requires_grad=True)"
    )
    opt = body.pop(0)
    assert isinstance(opt, ast.Assign) and ast.unparse(opt.targets[0]) == "opt"
    assert isinstance(opt.value, ast.Call) and ast.unparse(opt.value.func) == cls
    assert [ast.unparse(a) for a in opt.value.args] == ["[p]"]
    for kw in opt.value.keywords:  # numbers, booleans and tuples of numbers only
        for n in ast.walk(kw.value):
            assert isinstance(n, (ast.Constant, ast.Tuple, ast.Load, ast.UnaryOp, ast.USub)), ast.dump(n)
            assert not isinstance(n, ast.Constant) or type(n.value) in (int, float, bool)
    names = [ast.unparse(s.targets[0]) for s in body if isinstance(s, ast.Assign)]
    assert names == ["scheduler"] * (dict(scene.schedule).get("name", "constant") != "constant") + ["rng"] * bool(
        scene.noise_std
    ) + ["path", "points"]
    assert sum(isinstance(s, ast.For) for s in body) == 1

    # Strings anywhere: the docstring and the f-strings' fixed parts, nothing else.
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            for part in node.values:
                assert not isinstance(part, ast.Constant) or part.value in FSTRING_TEXTS
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            assert ast.unparse(node.format_spec) == "f'.6g'"
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)) and node is not doc.value:
            assert node.value in FSTRING_TEXTS, node.value
        assert not isinstance(node, (ast.ImportFrom, ast.Lambda, ast.ClassDef, ast.Global, ast.Delete))
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in MODULES.values()}
    assert used == set(imported), (used, imported)  # no unused import, no missing one
    assert source.isascii()


# --- every optimizer, schedule, noise and clipping setting ---------------------------------------------
SCENES = [
    *(Scene(surface=EVERY_FUNCTION, runs=(RunConfig(opt),), starts=((0.5, -0.5),), steps=20) for opt in OPTIMIZERS),
    *(
        Scene(surface="rosenbrock", runs=(RunConfig("adam", {"lr": 0.01}),), steps=50, schedule={"name": name})
        for name in SCHEDULES
    ),
    *(Scene(surface=name, runs=(RunConfig("momentum"),), steps=10) for name in BUILTINS),
    Scene(surface="beale", runs=(RunConfig("sgd"), RunConfig("lion")), noise_std=0.5, noise_seed=7, clip=2.0),
    Scene(surface="ｘ＾２＋３＊ｙ＾２", runs=(RunConfig("nesterov"),)),  # what a Chinese input method types
    Scene(surface="sinh(sinh(log(y)**100))+sinh(sinh(log(x)**100))", runs=(RunConfig("adam"),)),
    Scene(surface="ill_conditioned", surface_params={"kappa": 123.456789}, runs=(RunConfig("rmsprop"),)),
    # 1-D curves: built-in, and typed in x alone with a one-number start
    *(Scene(surface=name, runs=(RunConfig("adam"),), steps=10) for name in CURVES),
    Scene(surface="x^4 - 3*x^2 + sinh(x/4)", starts=((2.0,), (-1.5,)), runs=(RunConfig("lion"),), noise_std=0.3),
]


@pytest.mark.parametrize("scene", SCENES, ids=range(len(SCENES)))
def test_every_generated_script_is_only_what_we_write(scene):
    for run_index in range(len(scene.runs)):
        source = torch_snippet(scene, run_index)
        assert_safe_script(source, scene, run_index)
        check_script(source)  # the generator's own check agrees


def test_ime_formula_is_printed_from_the_tree():
    source = torch_snippet(Scene(surface="ｘ＾２＋３＊ｙ＾２", runs=(RunConfig("sgd"),)))
    assert "    return x**2 + 3 * y**2\n" in source


# --- the attack of the report, and defence in depth ---------------------------------------------------------
PAYLOAD = '"""; import os; os.system("touch PWNED"); """'


def test_the_reported_link_is_refused():
    with pytest.raises(FormulaError, match="comments are not allowed"):
        scene_from_query({"surface": f"x**2+y**2 #{PAYLOAD}"})


def test_no_text_of_the_surface_reaches_the_script(monkeypatch):
    """Even a surface whose name, formula text, LaTeX and description carry a payload (as if a future bug let
    one through) yields the same script as the benign surface: the script is printed from the tree."""
    scene = Scene(surface="x^2 + 3*y^2", runs=(RunConfig("adam", {"lr": 0.05}),), steps=30)
    benign = torch_snippet(scene)
    resolved = scene.resolve()
    forged = dataclasses.replace(resolved.surface, name=PAYLOAD, formula=PAYLOAD, latex=PAYLOAD, description=PAYLOAD)
    forged_scene = dataclasses.replace(resolved, surface=forged)
    monkeypatch.setattr(Scene, "resolve", lambda self: forged_scene)
    assert scene.resolve().surface.name == PAYLOAD  # the forgery is in place
    assert torch_snippet(scene) == benign
    assert "PWNED" not in benign and "os.system" not in benign


def test_a_forged_tree_cannot_print_a_name():
    """The printer looks every function up in the torch table: a tree node naming anything else is refused."""
    b = ex.Builder()
    forged = b.call("os.system", [b.var("x")])
    with pytest.raises(KeyError):
        torch_expression(forged)
    with pytest.raises(ValueError):
        ex.compile_program(forged)


@pytest.mark.parametrize(
    "edit",
    [
        lambda s: s.replace("import torch\n", "import torch\nimport os\n"),
        lambda s: s.replace("import torch\n", "import torch\nfrom os import system\n"),
        lambda s: s.replace("import torch\n", "import torch\nimport math\n"),  # unused
        lambda s: s.replace("    return ", "    return 'PWNED' and "),
        lambda s: s.replace("    return ", "    return os.system('id') + "),
        lambda s: s.replace("    return ", "    return torch.load('x') + "),
        lambda s: s.replace("path = [", "__import__('os')\npath = ["),
        lambda s: s.replace("The path matches", "The path ''' matches"),
        lambda s: s.replace("Surface: ", "Surface: PWNED "),
        lambda s: s.replace("diverged at step ", "PWNED "),
        lambda s: s + "exec('1')\n",
        lambda s: s + "lambda: 0\n",
        lambda s: s.replace("opt.step()", "opt.__class__()"),
    ],
)
def test_check_script_refuses_anything_else(edit):
    source = torch_snippet(Scene(surface="x^2 + y^2", runs=(RunConfig("adam"),), steps=10))
    check_script(source)
    with pytest.raises((ValueError, SyntaxError)):
        check_script(edit(source))


@pytest.mark.parametrize(
    "value", ["x", b"x", float("nan"), float("inf"), -float("inf"), object(), {"a": 1}, ("1", 2), [1, "2"]]
)
def test_literal_refuses_anything_but_numbers(value):
    with pytest.raises((ValueError, TypeError)):
        literal(value)


def test_literal_writes_numbers_that_read_back():
    for value in [0.0, -0.5, 1e-300, 1.7976931348623157e308, 3, True, False, None, (0.9, 0.999), [1, 2.5]]:
        assert ast.literal_eval(literal(value)) == (tuple(value) if isinstance(value, list) else value)


# --- the printer: the text evaluates exactly like the tree ------------------------------------------------
_ATOMS = st.sampled_from(["x", "y", "pi", "e", "1", "2", "3", "0.5", "1.5", "10", "1e-3"])
_FUNCS = st.sampled_from(["sin", "cos", "atan", "tanh", "exp", "abs", "sqrt", "log", "sinh"])
_OPS = st.sampled_from(["+", "-", "*", "/", "^"])


def _combine(children):
    return st.one_of(
        st.tuples(children, _OPS, children).map(lambda t: f"({t[0]}){t[1]}({t[2]})"),
        st.tuples(children, _OPS, children).map(lambda t: f"{t[0]}{t[1]}{t[2]}"),
        st.tuples(_FUNCS, children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(children, children).map(lambda t: f"atan2({t[0]}, {t[1]})"),
        children.map(lambda c: f"-{c}"),
        children.map(lambda c: f"-({c})"),
    )


NUMPY_NAMES = dict(ex.NUMPY_FUNCTIONS)


@settings(max_examples=300, deadline=None)
@given(st.recursive(_ATOMS, _combine, max_leaves=10))
@example("-(atan2(-((pi)-(pi)), x))")  # a constant zero's sign: Python's -(pi - pi) is -0.0, atan2 tells it apart
def test_printed_python_evaluates_exactly_like_the_compiled_tree(text):
    try:
        tree = parse_tree(text)
    except FormulaError:
        return
    source = ex.to_python(tree, {n: n for n in ex.ARITY}, {"pi": "pi", "e": "e"})
    code = compile(source, "<printed>", "eval")
    pts = np.array([[0.7, 1.3], [-0.4, 2.2], [1.9, -0.6]])
    x, y = pts[:, 0], pts[:, 1]
    with np.errstate(all="ignore"):
        printed = np.broadcast_to(
            eval(code, {"__builtins__": {}}, {**NUMPY_NAMES, "pi": np.pi, "e": np.e, "x": x, "y": y}), (3,)
        )
        compiled = np.broadcast_to(ex.compile_program(tree).value(x, y), (3,))
    np.testing.assert_array_equal(printed, compiled)  # bit for bit: the same operations in the same order


def test_builtins_print_through_the_whitelist_walker():
    for name in BUILTINS:
        surface = get_surface(name)
        code = torch_expression(surface)
        tree = ex.from_sympy(surface.expr, {v: v.name for v in surface.expr.free_symbols})
        pts = np.random.default_rng(0).uniform(-2, 2, (50, 2))
        with np.errstate(all="ignore"):
            mine = np.broadcast_to(ex.compile_program(tree).value(pts[:, 0], pts[:, 1]), (50,))
        np.testing.assert_allclose(mine, surface.value(pts), rtol=1e-12, atol=1e-12)
        assert "math." not in code.replace("math.pi", "").replace("math.e", "")
