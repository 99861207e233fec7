"""Tempo over time and the metrical level to count beats at.

A single global tempo cannot follow songs that drift or change tempo; raw local estimates jump
between octaves. The local curve is therefore folded into the octave of the global tempo and
median-smoothed before it guides the beat tracker. The level (half / as tracked / double) is then
decided from the drums themselves.
"""
from __future__ import annotations

import librosa
import numpy as np
import scipy.ndimage

from .onsets import HOP, OnsetBands

SMOOTH_SECONDS = 6.0
#: Low-band attacks between beats at least this strong (relative to those on beats) mean the
#: tracker counted every other beat: kick drums on every beat at a fast tempo.
DOUBLE_IF_MIDPOINTS = 0.8
#: Snare-band accent patterns: repeating every 4 beats but not every 2 means the tracker counted
#: eighth notes (the backbeat falls on every fourth count).
HALVE_IF_LAG2_OVER_LAG4 = 2.0
MIN_ACCENT_CONTRAST = 0.25


def tempo_curve(bands: OnsetBands) -> np.ndarray:
    """Tempo (BPM) per onset frame, within a factor of sqrt(2) of the global tempo."""
    tg = librosa.feature.tempogram(onset_envelope=bands.full, sr=bands.sr, hop_length=HOP)
    overall = float(librosa.feature.tempo(sr=bands.sr, hop_length=HOP, tg=tg)[0])
    local = librosa.feature.tempo(sr=bands.sr, hop_length=HOP, tg=tg, aggregate=None, std_bpm=4.0)
    octaves = np.log2(np.maximum(local, 1e-3) / overall)
    folded = overall * 2.0 ** (octaves - np.round(octaves))
    size = max(3, int(SMOOTH_SECONDS * bands.sr / HOP) | 1)
    return scipy.ndimage.median_filter(folded, size=size, mode="nearest")


def choose_level(frames: np.ndarray, bands: OnsetBands) -> np.ndarray:
    """Beat frames at the level an editor counts: doubled or halved when the drums say so."""
    if len(frames) < 8:
        return frames
    mids = (frames[:-1] + frames[1:]) // 2
    on, between = bands.strength(bands.low, frames), bands.strength(bands.low, mids)
    if between.mean() >= DOUBLE_IF_MIDPOINTS * max(on.mean(), 1e-9):
        return np.sort(np.concatenate([frames, mids]))
    accent = bands.strength(bands.mid, frames)
    accent = accent / max(float(accent.max()), 1e-9)
    lag2 = np.mean(np.abs(accent[2:] - accent[:-2]))
    lag4 = np.mean(np.abs(accent[4:] - accent[:-4]))
    if lag2 >= MIN_ACCENT_CONTRAST and lag2 >= HALVE_IF_LAG2_OVER_LAG4 * lag4:
        total = bands.strength(bands.low, frames) / max(float(on.max()), 1e-9) + accent
        phase = int(np.argmax([total[0::2].mean(), total[1::2].mean()]))
        return frames[phase::2]
    return frames
