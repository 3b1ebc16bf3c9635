"""A runnable Python script that reproduces one run of a scene with torch.optim (or pytorch-optimizer).

It answers "how do I get this path in my own code?": the surface as a torch function, the optimizer with the
reference's own class and keyword names, the schedule, clipping, and even the gradient noise (drawn from
NumPy's generator with the same seed, exactly as optim_core does), so its path matches ours.

Nothing a user typed is ever pasted into the script.  A shared link or an uploaded config carries the formula
as text; the script's ``f`` is *printed from the parsed expression tree* (surfaces/expr.py), which can only
hold numbers, x, y, pi, e, arithmetic and the fixed function table, so the printer can only emit those and
the names in :data:`TORCH_FUNCTIONS`.  Every other value is written by :func:`literal`, which accepts
only booleans and finite numbers (and tuples of them); the run label, the surface's name and its formula
text are left out.  The only string constants in the script are the fixed texts of this module.
"""

from __future__ import annotations

import ast
import keyword
import math
import re
from typing import Any

from optim_core import OPTIMIZERS, OptimizerSpec, resolve_schedule
from optim_core.scene import Scene
from surfaces import SURFACES, Surface, dataset_of
from surfaces import expr as ex
from surfaces.base import X, Y

from .inputs import ExportError

# The reference class of each optimizer comes from its declaration (OptimizerSpec.ref).
_PIP_NOTE = {"pytorch_optimizer": "  # pip install pytorch-optimizer"}


def _reference(spec: OptimizerSpec) -> tuple[str, str]:
    """(the import line beside torch's, or "", the constructor) of the spec's reference implementation."""
    module = spec.ref.import_module
    imports = "" if module == "torch" else f"import {_trusted(module)}{_PIP_NOTE.get(module, '')}"
    return imports, _trusted(spec.ref.qualname)


# The torch function behind each function of the formula language.
TORCH_FUNCTIONS: dict[str, str] = {name: f"torch.{name}" for name in ex.ARITY}
TORCH_CONSTANTS = {"pi": "math.pi", "e": "math.e"}

_SCHEDULERS = {
    "step": "torch.optim.lr_scheduler.StepLR(opt, step_size={step_size}, gamma={gamma})",
    "exponential": "torch.optim.lr_scheduler.ExponentialLR(opt, gamma={gamma})",
    "cosine": "torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max={T_max}, eta_min={eta_min})",
    "warmup_cosine": (
        "torch.optim.lr_scheduler.SequentialLR(opt, [\n"
        "    torch.optim.lr_scheduler.LinearLR(opt, start_factor={start_factor}, end_factor=1.0, "
        "total_iters={warmup_steps}),\n"
        "    torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max={T_max}, eta_min={eta_min}),\n"
        "], milestones=[{warmup_steps}])"
    ),
}
_INTEGER_PARAMS = {"step_size", "T_max", "warmup_steps"}
_SCHEDULER_CLASSES = {"StepLR", "ExponentialLR", "CosineAnnealingLR", "SequentialLR", "LinearLR"}
# Text from the project's own registries (class names, built-in ids) that may appear in the docstring.
_TRUSTED_TEXT = re.compile(r"[A-Za-z0-9_.]+")
_CUSTOM = "the scene's own formula (f below is printed from the parsed formula)"
_DOCSTRING = re.compile(
    r"Reproduce one run of an Optimizer Playground scene with [A-Za-z0-9_.]+\.\n\n"
    rf"Surface: (the built-in (surface|curve|dataset) [A-Za-z0-9_]+|{re.escape(_CUSTOM)})\.\n"
    r"The path matches the app's to ~1e-12( with SAME_BATCHES_AS_THE_APP = True)?\.\n"
)

# The dataset surfaces (surfaces/datasets.py): how the script regenerates the data (the same NumPy calls from the
# same seed; a test checks the arrays), the torch model whose two parameters are the map's (x, y), its criterion,
# and how the start is set and the point read.  Fixed text: only {seed} and {n} (integers) are filled in.
_DATA = {
    "linreg": (
        "data = np.random.default_rng({seed})",
        "x = data.normal(1.0, 1.0, {n})",
        "y = 2.0 * x - 1.0 + data.normal(0.0, 1.0, {n})",
        "inputs = torch.from_numpy(x)[:, None]",
        "targets = torch.from_numpy(y)[:, None]",
    ),
    "logreg": (
        "data = np.random.default_rng({seed})",
        "t = data.permutation(np.arange({n}) % 2).astype(float)",
        "centre = np.where(t[:, None] == 1.0, 1.0, -1.0) * np.array([1.2, 0.6])",
        "inputs = torch.from_numpy(centre + data.normal(0.0, 1.0, ({n}, 2)))",
        "targets = torch.from_numpy(t)[:, None]",
    ),
}
_MODEL = {
    "linreg": (
        "model = torch.nn.Linear(1, 1)",
        "criterion = torch.nn.MSELoss()",
        "with torch.no_grad():",
        "    model.weight.copy_(torch.tensor([[{x}]]))",
        "    model.bias.copy_(torch.tensor([{y}]))",
    ),
    "logreg": (
        "model = torch.nn.Linear(2, 1, bias=False)",
        "criterion = torch.nn.BCEWithLogitsLoss()",
        "with torch.no_grad():",
        "    model.weight.copy_(torch.tensor([[{x}, {y}]]))",
    ),
}
_POINT = {
    "linreg": "torch.cat([model.weight.reshape(-1), model.bias]).detach().clone()",
    "logreg": "model.weight.reshape(-1).detach().clone()",
}
_NOISE = {
    "linreg": ("        model.weight.grad += noise[0]", "        model.bias.grad += noise[1]"),
    "logreg": ("        model.weight.grad += noise[None, :]",),
}


def dataset_recipe(surface_id: str, seed: int, n: int) -> str:
    """The script's lines that regenerate a dataset's inputs and targets (tests compare them with the data)."""
    return "\n".join(line.format(seed=literal(int(seed)), n=literal(int(n))) for line in _DATA[surface_id])


def literal(value: Any) -> str:
    """Python source for None, a boolean, a finite number, or a tuple / list of them; anything else is refused."""
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int) or (hasattr(value, "dtype") and getattr(value.dtype, "kind", "") in "iu"):
        return str(int(value))
    if isinstance(value, float) or (hasattr(value, "dtype") and getattr(value.dtype, "kind", "") == "f"):
        v = float(value)
        if not math.isfinite(v):
            raise ValueError("a script can only hold finite numbers")
        return repr(v)
    if isinstance(value, (tuple, list)):
        items = [literal(v) for v in value]
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    raise TypeError(f"a script cannot hold a {type(value).__name__} value")


def _keywords(kwargs: dict[str, Any]) -> str:
    for name in kwargs:
        if not name.isidentifier() or keyword.iskeyword(name):
            raise ValueError("a keyword argument of the script must be a plain name")
    return ", ".join(f"{k}={literal(v)}" for k, v in kwargs.items())


def _trusted(text: str) -> str:
    if not _TRUSTED_TEXT.fullmatch(text):
        raise ValueError("only registry names may appear in the script's docstring")
    return text


def surface_tree(surface: Surface) -> ex.Node:
    """The expression tree of a surface: a typed formula's own tree, or a built-in's SymPy expression
    converted by the whitelist walker (which refuses anything outside the formula language)."""
    tree = getattr(surface, "tree", None)
    if isinstance(tree, ex.Node):
        return tree
    return ex.from_sympy(surface.expr, {X: "x", Y: "y"} if surface.dim == 2 else {X: "x"})


def torch_expression(surface: Surface | ex.Node) -> str:
    """f(x, y) as Python source over torch tensors x, y: numbers, x, y, math.pi, math.e, arithmetic and
    TORCH_FUNCTIONS only (torch.atan2 gets torch.tensor(c) for a constant argument)."""
    tree = surface if isinstance(surface, ex.Node) else surface_tree(surface)
    return ex.to_python(tree, TORCH_FUNCTIONS, TORCH_CONSTANTS, constant_call=lambda c: f"torch.tensor({c})")


def torch_snippet(scene: Scene, run_index: int = 0, start_index: int = 0) -> str:
    """Python source reproducing scene.runs[run_index] from scene.start_points()[start_index].

    Raises ExportError (one line) for a run torch cannot reproduce: a textbook form of a rule (a variant switch,
    OptimizerSpec.variants: torch.optim has no such option), or SWATS on linreg (torch's SWATS projects each
    parameter tensor on its own, the weight and the bias apart, where this app's θ = (w, b) is one vector)."""
    resolved = scene.resolve()
    run_cfg = scene.runs[run_index]
    spec = OPTIMIZERS[run_cfg.optimizer]
    surface = resolved.surface
    variant = spec.variant_settings(run_cfg.resolved())
    if variant:
        raise ExportError(
            "this run uses a textbook form of {name} ({switches}) that {reference} does not have: "
            "the script reproduces the reference's own form only",
            name=spec.name,
            switches=", ".join(sorted(variant)),
            reference=spec.reference,
        )
    data = dataset_of(surface)
    if data is not None and spec.id == "swats" and data.torch_model == "Linear(1, 1)":
        raise ExportError(
            "SWATS on {surface}: torch's SWATS treats the weight and the bias as two parameters, this app as one "
            "vector, so the script would not follow the same path",
            surface=surface.name,
        )
    dim = resolved.dim  # 2 for a surface f(x, y), 1 for a curve f(x)
    starts = resolved.starts  # (B, d)
    start = ", ".join(literal(float(c)) for c in starts[start_index])
    kwargs = spec.reference_kwargs(run_cfg.resolved())
    imports, cls = _reference(spec)
    if not imports:
        kwargs["foreach"] = False  # torch's single-tensor code path, the one the golden fixtures pin
    sched_spec, sched = resolve_schedule(dict(resolved.runs[run_index].schedule))  # the run's own, or the scene's
    if data is not None:
        return _dataset_script(scene, resolved, run_index, start_index, cls, imports, kwargs, sched_spec.id, sched)
    sched_name = sched_spec.id
    steps = int(scene.steps)
    body = torch_expression(surface)
    key = scene.surface.strip()
    if key in SURFACES:
        about = f"the built-in {'curve' if dim == 1 else 'surface'} {_trusted(key)}"
    else:
        about = _CUSTOM

    header = [
        f'"""Reproduce one run of an Optimizer Playground scene with {cls}.',
        "",
        f"Surface: {about}.",
        "The path matches the app's to ~1e-12.",
        '"""',
    ]
    modules = []
    if "math." in body:
        modules.append("import math")
    if scene.noise_std:
        modules.append("import numpy as np")
    modules.append("import torch")
    if imports:
        modules.append(imports)
    lines = [
        *header,
        *modules,
        "",
        "torch.set_default_dtype(torch.float64)",
        "",
        "",
        "def f(p):",
        "    x, y = p[0], p[1]" if dim == 2 else "    x = p[0]",
        f"    return {body}",
        "",
        "",
        f"p = torch.tensor([{start}], requires_grad=True)",
        f"opt = {cls}([p], {_keywords(kwargs)})",
    ]
    if sched_name != "constant":
        lines.append(_scheduler_line(sched_name, sched, steps))
    if scene.noise_std:
        seed, batch = literal(int(scene.noise_seed)), literal(len(starts))
        lines += [
            f"# Gradient noise as in the app: one generator seeded {seed}, a ({dim}, B) draw per step,",
            f"# B = {batch} start point(s); this path uses column {literal(int(start_index))}.",
            f"rng = np.random.default_rng({seed})",
        ]
    lines += [
        "",
        "path = [p.detach().clone()]",
        f"for step in range({literal(steps)}):",
        "    opt.zero_grad()",
        "    loss = f(p)",
        "    loss.backward()",
    ]
    if scene.noise_std:
        lines += [
            "    with torch.no_grad():",
            f"        noise = rng.standard_normal(({dim}, {literal(len(starts))}))[:, {literal(int(start_index))}]",
            f"        p.grad += {literal(float(scene.noise_std))} * torch.from_numpy(noise)",
        ]
    if scene.clip is not None:
        lines.append(f"    torch.nn.utils.clip_grad_norm_([p], max_norm={literal(float(scene.clip))})")
    lines.append("    opt.step()")
    if sched_name != "constant":
        lines.append("    scheduler.step()")
    lines += [
        "    path.append(p.detach().clone())",
        "    if not torch.isfinite(p).all():",
        '        print(f"diverged at step {step + 1}")',
        "        break",
        "",
        f"points = torch.stack(path).numpy()  # (steps + 1, {dim})",
        'print(f"final point {points[-1]}, f = {f(torch.from_numpy(points[-1])).item():.6g}")',
        "",
    ]
    source = "\n".join(lines)
    check_script(source)
    return source


def _scheduler_line(name: str, sched: dict[str, Any], steps: int) -> str:
    full = {"T_max": steps, **sched}
    if name == "warmup_cosine":
        full["T_max"] = sched.get("T_max") or max(steps - int(sched["warmup_steps"]), 1)
    elif name == "cosine":
        full["T_max"] = sched.get("T_max") or steps
    values = {k: literal(int(v) if k in _INTEGER_PARAMS else v) for k, v in full.items()}
    return f"scheduler = {_SCHEDULERS[name].format(**values)}"


def _dataset_script(
    scene: Scene,
    resolved: Any,
    run_index: int,
    start_index: int,
    cls: str,
    imports: str,
    kwargs: dict[str, Any],
    sched_name: str,
    sched: dict[str, Any],
) -> str:
    """A dataset surface: the data regenerated from its seed, the torch model and criterion, and the run's own
    mini-batches drawn as PyTorch users draw them: a TensorDataset and a DataLoader (batch_size=B, shuffle=True,
    generator=torch.Generator().manual_seed(seed)), one pass over it per epoch (the last batch smaller).

    torch's shuffle order is not the app's (optim_core.batches: a NumPy permutation per epoch), so by default a
    mini-batch script trains on other batches of the same sizes; SAME_BATCHES_AS_THE_APP = True hands the
    DataLoader the app's permutations (sampler=) and follows the app's path step for step.  Batch size N takes
    the whole dataset every step, in order: the app's path exactly."""
    key = _trusted(resolved.surface.id)
    data = dataset_of(resolved.surface)
    assert data is not None
    n = data.n
    b = int(resolved.runs[run_index].batch_size or n)  # the run's own batch size (each run may have its own)
    spe = -(-n // b)
    steps = int(scene.steps)
    seed = literal(int(resolved.batch_seed))
    x0, y0 = (literal(float(c)) for c in resolved.starts[start_index])
    lines = [
        f'"""Reproduce one run of an Optimizer Playground scene with {cls}.',
        "",
        f"Surface: the built-in dataset {key}.",
        "The path matches the app's to ~1e-12" + (" with SAME_BATCHES_AS_THE_APP = True." if b < n else "."),
        '"""',
        "import numpy as np",
        "import torch",
    ]
    if imports:
        lines.append(imports)
    lines += ["", "torch.set_default_dtype(torch.float64)", ""]
    lines += [line.format(seed=literal(int(data.seed)), n=literal(n)) for line in _DATA[key]]
    lines.append("dataset = torch.utils.data.TensorDataset(inputs, targets)")
    lines += [line.format(x=x0, y=y0) for line in _MODEL[key]]
    lines.append(f"opt = {cls}(model.parameters(), {_keywords(kwargs)})")
    if sched_name != "constant":
        lines.append(_scheduler_line(sched_name, sched, steps))
    if b < n:
        lines += [
            "",
            f"# Mini-batches of {b} as PyTorch draws them: each pass over the DataLoader is one epoch, the",
            f"# {n} samples reshuffled by its generator and cut into {spe} batches"
            + (" (the last one smaller)." if n % b else "."),
            "# torch's shuffle order is not the app's (the app draws each epoch's order with NumPy), so this",
            "# trains on other batches of the same sizes, every sample once per epoch: a path like the app's,",
            "# not the same one. Set SAME_BATCHES_AS_THE_APP = True to hand the DataLoader the app's order",
            "# (sampler=) and follow the app's path step for step.",
            "SAME_BATCHES_AS_THE_APP = False",
            "loader = torch.utils.data.DataLoader(",
            f"    dataset, batch_size={b}, shuffle=True, generator=torch.Generator().manual_seed({seed})",
            ")",
            f"shuffle = np.random.default_rng({seed})  # the app's order: a NumPy permutation per epoch",
        ]
    else:
        lines.append(f"loader = torch.utils.data.DataLoader(dataset, batch_size={n})  # the full batch, every step")
    if scene.noise_std:
        lines.append(f"rng = np.random.default_rng({literal(int(scene.noise_seed))})")
    lines += ["", f"path = [{_POINT[key]}]", f"for step in range({literal(steps)}):"]
    if b < n:
        lines += [
            f"    if step % {literal(spe)} == 0:  # a new epoch",
            "        if SAME_BATCHES_AS_THE_APP:",
            f"            order = shuffle.permutation({literal(n)}).tolist()",
            f"            loader = torch.utils.data.DataLoader(dataset, batch_size={b}, sampler=order)",
            "        batches = iter(loader)",
        ]
    else:
        lines.append("    batches = iter(loader)  # one batch per epoch: all the samples")
    lines += [
        "    xb, yb = next(batches)",
        "    opt.zero_grad()",
        "    loss = criterion(model(xb), yb)",
    ]
    lines.append("    loss.backward()")
    if scene.noise_std:
        width, col = literal(len(resolved.starts)), literal(int(start_index))
        lines += [
            "    with torch.no_grad():",
            f"        noise = {literal(float(scene.noise_std))} * torch.from_numpy(rng.standard_normal((2, {width}))[:, {col}])",
            *_NOISE[key],
        ]
    if scene.clip is not None:
        lines.append(f"    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm={literal(float(scene.clip))})")
    lines.append("    opt.step()")
    if sched_name != "constant":
        lines.append("    scheduler.step()")
    lines += [
        f"    path.append({_POINT[key]})",
        "    if not torch.isfinite(path[-1]).all():",
        '        print(f"diverged at step {step + 1}")',
        "        break",
        "",
        "points = torch.stack(path).numpy()  # (steps + 1, 2): the model's two parameters",
        'print(f"final point {points[-1]}, f = {criterion(model(inputs), targets).item():.6g}")',
        "",
    ]
    source = "\n".join(lines)
    check_script(source)
    return source


# --- the script's own check ------------------------------------------------------------------------------
# What a generated script may contain, and nothing else: defence in depth behind the printers above.
_MODULES = {"torch": "torch", "numpy": "np", "math": "math"}
_MODULES.update({m: m for m in (spec.ref.import_module for spec in OPTIMIZERS.values()) if m != "torch"})
_NAMES = {*_MODULES.values(), "f", "p", "x", "y", "opt", "scheduler", "rng", "path", "step", "loss", "noise"}
_NAMES |= {"points", "range", "print"}
# dataset scripts: the data, the model, the per-epoch order
_NAMES |= {"data", "t", "centre", "inputs", "targets", "model", "criterion", "shuffle", "order", "batch", "k", "float"}
_NAMES |= {"dataset", "loader", "batches", "xb", "yb", "iter", "next", "SAME_BATCHES_AS_THE_APP"}
_ATTRIBUTES = {
    *TORCH_FUNCTIONS.values(),
    *(spec.ref.cls for spec in OPTIMIZERS.values()),
    *_SCHEDULER_CLASSES,
    # torch.optim.lr_scheduler, torch.set_default_dtype(torch.float64), torch.tensor, math.pi, math.e
    *("optim", "lr_scheduler", "set_default_dtype", "float64", "tensor", "pi", "e"),
    # the loop: p.detach().clone(), opt.zero_grad(), loss.backward(), torch.no_grad(), p.grad, opt.step() ...
    *("detach", "clone", "zero_grad", "backward", "no_grad", "grad", "step", "append", "isfinite", "all"),
    *("from_numpy", "nn", "utils", "clip_grad_norm_", "stack", "numpy", "item"),
    *("random", "default_rng", "standard_normal"),  # the noise generator
    # dataset scripts: np.random.default_rng(s).normal / .permutation, np.arange, np.where, np.array, astype,
    # torch.nn.Linear, MSELoss, BCEWithLogitsLoss, model.weight / .bias / .parameters(), copy_, reshape, torch.cat
    *("normal", "permutation", "arange", "where", "array", "astype", "Linear", "MSELoss", "BCEWithLogitsLoss"),
    *("weight", "bias", "parameters", "copy_", "reshape", "cat"),
    # torch.utils.data.TensorDataset / DataLoader, torch.Generator().manual_seed(s), permutation(n).tolist()
    *("data", "TensorDataset", "DataLoader", "Generator", "manual_seed", "tolist"),
}
_ATTRIBUTES = {a.rsplit(".", 1)[-1] for a in _ATTRIBUTES}
_FSTRING_TEXTS = {"diverged at step ", "final point ", ", f = ", ".6g"}
_NODES = (
    ast.Module, ast.Expr, ast.Import, ast.alias, ast.Assign, ast.AugAssign, ast.Name, ast.Load, ast.Store,
    ast.Call, ast.Attribute, ast.Constant, ast.keyword, ast.FunctionDef, ast.arguments, ast.arg, ast.Return,
    ast.Tuple, ast.List, ast.Subscript, ast.Slice, ast.BinOp, ast.UnaryOp, ast.Add, ast.Sub, ast.Mult,
    ast.Div, ast.Pow, ast.USub, ast.UAdd, ast.Not, ast.For, ast.If, ast.Break, ast.With, ast.withitem,
    ast.JoinedStr, ast.FormattedValue,
    ast.Compare, ast.Eq, ast.Mod,  # dataset scripts: k = step % steps_per_epoch; if k == 0; np.arange(n) % 2
)  # fmt: skip
_F_NODES = (
    ast.BinOp, ast.UnaryOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub, ast.UAdd,
    ast.Name, ast.Load, ast.Constant, ast.Call, ast.Attribute,
)  # fmt: skip


def check_script(source: str) -> None:
    """Raise ValueError unless ``source`` holds only what torch_snippet writes: imports of torch, numpy,
    pytorch_optimizer and math (each one used), the fixed names and attributes, numbers, the fixed docstring
    and f-string texts, and an ``f`` whose body is arithmetic on x, y, numbers and the torch function table."""
    tree = ast.parse(source)
    allowed_strings: set[int] = set()
    first = tree.body[0] if tree.body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        if not _DOCSTRING.fullmatch(first.value.value):
            raise ValueError("the script's docstring is not the generated one")
        allowed_strings.add(id(first.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            for part in node.values:
                if isinstance(part, ast.Constant):
                    if part.value not in _FSTRING_TEXTS:
                        raise ValueError("unexpected text in an f-string of the script")
                    allowed_strings.add(id(part))
    imported: set[str] = set()
    used: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, _NODES):
            raise ValueError(f"the script holds a {type(node).__name__}")
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _MODULES.get(alias.name) != (alias.asname or alias.name):
                    raise ValueError("the script imports an unexpected module")
                imported.add(alias.asname or alias.name)
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, (str, bytes)) and id(node) not in allowed_strings:
                raise ValueError("the script holds an unexpected string")
        elif isinstance(node, ast.Name):
            if node.id not in _NAMES:
                raise ValueError("the script uses an unexpected name")
            if node.id in _MODULES.values():
                used.add(node.id)
        elif isinstance(node, ast.Attribute) and node.attr not in _ATTRIBUTES:
            raise ValueError(f"the script uses an unexpected attribute {node.attr}")
        elif isinstance(node, ast.FunctionDef):
            _check_f(node)
    if imported != used:
        raise ValueError("the script's imports differ from the modules it uses")


def _check_f(node: ast.FunctionDef) -> None:
    if node.name != "f" or [a.arg for a in node.args.args] != ["p"] or len(node.body) != 2:
        raise ValueError("the script's f is not the generated one")
    unpack, ret = node.body
    if (
        ast.unparse(unpack) not in ("x, y = (p[0], p[1])", "x = p[0]")
        or not isinstance(ret, ast.Return)
        or not ret.value
    ):
        raise ValueError("the script's f is not the generated one")
    functions = set(TORCH_FUNCTIONS.values()) | {"torch.tensor"}
    for n in ast.walk(ret.value):
        if not isinstance(n, _F_NODES):
            raise ValueError("f holds more than arithmetic")
        if isinstance(n, ast.Constant) and type(n.value) not in (int, float):
            raise ValueError("f holds a constant that is not a number")
        if isinstance(n, ast.Name) and n.id not in ("x", "y", "torch", "math"):
            raise ValueError("f uses an unexpected name")
        if isinstance(n, ast.Call):
            if n.keywords or ast.unparse(n.func) not in functions:
                raise ValueError("f calls an unexpected function")
            if ast.unparse(n.func) == "torch.tensor" and not (len(n.args) == 1 and isinstance(n.args[0], ast.Constant)):
                raise ValueError("f makes an unexpected tensor")
        if isinstance(n, ast.Attribute) and ast.unparse(n) not in functions | {"math.pi", "math.e"}:
            raise ValueError("f uses an unexpected attribute")
