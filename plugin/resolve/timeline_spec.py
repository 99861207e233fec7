"""What to build in Resolve, read from an OTIO timeline: its rate, clip events per track, and markers.

Record frames count from the timeline's first frame at the timeline rate. A clip's source in-point
counts media frames from the media's first frame: OTIO puts it in the space of the reference's
``available_range`` (which starts at the media's start timecode), so that start is subtracted.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import opentimelineio as otio

from montage_ai.errors import InputError
from montage_ai.model import Crop
from montage_ai.timebase import Rate

TRACK_KINDS = {otio.schema.TrackKind.Video: "video", otio.schema.TrackKind.Audio: "audio"}
#: OTIO marker colours as Resolve marker colour names (Resolve has no orange, black or white).
MARKER_COLORS = {
    otio.schema.MarkerColor.RED: "Red",
    otio.schema.MarkerColor.PINK: "Pink",
    otio.schema.MarkerColor.ORANGE: "Yellow",
    otio.schema.MarkerColor.YELLOW: "Yellow",
    otio.schema.MarkerColor.GREEN: "Green",
    otio.schema.MarkerColor.CYAN: "Cyan",
    otio.schema.MarkerColor.BLUE: "Blue",
    otio.schema.MarkerColor.PURPLE: "Purple",
    otio.schema.MarkerColor.MAGENTA: "Fuchsia",
    otio.schema.MarkerColor.BLACK: "Cocoa",
    otio.schema.MarkerColor.WHITE: "Cream",
}


@dataclass(frozen=True)
class Event:
    """One clip on ``kind`` track ``track`` (1-based): record frames ``[record_start, record_end)``,
    media ``path`` from ``source_in`` (frames at ``media_rate`` from the media's first frame)."""

    kind: str
    track: int
    path: Path
    record_start: int
    record_end: int
    source_in: int
    media_rate: Rate
    framing: tuple[tuple[str, float], ...] = ()  # TimelineItem properties of a reframed cut (item_framing)


@dataclass(frozen=True)
class MarkerSpec:
    """One Resolve marker (at most one per frame): ``frame`` from the timeline start, colour name."""

    frame: int
    color: str
    name: str
    note: str
    custom_data: str


def _frames(t: otio.opentime.RationalTime, rate: float) -> int:
    return round(t.value_rescaled_to(rate))


def media_path(url: str) -> Path:
    """A plain filesystem path for an OTIO ``target_url`` (plain path or ``file://`` URL)."""
    parsed = urlparse(url)
    if parsed.scheme != "file":
        return Path(url)
    unc = f"//{parsed.netloc}" if parsed.netloc not in ("", "localhost") else ""
    return Path(url2pathname(unc + parsed.path))


def resolve_shaped(timeline: otio.schema.Timeline, name: str) -> otio.schema.Timeline:
    """A copy shaped like Resolve's own OTIO export: the timeline ``name``, bare paths (``file://`` URLs
    converted), tracks named ``Video 1``/``Audio 1``...; source ranges stay in ``available_range`` space."""
    copy = timeline.deepcopy()
    copy.name = name
    counts = dict.fromkeys(TRACK_KINDS.values(), 0)
    for track in copy.tracks:
        kind = TRACK_KINDS.get(track.kind)
        if kind:
            counts[kind] += 1
            track.name = f"{kind.capitalize()} {counts[kind]}"
    for clip in copy.find_clips():
        clip.media_reference.target_url = str(media_path(clip.media_reference.target_url))
    return copy


def timeline_rate(timeline: otio.schema.Timeline) -> Rate:
    """The timeline rate: Montage AI's metadata, else the start time's rate, else the first track's."""
    fps = (timeline.metadata.get("montage_ai") or {}).get("fps")
    if fps:
        return Rate.parse(fps)
    if timeline.global_start_time is not None:
        return Rate.parse(timeline.global_start_time.rate)
    if len(timeline.tracks):
        return Rate.parse(timeline.tracks[0].duration().rate)
    raise InputError(None, f"timeline {timeline.name!r} has no tracks")


def timeline_size(timeline: otio.schema.Timeline) -> tuple[int, int] | None:
    """The frame size Montage AI's metadata gives the timeline (None without it)."""
    meta = timeline.metadata.get("montage_ai") or {}
    return (int(meta["width"]), int(meta["height"])) if "width" in meta and "height" in meta else None


def item_framing(crop: dict, size: tuple[int, int], record_frames: int) -> tuple[tuple[str, float], ...]:
    """A cut's crop (OTIO metadata, docs/nle.md) as Resolve's Zoom and Pan/Tilt: one value per item (the
    API sets no keyframes), the window at the middle frame of the cut's ``record_frames``. Resolve fits the
    source into the timeline ("Scale entire image to fit"), so Zoom is the crop's scale over that fit;
    Pan/Tilt move the picture's centre in timeline pixels (Pan right, Tilt up)."""
    width, height = size
    src_w, src_h = crop["source_size"]
    window = Crop(crop["width"], crop["height"], tuple((int(f), x, y) for f, x, y in crop["keys"]))
    x, y, w, h = window.window(record_frames / 2)
    scale = width / w
    zoom = scale / min(width / src_w, height / src_h)
    pan = (src_w / 2 - x - w / 2) * scale
    tilt = -(src_h / 2 - y - h / 2) * scale
    return (("ZoomX", round(zoom, 4)), ("ZoomY", round(zoom, 4)), ("Pan", round(pan, 2)), ("Tilt", round(tilt, 2)))


def _event(clip: otio.schema.Clip, kind: str, track: int, rate: float,
           size: tuple[int, int] | None = None) -> Event:
    ref = clip.media_reference
    if not isinstance(ref, otio.schema.ExternalReference) or not ref.target_url:
        raise InputError(None, f"clip {clip.name!r} has no media file reference; only file-based clips can be pushed")
    placed = clip.range_in_parent()
    source = clip.source_range or clip.trimmed_range()
    avail = ref.available_range
    media_rate = (avail or source).start_time.rate
    offset = _frames(avail.start_time, media_rate) if avail else 0
    crop = (clip.metadata.get("montage_ai") or {}).get("crop")
    record_start, record_end = _frames(placed.start_time, rate), _frames(placed.end_time_exclusive(), rate)
    return Event(kind, track, media_path(ref.target_url), record_start, record_end,
                 _frames(source.start_time, media_rate) - offset, Rate.parse(media_rate),
                 item_framing(crop, size, record_end - record_start) if crop and size else ())


def clip_events(timeline: otio.schema.Timeline) -> list[Event]:
    """Every clip of every video and audio track (gaps skipped), tracks numbered per kind from 1."""
    rate = float(timeline_rate(timeline).fps)
    size = timeline_size(timeline)
    counts = dict.fromkeys(TRACK_KINDS.values(), 0)
    events: list[Event] = []
    for track in timeline.tracks:
        kind = TRACK_KINDS.get(track.kind)
        if kind is None:
            continue
        counts[kind] += 1
        events += [_event(c, kind, counts[kind], rate, size) for c in track if isinstance(c, otio.schema.Clip)]
    return events


def _kind(marker: otio.schema.Marker) -> str:
    return str((marker.metadata.get("montage_ai") or {}).get("kind", "marker"))


def marker_specs(timeline: otio.schema.Timeline) -> list[MarkerSpec]:
    """Timeline markers merged per frame (Resolve keeps one per frame); a phase marker leads its frame."""
    rate = float(timeline_rate(timeline).fps)
    by_frame: dict[int, list[otio.schema.Marker]] = {}
    for m in timeline.tracks.markers:
        by_frame.setdefault(_frames(m.marked_range.start_time, rate), []).append(m)
    specs = []
    for frame, group in sorted(by_frame.items()):
        group.sort(key=lambda m: _kind(m) != "phase")
        specs.append(MarkerSpec(
            frame=frame, color=MARKER_COLORS.get(group[0].color, "Blue"),
            name=" / ".join(m.name for m in group),
            note="; ".join(f"{m.name} ({_kind(m)})" for m in group),
            custom_data=json.dumps({"montage_ai": [{"name": m.name, "kind": _kind(m)} for m in group]})))
    return specs
