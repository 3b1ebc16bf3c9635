"""The app in Chinese (``?lang=zh``): the same scene as in English, every tab, and no English left on the page
apart from optimizer names, symbols, formulas, numbers and code names.

Every element's visible text is collected from the AppTest tree: widget labels, help texts and options, Markdown,
captions, alerts, HTML, table headers and cells, the playback bar's labels, and every word of each Plotly figure
(titles, axis titles, legend names, hover templates, annotations, colour bar titles). Code blocks (the share link,
the PyTorch script) and LaTeX are code and formulas in every language.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator

import pytest
from google.protobuf.json_format import MessageToDict
from streamlit.testing.v1 import AppTest
from test_app import chart, make_app, paths

from lessons import LESSONS
from optim_core import OPTIMIZERS, SCHEDULES
from surfaces import BUILTINS

TABS = ("trajectories", "learn", "explore", "export")
CJK = re.compile(r"[\u4e00-\u9fff]")

# Words that are the same in every language: what the allow-list needed, and why.
NAMES = {s.name for s in OPTIMIZERS.values()}  # SGD, Momentum, Adam … (run labels, pickers, Learn cards)
CODE_WORDS = (
    {p.name for s in OPTIMIZERS.values() for p in s.hyperparams}  # lr, momentum, weight_decay … (widget labels)
    | {p.name for s in SCHEDULES.values() for p in s.hyperparams}  # step_size, gamma …
    | {p.name for e in BUILTINS.values() for p in e.params}  # a, b, kappa (surface parameters)
    | {"torch", "optim", "nn", "utils", "clip_grad_norm_", "pytorch_optimizer", "python", "optim_core", "render"}
    | {"config", "scene", "json", "out", "paths", "gif"}  # the CLI line in the config's help text
    | {"pi", "e", "sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "x", "y", "f", "inf"}  # formulas, ranges
    | {"true", "false"}  # boolean hyperparameters' values in a run's hover text (amsgrad = false)
)
PROPER = {"Rosenbrock", "Beale", "Himmelblau", "Rastrigin", "Ackley", "Booth", "PyTorch", "Pillow", "English"}
UNITS = {"GIF", "MP4", "PNG", "CSV", "JSON", "KB", "MB", "HD", "RGB", "L1", "L2", "RNN", "RNNs", "CNN", "Transformer"}
# Papers and references in the Learn tab's table and cards: author names and paper titles are cited as published.
CITATIONS = {
    w
    for s in [*OPTIMIZERS.values(), *SCHEDULES.values()]
    for text in (getattr(s, "paper", ""), getattr(s, "reference", ""))
    for w in re.findall(r"[A-Za-z][A-Za-z_'-]*", text or "")
}
ALLOWED = {w.lower() for w in NAMES | CODE_WORDS | PROPER | UNITS | CITATIONS}

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
    data = []
    for trace in spec.get("data", []):
        hover = trace.get("hovertemplate") or ""
        if trace.get("showlegend") is False and hover and "<extra></extra>" in hover:
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


def page_texts(at: AppTest) -> list[str]:
    """The visible text of every element on the page (see the module docstring)."""
    out: list[str] = []

    def walk(node) -> None:
        kind = getattr(node, "type", None)
        proto = getattr(node, "proto", None)
        if kind in SKIP_ELEMENTS:
            return
        if kind == "plotly_chart":
            out.extend(_figure_texts(json.loads(proto.spec)))
        elif kind == "dataframe":
            out.extend(_table_texts(proto))
        elif kind == "bidi_component":  # the playback bar: its words arrive as data
            data = json.loads(proto.json or "{}")
            out.extend(_strings(data.get("labels", {})))
        elif proto is not None and hasattr(proto, "ListFields"):
            out.extend(_strings(MessageToDict(proto)))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return out


def english_words(text: str) -> list[str]:
    """The Latin-letter words of a text that are not code, formulas, markup or an allowed name."""
    t = html.unescape(html.unescape(text))
    t = re.sub(r"<style.*?</style>|<script.*?</script>", " ", t, flags=re.S)
    t = re.sub(r"<[^>]*>", " ", t)  # tags and their attributes
    t = re.sub(r"(?<=[\u4e00-\u9fff]) ?\([A-Za-z][A-Za-z -]*\)", " ", t)  # 动量 (momentum): the glossary's terms
    t = re.sub(r"%\{[^}]*\}", " ", t)  # Plotly hover fields
    t = re.sub(r"\$[^$]*\$", " ", t)  # LaTeX
    t = re.sub(r"`[^`]*`", " ", t)  # code spans
    t = re.sub(r":material/[a-z_]+:", " ", t)  # icons
    t = re.sub(r"https?://\S+", " ", t)
    t = re.sub(r"\b[\w.]+\(\S*\)|\b\w+=[^\s,)]*", " ", t)  # calls and name=value (run labels: lr=0.1)
    t = re.sub(r"\b\w*_\w*\b", " ", t)  # snake_case names
    t = re.sub(r"(?<![A-Za-z])[-+]?\d[\d.,]*(?:[eE][-+]?\d+)?", " ", t)  # numbers: 0.9, 1e-8, 2.5e-5
    words = re.findall(r"[A-Za-z][A-Za-z0-9'’-]*[A-Za-z0-9]|[A-Za-z]", t)
    return [w for w in words if w.lower() not in ALLOWED and not re.fullmatch(r"[a-zA-Z]", w)]


def leftover_english(at: AppTest) -> dict[str, list[str]]:
    """English word → the texts it appears in (first three)."""
    found: dict[str, list[str]] = {}
    for text in page_texts(at):
        for w in english_words(text):
            found.setdefault(w, [])
            if len(found[w]) < 3 and text not in found[w]:
                found[w].append(text[:160])
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
    texts = page_texts(at)
    assert sum(bool(CJK.search(t)) for t in texts) >= 10, texts[:20]
    left = leftover_english(at)
    assert not left, f"English left on the Chinese {tab} tab:\n" + "\n".join(f"{w}: {ts}" for w, ts in left.items())


@pytest.mark.parametrize("lesson_id", list(LESSONS))
def test_every_lesson_speaks_chinese(lesson_id):
    at = zh_app(lesson=lesson_id)
    note = [t for t in page_texts(at) if "lesson" in t or CJK.search(t)]
    assert any(LESSONS[lesson_id].title not in t and CJK.search(t) for t in note)
    left = leftover_english(at)
    assert not left, f"English left in lesson {lesson_id}:\n" + "\n".join(f"{w}: {ts}" for w, ts in left.items())


def test_the_english_page_is_caught_by_the_same_walk():
    """The walk sees the page's words: on the English page it finds plenty of them (it cannot pass vacuously)."""
    left = leftover_english(make_app({"lang": "en"}))
    assert {"Surface", "Optimizers", "Steps"} <= set(left), sorted(left)[:40]
