"""Push an OTIO timeline into the open Resolve project as a new timeline.

Route 1 imports the OTIO file (``MediaPool.ImportTimelineFromFile``) against the pool's own items and
verifies the result; when Resolve refuses or the result differs, that timeline is deleted and route 2
builds it with ``CreateEmptyTimeline`` + ``AppendToTimeline``. Markers are added last.

Resolve frame conventions used here: ``recordFrame`` and ``TimelineItem.GetStart/GetEnd`` are absolute
(the timeline's ``GetStartFrame()`` included, end exclusive); ``startFrame``/``endFrame`` count frames of
the media from its first frame at the rate Resolve reports for the item (``"FPS"``), end exclusive;
``Timeline.AddMarker`` frames are relative to the timeline start. Resolve returns None/False instead of
raising, so every call is checked; on failure everything created is removed again.
"""
from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import opentimelineio as otio

from montage_ai.errors import InputError
from montage_ai.timebase import Rate

from .connect import Session
from .media_pool import all_folders, index_by_path, path_key
from .timeline_spec import Event, MarkerSpec, clip_events, marker_specs, media_path, timeline_rate

ROUTE_IMPORT = "import"
ROUTE_APPEND = "append"
MEDIA_TYPES = {"video": 1, "audio": 2}


@dataclass
class PushResult:
    """The timeline created, how (``"import"`` or ``"append"``), and what the user should know."""

    timeline: Any
    name: str
    route: str
    clips: int
    markers: int
    imported_media: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def resolve_rate_text(rate: Rate) -> str:
    """A rate as Resolve's project setting spells it: ``"23.976"``, ``"25"``, ``"29.97"``."""
    return f"{float(rate.fps):.3f}".rstrip("0").rstrip(".")


def parse_resolve_rate(text: Any) -> Rate | None:
    """``"23.976"``, ``"29.97 DF"``, ``24.0`` -> Rate; None when empty or unreadable."""
    words = str(text or "").split()
    try:
        return Rate.parse(words[0]) if words else None
    except (ValueError, ZeroDivisionError):
        return None


def unique_timeline_name(project: Any, base: str) -> str:
    """``base``, or ``base 2``, ``base 3``... when the project already has a timeline of that name."""
    timelines = (project.GetTimelineByIndex(i) for i in range(1, (project.GetTimelineCount() or 0) + 1))
    names = {t.GetName() for t in timelines if t}
    n, name = 1, base
    while name in names:
        n += 1
        name = f"{base} {n}"
    return name


def _file_path(item: Any) -> str:
    return str(item.GetClipProperty("File Path") or "")


def _as_int(value: Any) -> int | None:
    return None if value is None else round(float(value))


def verify(timeline: Any, events: list[Event], rate: Rate) -> str | None:
    """None when ``timeline`` holds exactly ``events`` (rate, placement, linked media), else the first problem."""
    actual = parse_resolve_rate(timeline.GetSetting("timelineFrameRate"))
    if actual is not None and actual != rate:
        return f"the timeline runs at {resolve_rate_text(actual)} fps, not {resolve_rate_text(rate)}"
    start = _as_int(timeline.GetStartFrame()) or 0
    tracks: dict[tuple[str, int], list[Event]] = {}
    for e in events:
        tracks.setdefault((e.kind, e.track), []).append(e)
    for (kind, track), wanted in tracks.items():
        if (timeline.GetTrackCount(kind) or 0) < track:
            return f"{kind} track {track} is missing"
        items = sorted(timeline.GetItemListInTrack(kind, track) or [], key=lambda i: _as_int(i.GetStart()) or 0)
        if len(items) != len(wanted):
            return f"{kind} track {track} holds {len(items)} of {len(wanted)} clips"
        for n, (item, e) in enumerate(zip(items, wanted), 1):
            where = f"{kind} track {track} clip {n} ({e.path.name})"
            placed = (_as_int(item.GetStart()), _as_int(item.GetEnd()))
            if placed != (start + e.record_start, start + e.record_end):
                return f"{where} sits at frames {placed}, expected {(start + e.record_start, start + e.record_end)}"
            media = item.GetMediaPoolItem()
            if not media or path_key(_file_path(media)) != path_key(e.path):
                return f"{where} is offline or linked to other media"
            left = _as_int(item.GetLeftOffset()) if kind == "video" and e.media_rate == rate else None
            if left is not None and left != e.source_in:
                return f"{where} starts at source frame {left}, expected {e.source_in}"
    return None


def _clip_info(e: Event, item: Any, rate: Rate, start: int) -> dict:
    """``AppendToTimeline`` clipInfo: media frames at the item's own rate, absolute record frame."""
    item_rate = parse_resolve_rate(item.GetClipProperty("FPS")) or e.media_rate
    first = e.media_rate.rescale(e.source_in, item_rate)
    count = math.ceil(Fraction(e.record_end - e.record_start) * item_rate.fps / rate.fps)
    return {"mediaPoolItem": item, "startFrame": first, "endFrame": first + count,
            "mediaType": MEDIA_TYPES[e.kind], "trackIndex": e.track, "recordFrame": start + e.record_start}


class _Push:
    """One push: remembers what it changed so a failure can undo it."""

    def __init__(self, session: Session, rate: Rate, events: list[Event]) -> None:
        self.session, self.rate, self.events = session, rate, events
        self.pool = session.media_pool
        self.notes: list[str] = []
        self.imported: list[Any] = []
        self.created: Any = None
        self.previous_rate: str | None = None
        self.previous_timeline = session.project.GetCurrentTimeline()

    def match_project_rate(self) -> None:
        """Never retime: set the project rate only while it has no timelines, else refuse on a mismatch."""
        project, wanted = self.session.project, resolve_rate_text(self.rate)
        current_text = project.GetSetting("timelineFrameRate")
        current = parse_resolve_rate(current_text)
        if current == self.rate:
            return
        if project.GetTimelineCount() != 0:
            have = resolve_rate_text(current) if current else str(current_text or "unknown")
            raise InputError(None, f"the montage runs at {wanted} fps but the Resolve project's timeline frame rate "
                                   f"is {have} and the project already has timelines; Montage AI never retimes cuts: "
                                   f"remake the montage with --fps {have} or push into a new project")
        if not project.SetSetting("timelineFrameRate", wanted) or \
                parse_resolve_rate(project.GetSetting("timelineFrameRate")) != self.rate:
            raise InputError(None, f"Resolve refused to set the project's timeline frame rate to {wanted}: set it in "
                                   "Project Settings > Master Settings, then push again")
        self.previous_rate = str(current_text or "")
        self.notes.append(f"set the project's timeline frame rate to {wanted} (the project had no timelines)")

    def media_items(self, given: dict | None) -> dict[str, Any]:
        """Pool items by :func:`path_key` for every event: ``given``, else found in the pool, else imported."""
        items = {path_key(p): item for p, item in (given or {}).items()}
        missing = {path_key(e.path): e.path for e in self.events if path_key(e.path) not in items}
        if missing:
            pool = index_by_path(self.pool)
            items.update({k: pool[k] for k in missing if k in pool})
            missing = {k: p for k, p in missing.items() if k not in items}
        if not missing:
            return items
        for path in missing.values():
            if not path.is_file():
                raise InputError(path, "media file not found and not in the Resolve media pool: "
                                       "relink or restore it, then push again")
        self.imported = list(self.pool.ImportMedia([str(p) for p in missing.values()]) or [])
        new = {path_key(_file_path(i)): i for i in self.imported}
        for key, path in missing.items():
            if key not in new:
                raise InputError(path, "DaVinci Resolve could not import this media file")
            items[key] = new[key]
        return items

    def import_otio(self, timeline: otio.schema.Timeline, name: str) -> Any:
        """Route 1: the imported, verified timeline, or None (a failed import is deleted again)."""
        copy = timeline.deepcopy()
        copy.name = name
        for clip in copy.find_clips():
            clip.media_reference.target_url = str(media_path(clip.media_reference.target_url))
        with tempfile.TemporaryDirectory(prefix="montage-ai-resolve-") as tmp:
            path = Path(tmp) / "montage.otio"
            otio.adapters.write_to_file(copy, str(path), adapter_name="otio_json")
            imported = self.pool.ImportTimelineFromFile(str(path), {
                "timelineName": name, "importSourceClips": False, "sourceClipsFolders": all_folders(self.pool)})
        if not imported:
            self.notes.append("Resolve did not import the OTIO file; built the timeline clip by clip instead")
            return None
        self.created = imported
        problem = verify(imported, self.events, self.rate)
        if problem is None:
            return imported
        self._delete_created()
        self.notes.append(f"the imported timeline was off ({problem}); rebuilt it clip by clip instead")
        return None

    def append(self, name: str, items: dict[str, Any]) -> Any:
        """Route 2: an empty timeline, the clips appended at absolute record frames."""
        timeline = self.pool.CreateEmptyTimeline(name)
        if not timeline:
            raise InputError(None, f"DaVinci Resolve could not create a timeline named {name!r}")
        self.created = timeline
        if not self.session.project.SetCurrentTimeline(timeline):
            raise InputError(None, "DaVinci Resolve could not switch to the new timeline")
        for kind in MEDIA_TYPES:
            need = max((e.track for e in self.events if e.kind == kind), default=0)
            while (timeline.GetTrackCount(kind) or 0) < need:
                added = timeline.AddTrack(kind, "stereo") if kind == "audio" else timeline.AddTrack(kind)
                if not added:
                    raise InputError(None, f"DaVinci Resolve could not add {kind} track {need}")
        start = _as_int(timeline.GetStartFrame()) or 0
        infos = [_clip_info(e, items[path_key(e.path)], self.rate, start) for e in self.events]
        placed = self.pool.AppendToTimeline(infos) or []
        if len(placed) != len(infos):
            raise InputError(None, f"DaVinci Resolve placed {len(placed)} of {len(infos)} clips on the timeline")
        problem = verify(timeline, self.events, self.rate)
        if problem:
            self.notes.append(f"check the timeline: {problem}")
        return timeline

    def add_markers(self, timeline: Any, specs: list[MarkerSpec]) -> int:
        """Markers by frame from the timeline start; one already at a frame (e.g. imported) is replaced."""
        existing = {_as_int(f) for f in (timeline.GetMarkers() or {})}
        added = 0
        for m in specs:
            if m.frame in existing and not timeline.DeleteMarkerAtFrame(m.frame):
                self.notes.append(f"kept Resolve's marker at frame {m.frame} instead of {m.name!r}")
            elif timeline.AddMarker(m.frame, m.color, m.name, m.note, 1, m.custom_data):
                added += 1
            else:
                self.notes.append(f"DaVinci Resolve refused the marker {m.name!r} at frame {m.frame}")
        return added

    def _delete_created(self) -> None:
        created, self.created = self.created, None
        if created and not self.pool.DeleteTimelines([created]):
            raise InputError(None, f"DaVinci Resolve could not delete the unfinished timeline {created.GetName()!r}: "
                                   "delete it by hand")

    def undo(self) -> list[str]:
        """Undo what this push changed; what could not be undone, for the user to do by hand."""
        project, left = self.session.project, []
        if self.created and not self.pool.DeleteTimelines([self.created]):
            left.append(f"delete the timeline {self.created.GetName()!r}")
        if self.imported and not self.pool.DeleteClips(self.imported):
            left.append(f"delete the {len(self.imported)} media clips just imported")
        if self.previous_rate is not None and not project.SetSetting("timelineFrameRate", self.previous_rate):
            left.append(f"set the project frame rate back to {self.previous_rate}")
        if self.previous_timeline and not project.SetCurrentTimeline(self.previous_timeline):
            left.append(f"reopen the timeline {self.previous_timeline.GetName()!r}")
        return left


def push_timeline(session: Session, timeline: otio.schema.Timeline, name: str | None = None,
                  media_items: dict[str | Path, Any] | None = None) -> PushResult:
    """Create ``timeline`` in the open project as a new timeline called ``name`` (made unique).

    ``media_items`` maps media paths to MediaPoolItems to use; other media is looked up in the pool
    and imported when absent. Raises :class:`InputError` (with nothing left behind) when it cannot.
    """
    events = clip_events(timeline)
    if not events:
        raise InputError(None, f"timeline {timeline.name!r} has no clips to push")
    push = _Push(session, timeline_rate(timeline), events)
    try:
        push.match_project_rate()
        items = push.media_items(media_items)
        title = unique_timeline_name(session.project, name or timeline.name or "Montage AI")
        route, created = ROUTE_IMPORT, push.import_otio(timeline, title)
        if created is None:
            route, created = ROUTE_APPEND, push.append(title, items)
        elif not session.project.SetCurrentTimeline(created):
            push.notes.append("open the new timeline from the media pool (Resolve did not switch to it)")
        markers = push.add_markers(created, marker_specs(timeline))
    except BaseException as err:
        left = push.undo()
        if left and isinstance(err, InputError):
            raise InputError(err.path, f"{err.problem}; also, by hand: {', '.join(left)}") from None
        raise
    return PushResult(timeline=created, name=str(created.GetName() or title), route=route, clips=len(events),
                      markers=markers, imported_media=[Path(_file_path(i)) for i in push.imported], notes=push.notes)
