"""Exact placement through ``AppendToTimeline``: the media frames to send for each cut (pure, no Resolve).

Resolve counts ``startFrame``/``endFrame`` in the media's frames and floors the appended length into
timeline frames (:func:`~montage_ai.timebase.floored_length`). The plan's count ``ceil(N·m/t)`` lands on
exactly ``N`` whenever some integer can; when the media is slower than the timeline the interval
``[N·m/t, (N+1)·m/t)`` can hold no integer (23.976 on 25: ``N = 24`` needs ``L`` in ``[23.02, 23.98)``).
Such a cut is placed as consecutive pieces of the same media (a through edit: contiguous record
frames, each piece starting at the source frame that plays there in real time), each piece a length
Resolve gives exactly (:func:`~montage_ai.timebase.floored_split`). Where no split exists (e.g. an odd
length of 25 fps media on a 50 fps timeline), a build listed in :data:`FRACTIONS_HONOURED` gets a
fractional ``endFrame`` sized to land mid-frame; any other build gets the nearest whole-frame length,
one frame short, so the next cut still starts on its frame (what a build does with a fraction is not
measured: it may floor it, docs/resolve.md § "Fractional endFrame").
"""
from __future__ import annotations

from dataclasses import dataclass

from montage_ai.timebase import Rate, mid_frame_span, whole_frame_pieces

#: Resolve versions (prefixes of ``GetVersion()``) measured to place a fractional ``endFrame`` as its exact
#: real-time length; empty until measured on a real build (docs/resolve.md § "Fractional endFrame").
FRACTIONS_HONOURED: tuple[tuple[int, ...], ...] = ()


@dataclass(frozen=True)
class Piece:
    """One ``AppendToTimeline`` clip of a cut: ``record`` frames after the cut's start, ``frames`` long
    on the timeline, media frames ``[start, end)`` (``end`` fractional only on builds that honour it)."""

    record: int
    frames: int
    start: int
    end: int | float


def honours_fractions(version: tuple[int, ...]) -> bool:
    """Whether ``version`` is a build measured to keep a fractional ``endFrame`` (:data:`FRACTIONS_HONOURED`)."""
    return any(version[:len(v)] == v for v in FRACTIONS_HONOURED)


def place(record_frames: int, source_in: int, media_rate: Rate, timeline_rate: Rate,
          floats: bool = False) -> list[Piece] | None:
    """The pieces that put ``record_frames`` frames of media from ``source_in`` on the timeline: exactly when
    whole frames can (or, with ``floats``, a fractional end can), else ``record_frames - 1`` frames (the
    pieces then sum to one frame less); None when neither is possible."""
    found = whole_frame_pieces(record_frames, media_rate, timeline_rate)
    if floats and (found is None or found[0] != record_frames):
        return [Piece(0, record_frames, source_in,
                      float(source_in + mid_frame_span(record_frames, media_rate, timeline_rate)))]
    if found is None:
        return None
    return [Piece(record, n, source_in + offset, source_in + offset + count) for record, n, offset, count in found[1]]
