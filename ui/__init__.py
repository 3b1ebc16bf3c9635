"""Streamlit sections of the app.  app.py wires them; each tab is ``render(resolved_scene)``.

boot         each run: the scene from the link (first run) or the widgets, resolved once; the address bar
url          the link codec: the scene and the view (language, theme, tab, side view, step, hidden controls)
state        session_state ⇄ Scene / ViewState, widget callbacks, the one path for scene changes
text         this session's language (gettext) and user text made harmless
guard        one line instead of a traceback, for every section
sidebar      controls generated from the surface / optimizer / schedule declarations
header       the lessons (lessons/: scenes, texts, checked claims, questions) and the loaded lesson's note
trajectories the contour map with playback, 3-D view, metrics, divergence messages
learn        update rules, trade-offs, comparison table
explore      sweeps, basins of attraction, noise ensembles
export       GIF / MP4 / PNG, CSV / JSON, scene configs, the PyTorch script
share        the link to the current scene
"""
