"""Kdenlive project (``montage.kdenlive``): document version 1.04, the layout Kdenlive 22.12 saves and
later versions (sequences, 23.04+) convert on opening.

What Kdenlive's loader needs beyond plain MLT (a plain ``.mlt`` opens empty: "Version of the project
file cannot be read", "Timeline clip ... without bin reference found and removed"):
- ``main_bin`` playlist holding the document properties (``kdenlive:docproperties.version``, the
  guides as JSON) and one entry per bin clip;
- every bin producer carries ``kdenlive:id``, and every timeline entry the same ``kdenlive:id``;
- the main tractor's first track is the ``black_track`` producer; each timeline track is a tractor
  of two playlists (Kdenlive's same-track transition layer), audio tracks marked ``kdenlive:audio_track``;
- internal ``mix`` (audio) and ``qtblend`` (video) transitions from track 0 to each track.

Positions are MLT frames (see :mod:`.mlt`): the same entries ``melt`` renders frame-exact.
"""
from __future__ import annotations

import contextlib
import io
import json
import zlib
import xml.etree.ElementTree as ET
from pathlib import Path

from ..model import Phase, Plan
from .format import MLT, Expected, Format, Reader
from .mlt import (black, crop_filter, cut_entry, document, element, entry, media_ids, media_length, media_producer, mix, props,
                  write_xml)
from .otio_read import otio_cuts, read_timeline, timecode_frame

DOC_VERSION = "1.04"
#: Kdenlive's default guide categories (0 purple, 1 blue, 2 cyan, 3 green, 4 yellow, 5 orange, 6 red, ...).
PHASE_CATEGORY = {Phase.INTRO: 1, Phase.BUILD: 2, Phase.CLIMAX: 6, Phase.SUSTAIN: 5, Phase.OUTRO: 0}
DOWNBEAT_CATEGORY = 3
INTERNAL = 237  # Kdenlive's mark for transitions it manages itself ("internal_added")


def _guides(plan: Plan) -> str:
    return json.dumps([{"comment": m.name, "pos": m.frame,
                        "type": PHASE_CATEGORY[m.phase] if m.kind == "phase" else DOWNBEAT_CATEGORY}
                       for m in plan.markers], indent=1)


def _bin(root: ET.Element, plan: Plan, ids: dict[Path, str]) -> dict[Path, str]:
    """Bin producers (``kdenlive:id`` 2, 3, ...); returns each path's bin id."""
    bin_ids = {}
    for n, (path, pid) in enumerate(ids.items(), start=2):
        bin_ids[path] = str(n)
        media_producer(root, pid, path, plan, {"kdenlive:clipname": path.name, "kdenlive:id": n,
                                               "kdenlive:folderid": -1, "kdenlive:originalurl": path})
    main_bin = element(root, "playlist", "main_bin", None, {
        "kdenlive:docproperties.version": DOC_VERSION,
        "kdenlive:docproperties.kdenliveversion": "22.12.3",
        "kdenlive:docproperties.audioChannels": 2,
        "kdenlive:docproperties.guides": _guides(plan),
        "kdenlive:docproperties.position": 0,
        "kdenlive:docproperties.zonein": 0,
        "kdenlive:docproperties.zoneout": plan.frames,
        "kdenlive:docproperties.activeTrack": 1,
        "kdenlive:docproperties.documentid": zlib.crc32(f"{plan.name} {plan.frames}".encode()),
        "kdenlive:documentnotes": "",
        "xml_retain": 1})
    for path, pid in ids.items():
        entry(main_bin, pid, 0, media_length(plan, path))
    return bin_ids


def _track(root: ET.Element, name: str, n: int, audio: bool) -> tuple[ET.Element, str]:
    """A Kdenlive track: a tractor of two playlists; returns the first playlist and the tractor id."""
    kind = {"kdenlive:audio_track": 1} if audio else {}
    first = element(root, "playlist", f"playlist{2 * n}", None, kind)
    element(root, "playlist", f"playlist{2 * n + 1}", None, kind)
    tractor = element(root, "tractor", f"tractor{n}", None, {**kind, "kdenlive:track_name": name,
                                                             "kdenlive:timeline_active": 1})
    for i in (2 * n, 2 * n + 1):
        ET.SubElement(tractor, "track", producer=f"playlist{i}", hide="video" if audio else "audio")
    return first, f"tractor{n}"


def build_kdenlive(plan: Plan) -> ET.Element:
    """The plan as a Kdenlive 1.04 document: black track, A1 (music), V1 (cuts), guides for the markers."""
    root = document(plan)
    ids = media_ids(plan, "producer")
    bin_ids = _bin(root, plan, ids)
    black(root, "black_track", plan.frames)
    music, a1 = _track(root, "A1", 0, audio=True)
    entry(music, ids[plan.music.path], plan.music_in, plan.frames, {"kdenlive:id": bin_ids[plan.music.path]})
    video, v1 = _track(root, "V1", 1, audio=False)
    for cut in plan.cuts:
        crop_filter(cut_entry(video, ids[cut.clip.path], cut, plan, {"kdenlive:id": bin_ids[cut.clip.path]}), plan, cut,
                    {"kdenlive_id": "qtblend", "kdenlive:collapsed": 0})
    main = element(root, "tractor", "tractor2", (0, plan.frames), {"montage_ai:fps": plan.rate})
    for producer in ("black_track", a1, v1):
        ET.SubElement(main, "track", producer=producer)
    mix(main, 1, {"internal_added": INTERNAL, "accepts_blanks": 1})
    props(ET.SubElement(main, "transition"), a_track=0, b_track=2, mlt_service="qtblend", always_active=1,
          internal_added=INTERNAL)
    return root


def write_kdenlive(plan: Plan, path: Path) -> None:
    write_xml(build_kdenlive(plan), path)


def read_kdenlive(path: Path, exp: Expected):
    """V1 of a Kdenlive document as the Kdenlive community's OTIO adapter reads it."""
    with contextlib.redirect_stdout(io.StringIO()):  # the adapter prints a banner on every read
        tl = read_timeline(path, "kdenlive")
    return otio_cuts(tl, exp, timecode_frame)


FORMAT = Format("kdenlive", "montage.kdenlive", write_kdenlive, (Reader("otio kdenlive adapter", read_kdenlive, MLT),))
