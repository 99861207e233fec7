"""WAV files written with the standard library: float samples as 16-bit PCM (isolated dialogue, the preview's
mix, the demo song)."""
from __future__ import annotations

import wave
from pathlib import Path

import numpy as np


def write_wav(path: Path, samples: np.ndarray, sr: int) -> None:
    """Write float samples in [-1, 1] (shape ``(n,)`` or ``(n, channels)``) as 16-bit PCM."""
    data = samples if samples.ndim == 2 else samples[:, None]
    with wave.open(str(path), "wb") as w:
        w.setnchannels(data.shape[1])
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes((np.clip(data, -1, 1) * 32767).astype("<i2").tobytes())
