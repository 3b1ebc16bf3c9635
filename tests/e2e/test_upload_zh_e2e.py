"""The config upload on a Chinese page, in a real headless Chromium: Streamlit 1.67 writes its uploader's
button in English ("Upload") and has no option for it, so the app's stylesheet (ui/style.py, uploader_css)
hides that text and draws the catalogue's label in its place. At a laptop's and a phone's size the button
reads 浏览文件, no English is left on it, and it still works: a click opens the file chooser and the chosen
file restores its scene. Screenshots: artifacts/screens/zh-upload/{1440x900,390x844}.png.
"""

from __future__ import annotations

import pytest

import i18n
from optim_core.scene import RunConfig, Scene
from tools.browser import SCREENS, page_query, wait_idle
from ui.url import scene_from_query

pytestmark = pytest.mark.e2e

UPLOADED = Scene(surface="himmelblau", runs=(RunConfig("adam", {"lr": 0.05}),), starts=((0.5, -1.0),), steps=90)
BUTTON = ".st-key-export_upload [data-testid='stFileUploaderDropzone'] button"


def drawn_button(page) -> dict:
    """What the button shows: its own text's size, the pseudo-element's text, its box, what the eye reads."""
    return page.evaluate(
        """(sel) => {
        const b = document.querySelector(sel); const p = b.querySelector('[data-testid=stMarkdownContainer] p');
        const r = b.getBoundingClientRect(); const after = getComputedStyle(p, '::after');
        const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
        return {own: p.textContent, ownSize: getComputedStyle(p).fontSize, label: after.content,
                labelSize: after.fontSize, w: r.width, h: r.height, inView: r.top >= 0 && r.bottom <= innerHeight,
                hitsButton: b.contains(hit), text: b.innerText};
    }""",
        BUTTON,
    )


@pytest.mark.parametrize("size", [{"width": 1440, "height": 900}, {"width": 390, "height": 844}], ids=["1440", "390"])
def test_the_upload_button_reads_chinese_and_still_restores_a_config(open_page, tmp_path, size):
    page = open_page(query={"tab": "export", "lang": "zh"}, wait_chart=False)
    page.set_viewport_size(size)  # (the Export tab does not rerun on a resize: nothing there reports the size)
    page.wait_for_selector(BUTTON, timeout=60_000)
    wait_idle(page)
    page.locator(BUTTON).scroll_into_view_if_needed()
    got = drawn_button(page)
    label = i18n.get("zh").gettext("Browse files")
    assert label == "浏览文件"
    assert got["label"] == f'"{label}"', got  # drawn from the catalogue …
    assert got["ownSize"] == "0px" and float(got["labelSize"].rstrip("px")) >= 12, got  # … over the hidden English
    assert got["w"] >= 60 and got["h"] >= 28 and got["inView"] and got["hitsButton"], got  # a button one can hit
    shot = SCREENS / "zh-upload" / f"{size['width']}x{size['height']}.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.locator(".st-key-export_upload").screenshot(path=str(shot))

    # a click on the relabelled button opens the file chooser, and the chosen file restores its scene
    path = tmp_path / "class.scene.json"
    path.write_text(UPLOADED.to_json())

    def upload() -> None:
        with page.expect_file_chooser() as chooser:
            page.locator(BUTTON).click()
        chooser.value.set_files(str(path))

    upload()
    # what counts is the outcome, the scene in the link: on a loaded box the upload's HTTP request and the rerun
    # after it can take longer than tools.browser.rerun's 20 s wait for a rerun to start
    page.wait_for_function("() => new URLSearchParams(location.search).get('surface') === 'himmelblau'", timeout=90_000)
    wait_idle(page)
    assert scene_from_query(page_query(page)) == UPLOADED
    assert page_query(page).get("lang") == "zh"
