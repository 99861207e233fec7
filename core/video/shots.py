"""Shot boundaries from per-frame change features: hard cuts and gradual transitions (dissolves,
fades), each against a threshold that follows the content (rolling median and spread of the same
measure around it), so grain, fast motion or a static tripod shot set their own baseline.

A boundary is the first frame of the new shot; for a gradual transition, the frame in its middle.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..intervals import frame_runs
from .change import LAGS, gradual_scales
from .verify import is_cut, is_transition

#: Frames each side of a frame that set its baseline.
BASELINE_FRAMES = 12
#: A hard cut's change must exceed the baseline by this many spreads (MAD), this factor over the
#: calmer side (before or after it) and CUT_BUSY_RATIO over the busier side...
CUT_SPREADS = 6.0
CUT_RATIO = 3.0
CUT_BUSY_RATIO = 1.8
#: ...and this much absolute change (mean signature difference, 0..255), or ISOLATED_MIN_CHANGE
#: where it is ISOLATED_RATIO times every change within BASELINE_FRAMES // 2 frames either side (a
#: still, clean picture such as a webcam's, cut to the same room; a clip of repeated frames is not).
CUT_MIN_CHANGE = 5.0
ISOLATED_RATIO = 6.0
ISOLATED_MIN_CHANGE = 1.5
#: A change that goes back within LAGS frames to within this fraction is a flash or an occlusion.
RETURN_FRACTION = 0.4
#: Gradual transitions: span over the baseline ratio, and the largest mix residual allowed.
GRADUAL_RATIO = 2.5
GRADUAL_MIN_CHANGE = 10.0
GRADUAL_MAX_BLEND = 0.35
#: A gradual change whose span stays this close to its peak up to the clip's edge is still going on there.
STILL_GOING = 0.8
#: Shortest shot (frames); of two boundaries closer than this the stronger stays.
MIN_SHOT_FRAMES = 8


def rolling(x: np.ndarray, half: int, fn) -> np.ndarray:
    """``fn`` over the window of ``2 * half + 1`` frames around each frame (edges padded by reflection)."""
    if len(x) == 0:
        return x.copy()
    pad = np.pad(x, half, mode="reflect" if len(x) > half else "edge")
    return fn(sliding_window_view(pad, 2 * half + 1), axis=1)


def _baseline(x: np.ndarray, half: int) -> tuple[np.ndarray, np.ndarray]:
    med = rolling(x, half, np.median)
    mad = rolling(np.abs(x - med), half, np.median)
    return med, mad


def _sides(x: np.ndarray, width: int, fn=np.median) -> tuple[np.ndarray, np.ndarray]:
    """``fn`` (median) of the ``width`` frames before each frame and of the ``width`` frames after it."""
    pad = np.pad(x, width + 1, mode="edge")
    med = fn(sliding_window_view(pad, width), axis=1)  # med[j] covers pad[j : j + width]
    i = np.arange(len(x)) + width + 1  # index of x[k] in pad
    return med[i - width], med[i + 1]


def hard_cuts(f: dict[str, np.ndarray]) -> dict[int, float]:
    """Frames that start a new shot abruptly, with their strength (change over threshold). A cut from
    a still shot into a busy one counts against the still side, but must also stand out from the busy one."""
    d1 = np.nan_to_num(f["diff_1"])
    med, mad = _baseline(d1, BASELINE_FRAMES)
    before, after = _sides(d1, BASELINE_FRAMES)
    calm, busy = np.minimum(before, after), np.maximum(before, after)
    reach = BASELINE_FRAMES // 2
    beside = np.maximum(*_sides(d1, reach, np.max))  # the largest change either side, the frame itself left out
    floor = np.where(d1 >= ISOLATED_RATIO * beside, ISOLATED_MIN_CHANGE, CUT_MIN_CHANGE)
    threshold = np.maximum.reduce([med + CUT_SPREADS * mad, CUT_RATIO * calm, CUT_BUSY_RATIO * busy, floor])
    n = len(d1)
    cuts: dict[int, float] = {}
    for i in np.flatnonzero(d1 > threshold):
        lo, hi = max(1, i - 2), min(n, i + 3)
        if d1[i] < d1[lo:hi].max() or i == 0:
            continue  # a neighbour changes more: that one is the cut
        ahead = [f[f"diff_{k + 1}"][i + k] for k in range(1, len(LAGS)) if i + k < n]  # frame i - 1 vs later ones
        behind = [f[f"diff_{k}"][i] for k in LAGS[1:]]  # frame i vs earlier ones
        if np.nanmin([*ahead, *behind, np.inf]) < RETURN_FRACTION * d1[i]:
            continue  # the picture comes back (or was there before): a flash or something passing the lens
        cuts[int(i)] = float(d1[i] / threshold[i])
    return cuts


def rising_to_edge(span: np.ndarray, first: int, last: int, h: int) -> bool:
    """Whether a gradual change peaking over frames ``first..last`` stays up (never below :data:`STILL_GOING` of
    its peak) until the clip's end (or from its start) ends the ``h``-frame span: a change still going on when
    the take ends (the camera turning away, the exposure following), not a transition whose other side is seen."""
    peak = STILL_GOING * float(span[first:last + 1].max())
    after, before = span[last:len(span) - h], span[h:first + 1]  # the frames whose span sees h frames each side
    return bool((len(after) and after.min() >= peak) or (len(before) and before.min() >= peak))


def gradual_transitions(f: dict[str, np.ndarray], cuts: dict[int, float], fps: float) -> dict[int, float]:
    """Middle frames of dissolves and fades, with their strength; none within reach of a hard cut."""
    d1 = np.nan_to_num(f["diff_1"])
    found: dict[int, float] = {}
    for h in gradual_scales(fps):
        span, blend = f[f"span_{h}"], f[f"blend_{h}"]
        med, mad = _baseline(span, 4 * h)
        jump = rolling(d1, h, np.max)  # the largest single-frame change inside the span
        ok = (span > np.maximum(GRADUAL_RATIO * med, GRADUAL_MIN_CHANGE)) & (blend < GRADUAL_MAX_BLEND) \
            & (jump < 0.5 * span)
        for a, b in frame_runs(ok):
            top = a + np.flatnonzero(span[a:b] >= 0.9 * span[a:b].max())
            if rising_to_edge(span, top[0], top[-1], h):
                continue
            centre = int(round((top[0] + top[-1]) / 2))
            if any(abs(centre - c) <= 2 * h for c in cuts):
                continue
            strength = float(span[a:b].max() / max(GRADUAL_RATIO * med[centre], GRADUAL_MIN_CHANGE))
            if all(abs(centre - g) > MIN_SHOT_FRAMES for g in found):
                found[centre] = strength
    return found


def verified(f: dict[str, np.ndarray], fps: float) -> dict[int, float]:
    """Hard cuts and gradual transitions (first frame of the new shot or the middle frame) with their
    strength, each candidate verified (:mod:`.verify`): the picture after it shows something else."""
    candidates = hard_cuts(f)
    reach = max(gradual_scales(fps))
    gradual = {b: v for b, v in gradual_transitions(f, candidates, fps).items() if is_transition(f, b, reach, fps)}
    return {**gradual, **{b: v for b, v in candidates.items() if is_cut(f, b, fps)}}


def spaced(marks: dict[int, float], frames: int) -> list[int]:
    """Sorted ``marks`` (frame -> strength) of a ``frames``-frame clip that leave every shot at least
    :data:`MIN_SHOT_FRAMES` long, the first and the last at least half that (an edited clip may open on a few
    frames of another shot: unmarked, the planner would take them with the next one); strongest first, what
    is too close to them is dropped."""
    kept: list[int] = []
    edge = MIN_SHOT_FRAMES // 2
    for b in sorted(marks, key=lambda b: -marks[b]):
        if edge <= b <= frames - edge and all(abs(b - k) >= MIN_SHOT_FRAMES for k in kept):
            kept.append(b)
    return sorted(kept)


def boundaries(f: dict[str, np.ndarray], frames: int, fps: float) -> list[int]:
    """Sorted first frames of every shot after the first: the :func:`verified` marks, :func:`spaced`."""
    return spaced(verified(f, fps), frames)
