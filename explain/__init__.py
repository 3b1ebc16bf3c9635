"""What a step means: the vectors drawn at it, the rule with its numbers, a narration, a table of every step.

Pure functions of a Trajectory run with ``record_state=True`` (optim_core), dimension-agnostic (points are (x,)
on a curve, (x, y) on a surface); no Streamlit, no Plotly.  viz/inspector.py draws from here, ui/inspector.py
shows it.

    traj = run("saddle", "adam", (-1.8, 0.001), 120, lr=0.03, record_state=True)
    vec = step_vectors(traj)            # −η·g, velocity, Δθ, look-ahead, decay pull, effective lr: (S, B, d)
    eq = equation(traj, b=0, t=12)      # rows "m_t = (…, …)" in the rule's order, the branch taken; eq.latex
    narrate(traj, 0, 12, lang)          # a few plain sentences, translated
    step_table(traj, 0)                 # every step: x, y, f, |g|, lr, each state buffer … (to_csv())

Layer: imports optim_core, surfaces, look and i18n only.
"""

from .equation import Branch, Row, StepEquation, equation, rule_assignments, rule_lines
from .errors import ExplainError
from .narrate import branch_text, narrate
from .numbers import read_numbers, tex_num, tex_vec
from .table import StepTable, step_table
from .vectors import LAYER_IDS, LAYERS, Layer, StepVectors, recorded_run, step_vectors

__all__ = [
    "LAYERS",
    "LAYER_IDS",
    "Branch",
    "ExplainError",
    "Layer",
    "Row",
    "StepEquation",
    "StepTable",
    "StepVectors",
    "branch_text",
    "equation",
    "narrate",
    "read_numbers",
    "recorded_run",
    "rule_assignments",
    "rule_lines",
    "step_table",
    "step_vectors",
    "tex_num",
    "tex_vec",
]
