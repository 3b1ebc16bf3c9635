"""The message catalogue: extract every user-visible string, update the translations, compile them.

    python -m tools.i18n extract     # i18n/messages.pot from the source and the declarations
    python -m tools.i18n update      # merge the .pot into i18n/locale/zh/LC_MESSAGES/messages.po
    python -m tools.i18n compile     # .po → .mo (what the app reads, with Python's gettext)
    python -m tools.i18n all         # the three, in order
    python -m tools.i18n check       # what is missing or broken in each language (exit 1 if anything)

Where messages come from:
  * the source: calls of ``_``, ``N_``, ``gettext``, ``ngettext``, ``fmt`` and the error classes (a
    ``raise SpecError("template", …)`` is a message), found by walking each file's syntax tree (ast);
  * the declarations: teaching texts live in data (OptimizerSpec explanations, pros and cons, hyperparameter
    meanings, schedules, surfaces, lessons), walked by :func:`declared_texts`.
"""

from __future__ import annotations

import argparse
import ast
import io
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

REPO = Path(__file__).resolve().parents[1]
POT = REPO / "i18n" / "messages.pot"
LOCALES = REPO / "i18n" / "locale"
TRANSLATED = ("zh",)
SOURCE_DIRS = ("i18n", "surfaces", "optim_core", "look", "lessons", "explain", "viz", "export", "cli", "ui")
SOURCE_FILES = ("app.py",)
KEYWORDS = {
    "_": None,
    "N_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "fmt": None,
    # error classes whose first argument is a message template (i18n.errors.UserError and its subclasses)
    "UserError": None,
    "SpecError": None,
    "FormulaError": None,
    "SurfaceError": None,
    "UsageError": None,
    "ExportError": None,
    "SceneError": None,
    "BudgetError": None,
    "LookError": None,
    "ExplainError": None,
    "BusyError": None,
}
# a message: its text, or (singular, plural) for ngettext
Message = str | tuple[str, ...]
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?:[!:][^{}]*)?\}")


def placeholders(text: str) -> set[str]:
    """Names of the ``{name}`` / ``{name:.3g}`` fields in a template (``{{`` escapes ignored)."""
    return set(PLACEHOLDER.findall(text.replace("{{", "").replace("}}", "")))


# ------------------------------------------------------------------------------------------- extraction
def source_messages() -> Iterator[tuple[Message, str, int]]:
    """(message, file, line) for every marked string in the source.

    The source is read with Python's own parser (``ast``), not a tokenizer: a call such as
    ``f"<b>{_('Strengths')}</b>"`` sits inside an f-string, which Python 3.11's tokenizer (and so Babel's
    extractor) sees as one opaque string, so its message would silently never reach the catalogue.
    A call whose message is built at run time (an f-string, ``"…".format()``, a ``+`` of strings) cannot be
    translated as written: it is recorded in UNTRANSLATABLE (``path:line``) and ``check`` lists it."""
    UNTRANSLATABLE.clear()
    for path in _source_files():
        yield from _file_messages(path)


UNTRANSLATABLE: list[str] = []


def _source_files() -> Iterator[Path]:
    for d in SOURCE_DIRS:
        base = REPO / d
        if base.is_dir():
            yield from sorted(p for p in base.rglob("*.py") if "__pycache__" not in p.parts)
    for f in SOURCE_FILES:
        if (REPO / f).is_file():
            yield REPO / f


def _call_name(node: ast.Call) -> str | None:
    """The keyword a call is made with: ``_(…)``, ``fmt(…)``, ``_.fmt(…)``, ``look.gettext(…)``, ``SpecError(…)``."""
    f = node.func
    name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
    return name if name in KEYWORDS else None


def _built_at_run_time(arg: ast.expr) -> bool:
    """An f-string with fields, a ``"…".format(…)`` / ``"…" % …`` or a ``+`` of strings: not a constant."""
    if isinstance(arg, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in arg.values)
    if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr == "format":
        return isinstance(arg.func.value, (ast.Constant, ast.JoinedStr))
    if isinstance(arg, ast.BinOp) and isinstance(arg.op, (ast.Add, ast.Mod)):
        return isinstance(arg.left, (ast.Constant, ast.JoinedStr, ast.BinOp))
    return False


def _file_messages(path: Path) -> Iterator[tuple[Message, str, int]]:
    where = path.relative_to(REPO).as_posix()
    tree = ast.parse(path.read_bytes(), filename=str(path))
    for node in ast.walk(tree):  # every node, those inside f-strings included
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = _call_name(node)
        if name is None:
            continue
        spec = KEYWORDS[name]
        if isinstance(spec, tuple):  # ngettext(singular, plural, n): one plural message (msgstr[0], msgstr[1] …)
            forms = [node.args[pos - 1] for pos in spec if pos <= len(node.args)]
            if len(forms) == len(spec) and all(
                isinstance(a, ast.Constant) and isinstance(a.value, str) and a.value for a in forms
            ):
                yield tuple(str(a.value) for a in forms if isinstance(a, ast.Constant)), where, node.lineno
            elif any(_built_at_run_time(a) for a in forms):
                UNTRANSLATABLE.append(f"{path}:{node.lineno}")
            continue
        arg = node.args[0]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            if arg.value:
                yield arg.value, where, node.lineno
        elif isinstance(arg, ast.JoinedStr) and not _built_at_run_time(arg):
            text = "".join(str(v.value) for v in arg.values if isinstance(v, ast.Constant))
            if text:
                yield text, where, node.lineno
        elif _built_at_run_time(arg):
            UNTRANSLATABLE.append(f"{path}:{node.lineno}")
        # anything else (a variable, an attribute): a declared text, listed by an i18n_texts() function


def declared_texts() -> Iterator[tuple[str, str]]:
    """(text, where) for every teaching / label text declared as data.

    Each layer that declares user-visible data exposes it through ``i18n_texts()`` (a generator of
    (text, where) pairs): optimizers, schedules and surfaces in the core, lessons in the UI.
    """
    import importlib

    for module in ("optim_core.i18n_texts", "surfaces.i18n_texts", "look.i18n_texts", "ui.i18n_texts"):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name in (module, module.split(".")[0]):  # the layer declares nothing (yet)
                continue
            raise
        for text, where in mod.i18n_texts():
            if text and text.strip():
                yield text, where


def build_template() -> Catalog:
    cat = Catalog(project="optimizer-playground", version="1", charset="utf-8", fuzzy=False)
    for message, where, line in source_messages():
        cat.add(message, locations=[(where, line)])
    for text, where in declared_texts():
        cat.add(text, locations=[(where, 0)])
    return cat


def extract() -> Catalog:
    cat = build_template()
    with open(POT, "wb") as fh:
        write_po(fh, cat, width=120, sort_output=True, omit_header=False, include_lineno=False)
    print(f"wrote {POT.relative_to(REPO)}: {len(cat)} messages")
    return cat


def po_path(lang: str) -> Path:
    return LOCALES / lang / "LC_MESSAGES" / "messages.po"


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    with open(path, "rb") as fh:
        return read_po(fh, locale=locale)


def update() -> None:
    template = read_catalog(POT)
    for lang in TRANSLATED:
        path = po_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        cat = read_catalog(path, locale=lang) if path.is_file() else Catalog(locale=lang, charset="utf-8")
        cat.update(template, no_fuzzy_matching=True)
        cat.obsolete.clear()  # removed messages go; git keeps their history
        with open(path, "wb") as fh:
            write_po(fh, cat, width=120, sort_output=True, include_lineno=False)
        print(f"updated {path.relative_to(REPO)}: {len(cat)} messages")


def compile_mo() -> None:
    for lang in TRANSLATED:
        path = po_path(lang)
        cat = read_catalog(path, locale=lang)
        with open(path.with_suffix(".mo"), "wb") as fh:
            write_mo(fh, cat, use_fuzzy=False)
        print(f"compiled {path.with_suffix('.mo').relative_to(REPO)}")


def mo_bytes(lang: str) -> bytes:
    buf = io.BytesIO()
    write_mo(buf, read_catalog(po_path(lang), locale=lang), use_fuzzy=False)
    return buf.getvalue()


def problems(lang: str) -> list[str]:
    """Everything wrong with one language's catalogue, one line each."""
    out: list[str] = []
    wanted = {m for m, _, _ in source_messages()} | {t for t, _ in declared_texts()}
    path = po_path(lang)
    if not path.is_file():
        return [f"{path.relative_to(REPO)} is missing"]
    cat = read_catalog(path, locale=lang)
    for msgid in sorted(wanted, key=lambda m: (m, "") if isinstance(m, str) else tuple(m)):
        entry = cat.get(msgid)
        # a plural message's msgstr is a tuple, one form per plural of the language (Chinese: one)
        strings = () if entry is None else entry.string if isinstance(entry.string, tuple) else (entry.string,)
        english = msgid if isinstance(msgid, str) else msgid[0]
        if entry is None or not strings or not all(strings):
            out.append(f"untranslated: {msgid!r}")
        elif entry.fuzzy:
            out.append(f"fuzzy (needs review): {msgid!r}")
        elif any(placeholders(english) != placeholders(str(s)) for s in strings):
            out.append(f"placeholders differ: {msgid!r} -> {entry.string!r}")
    out += [
        f"f-string given to a translation function (use a template with {{name}} fields): {w}"
        for w in sorted(set(UNTRANSLATABLE))
    ]
    mo = path.with_suffix(".mo")
    if not mo.is_file() or mo.read_bytes() != mo_bytes(lang):
        out.append(f"{mo.relative_to(REPO)} is out of date: python -m tools.i18n compile")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.i18n", description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=("extract", "update", "compile", "all", "check"))
    args = ap.parse_args(argv)
    if args.command in ("extract", "all"):
        extract()
    if args.command in ("update", "all"):
        update()
    if args.command in ("compile", "all"):
        compile_mo()
    if args.command == "check":
        bad = 0
        for lang in TRANSLATED:
            issues = problems(lang)
            bad += len(issues)
            for line in issues:
                print(f"[{lang}] {line}")
            print(f"[{lang}] {len(issues)} problem(s)")
        return 1 if bad else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
