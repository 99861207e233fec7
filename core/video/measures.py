"""The measure interface: several measures read the same decoded frames once, block by block.

A measure keeps what it needs from earlier blocks itself (a tail of frames) and returns per-frame
feature arrays at the end, one value per frame fed. Measures never open files (:mod:`.frames` does).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import numpy as np

from .frames import Frames


class Measure(Protocol):
    def feed(self, frames: Frames) -> None:
        """Take the next block of frames (consecutive with the previous block)."""

    def finish(self) -> dict[str, np.ndarray]:
        """Per-frame features, each an array with one value per frame fed."""


def run_measures(blocks: Iterable[Frames], measures: list[Measure]) -> tuple[int, dict[str, np.ndarray]]:
    """Feed every block to every measure; (frames read, all their features merged)."""
    count = 0
    for block in blocks:
        for m in measures:
            m.feed(block)
        count += len(block)
    features: dict[str, np.ndarray] = {}
    for m in measures:
        features.update(m.finish())
    return count, features


class Collector:
    """Helper for measures: per-frame values appended block by block, concatenated at the end."""

    def __init__(self, *names: str) -> None:
        self._parts: dict[str, list[np.ndarray]] = {n: [] for n in names}

    def add(self, **values: np.ndarray) -> None:
        for name, v in values.items():
            self._parts[name].append(np.asarray(v, dtype=np.float32))

    def arrays(self) -> dict[str, np.ndarray]:
        return {n: np.concatenate(p) if p else np.zeros(0, np.float32) for n, p in self._parts.items()}
