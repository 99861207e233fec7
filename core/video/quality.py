"""Picture quality per frame: sharpness (variance of the Laplacian) and exposure statistics.

Per frame: ``sharpness`` (Laplacian variance of the analysis-size luma), ``luma_mean``, ``luma_std``
(0..255, coded values), ``dark`` and ``bright`` (fractions of pixels below 32 / at or above 235:
crushed blacks, blown highlights, the same for video and full range).
"""
from __future__ import annotations

import numpy as np

from .frames import Frames
from .measures import Collector

DARK_LEVEL = 32
BRIGHT_LEVEL = 235


class QualityMeasure:
    """Sharpness and exposure statistics of each frame."""

    def __init__(self) -> None:
        self._out = Collector("sharpness", "luma_mean", "luma_std", "dark", "bright")

    def feed(self, frames: Frames) -> None:
        y = frames.luma.astype(np.float32)
        lap = 4 * y[:, 1:-1, 1:-1] - y[:, :-2, 1:-1] - y[:, 2:, 1:-1] - y[:, 1:-1, :-2] - y[:, 1:-1, 2:]
        self._out.add(sharpness=lap.var(axis=(1, 2)), luma_mean=y.mean(axis=(1, 2)), luma_std=y.std(axis=(1, 2)),
                      dark=(frames.luma < DARK_LEVEL).mean(axis=(1, 2)),
                      bright=(frames.luma >= BRIGHT_LEVEL).mean(axis=(1, 2)))

    def finish(self) -> dict[str, np.ndarray]:
        return self._out.arrays()
