"""Rational frame rates, frame <-> time conversion and SMPTE timecode.

Every planned time in Montage AI is an integer frame count at a :class:`Rate`.
Seconds appear only inside analysis; this module is the one place that converts.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

import opentimelineio as otio

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

    def inner_frames(self, start: float | Fraction, end: float | Fraction) -> tuple[int, int]:
        """``[first, last)``: the frames that lie wholly inside ``[start, end)`` seconds."""
        return math.ceil(Fraction(start) * self.fps), math.floor(Fraction(end) * self.fps)

    def seconds(self, frames: int | Fraction) -> Fraction:
        """Exact start time in seconds of frame ``frames``."""
        return Fraction(frames) / self.fps

    def rescale(self, frames: int, other: "Rate") -> int:
        """Frame at ``other`` rate that contains the start of ``frames`` at this rate."""
        return math.floor(Fraction(frames) * other.fps / self.fps)

    def rational_time(self, frames: int | float) -> otio.opentime.RationalTime:
        return otio.opentime.RationalTime(frames, float(self.fps))

    def timecode(self, frames: int, drop_frame: bool = False, wrap: bool = True) -> str:
        """SMPTE timecode label of an absolute frame number (``;`` separator when drop-frame)."""
        return frames_to_timecode(frames, self, drop_frame, wrap)

    def parse_timecode(self, tc: str) -> int:
        return timecode_to_frames(tc, self)


#: The rates a timeline takes unless the editor asks for another (``--fps``).
STANDARD_RATES = tuple(Rate.parse(r) for r in ("24000/1001", "24", "25", "30000/1001", "30", "48000/1001", "48", "50",
                                               "60000/1001", "60"))


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
