"""Which beats: the beat grid at the metrical level an editor counts, and its bar starts.

A dynamic-programming tracker (:mod:`.grid`) follows the tempo curve (:mod:`.tempo`); :mod:`.refine`
then moves each beat onto its attack.
"""
from __future__ import annotations

import numpy as np

from .grid import dp_beats
from .onsets import HOP, OnsetBands
from .tempo import PRIOR_BPM, PRIOR_OCTAVES, beats_bpm, choose_level, tempo_curve

#: Autocorrelation of the onset envelope at the beat period (or two), median over
#: ``PULSE_WINDOW``-long windows, needed to call it a pulse: speech and noise measure 0.03-0.05,
#: rubato piano and orchestra 0.08-0.2, a drum track 0.6.
MIN_PERIODICITY = 0.07
PULSE_WINDOW = 12.0  # seconds: long enough to average, short enough for rubato to hold a period
#: Attacks must stand out of the onset envelope (95th percentile over median, smoothed over 5
#: frames): stationary noise measures 1.2, music with soft attacks 1.6 and more.
MIN_ONSET_CONTRAST = 1.4
#: Kick-band attacks between the tracked beats this many times stronger than on them: the tracker
#: followed off-beat chords or hi-hats (house, reggae) and tracks again with the kicks and bass
#: weighing in, as an editor counts them.
RETRACK_IF_KICKS_BETWEEN = 3.0
#: Weights of the low band's onsets (each band scaled to unit spread) tried on top of all bands'
#: for the beat grid; the steadiest grid wins.
BASS_WEIGHTS = (0.5, 1.0)
#: Width (octaves) of the tempo prior around an editor's tempo hint.
HINT_OCTAVES = 0.15


def track_grid(bands: OnsetBands, tempo_hint: float | None = None) -> np.ndarray:
    """Tracked beat times in seconds at the chosen metrical level (hop resolution, late by
    ``refine.TRACKER_LAG``); empty when there is no pulse. ``tempo_hint`` (BPM, the editor's word):
    the tempo is sought near it and the level nearest it is kept, pulse or not."""
    sr = bands.sr
    if bands.full.size * HOP < sr * 2 or not np.any(bands.full > 0):
        return np.zeros(0)
    prior = (tempo_hint, HINT_OCTAVES) if tempo_hint else (PRIOR_BPM, PRIOR_OCTAVES)
    period = 60.0 * sr / HOP / tempo_curve(bands, *prior)
    if not tempo_hint and not has_pulse(bands, period):
        return np.zeros(0)
    frames = dp_beats(bands.full, period)
    kicks = len(frames) >= 4 and bands.between_over_on(bands.kick, frames) >= RETRACK_IF_KICKS_BETWEEN
    if kicks:
        frames = dp_beats(bands.full + bands.kick, period)
    if len(frames) >= 8:
        ratio = _level_ratio(frames, bands, tempo_hint)
        envelope = bands.full + bands.kick if kicks else bands.full
        if abs(ratio - 1) > 0.25:  # another level: tracked again at its period
            frames = dp_beats(envelope, period * ratio)
        # the bass weighing in (kicks and bass notes mark beats more often than the busiest
        # subdivision: hand drums, strummed eighths), unless that bends the grid off a steady pulse
        # (a syncopated bass line)
        options = [frames] + [dp_beats(_unit(envelope) + w * _unit(bands.low), period * ratio) for w in BASS_WEIGHTS]
        frames = min(options, key=unsteadiness)
    if len(frames) < 4:
        return np.zeros(0)
    frames = trim_silent_ends(bands, frames)
    return frames * HOP / sr


def _level_ratio(frames: np.ndarray, bands: OnsetBands, tempo_hint: float | None) -> float:
    """Beat period at the chosen level over the tracked one: the listener's level
    (:func:`choose_level`), or with a hint the one of 1/2, 1, 2 nearest it."""
    if tempo_hint:
        bpm = beats_bpm(frames, bands)
        return min((0.5, 1.0, 2.0), key=lambda r: abs(np.log2(bpm / r / tempo_hint)))
    return float(np.median(np.diff(choose_level(frames, bands))) / np.median(np.diff(frames)))


def unsteadiness(frames: np.ndarray) -> float:
    """Mean absolute log ratio of each inter-beat interval to the median of the five around it."""
    gaps = np.diff(frames).astype(float)
    if gaps.size < 5:
        return 0.0
    local = np.median(np.lib.stride_tricks.sliding_window_view(np.pad(gaps, 2, mode="edge"), 5), axis=1)
    return float(np.mean(np.abs(np.log(gaps / local))))


def _unit(x: np.ndarray) -> np.ndarray:
    return x / max(float(x.std()), 1e-9)


def trim_silent_ends(bands: OnsetBands, frames: np.ndarray, floor: float = 0.3) -> np.ndarray:
    """Drop leading and trailing beats with no onset (strength under ``floor`` x the median beat).

    The tracker extends its grid into silence, pads and fade-outs; interior weak beats stay.
    """
    strength = bands.strength(bands.full, frames)
    strong = np.flatnonzero(strength >= floor * np.median(strength))
    return frames[strong[0]:strong[-1] + 1] if strong.size else frames[:0]


def has_pulse(bands: OnsetBands, period: np.ndarray) -> bool:
    """Attacks that stand out of the onset envelope and recur at the tracked period (``period``
    frames per count at each frame) or twice it: soft attacks and rubato pass, noise and speech do not."""
    smooth = np.convolve(bands.full, np.ones(5) / 5, mode="same")
    if np.percentile(smooth, 95) < MIN_ONSET_CONTRAST * max(float(np.median(smooth)), 1e-9):
        return False
    return max(periodicity(bands.full, k * period, round(PULSE_WINDOW * bands.sr / HOP)) for k in (1, 2)) \
        >= MIN_PERIODICITY


def periodicity(envelope: np.ndarray, period: np.ndarray, window: int) -> float:
    """Median over half-overlapping ``window``-frame windows of the normalised autocorrelation of the
    envelope at the window's median ``period`` (best of one frame either side; 0 = no pulse)."""
    values = []
    for start in range(0, max(1, envelope.size - window + 1), max(1, window // 2)):
        e = envelope[start:start + window] - envelope[start:start + window].mean()
        lag = int(round(float(np.median(period[start:start + window]))))
        energy = float(np.dot(e, e))
        if energy > 0 and lag + 1 < e.size:
            values.append(max(float(np.dot(e[:-k], e[k:])) for k in (lag - 1, lag, lag + 1) if k > 0) / energy)
    return float(np.median(values)) if values else 0.0


def tempo_bpm(beats: np.ndarray) -> float:
    """Tempo from the median inter-beat interval (0 when there are no beats)."""
    if len(beats) < 2:
        return 0.0
    return float(60.0 / np.median(np.diff(beats)))
