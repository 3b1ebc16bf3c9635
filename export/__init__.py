"""Export of optimizer trajectories as GIF / MP4 / PNG bytes (pure functions; Pillow + NumPy)."""

from .render import (
    DIVERGED_RGB,
    GIF_LIMITS,
    PathLayer,
    SurfaceImage,
    View3D,
    data_to_pixel,
    frame_steps,
    iter_frames,
    render_gif,
    render_mp4,
    render_png,
)

__all__ = [
    "DIVERGED_RGB",
    "GIF_LIMITS",
    "PathLayer",
    "SurfaceImage",
    "View3D",
    "data_to_pixel",
    "frame_steps",
    "iter_frames",
    "render_gif",
    "render_mp4",
    "render_png",
]
