"""The learned beat engine: the model's activations (:mod:`.beat_model`) decoded into beats, bar
starts and the metre (:mod:`.bar_pointer`); and the hybrid engine's check of the dsp tracker's beats."""
from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np

from .bar_pointer import (MIN_PULSE, SURE, bar_index, decode, heard_beats, lag, off_beat, other_phase, peak_times,
                          pulse, twice_as_fast, without_bars)
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
        return without_bars(np.zeros(0), beats_per_bar)
    beat, downbeat = activations(bands.mel_db)
    return decode(beat, downbeat, bands.sr / HOP, tempo_hint, beats_per_bar, HINT_OCTAVES, _harmony(bands))


def check_grid(bands: OnsetBands, grid: np.ndarray, tempo_hint: float | None = None,
               beats_per_bar: int | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """The hybrid engine: the dsp tracker's ``grid`` (seconds, on hop frames) as the beats, or the
    model's own beats where it hears a pulse (``MIN_PULSE``, with or without a tempo hint) and

    - the tracker found none (then the model must be sure of its beats: ``SURE``);
    - or the model hears the grid off the beat (its beat activation far higher between the grid's
      beats: an off-beat skank or stabs followed);
    - or the model taps the grid's tempo on another phase (most grid beats away from its own, at one
      phase an eighth of a beat or more from them: the tracker followed accents that are not the beat);
    - or the model taps twice as fast where no backbeat holds the grid's level (kick and snare
      alternating on its beats; without one the tracker's level choice often halves a song).

    Bar starts and metre from the model's downbeat activation and the harmonic change at the beats
    kept (at the grid's beats, read where the model hears them: it may hear them a little early or
    late). Returns what :func:`track` returns."""
    fps = bands.sr / HOP
    if bands.mel_db.shape[1] < 2 * fps:
        return without_bars(grid, beats_per_bar)
    beat, downbeat = activations(bands.mel_db)
    grid = np.asarray(grid, dtype=float)
    frames = np.round(grid * fps).astype(int)
    own = heard_beats(beat, fps, tempo_hint, HINT_OCTAVES)
    own_times = peak_times(beat, own, fps)
    if len(grid) < 4:
        take = pulse(beat, own) >= SURE
    else:  # with a tempo hint the model's beats are followed however weak: here a pulse must be heard
        take = pulse(beat, own) >= MIN_PULSE and (
            off_beat(beat, frames) or other_phase(grid, own_times)
            or (twice_as_fast(grid, own_times) and not has_backbeat(frames, bands)))
    if take:
        return (own_times,) + bar_index(downbeat, own, beats_per_bar, _harmony(bands))
    if len(grid) < 4:
        return without_bars(grid, beats_per_bar)
    return (grid,) + bar_index(downbeat, frames, beats_per_bar, _harmony(bands), lag(beat, frames))


def _harmony(bands: OnsetBands):
    """Beat frames -> the harmonic change into each beat (:func:`.bars.harmonic_change`)."""
    return lambda frames: harmonic_change(bands, frames)


@lru_cache(maxsize=1)
def weights_digest() -> str:
    """A short digest of the shipped weights (part of the analysis cache key)."""
    return hashlib.blake2b(WEIGHTS.read_bytes(), digest_size=6).hexdigest()
