"""Chinese text is put together as Chinese is written: translated sentences meet without a space, the
catalogue holds the punctuation of templates ("：" in Chinese), and counts take the catalogue's plural form."""

from __future__ import annotations

import pytest
import streamlit as st

import i18n
from explain.narrate import BRANCH_NO, BRANCH_YES, branch_text
from optim_core.batchtable import compare_batch_sizes
from optim_core.scene import RunConfig, Scene

EN, ZH = i18n.get("en"), i18n.get("zh")


@pytest.fixture(params=["en", "zh"])
def page(request):
    """The UI's words in one language: the session's language, as the app keeps it (bare mode: a plain dict)."""
    st.session_state["lang"] = request.param
    yield i18n.get(request.param)
    del st.session_state["lang"]


def test_sentences_join_with_a_space_in_english_and_nothing_in_chinese():
    assert EN.join(["One.", "", "Two."]) == "One. Two."
    assert ZH.join(["第一句。", " ", "第二句。"]) == "第一句。第二句。"


def test_the_export_tabs_data_help_joins_its_sentences_as_the_language_writes(page):
    from ui.export import _data_help

    starts = ((-1.2, 1.0), (0.0, 2.0), (1.5, -0.5))  # 8 runs × 3 starts × 10 001 steps: over the file's rows
    resolved = Scene(runs=(RunConfig("sgd", {"lr": 1e-3}),) * 8, starts=starts, steps=10_000).resolve()
    text = _data_help(resolved)
    first = page.fmt(
        "One row per run, start and step: {coords}, loss, gradient norm, the lr used, and every hyperparameter.",
        coords="x, y",
    )
    assert text.startswith(first)
    rest = text[len(first) :]
    assert rest and (rest[0] == " " and rest[1] != " " if page.code == "en" else rest[0] != " ")
    if page.code == "zh":
        assert first.endswith("。") and rest.startswith("这个场景")


def test_an_indicators_answer_takes_the_catalogues_punctuation():
    meaning = "kept the running maximum"
    for lang, colon in ((EN, ": "), (ZH, "：")):
        assert lang.gettext("{meaning}: {value}") == "{meaning}" + colon + "{value}"
        assert branch_text(meaning, 1.0, lang) == lang(meaning) + colon + lang(BRANCH_YES)
        two = branch_text(meaning, [1.0, 0.0], lang)
        assert two == lang(meaning) + colon + f"x {lang(BRANCH_YES)}, y {lang(BRANCH_NO)}"


def test_one_update_per_epoch_is_singular_in_english_and_has_its_chinese_form(page):
    from ui.batch import table_rows

    r = Scene(surface="linreg", runs=(RunConfig("sgd", {"lr": 0.05}),), steps=50).resolve()
    n = 200
    rows = compare_batch_sizes(
        r.surface, r.runs[0].spec, {"lr": 0.05}, r.starts[0], batch_sizes=(1, 16, n), epochs=2, seed=0
    )
    col = page("Data per update")
    texts = [row[col] for row in table_rows(rows)]
    if page.code == "en":
        assert texts[2] == "200 of 200 samples (100 %); 1 update per epoch"
        assert texts[1].endswith("; 13 updates per epoch") and texts[0].endswith("; 200 updates per epoch")
    else:
        assert texts[2] == "200 个样本中的 200 个（100 %）；每轮更新 1 次"
        assert texts[1].endswith("每轮更新 13 次")


def test_the_uploaders_label_is_a_css_string_no_text_can_break_out_of():
    from ui.style import UPLOAD_BUTTON_TEXT, css_string, uploader_css

    css = uploader_css(ZH.gettext("Browse files"))
    assert f'{UPLOAD_BUTTON_TEXT}::after {{ content: "浏览文件";' in css
    assert f"{UPLOAD_BUTTON_TEXT} {{ font-size: 0;" in css  # Streamlit's English text, hidden
    hostile = 'a"; } body { display: none } </style><script>x()</script>\\'
    quoted = css_string(hostile)
    assert quoted.startswith('"') and quoted.endswith('"') and "<" not in quoted
    body = quoted[1:-1]
    # every quote inside is escaped (preceded by an odd run of backslashes): the string cannot end early
    for i, ch in enumerate(body):
        if ch == '"':
            run = len(body[:i]) - len(body[:i].rstrip("\\"))
            assert run % 2 == 1, quoted
    assert not body.endswith("\\") or (len(body) - len(body.rstrip("\\"))) % 2 == 0
