"""The message catalogue: extract every user-visible string, update the translations, compile them.

    python -m tools.i18n extract     # i18n/messages.pot from the source and the declarations
    python -m tools.i18n update      # merge the .pot into i18n/locale/zh/LC_MESSAGES/messages.po
    python -m tools.i18n compile     # .po → .mo (what the app reads, with Python's gettext)
    python -m tools.i18n all         # the three, in order
    python -m tools.i18n check       # what is missing or broken in each language (exit 1 if anything)

Where messages come from:
  * the source: calls of ``_``, ``N_``, ``gettext``, ``ngettext``, ``fmt`` and the error classes (a
    ``raise SpecError("template", …)`` is a message), found by Babel's Python extractor;
  * the declarations: teaching texts live in data (OptimizerSpec explanations, pros and cons, hyperparameter
    meanings, schedules, surfaces, lessons), walked by :func:`declared_texts`.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

REPO = Path(__file__).resolve().parents[1]
POT = REPO / "i18n" / "messages.pot"
LOCALES = REPO / "i18n" / "locale"
TRANSLATED = ("zh",)
SOURCE_DIRS = ("i18n", "surfaces", "optim_core", "look", "lessons", "viz", "export", "cli", "ui")
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
}
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?:[!:][^{}]*)?\}")


def placeholders(text: str) -> set[str]:
    """Names of the ``{name}`` / ``{name:.3g}`` fields in a template (``{{`` escapes ignored)."""
    return set(PLACEHOLDER.findall(text.replace("{{", "").replace("}}", "")))


# ------------------------------------------------------------------------------------------- extraction
def source_messages() -> Iterator[tuple[str, str, int]]:
    """(message, file, line) for every marked string in the source.

    Babel skips (and reports on stderr) an f-string given to a keyword: it cannot be translated as written.
    Those reports are collected in UNTRANSLATABLE instead, and ``check`` lists them."""
    UNTRANSLATABLE.clear()
    with contextlib.redirect_stderr(_Collect()):
        yield from _source_messages()


class _Collect(io.StringIO):
    def write(self, s: str) -> int:
        if "f-string" in s:
            UNTRANSLATABLE.append(s.strip().split(": warning:")[0])
        return len(s)


UNTRANSLATABLE: list[str] = []


def _source_messages() -> Iterator[tuple[str, str, int]]:
    for d in SOURCE_DIRS:
        base = REPO / d
        if not base.is_dir():
            continue
        for filename, lineno, message, _comments, _context in extract_from_dir(
            base, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            if isinstance(message, tuple):  # ngettext
                for m in message:
                    if m:
                        yield m, f"{d}/{filename}", lineno
            elif message:
                yield message, f"{d}/{filename}", lineno
    for f in SOURCE_FILES:
        path = REPO / f
        if path.is_file():
            from babel.messages.extract import extract

            with open(path, "rb") as fh:
                for lineno, message, _c, _ctx in extract("python", fh, keywords=KEYWORDS):
                    for m in message if isinstance(message, tuple) else (message,):
                        if m:
                            yield m, f, lineno


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
    for msgid in sorted(wanted):
        entry = cat.get(msgid)
        if entry is None or not entry.string:
            out.append(f"untranslated: {msgid!r}")
        elif entry.fuzzy:
            out.append(f"fuzzy (needs review): {msgid!r}")
        elif placeholders(msgid) != placeholders(str(entry.string)):
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
