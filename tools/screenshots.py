"""Screenshots of the app in headless Chromium, at the screen sizes people use and in both languages.

    python -m tools.screenshots                               # everything: 4 sizes × 2 languages × every view
    python -m tools.screenshots --sizes 1440x900 --langs zh   # a subset
    python -m tools.screenshots --only default,lessons --docs # and refresh docs/screenshot*.png

Starts `streamlit run app.py` on 127.0.0.1 (a free port; stopped by its PID at the end) and opens each view by
its link (``?lesson=…``, ``?tab=learn``, ``?side=3d``, ``?present=1``, ``?theme=dark`` …), and saves artifacts/screens/<lang>-<W>x<H>/<view>.png (git-ignored). Sizes: a 1024×768 projector,
a 1440×900 laptop, 1920×1080, a 390×844 phone. Needs Chromium (apt-get install -y chromium) and playwright;
shares its helpers with tests/e2e (tools.browser).
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from lessons import LESSONS
from optim_core.scene import RunConfig, Scene
from tools.browser import (
    ARTIFACTS,
    CHROMIUM_ARGS,
    REPO,
    SCREENS,
    _stop,
    find_chromium,
    start_server,
    wait_idle,
)
from ui.url import scene_to_query

SIZES = {"1024x768": (1024, 768), "1440x900": (1440, 900), "1920x1080": (1920, 1080), "390x844": (390, 844)}
LANGS = ("en", "zh")
DOCS = REPO / "docs"
DOCS_MAX_BYTES = 400_000
DIVERGED = Scene(
    runs=(RunConfig("sgd", {"lr": 1000.0}), RunConfig("momentum", {"lr": 1e-3}), RunConfig("adam", {"lr": 1e-2}))
)


def views() -> dict[str, tuple[str, dict]]:
    """view name → (group, query)."""
    out: dict[str, tuple[str, dict]] = {"default": ("default", {})}
    for lid in LESSONS:
        out[f"lesson_{lid}"] = ("lessons", {"lesson": lid})
    out["diverged"] = ("diverged", scene_to_query(DIVERGED))
    out["surface3d"] = ("3d", {"side": "3d"})
    out["curve_lr"] = (
        "1d",
        {"surface": "parabola", "run": "sgd:lr=0.01;sgd:lr=0.1;sgd:lr=0.5;sgd:lr=0.9", "steps": "30"},
    )
    out["curve_loss"] = (
        "1d",
        {"surface": "double_well", "run": "sgd:lr=0.05;momentum:lr=0.05,momentum=0.9", "steps": "80", "side": "loss"},
    )
    for tab in ("learn", "explore", "export"):
        out[f"tab_{tab}"] = ("tabs", {"tab": tab})
    out["dataset_linreg"] = (
        "datasets",
        {"surface": "linreg", "run": "sgd:lr=0.05;momentum:lr=0.02", "steps": "200", "batch": "16"},
    )
    out["dataset_logreg"] = (
        "datasets",
        {"surface": "logreg", "run": "sgd:lr=0.5;adam:lr=0.05", "steps": "200", "batch": "8,1"},
    )
    out["present"] = ("present", {"present": "1", "lesson": "zigzag"})
    out["blindfold_start"] = ("blindfold", {"lesson": "blindfold"})
    out["blindfold_end"] = ("blindfold", {"lesson": "blindfold", "_keys": "End"})
    out["theme_dark"] = ("themes", {"theme": "dark", "lesson": "rosenbrock"})
    out["theme_contrast"] = ("themes", {"theme": "contrast", "lesson": "rosenbrock"})
    return out


GROUPS = ("default", "lessons", "diverged", "3d", "1d", "tabs", "present", "themes", "blindfold", "datasets")


def log(msg: str) -> None:
    print(msg, flush=True)


def shoot(browser, base_url: str, out: Path, size: tuple[int, int], lang: str, name: str, query: dict) -> Path:
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    try:
        keys = query.get("_keys", "")
        link = {k: v for k, v in query.items() if not k.startswith("_")}
        page.goto(base_url + "?" + urlencode({**link, "lang": lang}))
        # a chart, an error, or the Learn tab (which has no chart: its first element is the chooser)
        page.wait_for_selector(
            '.js-plotly-plot .main-svg, [data-testid="stException"], .st-key-chooser', timeout=90_000
        )
        wait_idle(page)
        if keys:
            page.wait_for_timeout(1500)  # the playback bar measures the page once, which may rerun it
            wait_idle(page)
        for key in filter(None, keys.split(",")):
            page.keyboard.press(key)
            page.wait_for_timeout(900)
        page.mouse.move(size[0] - 3, size[1] - 3)  # no hover tooltip in the shot
        if query.get("side") == "3d":
            page.wait_for_timeout(2500)  # software WebGL: let the first frame land
        page.wait_for_timeout(300)
        path = out / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path))
        return path
    finally:
        page.close()


def optimize_png(src: Path, dst: Path, max_bytes: int = DOCS_MAX_BYTES) -> int:
    """Save src as a PNG at dst, at most max_bytes: full colour if it fits, else a palette (fewer colours,
    then smaller) until it fits."""
    from PIL import Image

    with Image.open(src) as im:
        rgb = im.convert("RGB")
    data = b""
    for width in (rgb.width, 1280, 1024, 880):
        img = rgb if width >= rgb.width else rgb.resize((width, round(rgb.height * width / rgb.width)))
        buf = io.BytesIO()
        img.save(buf, format="PNG", optimize=True)
        if len(buf.getvalue()) <= max_bytes:
            data = buf.getvalue()
            break
        for colors in (256, 128, 64):
            q = img.quantize(colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
            buf = io.BytesIO()
            q.save(buf, format="PNG", optimize=True)
            if len(buf.getvalue()) <= max_bytes:
                data = buf.getvalue()
                break
        if data:
            break
    if not data:
        raise SystemExit(f"could not fit {src} into {max_bytes} bytes")
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(data)
    return len(data)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default=",".join(SIZES), help=f"comma-separated subset of {','.join(SIZES)}")
    ap.add_argument("--langs", default=",".join(LANGS))
    ap.add_argument("--only", default=",".join(GROUPS), help=f"comma-separated subset of {','.join(GROUPS)}")
    ap.add_argument("--views", default="", help="comma-separated view names (default: every view of --only)")
    ap.add_argument("--out", type=Path, default=SCREENS)
    ap.add_argument("--docs", action="store_true", help="also write the README's screenshots under docs/")
    args = ap.parse_args(argv)

    chromium = find_chromium()
    if chromium is None:
        print("Chromium not found: apt-get install -y chromium", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    wanted_groups = set(args.only.split(","))
    wanted_views = set(filter(None, args.views.split(",")))
    chosen = {
        name: q
        for name, (group, q) in views().items()
        if (name in wanted_views if wanted_views else group in wanted_groups)
    }
    t0 = time.monotonic()
    proc, url = start_server(REPO / "app.py", ARTIFACTS / "screenshots-streamlit.log")
    n = 0
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            try:
                for lang in args.langs.split(","):
                    for size_name in args.sizes.split(","):
                        size = SIZES[size_name]
                        out = args.out / f"{lang}-{size_name}"
                        for name, query in chosen.items():
                            path = shoot(browser, url, out, size, lang, name, query)
                            n += 1
                            log(f"  {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
                if args.docs:
                    for lang, dst in (("en", DOCS / "screenshot.png"), ("zh", DOCS / "screenshot-zh.png")):
                        src = shoot(
                            browser,
                            url,
                            args.out / "docs",
                            SIZES["1440x900"],
                            lang,
                            f"docs-{lang}",
                            {
                                "lesson": "zigzag",
                                "step": "80",
                            },  # the end (its open question would open the bar at step 0)
                        )
                        log(f"wrote {dst.relative_to(REPO)} ({optimize_png(src, dst) / 1000:.0f} KB)")
                    src = shoot(
                        browser,
                        url,
                        args.out / "docs",
                        SIZES["1920x1080"],
                        "en",
                        "docs-present",
                        {**views()["present"][1], "step": "80"},
                    )
                    log(f"wrote docs/presentation.png ({optimize_png(src, DOCS / 'presentation.png') / 1000:.0f} KB)")
            finally:
                browser.close()
    finally:
        _stop(proc)
    log(f"{n} screenshots in {time.monotonic() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
