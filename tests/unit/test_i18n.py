"""Chinese is a first-class language: every visible string has a reviewed translation, errors are translatable
templates, and the catalogue says the field's terms the way the glossary (i18n/GLOSSARY.md) does.

These tests read the real catalogue (the .po the translator edits and the .mo the app loads) and the real source;
`python -m tools.i18n check` prints the same problems the first three tests assert on.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

import i18n
from lessons import GROUPS, LESSONS
from optim_core import OPTIMIZERS, SCHEDULES
from surfaces import BUILTINS
from tools.i18n import (
    KEYWORDS,
    REPO,
    SOURCE_DIRS,
    SOURCE_FILES,
    UNTRANSLATABLE,
    declared_texts,
    po_path,
    problems,
    read_catalog,
    source_messages,
)

ZH = i18n.get("zh")
CJK = re.compile(r"[\u4e00-\u9fff]")


@cache
def zh_problems() -> tuple[str, ...]:
    return tuple(problems("zh"))


@cache
def catalogue() -> dict[str, str]:
    """msgid → msgstr of the zh .po file (what the translator wrote). A plural message (ngettext) is listed under
    each of its English forms, with its one Chinese form (Chinese has no plural: nplurals=1)."""
    out: dict[str, str] = {}
    for m in read_catalog(po_path("zh"), locale="zh"):
        if not m.id:
            continue
        if isinstance(m.id, str):
            out[m.id] = str(m.string)
        else:
            forms = m.string if isinstance(m.string, tuple) else (m.string,)
            out.update({english: str(forms[0] or "") for english in m.id})
    return out


def _english_forms(message: str | tuple[str, ...]) -> tuple[str, ...]:
    return (message,) if isinstance(message, str) else tuple(message)


@cache
def wanted() -> frozenset[str]:
    """Every message the extractor finds: the source's marked strings and the declared teaching texts (both forms
    of a plural message)."""
    return frozenset({f for m, _, _ in source_messages() for f in _english_forms(m)} | {t for t, _ in declared_texts()})


# ----------------------------------------------------------------------------- completeness
def test_every_visible_string_has_a_chinese_translation():
    missing = [p for p in zh_problems() if p.startswith(("untranslated", "fuzzy"))]
    assert not missing, f"{len(missing)} message(s) without a reviewed translation:\n" + "\n".join(missing[:40])


def test_translations_keep_every_placeholder():
    broken = [p for p in zh_problems() if p.startswith("placeholders differ")]
    assert not broken, "\n".join(broken)


def test_the_compiled_catalogue_is_up_to_date():
    stale = [p for p in zh_problems() if "out of date" in p or "is missing" in p]
    assert not stale, "\n".join(stale)


def test_the_catalogue_covers_every_layer_that_shows_text():
    """Messages from every layer reach the catalogue, including those marked inside f-strings (ui/learn.py's
    card headings) and the lessons' titles, texts and questions (lessons/ marks them with N_)."""
    found = wanted()
    for message in (
        "Strengths",  # ui/learn.py: f"**{_('Strengths')}**"
        "Run {n}",  # ui/sidebar.py: inside an f-string of HTML
        "Zig-zag vs momentum",  # lessons/catalogue.py
        "{a} does not diverge",  # lessons/claims.py
        "Which learning rate will diverge?",
        "the formula could not be read: check it for typos",  # surfaces/formula.py
        "Lower lr below {limit}.",  # viz/diagnose.py
        "step {step} / {total}",  # export/kit.py: drawn into the frames
    ):
        assert message in found, message
    for group in GROUPS.values():
        assert group in found
    for lesson in LESSONS.values():
        assert {lesson.title, lesson.text} <= found, lesson.id
        if lesson.question is not None:
            assert {lesson.question.text, lesson.question.explanation} <= found, lesson.id
    for spec in OPTIMIZERS.values():
        assert {spec.explanation, spec.when_to_use, spec.typical_use, *spec.pros, *spec.cons} <= found, spec.id
        assert {p.description for p in spec.hyperparams} <= found, spec.id


# Code that still builds its messages at run time, by file: the fix belongs in the code (a constant template with
# {name} fields), not in the catalogue.  The tests fail on any other file, and on a file listed here once it is
# clean, so the list can only shrink.
KNOWN_DEBT: dict[str, str] = {}


def _by_file(places: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for place in places:
        out.setdefault(place.rsplit(":", 1)[0], []).append(place)
    return out


def _assert_only_known_debt(places: list[str], what: str) -> None:
    files = _by_file(places)
    new = [p for f, ps in files.items() if f not in KNOWN_DEBT for p in ps]
    assert not new, f"{len(new)} {what}:\n" + "\n".join(new)
    paid = [f for f in KNOWN_DEBT if f not in files]
    assert not paid, f"fixed, remove from KNOWN_DEBT: {paid}"


def test_no_message_is_built_at_run_time():
    """A message handed to _ / fmt / N_ / an error class as an f-string, "…".format() or a + of strings cannot be
    looked up in the catalogue: the reader gets English whatever the language."""
    list(source_messages())  # fills UNTRANSLATABLE
    places = sorted({u.replace(str(REPO) + "/", "") for u in UNTRANSLATABLE})
    _assert_only_known_debt(places, "message(s) built at run time (use a template with {name} fields)")


# ----------------------------------------------------------------------------- error templates
def _source_files() -> list[Path]:
    files = [p for d in SOURCE_DIRS for p in sorted((REPO / d).rglob("*.py")) if "__pycache__" not in p.parts]
    return files + [REPO / f for f in SOURCE_FILES if (REPO / f).is_file()]


@cache
def _trees() -> dict[Path, ast.Module]:
    return {p: ast.parse(p.read_bytes(), filename=str(p)) for p in _source_files()}


@cache
def user_error_classes() -> frozenset[str]:
    """Names of i18n.UserError and every class the source derives from it (directly or through another)."""
    bases: dict[str, set[str]] = {}
    for tree in _trees().values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                names = {
                    b.id if isinstance(b, ast.Name) else b.attr
                    for b in node.bases
                    if isinstance(b, ast.Name | ast.Attribute)
                }
                bases.setdefault(node.name, set()).update(names)
    found = {"UserError"}
    while True:
        more = {cls for cls, parents in bases.items() if parents & found} - found
        if not more:
            return frozenset(found)
        found |= more


def _error_calls() -> list[tuple[str, ast.Call, str]]:
    out = []
    errors = user_error_classes() | {k for k in KEYWORDS if k.endswith("Error")}
    for path, tree in _trees().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
                if name in errors:
                    out.append((name, node, f"{path.relative_to(REPO)}:{node.lineno}"))
    return out


def test_the_error_classes_are_found():
    names = user_error_classes()
    assert {"UserError", "SpecError", "SurfaceError", "ExportError", "BudgetError", "LookError", "UsageError"} <= names
    assert len(_error_calls()) > 100  # the walk sees the raises (a walk that found nothing would pass vacuously)


def _marked(call: ast.Call) -> bool:
    """The template is wrapped in N_("…"): extracted whatever the class is called."""
    t = call.args[0] if call.args else None
    return (
        isinstance(t, ast.Call)
        and isinstance(t.func, ast.Name)
        and t.func.id == "N_"
        and bool(t.args)
        and isinstance(t.args[0], ast.Constant)
    )


def test_every_error_class_is_an_extraction_keyword():
    """A new UserError subclass whose name the extractor does not know would keep all its messages English, unless
    every raise of it marks its template with N_ (ui/heavy.py's BusyError does)."""
    unknown = user_error_classes() - set(KEYWORDS)
    unmarked = sorted(
        f"{where} ({name})"
        for name, call, where in _error_calls()
        if name in unknown and call.args and not _marked(call)
    )
    assert not unmarked, "add these classes to tools.i18n.KEYWORDS, or mark their templates with N_:\n" + "\n".join(
        unmarked
    )


def test_every_user_error_is_raised_with_a_constant_template():
    """SpecError("{name} must be in {range}, got {value}", name=…), never SpecError(f"…") or ("…".format(…))."""
    bad = []
    for _name, call, where in _error_calls():
        if not call.args:
            continue
        template = call.args[0]
        if isinstance(template, ast.JoinedStr) and any(isinstance(v, ast.FormattedValue) for v in template.values):
            bad.append(f"{where}")
        elif isinstance(template, ast.Call) and isinstance(template.func, ast.Attribute):
            bad.append(f"{where}")  # "…".format(…), "…".join(…)
        elif isinstance(template, ast.BinOp):
            bad.append(f"{where}")  # "…" + x, "…" % x
    _assert_only_known_debt(bad, "error(s) raised with a message built at run time")


def test_every_error_class_the_user_sees_is_a_user_error():
    from surfaces import FormulaError, SurfaceError

    for cls in (FormulaError, SurfaceError):
        assert issubclass(cls, i18n.UserError), cls


def test_error_templates_are_written_on_one_line():
    """UserError looks its template up after collapsing whitespace: a template with a newline or a double space
    in the source would be extracted under one msgid and looked up under another."""
    bad = []
    for _name, call, where in _error_calls():
        if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
            text = call.args[0].value
            if text != " ".join(text.split()):
                bad.append(f"{where}: {text!r}")
    assert not bad, "\n".join(bad)


def test_an_error_reads_in_chinese_with_its_values():
    from optim_core import SpecError
    from surfaces import FormulaError, get_surface

    exc = SpecError("{name} must be in {range}, got {value}", name="lr", range="(0, inf)", value="-1")
    assert str(exc) == "lr must be in (0, inf), got -1"
    assert i18n.message(exc, ZH) == "lr 必须在 (0, inf) 内，收到的是 -1"
    with pytest.raises(i18n.UserError) as caught:
        get_surface("rosenbrock", kappa=3.0)
    assert i18n.message(caught.value, ZH).startswith("曲面 rosenbrock 没有参数 'kappa'"), i18n.message(caught.value, ZH)
    for formula, zh in [
        ("", "公式为空"),
        ("x^2 + 3*yy", "位置 9 处的名称 'yy' 未知"),
        ("log(x", "括号不匹配"),
    ]:
        with pytest.raises(FormulaError) as rejected:
            get_surface(formula)
        assert i18n.message(rejected.value, ZH).startswith(zh), (formula, i18n.message(rejected.value, ZH))


# ----------------------------------------------------------------------------- the glossary, spot checks
@pytest.mark.parametrize(
    ("msgid", "zh"),
    [
        ("Learning-rate schedule", "学习率调度"),
        ("Momentum", "动量"),  # the lesson group and the Learn table's column (optimizer names are not translated)
        ("Adaptive methods", "自适应方法"),
        ("Cosine annealing", "余弦退火"),
        ("Step decay", "阶梯衰减"),
        ("Gradient noise σ", "梯度噪声 σ"),
        ("Clip the gradient norm", "裁剪梯度范数"),
        ("Hyperparameters", "超参数"),
        ("Start points", "起点"),
        ("Presentation mode", "演示模式"),
        ("Trajectories", "轨迹"),
        ("Explore", "探索"),
        ("Export", "导出"),
        ("known minimum", "已知极小值"),
        ("diverged", "已发散"),
        ("Saddle escape", "逃离鞍点"),
        ("Ill-conditioned quadratic", "病态二次函数"),
        ("Rosenbrock", "Rosenbrock"),
        ("step {step} / {total}", "第 {step} / {total} 步"),
    ],
)
def test_key_words_read_as_the_glossary_says(msgid, zh):
    assert msgid in wanted(), f"{msgid!r} is no longer a message of the app: update this test and the glossary"
    assert ZH(msgid) == zh


WAITING = (
    "Waiting for the server: {n} job ahead of you… ({s} s)",
    "Waiting for the server: {n} jobs ahead of you… ({s} s)",
)


def test_plurals_are_extracted_as_one_message():
    assert any(not isinstance(m, str) for m, _, _ in source_messages())


def test_a_plural_message_reads_in_chinese():
    """ui/heavy.py's queue line is an ngettext plural: both counts come out Chinese, with their numbers."""
    assert set(WAITING) <= wanted()
    for n in (1, 3):
        text = ZH.ngettext(*WAITING, n).format(n=n, s=12)
        assert text == f"正在等待服务器：前面还有 {n} 个任务…（12 秒）", text


def test_formatted_messages_read_naturally():
    assert ZH.fmt("Run {n}", n=2) == "运行 2"
    assert ZH.fmt("step {step} / {total}", step=40, total=150) == "第 40 / 150 步"
    assert ZH.fmt("Lower lr below {limit}.", limit="0.2") == "把 lr 降到 0.2 以下。"


# Each English term (a whole word or phrase, case-insensitive) → the Chinese every translation of a message that
# uses it must contain.  Code names (learning_rate, weight_decay …) and {placeholders} are not words of the text.
TERMS = {
    "learning rate": "学习率",
    "learning-rate": "学习率",
    "weight decay": "权重衰减",
    "saddle point": "鞍点",
    "gradient": "梯度",
    "gradients": "梯度",
    "hyperparameter": "超参数",
    "hyperparameters": "超参数",
    "converge": "收敛",
    "converges": "收敛",
    "diverge": "发散",
    "diverges": "发散",
    "diverged": "发散",
    "warm-up": "预热",
    "bias-corrected": "偏差修正",
    "second moment": "二阶矩",
    "first moment": "一阶矩",
    "condition number": "条件数",
    "ill-conditioned": "病态",
    "trajectory": "轨迹",
    "start point": "起点",
    "start points": "起点",
    "view window": "视图范围",
    "tolerance": "容差",
    "local minimum": "局部极小值",
    "local minima": "局部极小值",
    "cosine": "余弦",
    "schedule": "调度",
    "loss": "损失",
}
# (term, the start of a msgid) where the term is deliberately rendered otherwise; say why.
TERM_EXCEPTIONS: set[tuple[str, str]] = set()


def _uses(term: str, text: str) -> bool:
    plain = re.sub(r"\{[^{}]*\}|`[^`]*`|\S*_\S*", " ", text)  # drop placeholders, code spans, snake_case names
    return re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", plain, flags=re.IGNORECASE) is not None


def test_every_translation_uses_the_glossary_terms():
    cat = catalogue()
    off = []
    for msgid in sorted(wanted()):
        text = cat.get(msgid, "")
        for term, zh in TERMS.items():
            if (
                _uses(term, msgid)
                and zh not in text
                and not any(t == term and msgid.startswith(m) for t, m in TERM_EXCEPTIONS)
            ):
                off.append(f"{term!r} → {zh!r} missing in: {msgid!r} → {text!r}")
    assert not off, f"{len(off)} translation(s) off the glossary:\n" + "\n".join(off)


# ----------------------------------------------------------------------------- the Chinese is Chinese
def _untranslated_names() -> set[str]:
    """Texts that stay as in English: optimizer names and surfaces named after people or formulas."""
    return {s.name for s in OPTIMIZERS.values()} | {
        "Rosenbrock",
        "Beale",
        "Himmelblau",
        "Rastrigin",
        "Ackley",
        "Booth",
        "x·cos(cx)",
        "{reason} {point}",
        "η_eff",  # the step inspector's symbol of the effective learning rate (explain/vectors.py)
    }


def test_every_translation_is_chinese_or_a_name():
    """A msgstr without a single Chinese character is an English text pasted back (or a name or a formula)."""
    names = _untranslated_names()
    cat = catalogue()

    def formula(text: str) -> bool:  # "2(1+μ)/((1−τ)L)", "1 · SGD": symbols, numbers and names, no English word
        for name in names:
            text = text.replace(name, " ")
        text = re.sub(r"\{\w+\}", " ", text)  # placeholders are not words: "{short}: {name}" → "{short}：{name}"
        return re.search(r"[A-Za-z]{3,}", text) is None

    latin = [m for m in sorted(wanted()) if cat.get(m) and not CJK.search(cat[m]) and m not in names]
    latin = [m for m in latin if not formula(m)]
    assert not latin, "\n".join(f"{m!r} → {cat[m]!r}" for m in latin)


def test_chinese_sentences_use_chinese_punctuation():
    """No ASCII , . : ; ? ! right after a Chinese character (numbers, formulas and code keep theirs)."""
    bad = []
    for msgid, text in catalogue().items():
        for match in re.finditer(r"[\u4e00-\u9fff][,:;?!]|[\u4e00-\u9fff]\.(?!\w)", text):
            bad.append(f"{msgid!r}: …{text[max(0, match.start() - 8) : match.end() + 8]}…")
    assert not bad, "\n".join(bad)


def test_short_formulas_do_not_break_across_lines():
    """In a Chinese text the browser may break a line at any space: "μ = 0.4" or "lr < 2/L" split over two lines
    reads badly in a narrow lesson note, so the spaces around = < > ≈ ≤ ≥ and inside a short pair such as (1, 1) or
    [-5, 5] or after the ▶ of "▶ 播放" are no-break spaces (U+00A0)."""
    split = re.compile(r"\S [=<>≈≤≥] |\S [=<>≈≤≥]\S|[(\[][^()\[\]\s,]{1,12}, [^()\[\]\s,]{1,12}[)\]]|▶ ")
    bad = [f"{m!r}: {t!r}" for m, t in catalogue().items() if split.search(t)]
    assert not bad, "\n".join(bad)


def test_schedules_surfaces_and_lesson_titles_are_translated():
    for sched in SCHEDULES.values():
        assert CJK.search(ZH(sched.name)), sched.name
    translated_surfaces = [e for e in BUILTINS.values() if CJK.search(ZH(e.name))]
    assert len(translated_surfaces) >= 4  # bowls, saddles, camel: named by shape, translated; Rosenbrock … are names
    for lesson in LESSONS.values():
        assert CJK.search(ZH(lesson.title)), lesson.title
        assert CJK.search(ZH(lesson.text)), lesson.id
