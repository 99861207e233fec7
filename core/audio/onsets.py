"""Onset strength in frequency bands, all from one short-time Fourier transform."""
from __future__ import annotations

from dataclasses import dataclass

import librosa
import numpy as np

HOP = 256  # samples per onset frame (11.6 ms at 22.05 kHz)
N_FFT = 2048
N_MELS = 96
LOW_MAX_HZ = 300.0  # kick drum and bass
MID_BAND_HZ = (800.0, 4000.0)  # snare body and crack


@dataclass(frozen=True)
class OnsetBands:
    """Spectral-flux onset strength per ``HOP`` frame: all bands, the low band, the snare band;
    plus the chroma of each frame (for harmonic change)."""

    sr: int
    full: np.ndarray
    low: np.ndarray
    mid: np.ndarray
    chroma: np.ndarray

    def strength(self, band: np.ndarray, frames: np.ndarray) -> np.ndarray:
        """Strength of ``band`` at each frame: the max over one frame before to two after
        (the tracker's frame may sit slightly before the flux peak)."""
        idx = np.clip(np.asarray(frames, dtype=int), 1, len(band) - 3)
        return np.maximum.reduce([band[idx + d] for d in (-1, 0, 1, 2)])


def onset_bands(y: np.ndarray, sr: int) -> OnsetBands:
    """Compute every onset feature the beat tracker needs from a single STFT of ``y``."""
    power = np.abs(librosa.stft(y, n_fft=N_FFT, hop_length=HOP)) ** 2
    mel_db = librosa.power_to_db(librosa.feature.melspectrogram(S=power, sr=sr, n_mels=N_MELS))
    centres = librosa.mel_frequencies(n_mels=N_MELS, fmax=sr / 2)

    def flux(rows: np.ndarray) -> np.ndarray:
        return librosa.onset.onset_strength(S=mel_db[rows], sr=sr)

    return OnsetBands(
        sr=sr,
        full=flux(np.ones(N_MELS, dtype=bool)),
        low=flux(centres <= LOW_MAX_HZ),
        mid=flux((centres >= MID_BAND_HZ[0]) & (centres <= MID_BAND_HZ[1])),
        chroma=librosa.feature.chroma_stft(S=power, sr=sr, tuning=0.0),  # changes only: no tuning estimate
    )
