"""Streamlit sections of the app.  app.py wires them; each tab is ``render(scene)``.

state        session_state ⇄ Scene ⇄ URL, widget callbacks
sidebar      controls generated from the surface / optimizer / schedule declarations
header       title and presets (presets.py holds the preset Scenes)
trajectories the contour map with playback, 3-D view, metrics, divergence messages
learn        update rules, trade-offs, comparison table
share        the link to the current scene
"""
