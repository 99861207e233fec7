"""Reading exports back through OpenTimelineIO and its adapters (``.otio``, FCP7 XML, EDL, Kdenlive, AAF):
the cut list of a timeline's first video track, in timeline frames. OpenTimelineIO is imported on use."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable
from urllib.parse import unquote, urlparse

from .format import Cuts, Expected

if TYPE_CHECKING:
    import opentimelineio as otio


def read_timeline(path: Path, adapter_name: str | None = None, **options: object) -> otio.schema.Timeline:
    """The timeline in ``path`` as ``adapter_name`` (default: by the file's suffix) reads it."""
    import opentimelineio as otio
    return otio.adapters.read_from_file(str(path), adapter_name=adapter_name, **options)


def frames(rt: otio.opentime.RationalTime, rate: float) -> int:
    """An OTIO time as a whole number of frames at ``rate``."""
    return round(rt.rescaled_to(rate).value)


def media_offset(clip: otio.schema.Clip) -> int | None:
    """Source in-point in clip frames: the source start minus the media's first frame (its timecode)."""
    import opentimelineio as otio
    ref = clip.media_reference
    if not (isinstance(ref, otio.schema.ExternalReference) and ref.available_range):
        return None
    start = clip.source_range.start_time
    return round(start.value - ref.available_range.start_time.rescaled_to(start.rate).value)


def timecode_frame(clip: otio.schema.Clip) -> int:
    """Source in-point as the frame number of its timecode (how an EDL carries it)."""
    return round(clip.source_range.start_time.value)


def media_name(clip: otio.schema.Clip) -> str:
    """The media's path (``file://`` URLs decoded), else the clip's name."""
    url = getattr(clip.media_reference, "target_url", "") or ""
    return unquote(urlparse(url).path) if url.startswith("file://") else url or clip.name


def otio_cuts(timeline: otio.schema.Timeline, exp: Expected, source: Callable[[otio.schema.Clip], int | None]) -> Cuts:
    """The clips of the first video track: record frames, media name and ``source(clip)``."""
    rate = float(exp.rate.fps)
    return [(frames(c.range_in_parent().start_time, rate), frames(c.range_in_parent().end_time_exclusive(), rate),
             media_name(c), source(c)) for c in timeline.video_tracks()[0].find_clips()]
