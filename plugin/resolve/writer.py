"""Push an OTIO timeline into the open Resolve project as a new timeline.

Route ``append`` (default) builds it with ``CreateEmptyTimeline`` + ``AppendToTimeline``, choosing media
frames Resolve floors onto exactly the planned record frames (:mod:`.placement`), and reads every item
back. Route ``import`` first imports the OTIO file (``MediaPool.ImportTimelineFromFile``) and verifies it
(offline items included); when Resolve refuses or the result differs, that timeline is deleted (renamed
when Resolve refuses the delete) and the append builds it. Markers are added last.

Resolve frame conventions used here: ``recordFrame`` and ``TimelineItem.GetStart/GetEnd`` are absolute
(the timeline's ``GetStartFrame()`` included, end exclusive); ``startFrame``/``endFrame`` count frames of
the media from its first frame at the rate Resolve reports for the item (``"FPS"``), end exclusive;
``Timeline.AddMarker`` frames are relative to the timeline start. Resolve returns None/False instead of
raising, so every call is checked; on failure everything created is removed again.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import opentimelineio as otio

from montage_ai.errors import InputError
from montage_ai.timebase import Rate

from .calls import MEDIA_TYPES, as_int, call, file_path, parse_resolve_rate, resolve_rate_text, resolve_version
from .connect import Session
from .finishing import add_markers, frame_items
from .media_pool import all_folders, index_by_path, path_key
from .placement import Piece, honours_fractions
from .timeline_spec import Event, clip_events, marker_specs, resolve_shaped, timeline_rate, timeline_size
from .verify import Expected, ShortCut, appended_items, imported_items, short_cut, verify
from .versions import unique_timeline_name

ROUTE_IMPORT = "import"
ROUTE_APPEND = "append"


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
    short: list["ShortCut"] = field(default_factory=list)
    previous_rate: str | None = None  # the project's frame rate before the push changed it
    previous_size: tuple[str, str] | None = None  # the project's timeline resolution before the push changed it


def _clip_info(e: Expected, item: Any, piece: Piece, start: int, end_shift: int) -> dict:
    """``AppendToTimeline`` clipInfo: media frames at the item's own rate, absolute record frame."""
    return {"mediaPoolItem": item, "startFrame": piece.start, "endFrame": piece.end - end_shift,
            "mediaType": MEDIA_TYPES[e.kind], "trackIndex": e.track, "recordFrame": start + e.start}


class _Push:
    """One push: remembers what it changed so a failure can undo it."""

    def __init__(self, session: Session, rate: Rate, events: list[Event]) -> None:
        self.session, self.rate, self.events = session, rate, events
        self.pool = session.media_pool
        self.version = resolve_version(session.resolve)
        self.notes: list[str] = []
        self.imported: list[Any] = []
        self.created: Any = None
        self.previous_rate: str | None = None
        self.previous_size: tuple[str, str] | None = None
        self.previous_timeline = session.project.GetCurrentTimeline()
        self.short: list[ShortCut] = []

    def check_version(self) -> None:
        """Placing clips at chosen frames needs ``trackIndex``/``recordFrame`` (README 18.5)."""
        if self.version and self.version < (18, 5):
            raise InputError(None, f"DaVinci Resolve {'.'.join(map(str, self.version))} cannot place clips at "
                                   "chosen frames from a script (needs 18.5 or later): update Resolve, or import "
                                   "montage.xml / montage.otio by hand (File > Import > Timeline)")

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

    def match_resolution(self, size: tuple[int, int] | None) -> None:
        """The set's frame size as the project's timeline resolution when the project's aspect ratio differs
        (a 9:16 set into a 16:9 project; a 1080p set into a UHD project changes nothing), set before the
        timeline is made (Resolve keeps one resolution per project; the previous one comes back on undo)."""
        if size is None:
            return
        project = self.session.project
        keys = ("timelineResolutionWidth", "timelineResolutionHeight")
        before = tuple(str(project.GetSetting(k) or "") for k in keys)
        width, height = (int(v) if v.isdigit() else 0 for v in before)
        if width and height and width * size[1] == height * size[0]:  # the same aspect ratio: nothing to change
            return
        self.previous_size = before  # before the calls: a width accepted and a height refused is undone too
        if not all(project.SetSetting(k, str(v)) for k, v in zip(keys, size)):
            raise InputError(None, f"Resolve refused the timeline resolution {size[0]}x{size[1]}: set it in Project "
                                   "Settings > Master Settings, then push again")
        self.notes.append(f"set the project's timeline resolution to {size[0]}x{size[1]} (was {'x'.join(before)})")

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
        new = {path_key(file_path(i)): i for i in self.imported}
        for key, path in missing.items():
            if key not in new:
                raise InputError(path, "DaVinci Resolve could not import this media file")
            items[key] = new[key]
        return items

    def import_otio(self, timeline: otio.schema.Timeline, name: str, items: dict[str, Any]) -> Any:
        """Route ``import``: the imported, verified timeline, or None (the failed import removed, or renamed
        when Resolve refuses to delete it, and said so)."""
        if self.version and self.version < (18, 6, 5):
            self.notes.append("this Resolve version imports no OTIO (18.6.5 or later); built the timeline clip by "
                              "clip instead")
            return None
        copy = resolve_shaped(timeline, name)
        with tempfile.TemporaryDirectory(prefix="montage-ai-resolve-") as tmp:
            path = Path(tmp) / "montage.otio"
            otio.adapters.write_to_file(copy, str(path), adapter_name="otio_json")
            imported = self.pool.ImportTimelineFromFile(str(path), {
                "timelineName": name, "importSourceClips": False, "sourceClipsFolders": all_folders(self.pool)})
        if not imported:
            self.notes.append("Resolve did not import the OTIO file; built the timeline clip by clip instead")
            return None
        self.created = imported
        found: list[Expected] = []
        problem = verify(imported, imported_items(self.events, items), self.rate, found)
        if problem is None:
            self.short = self._short_cuts([], found)
            return imported
        kept = self._discard(f"{name} (failed import)")
        self.notes.append(f"the imported timeline was off ({problem}); built it clip by clip instead" +
                          (f"; Resolve refused to delete the failed import, renamed it {kept!r}: delete it by hand"
                           if kept else ""))
        return None

    def append(self, name: str, items: dict[str, Any]) -> Any:
        """Route ``append``: an empty timeline, the clips appended at absolute record frames and verified.
        ``endFrame`` is exclusive on the builds measured; one build family was reported to count it
        inclusive, so a mismatch is tried once more that way before failing."""
        short: list[Event] = []
        floats = self.version >= (19, 1) and honours_fractions(self.version)
        planned = appended_items(self.events, items, self.rate, floats, short)
        expected = [e for e, _ in planned]
        problems = []
        for end_shift in (0, 1):
            timeline = self._new_timeline(name)
            start = as_int(timeline.GetStartFrame()) or 0
            self.pool.AppendToTimeline([_clip_info(e, item, p, start, end_shift) for e, (item, p) in planned])
            found: list[Expected] = []
            problem = verify(timeline, expected, self.rate, found)
            cuts = self._short_cuts(short, found) if problem is None else None
            if cuts is not None:
                self.short = cuts
                return timeline
            problem = problem or "a clip planned one frame short was placed shorter still"
            problems.append(problem)
            if self._discard(f"{name} (unfinished)"):
                break
        raise InputError(None, f"DaVinci Resolve did not place the clips exactly ({problems[0]})")

    def _short_cuts(self, planned: list[Event], found: list[Expected]) -> list[ShortCut] | None:
        """The cuts placed one frame short: those planned so and those Resolve shortened by itself; None when
        Resolve shortened one planned short (two frames off)."""
        shortened = {e for x in found for e in self.events if (e.kind, e.track) == (x.kind, x.track)
                     and e.record_start <= x.start < e.record_end}
        if shortened & set(planned):
            return None
        return sorted((short_cut(e, self.events) for e in {*planned, *shortened}),
                      key=lambda c: (c.kind, c.track, c.record_start))

    def _new_timeline(self, name: str) -> Any:
        timeline = self.pool.CreateEmptyTimeline(name)
        if not timeline:
            raise InputError(None, f"DaVinci Resolve could not create a timeline named {name!r}")
        self.created = timeline
        if not self.session.project.SetCurrentTimeline(timeline):
            raise InputError(None, "DaVinci Resolve could not switch to the new timeline")
        for kind in MEDIA_TYPES:
            need = max((e.track for e in self.events if e.kind == kind), default=0)
            while (call(timeline, "GetTrackCount", kind) or 0) < need:
                added = call(timeline, "AddTrack", *((kind, "stereo") if kind == "audio" else (kind,)))
                if not added:
                    raise InputError(None, f"DaVinci Resolve could not add {kind} track {need}")
        return timeline

    def _discard(self, rename: str) -> str | None:
        """Delete the timeline this push created; when Resolve refuses, rename it to ``rename`` (unique) and
        return that name; :class:`InputError` when it can do neither."""
        created, self.created = self.created, None
        if self.pool.DeleteTimelines([created]):
            return None
        kept = unique_timeline_name(self.session.project, rename)
        if call(created, "SetName", kept):
            return kept
        self.created = created
        raise InputError(None, f"DaVinci Resolve could neither delete nor rename the unfinished timeline "
                               f"{created.GetName()!r}")

    def undo(self) -> list[str]:
        """Undo what this push changed; what could not be undone, for the user to do by hand."""
        project, left = self.session.project, []
        if self.created:
            try:
                kept = self._discard(f"{self.created.GetName()} (unfinished)")
            except InputError:
                kept = self.created.GetName()
            if kept:
                left.append(f"delete the timeline {kept!r}")
        if self.imported and not self.pool.DeleteClips(self.imported):
            left.append(f"delete the {len(self.imported)} media clips just imported")
        if self.previous_rate is not None and not project.SetSetting("timelineFrameRate", self.previous_rate):
            left.append(f"set the project frame rate back to {self.previous_rate}")
        if self.previous_size is not None and not all(
                project.SetSetting(k, v) for k, v in zip(("timelineResolutionWidth", "timelineResolutionHeight"),
                                                         self.previous_size)):
            left.append(f"set the project's timeline resolution back to {'x'.join(self.previous_size)}")
        if self.previous_timeline and not project.SetCurrentTimeline(self.previous_timeline):
            left.append(f"reopen the timeline {self.previous_timeline.GetName()!r}")
        return left


def push_timeline(session: Session, timeline: otio.schema.Timeline, name: str | None = None,
                  media_items: dict[str | Path, Any] | None = None, route: str = ROUTE_APPEND) -> PushResult:
    """Create ``timeline`` in the open project as a new timeline called ``name`` (a new version when taken:
    ``name v2``, ``name v3``...).

    ``media_items`` maps media paths to MediaPoolItems to use; other media is looked up in the pool
    and imported when absent. ``route`` ``"import"`` tries the OTIO import first (falling back to the
    append); ``"append"`` (default) builds clip by clip. Raises :class:`InputError` (with nothing left
    behind) when it cannot.
    """
    events = clip_events(timeline)
    if not events:
        raise InputError(None, f"timeline {timeline.name!r} has no clips to push")
    push = _Push(session, timeline_rate(timeline), events)
    try:
        push.check_version()
        push.match_project_rate()
        push.match_resolution(timeline_size(timeline))
        items = push.media_items(media_items)
        title = unique_timeline_name(session.project, name or timeline.name or "Montage AI")
        created = push.import_otio(timeline, title, items) if route == ROUTE_IMPORT else None
        if created is None:
            route = ROUTE_APPEND
            created = push.append(unique_timeline_name(session.project, title), items)
        elif not session.project.SetCurrentTimeline(created):
            push.notes.append("open the new timeline from the media pool (Resolve did not switch to it)")
        frame_items(created, events, push.notes)
        markers = add_markers(created, marker_specs(timeline), push.notes)
    except BaseException as err:
        left = push.undo()
        if left and isinstance(err, InputError):
            raise InputError(err.path, f"{err.problem}; also, by hand: {', '.join(left)}") from None
        raise
    return PushResult(timeline=created, name=str(created.GetName() or title), route=route, clips=len(events),
                      markers=markers, imported_media=[Path(file_path(i)) for i in push.imported], notes=push.notes,
                      short=push.short, previous_rate=push.previous_rate,
                      previous_size=push.previous_size)
