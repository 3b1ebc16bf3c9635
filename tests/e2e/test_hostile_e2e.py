"""Hostile links and files in a real browser: what AppTest cannot see.

- An uploaded scene config restores the whole scene in the page (sidebar widgets included), and the next
  interaction keeps it: the upload runs inside the Export fragment, and without a full rerun the sidebar's
  widgets kept — and sent back — their old values.
- User text from a link or a file is shown literally: no link, no remote image, no Markdown at all.
"""

from __future__ import annotations

import json

import pytest

from optim_core.scene import RunConfig, Scene
from tools.browser import exceptions, keyed, page_query, rerun, set_numeric, wait_idle, widget_value
from ui.url import scene_from_query

pytestmark = pytest.mark.e2e

UPLOADED = Scene(
    surface="himmelblau",
    runs=(RunConfig("adam", {"lr": 0.05, "eps": 0.1}), RunConfig("momentum", {"lr": 0.002, "momentum": 0.8})),
    starts=((0.5, -1.0),),
    steps=120,
)
EVIL = "[Click for answers](https://evil.example/) ![b](http://host.invalid/b.gif)"
# GFM autolinks, short enough to be echoed whole (optim_core.scene.short cuts echoed values at 40 characters)
AUTOLINKS = "https://ev.il/x www.ev.il a@ev.il"


def _external_links_and_images(page) -> dict:
    return page.evaluate(
        """() => ({
        links: [...document.querySelectorAll('a[href]')].map(a => a.href)
                 .filter(h => h.includes('evil.example') || h.includes('host.invalid')),
        images: [...document.querySelectorAll('img[src]')].map(i => i.src)
                 .filter(s => s.includes('evil.example') || s.includes('host.invalid')),
    })"""
    )


def _foreign_links(page) -> list[str]:
    """Every link in the page that leads away from the app (the app itself has none): a link made from user
    text, whatever its domain or however the echo cut it short."""
    return page.evaluate(
        """() => [...document.querySelectorAll('a[href]')]
            .filter(a => { try { return new URL(a.href, location.href).origin !== location.origin; }
                           catch (e) { return true; } })
            .map(a => a.href + ' [' + a.textContent + ']')"""
    )


def test_an_uploaded_config_restores_the_scene_in_the_page(open_page, tmp_path):
    page = open_page(query={"tab": "export"}, wait_chart=False)
    page.wait_for_selector(".st-key-export_upload input[type=file]", state="attached", timeout=60_000)
    wait_idle(page)
    path = tmp_path / "lesson.scene.json"
    path.write_text(UPLOADED.to_json())
    rerun(page, lambda: page.set_input_files(".st-key-export_upload input[type=file]", str(path)), "the upload")
    page.wait_for_function("() => new URLSearchParams(location.search).get('surface') === 'himmelblau'", timeout=30_000)
    wait_idle(page)
    assert scene_from_query(page_query(page)) == UPLOADED
    # the sidebar shows the uploaded scene, not the old one
    assert float(widget_value(page, "run0_lr")) == pytest.approx(0.05)
    assert float(widget_value(page, "steps")) == 120
    assert "Himmelblau" in (widget_value(page, "surface") + keyed(page, "surface").text_content())
    # … and the next interaction keeps it (the browser sends the new values, not stale ones)
    set_numeric(page, "steps", value=130)
    wait_idle(page)
    after = scene_from_query(page_query(page))
    assert after == UPLOADED.with_(steps=130), after
    assert not exceptions(page)


@pytest.mark.parametrize(
    "query",
    [
        {"steps": EVIL},
        {"run": f"adam:lr=0.01;{EVIL}"},
        {"lrs": EVIL},
        {"surface": EVIL},
        {"noise": EVIL},
    ],
    ids=["steps", "run", "lrs", "surface", "noise"],
)
def test_link_text_is_never_markdown(open_page, query):
    page = open_page(query=query)
    wait_idle(page)
    found = _external_links_and_images(page)
    assert found == {"links": [], "images": []}, found
    text = page.locator('[data-testid="stAlert"]').first.inner_text()
    assert "could not be loaded" in text, text
    assert not exceptions(page)


WHOLE = AUTOLINKS  # the echo shows the whole value …
TO_AT = "https://ev.il/x www.ev.il a"  # … up to a run's "@" (where a schedule starts) …
NO_SCHEME = "//ev.il/x www.ev.il a@ev.il"  # … after "https:", read as name:value


@pytest.mark.parametrize(
    ("query", "echo"),
    [
        ({"steps": AUTOLINKS}, WHOLE),
        ({"run": f"adam:lr={AUTOLINKS}"}, TO_AT),
        ({"surface": "linreg", "run": f"sgd:lr=0.05,batch={AUTOLINKS}"}, TO_AT),
        ({"lrs": AUTOLINKS}, NO_SCHEME),
        ({"noise": AUTOLINKS}, WHOLE),
        ({"start": AUTOLINKS}, WHOLE),
        ({"sp": f"a={AUTOLINKS}"}, WHOLE),
        ({"surface": AUTOLINKS}, None),  # the formula's message names the first bad word only
        ({"view": AUTOLINKS}, None),  # the view's message shows the expected form
    ],
    ids=["steps", "run-lr", "run-batch", "lrs", "noise", "start", "sp", "surface", "view"],
)
def test_urls_and_addresses_in_a_link_never_become_links(open_page, query, echo):
    """GFM autolinks https://…, www.… and a@b.c even in escaped text: the echo shows them, readable and dead."""
    page = open_page(query=query)
    wait_idle(page)
    assert _foreign_links(page) == []
    alerts = page.locator('[data-testid="stAlert"]')
    assert alerts.count() >= 1
    shown = " ".join(alerts.nth(i).inner_text() for i in range(alerts.count()))
    if echo is not None:  # the text reads the same: the word joiners are invisible
        assert echo in shown.replace("\u2060", ""), shown
    assert not exceptions(page)


def test_an_uploaded_file_with_markdown_names_shows_them_literally(open_page, tmp_path):
    page = open_page(query={"tab": "export"}, wait_chart=False)
    page.wait_for_selector(".st-key-export_upload input[type=file]", state="attached", timeout=60_000)
    wait_idle(page)
    path = tmp_path / "evil.scene.json"
    path.write_text(json.dumps({"runs": [{"optimizer": EVIL}]}))
    rerun(page, lambda: page.set_input_files(".st-key-export_upload input[type=file]", str(path)), "the upload")
    wait_idle(page)
    msg = keyed(page, "export_error").inner_text()
    assert "unknown optimizer" in msg and "Click for answers" in msg, msg
    assert _external_links_and_images(page) == {"links": [], "images": []}


def test_urls_in_an_uploaded_config_never_become_links(open_page, tmp_path):
    page = open_page(query={"tab": "export"}, wait_chart=False)
    page.wait_for_selector(".st-key-export_upload input[type=file]", state="attached", timeout=60_000)
    wait_idle(page)
    for i, bad in enumerate(
        [
            {"runs": [{"optimizer": AUTOLINKS}]},
            {"surface": "linreg", "runs": [{"optimizer": "sgd", "params": {"lr": 0.05}, "batch_size": AUTOLINKS}]},
            {"surface": AUTOLINKS},
        ]
    ):
        path = tmp_path / f"links{i}.scene.json"
        path.write_text(json.dumps(bad))
        page.set_input_files(".st-key-export_upload input[type=file]", str(path))
        # wait for this file's own message: the rerun after a rejected file is so quick that the page may never
        # show the script as running (React sets the running and finished states in one render), so a rerun
        # counter can miss it
        page.wait_for_function(
            """(want) => { const e = document.querySelector('.st-key-export_error');
                           return !!e && e.innerText.includes(want); }""",
            arg=("unknown optimizer", "batch size must be a number", "unknown name")[i],
            timeout=20_000,
        )
        wait_idle(page)
        msg = keyed(page, "export_error").inner_text()
        assert ("www.ev.il a@ev.il" in msg.replace("\u2060", "")) == (i < 2), msg  # a formula: its first word
        assert _foreign_links(page) == [], bad
