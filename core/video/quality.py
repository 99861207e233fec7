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
        n = len(frames)
        y = frames.luma.astype(np.int16)
        lap = ((y[:, 1:-1, 1:-1] << 2) - y[:, :-2, 1:-1] - y[:, 2:, 1:-1] - y[:, 1:-1, :-2] - y[:, 1:-1, 2:])
        lap = lap.reshape(n, -1).astype(np.float32)
        flat = frames.luma.reshape(n, -1)
        pixels = np.float32(flat.shape[1])
        mean = flat.sum(axis=1, dtype=np.uint32) / pixels
        yf = flat.astype(np.float32)
        var = np.einsum("ij,ij->i", yf, yf) / pixels - mean * mean
        lap_mean = lap.sum(axis=1) / lap.shape[1]
        self._out.add(sharpness=np.einsum("ij,ij->i", lap, lap) / lap.shape[1] - lap_mean * lap_mean,
                      luma_mean=mean, luma_std=np.sqrt(np.maximum(var, 0)),
                      dark=np.count_nonzero(flat < DARK_LEVEL, axis=1) / pixels,
                      bright=np.count_nonzero(flat >= BRIGHT_LEVEL, axis=1) / pixels)

    def finish(self) -> dict[str, np.ndarray]:
        return self._out.arrays()
