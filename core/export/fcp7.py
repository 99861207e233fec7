"""FCP7 XML (xmeml version 4) for Premiere Pro's File > Import: a sequence with the cuts on V1,
the music on A1, phase and bar markers; with dialogue, the footage's phrases on their own mono track
and the music's ducking as Audio Levels keyframes.

Conventions Premiere (and Resolve) rely on:
- 23.976 / 29.97 / 59.94 are timebase 24 / 30 / 60 with ``<ntsc>TRUE</ntsc>``;
- ``pathurl`` is ``file://localhost/`` + the percent-encoded absolute path (``C%3a/...`` on Windows);
- every clipitem is written in full (no bare back-references: the OTIO fcp_xml writer collapses
  repeated clips and breaks record frames, which is why this file is written here);
- clipitem ``<in>/<out>`` are read as source seconds x sequence rate, whatever rate the media has,
  so clipitems carry the sequence rate and in-points on its grid; each ``<file>`` carries its own
  rate and start ``<timecode>``, in/out count from the media's first frame;
- each ``<file>`` declares the audio the file really has (channels, sample rate, depth from
  ffprobe): Premiere refuses to link a file whose channel count differs from the XML's ("has 1
  audio channel(s) and the clip was created with 2");
- stereo music is laid out as Premiere does: two exploded tracks (``premiereTrackType="Stereo"``,
  ``currentExplodedTrackIndex`` 0 and 1, ``<outputchannelindex>`` 1 and 2), one linked clipitem per
  channel; other channel counts get one mono track per channel;
- clipitems name their master clip (``<masterclipid>``), files their ``<pixelaspectratio>``;
- a reframed deliverable (9:16...) is a sequence of its size, each cut's crop as keyframed Basic Motion.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

from ..dialogue.ducking import duck_keyframes
from ..model import AudioFormat, Clip, Cut, Plan
from .format import GRID, Expected, Format, Reader, SyncCheck, music_problems
from .framing import centre_offset, crop_keys
from .otio_read import media_offset, otio_cuts, read_timeline
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


def _audio_media(media: ET.Element, audio: AudioFormat) -> None:
    el = _sub(media, "audio")
    chars = _sub(el, "samplecharacteristics")
    _sub(chars, "depth", audio.bits)
    _sub(chars, "samplerate", audio.sample_rate)
    _sub(el, "channelcount", audio.channels)


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
    _sub(chars, "pixelaspectratio", "square")
    if clip.has_audio:
        _audio_media(media, clip.audio or AudioFormat())


def _clipitem(track: ET.Element, item_id: str, name: str, duration: int, plan: Plan, start: int, end: int,
              source_in: int, master: str, **attrs: str) -> ET.Element:
    item = _sub(track, "clipitem", id=item_id, **attrs)
    _sub(item, "masterclipid", master)
    _sub(item, "name", name)
    _sub(item, "enabled", "TRUE")
    _sub(item, "duration", duration)
    _rate(item, plan.rate)
    _sub(item, "start", start)
    _sub(item, "end", end)
    _sub(item, "in", source_in)
    _sub(item, "out", source_in + end - start)
    return item


def _motion(item: ET.Element, plan: Plan, cut: Cut) -> None:
    """A reframed cut's crop as Basic Motion (Premiere's Motion): Scale in % of the source's pixels and
    Center as the picture's centre offset from the frame's in fractions of the sequence's width and
    height (x right, y down), one keyframe per crop key (``when`` in the clipitem's media frames, as
    the Audio Levels keyframes)."""
    crop = plan.crop(cut)
    if crop is None:
        return
    effect = _sub(_sub(item, "filter"), "effect")
    for tag, text in (("name", "Basic Motion"), ("effectid", "basic"), ("effectcategory", "motion"),
                      ("effecttype", "motion"), ("mediatype", "video")):
        _sub(effect, tag, text)
    keys = list(crop_keys(plan, cut, crop))
    scale = _sub(effect, "parameter", authoringApp="PremierePro")
    for tag, text in (("parameterid", "scale"), ("name", "Scale"), ("valuemin", 0), ("valuemax", 1000),
                      ("value", f"{100 * keys[0][1][2] / cut.clip.display_size[0]:.4f}")):
        _sub(scale, tag, text)
    centre = _sub(effect, "parameter", authoringApp="PremierePro")
    _sub(centre, "parameterid", "center")
    _sub(centre, "name", "Center")
    first = cut.source_in_at(plan.rate)

    def point(parent: ET.Element, rect: tuple[float, float, float, float]) -> None:
        dx, dy = centre_offset(plan, rect)
        value = _sub(parent, "value")
        _sub(value, "horiz", f"{dx / plan.width:.6f}")
        _sub(value, "vert", f"{dy / plan.height:.6f}")

    point(centre, keys[0][1])
    if len(keys) > 1:
        for frame, rect in keys:
            key = _sub(centre, "keyframe")
            _sub(key, "when", first + frame)
            point(key, rect)


def _sourcetrack(item: ET.Element, kind: str, index: int = 1) -> None:
    el = _sub(item, "sourcetrack")
    _sub(el, "mediatype", kind)
    _sub(el, "trackindex", index)


def _music(audio: ET.Element, plan: Plan, first_id: int) -> None:
    """The music as one linked clipitem per channel, each on its own (exploded) track."""
    music = plan.music
    fmt = music.audio or AudioFormat()
    frames = plan.rate.frame_at(music.duration)
    ids = [f"clipitem-{first_id + ch}" for ch in range(fmt.channels)]
    stereo = fmt.channels == 2
    for ch, item_id in enumerate(ids):
        track = _sub(audio, "track", currentExplodedTrackIndex=str(ch if stereo else 0),
                     totalExplodedTrackCount="2" if stereo else "1", premiereTrackType="Stereo" if stereo else "Mono")
        _sub(track, "outputchannelindex", ch + 1 if stereo else 1)  # before the clipitems, as Premiere writes it
        item = _clipitem(track, item_id, music.path.name, frames, plan, 0, plan.frames, plan.music_in,
                         "masterclip-music", premiereChannelType="stereo" if stereo else "mono")
        el = _sub(item, "file", id="file-music")
        if ch == 0:
            _sub(el, "name", music.path.name)
            _sub(el, "pathurl", file_url(music.path))
            _rate(el, plan.rate)
            _sub(el, "duration", frames)
            _timecode(el, 0, plan.rate, False)
            _audio_media(_sub(el, "media"), fmt)
        _sourcetrack(item, "audio", ch + 1)
        for k, other in enumerate(ids):
            link = _sub(item, "link")
            _sub(link, "linkclipref", other)
            _sub(link, "mediatype", "audio")
            _sub(link, "trackindex", k + 1)
            _sub(link, "clipindex", 1)


def _levels(item: ET.Element, plan: Plan) -> None:
    """The music's ducking as Audio Levels keyframes (linear gain; ``when`` in the media's frames)."""
    effect = _sub(_sub(item, "filter"), "effect")
    for tag, text in (("name", "Audio Levels"), ("effectid", "audiolevels"), ("effectcategory", "audiolevels"),
                      ("effecttype", "audiolevels"), ("mediatype", "audio")):
        _sub(effect, tag, text)
    param = _sub(effect, "parameter")
    for tag, text in (("parameterid", "level"), ("name", "Level"), ("valuemin", 0), ("valuemax", 3.98109),
                      ("value", 1)):
        _sub(param, tag, text)
    for frame, db in duck_keyframes(plan):
        key = _sub(param, "keyframe")
        _sub(key, "when", plan.music_in + frame)
        _sub(key, "value", f"{10 ** (db / 20):.5f}")


def _dialogue(audio: ET.Element, plan: Plan, file_ids: dict[Path, str]) -> None:
    """The dialogue track: one mono clipitem per event (the clip's first channel, or its isolated voice)."""
    track = _sub(audio, "track", currentExplodedTrackIndex="0", totalExplodedTrackCount="1", premiereTrackType="Mono")
    _sub(track, "outputchannelindex", 1)
    for n, e in enumerate(plan.dialogue, start=1):
        cut = plan.cuts[e.cut]  # in sync with the picture: its in-point plus the frames since its start
        clip = cut.clip
        known = e.path in file_ids
        file_id = file_ids.setdefault(e.path, f"file-{len(file_ids) + 1}")
        item = _clipitem(track, f"dialogue-{n}", e.path.name, clip.rate.rescale(clip.frames, plan.rate), plan,
                         e.record_start, e.record_end, cut.source_in_at(plan.rate) + e.record_start - cut.record_start,
                         file_id.replace("file", "masterclip"), premiereChannelType="mono")
        if known:
            _sub(item, "file", id=file_id)
        else:
            el = _sub(item, "file", id=file_id)
            _sub(el, "name", e.path.name)
            _sub(el, "pathurl", file_url(e.path))
            _rate(el, e.rate)
            _sub(el, "duration", clip.frames)
            _timecode(el, 0, e.rate, False)
            _audio_media(_sub(el, "media"), AudioFormat(channels=1))
        _sourcetrack(item, "audio")


def build_xmeml(plan: Plan) -> ET.Element:
    """The plan as an xmeml document root."""
    root = ET.Element("xmeml", version="4")
    seq = _sub(root, "sequence", id="sequence-1", explodedTracks="true")
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
        known = clip.path in file_ids
        file_ids.setdefault(clip.path, f"file-{len(file_ids) + 1}")
        item = _clipitem(track, f"clipitem-{cut.index + 1}", clip.name, clip.rate.rescale(clip.frames, plan.rate),
                         plan, cut.record_start, cut.record_end, cut.source_in_at(plan.rate),
                         file_ids[clip.path].replace("file", "masterclip"))
        if known:
            _sub(item, "file", id=file_ids[clip.path])
        else:
            _video_file(item, file_ids[clip.path], clip)
        _motion(item, plan, cut)
        _sourcetrack(item, "video")
    audio = _sub(media, "audio")
    _sub(audio, "numOutputChannels", 2)
    a_chars = _sub(_sub(audio, "format"), "samplecharacteristics")
    _sub(a_chars, "depth", 16)
    _sub(a_chars, "samplerate", AUDIO_RATE)
    _music(audio, plan, len(plan.cuts) + 1)
    if plan.dialogue:
        for item in audio.iter("clipitem"):
            _levels(item, plan)
        _dialogue(audio, plan, file_ids)
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


def read_fcp7(path: Path, exp: Expected):
    return otio_cuts(read_timeline(path, "fcp_xml"), exp, media_offset)


def sync_fcp7(path: Path, exp: Expected) -> list[str]:
    """Sequence start timecode; each clipitem's in/out spans its start/end; the music clipitem."""
    seq = ET.parse(path).getroot().find("sequence")
    problems = []
    start = seq.findtext("timecode/frame")
    if start is None or int(start) != exp.start_tc:
        problems.append(f"sequence timecode frame {start}, planned {exp.start_tc}")
    for item in seq.iter("clipitem"):
        a, b, i, o = (int(item.findtext(k)) for k in ("start", "end", "in", "out"))
        if o - i != b - a:
            problems.append(f"{item.get('id')}: in/out {i}-{o} does not span start/end {a}-{b}")
    music = [i for i in seq.findall("media/audio/track/clipitem")  # one per channel track (Premiere's stereo layout)
             if not i.get("id", "").startswith("dialogue-")]
    if not music:
        return problems + ["no music clipitem, planned one per channel"]
    urls = {f.get("id"): f.findtext("pathurl") for f in seq.iter("file") if f.findtext("pathurl")}
    for item in music:
        ref = item.find("file")
        url = "" if ref is None else ref.findtext("pathurl") or urls.get(ref.get("id"), "")
        found = music_problems((int(item.findtext("start")), int(item.findtext("end"))),
                               int(item.findtext("in")), unquote(urlparse(url).path) or None, exp)
        problems += [f"{item.get('id')}: {p}" for p in found]
    return problems


FORMAT = Format("fcp7", "montage.xml", write_fcp7, (Reader("otio fcp_xml", read_fcp7, GRID),),
                SyncCheck("ElementTree: music, start, out", sync_fcp7))
