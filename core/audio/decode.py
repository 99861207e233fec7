"""Decode any audio ffmpeg reads (WAV, MP3, AAC/M4A, FLAC, video soundtracks) to mono float32."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .. import ffmpeg_cmd
from ..errors import InputError

ANALYSIS_RATE = 22050


#: The longest music analysed (seconds): a header that claims more is damaged or the file is no song.
MAX_SECONDS = 4 * 3600


def require_audio(path: Path) -> float:
    """InputError unless ``path`` is a media file with an audio stream of at most :data:`MAX_SECONDS`;
    its duration in seconds as the container states it (0 when it does not)."""
    info = ffmpeg_cmd.probe(path)
    if not any(s.get("codec_type") == "audio" for s in info.get("streams", [])):
        raise InputError(path, "no audio stream")
    try:
        seconds = float(info.get("format", {}).get("duration") or 0)
    except ValueError:
        seconds = 0.0
    if seconds > MAX_SECONDS:
        raise InputError(path, f"the file says it holds {seconds / 3600:.1f} hours of audio; music up to "
                               f"{MAX_SECONDS // 3600} hours is analysed (a damaged header, or trim the file)")
    return seconds


def stream_mono(path: Path, sample_rate: int, block: int) -> Iterator[np.ndarray]:
    """Samples of ``path`` as mono float32 at ``sample_rate``, ``block`` samples at a time (the last
    block may be shorter).

    ffmpeg applies the container's priming/padding information (LAME gapless header, MP4 edit
    lists), so sample 0 is the first sample an NLE plays.
    """
    args = ["-i", str(path), "-vn", "-map", "0:a:0", "-ac", "1", "-ar", str(sample_rate), "-f", "f32le", "-"]
    for data in ffmpeg_cmd.stream(args, path, 4 * block):  # full blocks until the last
        if usable := len(data) - len(data) % 4:
            yield np.frombuffer(data[:usable], dtype="<f4")
