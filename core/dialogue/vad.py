"""Voice activity detection on clip audio: speech regions in seconds of the clip (analysis only).

WebRTC's VAD (Gaussian mixture models on six sub-bands, the detector of Chrome's audio stack) marks
30 ms frames; a level gate drops frames that do not stand out of the clip's own background (WebRTC's
VAD alone takes steady music and loud noise for speech), short gaps between words are bridged so a
region is a phrase, and blips shorter than a syllable are dropped.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import webrtcvad

from ..audio.decode import stream_mono
from ..intervals import frame_runs, merge_close

SAMPLE_RATE = 16000
FRAME_SECONDS = 0.03
#: WebRTC aggressiveness 0..3 (3 rejects the most non-speech).
AGGRESSIVENESS = 3
#: A speech frame is this many dB above the clip's background level (its 20th-percentile frame level).
GATE_DB = 6.0
#: Frames quieter than this (dBFS) are never speech.
SILENCE_DBFS = -55.0
#: Pauses up to this long (s) stay inside a phrase.
BRIDGE_SECONDS = 0.35
#: Regions shorter than this (s) are dropped (clicks, a drum hit).
MIN_SPEECH_SECONDS = 0.2
#: Each region is widened by this (s) at both ends: a word's soft onset and decay.
PAD_SECONDS = 0.05


def frame_levels(samples: np.ndarray) -> np.ndarray:
    """Level (dBFS) of each 30 ms frame of 16 kHz mono ``samples``."""
    size = round(SAMPLE_RATE * FRAME_SECONDS)
    frames = samples[:len(samples) // size * size].reshape(-1, size).astype(np.float64)
    return 10 * np.log10(np.mean(frames ** 2, axis=1) + 1e-12)


def voiced_frames(samples: np.ndarray) -> np.ndarray:
    """WebRTC's speech decision for each 30 ms frame of 16 kHz mono ``samples`` (float, -1..1)."""
    size = round(SAMPLE_RATE * FRAME_SECONDS)
    pcm = (np.clip(samples[:len(samples) // size * size], -1, 1) * 32767).astype("<i2").reshape(-1, size)
    vad = webrtcvad.Vad(AGGRESSIVENESS)
    return np.array([vad.is_speech(frame.tobytes(), SAMPLE_RATE) for frame in pcm], dtype=bool)


def regions_from_frames(speech: np.ndarray, duration: float) -> list[tuple[float, float]]:
    """Runs of speech frames as ``(start, end)`` seconds: gaps up to ``BRIDGE_SECONDS`` bridged, runs
    shorter than ``MIN_SPEECH_SECONDS`` dropped, ``PAD_SECONDS`` added, clamped to ``[0, duration]``."""
    merged = merge_close([(a * FRAME_SECONDS, b * FRAME_SECONDS) for a, b in frame_runs(speech)], BRIDGE_SECONDS)
    return [(round(max(0.0, float(a) - PAD_SECONDS), 3), round(min(duration, float(b) + PAD_SECONDS), 3))
            for a, b in merged if b - a >= MIN_SPEECH_SECONDS]


def detect_speech(samples: np.ndarray) -> list[tuple[float, float]]:
    """Speech regions ``(start, end)`` in seconds of 16 kHz mono ``samples``."""
    if len(samples) < SAMPLE_RATE * FRAME_SECONDS:
        return []
    levels = frame_levels(samples)
    background = np.percentile(levels, 20)
    loud = (levels > background + GATE_DB) & (levels > SILENCE_DBFS)
    return regions_from_frames(voiced_frames(samples) & loud, len(samples) / SAMPLE_RATE)


def mono_samples(path: Path) -> np.ndarray:
    """The first audio stream of ``path`` as 16 kHz mono float32 samples (the rate speech is measured at)."""
    blocks = list(stream_mono(path, SAMPLE_RATE, SAMPLE_RATE * 30))
    return np.concatenate(blocks) if blocks else np.zeros(0, np.float32)


def speech_regions(path: Path) -> list[tuple[float, float]]:
    """Speech regions of the first audio stream of ``path`` (seconds from its first sample)."""
    return detect_speech(mono_samples(path))
