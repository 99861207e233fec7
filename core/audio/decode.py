"""Decode any audio ffmpeg reads (WAV, MP3, AAC/M4A, FLAC, video soundtracks) to mono float32."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import ffmpeg_cmd
from ..errors import InputError

ANALYSIS_RATE = 22050


def require_audio(path: Path) -> None:
    """InputError unless ``path`` is a media file with an audio stream."""
    if not any(s.get("codec_type") == "audio" for s in ffmpeg_cmd.probe(path).get("streams", [])):
        raise InputError(path, "no audio stream")


def decode_mono(path: Path, sample_rate: int = ANALYSIS_RATE) -> np.ndarray:
    """Samples of ``path`` as mono float32 at ``sample_rate``.

    ffmpeg applies the container's priming/padding information (LAME gapless header, MP4 edit
    lists), so sample 0 is the first sample an NLE plays.
    """
    raw = ffmpeg_cmd.run(["-i", str(path), "-vn", "-map", "0:a:0", "-ac", "1", "-ar", str(sample_rate),
                          "-f", "f32le", "-"], path)
    samples = np.frombuffer(raw, dtype="<f4")
    if samples.size == 0:
        raise InputError(path, "audio stream decodes to no samples")
    return samples
