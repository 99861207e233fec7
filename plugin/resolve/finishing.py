"""What a push adds to the timeline it has built and verified: the plan's markers, and each reframed cut's
Zoom and Pan/Tilt. Neither is undone on its own: a failure here is said in the push's notes."""
from __future__ import annotations

from typing import Any

from .calls import as_int, call
from .timeline_spec import Event, MarkerSpec


def frame_items(timeline: Any, events: list[Event], notes: list[str]) -> None:
    """Each reframed cut's Zoom and Pan/Tilt on its video items (one value per item: the API sets no
    keyframes; the window at the cut's middle). A property Resolve refuses is said in ``notes``."""
    framed = [e for e in events if e.kind == "video" and e.framing]
    if not framed:  # not a reframed set: no call to make
        return
    items = sorted(timeline.GetItemListInTrack("video", 1) or [], key=lambda i: as_int(i.GetStart()) or 0)
    start = as_int(timeline.GetStartFrame()) or 0
    refused = 0
    for e in framed:
        for item in items:
            if start + e.record_start <= (as_int(item.GetStart()) or 0) < start + e.record_end:
                refused += sum(1 for k, v in e.framing if not call(item, "SetProperty", k, v))
    if refused:
        notes.append(f"Resolve refused {refused} Zoom/Pan/Tilt values; the crops are in montage.otio's clip metadata")


def add_markers(timeline: Any, specs: list[MarkerSpec], notes: list[str]) -> int:
    """Markers by frame from the timeline start (one already at a frame, e.g. imported, is replaced); how many
    were added. A marker Resolve refuses or keeps is said in ``notes``."""
    existing = {as_int(f) for f in (timeline.GetMarkers() or {})}
    added = 0
    for m in specs:
        if m.frame in existing and not timeline.DeleteMarkerAtFrame(m.frame):
            notes.append(f"kept Resolve's marker at frame {m.frame} instead of {m.name!r}")
        elif timeline.AddMarker(m.frame, m.color, m.name, m.note, 1, m.custom_data):
            added += 1
        else:
            notes.append(f"DaVinci Resolve refused the marker {m.name!r} at frame {m.frame}")
    return added
