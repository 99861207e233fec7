"""ffprobe's answer for a footage file, read in this process by PyAV: no ffprobe process per file.

:mod:`.probe` reads ffprobe's JSON (format and streams); a short clip costs less to analyse than the
ffprobe process takes to start (~70 ms), so :func:`probe_info` fills the same fields from PyAV, which
links the same FFmpeg libraries: the container's format name, duration and start; each stream's kind,
disposition and tags; the video's rates, duration, frame count, size and start, and its rotation (the
display matrix, which PyAV shows on decoded frames only, so the first frame is decoded); the audio's
codec, channels, rate, sample format and depth. Only the fields :mod:`.probe` reads are filled.

It returns None where PyAV is missing, cannot open the file or decode its first frame, or cannot tell a
lossless audio stream's depth (FLAC or ALAC decoded to 32-bit samples may hold 24): the caller runs
ffprobe then, which also words the error.
"""
from __future__ import annotations

import contextlib
import re
from fractions import Fraction
from pathlib import Path

from .libav import av, open_video

#: Packets of the first video stream read, at most, for its first decoded frame (the rotation).
FIRST_FRAME_PACKETS = 64


def _seconds(value: int | None, base) -> str | None:
    return None if value is None or base is None else f"{float(value * base):.6f}"


def _rate(value) -> str | None:
    return f"{value.numerator}/{value.denominator}" if value else None


def _first_frame(container, stream):
    """The first decoded frame of ``stream``, or None when none decodes in :data:`FIRST_FRAME_PACKETS` packets."""
    for k, packet in enumerate(container.demux(stream)):
        frames = packet.decode()
        if frames:
            return frames[0]
        if k >= FIRST_FRAME_PACKETS:
            return None
    return None


def _average_rate(stream) -> str | None:
    """The stream's average frame rate as ffprobe gives it; None where PyAV's FFmpeg reports the stream's clock
    instead (a raw DV stream: 60000/1 against 25 frames a second), which would make a steady clip variable."""
    base, average = stream.base_rate, stream.average_rate
    if average and base and average > 2 * base:
        return None
    return _rate(average)


def _audio_bits(name: str, sample_format: str) -> dict | None:
    """ffprobe's depth fields of an audio codec: the PCM codecs up to 24 bits name theirs; None for a
    lossless codec whose name and decoded samples do not tell (32-bit PCM, FLAC/ALAC in 32-bit samples, which
    may hold 24)."""
    pcm = re.fullmatch(r"pcm_[a-z]*?(\d+)[a-z]*", name)
    if pcm and int(pcm.group(1)) < 32:
        return {"bits_per_sample": int(pcm.group(1)), "bits_per_raw_sample": pcm.group(1)}
    if name.startswith(("pcm_", "flac", "alac")):
        bits = {"s16": 16, "u8": 8}.get(sample_format.rstrip("p"))
        return {"bits_per_raw_sample": str(bits)} if bits else None
    return {}


def probe_info(path: Path) -> dict | None:
    """The ffprobe JSON fields :mod:`.probe` reads, for ``path``; None when ffprobe must answer (see the module doc)."""
    container = open_video(path)
    if container is None:
        return None
    with contextlib.closing(container):
        try:
            return _info(container)
        except (av.error.FFmpegError, ValueError):
            return None


def _info(container) -> dict | None:
    streams, main = [], None
    for stream in container.streams:
        entry = {"codec_type": stream.type, "tags": dict(stream.metadata),
                 "disposition": {"attached_pic": int(bool(stream.disposition & av.stream.Disposition.attached_pic))}}
        context = stream.codec_context if stream.type in ("video", "audio") else None
        if stream.type in ("video", "audio") and context is None:  # no decoder in PyAV's FFmpeg for it
            return None
        if stream.type == "video":
            entry.update({"r_frame_rate": _rate(stream.base_rate), "avg_frame_rate": _average_rate(stream),
                          "duration": _seconds(stream.duration, stream.time_base),
                          "start_time": _seconds(stream.start_time, stream.time_base),
                          "nb_frames": str(stream.frames) if stream.frames > 0 else None,
                          "width": context.width, "height": context.height})
        elif stream.type == "audio":
            name, sample_format = context.codec.canonical_name, context.format.name if context.format else ""
            bits = _audio_bits(name, sample_format)
            if bits is None:
                return None
            entry.update({"codec_name": name, "channels": context.channels, "sample_rate": context.sample_rate,
                          "sample_fmt": sample_format, **bits})
        streams.append({k: v for k, v in entry.items() if v is not None})
        if main is None and stream.type == "video" and not entry["disposition"]["attached_pic"]:
            main = stream, streams[-1]
    if main is not None:
        frame = _first_frame(container, main[0])
        if frame is None:
            return None
        main[1]["side_data_list"] = [{"rotation": frame.rotation}] if frame.rotation else []
    unit = Fraction(1, av.time_base)
    form = {"format_name": container.format.name, "duration": _seconds(container.duration, unit),
            "start_time": _seconds(container.start_time, unit), "tags": dict(container.metadata)}  # MXF/DV timecode
    return {"format": {k: v for k, v in form.items() if v is not None}, "streams": streams}
