"""The learned beat engine: the model's activations (:mod:`.beat_model`) decoded into beats, bar
starts and the metre (:mod:`.bar_pointer`)."""
from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np

from .bar_pointer import decode
from .beat_model import WEIGHTS, activations
from .beats import HINT_OCTAVES
from .onsets import HOP, OnsetBands


def track(bands: OnsetBands, tempo_hint: float | None = None,
          beats_per_bar: int | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """Beat times (seconds, sub-frame), the index of each beat that starts a bar, and the beats per
    bar; no beats when the model hears no pulse. ``tempo_hint`` (BPM) keeps the tempo near it,
    ``beats_per_bar`` fixes the metre."""
    if bands.mel_db.shape[1] < 2 * bands.sr / HOP:
        return np.zeros(0), np.zeros(0, dtype=int), beats_per_bar or 4
    beat, downbeat = activations(bands.mel_db)
    return decode(beat, downbeat, bands.sr / HOP, tempo_hint, beats_per_bar, HINT_OCTAVES)


@lru_cache(maxsize=1)
def weights_digest() -> str:
    """A short digest of the shipped weights (part of the analysis cache key)."""
    return hashlib.blake2b(WEIGHTS.read_bytes(), digest_size=6).hexdigest()
