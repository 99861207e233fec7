"""A reframed cut's crop as NLEs place a clip: where the whole source picture lies in the output frame.

A crop window ``(left, top, width, height)`` in source pixels shown full-frame in a ``W`` x ``H``
deliverable means the source is scaled by ``W / width`` (output pixels per source pixel) and moved
so the window's corner lands on the frame's: the picture's rectangle in output pixels is
``(-left * s, -top * s, source width * s, source height * s)``. Each format writes that rectangle in
its own terms (MLT ``rect``, FCP7 Basic Motion scale and centre, Resolve's Zoom and Pan/Tilt), one
key per crop key, frames from the cut's first frame.
"""
from __future__ import annotations

from collections.abc import Iterator

from ..model import Crop, Cut, Plan


def picture_rect(plan: Plan, cut: Cut, window: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """``(left, top, width, height)`` in output pixels of ``cut``'s whole source picture showing ``window``."""
    x, y, w, _ = window
    scale = plan.width / w
    src_w, src_h = cut.clip.display_size
    return -x * scale, -y * scale, src_w * scale, src_h * scale


def crop_keys(plan: Plan, cut: Cut, crop: Crop) -> Iterator[tuple[int, tuple[float, float, float, float]]]:
    """``(frame from the cut's start, picture rect)`` per crop key."""
    for frame, x, y in crop.keys:
        yield frame, picture_rect(plan, cut, (x, y, crop.width, crop.height))


def centre_offset(plan: Plan, rect: tuple[float, float, float, float]) -> tuple[float, float]:
    """The picture's centre minus the frame's, output pixels (x right, y down)."""
    left, top, w, h = rect
    return left + w / 2 - plan.width / 2, top + h / 2 - plan.height / 2
