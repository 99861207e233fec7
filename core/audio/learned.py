"""The learned beat engine: the model's activations (:mod:`.beat_model`) decoded into beats, bar
starts and the metre (:mod:`.bar_pointer`); and the hybrid engine's check of the dsp tracker's beats."""
from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np

from .bar_pointer import bar_index, decode, off_beat, other_phase, twice_as_fast
from .bars import harmonic_change
from .beat_model import WEIGHTS, activations
from .beats import HINT_OCTAVES
from .onsets import HOP, OnsetBands
from .tempo import has_backbeat


def track(bands: OnsetBands, tempo_hint: float | None = None,
          beats_per_bar: int | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """Beat times (seconds, sub-frame), the index of each beat that starts a bar (the model's downbeat
    activation and the harmonic change at the beats), and the beats per bar; no beats when the model
    hears no pulse. ``tempo_hint`` (BPM) keeps the tempo near it, ``beats_per_bar`` fixes the metre."""
    if bands.mel_db.shape[1] < 2 * bands.sr / HOP:
        return np.zeros(0), np.zeros(0, dtype=int), beats_per_bar or 4
    beat, downbeat = activations(bands.mel_db)
    return decode(beat, downbeat, bands.sr / HOP, tempo_hint, beats_per_bar, HINT_OCTAVES, _harmony(bands))


def check_grid(bands: OnsetBands, grid: np.ndarray, tempo_hint: float | None = None,
               beats_per_bar: int | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """The hybrid engine: the dsp tracker's ``grid`` (seconds, on hop frames) as the beats, or the
    model's own beats where it hears a pulse and

    - the tracker found none;
    - or the model hears the grid off the beat (its beat activation far higher between the grid's
      beats: an off-beat skank or stabs followed);
    - or the model taps the grid's tempo on another phase (most grid beats away from its own: the
      tracker followed accents that are not the beat);
    - or the model taps twice as fast where no backbeat holds the grid's level (kick and snare
      alternating on its beats; without one the tracker's level choice often halves a song).

    Bar starts and metre from the model's downbeat activation and the harmonic change at the beats
    kept. Returns what :func:`track` returns."""
    if bands.mel_db.shape[1] < 2 * bands.sr / HOP:
        return grid, np.zeros(0, dtype=int), beats_per_bar or 4
    beat, downbeat = activations(bands.mel_db)
    frames = np.round(np.asarray(grid) * bands.sr / HOP).astype(int)
    own = decode(beat, downbeat, bands.sr / HOP, tempo_hint, beats_per_bar, HINT_OCTAVES, _harmony(bands))
    if len(own[0]) >= 4 and (len(grid) < 4 or off_beat(beat, frames) or other_phase(grid, own[0])
                             or (twice_as_fast(grid, own[0]) and not has_backbeat(frames, bands))):
        return own
    if len(grid) < 4:
        return grid, np.zeros(0, dtype=int), beats_per_bar or 4
    return (grid,) + bar_index(downbeat, frames, beats_per_bar, _harmony(bands))


def _harmony(bands: OnsetBands):
    """Beat frames -> the harmonic change into each beat (:func:`.bars.harmonic_change`)."""
    return lambda frames: harmonic_change(bands, frames)


@lru_cache(maxsize=1)
def weights_digest() -> str:
    """A short digest of the shipped weights (part of the analysis cache key)."""
    return hashlib.blake2b(WEIGHTS.read_bytes(), digest_size=6).hexdigest()
