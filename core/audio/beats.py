"""Beat tracking exact to the sample: a tempo-grid tracker for *which* beats, onsets for *when*.

librosa's dynamic-programming tracker finds the beat grid; each beat is then moved to the
attack of the onset it belongs to, located on a sample-resolution energy-rise curve.
"""
from __future__ import annotations

import librosa
import numpy as np

from .onsets import HOP, OnsetBands
from .tempo import choose_level, tempo_curve

#: The search window around a tracked beat, seconds before / after it. The tracker's
#: estimate lags the attack (librosa issue #1052), so the window reaches further back.
SEARCH_BEFORE = 0.070
SEARCH_AFTER = 0.035
#: Energy windows compared at a candidate attack: a short one after it (precision) and a longer
#: one before it, so the ripple of sustained low notes does not read as a rise (seconds).
RISE_AFTER = 0.003
RISE_BEFORE = 0.015
#: Minimum rise (in dB) for a refined position to be trusted over the tracked one.
MIN_RISE_DB = 6.0
#: Systematic lag of the tracker's raw estimate, removed when no onset is found.
TRACKER_LAG = 0.029
#: Autocorrelation of the onset envelope at the beat period needed to call it a pulse
#: (white noise measures about 0.05, a drum track 0.7).
MIN_PERIODICITY = 0.2


def track_beats(y: np.ndarray, bands: OnsetBands) -> np.ndarray:
    """Beat times in seconds, refined to the attack of each beat's onset; empty when there is no pulse."""
    sr = bands.sr
    if y.size < sr * 2 or not np.any(bands.full > 0):
        return np.zeros(0)
    _, frames = librosa.beat.beat_track(onset_envelope=bands.full, sr=sr, hop_length=HOP, trim=False,
                                        bpm=tempo_curve(bands))
    if len(frames) < 4 or periodicity(bands.full, frames) < MIN_PERIODICITY:
        return np.zeros(0)
    frames = trim_silent_ends(bands, choose_level(np.asarray(frames), bands))
    raw = librosa.frames_to_time(frames, sr=sr, hop_length=HOP)
    return refine_to_onsets(y, sr, raw)


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


def refine_to_onsets(y: np.ndarray, sr: int, beats: np.ndarray) -> np.ndarray:
    """Move each beat to the sample where signal energy rises most steeply nearby.

    The rise at sample ``n`` is the ratio (dB) of mean power over ``[n, n+a)`` to mean power over
    ``[n-b, n)``; for an attack starting at ``n0`` it peaks at ``n0``. Candidates whose following energy is under a tenth of the window's
    loudest are ignored (noise-floor flicker). Beats with no clear rise keep the tracker time
    minus its calibrated lag.
    """
    a, b = max(2, round(RISE_AFTER * sr)), max(2, round(RISE_BEFORE * sr))
    energy = np.concatenate([[0.0], np.cumsum(y.astype(np.float64) ** 2)])
    n_total = y.size
    eps = 1e-12
    out = np.maximum(0.0, np.asarray(beats, dtype=float) - TRACKER_LAG)
    for i, t in enumerate(beats):
        lo = max(b, int((t - SEARCH_BEFORE) * sr))
        hi = min(n_total - a, int((t + SEARCH_AFTER) * sr))
        if hi <= lo:
            continue
        n = np.arange(lo, hi)
        after = (energy[n + a] - energy[n]) / a
        before = (energy[n] - energy[n - b]) / b
        rise = 10 * np.log10((after + eps) / (before + eps))
        rise[after < 0.1 * after.max()] = -np.inf
        best = int(np.argmax(rise))
        if rise[best] >= MIN_RISE_DB:
            out[i] = n[best] / sr
    return _dedupe(out)


def _dedupe(times: np.ndarray, min_gap: float = 0.1) -> np.ndarray:
    """Sorted times with near-duplicates (two beats refined onto one onset) removed."""
    times = np.sort(times)
    keep = np.concatenate([[True], np.diff(times) >= min_gap])
    return times[keep]


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
