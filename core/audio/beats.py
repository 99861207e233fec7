"""Which beats: the beat grid at the metrical level an editor counts, and its bar starts.

A dynamic-programming tracker (:mod:`.grid`) follows the tempo curve (:mod:`.tempo`); :mod:`.refine`
then moves each beat onto its attack.
"""
from __future__ import annotations

import librosa
import numpy as np

from .grid import dp_beats
from .onsets import HOP, OnsetBands
from .tempo import choose_level, tempo_curve

#: Autocorrelation of the onset envelope at the beat period needed to call it a pulse
#: (white noise measures about 0.05, a drum track 0.7).
MIN_PERIODICITY = 0.2


def track_grid(bands: OnsetBands) -> np.ndarray:
    """Tracked beat times in seconds at the chosen metrical level (hop resolution, late by
    ``refine.TRACKER_LAG``); empty when there is no pulse."""
    sr = bands.sr
    if bands.full.size * HOP < sr * 2 or not np.any(bands.full > 0):
        return np.zeros(0)
    frames = choose_level(dp_beats(bands.full, 60.0 * sr / HOP / tempo_curve(bands)), bands)
    if len(frames) < 4 or periodicity(bands.full, frames) < MIN_PERIODICITY:
        return np.zeros(0)
    frames = trim_silent_ends(bands, frames)
    return librosa.frames_to_time(frames, sr=sr, hop_length=HOP)


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


def downbeats(beats: np.ndarray, bands: OnsetBands, beats_per_bar: int = 4) -> np.ndarray:
    """Bar starts: the beat phase (mod ``beats_per_bar``) whose attacks are most bass and least snare.

    In most popular music the kick and bass mark bar starts while the snare takes the backbeat,
    and chords change on bar starts. Each phase is scored by its low-band onset strength minus
    its snare-band strength plus the harmonic (chroma) change into the beat, each relative to
    its mean over all beats.
    """
    if len(beats) < beats_per_bar:
        return beats[:1]
    frames = librosa.time_to_frames(beats, sr=bands.sr, hop_length=HOP)

    def relative(values: np.ndarray) -> np.ndarray:
        return values / max(float(values.mean()), 1e-9)

    chroma = librosa.util.sync(bands.chroma, frames, aggregate=np.median)
    unit = chroma / np.maximum(np.linalg.norm(chroma, axis=0, keepdims=True), 1e-9)
    change = 1.0 - np.sum(unit[:, 1:] * unit[:, :-1], axis=0)  # segment k-1 -> k starts at beat k-1
    harmonic = np.zeros(len(beats))
    harmonic[: change.size] = change[: len(beats)]
    score = (relative(bands.strength(bands.low, frames)) - relative(bands.strength(bands.mid, frames))
             + relative(harmonic))
    phase_scores = [score[p::beats_per_bar].mean() for p in range(beats_per_bar)]
    return beats[int(np.argmax(phase_scores))::beats_per_bar]
