"""Runs and intervals: the runs of True in a per-frame mask."""
from __future__ import annotations

import numpy as np


def frame_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``[start, end)`` of each run of True, in order."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))
