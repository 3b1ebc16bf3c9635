"""The page's CSS: a layout that gives the map the screen, compact chrome for a projector, presentation mode.

- Streamlit's header floats over the page; the lessons row sits in that band (the header's own buttons keep
  their corners: the sidebar toggle on the left when the sidebar is closed, the menu on the right).
- The Trajectories view is two columns (map | playback, legend, lesson, side view); below 1200 px of viewport
  width they stack, so the map takes the whole width.
- Phones: the sidebar starts closed (page config "auto"), controls wrap instead of clipping.
- Presentation mode (``present``): the sidebar, the header and the share link are hidden, fonts are larger.
"""

from __future__ import annotations

import streamlit as st

from look import Theme

from .text import _

CSS = """
<style>
/* ---- the header band: transparent, click-through except its own buttons; the lessons row lives in it ---- */
[data-testid="stHeader"] { height: 2.9rem; min-height: 2.9rem; background: transparent; pointer-events: none; }
[data-testid="stHeader"] *, [data-testid="stToolbar"] { pointer-events: none; }
[data-testid="stHeader"] button, [data-testid="stHeader"] a, [data-testid="stHeader"] button *,
[data-testid="stExpandSidebarButton"], [data-testid="stExpandSidebarButton"] *,
[data-testid="stHeader"] [role="button"] { pointer-events: auto; }
[data-testid="stMainBlockContainer"] { padding: 0.45rem 1.3rem 2rem 1.3rem; max-width: 100%; }
.st-key-lessons_row { padding-right: 3.2rem; min-height: 2.4rem; }
.stApp:has([data-testid="stSidebar"][data-collapsed="true"]) .st-key-lessons_row,
.stApp:not(:has([data-testid="stSidebar"])) .st-key-lessons_row { padding-left: 2.9rem; }
[data-testid="stSidebarUserContent"] { padding-top: 0.6rem; }
[data-testid="stSidebarHeader"] { height: 2.4rem; min-height: 2.4rem; padding: 0.5rem 1rem 0 1rem; }
[data-testid="stSidebar"] h4 { margin: 0.5rem 0 -0.2rem 0; font-size: 0.95rem; letter-spacing: 0.02em;
                               text-transform: uppercase; color: #4A5263; }
.app-brand { font-weight: 700; font-size: 1.3rem; margin: -2.1rem 0 0.2rem 0; color: #1F2430; }
.app-waiting { font-size: 0.9rem; opacity: 0.7; }

/* ---- lessons ---- */
.st-key-lessons_row { flex-wrap: wrap; row-gap: 0.25rem; }
div[class*="st-key-lesson_"] button { min-height: 1.9rem; padding: 0.05rem 0.6rem; }
div[class*="st-key-lesson_"] button p { font-size: 0.9rem; }
.lessons-label { font-weight: 650; color: #4A5263; }
.st-key-lesson_note { padding: 0.15rem 0.1rem; }
.st-key-lesson_note [data-testid="stVerticalBlock"] { gap: 0.35rem; }
.lesson-title { font-weight: 700; font-size: 1.0rem; }
.lesson-text { font-size: 0.93rem; line-height: 1.45; }

/* ---- the Trajectories view ---- */
.legend { display: flex; flex-wrap: wrap; gap: 0.15rem 0.9rem; align-items: center; font-size: 0.95rem; }
.legend .item { white-space: nowrap; }
.legend .key { color: #5B6475; font-size: 0.88rem; }
.legend .noise { color: #8A4B00; font-size: 0.88rem; font-weight: 600; }
.swatch { display: inline-block; width: 0.8rem; height: 0.8rem; border-radius: 50%; margin-right: 0.4rem;
          vertical-align: -0.05rem; box-shadow: 0 0 0 1.5px #FFFFFF, 0 0 0 2.5px rgba(31,36,48,0.25); }
.run-title { font-weight: 600; }
.chart-title { font-weight: 650; font-size: 1.02rem; color: #1F2430; }
.card-title { font-weight: 700; font-size: 1.2rem; margin-bottom: -0.4rem; }
.muted { color: #6B7385; font-size: 0.9rem; }
.st-key-side_bar { flex-wrap: wrap; row-gap: 0.3rem; }
.st-key-divergence [data-testid="stAlert"] p { font-size: 0.9rem; }
@media (max-width: 1199px) {
  .st-key-traj_cols [data-testid="stHorizontalBlock"] { flex-wrap: wrap; }
  .st-key-traj_cols [data-testid="stColumn"] { flex: 1 1 100% !important; width: 100% !important; min-width: 100%; }
}
[data-testid="stSidebar"] [data-testid="stLatex"] { overflow-x: auto; overflow-y: hidden; }
/* the run summary beside the curves: compact, wrapped to its column (no sideways scrolling at 1440×900) */
.st-key-run_summary table { font-size: 0.78rem; width: 100%; table-layout: fixed; }
.st-key-run_summary tr > :first-child { width: 26%; }
.st-key-run_summary th, .st-key-run_summary td { padding: 0.2rem 0.3rem !important; white-space: normal !important;
  overflow-wrap: anywhere; word-break: break-word; overflow: hidden; }
.st-key-run_summary th { font-weight: 600; line-height: 1.2; }
/* the config upload: Streamlit's own "1MB per file" (the server's cap, in English) contradicted the label's
   100 KB, the app's limit: the label says it once, in the page's language */
.st-key-export_upload [data-testid="stFileUploaderDropzoneInstructions"] { display: none; }

/* ---- phones ---- */
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] { padding: 0.4rem 0.6rem 2rem 0.6rem; }
  .st-key-lessons_row { padding-left: 2.9rem; }
}
</style>
"""

PRESENT_CSS = """
<style>
/* presentation mode: the map and its controls, large; everything else out of the way */
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stToolbar"], [data-testid="stDecoration"], .st-key-share_link { display: none !important; }
html { font-size: 19px; }
[data-testid="stMainBlockContainer"] { padding: 0.3rem 1.0rem 1rem 1.0rem; }
.st-key-lessons_row { padding-left: 0 !important; }
.legend { font-size: 1.05rem; }
</style>
"""


CONTRAST_CSS = """
<style>
/* high contrast: darker text, stronger borders, for projectors that wash colours out */
.stApp, .stApp p, .stApp label, .stApp span { color: #000000; }
.stApp [data-baseweb="select"] > div, .stApp input, .stApp button { border-width: 2px !important; border-color: #000 !important; }
.legend, .muted, .lessons-label { color: #000000 !important; font-weight: 600; }
</style>
"""

DARK_CSS = """
<style>
.app-brand, .chart-title, .legend { color: #E6E9EF; }
.lessons-label, [data-testid="stSidebar"] h4, .legend .key, .muted { color: #B8C0CF; }
.swatch { box-shadow: 0 0 0 1.5px #12161F, 0 0 0 2.5px rgba(230,233,239,0.35); }
.legend .noise { color: #F0B060; }
</style>
"""


def css_string(text: str) -> str:
    """Text as a CSS string literal: quotes, backslashes and line breaks escaped, and "<" written as an escape so
    that no text can close the <style> element."""
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("<", "\\3C ")
    return f'"{out}"'


# Streamlit 1.67's file uploader writes its button ("Upload") in English whatever the page's language, and has
# no parameter for it (FileUploader.js: a constant label). The text is hidden (font size 0) and the catalogue's
# label drawn in its place as a pseudo-element of the same element, so the button, its icon, its click and its
# keyboard focus stay Streamlit's.
UPLOAD_BUTTON_TEXT = '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p'


def uploader_css(label: str) -> str:
    """The file uploader's button, relabelled with ``label`` (from the catalogue)."""
    return (
        "<style>\n"
        f"{UPLOAD_BUTTON_TEXT} {{ font-size: 0; line-height: 0; }}\n"
        f"{UPLOAD_BUTTON_TEXT}::after {{ content: {css_string(label)}; font-size: 0.875rem; line-height: 1.6; }}\n"
        "</style>\n"
    )


def inject(*, present: bool = False, theme: str = "light") -> None:
    extra = {"contrast": CONTRAST_CSS, "dark": DARK_CSS}.get(theme, "")
    st.html(CSS + extra + (PRESENT_CSS if present else "") + uploader_css(_("Browse files")))


def legend_marks(theme: Theme) -> str:
    """The legend's key to the map's markers (start ○, end ●, known minimum ★, diverged ✕), the star and the
    cross in the colours the map draws them in on this theme: the star filled in ``theme.minimum`` and
    outlined in ``theme.ink``, as the contour's marker, the cross in ``theme.diverged``."""
    star = f"<span class='mark' style='color:{theme.minimum};-webkit-text-stroke:0.7px {theme.ink}'>★</span>"
    cross = f"<span class='mark' style='color:{theme.diverged}'>✕</span>"
    return (
        f"<span class='item key'>○ {_('start')} &nbsp;● {_('end')} &nbsp;{star} {_('minimum')} &nbsp;"
        f"{cross} {_('diverged')}</span>"
    )
