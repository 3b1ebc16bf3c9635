"""A few CSS touches for projection: less empty space at the top, run colour swatches, compact sidebar."""

from __future__ import annotations

import streamlit as st

CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding: 1.1rem 1.6rem 2rem 1.6rem; max-width: 100%; }
div[class*="st-key-preset_"] button { min-height: 1.9rem; padding: 0.05rem 0.6rem; }
div[class*="st-key-preset_"] button p { font-size: 0.9rem; }
.legend { display: flex; flex-wrap: wrap; gap: 0.2rem 1.1rem; align-items: center; font-size: 0.98rem; }
.legend .item { white-space: nowrap; }
.legend .key { color: #5B6475; font-size: 0.9rem; }
.lessons-label { font-weight: 650; color: #4A5263; padding-top: 0.35rem; }
[data-testid="stSidebarUserContent"] { padding-top: 0.6rem; }
[data-testid="stSidebarHeader"] { height: 2.4rem; min-height: 2.4rem; padding: 0.5rem 1rem 0 1rem; }
[data-testid="stSidebar"] h4 { margin: 0.5rem 0 -0.2rem 0; font-size: 0.95rem; letter-spacing: 0.02em;
                               text-transform: uppercase; color: #4A5263; }
.app-brand { font-weight: 700; font-size: 1.3rem; margin: -2.1rem 0 0.2rem 0; color: #1F2430; }
.app-title { font-weight: 700; font-size: 1.55rem; line-height: 1.2; color: #1F2430; }
.app-sub { color: #5B6475; font-size: 0.95rem; }
.swatch { display: inline-block; width: 0.8rem; height: 0.8rem; border-radius: 50%; margin-right: 0.45rem;
          vertical-align: -0.05rem; box-shadow: 0 0 0 1.5px #FFFFFF, 0 0 0 2.5px rgba(31,36,48,0.25); }
.run-title { font-weight: 600; }
.chart-title { font-weight: 650; font-size: 1.02rem; color: #1F2430; }
.card-title { font-weight: 700; font-size: 1.2rem; margin-bottom: -0.4rem; }
.muted { color: #6B7385; font-size: 0.9rem; }
[data-testid="stSidebar"] [data-testid="stLatex"] { overflow-x: auto; overflow-y: hidden; }
.st-key-share_link pre { font-size: 0.85rem; }
</style>
"""


def inject() -> None:
    st.html(CSS)
