"""Fonts for pictures drawn with Pillow (the exported frames).

Latin text uses DejaVu Sans (matplotlib's copy or the system's).  Text that contains Chinese (or any CJK)
characters uses Noto Sans CJK SC, shipped by the pip package ``noto-cjk-sans-otc`` (requirements.txt): DejaVu
has no CJK glyphs and would draw empty boxes.  The .ttc collection holds several faces; the Simplified
Chinese one is found by its name, not by a hard-coded index.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import re
from pathlib import Path

from PIL import ImageFont

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

# CJK punctuation, kana, unified ideographs (and extension A), compatibility ideographs, Hangul, fullwidth forms
_CJK = re.compile("[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
CJK_FACE = "Noto Sans CJK SC"


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def _package_dir(name: str) -> Path | None:
    """The folder of an installed package, found without importing it."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):  # pragma: no cover - broken installs
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _latin_candidates(bold: bool) -> list[str]:
    dejavu = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    out: list[str] = []
    mpl = _package_dir("matplotlib")
    if mpl is not None:
        out.append(str(mpl / "mpl-data" / "fonts" / "ttf" / dejavu))
    for folder in (
        "/usr/share/fonts/truetype/dejavu",
        "/usr/share/fonts/TTF",
        "/usr/share/fonts/dejavu",
        "/usr/local/share/fonts",
    ):
        out.append(f"{folder}/{dejavu}")
    out.append(dejavu)  # a bare name: Pillow searches the platform's font folders
    out += ["LiberationSans-Bold.ttf", "arialbd.ttf"] if bold else ["LiberationSans-Regular.ttf", "arial.ttf"]
    return out


@functools.cache
def cjk_font_file() -> tuple[str, int] | None:
    """(path, face index) of Noto Sans CJK SC, or None when the font package is missing."""
    candidates: list[Path] = []
    pkg = _package_dir("noto_cjk_sans_otc")
    if pkg is not None:
        candidates.append(pkg / "NotoSansCJK-Regular.ttc")
    candidates += [
        Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),  # Debian's fonts-noto-cjk
        Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),
    ]
    for path in candidates:
        if not path.is_file():
            continue
        for index in range(12):
            try:
                face = ImageFont.truetype(str(path), 12, index=index)
            except OSError:
                break
            if face.getname()[0] == CJK_FACE:
                return str(path), index
    return None


@functools.lru_cache(maxsize=64)
def _latin(size: int, bold: bool) -> Font:
    for cand in _latin_candidates(bold):
        try:
            return ImageFont.truetype(cand, size)
        except OSError:
            continue
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, ImportError, OSError, AttributeError):  # pragma: no cover
        return ImageFont.load_default()


@functools.lru_cache(maxsize=32)
def _cjk(size: int) -> Font | None:
    found = cjk_font_file()
    if found is None:
        return None
    return ImageFont.truetype(found[0], size, index=found[1])


def get_font(size: float, bold: bool = False, text: str = "") -> Font:
    """A TrueType font of `size` pixels for `text`: Noto Sans CJK SC when the text has CJK characters (the
    collection has no bold face), else DejaVu Sans, else Liberation Sans / Arial, else Pillow's own font."""
    px = max(6, int(size))
    if text and has_cjk(text):
        cjk = _cjk(px)
        if cjk is not None:
            return cjk
    return _latin(px, bold)


def text_size(text: str, font: Font) -> tuple[int, int]:
    """Width and height (ink box, in pixels) of text."""
    l, t, r, b = font.getbbox(text)
    return int(math.ceil(r - l)), int(math.ceil(b - t))
