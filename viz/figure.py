"""A plotly Figure that skips plotly.py's validation: the figures are data we generated ourselves.

plotly.py validates every property of every trace when a Figure is built (the
contour figure: ~50 of its ~75 ms; every trace of every frame: ~0.5 s for 100
frames × 12 traces), and ``to_dict`` deep-copies them again.  This subclass
builds ``data`` and ``layout`` with ``_validate=False`` (a long-standing plotly.py
argument; pass ``_validate=True`` to check a figure) and keeps ``frames`` raw:
``to_dict()`` / ``to_json()`` / ``write_html()`` / ``st.plotly_chart`` emit
them exactly as a normal Figure would (base64 typed arrays included), and
reading ``fig.frames`` validates them on first access.  A named template
("plotly_white") is replaced by the template itself, as validation would.
"""

from __future__ import annotations

import base64
import copy
import functools
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils.utils import convert_to_base64


class Figure(go.Figure):
    _default_validate = False

    def __init__(self, data: Any = None, layout: Any = None, frames: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("_validate", self._default_validate)
        if isinstance(data, dict) and ("data" in data or "layout" in data or "frames" in data):
            # go.Figure(dict) form (also what copy/pickle use): take the frames out before validation
            data = dict(data)
            frames = data.pop("frames", frames)
            if not kwargs["_validate"]:
                data["layout"] = _named_template(data.get("layout"))
        elif not kwargs["_validate"]:
            layout = _named_template(layout)
        raw = [] if frames is None else list(frames)
        if raw and not all(isinstance(f, dict) for f in raw):
            super().__init__(data=data, layout=layout, frames=raw, **kwargs)
            self._raw_frames = None
            return
        super().__init__(data=data, layout=layout, **kwargs)
        self._raw_frames = raw or None

    def update_layout(self, dict1: Any = None, overwrite: bool = False, **kwargs: Any) -> Figure:
        if not self._validate:
            dict1 = _named_template(dict1)
            kwargs = _named_template(kwargs)
        super().update_layout(dict1, overwrite, **kwargs)
        return self

    # frames are validated lazily, the first time someone reads them
    @property
    def frames(self):
        if getattr(self, "_raw_frames", None):
            raw, self._raw_frames = self._raw_frames, None
            self._frame_objs = self._frames_validator.validate_coerce(raw)
        return self._frame_objs

    @frames.setter
    def frames(self, value):
        self._raw_frames = None
        self._frame_objs = self._frames_validator.validate_coerce(value)

    def clear_frames(self) -> None:
        """No frames any more (the ``frames`` setter would validate the old ones first)."""
        self._raw_frames = None
        self._frame_objs = ()

    @property
    def raw_frames(self) -> list[dict]:
        """The frames as plain dicts (no validation)."""
        raw = getattr(self, "_raw_frames", None)
        if raw:
            return raw
        return [f.to_plotly_json() for f in self._frame_objs]

    def to_dict(self) -> dict:
        res = super().to_dict()
        raw = getattr(self, "_raw_frames", None)
        if raw:
            # shallow copies: convert_to_base64 replaces arrays in the dicts it is given
            frames = []
            for fr in raw:
                f2 = dict(fr)
                if "data" in f2:
                    f2["data"] = [dict(t) for t in f2["data"]]
                frames.append(f2)
            convert_to_base64(frames)
            res["frames"] = frames
        return res


def _named_template(layout: Any) -> Any:
    """Without validation plotly.py keeps a template's name ("plotly_white"), which plotly.js does not know:
    put the template itself in its place, as validation would."""
    if isinstance(layout, dict) and isinstance(layout.get("template"), str):
        return {**layout, "template": copy.deepcopy(_template(layout["template"]))}
    return layout


@functools.cache
def _template(name: str) -> dict:
    return pio.templates[name].to_plotly_json()


_DTYPES = {"f": "f4", "d": "f8", "b": "i1", "B": "u1", "h": "i2", "H": "u2", "i": "i4", "I": "u4"}


def typed_array(a: Any, dtype: str = "float32") -> dict:
    """Plotly's typed-array spec {"dtype", "bdata"(, "shape")}: what plotly.py would emit, without its per-array
    overhead (~0.1 ms each through narwhals, which adds up over thousands of frame arrays)."""
    if dtype == "float32":
        src = np.asarray(a, dtype=np.float64)
        if src.size and not (np.abs(src[np.isfinite(src)]) <= 3e38).all():
            src = np.clip(src, -3e38, 3e38)  # beyond float32: saturate instead of overflowing to inf
        arr = np.ascontiguousarray(src, dtype=np.float32)
    else:
        arr = np.ascontiguousarray(a, dtype=dtype)
    spec = {"dtype": _DTYPES[arr.dtype.char], "bdata": base64.b64encode(arr.tobytes()).decode("ascii")}
    if arr.ndim > 1:
        spec["shape"] = ", ".join(str(n) for n in arr.shape)
    return spec


def decode(value: Any) -> np.ndarray:
    """The inverse: a typed-array spec, a list or an array → a NumPy array (tests and tools use this)."""
    if isinstance(value, dict) and "bdata" in value:
        arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if value.get("shape"):
            arr = arr.reshape([int(n) for n in str(value["shape"]).split(",")])
        return arr
    return np.asarray(value if value is not None else [], dtype=float)
