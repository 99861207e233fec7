"""The plan model: what flows through the pipeline once, from analysis to every exporter.

Analysis results (:class:`Music`, :class:`Clip`, :class:`Shot`) carry seconds where they
describe signals; a planned :class:`Cut` is integer frames only. Exporters read, never write.
"""
from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from .timebase import Rate


class Phase(str, enum.Enum):
    """Story-arc phase; the montage walks them in this order."""

    INTRO = "INTRO"
    BUILD = "BUILD"
    CLIMAX = "CLIMAX"
    SUSTAIN = "SUSTAIN"
    OUTRO = "OUTRO"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Section:
    """A stretch of music (seconds) with its arc phase and relative energy in [0, 1]."""

    start: float
    end: float
    phase: Phase
    energy: float


@dataclass(frozen=True)
class AudioFormat:
    """An audio stream as probed: channel count, sample rate (Hz) and bits per sample."""

    channels: int = 2
    sample_rate: int = 48000
    bits: int = 16


@dataclass
class Music:
    """Result of music analysis. Times are seconds in the file as an NLE plays it."""

    path: Path
    duration: float
    sample_rate: int
    tempo_bpm: float
    beats: list[float]
    downbeats: list[float]
    sections: list[Section]
    energy_times: list[float] = field(default_factory=list)
    energy: list[float] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    beats_per_bar: int = 4
    #: What the editor set in place of the analysis: ``tempo_hint`` (BPM), ``beats_per_bar``.
    overrides: dict[str, float] = field(default_factory=dict)
    beat_engine: str = "dsp"  # which tracker found the beats and bars (audio.hints.BEAT_ENGINES)
    audio: AudioFormat | None = None  # the file's stream as NLEs see it (probed by the pipeline)

    @property
    def has_beats(self) -> bool:
        return len(self.beats) >= 2


@dataclass(frozen=True)
class Shot:
    """A continuous stretch of one clip, in the clip's own frames ``[start, end)``.

    Scores come from footage analysis (:mod:`montage_ai.video.scores`); the defaults describe an
    unanalysed shot. ``motion``, ``quality``, ``subject_motion``, ``shake``, ``sharpness`` and
    ``exposure`` are 0..1; ``camera_motion`` is frame widths per second of global shift; ``black``
    and ``frozen`` are fractions of the shot's frames; ``flashes`` counts flash frames.
    ``window`` / ``active_window`` are the best ``[start, end)`` ranges for a short cut: the
    sharpest, best exposed and steadiest one, and the best one with the most motion.
    """

    start: int
    end: int
    motion: float = 0.0
    quality: float = 1.0
    camera_motion: float = 0.0
    subject_motion: float = 0.0
    shake: float = 0.0
    sharpness: float = 1.0
    exposure: float = 1.0
    black: float = 0.0
    frozen: float = 0.0
    flashes: int = 0
    thumbnail: int | None = None
    window: tuple[int, int] | None = None
    active_window: tuple[int, int] | None = None

    @property
    def frames(self) -> int:
        return self.end - self.start

    def scores(self) -> dict[str, float]:
        """The 0..1 scores and fractions, rounded for reports."""
        names = ("motion", "quality", "camera_motion", "subject_motion", "shake", "sharpness", "exposure", "black",
                 "frozen")
        return {n: round(float(getattr(self, n)), 3) for n in names}


@dataclass(frozen=True)
class Clip:
    """A piece of source footage as probed.

    ``start_frame`` is the clip's embedded start timecode as a frame number at ``rate``;
    all other frame numbers of the clip count from its first frame (0).
    """

    path: Path
    rate: Rate
    frames: int
    width: int
    height: int
    start_frame: int = 0
    drop_frame: bool = False
    has_audio: bool = False
    variable_rate: bool = False
    shots: list[Shot] = field(default_factory=list)
    rotation: int = 0  # degrees players turn the picture by (90 and 270 swap width and height)
    audio: AudioFormat | None = None  # the first audio stream, when ``has_audio``
    marks: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # "black"/"flash"/"frozen" -> [start, end)
    #: speech regions (s): an analysis result (``Inputs.speech``) given to the clips a plan is made of when
    #: dialogue is on, never filled in afterwards
    speech: tuple[tuple[float, float], ...] = ()
    measured_fps: float = 0.0  # frames per second the file delivers on average (0: not measured)
    common_fps: float = 0.0  # 1 / the interval between most frames (``rate`` is chosen from it when variable)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def duration(self) -> float:
        return float(self.rate.seconds(self.frames))

    @property
    def display_size(self) -> tuple[int, int]:
        """``(width, height)`` as players show it (turned by ``rotation``)."""
        return (self.height, self.width) if self.rotation % 180 == 90 else (self.width, self.height)


@dataclass(frozen=True)
class Cut:
    """One event on the video track.

    ``record_*`` are timeline frames ``[start, end)`` from the timeline's first frame (0);
    ``source_*`` are frames of ``clip`` at the clip's own rate ``[in, out)``, counted from its first frame.
    ``beat_time`` is the music time (seconds) of the beat the cut starts on. ``shot`` indexes
    ``clip.shots`` (the shot the source range lies in); ``why`` says why it was chosen (scores);
    ``dissolve`` the length (timeline frames) of a dissolve from the previous cut, centred on
    ``record_start`` (0 = hard cut). ``tags`` are the editor's tags on the source range (selects, folders,
    markers, keywords...), ``range_source`` where that range came from ("whole clip" without selects).
    """

    index: int
    clip: Clip
    source_in: int
    source_out: int
    record_start: int
    record_end: int
    beat_time: float
    phase: Phase
    on_beat: bool = True
    shot: int | None = None
    why: dict = field(default_factory=dict, compare=False)
    dissolve: int = 0
    tags: tuple[str, ...] = ()
    range_source: str = ""

    @property
    def record_frames(self) -> int:
        return self.record_end - self.record_start

    def source_in_at(self, rate: Rate) -> int:
        """The in-point on ``rate``'s frame grid (source seconds x rate): the first grid frame at or
        after the start of source frame ``source_in``; exactly ``source_in`` when the clip runs at ``rate``.
        Premiere and Resolve read in-points of FCP7 clipitems on the timeline's grid (MLT rounds:
        :meth:`source_in_nearest`)."""
        return self.clip.rate.rescale_up(self.source_in, rate)

    def source_in_nearest(self, rate: Rate) -> int:
        """The in-point on ``rate``'s grid for readers that round to the nearest source frame, as MLT's
        avformat producer does (source frame = floor(position / fps x clip fps + 0.5)): the first grid
        position showing ``source_in``, or the frame after it when the clip has more frames per second
        than ``rate`` and no position shows it. Exactly ``source_in`` when the clip runs at ``rate``."""
        return self.clip.rate.first_rounding_to(self.source_in, rate)


@dataclass(frozen=True)
class Aspect:
    """A deliverable's shape, ``width``:``height`` in lowest terms (16:9, 9:16, 1:1, 4:5)."""

    width: int
    height: int

    @property
    def name(self) -> str:
        return f"{self.width}:{self.height}"

    @property
    def folder(self) -> str:
        """The sub-folder an aspect's export set goes to when it is not the first (``9x16``)."""
        return f"{self.width}x{self.height}"

    @property
    def ratio(self) -> Fraction:
        return Fraction(self.width, self.height)

    @classmethod
    def of(cls, width: int, height: int) -> Aspect:
        g = math.gcd(width, height) or 1
        return cls(width // g, height // g)


#: The shapes a deliverable can take (``make --aspects``), each other than the first in its own sub-folder.
ASPECTS: tuple[Aspect, ...] = (Aspect(16, 9), Aspect(9, 16), Aspect(1, 1), Aspect(4, 5))


@dataclass(frozen=True)
class Crop:
    """The part of a cut's source picture a reframed deliverable shows: a window of ``width`` x
    ``height`` source pixels (the displayed orientation, rotation applied) whose top-left corner follows
    ``keys``, ``(frame, left, top)`` with ``frame`` in timeline frames from the cut's first frame,
    linear between keys and held before the first and after the last. Always inside the source."""

    width: float
    height: float
    keys: tuple[tuple[int, float, float], ...]

    def window(self, frame: float) -> tuple[float, float, float, float]:
        """``(left, top, width, height)`` in source pixels at timeline frame ``frame`` of the cut."""
        keys = self.keys
        if frame <= keys[0][0]:
            return keys[0][1], keys[0][2], self.width, self.height
        for (f0, x0, y0), (f1, x1, y1) in zip(keys, keys[1:]):
            if frame <= f1:
                u = (frame - f0) / (f1 - f0)
                return x0 + (x1 - x0) * u, y0 + (y1 - y0) * u, self.width, self.height
        return keys[-1][1], keys[-1][2], self.width, self.height


@dataclass(frozen=True)
class DialogueEvent:
    """A stretch of a cut's own sound on the dialogue track (A2): timeline frames ``[record_start,
    record_end)`` playing ``path`` from ``source_in`` (frames at ``rate`` from the file's first sample).
    ``path`` is the clip itself, or its isolated voice when isolation passed its checks."""

    cut: int
    record_start: int
    record_end: int
    path: Path
    source_in: int
    rate: Rate

    @property
    def record_frames(self) -> int:
        return self.record_end - self.record_start


@dataclass(frozen=True)
class Marker:
    """A timeline marker at ``frame`` (timeline frames from 0)."""

    frame: int
    name: str
    kind: str  # "phase" or "downbeat"
    phase: Phase


@dataclass(frozen=True)
class Plan:
    """The montage: cuts on a timeline at ``rate``, over music starting at ``music_in`` (timeline-rate frames).
    Made once by the planner and never changed: what a run adds (warnings of the other steps, stage timings,
    voice isolation) goes into its :class:`Run` beside it. ``warnings``: the planner's own."""

    name: str
    rate: Rate
    music: Music
    music_in: int
    frames: int
    cuts: list[Cut]
    markers: list[Marker]
    style: str
    start_timecode: int = 0
    drop_frame: bool = False
    seed: int = 0
    warnings: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)  # the arc over the timeline's music range
    width: int = 1920  # output frame size of every export (and, scaled, the preview)
    height: int = 1080
    dialogue_mode: str = "off"  # off, keep or isolate (--dialogue)
    dialogue: list[DialogueEvent] = field(default_factory=list)  # the A2 track, in timeline order
    #: The deliverable's shape ("" = the frame size's own) and, when reframed for it, each cut's
    #: :class:`Crop` (None: the clip fills the frame as it is); no crops = every clip fitted, as always.
    aspect: str = ""
    crops: tuple[Crop | None, ...] = ()

    @property
    def aspect_name(self) -> str:
        """The aspect report.json names: the reframed one, else the frame size's (16:9 for 1920x1080)."""
        return self.aspect or Aspect.of(self.width, self.height).name

    def crop(self, cut: Cut) -> Crop | None:
        """The crop of ``cut`` in this deliverable, None when the clip is shown whole."""
        return self.crops[cut.index] if self.crops else None

    @property
    def clips(self) -> list[Clip]:
        """Distinct clips used, in order of first use."""
        seen: dict[Path, Clip] = {}
        for cut in self.cuts:
            seen.setdefault(cut.clip.path, cut.clip)
        return list(seen.values())

    @property
    def music_start_time(self) -> float:
        """Music time (seconds) at the timeline's first frame."""
        return float(self.rate.seconds(self.music_in))


@dataclass(frozen=True)
class Run:
    """What a run recorded beside its plan (which stays as the planner made it): every warning of the run so
    far (analysis, selects, planning; writing adds voice isolation's to its report), the stage timings
    (seconds) and the details of the plan's making for the reports (director, directive, selects, refine)."""

    warnings: tuple[str, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)
    details: dict = field(default_factory=dict)
