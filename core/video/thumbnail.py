"""Still frames of footage for previews (JPEG bytes via ffmpeg; no GUI dependency), and the one disk
cache of them (the user cache dir, never beside the media) that ``analyze-footage --thumbnails`` and
the panel share."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from .. import ffmpeg_cmd
from ..cache import cache_root
from ..model import Clip, Shot
from ..output import write_atomic
from ..timebase import Rate
from .cache import identity_key

#: Height in pixels of a thumbnail when the caller names none.
HEIGHT = 90


def thumbnail_jpeg(path: Path, frame: int, rate: Rate, height: int = HEIGHT) -> bytes:
    """Frame ``frame`` (counted from the clip's first frame at ``rate``) scaled to ``height`` pixels, as JPEG."""
    seconds = max(0.0, (frame - 0.5) / float(rate.fps))  # the first frame at or after this time is ``frame``
    return ffmpeg_cmd.run(["-ss", f"{seconds:.6f}", "-i", str(path), "-frames:v", "1", "-vf", f"scale=-2:{height}",
                           "-q:v", "4", "-f", "image2", "-c:v", "mjpeg", "-"], path)


def thumbnail_folder() -> Path:
    """``thumbnails`` in the user cache dir (``$MONTAGE_AI_CACHE_DIR`` or the platform's)."""
    return cache_root() / "thumbnails"


def thumbnail_file(path: Path, frame: int, height: int = HEIGHT, key: str | None = None) -> Path:
    """Where the thumbnail of ``frame`` of ``path`` at ``height`` pixels is kept: named by the file's
    :func:`identity_key` (``key``, when the caller has it: it reads the file's first MiB), so an edited
    or replaced file gets new thumbnails. OSError when the file cannot be read."""
    return thumbnail_folder() / f"{key or identity_key(path)}_{frame}_{height}.jpg"


def cached_thumbnail(path: Path, frame: int, rate: Rate, height: int = HEIGHT, key: str | None = None) -> Path:
    """The JPEG file of :func:`thumbnail_jpeg`, made and kept on first request (see :func:`thumbnail_file`);
    InputError when ffmpeg cannot read the frame, OSError when the file or the cache cannot be read or written."""
    target = thumbnail_file(path, frame, height, key)
    if not target.exists():
        data = thumbnail_jpeg(path, frame, rate, height)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, data)
    return target


def thumbnail_bytes(path: Path, frame: int, rate: Rate, height: int = HEIGHT,
                    key: Callable[[Path], str] = identity_key) -> bytes:
    """The JPEG of :func:`cached_thumbnail` (``key``: how the file's identity key is found, e.g. remembered
    per file); made all the same and not kept when the file's identity or the cache cannot be read or
    written. InputError when ffmpeg cannot read the frame."""
    try:
        return cached_thumbnail(path, frame, rate, height, key(path)).read_bytes()
    except OSError:
        return thumbnail_jpeg(path, frame, rate, height)


def shot_thumbnail(clip: Clip, shot: Shot, key: str | None = None) -> Path:
    """The shot's representative frame as a cached JPEG file (:func:`cached_thumbnail`); ``key``: the
    clip's :func:`identity_key`, when the caller has it."""
    frame = shot.thumbnail if shot.thumbnail is not None else (shot.start + shot.end) // 2
    return cached_thumbnail(clip.path, frame, clip.rate, key=key)
