"""Probe footage with ffprobe: rate, frame count, size, start timecode, audio."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from .. import ffmpeg_cmd
from ..errors import InputError
from ..model import AudioFormat, Clip, Shot
from ..timebase import Rate

#: Relative difference between r_frame_rate and avg_frame_rate above which a stream counts as VFR.
VFR_TOLERANCE = 0.01


def _fraction(text: str | None) -> Fraction | None:
    try:
        value = Fraction(text) if text else None
    except (ValueError, ZeroDivisionError):
        return None
    return value if value and value > 0 else None


def _start_timecode(info: dict, video: dict) -> str | None:
    candidates = [video, info.get("format", {})] + [s for s in info.get("streams", []) if s.get("codec_type") == "data"]
    for source in candidates:
        tc = (source.get("tags") or {}).get("timecode")
        if tc:
            return tc
    return None


def _rotation(video: dict) -> int:
    """Degrees players turn the picture by (display matrix, else the older ``rotate`` tag), 0..359."""
    for data in video.get("side_data_list") or []:
        if "rotation" in data:
            return round(float(data["rotation"])) % 360
    try:
        return round(float((video.get("tags") or {}).get("rotate", 0))) % 360
    except ValueError:
        return 0


#: Bits per sample of ffmpeg's decoded sample formats, for codecs that do not state their own depth (AAC, MP3).
_SAMPLE_FMT_BITS = {"u8": 8, "s16": 16, "s32": 32, "flt": 32, "dbl": 64, "s64": 64}


def audio_format(info: dict) -> AudioFormat | None:
    """Channels, sample rate and depth of the first audio stream in ffprobe's ``info``; None without audio.
    The depth is the codec's own (PCM, FLAC, ALAC), else 16 for lossy codecs, whose decoders output float."""
    stream = next((s for s in info.get("streams", []) if s.get("codec_type") == "audio"), None)
    if stream is None:
        return None
    bits = int(stream.get("bits_per_raw_sample") or 0) or int(stream.get("bits_per_sample") or 0)
    lossless = stream.get("codec_name", "").startswith(("pcm_", "flac", "alac"))
    if not bits and lossless:
        bits = _SAMPLE_FMT_BITS.get(str(stream.get("sample_fmt", "")).rstrip("p"), 0)
    return AudioFormat(channels=int(stream.get("channels") or 2), sample_rate=int(stream.get("sample_rate") or 48000),
                       bits=bits or 16)


def probe_audio(path: str | Path) -> AudioFormat | None:
    """The :func:`audio_format` of a music or footage file."""
    return audio_format(ffmpeg_cmd.probe(Path(path)))


def probe_clip(path: str | Path) -> Clip:
    """A :class:`Clip` for the first video stream of ``path`` (one shot spanning the clip).

    Raises :class:`InputError` when the file is missing, unreadable, or has no usable video.
    """
    path = Path(path).resolve()
    info = ffmpeg_cmd.probe(path)
    videos = [s for s in info.get("streams", []) if s.get("codec_type") == "video"
              and not (s.get("disposition") or {}).get("attached_pic")]
    if not videos:
        raise InputError(path, "no video stream")
    video = videos[0]
    real, avg = _fraction(video.get("r_frame_rate")), _fraction(video.get("avg_frame_rate"))
    if real is None and avg is None:
        raise InputError(path, "video frame rate unknown")
    variable = bool(real and avg and abs(real - avg) / real > VFR_TOLERANCE)
    rate = Rate.parse(avg if variable or real is None else real)
    duration = next((float(src["duration"]) for src in (video, info.get("format", {}))
                     if src.get("duration") not in (None, "N/A")), 0.0)
    nb = video.get("nb_frames")
    frames = int(nb) if nb and str(nb).isdigit() and int(nb) > 0 else rate.frames_in(duration)
    if frames <= 0:
        raise InputError(path, "video stream has no frames")
    tc = _start_timecode(info, video)
    try:
        start = rate.parse_timecode(tc) if tc else 0
    except ValueError:
        start = 0
    return Clip(
        path=path,
        rate=rate,
        frames=frames,
        width=int(video.get("width") or 0),
        height=int(video.get("height") or 0),
        start_frame=start,
        drop_frame=bool(tc and ";" in tc and rate.drop_frame_capable),
        has_audio=any(s.get("codec_type") == "audio" for s in info.get("streams", [])),
        audio=audio_format(info),
        variable_rate=variable,
        shots=[Shot(0, frames)],
        rotation=_rotation(video),
    )
