"""Still frames of footage for previews (JPEG bytes via ffmpeg; no GUI dependency)."""
from __future__ import annotations

import os
from pathlib import Path

from .. import ffmpeg_cmd
from ..cache import cache_root
from ..model import Clip, Shot
from ..timebase import Rate
from .cache import identity_key


def thumbnail_jpeg(path: Path, frame: int, rate: Rate, height: int = 90) -> bytes:
    """Frame ``frame`` (counted from the clip's first frame at ``rate``) scaled to ``height`` pixels, as JPEG."""
    seconds = max(0.0, (frame - 0.5) / float(rate.fps))  # the first frame at or after this time is ``frame``
    return ffmpeg_cmd.run(["-ss", f"{seconds:.6f}", "-i", str(path), "-frames:v", "1", "-vf", f"scale=-2:{height}",
                           "-q:v", "4", "-f", "image2", "-c:v", "mjpeg", "-"], path)


def shot_thumbnail(clip: Clip, shot: Shot, key: str | None = None) -> Path:
    """The shot's representative frame as a JPEG file in the user cache (written on first request,
    never beside the media); InputError when ffmpeg cannot read the frame. ``key``: the clip's
    :func:`identity_key`, when the caller has it (it reads the file's first MiB)."""
    frame = shot.thumbnail if shot.thumbnail is not None else (shot.start + shot.end) // 2
    target = cache_root() / "thumbnails" / f"{key or identity_key(clip.path)}_{frame}.jpg"
    if not target.exists():
        data = thumbnail_jpeg(clip.path, frame, clip.rate)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(data)
        os.replace(partial, target)
    return target
