"""Screenshots of the app in headless Chromium at 1280×800, to look at it and for the README.

    python -m tools.screenshots                 # artifacts/screens/shot_*.png and docs/screenshot.png
    python -m tools.screenshots --no-docs       # only the artifacts

Starts `streamlit run app.py` on 127.0.0.1 (a free port; stopped by its PID at the end), opens the default
scene, each preset button (key preset_<name>), a diverged run, the 3-D view (key surface3d), the Explore and
Learn tabs, and saves one PNG each under artifacts/screens/ (git-ignored). Paths are animated to the end
before the shot. docs/screenshot.png is the default view, at most 400 KB (palette-quantized only if needed).
Needs Chromium (apt-get install -y chromium) and playwright; shares its helpers with tests/e2e.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from optim_core.scene import RunConfig, Scene
from tools.browser import (
    ARTIFACTS,
    CHROMIUM_ARGS,
    REPO,
    SCREENS,
    VIEWPORT,
    _stop,
    find_chromium,
    install_rerun_counter,
    play_button,
    plot_frames,
    rerun,
    screenshot,
    start_server,
    wait_animation_end,
    wait_idle,
)
from ui.url import scene_to_query

DOCS_PNG = REPO / "docs" / "screenshot.png"
DOCS_MAX_BYTES = 400_000
DIVERGED = Scene(
    runs=(RunConfig("sgd", {"lr": 1000.0}), RunConfig("momentum", {"lr": 1e-3}), RunConfig("adam", {"lr": 1e-2}))
)


def scroll_top(page) -> None:
    """Scroll the window and Streamlit's own scroll containers (stMain, the sidebar) back to the top."""
    page.evaluate("""() => { window.scrollTo(0, 0);
        document.querySelectorAll('[data-testid="stMain"], [data-testid="stSidebarContent"]')
          .forEach(e => { e.scrollTop = 0; }); }""")
    page.wait_for_timeout(200)


def log(msg: str) -> None:
    print(msg, flush=True)


class Shooter:
    def __init__(self, browser, base_url: str, out: Path):
        self.browser, self.base_url, self.out = browser, base_url, out
        self.saved: dict[str, Path] = {}

    def open(self, query: dict | None = None):
        page = self.browser.new_page(viewport=VIEWPORT)
        page.goto(self.base_url + ("?" + urlencode(query) if query else ""))
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
        wait_idle(page)
        install_rerun_counter(page)
        return page

    def shot(self, page, name: str, *, full_page: bool = False) -> Path:
        path = screenshot(page, f"shot_{name}", full_page=full_page, directory=self.out)
        self.saved[name] = path
        log(f"  saved {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
        return path

    def play(self, page, key: str = "contour") -> None:
        """Show the whole paths: play the contour animation to its end, unless it already shows the last frame."""
        chart = page.locator(f".st-key-{key}")
        if not chart.count() or not page.locator(f".st-key-{key} .updatemenu-button").count():
            return
        frames = plot_frames(page, key)
        sliders = frames["sliders"] if frames else []
        if sliders and sliders[0]["active"] == len(sliders[0]["steps"]) - 1:
            return
        chart.first.scroll_into_view_if_needed()
        play_button(page, key).click()
        wait_animation_end(page, key, timeout_s=90)
        scroll_top(page)

    def tab(self, page, pattern: str) -> bool:
        tab = page.get_by_role("tab", name=re.compile(pattern, re.I))
        if not tab.count():
            return False
        tab.first.click()
        page.wait_for_timeout(500)
        wait_idle(page)
        return True


GROUPS = ("default", "presets", "diverged", "surface3d", "explore", "learn")


def take_all(sh: Shooter, only: set[str]) -> None:
    log("default scene")
    page = sh.open()
    sh.play(page)
    sh.shot(page, "default")
    sh.shot(page, "default_full", full_page=True)
    presets = page.evaluate("""() => [...document.querySelectorAll('[class*="st-key-preset_"]')]
        .map(e => [...e.classList].find(c => c.startsWith('st-key-preset_')).slice('st-key-'.length))""")
    page.close()

    for key in presets if "presets" in only else ():
        log(f"preset {key}")
        page = sh.open()
        button = page.locator(f".st-key-{key} button").first
        button.scroll_into_view_if_needed()
        rerun(page, button.click, f"the button {key}")
        page.wait_for_selector(".st-key-contour .js-plotly-plot .main-svg", timeout=60_000)
        sh.play(page)
        page.mouse.move(VIEWPORT["width"] - 5, VIEWPORT["height"] - 5)  # no hover tooltip in the shot
        scroll_top(page)
        sh.shot(page, key)
        page.close()

    if "diverged" in only:
        diverged(sh)
    if "surface3d" in only:
        surface3d(sh)
    for name, pattern in (("explore", r"explore"), ("learn", r"learn")):
        if name not in only:
            continue
        log(f"{name} tab")
        page = sh.open()
        if sh.tab(page, pattern):
            sh.shot(page, name)
            sh.shot(page, f"{name}_full", full_page=True)
        else:
            log(f"  no tab matching /{pattern}/i")
        page.close()


def diverged(sh: Shooter) -> None:
    log("diverged run")
    page = sh.open(scene_to_query(DIVERGED))
    sh.play(page)
    sh.shot(page, "diverged")
    page.close()


def surface3d(sh: Shooter) -> None:
    log("3-D view")
    page = sh.open()
    three_d = page.locator(".st-key-surface3d")
    # a view switch (a segmented control's buttons have role radio), if any
    switch = page.locator("button").filter(has_text=re.compile(r"\b3-?d\b", re.I))
    if not (three_d.count() and three_d.first.is_visible()) and switch.count():
        rerun(page, switch.first.click, "the 3-D switch")
    if not (three_d.count() and three_d.first.is_visible()):  # look for it in the tabs
        for tab in page.get_by_role("tab").all():
            tab.click()
            page.wait_for_timeout(500)
            wait_idle(page)
            if three_d.count() and three_d.first.is_visible():
                break
    if three_d.count() and three_d.first.is_visible():
        sh.play(page)
        three_d.first.scroll_into_view_if_needed()
        try:
            page.wait_for_selector(".st-key-surface3d .js-plotly-plot .main-svg", timeout=60_000)
            page.wait_for_timeout(1500)  # software WebGL: let the first frame land
        except Exception:
            log("  the 3-D chart did not render")
        sh.shot(page, "surface3d")
        path = sh.out / "shot_surface3d_chart.png"
        three_d.first.screenshot(path=str(path))
        sh.saved["surface3d_chart"] = path
        log(f"  saved {path}")
    else:
        log("  no visible element with key surface3d")
    page.close()


def optimize_png(src: Path, dst: Path, max_bytes: int = DOCS_MAX_BYTES) -> int:
    """Save src as a PNG at dst, at most max_bytes: full colour if it fits, else a palette (fewer colours,
    then smaller) until it fits."""
    from PIL import Image

    with Image.open(src) as im:
        rgb = im.convert("RGB")
    buf = io.BytesIO()
    rgb.save(buf, format="PNG", optimize=True)
    data = min(buf.getvalue(), src.read_bytes(), key=len)
    if len(data) <= max_bytes:
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(data)
        return len(data)
    for width in (rgb.width, 1024, 880):
        img = (
            rgb
            if width == rgb.width
            else rgb.resize((width, round(rgb.height * width / rgb.width)), Image.Resampling.LANCZOS)
        )
        for colors in (256, 128, 64):
            q = img.quantize(colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
            buf = io.BytesIO()
            q.save(buf, format="PNG", optimize=True)
            data = buf.getvalue()
            if len(data) <= max_bytes:
                dst.parent.mkdir(parents=True, exist_ok=True)
                dst.write_bytes(data)
                return len(data)
    raise SystemExit(f"could not fit {src} into {max_bytes} bytes (smallest {len(data)})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--app", default="app.py", help="the Streamlit script, relative to the repo root")
    ap.add_argument("--out", type=Path, default=SCREENS, help="where the PNGs go (default artifacts/screens)")
    ap.add_argument("--no-docs", action="store_true", help="do not write docs/screenshot.png")
    ap.add_argument(
        "--only",
        default=",".join(GROUPS),
        help=f"comma-separated subset of {','.join(GROUPS)} (default: all; the default view always)",
    )
    args = ap.parse_args(argv)

    chromium = find_chromium()
    if chromium is None:
        print("Chromium not found: apt-get install -y chromium", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    t0 = time.monotonic()
    proc, url = start_server(REPO / args.app, ARTIFACTS / "screenshots-streamlit.log")
    log(f"streamlit at {url} (pid {proc.pid})")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            try:
                sh = Shooter(browser, url, args.out)
                take_all(sh, {g.strip() for g in args.only.split(",")})
            finally:
                browser.close()
    finally:
        _stop(proc)
    if not args.no_docs and "default" in sh.saved:
        size = optimize_png(sh.saved["default"], DOCS_PNG)
        log(f"wrote {DOCS_PNG.relative_to(REPO)} ({size / 1000:.0f} KB)")
    log(f"{len(sh.saved)} screenshots in {time.monotonic() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
