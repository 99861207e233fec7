"""What a format module declares (:class:`Format`), and what its readers compare against (:class:`Expected`).

A format is one module of this package: its writer, the readers that re-read the file with code we did
not write, the sync check of what the cut list does not show, and a ``FORMAT`` that names them; the
package collects the ``FORMAT`` of every module into ``FORMATS``. Heavy libraries (OpenTimelineIO,
pycmx) are imported inside the functions that use them, so naming the formats loads none of them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..model import Plan
from ..timebase import Rate

#: In which unit a reader reports source in-points: clip frames, EDL (timeline-rate) timecode frames,
#: timeline-grid frames from the media start (FCP7 clipitems), or the same grid rounded as MLT's
#: avformat producer rounds (MLT, Kdenlive entries).
CLIP, EDL, GRID, MLT = "clip", "edl", "grid", "mlt"


class NotWritten(Exception):
    """This format cannot carry this plan; the message says why, in one line."""


def require_single_rate(plan: Plan, why: str) -> None:
    """Raise :class:`NotWritten` when footage in ``plan`` runs at another rate than the timeline;
    ``why`` says what the format cannot do."""
    others = sorted({str(c.rate) for c in plan.clips if c.rate != plan.rate})
    if others:
        raise NotWritten(f"the edit mixes frame rates (timeline {plan.rate} fps, footage at {', '.join(others)} fps) "
                         f"and {why}; import montage.xml, montage.otio or montage.kdenlive instead")


@dataclass(frozen=True)
class Expected:
    """What report.json says: per cut ``(record_start, record_end, source_path, source_in at clip rate)``;
    per cut the source timecode an EDL carries and the in-point on the timeline grid (FCP7, MLT)."""

    rate: Rate
    start_tc: int
    cuts: list[tuple[int, int, str, int]]
    edl_source_in: list[int]
    grid_source_in: list[int]
    mlt_source_in: list[int] = field(default_factory=list)
    frames: int = 0
    music_in: int = 0
    music_path: str = ""
    outputs: list[str] = field(default_factory=list)
    source_out: list[int] = field(default_factory=list)
    reframed: bool = False  # a set of make --aspects with crop windows


#: A read function returns, per cut, ``(record_start, record_end, name_or_path, source_in or None)``.
Cuts = list[tuple[int, int, str, "int | None"]]


@dataclass(frozen=True)
class Reader:
    """A reader of a format's file: ``label`` (who reads, in ``validate``'s table), ``read(path, expected)``
    the cuts it finds, and the ``unit`` of their source in-points (:data:`CLIP`, :data:`EDL`, :data:`GRID`,
    :data:`MLT`)."""

    label: str
    read: Callable[[Path, Expected], Cuts]
    unit: str


@dataclass(frozen=True)
class SyncCheck:
    """What the cut list does not show (the music's place and in-point, start timecode, out-points):
    ``check(path, expected)`` gives the problems found, ``label`` who looked."""

    label: str
    check: Callable[[Path, Expected], list[str]]


@dataclass(frozen=True)
class Format:
    """One export: ``name`` (``--formats``), the ``file_name`` it writes, ``write(plan, path)`` (may return
    the files written; raises :class:`NotWritten` when the format cannot carry the plan), its
    ``readers`` and ``sync`` check (``validate``), and whether ``make`` writes it by ``default``."""

    name: str
    file_name: str
    write: Callable[[Plan, Path], "list[Path] | None"]
    readers: tuple[Reader, ...]
    sync: SyncCheck | None = None
    default: bool = True


def music_problems(record: tuple[int, int], source_in: int, path: str | None, exp: Expected) -> list[str]:
    """The music's place on the timeline and its in-point (timeline frames) against the report."""
    problems = []
    if record != (0, exp.frames):
        problems.append(f"music on record {record[0]}-{record[1]}, planned 0-{exp.frames}")
    if source_in != exp.music_in:
        problems.append(f"music starts at its frame {source_in}, planned {exp.music_in} (out of sync)")
    if path and path != exp.music_path:
        problems.append(f"music {path!r}, planned {exp.music_path!r}")
    return problems
