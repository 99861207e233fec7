"""The music ducked under the dialogue track: a gain envelope in dB, ramped linearly in dB (an
exponential fade, as an NLE's level keyframes do) ``ATTACK_MS`` before each phrase and
``RELEASE_MS`` after it; phrases closer than a ramp down and up share one dip."""
from __future__ import annotations

import numpy as np

from ..intervals import merge_close
from ..model import Plan

#: Music level under speech (dB).
DUCK_DB = -9.0
ATTACK_MS = 120.0
RELEASE_MS = 350.0


def duck_points(plan: Plan) -> list[tuple[float, float]]:
    """``(timeline seconds, gain dB)`` keyframes of the music; empty without dialogue."""
    fps = float(plan.rate.fps)
    attack, release, end = ATTACK_MS / 1000, RELEASE_MS / 1000, plan.frames / fps
    events = sorted(plan.dialogue, key=lambda e: e.record_start)
    spans = merge_close([(e.record_start / fps, e.record_end / fps) for e in events], attack + release)
    points: list[tuple[float, float]] = []
    for a, b in spans:
        points += [(max(0.0, a - attack), 0.0 if a - attack > 0 else DUCK_DB), (a, DUCK_DB), (b, DUCK_DB),
                   (min(end, b + release), 0.0 if b + release < end else DUCK_DB)]
    return points


def duck_keyframes(plan: Plan) -> list[tuple[int, float]]:
    """:func:`duck_points` on timeline frames (nearest), duplicates dropped."""
    out: list[tuple[int, float]] = []
    for t, db in duck_points(plan):
        frame = round(t * plan.rate.fps)
        if not out or out[-1] != (frame, db):
            out.append((frame, db))
    return out


def gain_db(points: list[tuple[float, float]], times: np.ndarray) -> np.ndarray:
    """The envelope (dB) at ``times`` (timeline seconds): 0 dB outside the keyframes."""
    if not points:
        return np.zeros_like(times, dtype=np.float64)
    t, g = np.array(points).T
    return np.interp(times, t, g, left=0.0, right=0.0)
