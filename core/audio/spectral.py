"""Short-time spectra and the filter banks that summarise them: mel bands and chroma.

Plain numpy: the analysis needs a handful of these, and importing librosa for them (scipy.signal,
numba) takes longer than analysing a whole song. The mel bank is Slaney's (librosa's default), so
onset envelopes equal librosa's ``onset_strength``; the test suite checks both against librosa.
"""
from __future__ import annotations

import numpy as np

#: Slaney's mel scale: linear below ``_MEL_BREAK_HZ``, logarithmic above.
_MEL_BREAK_HZ = 1000.0
_HZ_PER_MEL = 200.0 / 3
_LOG_STEP = np.log(6.4) / 27.0  # log-frequency step per mel above the break


def power_spectrogram(samples: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    """|STFT|² (bins x frames) of Hann-windowed frames starting every ``hop`` samples; no padding:
    frame ``k`` covers ``samples[k * hop : k * hop + n_fft]``."""
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)).astype(np.float32)
    frames = np.lib.stride_tricks.sliding_window_view(samples.astype(np.float32, copy=False), n_fft)[::hop]
    spectrum = np.fft.rfft(frames * window, axis=1)
    return (spectrum.real ** 2 + spectrum.imag ** 2).T


def hz_to_mel(hz: np.ndarray) -> np.ndarray:
    hz = np.asarray(hz, dtype=float)
    linear = hz / _HZ_PER_MEL
    break_mel = _MEL_BREAK_HZ / _HZ_PER_MEL
    return np.where(hz >= _MEL_BREAK_HZ, break_mel + np.log(np.maximum(hz, 1e-12) / _MEL_BREAK_HZ) / _LOG_STEP,
                    linear)


def mel_to_hz(mel: np.ndarray) -> np.ndarray:
    mel = np.asarray(mel, dtype=float)
    break_mel = _MEL_BREAK_HZ / _HZ_PER_MEL
    return np.where(mel >= break_mel, _MEL_BREAK_HZ * np.exp(_LOG_STEP * (mel - break_mel)), _HZ_PER_MEL * mel)


def mel_frequencies(n: int, fmax: float) -> np.ndarray:
    """``n`` frequencies from 0 to ``fmax`` Hz evenly spaced on the mel scale."""
    return mel_to_hz(np.linspace(0.0, hz_to_mel(fmax), n))


def mel_filterbank(sr: int, n_fft: int, n_mels: int) -> np.ndarray:
    """Triangular filters (n_mels x bins) evenly spaced in mel up to ``sr / 2``, each scaled to unit
    area in Hz so wide high bands do not outweigh narrow low ones."""
    edges = mel_frequencies(n_mels + 2, sr / 2.0)
    bins = np.arange(n_fft // 2 + 1) * sr / n_fft
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (bins - lower) / (centre - lower)
    falling = (upper - bins) / (upper - centre)
    triangles = np.maximum(0.0, np.minimum(rising, falling))
    return (triangles * (2.0 / (upper - lower))).astype(np.float32)


def chroma_filterbank(sr: int, n_fft: int, centre_hz: float = 440.0, octaves: float = 2.0) -> np.ndarray:
    """Weights (12 x bins) of each FFT bin for each pitch class C..B: a Gaussian over the circular
    distance in semitones (at least one semitone wide, wider where a bin spans several), each bin's
    weights of unit length, the register around ``centre_hz`` (± ``octaves``) weighted most."""
    freqs = np.arange(1, n_fft // 2 + 1) * sr / n_fft
    pitch = 69.0 + 12.0 * np.log2(freqs / 440.0)  # MIDI note number; C is 0 mod 12
    width = np.maximum(np.gradient(pitch), 1.0)
    distance = (pitch[None, :] - np.arange(12)[:, None] + 6.0) % 12.0 - 6.0
    weights = np.exp(-0.5 * (2.0 * distance / width) ** 2)
    weights /= np.linalg.norm(weights, axis=0, keepdims=True)
    weights *= np.exp(-0.5 * (np.log2(freqs / centre_hz) / octaves) ** 2)
    return np.hstack([np.zeros((12, 1)), weights]).astype(np.float32)  # DC carries no pitch


def chroma(power: np.ndarray, filterbank: np.ndarray) -> np.ndarray:
    """Pitch-class energy per frame, each frame scaled to peak 1 (silent frames stay 0)."""
    raw = filterbank @ power
    peak = raw.max(axis=0, keepdims=True)
    return raw / np.where(peak > 1e-10, peak, 1.0)


def segment_medians(values: np.ndarray, boundaries: np.ndarray) -> np.ndarray:
    """Column-wise median of ``values`` (features x frames) over each segment between consecutive
    ``boundaries`` (frame indices), with segments before the first and after the last added."""
    n = values.shape[1]
    edges = np.unique(np.concatenate([[0], np.clip(boundaries, 0, n), [n]]))
    return np.column_stack([np.median(values[:, a:b], axis=1) for a, b in zip(edges[:-1], edges[1:])])
