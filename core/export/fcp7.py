"""FCP7 XML (xmeml version 4) for Premiere Pro's File > Import: a sequence with the cuts on V1,
the music on A1, phase and bar markers.

Conventions Premiere (and Resolve) rely on:
- 23.976 / 29.97 / 59.94 are timebase 24 / 30 / 60 with ``<ntsc>TRUE</ntsc>``;
- ``pathurl`` is ``file://localhost/`` + the percent-encoded absolute path (``C%3a/...`` on Windows);
- every clipitem is written in full (no bare back-references: the OTIO fcp_xml writer collapses
  repeated clips and breaks record frames, which is why this file is written here);
- clipitem ``<in>/<out>`` are read as source seconds x sequence rate, whatever rate the media has,
  so clipitems carry the sequence rate and in-points on its grid; each ``<file>`` carries its own
  rate and start ``<timecode>``, in/out count from the media's first frame.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote

from ..model import Clip, Plan
from ..timebase import Rate

AUDIO_RATE = 48000


def file_url(path: str | Path) -> str:
    """``file://localhost/`` URL of an absolute POSIX or Windows path, percent-encoded (UTF-8)."""
    text = str(path)
    if re.match(r"^[A-Za-z]:[\\/]", text):
        drive, rest = text[0], text[2:].replace("\\", "/")
        return f"file://localhost/{drive}%3a{quote(rest, safe='/')}"
    return "file://localhost" + quote(text, safe="/")


def _sub(parent: ET.Element, tag: str, text: object | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, **attrs)
    if text is not None:
        el.text = str(text)
    return el


def _rate(parent: ET.Element, rate: Rate) -> None:
    el = _sub(parent, "rate")
    _sub(el, "timebase", rate.nominal)
    _sub(el, "ntsc", "TRUE" if rate.ntsc else "FALSE")


def _timecode(parent: ET.Element, frame: int, rate: Rate, drop_frame: bool) -> None:
    el = _sub(parent, "timecode")
    _rate(el, rate)
    _sub(el, "string", rate.timecode(frame, drop_frame))
    _sub(el, "frame", frame)
    _sub(el, "displayformat", "DF" if drop_frame else "NDF")


def _video_file(parent: ET.Element, file_id: str, clip: Clip) -> None:
    el = _sub(parent, "file", id=file_id)
    _sub(el, "name", clip.name)
    _sub(el, "pathurl", file_url(clip.path))
    _rate(el, clip.rate)
    _sub(el, "duration", clip.frames)
    _timecode(el, clip.start_frame, clip.rate, clip.drop_frame)
    media = _sub(el, "media")
    chars = _sub(_sub(media, "video"), "samplecharacteristics")
    _rate(chars, clip.rate)
    _sub(chars, "width", clip.width)
    _sub(chars, "height", clip.height)
    if clip.has_audio:
        audio = _sub(media, "audio")
        _sub(_sub(audio, "samplecharacteristics"), "samplerate", AUDIO_RATE)
        _sub(audio, "channelcount", 2)


def _clipitem(track: ET.Element, item_id: str, name: str, duration: int, plan: Plan, start: int, end: int,
              source_in: int) -> ET.Element:
    item = _sub(track, "clipitem", id=item_id)
    _sub(item, "name", name)
    _sub(item, "enabled", "TRUE")
    _sub(item, "duration", duration)
    _rate(item, plan.rate)
    _sub(item, "start", start)
    _sub(item, "end", end)
    _sub(item, "in", source_in)
    _sub(item, "out", source_in + end - start)
    return item


def _sourcetrack(item: ET.Element, kind: str) -> None:
    el = _sub(item, "sourcetrack")
    _sub(el, "mediatype", kind)
    _sub(el, "trackindex", 1)


def build_xmeml(plan: Plan) -> ET.Element:
    """The plan as an xmeml document root."""
    root = ET.Element("xmeml", version="4")
    seq = _sub(root, "sequence", id="sequence-1")
    _sub(seq, "name", plan.name)
    _sub(seq, "duration", plan.frames)
    _rate(seq, plan.rate)
    _timecode(seq, plan.start_timecode, plan.rate, plan.drop_frame)
    media = _sub(seq, "media")
    video = _sub(media, "video")
    chars = _sub(_sub(video, "format"), "samplecharacteristics")
    _rate(chars, plan.rate)
    _sub(chars, "width", plan.width)
    _sub(chars, "height", plan.height)
    _sub(chars, "pixelaspectratio", "square")
    track = _sub(video, "track")
    file_ids: dict[Path, str] = {}
    for cut in plan.cuts:
        clip = cut.clip
        item = _clipitem(track, f"clipitem-{cut.index + 1}", clip.name, clip.rate.rescale(clip.frames, plan.rate),
                         plan, cut.record_start, cut.record_end, cut.source_in_at(plan.rate))
        if clip.path in file_ids:
            _sub(item, "file", id=file_ids[clip.path])
        else:
            file_ids[clip.path] = f"file-{len(file_ids) + 1}"
            _video_file(item, file_ids[clip.path], clip)
        _sourcetrack(item, "video")
    audio = _sub(media, "audio")
    _sub(audio, "numOutputChannels", 2)
    a_chars = _sub(_sub(audio, "format"), "samplecharacteristics")
    _sub(a_chars, "depth", 16)
    _sub(a_chars, "samplerate", AUDIO_RATE)
    music = plan.music
    music_frames = plan.rate.frame_at(music.duration)
    item = _clipitem(_sub(audio, "track"), f"clipitem-{len(plan.cuts) + 1}", music.path.name, music_frames,
                     plan, 0, plan.frames, plan.music_in)
    music_file = _sub(item, "file", id="file-music")
    _sub(music_file, "name", music.path.name)
    _sub(music_file, "pathurl", file_url(music.path))
    _rate(music_file, plan.rate)
    _sub(music_file, "duration", music_frames)
    music_audio = _sub(_sub(music_file, "media"), "audio")
    _sub(_sub(music_audio, "samplecharacteristics"), "samplerate", AUDIO_RATE)
    _sub(music_audio, "channelcount", 2)
    _sourcetrack(item, "audio")
    for m in plan.markers:
        marker = _sub(seq, "marker")
        _sub(marker, "name", m.name)
        _sub(marker, "comment", f"montage_ai {m.kind} {m.phase.value}")
        _sub(marker, "in", m.frame)
        _sub(marker, "out", -1)
    return root


def write_fcp7(plan: Plan, path: Path) -> None:
    tree = ET.ElementTree(build_xmeml(plan))
    ET.indent(tree)
    with open(path, "wb") as f:
        f.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE xmeml>\n')
        tree.write(f, encoding="utf-8", xml_declaration=False)
