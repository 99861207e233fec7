"""Which beats: the beat grid at the metrical level an editor counts, and its bar starts.

A dynamic-programming tracker (:mod:`.grid`) follows the tempo curve (:mod:`.tempo`); :mod:`.refine`
then moves each beat onto its attack.
"""
from __future__ import annotations

import numpy as np

from .grid import dp_beats
from .onsets import HOP, OnsetBands
from .tempo import choose_level, tempo_curve

#: Autocorrelation of the onset envelope at the beat period needed to call it a pulse
#: (white noise measures about 0.05, a drum track 0.7).
MIN_PERIODICITY = 0.2
#: Kick-band attacks between the tracked beats this many times stronger than on them: the tracker
#: followed off-beat chords or hi-hats (house, reggae) and tracks again with the kicks and bass
#: weighing in, as an editor counts them.
RETRACK_IF_KICKS_BETWEEN = 3.0


def track_grid(bands: OnsetBands) -> np.ndarray:
    """Tracked beat times in seconds at the chosen metrical level (hop resolution, late by
    ``refine.TRACKER_LAG``); empty when there is no pulse."""
    sr = bands.sr
    if bands.full.size * HOP < sr * 2 or not np.any(bands.full > 0):
        return np.zeros(0)
    period = 60.0 * sr / HOP / tempo_curve(bands)
    frames = dp_beats(bands.full, period)
    if len(frames) >= 4 and bands.between_over_on(bands.kick, frames) >= RETRACK_IF_KICKS_BETWEEN:
        frames = dp_beats(bands.full + bands.kick, period)
    frames = choose_level(frames, bands)
    if len(frames) < 4 or periodicity(bands.full, frames) < MIN_PERIODICITY:
        return np.zeros(0)
    frames = trim_silent_ends(bands, frames)
    return frames * HOP / sr


def trim_silent_ends(bands: OnsetBands, frames: np.ndarray, floor: float = 0.3) -> np.ndarray:
    """Drop leading and trailing beats with no onset (strength under ``floor`` x the median beat).

    The tracker extends its grid into silence, pads and fade-outs; interior weak beats stay.
    """
    strength = bands.strength(bands.full, frames)
    strong = np.flatnonzero(strength >= floor * np.median(strength))
    return frames[strong[0]:strong[-1] + 1] if strong.size else frames[:0]


def periodicity(envelope: np.ndarray, beat_frames: np.ndarray) -> float:
    """Normalised autocorrelation of the onset envelope at the tracked beat period (0 = no pulse)."""
    e = envelope - envelope.mean()
    energy = float(np.dot(e, e))
    period = int(np.median(np.diff(beat_frames)))
    if energy <= 0 or not 0 < period < len(e) - 2:
        return 0.0
    return max(float(np.dot(e[:-lag], e[lag:])) / energy for lag in (period - 1, period, period + 1) if lag > 0)


def tempo_bpm(beats: np.ndarray) -> float:
    """Tempo from the median inter-beat interval (0 when there are no beats)."""
    if len(beats) < 2:
        return 0.0
    return float(60.0 / np.median(np.diff(beats)))
