"""Runs and intervals: the runs of True in a per-frame mask; intervals closer than a gap merged."""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def frame_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``[start, end)`` of each run of True, in order."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))


def merge_close(intervals: Iterable[tuple[float, float]], gap: float) -> list[tuple[float, float]]:
    """``intervals`` (in order of start) with each one that starts at most ``gap`` after the end of
    those before it merged into them."""
    merged: list[list[float]] = []
    for a, b in intervals:
        if merged and a - merged[-1][1] <= gap:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]
