"""What Resolve made, read back: the items a pushed timeline must hold (:class:`Expected`, for an OTIO import
or a clip-by-clip append), the check of a timeline's tracks against them, and the cuts placed one frame short.

Resolve frame conventions: ``TimelineItem.GetStart/GetEnd`` are absolute (the timeline's ``GetStartFrame()``
included, end exclusive); ``GetLeftOffset`` counts media frames for video, timeline frames for audio."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from montage_ai.errors import InputError
from montage_ai.timebase import Rate

from .calls import MEDIA_TYPES, as_int, call, file_path, parse_resolve_rate, resolve_rate_text
from .media_pool import path_key
from .placement import place
from .timeline_spec import Event


@dataclass(frozen=True)
class ShortCut:
    """A clip placed one frame short of its plan (the next one still on its frame): ``number`` counts the
    clips of its track from 1, record frames from the timeline start."""

    kind: str
    track: int
    number: int
    record_start: int
    frames: int
    path: Path

    def __str__(self) -> str:
        track = "V" if self.kind == "video" else "A"
        return (f"{track}{self.track} clip {self.number} ({self.path.name}) at frame {self.record_start}: "
                f"{self.frames - 1} of {self.frames} frames")


@dataclass(frozen=True)
class Expected:
    """One item the new timeline must hold: record frames ``[start, end)`` from the timeline start, media
    ``path``, and its first media frame ``source`` at ``item_rate`` (None: not checked)."""

    kind: str
    track: int
    start: int
    end: int
    path: Path
    source: int | None
    item_rate: Rate


def _left_offsets(e: Expected, rate: Rate) -> set[int]:
    """What ``GetLeftOffset`` may report for ``e``: media frames (video) or timeline frames (audio)."""
    return {e.source, e.item_rate.rescale(e.source, rate)}


def offline_count(timeline: Any) -> tuple[int, int]:
    """``(offline, total)`` items over every video and audio track (offline: no MediaPoolItem)."""
    items = [i for kind in MEDIA_TYPES for n in range(1, (call(timeline, "GetTrackCount", kind) or 0) + 1)
             for i in timeline.GetItemListInTrack(kind, n) or []]
    return sum(1 for i in items if not i.GetMediaPoolItem()), len(items)


def verify(timeline: Any, expected: list[Expected], rate: Rate, short: list[Expected] | None = None) -> str | None:
    """None when ``timeline`` holds exactly ``expected`` (rate, record frames, linked media, source in), else
    the first problem. Items are read back from the tracks: what an append returns is not proof. With a
    ``short`` list, an item ending one frame early (its start and the next item's on plan) is accepted and
    added to it."""
    actual = parse_resolve_rate(timeline.GetSetting("timelineFrameRate"))
    if actual is not None and actual != rate:
        return f"the timeline runs at {resolve_rate_text(actual)} fps, not {resolve_rate_text(rate)}"
    offline, total = offline_count(timeline)
    if offline:
        return f"{offline} of {total} clips are offline (not linked to the media pool)"
    start = as_int(timeline.GetStartFrame()) or 0
    tracks: dict[tuple[str, int], list[Expected]] = {}
    for e in expected:
        tracks.setdefault((e.kind, e.track), []).append(e)
    for (kind, track), wanted in tracks.items():
        if (call(timeline, "GetTrackCount", kind) or 0) < track:
            return f"{kind} track {track} is missing"
        items = sorted(timeline.GetItemListInTrack(kind, track) or [], key=lambda i: as_int(i.GetStart()) or 0)
        if len(items) != len(wanted):
            return f"{kind} track {track} holds {len(items)} of {len(wanted)} clips"
        for n, (item, e) in enumerate(zip(items, wanted), 1):
            where = f"{kind} track {track} clip {n} ({e.path.name})"
            placed = (as_int(item.GetStart()), as_int(item.GetEnd()))
            if short is not None and placed == (start + e.start, start + e.end - 1):
                short.append(e)
            elif placed != (start + e.start, start + e.end):
                return f"{where} sits at frames {placed}, expected {(start + e.start, start + e.end)}"
            if path_key(file_path(item.GetMediaPoolItem())) != path_key(e.path):
                return f"{where} is linked to other media"
            left = as_int(call(item, "GetLeftOffset"))
            if e.source is not None and left is not None and left not in _left_offsets(e, rate):
                return f"{where} starts at source frame {left}, expected {e.source}"
    return None


def _item_rate(e: Event, item: Any) -> Rate:
    return parse_resolve_rate(item.GetClipProperty("FPS")) or e.media_rate


def imported_items(events: list[Event], items: dict[str, Any]) -> list[Expected]:
    """What an OTIO import must give: one item per event, its in-point at the item's rate."""
    out = []
    for e in events:
        rate = _item_rate(e, items[path_key(e.path)])
        out.append(Expected(e.kind, e.track, e.record_start, e.record_end, e.path,
                            e.media_rate.rescale(e.source_in, rate), rate))
    return out


def short_cut(e: Event, events: list[Event]) -> ShortCut:
    """``e`` as a :class:`ShortCut` (numbered among the clips of its track)."""
    number = 1 + sum(1 for o in events if (o.kind, o.track) == (e.kind, e.track) and o.record_start < e.record_start)
    return ShortCut(e.kind, e.track, number, e.record_start, e.record_end - e.record_start, e.path)


def appended_items(events: list[Event], items: dict[str, Any], rate: Rate, floats: bool,
                   short: list[Event] | None = None) -> list[tuple[Expected, Any]]:
    """What to append for each event (pieces Resolve places exactly, see :mod:`.placement`) with its item;
    an event whole frames place only one frame short goes into ``short`` too; :class:`InputError` naming
    the first cut no append can place within a frame."""
    out = []
    for e in events:
        item = items[path_key(e.path)]
        item_rate = _item_rate(e, item)
        found = place(e.record_end - e.record_start, e.media_rate.rescale(e.source_in, item_rate), item_rate,
                      rate, floats)
        if found is None:
            raise InputError(e.path, f"a {e.record_end - e.record_start}-frame cut of this "
                                     f"{resolve_rate_text(item_rate)} fps media cannot be placed within a frame "
                                     f"on a {resolve_rate_text(rate)} fps timeline: remake the montage at the "
                                     "media's rate")
        if sum(p.frames for p in found) < e.record_end - e.record_start and short is not None:
            short.append(e)
        for p in found:
            out.append((Expected(e.kind, e.track, e.record_start + p.record, e.record_start + p.record + p.frames,
                                 e.path, p.start, item_rate), (item, p)))
    return out
