"""The app in Chinese (``?lang=zh``): the same scene as in English, every tab, and no English left on the page
apart from optimizer names, symbols, formulas, numbers and code names.

Every element's visible text is collected from the AppTest tree: widget labels, help texts and options, Markdown,
captions, alerts, HTML, table headers and cells, the playback bar's labels, and every word of each Plotly figure
(titles, axis titles, legend names, hover templates, annotations, colour bar titles). Code blocks (the share link,
the PyTorch script) and LaTeX are code and formulas in every language.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from google.protobuf.json_format import MessageToDict
from streamlit.testing.v1 import AppTest
from test_app import APP, chart, make_app, paths, shown

import i18n
from lessons import LESSONS
from optim_core import OPTIMIZERS, SCHEDULES
from optim_core.scene import RunConfig, Scene
from surfaces import BUILTINS
from surfaces.formula import FUNCTIONS
from ui.url import scene_to_query

TABS = ("trajectories", "learn", "explore", "export")
CJK = re.compile(r"[\u4e00-\u9fff]")

# Words that are the same in every language: what the allow-list needed, and why.
NAMES = {s.name for s in OPTIMIZERS.values()}  # SGD, Momentum, Adam … (run labels, pickers, Learn cards)
CODE_WORDS = (
    {p.name for s in OPTIMIZERS.values() for p in s.hyperparams}  # lr, momentum, weight_decay … (widget labels)
    | {p.name for s in SCHEDULES.values() for p in s.hyperparams}  # step_size, gamma …
    | {p.name for e in BUILTINS.values() for p in e.params}  # a, b, kappa (surface parameters)
    | {"torch", "optim", "nn", "utils", "clip_grad_norm_", "pytorch_optimizer", "python", "optim_core", "render"}
    | {"DataLoader"}  # torch.utils.data.DataLoader, named in the batch size's help
    | {"config", "scene", "json", "out", "paths", "gif"}  # the CLI line in the config's help text
    | {"pi", "e", "x", "y", "f", "inf"}  # formulas, ranges
    | set(FUNCTIONS)  # the functions a formula may use, named in the formula help and its messages
    | {"true", "false"}  # boolean hyperparameters' values in a run's hover text (amsgrad = false)
    | {b.name for s in OPTIMIZERS.values() for b in s.buffers}  # the step table's columns: sum[x], exp_avg[y] …
    | {i.name for s in OPTIMIZERS.values() for i in s.indicators}  # … and the optimizers' indicators (rho_t …)
    | {"eff"}  # η_eff (η<sub>eff</sub>), the step inspector's symbol of the effective learning rate
)
PROPER = {"Rosenbrock", "Beale", "Himmelblau", "Rastrigin", "Ackley", "Booth", "PyTorch", "Pillow", "English"} | {
    # authors, courses and libraries named where the Learn tab says who writes a rule which way
    "Qian",
    "Ruder",
    "Sutskever",
    "Wilson",  # Wilson et al. (2017): adaptive methods can generalise worse (the chooser's caveat)
    "Goodfellow",
    "Hinton",
    "Coursera",
    "Keras",
    "Andrew",
    "Ng",
}
UNITS = {
    "GIF",
    "MP4",
    "PNG",
    "CSV",
    "JSON",
    "KB",
    "MB",
    "HD",
    "RGB",
    "L1",
    "L2",
    "RNN",
    "RNNs",
    "CNN",
    "Transformer",
} | {
    "HTML",  # Export's "交互式 HTML"
    "Full",  # "1920 × 1080 (Full HD)": the display standard's name, written so in Chinese specs too
    "NLP",  # the chooser's task "稀疏特征、NLP"
    "GPU",  # the batch-size tip's caveat: "GPU 按 8、32 … 的块来计算"
}
# Papers and references (the Learn tab's cards and table) are cited as published: each citation is removed whole
# from a text, so its words (Learning, Rate, Decay …) are not allowed anywhere else.
CITATIONS = sorted(
    {
        text
        for s in [*OPTIMIZERS.values(), *SCHEDULES.values()]
        for text in (getattr(s, "paper", ""), getattr(s, "reference", ""))
        if text
    },
    key=len,
    reverse=True,
)
ALLOWED = {w.lower() for w in NAMES | CODE_WORDS | PROPER | UNITS}

SCHEDULE_IN_LABEL = re.compile(r"· (?:" + "|".join(SCHEDULES) + r")\b")
# Proto fields that hold no prose: ids, values, formats, raw data, code.
SKIP_FIELDS = {
    "id",
    "url",
    "tag",
    "theme",
    "format",
    "dataType",
    "value",
    "default",
    "rawValue",
    "rawValues",
    "setValue",
    "codeText",
    "language",
    "jsContent",
    "cssContent",
    "jsSourcePath",
    "cssSourcePath",
    "htmlContent",
    "componentName",
    "arrowData",
    "spec",
    "json",
    "config",
    "selectionMode",
    "type",
    "icon",
    "elementType",
    "labelVisibility",
    "heightConfig",
    "widthConfig",
    "gapConfig",
}
SKIP_ELEMENTS = {"code", "latex"}  # code and formulas read the same in every language
FIGURE_KEYS = {"text", "name", "hovertemplate", "label", "prefix", "title"}


def _strings(obj, keys: set[str] | None = None) -> Iterator[str]:
    """Every string in a nested dict/list; with keys, only the values of those keys (at any depth)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if keys is None and k in SKIP_FIELDS:
                continue
            if keys is not None and k in keys and isinstance(v, str):
                yield v
            elif keys is not None and k == "ticktext" and isinstance(v, list):
                yield from (t for t in v if isinstance(t, str))
            else:
                yield from _strings(v, keys)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v, keys)
    elif isinstance(obj, str) and keys is None and not re.fullmatch(r"[A-Z_]+|[0-9a-f]{16,}", obj):
        yield obj  # (not enum names such as HORIZONTAL, nor hex ids of files and widgets)


def _figure_texts(spec: dict) -> Iterator[str]:
    layout = {k: v for k, v in spec.get("layout", {}).items() if k not in ("shapes", "images", "meta", "template")}
    # an annotation's name is an id for the page's scripts (closeup:velocity), never drawn
    layout["annotations"] = [{k: v for k, v in a.items() if k != "name"} for a in layout.get("annotations", [])]
    data = []
    for trace in spec.get("data", []):
        hover = trace.get("hovertemplate") or ""
        silent = trace.get("hoverinfo") in ("skip", "none") or (hover and "<extra></extra>" in hover)
        if trace.get("showlegend") is False and silent:
            trace = {k: v for k, v in trace.items() if k != "name"}  # a name nobody sees (an id for click events)
        data.append(trace)
    yield from _strings({"data": data, "layout": layout}, FIGURE_KEYS)


def _table_texts(proto) -> Iterator[str]:
    import pyarrow as pa

    table = pa.ipc.open_stream(proto.arrow_data.data).read_all()
    yield from (str(c) for c in table.column_names)
    for col in table.columns:
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            yield from (str(v) for v in col.to_pylist() if v is not None)


def page_texts(at: AppTest) -> list[tuple[str, str]]:
    """(where, text) for the visible text of every element on the page (see the module docstring); where is the
    element's key or the nearest keyed container's (``chart:contour``, ``divergence``), else its type."""
    out: list[tuple[str, str]] = []

    def walk(node, where: str) -> None:
        kind = getattr(node, "type", None)
        proto: Any = getattr(node, "proto", None)
        if kind in SKIP_ELEMENTS:
            return
        key = str(getattr(proto, "id", "") or "").rsplit("-", 1)[-1] if proto is not None else ""
        here = (f"chart:{key}" if kind == "plotly_chart" else key) or where
        if kind == "plotly_chart":
            out.extend((here, t) for t in _figure_texts(json.loads(proto.spec)))
        elif kind == "dataframe":
            out.extend((here, t) for t in _table_texts(proto))
        elif kind == "bidi_component":  # the playback bar: its words arrive as data
            data = json.loads(proto.json or "{}")
            out.extend((here, t) for t in _strings(data.get("labels", {})))
        elif proto is not None and hasattr(proto, "ListFields"):
            out.extend((here, t) for t in _strings(MessageToDict(proto)))
        for child in getattr(node, "children", {}).values():
            walk(child, here)

    walk(at._tree, "page")
    return out


def english_words(text: str) -> list[str]:
    """The Latin-letter words of a text that are not code, formulas, markup or an allowed name."""
    t = re.sub(r"\\(.)", r"\1", html.unescape(html.unescape(text)))  # Markdown escapes: safe() text
    for citation in CITATIONS:
        t = t.replace(citation, " ")
    t = re.sub(r"<style.*?</style>|<script.*?</script>", " ", t, flags=re.S)
    t = re.sub(r"<[^>]*>", " ", t)  # tags and their attributes
    t = re.sub(r"(?<=[\u4e00-\u9fff]) ?\([A-Za-z][A-Za-z -]*\)", " ", t)  # 动量 (momentum): the glossary's terms
    t = re.sub(r"%\{[^}]*\}", " ", t)  # Plotly hover fields
    t = re.sub(r"\bp\d+\b", " ", t)  # percentiles: p10, p90
    t = re.sub(r"\$[^$]*\$", " ", t)  # LaTeX
    t = re.sub(r"`[^`]*`", " ", t)  # code spans
    t = re.sub(r"'[^']*'", " ", t)  # the user's own text quoted back in a message (unknown name 'yy')
    t = re.sub(r":material/[a-z_]+:", " ", t)  # icons
    t = re.sub(r"https?://\S+", " ", t)
    t = re.sub(r"\b[\w.]+\(\S*\)|\b\w+=[^\s,)]*", " ", t)  # calls and name=value (run labels: lr=0.1)
    t = re.sub(r"\b\w+(?:\.\w+)+\b", " ", t)  # dotted names: torch.optim.Adam, tools.benchmark_table
    t = re.sub(r"\b\w*_\w*\b", " ", t)  # snake_case names
    t = SCHEDULE_IN_LABEL.sub(" ", t)  # a run's own schedule in its label: "SGD (lr=0.1) · cosine" (an id)
    t = re.sub(r"(?<![A-Za-z])[-+]?\d[\d.,]*(?:[eE][-+]?\d+)?", " ", t)  # numbers: 0.9, 1e-8, 2.5e-5
    words = re.findall(r"[A-Za-z][A-Za-z0-9'’-]*[A-Za-z0-9]|[A-Za-z]", t)
    return [w for w in words if w.lower() not in ALLOWED and not re.fullmatch(r"[a-zA-Z]", w)]


# English that reaches the Chinese page because of the code, not the catalogue (each needs a code fix, listed with
# it). The words of these charts / containers / phrases are left out of the checks below, and
# test_known_english_is_still_there fails once one of them is fixed, so that its line is removed here.
CHART_DEBT: dict[str, str] = {}
CONTAINER_DEBT: dict[str, str] = {}
PHRASE_DEBT: dict[str, str] = {}  # English phrases built by code (none left)


# Whole texts (a table's column header) that stay English because of the code.
CELL_DEBT: dict[str, str] = {}  # table cells that are English by code (none left)


def _is_debt(where: str, text: str) -> bool:
    if text in CELL_DEBT:
        return True
    return where.removeprefix("chart:") in CHART_DEBT if where.startswith("chart:") else where in CONTAINER_DEBT


def leftover_english(at: AppTest) -> dict[str, list[str]]:
    """English word → the texts it appears in (first three), known debt left out."""
    found: dict[str, list[str]] = {}
    for where, text in page_texts(at):
        if _is_debt(where, text):
            continue
        text = re.sub(r"\\(.)", r"\1", text)  # Markdown escapes (safe() text), before matching the phrases
        for phrase in PHRASE_DEBT:
            text = text.replace(phrase, " ")
        for w in english_words(text):
            found.setdefault(w, [])
            if len(found[w]) < 3 and text not in found[w]:
                found[w].append(f"[{where}] {text[:160]}")
    return found


def zh_app(**query) -> AppTest:
    return make_app({"lang": "zh", **query})


# ----------------------------------------------------------------------------- tests
def test_the_chinese_page_draws_the_same_scene_as_the_english_one():
    en, zh = make_app({"lang": "en"}), zh_app()
    assert paths(chart(zh, "contour")).keys() == paths(chart(en, "contour")).keys()
    for key, xy in paths(chart(en, "contour")).items():
        assert (paths(chart(zh, "contour"))[key] == xy).all()
    assert zh.query_params["lang"] == "zh" if "lang" in zh.query_params else True
    labels = [t.label for t in zh.tabs]
    assert labels == ["轨迹", "原理", "探索", "导出"], labels


@pytest.mark.parametrize("tab", TABS)
def test_every_tab_speaks_chinese(tab):
    at = zh_app(tab=tab)
    texts = [t for _w, t in page_texts(at)]
    assert sum(bool(CJK.search(t)) for t in texts) >= 10, texts[:20]
    left = leftover_english(at)
    assert not left, f"English left on the Chinese {tab} tab:\n" + "\n".join(f"{w}: {ts}" for w, ts in left.items())


@pytest.mark.parametrize("lesson_id", list(LESSONS))
def test_every_lesson_speaks_chinese(lesson_id):
    at = zh_app(lesson=lesson_id)
    texts = [t for _w, t in page_texts(at)]
    lesson = LESSONS[lesson_id]
    note = i18n.get("zh")(lesson.text)
    assert any(note in html.unescape(t) for t in texts), "the lesson's note is not on the page in Chinese"
    left = leftover_english(at)
    assert not left, f"English left in lesson {lesson_id}:\n" + "\n".join(f"{w}: {ts}" for w, ts in left.items())


def explore(mode: str) -> AppTest:
    """The Explore tab in one of its modes, in Chinese, on Himmelblau.

    The mode is set before the first run: on a rerun AppTest re-formats the segmented controls' values with the
    app's format_func outside the script's session, where _() falls back to English and the option is not found."""
    at = AppTest.from_file(APP, default_timeout=30)
    for k, v in {"lang": "zh", "tab": "explore", "surface": "himmelblau"}.items():
        at.query_params[k] = v
    at.session_state["explore_mode"] = mode
    at.run()
    assert not at.exception, at.exception[0].message
    return at


@pytest.mark.parametrize("mode", ["basins", "ensemble"])
def test_every_explore_mode_speaks_chinese(mode):
    at = explore(mode)
    assert {"basins": "basins", "ensemble": "ensemble_loss"}[mode] in {
        c.proto.id.rsplit("-", 1)[-1] for c in at.get("plotly_chart")
    }
    left = leftover_english(at)
    assert not left, f"English left in Explore's {mode} mode:\n" + "\n".join(f"{w}: {ts}" for w, ts in left.items())


@pytest.mark.parametrize("formula", ["x^2++", "x^2 + 3*yy", "sqrt(-1 - x^2) + y", "log(x"])
def test_a_rejected_formula_is_explained_in_chinese(formula):
    at = zh_app(surface=formula)
    warnings = [w.value for w in at.warning]
    assert warnings and all(CJK.search(w) for w in warnings), warnings
    left = leftover_english(at)
    assert not left, f"English left after {formula!r}:\n" + "\n".join(f"{w}: {ts}" for w, ts in left.items())


@pytest.mark.parametrize("surface", ["linreg", "logreg"])
def test_a_dataset_scene_speaks_chinese(surface):
    """Linear / logistic regression on data: the mini-batch panel, its table and the data figure."""
    at = zh_app(surface=surface)
    assert any(t == "批量大小" for _w, t in page_texts(at)), "no batch size control on a dataset scene"
    left = leftover_english(at)
    assert not left, f"English left on {surface}:\n" + "\n".join(f"{w}: {ts}" for w, ts in left.items())


CURVE = Scene(surface="double_well", starts=((1.8,),))
# A run that leaves the ±1e6 bound at step 2 (tools/screenshots.py's "diverged" view): the reason names the bound.
DIVERGED = Scene(
    runs=(RunConfig("sgd", {"lr": 1000.0}), RunConfig("momentum", {"lr": 1e-3}), RunConfig("adam", {"lr": 1e-2}))
)


def test_a_divergence_is_explained_in_chinese():
    at = make_app({"lang": "zh", **scene_to_query(DIVERGED)})
    messages = [e.value for e in at.error]
    assert messages and all(CJK.search(m) for m in messages), messages
    left = leftover_english(at)
    assert not left, "English left in a divergence:\n" + "\n".join(f"{w}: {ts}" for w, ts in left.items())


def test_a_1d_curve_speaks_chinese():
    at = make_app({"lang": "zh", **scene_to_query(CURVE)})
    left = leftover_english(at)
    assert not left, "English left on a 1-D curve:\n" + "\n".join(f"{w}: {ts}" for w, ts in left.items())


def test_known_english_is_still_there():
    """The debt lists above name real, current problems: once the code is fixed, delete the line."""
    pages = [
        zh_app(),
        make_app({"lang": "zh", **scene_to_query(DIVERGED)}),
        make_app({"lang": "zh", **scene_to_query(CURVE)}),
        explore("ensemble"),
        zh_app(surface="linreg"),
        zh_app(lesson="batch_size"),
    ]
    found = [(w, t) for at in pages for w, t in page_texts(at)]
    for chart_key in CHART_DEBT:
        words = [english_words(t) for w, t in found if w == f"chart:{chart_key}"]
        assert any(words), f"chart {chart_key!r} is translated now: remove it from CHART_DEBT"
    for container in CONTAINER_DEBT:
        words = [english_words(t) for w, t in found if w == container]
        assert any(words), f"{container!r} is translated now: remove it from CONTAINER_DEBT"
    for phrase in PHRASE_DEBT:
        assert any(phrase in t for _w, t in found), f"{phrase!r} is gone from the page: remove it from PHRASE_DEBT"


def test_the_english_page_is_caught_by_the_same_walk():
    """The walk sees the page's words: on the English page it finds plenty of them (it cannot pass vacuously)."""
    left = leftover_english(make_app({"lang": "en", "lesson": "diverge"}))
    assert {"Surface", "Optimizers", "Steps", "Lessons", "Reveal"} <= set(left), sorted(left)[:40]


# ----------------------------------------------------------------------------- the step inspector, in Chinese
ZH = i18n.get("zh")
NUMBER = re.compile(r"[-−]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def numbers(text: str) -> list[float]:
    """The numbers of a text, sorted (a Chinese sentence may say them in another order than the English)."""
    return sorted(float(n.replace("−", "-")) for n in NUMBER.findall(text))


def inspected(lang: str, lesson: str, run_index: int, step: int) -> AppTest:
    """A lesson with the step inspector on, run `run_index` chosen, the playback bar settled on `step`."""
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in {"lang": lang, "lesson": lesson}.items():
        at.query_params[k] = v
    at.session_state["inspect"] = True
    at.session_state["insp_run"] = run_index
    at.session_state["player"] = {"step": step, "box": None}
    at.run()
    assert not at.exception, at.exception[0].message
    return at


def recorded(lesson: str, i: int):
    from optim_core import run

    scene = LESSONS[lesson].scene
    r = scene.resolve()
    cfg = scene.runs[i]
    return run(r.surface, cfg.optimizer, r.starts, r.steps, record_state=True, **dict(cfg.params))


def panel(at: AppTest) -> tuple[str, list[str], list[str]]:
    """The inspector's heading, its sentences (as shown) and its LaTeX blocks."""
    texts = page_texts(at)
    heads = [html.unescape(t) for w, t in texts if "<div class='insp-head'>" in t]
    assert len(heads) == 1, heads
    head = re.sub(r"<[^>]*>", "", heads[0])
    sentences = [shown(m.value) for m in at.markdown if m.value and not m.value.startswith(("#", "<"))]
    return head, sentences, [lt.value for lt in at.latex]


def overshoot_step(traj) -> int:
    g = traj.record.grad[:, 0]
    return next(t for t in range(8, traj.steps) if g[t - 1, 1] * g[t, 1] < 0)


# (lesson, run, step): Adam at the saddle (moments, per-axis rates), momentum past the valley floor (the velocity's
# angle, the overshoot), Adagrad's shrinking rate, the start (step 0), and a diverged SGD run
INSPECTED = [("saddle", 2, 12), ("zigzag", 2, None), ("adagrad", 0, 100), ("rosenbrock", 1, 0), ("diverge", 2, None)]


@pytest.mark.parametrize(("lesson", "run_index", "step"), INSPECTED)
def test_the_step_inspector_speaks_chinese_with_the_english_numbers(lesson, run_index, step):
    from explain import narrate

    traj = recorded(lesson, run_index)
    if step is None:
        step = overshoot_step(traj) if lesson == "zigzag" else traj.diverged_step(0) + 1
    zh, en = inspected("zh", lesson, run_index, step), inspected("en", lesson, run_index, step)
    left = leftover_english(zh)
    assert not left, f"English left in the inspector ({lesson}):\n" + "\n".join(f"{w}: {ts}" for w, ts in left.items())
    head, said, formulas = panel(zh)
    en_head = panel(en)[0]
    assert en_head.endswith(f" · step {step} of {traj.steps}"), en_head
    label = en_head.rsplit(" · ", 1)[0]  # the run's label: lr=0.03 reads the same in both languages
    assert label.startswith(traj.optimizer.name)
    assert head == f"{label} · " + ZH.fmt("step {step} of {total}", step=step, total=traj.steps), head
    assert "第 " in head and "步（共 " in head
    expected = narrate(traj, 0, step, ZH)  # the sentences of the recorded run, in Chinese
    assert expected and all(CJK.search(s) for s in expected)
    for sentence in expected:  # (ui.text.safe() turns the no-break spaces into spaces: see the xfail below)
        assert sentence in said, (sentence, said)
    # the same numbers as the English page says, sentence by sentence
    en_said = narrate(traj, 0, step, i18n.EN)
    assert [s for s in panel(en)[1] if s in en_said] == en_said
    for z, e in zip(expected, en_said, strict=True):
        assert numbers(z) == numbers(e), (z, e)
    assert formulas == panel(en)[2]  # the rule and the step's equation: formulas, the same in both languages
    if step:  # the table of every step: its step column is headed in Chinese (the CSV keeps "step")
        assert not any(w == "inspector" and t == "step" for w, t in page_texts(zh))
    # the layer pills: Chinese labels, symbols kept
    pills = [p for p in zh.get("button_group") if p.proto.id.endswith("-insp_layers")]
    if pills:
        shown_labels = [o.content for o in pills[0].proto.options]
        assert "速度" in shown_labels or "−η·g" in shown_labels, shown_labels


def test_the_inspector_says_what_each_optimizer_did_in_chinese():
    """Momentum past the valley floor: the teacher's two sentences — the velocity's angle, the overshoot."""
    traj = recorded("zigzag", 2)
    t = overshoot_step(traj)
    _head, said, _ = panel(inspected("zh", "zigzag", 2, t))
    assert any("这一步越过了谷底" in s for s in said), said
    assert any(s.startswith("速度 b 保留旧值的 90%") for s in said), said


def test_the_no_break_spaces_of_a_formula_reach_the_page():
    _head, said, _ = panel(inspected("zh", "saddle", 2, 12))
    assert any("θ\xa0=\xa0(" in s for s in said), said


# ----------------------------------------------------------------------------- the chooser and the tips, in Chinese
def learn_zh(task: str) -> AppTest:
    """The Learn tab in Chinese with one task of the chooser picked (set before the first run: the pills'
    format_func translates, which AppTest cannot do on a rerun outside the script's session)."""
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in {"lang": "zh", "tab": "learn"}.items():
        at.query_params[k] = v
    at.session_state["chooser_task"] = task
    at.run()
    assert not at.exception, at.exception[0].message
    return at


def html_text(at: AppTest) -> str:
    return html.unescape(" ".join(str(h.proto.body) for h in at.get("html")))


@pytest.mark.parametrize("task", ["simple", "sparse", "vision", "speed", "unsure"])
def test_the_chooser_and_the_tips_speak_chinese(task):
    from lessons.guide import CHOICES, HEADINGS, TIPS

    at = learn_zh(task)
    left = leftover_english(at)
    assert not left, f"English left in the chooser ({task}):\n" + "\n".join(f"{w}: {ts}" for w, ts in left.items())
    page = html_text(at)
    choice = CHOICES[task]
    for text in (HEADINGS["chooser"], HEADINGS["tips"], choice.recommendation, choice.reason):
        assert ZH(text) in page and (CJK.search(ZH(text)) or text in NAMES), text
    for tip in TIPS.values():
        for text in (tip.title, tip.tip, tip.shows, tip.caveat):
            assert not text or ZH(text) in page, text
    assert "图中可见：" in page
    # the numbers a reason states are the English reason's (the claims behind them are measured in English)
    assert numbers(ZH(choice.reason)) == numbers(choice.reason)
    pills = [p for p in at.get("button_group") if p.proto.id.endswith("-chooser_task")]
    assert [o.content for o in pills[0].proto.options] == [ZH(c.task) for c in CHOICES.values()]
    (button,) = [b for b in at.button if b.key == f"chooser_{task}"]
    assert button.label == "看演示"
    with session_language("zh"):
        button.click().run()
    toasts = [shown(t.value) for t in at.toast]
    title = ZH(choice.recommendation)  # its no-break spaces reach the page (safe() keeps them)
    assert toasts == [ZH.fmt("On the map: {title}.", title=title)], toasts
    assert toasts[0].startswith("地图上显示的是：")


def test_every_tip_states_the_english_numbers():
    from lessons.guide import TIPS

    for tip in TIPS.values():
        for text in (tip.tip, tip.shows, tip.caveat):  # "powers of two" says its 2 in Chinese: 2 的幂
            assert numbers(ZH(text).replace("2 的幂", "")) == numbers(text), (text, ZH(text))


# ----------------------------------------------------------------------------- Tune each run, in Chinese
TUNED = Scene(
    surface="ill_conditioned",
    runs=(
        RunConfig("sgd", {"lr": 0.01}),
        RunConfig("momentum", {"lr": 0.001, "momentum": 0.9}),
        RunConfig("adam", {"lr": 0.001}),
    ),
    starts=((-4.5, 2.0),),
    steps=200,
)


@contextlib.contextmanager
def session_language(code: str) -> Iterator[None]:
    """Clicking re-runs the app: AppTest then re-formats every selectbox's value with the app's format_func in the
    test's own thread, outside the script's session, where ui.text.lang() cannot read the session's language and
    says English ('Basics' is not among the Chinese options). Inside this block lang() is the session's language
    everywhere (the script itself sets the same from ?lang=)."""
    import ui.text

    real = ui.text.lang
    ui.text.lang = lambda: i18n.get(code)
    try:
        yield
    finally:
        ui.text.lang = real


def tune_dialog(lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in {"lang": lang, **scene_to_query(TUNED)}.items():
        at.query_params[k] = v
    with session_language(lang):
        at.run()
        assert not at.exception, at.exception[0].message
        at.button(key="tune_runs").click().run()
    assert not at.exception, at.exception[0].message
    return at


def _dialog_captions(at: AppTest) -> list[str]:
    return [shown(c.value) for c in at.caption if c.value]


def test_the_tune_dialog_speaks_chinese_with_the_english_numbers():
    zh, en = tune_dialog("zh"), tune_dialog("en")
    left = leftover_english(zh)
    assert not left, "English left in Tune each run:\n" + "\n".join(f"{w}: {ts}" for w, ts in left.items())
    texts = [t for _w, t in page_texts(zh)]
    assert "为每个运行调参" in texts  # the dialog's title and the sidebar button
    assert "应用最佳学习率" in texts
    zh_caps, en_caps = _dialog_captions(zh), _dialog_captions(en)
    summaries = [c for c in en_caps if c.startswith(("Best lr", "Already at the best lr", "Every lr from"))]
    assert len(summaries) == len(TUNED.runs), en_caps
    zh_summaries = [c for c in zh_caps if c.startswith(("最佳 lr", "已经是最佳 lr", "从 "))]
    assert len(zh_summaries) == len(TUNED.runs), zh_caps
    for z, e in zip(zh_summaries, summaries, strict=True):  # each run's outcome: the same numbers in Chinese
        assert numbers(z) == numbers(e), (z, e)
        assert CJK.search(z)
    intro = [c for c in zh_caps if c.startswith("每个运行都在它的滑块")]
    assert len(intro) == 1 and "✕ 表示已发散" in intro[0], zh_caps
    # the sweeps' charts: Chinese axis title, the best and current lr marked in Chinese
    for i in range(len(TUNED.runs)):
        spec = next(json.loads(c.proto.spec) for c in zh.get("plotly_chart") if c.proto.id.endswith(f"-tune_sweep{i}"))
        words = " ".join(_figure_texts(spec))
        assert "学习率" in words and "最佳" in words and "当前" in words, words[:300]


# ----------------------------------------------------------------------------- Export of a curve, in Chinese
def test_the_export_tab_of_a_curve_speaks_chinese():
    """A 1-D curve's Export tab: the θ-against-the-iteration toggle instead of the view, its limits and help."""
    at = make_app({"lang": "zh", "tab": "export", **scene_to_query(CURVE)})
    left = leftover_english(at)
    assert not left, "English left on a curve's Export tab:\n" + "\n".join(f"{w}: {ts}" for w, ts in left.items())
    toggle = at.toggle(key="export_theta")
    assert toggle.label == "在曲线旁画出 θ 随迭代的变化" and toggle.value is True
    texts = [t for _w, t in page_texts(at)]
    assert any(t.startswith("在服务器上按本页的外观渲染（浅色、正常尺寸、中文）") for t in texts), texts[:40]
    frames = at.slider(key="export_frames")
    assert re.search(r"最多允许 \d+ 帧", frames.help), frames.help
