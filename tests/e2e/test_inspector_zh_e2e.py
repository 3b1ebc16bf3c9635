"""The step inspector in Chinese, in a real headless Chromium: the panel beside the map speaks Chinese (a teacher's
sentences, the glossary's words), and every number it shows — in the sentences and in the step's equation — is the
number the English page shows for the same step.

The same lesson is opened twice (``?lang=zh`` and ``?lang=en``), the inspector turned on, Adam chosen and the
playback bar set to step 12. The Chinese panel is also photographed at
the three screen sizes a class meets: artifacts/screens/zh-inspector/{1440x900,1024x768,390x844}.png.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from test_inspector_e2e import bar_step, go_to, panel_rows, quiet, recorded

import i18n
from explain import narrate
from tools.browser import SCREENS, keyed, rerun, screenshot, select_option, until, wait_idle

pytestmark = pytest.mark.e2e

SHOTS = SCREENS / "zh-inspector"
LESSON, RUN, LABEL, STEP = "saddle", 2, "Adam", 12  # Adam (lr = 0.03) at the saddle: moments, per-axis rates
CJK = re.compile(r"[\u4e00-\u9fff]")
NUMBER = re.compile(r"[-−]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")
# Latin words a Chinese panel may show: the run's label, symbols and code names (the rest would be English left)
ALLOWED = {"Adam", "lr", "eff", "CSV", "keyboard_arrow_right"}  # (the expanders' icon is a font ligature)


def numbers(text: str) -> list[float]:
    """The numbers of a sentence, sorted: Chinese may say them in another order than English."""
    return sorted(float(n.replace("−", "-")) for n in NUMBER.findall(text))


def open_panel(open_page, lang: str, size: dict):
    """The lesson in `lang` at `size`, the inspector on, Adam chosen, the bar on STEP (settled: the panel shows it)."""
    page = open_page(query={"lesson": LESSON, "lang": lang})
    rerun(page, lambda: page.set_viewport_size(size), "resizing the window")
    rerun(page, lambda: keyed(page, "inspect").locator("label").first.click(), "the inspector toggle")
    rerun(page, lambda: select_option(page, "insp_run", LABEL), "choosing the run")
    quiet(page)
    go_to(page, STEP)  # typed into the bar's step field: one redraw (the keys are tested in test_inspector_e2e)
    until(page, lambda: bar_step(page) == STEP)
    heading = "第 12 步（共 120 步）" if lang == "zh" else "step 12 of 120"
    until(page, lambda: heading_text(page).endswith(heading), timeout_s=30)  # the settled step reached Python
    until(page, lambda: panel_rows(page), timeout_s=20)  # KaTeX may draw the step's rule a moment after the heading
    wait_idle(page)
    assert bar_step(page) == STEP
    return page


def heading_text(page) -> str:
    return " ".join(page.locator(".st-key-inspector .insp-head").all_inner_texts()).strip()


def sentences(page) -> list[str]:
    """The panel's sentences as the reader sees them (no-break spaces read as spaces)."""
    texts = page.locator(".st-key-inspector [data-testid='stMarkdownContainer'] p").all_inner_texts()
    return [" ".join(t.replace("\xa0", " ").split()) for t in texts if t.strip()]


def visible_text(page) -> str:
    """Everything the panel writes in words: heading, sentences, captions, pills, expander titles (not KaTeX)."""
    return page.evaluate("""() => {
      const root = document.querySelector('.st-key-inspector');
      const parts = [];
      for (const el of root.querySelectorAll('.insp-head, p, button, summary, [data-testid="stCaptionContainer"]')) {
        if (!el.closest('.katex')) parts.push(el.innerText);
      }
      return parts.join('\\n');
    }""")


def test_the_inspector_panel_speaks_chinese_with_the_english_numbers(open_page):
    traj = recorded(LESSON, RUN)
    en = open_panel(open_page, "en", {"width": 1440, "height": 900})
    en_rows, en_said = panel_rows(en), sentences(en)
    zh = open_panel(open_page, "zh", {"width": 1440, "height": 900})
    zh_rows, zh_said = panel_rows(zh), sentences(zh)

    # what the recorded run says at step 12, in each language, is what each page shows
    want_zh = [" ".join(s.replace("\xa0", " ").split()) for s in narrate(traj, 0, STEP, i18n.get("zh"))]
    want_en = [" ".join(s.split()) for s in narrate(traj, 0, STEP, i18n.EN)]
    assert [s for s in zh_said if s in want_zh] == want_zh, [s for s in zh_said if CJK.search(s) and len(s) > 30]
    assert [s for s in en_said if s in want_en] == want_en, en_said
    assert all(CJK.search(s) for s in want_zh)
    for z, e in zip(want_zh, want_en, strict=True):
        assert numbers(z) == numbers(e), (z, e)
    assert any(s.startswith("第 12 步从 θ = (") for s in zh_said), zh_said
    assert any(s.startswith("m 保留旧值的 90%，再取新梯度的 10%") for s in zh_said), zh_said

    # the step's equation: the same symbols and numbers on both pages, and they are the recorded step's
    assert zh_rows.keys() == en_rows.keys()
    for sym, values in en_rows.items():
        np.testing.assert_array_equal(zh_rows[sym], values, err_msg=sym)
    rec = traj.record
    np.testing.assert_allclose(zh_rows[r"\theta_t"], traj.points[STEP, 0], rtol=1e-3)
    np.testing.assert_allclose(zh_rows["m_t"], rec.state["exp_avg"][STEP - 1, 0], rtol=1e-3)
    np.testing.assert_allclose(zh_rows["v_t"], rec.state["exp_avg_sq"][STEP - 1, 0], rtol=1e-3)

    # no English word in the Chinese panel (the label's name, symbols and code names aside)
    text = visible_text(zh)
    assert "更新规则" in text and "每一步（表格）" in text and "速度" in text, text
    words = {w for w in re.findall(r"[A-Za-z][A-Za-z_]*", text) if len(w) > 1} - ALLOWED
    assert not words, (sorted(words), text)
    assert not zh.js_errors and not en.js_errors, (zh.js_errors, en.js_errors)


@pytest.mark.parametrize("size", [(1440, 900), (1024, 768), (390, 844)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_chinese_panel_fits_each_screen(open_page, size):
    """The panel at a laptop, a projector and a phone: nothing wider than the page, every sentence wraps inside
    the panel, and the screenshot a reviewer looks at (artifacts/screens/zh-inspector/<size>.png)."""
    w, h = size
    page = open_panel(open_page, "zh", {"width": w, "height": h})
    box = page.locator(".st-key-inspector").first.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= w + 1, (box, w)
    overflow = page.evaluate("""() => [...document.querySelectorAll('.st-key-inspector p, .st-key-inspector .insp-head')]
      .filter(el => el.scrollWidth > el.clientWidth + 1).map(el => el.innerText.slice(0, 60))""")
    assert not overflow, overflow  # no sentence runs out of its box
    page.evaluate("() => document.querySelector('.st-key-inspector').scrollIntoView({block: 'start'})")
    page.mouse.move(w - 3, h - 3)
    page.wait_for_timeout(400)
    screenshot(page, f"{w}x{h}", directory=SHOTS)
    assert not page.js_errors, page.js_errors
