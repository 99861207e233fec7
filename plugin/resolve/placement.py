"""Exact placement through ``AppendToTimeline``: the media frames to send for each cut (pure, no Resolve).

Resolve counts ``startFrame``/``endFrame`` in the media's frames and floors the appended length into
timeline frames: ``L`` media frames at ``m`` fps on a ``t`` fps timeline span ``floor(L·t/m)`` frames.
The plan's count ``ceil(N·m/t)`` (:func:`~montage_ai.plan.selection.source_frames_for`) lands on exactly
``N`` whenever some integer can; when the media is slower than the timeline the interval
``[N·m/t, (N+1)·m/t)`` can hold no integer (23.976 on 25: ``N = 24`` needs ``L`` in ``[23.02, 23.98)``).
Such a cut is placed as consecutive pieces of the same media (a through edit: contiguous record
frames, each piece starting at the source frame that plays there in real time), each piece a length
Resolve gives exactly. Where no split exists (e.g. a 23.976 cut of an odd length under 25 frames on
a 50 fps timeline: every whole count floors to an even length there), Resolve 19.1+ takes a
fractional ``endFrame`` (README 19.1: "startFrame (float/int)") sized to land mid-frame.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from montage_ai.timebase import Rate

MAX_PIECES = 3
TAIL = 12  # the pieces after the first are short: a floored length skips at most ceil(t/m) - 1 values


@dataclass(frozen=True)
class Piece:
    """One ``AppendToTimeline`` clip of a cut: ``record`` frames after the cut's start, ``frames`` long
    on the timeline, media frames ``[start, end)`` (``end`` fractional only in the 19.1+ fallback)."""

    record: int
    frames: int
    start: int
    end: int | float


def appended_length(media_frames: int | float, media_rate: Rate, timeline_rate: Rate) -> int:
    """Timeline frames Resolve gives ``media_frames`` appended media frames (floored)."""
    return math.floor(Fraction(media_frames) * timeline_rate.fps / media_rate.fps)


def exact_count(record_frames: int, media_rate: Rate, timeline_rate: Rate) -> int | None:
    """The whole media-frame count whose appended length is exactly ``record_frames``, or None."""
    count = math.ceil(Fraction(record_frames) * media_rate.fps / timeline_rate.fps)
    return count if count > 0 and appended_length(count, media_rate, timeline_rate) == record_frames else None


def _split(frames: int, media_rate: Rate, timeline_rate: Rate, depth: int) -> list[int] | None:
    """Timeline lengths (longest first, at most ``depth``) summing to ``frames``, each one Resolve gives exactly."""
    if exact_count(frames, media_rate, timeline_rate) is not None:
        return [frames]
    for head in range(frames - 1, max(frames - 1 - TAIL, 0), -1) if depth > 1 else ():
        rest = exact_count(head, media_rate, timeline_rate) and _split(frames - head, media_rate, timeline_rate,
                                                                       depth - 1)
        if rest:
            return [head, *rest]
    return None


def place(record_frames: int, source_in: int, media_rate: Rate, timeline_rate: Rate,
          floats: bool = False) -> list[Piece] | None:
    """The pieces that put ``record_frames`` frames of media from ``source_in`` exactly on the timeline;
    fractional frames only when ``floats`` (Resolve 19.1+); None when Resolve cannot place it exactly."""
    for depth in range(1, MAX_PIECES + 1):
        lengths = _split(record_frames, media_rate, timeline_rate, depth)
        if lengths:
            out, record = [], 0
            for n in lengths:
                start = source_in + math.ceil(Fraction(record) * media_rate.fps / timeline_rate.fps)
                out.append(Piece(record, n, start, start + exact_count(n, media_rate, timeline_rate)))
                record += n
            return out
    if not floats:
        return None
    span = (record_frames + Fraction(1, 2)) * media_rate.fps / timeline_rate.fps
    return [Piece(0, record_frames, source_in, float(source_in + span))]
