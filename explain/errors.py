"""The one error of the explain layer: a step or a trajectory it cannot explain (one line, translatable)."""

from __future__ import annotations

from i18n import UserError


class ExplainError(UserError):
    """A step outside the trajectory, or a trajectory run without recording its state."""
