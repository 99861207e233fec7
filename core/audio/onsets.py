"""Onset strength in frequency bands and chroma, from one short-time Fourier transform.

:class:`OnsetBuilder` takes the signal block by block (memory holds the per-frame features, not
the audio); the result is the same as for the whole signal at once: frames centred on multiples of
``HOP`` with zero padding at both ends, mel power in dB floored ``TOP_DB`` under the loudest bin of
the whole file, and spectral flux as librosa's ``onset_strength`` computes it (but for the delay,
see ``FLUX_DELAY``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .spectral import chroma, chroma_filterbank, mel_filterbank, mel_frequencies, power_spectrogram

HOP = 256  # samples per onset frame (11.6 ms at 22.05 kHz)
N_FFT = 2048
N_MELS = 96
TOP_DB = 80.0
LOW_MAX_HZ = 300.0  # kick drum and bass
KICK_MAX_HZ = 150.0  # kick drum and bass fundamentals, under the chords
MID_BAND_HZ = (800.0, 4000.0)  # snare body and crack
#: Frames the flux is delayed by: the lag of 1 plus 2 for the window reaching ahead of its centre.
#: Tracked beats then sit on the attacks (``refine.TRACKER_LAG`` measures 0). librosa's
#: ``onset_strength`` delays by 1 + n_fft // (2 * hop) = 5 here, and its beats come ~28 ms late.
FLUX_DELAY = 3
#: Contiguous mel-bin groups whose levels describe each frame's spectral shape (for bar accents).
LEVEL_GROUPS = 8


@dataclass(frozen=True)
class OnsetBands:
    """Spectral-flux onset strength per ``HOP`` frame: all bands, the low band, the snare band;
    plus the chroma of each frame (for harmonic change) and the level in dB of ``LEVEL_GROUPS``
    mel-bin groups, low to high (loudness and timbre of each attack)."""

    sr: int
    full: np.ndarray
    low: np.ndarray
    mid: np.ndarray
    kick: np.ndarray
    chroma: np.ndarray
    levels: np.ndarray
    mel_db: np.ndarray  # N_MELS x frames, dB floored TOP_DB under the loudest (the beat model's input); 0 frames
    # unless the builder was asked to keep it

    def strength(self, band: np.ndarray, frames: np.ndarray) -> np.ndarray:
        """Strength of ``band`` (frames on its last axis) at each frame: the max over one frame
        before to two after (the tracker's frame may sit slightly before the flux peak)."""
        idx = np.clip(np.asarray(frames, dtype=int), 1, band.shape[-1] - 3)
        return np.maximum.reduce([band[..., idx + d] for d in (-1, 0, 1, 2)])

    def between_over_on(self, band: np.ndarray, frames: np.ndarray) -> float:
        """Mean :meth:`strength` of ``band`` halfway between consecutive ``frames`` over its mean
        strength on them: above 1, the band's attacks fall between the frames rather than on them."""
        mids = (frames[:-1] + frames[1:]) // 2
        return float(self.strength(band, mids).mean()) / max(float(self.strength(band, frames).mean()), 1e-9)


class OnsetBuilder:
    """Accumulates :class:`OnsetBands` from consecutive blocks of a mono signal."""

    def __init__(self, sr: int, keep_mel: bool = True) -> None:
        """``keep_mel``: return the floored mel dB in :attr:`OnsetBands.mel_db` (an hour holds 120 MB)."""
        self.sr = sr
        self.keep_mel = keep_mel
        self.samples = 0
        self._pending = np.zeros(N_FFT // 2, dtype=np.float32)  # the centring pad before sample 0
        self._mel_db: list[np.ndarray] = []  # per chunk of frames, dB without the floor yet
        self._chroma: list[np.ndarray] = []
        self._mel_basis = mel_filterbank(sr, N_FFT, N_MELS)
        self._chroma_basis = chroma_filterbank(sr, N_FFT)
        centres = mel_frequencies(N_MELS, sr / 2)
        self._bands = {"full": np.ones(N_MELS, dtype=bool), "low": centres <= LOW_MAX_HZ,
                       "kick": centres <= KICK_MAX_HZ,
                       "mid": (centres >= MID_BAND_HZ[0]) & (centres <= MID_BAND_HZ[1])}

    def add(self, y: np.ndarray) -> None:
        """Feed the next samples; every frame whose window is complete is analysed now."""
        self.samples += y.size
        buf = np.concatenate([self._pending, np.asarray(y, dtype=np.float32)])
        count = (buf.size - N_FFT) // HOP + 1 if buf.size >= N_FFT else 0
        if count:
            self._analyse(buf[:(count - 1) * HOP + N_FFT])
        self._pending = buf[count * HOP:]

    def finish(self) -> OnsetBands:
        """The features of everything fed (the signal's end padded with zeros, as when centred)."""
        done = sum(m.shape[1] for m in self._mel_db)
        missing = 1 + self.samples // HOP - done
        if missing > 0:
            length = (missing - 1) * HOP + N_FFT
            self._analyse(np.pad(self._pending, (0, max(0, length - self._pending.size)))[:length])
        floor = max(float(m.max()) for m in self._mel_db) - TOP_DB
        flux: dict[str, list[np.ndarray]] = {name: [] for name in self._bands}
        levels, floored, previous = [], [], None
        for chunk in self._mel_db:
            chunk = np.maximum(chunk, floor)
            if self.keep_mel:
                floored.append(chunk.astype(np.float32))
            levels.append(chunk.reshape(LEVEL_GROUPS, -1, chunk.shape[1]).mean(axis=1))
            joined = chunk if previous is None else np.concatenate([previous, chunk], axis=1)
            rise = np.maximum(0.0, joined[:, 1:] - joined[:, :-1])
            for name, rows in self._bands.items():
                flux[name].append(rise[rows].mean(axis=0))
            previous = chunk[:, -1:]
        frames = done + max(missing, 0)

        def envelope(name: str) -> np.ndarray:
            return np.pad(np.concatenate(flux[name]), (FLUX_DELAY, 0))[:frames].astype(np.float32)

        return OnsetBands(sr=self.sr, full=envelope("full"), low=envelope("low"), mid=envelope("mid"),
                          kick=envelope("kick"),
                          chroma=np.concatenate(self._chroma, axis=1), levels=np.concatenate(levels, axis=1),
                          mel_db=np.concatenate(floored, axis=1)[:, :frames] if floored
                          else np.zeros((N_MELS, 0), dtype=np.float32))

    def _analyse(self, samples: np.ndarray) -> None:
        power = power_spectrogram(samples, N_FFT, HOP)
        self._mel_db.append(10.0 * np.log10(np.maximum(1e-10, self._mel_basis @ power)))
        self._chroma.append(chroma(power, self._chroma_basis))


def onset_bands(y: np.ndarray, sr: int) -> OnsetBands:
    """:class:`OnsetBands` of a whole signal."""
    builder = OnsetBuilder(sr)
    builder.add(y)
    return builder.finish()
