"""The folder layout shows the layers, and the imports obey them: no package imports a layer above it, and no
module imports itself back through others (no import circle). CONTRIBUTING.md has the table this checks.

Every `import` statement of the project's packages counts — at module level or inside a function — because a
deferred import is still a dependency. Entry points (app.py, ``__main__.py`` modules) run the program and may
import anything; nothing imports them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# bottom to top; packages on the same rank must not import each other
LAYERS: list[set[str]] = [
    {"i18n"},
    {"surfaces"},
    {"optim_core"},
    {"look", "lessons"},
    {"viz", "export"},
    {"cli", "ui"},
]
RANK = {pkg: i for i, layer in enumerate(LAYERS) for pkg in layer}
PACKAGES = set(RANK)


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in (REPO / pkg).rglob("*.py"):
            rel = path.relative_to(REPO).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Project modules imported by module `name` (absolute and relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_pkg = path.name == "__init__.py"
    base = name.split(".") if is_pkg else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                mod = ".".join([*anchor, node.module] if node.module else anchor)
            else:
                mod = node.module or ""
            subs = [f"{mod}.{alias.name}" for alias in node.names if f"{mod}.{alias.name}" in MODULES]
            if subs and len(subs) == len(node.names):
                found.update(subs)  # `from pkg import module`: a dependency on the module, not on pkg/__init__
            else:
                found.add(mod)
                found.update(subs)
    return {m for m in found if m.split(".")[0] in PACKAGES and m in MODULES}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items() if not name.endswith("__main__")}


def test_the_layers_are_the_ones_contributing_md_describes():
    text = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for pkg in PACKAGES:
        assert f"`{pkg}/`" in text, f"CONTRIBUTING.md's layer table does not mention {pkg}/"


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_no_module_imports_a_layer_above_it(module):
    here = RANK[module.split(".")[0]]
    bad = []
    for target in GRAPH[module]:
        pkg = target.split(".")[0]
        if pkg == module.split(".")[0]:
            continue
        if RANK[pkg] >= here:
            bad.append(target)
    assert not bad, f"{module} (layer {here}) imports {sorted(bad)} from the same layer or above"


def test_no_import_circle():
    # Tarjan's strongly connected components over the module graph (a package imports its submodules
    # through __init__; those edges count like any other).
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH.get(v, ()):
            if w not in GRAPH:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                circles.append(sorted(comp))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    # A package's __init__ that re-exports its own submodules, which import siblings through the package,
    # forms a trivial circle with the package itself: only circles between two real modules count.
    real = [[m for m in c if MODULES[m].name != "__init__.py"] for c in circles]
    real = [c for c in real if len(c) > 1]
    assert not real, f"import circles: {real}"


def test_the_core_knows_nothing_of_streamlit_plotly_or_urls():
    banned = {"optim_core": ("streamlit", "plotly", "urllib"), "surfaces": ("streamlit", "plotly")}
    for pkg, names in banned.items():
        for path in (REPO / pkg).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                mods = []
                if isinstance(node, ast.Import):
                    mods = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and not node.level:
                    mods = [node.module or ""]
                for m in mods:
                    assert m.split(".")[0] not in names, f"{path.relative_to(REPO)} imports {m}"
    for pkg in ("look", "viz", "export", "lessons", "i18n"):
        for path in (REPO / pkg).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    assert all(a.name.split(".")[0] != "streamlit" for a in node.names), path
                elif isinstance(node, ast.ImportFrom) and node.module:
                    assert node.module.split(".")[0] != "streamlit", path
