"""Rational frame rates, frame <-> time conversion, frames at one rate <-> frames at another, SMPTE timecode.

Every planned time in Montage AI is an integer frame count at a :class:`Rate`.
Seconds appear only inside analysis; this module is the one place that converts, as small pure
functions and :class:`Rate` methods (the way librosa keeps its unit conversions in one module).
"""
from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np


_NTSC_NOMINAL = {24, 30, 48, 60, 120}


@dataclass(frozen=True, order=True)
class Rate:
    """A frame rate as an exact fraction (``Rate.parse("23.976") == Rate(Fraction(24000, 1001))``)."""

    fps: Fraction

    def __post_init__(self) -> None:
        if self.fps <= 0:
            raise ValueError(f"frame rate must be positive, got {self.fps}")

    @classmethod
    def parse(cls, text: str | float | int | Fraction) -> "Rate":
        """Parse "24000/1001", "23.976", "29.97", "25", 30.0, Fraction(...) into an exact rate.

        Values within 0.005 fps of an NTSC rate (23.976, 29.97, 59.94, 47.952, 119.88, or an
        averaged rate such as 2997/100) map to N*1000/1001.
        """
        s = str(text).strip()
        if not s or s.count("/") > 1:
            raise ValueError(f"not a frame rate: {text!r}")
        if "/" in s:
            num, den = s.split("/", 1)
            value = Fraction(int(num), int(den))
        else:
            value = Fraction(s).limit_denominator(1001)
        nominal = round(value)
        ntsc = Fraction(nominal * 1000, 1001)
        if value != nominal and nominal in _NTSC_NOMINAL and abs(float(value - ntsc)) < 0.005:
            value = ntsc
        return cls(value)

    def __str__(self) -> str:
        return f"{self.fps.numerator}/{self.fps.denominator}"

    @property
    def nominal(self) -> int:
        """Integer timebase used for timecode labels (24 for 23.976, 30 for 29.97)."""
        return round(self.fps)

    @property
    def ntsc(self) -> bool:
        """True for the x/1001 rates (the FCP7 ``<ntsc>`` flag)."""
        return self.fps.denominator == 1001

    @property
    def drop_frame_capable(self) -> bool:
        return self.ntsc and self.nominal in (30, 60)

    def __float__(self) -> float:
        return float(self.fps)

    def frame_at(self, seconds: float | Fraction) -> int:
        """Index of the frame that contains ``seconds`` (the frame at or just before it)."""
        return math.floor(Fraction(seconds) * self.fps)

    def frames_in(self, seconds: float | Fraction) -> int:
        """Nearest whole number of frames in a duration of ``seconds``."""
        return round(Fraction(seconds) * self.fps)

    def frames_covering(self, seconds: float | Fraction) -> int:
        """Whole frames that cover a duration of ``seconds`` (the count rounded up)."""
        return math.ceil(Fraction(seconds) * self.fps)

    def inner_frames(self, start: float | Fraction, end: float | Fraction) -> tuple[int, int]:
        """``[first, last)``: the frames that lie wholly inside ``[start, end)`` seconds."""
        return math.ceil(Fraction(start) * self.fps), math.floor(Fraction(end) * self.fps)

    def seconds(self, frames: int | Fraction) -> Fraction:
        """Exact start time in seconds of frame ``frames``."""
        return Fraction(frames) / self.fps

    def rescale(self, frames: int, other: "Rate") -> int:
        """Frame at ``other`` rate that contains the start of ``frames`` at this rate: ``floor(frames·o/s)``."""
        return math.floor(Fraction(frames) * other.fps / self.fps)

    def rescale_up(self, frames: int, other: "Rate") -> int:
        """The first frame at ``other`` rate starting at or after the start of ``frames`` at this rate:
        ``ceil(frames·o/s)``; exactly ``frames`` when the rates are equal."""
        return math.ceil(Fraction(frames) * other.fps / self.fps)

    def first_rounding_to(self, frames: int, other: "Rate") -> int:
        """The first frame at ``other`` rate that a reader rounding to the nearest frame at this rate
        (frame ``floor(p·s/o + ½)`` at position ``p``, as MLT's avformat producer) shows as ``frames``, or
        as the frame after it when this rate is the faster and no position shows it; past an exact tie,
        which the reader's floating point may round down; exactly ``frames`` when the rates are equal."""
        return max(0, math.floor((Fraction(frames) - Fraction(1, 2)) * other.fps / self.fps) + 1)

    def timecode(self, frames: int, drop_frame: bool = False, wrap: bool = True) -> str:
        """SMPTE timecode label of an absolute frame number (``;`` separator when drop-frame)."""
        return frames_to_timecode(frames, self, drop_frame, wrap)

    def parse_timecode(self, tc: str) -> int:
        return timecode_to_frames(tc, self)


#: The rates a timeline takes unless the editor asks for another (``--fps``).
STANDARD_RATES = tuple(Rate.parse(r) for r in ("24000/1001", "24", "25", "30000/1001", "30", "48000/1001", "48", "50",
                                               "60000/1001", "60"))
#: The rates cameras record at: the standard ones, 15 (security and time-lapse), 100/120/240 (slow motion).
CAMERA_RATES = tuple(sorted({*STANDARD_RATES, *(Rate.parse(r) for r in ("15", "100", "120000/1001", "120",
                                                                        "240000/1001", "240"))}))


def nearest_standard(rate: Rate) -> Rate:
    """The standard timeline rate closest to ``rate`` (by ratio); a rate outside 23-61 fps is first doubled or
    halved into that range, so 15 fps gives 30, 12 gives 24 and 120 gives 60."""
    fps = rate.fps
    while fps < 23:
        fps *= 2
    while fps > 61:
        fps /= 2
    return min(STANDARD_RATES, key=lambda r: (abs(math.log(r.fps / fps)), r.fps))


def frames_to_timecode(frames: int, rate: Rate, drop_frame: bool = False, wrap: bool = True) -> str:
    """Label ``frames`` as HH:MM:SS:FF; drop-frame (29.97/59.94 only) skips labels, never frames.
    Hours wrap at 24 like a clock unless ``wrap`` is False (then 24:00:00:00 follows 23:59:59:FF)."""
    if frames < 0:
        raise ValueError("timecode of a negative frame")
    base = rate.nominal
    if drop_frame:
        if not rate.drop_frame_capable:
            raise ValueError(f"drop-frame timecode is undefined at {rate}")
        drop = base // 15  # 2 labels at 30, 4 at 60
        per_10min = base * 600 - drop * 9
        per_min = base * 60 - drop
        tens, rem = divmod(frames, per_10min)
        extra = 0 if rem < drop else drop * ((rem - drop) // per_min)
        frames = frames + drop * 9 * tens + extra
    ff = frames % base
    ss = frames // base % 60
    mm = frames // (base * 60) % 60
    hh = frames // (base * 3600) % 24 if wrap else frames // (base * 3600)
    sep = ";" if drop_frame else ":"
    return f"{hh:02d}:{mm:02d}:{ss:02d}{sep}{ff:02d}"


_TC = re.compile(r"^(\d{1,2})[:;.](\d{2})[:;.](\d{2})([:;.,])(\d{2,3})$")


def timecode_to_frames(tc: str, rate: Rate) -> int:
    """Frame number of a timecode label; a ``;`` or ``,`` before the frames marks drop-frame."""
    m = _TC.match(tc.strip())
    if not m:
        raise ValueError(f"not a timecode: {tc!r}")
    hh, mm, ss, sep, ff = m.groups()
    hh, mm, ss, ff = int(hh), int(mm), int(ss), int(ff)
    base = rate.nominal
    frames = ((hh * 60 + mm) * 60 + ss) * base + ff
    if sep in ";," and rate.drop_frame_capable:
        drop = base // 15
        total_minutes = hh * 60 + mm
        frames -= drop * (total_minutes - total_minutes // 10)
    return frames


def floored_length(media_frames: int | float | Fraction, media_rate: Rate, timeline_rate: Rate) -> int:
    """Timeline frames that ``media_frames`` frames of media at ``media_rate`` span where the length is floored
    into timeline frames, as Resolve's ``AppendToTimeline`` does: ``floor(L·t/m)``."""
    return media_rate.rescale(media_frames, timeline_rate)


def floored_lengths(media_frames: np.ndarray, rates: Sequence[Rate], which: np.ndarray, timeline_rate: Rate) -> np.ndarray:
    """:func:`floored_length` of ``media_frames[i]`` frames at ``rates[which[i]]``, for a whole array at once
    (exact, in integers; a single count is taken for every ``which``)."""
    num = np.array([timeline_rate.fps.numerator * r.fps.denominator for r in rates], dtype=np.int64)
    den = np.array([timeline_rate.fps.denominator * r.fps.numerator for r in rates], dtype=np.int64)
    return np.asarray(media_frames, dtype=np.int64) * num[which] // den[which]


def source_frames_for(record_frames: int, clip_rate: Rate, timeline_rate: Rate) -> int:
    """Media frames (at ``clip_rate``) a cut of ``record_frames`` timeline frames uses: ``ceil(N·m/t)``.

    The frames that start while the cut plays in real time, and the smallest count ``L`` whose
    Resolve-appended length ``floor(L·t/m)`` reaches ``N``; that length is exactly ``N`` whenever any
    count can give it (always when ``m ≥ t``), see docs/resolve.md § "Exact append". The one
    source-length rule of the planner, the shot picker and the dialogue track."""
    return timeline_rate.rescale_up(record_frames, clip_rate)


def floored_count(record_frames: int, media_rate: Rate, timeline_rate: Rate) -> int | None:
    """The whole media-frame count whose floored length is exactly ``record_frames``, or None when none is:
    the smallest count reaching it, ``ceil(N·m/t)``, is the only candidate."""
    count = source_frames_for(record_frames, media_rate, timeline_rate)
    return count if count > 0 and floored_length(count, media_rate, timeline_rate) == record_frames else None


#: At most this many consecutive pieces (through edits) make up one cut placed from whole media frames.
MAX_PIECES = 3
_TAIL = 12  # pieces after the first are short: a floored length skips at most ceil(t/m) - 1 values


def _split(record_frames: int, media_rate: Rate, timeline_rate: Rate, depth: int) -> list[int] | None:
    if floored_count(record_frames, media_rate, timeline_rate) is not None:
        return [record_frames]
    for head in range(record_frames - 1, max(record_frames - 1 - _TAIL, 0), -1) if depth > 1 else ():
        rest = floored_count(head, media_rate, timeline_rate) and _split(record_frames - head, media_rate,
                                                                         timeline_rate, depth - 1)
        if rest:
            return [head, *rest]
    return None


def floored_split(record_frames: int, media_rate: Rate, timeline_rate: Rate,
                  pieces: int = MAX_PIECES) -> list[int] | None:
    """Timeline lengths (longest first, as few as can be, at most ``pieces``) summing to ``record_frames``,
    each the floored length of a whole media-frame count; None when no such split exists (e.g. an odd
    length of 25 fps media on a 50 fps timeline: every whole count floors to an even length)."""
    for depth in range(1, pieces + 1):
        lengths = _split(record_frames, media_rate, timeline_rate, depth)
        if lengths:
            return lengths
    return None


def whole_frame_pieces(record_frames: int, media_rate: Rate,
                       timeline_rate: Rate) -> tuple[int, list[tuple[int, int, int, int]]] | None:
    """How whole media frames fill a cut of ``record_frames`` where lengths are floored: ``(frames, pieces)``,
    ``frames`` being ``record_frames`` when a :func:`floored_split` exists, else ``record_frames - 1`` (the
    nearest length that keeps the next cut on its frame); each piece ``(record, length, source, count)``
    starts ``record`` timeline frames into the cut at the media frame ``source`` frames after the cut's
    first one (the frame that plays there in real time) and spans ``count`` media frames (no piece: a
    one-frame cut left out). None when neither length splits."""
    for frames in (record_frames, record_frames - 1):
        lengths = floored_split(frames, media_rate, timeline_rate) if frames > 0 else []
        if lengths is not None:
            pieces, record = [], 0
            for n in lengths:
                pieces.append((record, n, timeline_rate.rescale_up(record, media_rate),
                               floored_count(n, media_rate, timeline_rate)))
                record += n
            return frames, pieces
    return None


def mid_frame_span(record_frames: int, media_rate: Rate, timeline_rate: Rate) -> Fraction:
    """Media frames (fractional) lasting ``record_frames + ½`` timeline frames: a length whose floor is
    exactly ``record_frames`` whatever the rates."""
    return (record_frames + Fraction(1, 2)) * media_rate.fps / timeline_rate.fps
