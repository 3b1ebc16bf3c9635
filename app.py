"""Optimizer Playground: watch SGD, Momentum, Adam, … move across a surface.

Thin wiring: the scene comes from the link (first run) or the widgets, is validated once into a
ResolvedScene, written back to the address bar with the view, and handed to each tab's
``render(resolved)``; the sidebar is drawn last.  Adding a tab is one line in TABS.

    streamlit run app.py
"""

import streamlit as st

st.set_page_config(
    page_title="Optimizer Playground",
    page_icon="📉",
    layout="wide",
    initial_sidebar_state="auto",
)

from ui import (  # noqa: E402
    boot,
    explore,
    export,
    guard,
    header,
    heavy,
    learn,
    nav,
    pagetheme,
    sidebar,
    state,
    style,
    trajectories,
)
from ui.text import _, message  # noqa: E402

# tab id (ui.nav.TAB_MSGIDS: ids and labels) → its section
TABS = {
    "trajectories": trajectories.render,
    "learn": learn.render,
    "explore": explore.render,
    "export": export.render,
}

if not st.session_state.get(boot.INIT):
    boot.first_run(nav.tab_labels)
labels = nav.tab_labels(st.session_state.get("lang", "en"))
tab_ids = {label: tid for tid, label in labels.items()}

style.inject(present=bool(st.session_state.get("present")), theme=str(st.session_state.get("theme", "light")))
pagetheme.sync(str(st.session_state.get("theme", "light")))
resolved, problem = boot.current_scene()
view = state.view_from_state(tab_ids, resolved).with_(lesson=header.active_lesson(resolved))
boot.sync_url(resolved.scene, view)
with guard.section("header"):
    header.render(resolved)
link_problem = boot.link_problem(resolved)
if link_problem is not None:
    st.warning(boot.describe_link_problem(link_problem), icon=":material/link_off:")
if problem is not None:
    st.error(message(problem) + " — " + _("showing the last valid scene."), icon=":material/warning:")

# Lazy tabs: only the open tab runs and is sent (the others cost nothing until clicked).
shown = [tid for tid in TABS if tid == "trajectories" or not state.hidden("tabs")]
for tid, tab in zip(shown, st.tabs([labels[t] for t in shown], key="tab", on_change="rerun")):
    with tab:
        if tab.open is False:
            continue
        with guard.section(tid):
            TABS[tid](resolved)

# The sidebar last: its ~100 widgets take a third of a rerun's script, and the map should not wait for them (it
# reaches the browser that much sooner after a slider moves). Where it sits on the page does not depend on this.
# A session's first run in a browser sends only its title: the controls follow once the map is drawn (ui.boot).
with guard.section("sidebar"):
    if boot.sidebar_waits():
        sidebar.waiting()
    else:
        sidebar.render(resolved, labels)

# Once per process: freeze what lives for the whole process; later, hand memory back when the server is idle.
heavy.after_run()
