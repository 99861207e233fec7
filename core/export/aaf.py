"""AAF (``montage.aaf``) for Avid Media Composer, also imported by Resolve and Premiere: the OTIO
timeline (:mod:`.otio_export`) written by the maintained ``otio-aaf-adapter`` on ``pyaaf2``.

Mob IDs are fresh (``use_empty_mob_ids``): the media carries none of Avid's own. Media locators
are percent-encoded ``file://`` URLs (an AAF NetworkLocator holds a URL; the adapter stores the
reference verbatim, so a plain path with ``#`` or spaces would not parse back). Source ranges are
the media's timecode at its own rate, as in the OTIO file. The adapter cannot write a timeline whose
media runs at another rate than the timeline, so a mixed-rate edit gets no AAF (the reason is in
``report.json``). Timeline markers are not written by the adapter; they are in the other formats.
"""
from __future__ import annotations

from pathlib import Path

from ..model import Plan
from .format import EDL, Expected, Format, Reader, require_single_rate
from .otio_export import build_timeline
from .otio_read import otio_cuts, read_timeline, timecode_frame


def write_aaf(plan: Plan, path: Path) -> None:
    import opentimelineio as otio
    require_single_rate(plan, "the AAF writer (otio-aaf-adapter) handles one rate only")
    timeline = build_timeline(plan)
    for clip in timeline.find_clips():
        ref = clip.media_reference
        ref.target_url = Path(ref.target_url).as_uri()
    otio.adapters.write_to_file(timeline, str(path), adapter_name="AAF", use_empty_mob_ids=True)


def read_aaf(path: Path, exp: Expected):
    """The AAF's video clips as the OTIO AAF adapter (pyaaf2) reads them; source in-points as timecode frames."""
    return otio_cuts(read_timeline(path, "AAF"), exp, timecode_frame)


#: Not written by default: the AAF writer (otio-aaf-adapter on pyaaf2) creates three mobs per cut and takes
#: seconds per hundred cuts (200 cuts: 68 s measured under load); ask for it with ``--formats ...,aaf``.
FORMAT = Format("aaf", "montage.aaf", write_aaf, (Reader("otio AAF adapter (pyaaf2)", read_aaf, EDL),), default=False)
