"""A proxy checked against its original: what it must keep (:class:`Source`, from ffprobe: timecode, frame
timing, frame count (the frames shown: not those an edit list discards, as NLEs and ffmpeg do), audio channels,
rotation, colour tags, frame aspect) and :func:`check_proxy`, which says
what differs (for a variable-rate original every frame's timestamp, not a chosen rate)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import ffmpeg_cmd
from .errors import InputError
from .timebase import Rate
from .video.probe import probe_clip
from .video.timing import frame_times

#: ffprobe's colour fields of a video stream -> the ffmpeg output option that writes them.
COLOUR_OPTIONS = {"color_primaries": "-color_primaries", "color_transfer": "-color_trc",
                  "color_space": "-colorspace", "color_range": "-color_range"}
#: A variable-rate proxy's frames may sit this fraction of the original's frame interval off its frames.
TIMING_TOLERANCE = 0.25


@dataclass(frozen=True)
class Source:
    """What a proxy must keep of its original (from ffprobe)."""

    path: Path
    rate: Rate
    frames: int
    width: int
    height: int
    timecode: str | None
    rotation: int
    audio_channels: tuple[int, ...]
    variable_rate: bool
    colour: tuple[tuple[str, str], ...] = ()  # (ffmpeg option, value) of the colour tags the stream has


def describe(path: Path) -> Source:
    """The :class:`Source` facts of ``path`` (InputError when it is not a video with a frame)."""
    clip = probe_clip(path, shortest=0)
    info = ffmpeg_cmd.probe(clip.path)
    tc = clip.rate.timecode(clip.start_frame, clip.drop_frame) if clip.start_frame or _has_timecode(info) else None
    video = next(s for s in info["streams"] if s.get("codec_type") == "video")
    colour = tuple((option, str(video[key])) for key, option in COLOUR_OPTIONS.items()
                   if video.get(key) not in (None, "", "unknown", "unspecified", "reserved"))
    return Source(clip.path, clip.rate, len(frame_times(clip.path)) or clip.frames, clip.width, clip.height, tc,
                  clip.rotation, tuple(int(s.get("channels") or 0) for s in info["streams"]
                                          if s.get("codec_type") == "audio"), clip.variable_rate, colour)


def describe_or_error(path: Path) -> Source | InputError:
    try:
        return describe(path)
    except InputError as err:
        return err


def _has_timecode(info: dict) -> bool:
    return any("timecode" in (s.get("tags") or {}) for s in [info.get("format", {}), *info.get("streams", [])])


def timing_difference(source: Source, proxy: Path) -> str | None:
    """What differs between the frame timestamps of a variable-rate ``source`` and its ``proxy`` (each from its
    first frame), None when every frame sits within :data:`TIMING_TOLERANCE` of a frame interval of the original's."""
    ours, theirs = frame_times(source.path), frame_times(proxy)
    if len(ours) != len(theirs) or not len(ours):
        return f"{len(theirs)} timestamped frames instead of {len(ours)}"
    off = np.abs((theirs - theirs[0]) - (ours - ours[0]))
    worst = int(np.argmax(off))
    if off[worst] > TIMING_TOLERANCE / float(source.rate.fps):
        return f"frame {worst} at {theirs[worst] - theirs[0]:.4f} s instead of {ours[worst] - ours[0]:.4f} s"
    return None


def check_proxy(source: Source, proxy: Path) -> str | None:
    """None when ``proxy`` can stand in for ``source`` as an NLE matches them (frame timing: the rate, or
    every frame's timestamp for a variable-rate original; frame count, timecode, audio channels,
    rotation, frame aspect), else what differs."""
    try:
        found = describe(proxy)
    except InputError as err:
        return err.problem
    if source.variable_rate:
        if (problem := timing_difference(source, proxy)) is not None:
            return problem
    elif found.rate != source.rate:
        return f"frame rate {found.rate} instead of {source.rate}"
    if found.frames != source.frames:
        return f"{found.frames} frames instead of {source.frames}"
    if found.timecode != source.timecode:
        return f"timecode {found.timecode} instead of {source.timecode}"
    if found.audio_channels != source.audio_channels:
        return f"audio channels {list(found.audio_channels)} instead of {list(source.audio_channels)}"
    if found.rotation != source.rotation:
        return f"rotation {found.rotation} instead of {source.rotation}"
    if found.width * source.height != found.height * source.width:
        return f"frame {found.width}x{found.height} does not have the aspect of {source.width}x{source.height}"
    return None
