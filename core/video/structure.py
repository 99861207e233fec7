"""What a frame shows, kept small for checking candidate shot boundaries (:mod:`.verify`).

Per frame: ``layout``, the luma pooled to a :data:`GRID` x :data:`GRID` grid, zero mean and unit norm (so
exposure, white balance, flicker and flashes, which scale or offset the levels, leave it as it is, and
focus, which only softens it, nearly so); and ``colours``, a histogram of the chroma (Cb, Cr) in
:data:`CHROMA_BINS` x :data:`CHROMA_BINS` bins summing to 1. Both are 2-D arrays (frames, values).
"""
from __future__ import annotations

import numpy as np

from .frames import Frames
from .measures import Collector

#: Layout grid cells each way (cells follow the frame's aspect).
GRID = 16
#: Chroma histogram bins per axis.
CHROMA_BINS = 8


def layouts(frames: Frames) -> np.ndarray:
    """(n, GRID * GRID) float32: pooled luma, each row zero-mean with unit norm (zero for a flat frame)."""
    n, h, w = frames.luma.shape
    bh, bw = max(1, h // GRID), max(1, w // GRID)
    rows = frames.luma[:, : GRID * bh, : GRID * bw].reshape(n, GRID, bh, GRID * bw).sum(axis=2, dtype=np.uint32)
    grid = rows.reshape(n, GRID, GRID, bw).sum(axis=3, dtype=np.uint32).reshape(n, -1).astype(np.float32)
    grid -= grid.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(grid, axis=1, keepdims=True)
    return np.where(norm > 1e-3, grid / np.maximum(norm, 1e-3), 0.0).astype(np.float32)


def colour_histograms(frames: Frames) -> np.ndarray:
    """(n, CHROMA_BINS**2) float32 histograms of each frame's (Cb, Cr) pairs (every other one each way),
    summing to 1."""
    n = len(frames)
    q = (frames.chroma[:, :, ::2, ::2].reshape(n, 2, -1) >> (8 - int(np.log2(CHROMA_BINS)))).astype(np.int32)
    index = q[:, 0] * CHROMA_BINS + q[:, 1] + np.arange(n, dtype=np.int32)[:, None] * CHROMA_BINS ** 2
    counts = np.bincount(index.ravel(), minlength=n * CHROMA_BINS ** 2).reshape(n, -1)
    return (counts / max(1, q.shape[2])).astype(np.float32)


class StructureMeasure:
    """Layout and colour histogram of every frame."""

    def __init__(self) -> None:
        self._out = Collector("layout", "colours")

    def feed(self, frames: Frames) -> None:
        self._out.add(layout=layouts(frames), colours=colour_histograms(frames))

    def finish(self) -> dict[str, np.ndarray]:
        return self._out.arrays()
