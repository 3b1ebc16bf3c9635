"""End-to-end fixtures: one Streamlit server and one headless Chromium for the e2e tests, a new page per test.

The helpers (waiting for reruns, reading Plotly data, driving widgets by key) live in tools/browser.py; the DOM
facts they rely on are listed there. Skip rule: without Chromium or the playwright package the e2e tests skip
with a reason, except when CI is set, where they fail (see tools.browser.unavailable).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from tools.browser import (
    ARTIFACTS,
    CHROMIUM_ARGS,
    FIRST_CHART_TIMEOUT_MS,
    REPO,
    VIEWPORT,
    WS_LOG_JS,
    PageErrors,
    _stop,
    exceptions,
    find_chromium,
    install_rerun_counter,
    plot_data,
    screenshot,
    start_server,
    unavailable,
    wait_idle,
)

# ============================================================================ shared: server and browser
# One Streamlit server and one browser for all the e2e tests, started by the first test that needs them and
# stopped as soon as the last e2e test in a row is done (not at the end of the session): Playwright's sync API
# keeps an event loop in the main thread while it runs, and any later test that starts its own sync_playwright()
# would fail with "using Playwright Sync API inside the asyncio loop".
E2E_DIR = Path(__file__).resolve().parent


class _Shared:
    proc = None
    url: str | None = None
    pw = None
    browser = None
    server_error: str | None = None


_shared = _Shared()


def _shutdown() -> None:
    """Close the browser, stop Playwright, stop the server (by its process group = its PID)."""
    try:
        if _shared.browser is not None:
            _shared.browser.close()
    except Exception:
        pass
    try:
        if _shared.pw is not None:
            _shared.pw.stop()
    except Exception:
        pass
    if _shared.proc is not None:
        _stop(_shared.proc)
    _shared.browser = _shared.pw = _shared.proc = _shared.url = None


@pytest.fixture(scope="session")
def chromium_path() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        unavailable("playwright is not installed: pip install -r requirements-dev.txt")
    path = find_chromium()
    if path is None:
        unavailable("Chromium not found: apt-get install -y chromium")
    return path


@pytest.fixture
def app_url(chromium_path) -> str:
    """The base URL of `streamlit run app.py` on 127.0.0.1 (E2E_APP=path runs another script from the repo root).
    Server output: artifacts/e2e/streamlit.log."""
    if _shared.server_error:
        pytest.fail(_shared.server_error, pytrace=False)
    if _shared.url is None:
        app = REPO / os.environ.get("E2E_APP", "app.py")
        if not app.is_file():
            _shared.server_error = f"{app} does not exist"
            pytest.fail(_shared.server_error, pytrace=False)
        try:
            _shared.proc, _shared.url = start_server(app, ARTIFACTS / "e2e" / "streamlit.log")
        except RuntimeError as exc:
            _shared.server_error = str(exc)
            pytest.fail(_shared.server_error, pytrace=False)
    return _shared.url


@pytest.fixture
def browser(chromium_path):
    """The shared headless Chromium (Debian's, driven by Playwright's sync API)."""
    if _shared.browser is None:
        from playwright.sync_api import sync_playwright

        _shared.pw = sync_playwright().start()
        try:
            _shared.browser = _shared.pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        except Exception:
            _shared.pw.stop()
            _shared.pw = None
            raise
    return _shared.browser


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    try:
        return (yield)
    finally:
        if nextitem is None or E2E_DIR not in Path(nextitem.path).resolve().parents:
            _shutdown()


def pytest_sessionfinish(session, exitstatus):
    _shutdown()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    rep = yield
    setattr(item, f"rep_{rep.when}", rep)
    return rep


# ============================================================================ per test: pages
@pytest.fixture
def open_page(browser, app_url, request) -> Callable[..., Any]:
    """open_page(url=None, query=None, setup=None) -> a new Page at 1280×800, loaded, first chart drawn, Streamlit
    idle; setup(page), if given, runs before the page loads.

    url defaults to the app's base URL; query (a dict) is URL-encoded onto it. The page's uncaught JS
    errors are in page.js_errors. Pages close after the test; a failing test leaves a screenshot
    artifacts/screens/FAILED-<test>.png.
    """
    pages = []

    def _open(url: str | None = None, query: dict | None = None, *, wait_chart: bool = True, setup=None):
        page = browser.new_page(viewport=VIEWPORT)
        if setup is not None:  # before the page loads: routes (e.g. a websocket whose messages a test holds back)
            setup(page)
        page.add_init_script(WS_LOG_JS)  # tools.browser.rerun sees even a rerun too quick to show as running
        page.js_errors = PageErrors()
        page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
        pages.append(page)
        target = url or app_url
        if query:
            target += ("&" if "?" in target else "?") + urlencode(query)
        page.goto(target)
        if wait_chart:
            page.wait_for_selector(
                '.js-plotly-plot .main-svg, [data-testid="stException"]', timeout=FIRST_CHART_TIMEOUT_MS
            )
            errs = exceptions(page)
            assert not errs, f"Streamlit exception while loading {target}: {errs[0][:1500]}"
        wait_idle(page)
        install_rerun_counter(page)
        return page

    yield _open
    failed = getattr(request.node, "rep_call", None)
    for i, page in enumerate(pages):
        try:
            if failed is not None and failed.failed:
                name = re.sub(r"[^\w.-]+", "_", request.node.name) + (f"-{i}" if i else "")
                screenshot(page, f"FAILED-{name}")
        except Exception:
            pass
        page.close()


@pytest.fixture(name="plot_data")
def _plot_data_fixture():
    return plot_data


@pytest.fixture(name="screenshot")
def _screenshot_fixture():
    return screenshot
