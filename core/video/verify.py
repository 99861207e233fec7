"""Verification of candidate shot boundaries: does the picture after a candidate really show
something else than the picture before it?

The change features (:mod:`.change`) flag frames where the picture changes a lot; in a single camera
take that also happens on a whip pan, an exposure or white-balance jump, focus hunting, flicker and
flashes. Each candidate is checked with the cues of :mod:`.structure`, which levels, colour casts,
flicker, flashes and softness leave alone:

- a *hard cut* changes the layout (pooled luma, normalised) from one frame to the next, and alone:
  the frames around it keep theirs (a whip pan or fast motion changes it over many frames, about as
  much each time). A jump in levels or colour with the same layout is no cut;
- a *gradual transition* leaves a window after it whose layout differs from the window before, at
  the best small shift (motion compensation: the camera moved meanwhile), or whose colours
  (chroma histograms) differ. Focus hunting and exposure ramps keep both.
"""
from __future__ import annotations

import numpy as np

from .structure import GRID

#: Frames (seconds) each side that make the before and after pictures of a gradual transition.
WINDOW_SECONDS = 0.3
#: Largest shift (grid cells each way) the layout comparison tries.
MAX_SHIFT = 3
#: A gradual transition's sides with a layout correlation at or above this and colours nearer than
#: DIFFERENT_COLOURS (half L1, 0..1) show the same view.
SAME_LAYOUT = 0.9
DIFFERENT_COLOURS = 0.2
#: A hard cut's layout break (1 - correlation of the frames either side) is at least this...
MIN_LAYOUT_STEP = 0.012
#: ...and this many times the median of the NEIGHBOURS frames either side.
STEP_RATIO = 2.0
NEIGHBOURS = 3
#: Neighbours whose median layout change reaches this show a picture changing every frame; then frame
#: ``b`` is frame ``b - 1`` moved (a whip pan moves a third of the frame at once) when their layouts
#: correlate this well at the best shift up to CARRY_SHIFT (rows, columns) cells.
MOVING_STEP = 0.15
CARRIED = 0.6
CARRY_SHIFT = (3, 6)


def _median_layout(layout: np.ndarray) -> np.ndarray:
    grid = np.median(layout, axis=0).reshape(GRID, GRID)
    return grid - grid.mean()


def layout_similarity(before: np.ndarray, after: np.ndarray, reach: tuple[int, int] = (MAX_SHIFT, MAX_SHIFT)) -> float:
    """Largest normalised correlation of two windows' median layouts over shifts up to ``reach``
    (rows, columns) cells each way (-1..1; 0 when one of them is flat)."""
    a, b = _median_layout(before), _median_layout(after)
    best = -1.0
    for dy in range(-reach[0], reach[0] + 1):
        for dx in range(-reach[1], reach[1] + 1):
            x = a[max(0, dy): GRID + min(0, dy), max(0, dx): GRID + min(0, dx)]
            y = b[max(0, -dy): GRID + min(0, -dy), max(0, -dx): GRID + min(0, -dx)]
            x, y = x - x.mean(), y - y.mean()
            norm = np.sqrt((x * x).sum() * (y * y).sum())
            best = max(best, float((x * y).sum() / norm) if norm > 1e-6 else 0.0)
    return best


def colour_distance(before: np.ndarray, after: np.ndarray) -> float:
    """Half the L1 distance of two windows' mean chroma histograms (0 same colours .. 1 none shared)."""
    return float(0.5 * np.abs(before.mean(axis=0) - after.mean(axis=0)).sum())


def carried(layout: np.ndarray, i: int) -> float:
    """How well frame ``i``'s layout is frame ``i - 1``'s moved (correlation at the best shift up to
    :data:`CARRY_SHIFT`): near 1 when the camera moved, low across a cut or in busy content."""
    return layout_similarity(layout[i - 1: i], layout[i: i + 1], CARRY_SHIFT) if 0 < i < len(layout) else 1.0


def layout_steps(layout: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """1 - correlation of the layouts of frames ``i - 1`` and ``i`` (unshifted) for ``i`` in ``lo..hi-1``
    inside the clip (from frame 1)."""
    lo, hi = max(1, lo), min(len(layout), hi)
    if hi <= lo:
        return np.zeros(0, np.float32)
    return 1.0 - np.einsum("ij,ij->i", layout[lo:hi], layout[lo - 1: hi - 1])


def is_cut(f: dict[str, np.ndarray], b: int, fps: float) -> bool:
    """Whether the hard-cut candidate at frame ``b`` starts a new shot.

    Its layout breaks there, alone: the :data:`NEIGHBOURS` frames either side change far less. Where they
    all change (busy content, a whip pan), frame ``b`` must not be frame ``b - 1`` moved. Then the views
    either side must differ: in layout (a fade through a flat frame), or in colours with some layout
    break at ``b`` (a jump in levels, white balance or focus keeps the layout: no cut).
    """
    layout = f["layout"]
    lo = max(1, b - NEIGHBOURS)
    steps = layout_steps(layout, lo, b + NEIGHBOURS + 1)
    if not 0 <= b - lo < len(steps):
        return is_transition(f, b, 1, fps)
    here = float(steps[b - lo])
    others = np.delete(steps, b - lo)
    around = float(np.median(others)) if len(others) else 0.0
    if here >= MIN_LAYOUT_STEP and here >= STEP_RATIO * around:
        return True
    if around >= MOVING_STEP and carried(layout, b) >= CARRIED:
        return False
    same, colours = gradual_cues(f, b, 1, fps)
    return same < SAME_LAYOUT or (colours >= DIFFERENT_COLOURS and here >= MIN_LAYOUT_STEP)


def gradual_cues(f: dict[str, np.ndarray], b: int, reach: int, fps: float) -> tuple[float, float]:
    """(layout similarity, colour distance) of the windows before ``b - reach`` and from ``b + reach - 1``
    (``reach`` 1: the frames before ``b`` and from ``b``)."""
    n = len(f["layout"])
    width = max(3, round(WINDOW_SECONDS * fps))
    before = slice(max(0, b - reach + 1 - width), max(1, b - reach + 1))
    after = slice(min(n - 1, b + reach - 1), min(n, b + reach - 1 + width))
    return (layout_similarity(f["layout"][before], f["layout"][after]),
            colour_distance(f["colours"][before], f["colours"][after]))


def is_transition(f: dict[str, np.ndarray], b: int, reach: int, fps: float) -> bool:
    """Whether the gradual-transition candidate centred on ``b`` (spanning up to ``reach`` frames each
    side) leads to another view or other colours."""
    return gradual_cues(f, b, reach, fps)[0] < SAME_LAYOUT
