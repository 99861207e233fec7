"""Still frames of footage for previews (JPEG bytes via ffmpeg; no GUI dependency)."""
from __future__ import annotations

from pathlib import Path

from .. import ffmpeg_cmd
from ..timebase import Rate


def thumbnail_jpeg(path: Path, frame: int, rate: Rate, height: int = 90) -> bytes:
    """Frame ``frame`` (counted from the clip's first frame at ``rate``) scaled to ``height`` pixels, as JPEG."""
    seconds = max(0.0, (frame - 0.5) / float(rate.fps))  # the first frame at or after this time is ``frame``
    return ffmpeg_cmd.run(["-ss", f"{seconds:.6f}", "-i", str(path), "-frames:v", "1", "-vf", f"scale=-2:{height}",
                           "-q:v", "4", "-f", "image2", "-c:v", "mjpeg", "-"], path)
