"""Probe footage: rate, frame count, displayed size, start timecode, audio, and how much of it really
decodes; the container's fields read in this process (:mod:`.libav_probe`), else by ffprobe.

Clips that cannot serve as footage (a still image, a clip shorter than ``MIN_CLIP_SECONDS``, a
file name an NLE file cannot carry) raise :class:`UnusableClip`, which callers turn into a
warning and a skipped clip. A clip whose end does not decode (a truncated file) keeps the frames
that do, with a warning. Variable-frame-rate media gets the rate its timestamps show the camera
meant (:mod:`.timing`); frames are counted at that rate.
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from .. import ffmpeg_cmd
from ..errors import InputError, RunWarning, warning_kind
from ..model import AudioFormat, Clip, Shot
from ..timebase import CAMERA_RATES, Rate
from .discover import require_nameable
from .libav_probe import probe_info
from .timing import stream_timing

#: Relative difference between r_frame_rate and avg_frame_rate above which a stream counts as VFR.
VFR_TOLERANCE = 0.01
#: Shorter clips cannot fill a cut (a still image probes as one frame).
MIN_CLIP_SECONDS = 0.25
#: Demuxers of single pictures (ffprobe ``format_name``).
STILL_FORMATS = ("image2", "_pipe")
#: The end check reads the packets of the last seconds: the last must reach this close to the end.
END_CHECK_SECONDS = 2.0


class UnusableClip(InputError):
    """A file that probes but cannot be footage; callers warn and skip it."""


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


def _video_duration(video: dict, container: dict) -> float:
    """Seconds of the video stream: its own duration, else its Matroska ``DURATION`` tag
    (``HH:MM:SS.fffffffff``), else the container's (which may count a longer audio stream)."""
    if video.get("duration") not in (None, "N/A"):
        return float(video["duration"])
    tag = (video.get("tags") or {}).get("DURATION", "")
    try:
        h, m, s = tag.split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)
    except ValueError:
        pass
    return float(container["duration"]) if container.get("duration") not in (None, "N/A") else 0.0


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


def stream_info(path: Path) -> dict:
    """ffprobe's format and streams of ``path`` (see :mod:`.libav_probe`: read in this process where PyAV can,
    else by ffprobe); InputError when it is missing or unreadable."""
    return probe_info(path) or ffmpeg_cmd.probe(path)


def probe_audio(path: str | Path) -> AudioFormat | None:
    """The :func:`audio_format` of a music or footage file."""
    return audio_format(ffmpeg_cmd.probe(Path(path)))


def _decodable_frames(path: Path, video: dict, duration: float, rate: Rate) -> int:
    """How many frames the video stream really holds: where its last packet ends when the last
    seconds read to within two frames of ``duration``; else (a truncated file whose index promises
    more than its data holds) the frames that decode, counted by decoding the whole stream."""
    try:
        origin = float(video.get("start_time") or 0.0)
    except ValueError:
        origin = 0.0
    start = origin + max(0.0, duration - END_CHECK_SECONDS)
    tail = ffmpeg_cmd.probe(path, select_streams="v:0", read_intervals=f"{start:.3f}%",
                            show_entries="packet=pts_time,duration_time")
    frame = 1 / float(rate.fps)
    ends = [float(p["pts_time"]) + (frame if p.get("duration_time") in (None, "N/A") else float(p["duration_time"]))
            for p in tail.get("packets", []) if p.get("pts_time") not in (None, "N/A")]
    if ends and max(ends) - origin >= duration - 2 * frame:
        return rate.frames_in(max(ends) - origin)
    counted = ffmpeg_cmd.probe(path, select_streams="v:0", count_frames=None)
    return int(next((s.get("nb_read_frames") for s in counted.get("streams", [])), 0) or 0)


def usable_frames(path: Path, frames: int, decoded: int, rate: Rate,
                  shortest: float = MIN_CLIP_SECONDS) -> tuple[int, str | None]:
    """The frames of a clip to use when ``decoded`` of the ``frames`` its container states decode (never
    more than decode), and the problem to report (without the file name) when more than
    ``max(2, frames // 100)`` are missing: a damaged or truncated file. A smaller shortfall is the
    counts' own noise (a duration rounded up, a variable rate conformed to a standard one).

    Raises :class:`UnusableClip` when fewer frames than ``shortest`` seconds (or 2) decode; with
    ``shortest`` 0 (proxies: any clip an NLE holds) when none does.
    """
    used = min(frames, decoded)
    if used < (max(2, rate.frames_in(shortest)) if shortest > 0 else 1):
        raise UnusableClip(path, f"only {used} frame(s) of video{' decode' if decoded < frames else ''}; "
                                 f"footage needs at least {shortest:g} s")
    if decoded < frames - max(2, frames // 100):
        return used, RunWarning("damaged_footage",
                             f"only {decoded} of {frames} frames decode (damaged or truncated file); using those")
    return used, None


def probe_clip(path: str | Path, warnings: list[str] | None = None, check_end: bool = True,
               shortest: float = MIN_CLIP_SECONDS) -> Clip:
    """A :class:`Clip` for the first video stream of ``path`` (one shot spanning the clip).

    ``check_end=False`` trusts the container's frame count (for callers that decode every frame
    anyway and count what decodes, as footage analysis does). ``shortest`` is the least length
    (seconds) of footage (0: any clip with a frame, for proxies).

    Raises :class:`InputError` when the file is missing, unreadable, or has no usable video;
    :class:`UnusableClip` when it is no footage (see the module doc). Notes on what was
    conformed or cut short are appended to ``warnings``.
    """
    warnings = [] if warnings is None else warnings
    path = Path(path).absolute()
    require_nameable(path, UnusableClip)
    info = stream_info(path)
    videos = [s for s in info.get("streams", []) if s.get("codec_type") == "video"
              and not (s.get("disposition") or {}).get("attached_pic")]
    if not videos:
        raise InputError(path, "no video stream")
    video = videos[0]
    real, avg = _fraction(video.get("r_frame_rate")), _fraction(video.get("avg_frame_rate"))
    if real is None and avg is None:
        raise InputError(path, "video frame rate unknown")
    if any(f in (info.get("format") or {}).get("format_name", "") for f in STILL_FORMATS):
        raise UnusableClip(path, "a still image, not footage")
    variable = bool(real and avg and abs(real - avg) / real > VFR_TOLERANCE)
    declared = Rate.parse(real or avg)
    duration = _video_duration(video, info.get("format", {}))
    # a declared rate no camera uses (90000/3749 for 24, 179/6 for 30) is read from the timestamps too
    timing = stream_timing(path, duration, real) if variable or declared not in CAMERA_RATES else None
    odd = not variable and timing is not None and timing.rate != declared
    variable = variable or odd  # conformed to the rate the camera meant, as a variable one
    rate = timing.rate if timing else declared
    measured = (timing.average, timing.common) if timing else (float(avg or real),) * 2
    nb = video.get("nb_frames")
    frames = int(nb) if nb and str(nb).isdigit() and int(nb) > 0 and not variable else rate.frames_in(duration)
    if frames <= 0:
        raise InputError(path, "video stream has no frames")
    if variable:
        what = f"frame rate {float(declared.fps):.3f} fps, no camera's" if odd else "variable frame rate"
        warnings.append(RunWarning("variable_rate", f"{path.name}: {what} ({measured[1]:.3f} fps between "
                                f"most frames, {measured[0]:.3f} on average); conformed to {float(rate.fps):g} fps"))
    decodable = _decodable_frames(path, video, duration, rate) if duration > 0 and check_end else frames
    frames, problem = usable_frames(path, frames, decodable, rate, shortest)
    if problem:
        warnings.append(RunWarning(warning_kind(problem), f"{path.name}: {problem}"))
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
        measured_fps=round(measured[0], 3),
        common_fps=round(measured[1], 3),
        shots=[Shot(0, frames)],
        rotation=_rotation(video),
    )
