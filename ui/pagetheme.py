"""The page's own theme follows the figures' theme (the sidebar's Theme switch, the link's ``theme=``).

Streamlit keeps the page theme in the browser (its settings menu writes localStorage
``stActiveTheme-<base path>-v2``: "Light", "Dark" or "System") and reads it when the page loads. This
components-v2 element (it runs in the page, no iframe) writes the wanted value there and reloads the page once
when it differs; the link holds the whole scene and view, so the reloaded page is the same page, in the other
theme. The two page themes are declared in .streamlit/config.toml ([theme.light], [theme.dark]).
"""

from __future__ import annotations

import streamlit as st

JS = """
export default function (component) {
  const want = (component.data || {}).want;
  if (!want) return;
  const keys = Object.keys(localStorage).filter((k) => k.startsWith("stActiveTheme-"));
  const key = keys.length ? keys[0] : "stActiveTheme-/-v2";
  let current = null;
  try { current = JSON.parse(localStorage.getItem(key)); } catch (e) { current = null; }
  const system = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "Dark" : "Light";
  const shown = current === "Dark" || current === "Light" ? current : system;
  if (shown === want) { sessionStorage.removeItem("optviz-theme"); return; }
  if (sessionStorage.getItem("optviz-theme") === want) return;  // tried once already: never loop
  sessionStorage.setItem("optviz-theme", want);
  localStorage.setItem(key, JSON.stringify(want));
  window.location.reload();
}
"""

_COMPONENT = st.components.v2.component("optviz_pagetheme", js=JS)

PAGE = {"light": "Light", "contrast": "Light", "dark": "Dark"}


def sync(theme: str) -> None:
    """Make the page theme match the figures' (theme: the link's name: light, dark, contrast)."""
    _COMPONENT(key="pagetheme", data={"want": PAGE.get(theme, "Light")}, height=0)
