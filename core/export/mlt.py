"""MLT XML export (``montage.mlt``) laid out as Shotcut saves projects; renders headless with ``melt``.

Shotcut's loader rules (mltframework/shotcut ``src/models/multitrackmodel.cpp``): track 0 of the
tractor is the black ``background`` playlist (Shotcut resizes the first clip of track 0 to the
project length, ``adjustBackgroundDuration``, so a cut there would be stretched), and the bin is
the ``main_bin`` playlist. Then V1 (the cuts, their own audio hidden) and A1 (the music), mixed by
``mix`` transitions; with dialogue, A2 (the phrases) and the music ducked by a ``volume`` filter.

MLT counts every position in profile (timeline) frames, ``out`` inclusive, from the media's first
frame (embedded timecode is ignored). Media at another rate is resampled in time: the avformat
producer shows source frame ``floor(position / fps x clip fps + 0.5)``, so in-points of such media
are :meth:`Cut.source_in_nearest`. The helpers here are shared with the Kdenlive document
(:mod:`.kdenlive`), which is the same MLT underneath.
"""
from __future__ import annotations

import math
from fractions import Fraction
import xml.etree.ElementTree as ET
from pathlib import Path

from ..dialogue.ducking import duck_keyframes
from ..model import Cut, Plan
from ..timebase import Rate
from .format import MLT, Expected, Format, Reader, SyncCheck, music_problems
from .framing import crop_keys

#: MLT version written into documents (Debian 12's melt / Shotcut 22.12 / Kdenlive 22.12 run 7.12).
MLT_VERSION = "7.12.0"


def props(parent: ET.Element, values: dict[str, object] | None = None, **more: object) -> ET.Element:
    """Add one ``<property name=...>`` per item of ``values`` and ``more``."""
    for name, value in {**(values or {}), **more}.items():
        ET.SubElement(parent, "property", name=name).text = str(value)
    return parent


def document(plan: Plan, **attrs: str) -> ET.Element:
    """The ``<mlt>`` root with a profile of the plan's rate and frame size."""
    width, height = plan.width, plan.height
    g = math.gcd(width, height)
    fps = plan.rate.fps
    root = ET.Element("mlt", LC_NUMERIC="C", version=MLT_VERSION, producer="main_bin", **attrs)
    ET.SubElement(root, "profile", description=f"{width}x{height} {float(fps):.3f} fps", width=str(width),
                  height=str(height), progressive="1", sample_aspect_num="1", sample_aspect_den="1",
                  display_aspect_num=str(width // g), display_aspect_den=str(height // g),
                  frame_rate_num=str(fps.numerator), frame_rate_den=str(fps.denominator), colorspace="709")
    return root


def element(parent: ET.Element, tag: str, id: str, span: tuple[int, int] | None = None,
            values: dict[str, object] | None = None, **more: object) -> ET.Element:
    """A producer/playlist/tractor ``id``; ``span`` (frames, end exclusive) becomes ``in``/``out``."""
    attrs = {"id": id} if span is None else {"id": id, "in": str(span[0]), "out": str(span[1] - 1)}
    return props(ET.SubElement(parent, tag, attrs), values, **more)


def black(parent: ET.Element, id: str, frames: int, values: dict[str, object] | None = None) -> ET.Element:
    """The black colour producer under the timeline."""
    return element(parent, "producer", id, (0, frames), {"length": frames, "eof": "pause", "resource": "black",
                   "aspect_ratio": 1, "mlt_service": "color", "mlt_image_format": "rgba", "set.test_audio": 0,
                   **(values or {})})


def media_length(plan: Plan, path: Path) -> int:
    """Length of a media file in timeline frames, rounded up (a shorter length would cut entries that
    reach into the media's last frame)."""
    clip = next((c for c in plan.clips if c.path == path), None) or \
        next((plan.cuts[e.cut].clip for e in plan.dialogue if e.path == path), None)  # an isolated voice
    seconds = Fraction(plan.music.duration) if clip is None else clip.rate.seconds(clip.frames)
    return plan.rate.frames_covering(seconds)


def media_producer(parent: ET.Element, id: str, path: Path, plan: Plan,
                   values: dict[str, object] | None = None) -> ET.Element:
    """An avformat producer of a media file with its length in timeline frames (loaders trust the length
    instead of probing the file at load; without it Shotcut gives the clip length 0)."""
    length = media_length(plan, path)
    return element(parent, "producer", id, (0, length), values, length=length, eof="pause", resource=path,
                   mlt_service="avformat-novalidate", seekable=1)


def entry(playlist: ET.Element, producer: str, start: int, frames: int,
          values: dict[str, object] | None = None) -> ET.Element:
    """A playlist entry of ``frames`` timeline frames from media position ``start``."""
    return props(ET.SubElement(playlist, "entry", producer=producer, **{"in": str(start)},
                               out=str(start + frames - 1)), values)


def cut_entry(playlist: ET.Element, producer: str, cut: Cut, plan: Plan,
              values: dict[str, object] | None = None) -> ET.Element:
    """The entry of one cut: in-point on MLT's grid, phase and beat time as properties."""
    return entry(playlist, producer, cut.source_in_nearest(plan.rate), cut.record_frames,
                 {**(values or {}), "montage_ai:phase": cut.phase.value, "montage_ai:beat_time": cut.beat_time})


def crop_filter(entry_el: ET.Element, plan: Plan, cut: Cut, values: dict[str, object] | None = None) -> None:
    """A reframed cut's crop as a ``qtblend`` filter on its entry (Kdenlive's Transform effect): the
    whole source picture's rect in profile pixels, linear between keys, the source's shape kept
    (``distort`` 0). The filter spans the entry (``in``/``out`` as the entry's, as Kdenlive writes clip
    effects), so its keys count from the cut's first frame (measured with melt: without them a filter on
    an entry is animated in its producer's positions, which Kdenlive reports as missing keyframes)."""
    crop = plan.crop(cut)
    if crop is None:
        return
    keys = list(crop_keys(plan, cut, crop))
    rect = ";".join(f"{f}={x + 0:.2f} {y + 0:.2f} {w:.2f} {h:.2f} 1" for f, (x, y, w, h) in keys)
    rotation = ";".join(f"{f}=0" for f, _ in keys)  # Kdenlive wants every animated parameter keyed alike
    props(ET.SubElement(entry_el, "filter", {"in": entry_el.get("in"), "out": entry_el.get("out")}),
          {"mlt_service": "qtblend", "rect": rect, "compositing": 0, "distort": 0, "rotate_center": 0,
           "rotation": rotation,
           "montage_ai:crop": f"{crop.width:g}x{crop.height:g}", **(values or {})})


def media_ids(plan: Plan, prefix: str) -> dict[Path, str]:
    """An element id per media file: each clip in order of first use, then the music."""
    paths = [c.path for c in plan.clips] + [plan.music.path]
    return {p: f"{prefix}{i}" for i, p in enumerate(dict.fromkeys(paths))}


def mix(tractor: ET.Element, b_track: int, values: dict[str, object] | None = None) -> None:
    """Sum track ``b_track``'s audio into the output."""
    props(ET.SubElement(tractor, "transition"), a_track=0, b_track=b_track, mlt_service="mix", always_active=1,
          sum=1, **(values or {}))


def build_mlt(plan: Plan) -> ET.Element:
    """The plan as a Shotcut project: background, V1 (cuts), A1 (music), audio mixed."""
    root = document(plan, title=plan.name)
    props(ET.SubElement(root, "playlist", id="main_bin"), xml_retain=1)
    black(root, "black", plan.frames)
    entry(ET.SubElement(root, "playlist", id="background"), "black", 0, plan.frames)
    ids = media_ids(plan, "producer")
    for path, pid in ids.items():
        media_producer(root, pid, path, plan, {"shotcut:caption": path.name})
    video = element(root, "playlist", "playlist0", None, {"shotcut:video": 1, "shotcut:name": "V1"})
    for cut in plan.cuts:
        crop_filter(cut_entry(video, ids[cut.clip.path], cut, plan), plan, cut)
    audio = element(root, "playlist", "playlist1", None, {"shotcut:audio": 1, "shotcut:name": "A1"})
    entry(audio, ids[plan.music.path], plan.music_in, plan.frames)
    tractor = element(root, "tractor", "tractor0", (0, plan.frames),
                      {"shotcut": 1, "shotcut:projectAudioChannels": 2, "montage_ai:fps": plan.rate})
    ET.SubElement(tractor, "track", producer="background")
    ET.SubElement(tractor, "track", producer="playlist0", hide="audio")
    ET.SubElement(tractor, "track", producer="playlist1", hide="video")
    mix(tractor, 2)
    if plan.dialogue:
        _dialogue(root, tractor, audio, plan, ids)
    return root


def _dialogue(root: ET.Element, tractor: ET.Element, music: ET.Element, plan: Plan, ids: dict[Path, str]) -> None:
    """A2 (the dialogue events, blanks between) mixed in, and the music's ducking as an animated
    ``volume`` filter (dB keyframes in timeline frames, interpolated linearly). ``ids``: the producers
    of the media so far, by path; an isolated voice's producer is added to them."""
    for path in dict.fromkeys(e.path for e in plan.dialogue):
        if path not in ids:
            ids[path] = f"producer{len(ids)}"
            media_producer(root, ids[path], path, plan, {"shotcut:caption": path.name})
    root.remove(tractor)  # producers come before the tractor that plays them
    track = element(root, "playlist", "playlist2", None, {"shotcut:audio": 1, "shotcut:name": "A2",
                                                          "montage_ai:dialogue": 1})
    at = 0
    for e in plan.dialogue:
        if e.record_start > at:
            ET.SubElement(track, "blank", length=str(e.record_start - at))
        cut = plan.cuts[e.cut]  # in sync with the picture: its in-point plus the frames since its start
        entry(track, ids[e.path], cut.source_in_nearest(plan.rate) + e.record_start - cut.record_start, e.record_frames)
        at = e.record_end
    root.append(tractor)
    ET.SubElement(tractor, "track", producer="playlist2", hide="video")
    mix(tractor, 3)
    level = ";".join(f"{f}={db:g}" for f, db in duck_keyframes(plan))
    props(ET.SubElement(music, "filter"), mlt_service="volume", level=level, **{"montage_ai:ducking": 1})


def write_xml(root: ET.Element, path: Path) -> None:
    tree = ET.ElementTree(root)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)


def write_mlt(plan: Plan, path: Path) -> None:
    write_xml(build_mlt(plan), path)


def _mlt_frames(value: str, rate: Rate) -> int:
    """An MLT position: a frame count, or a clock ``HH:MM:SS.mmm`` (how Shotcut and Kdenlive save)."""
    if ":" not in value:
        return int(value)
    h, m, sec = value.replace(",", ".").split(":")
    return rate.frames_in(int(h) * 3600 + int(m) * 60 + Fraction(sec))


def _profile_rate(root: ET.Element) -> Rate:
    """The frame rate of an MLT document's profile (its timeline rate)."""
    profile = root.find("profile")
    return Rate(Fraction(int(profile.get("frame_rate_num")), int(profile.get("frame_rate_den"))))


def _resources(root: ET.Element) -> dict[str | None, str | None]:
    """The media file (``resource``) of each producer and chain of an MLT document, by id."""
    return {p.get("id"): p.findtext("property[@name='resource']") for p in root if p.tag in ("producer", "chain")}


def read_mlt(path: Path, exp: Expected):
    """The V1 playlist (``shotcut:video``) of an MLT/Shotcut document, blanks counted."""
    root = ET.parse(path).getroot()
    fps = _profile_rate(root)
    playlist = next(p for p in root.iter("playlist") if p.findtext("property[@name='shotcut:video']") == "1")
    resources = _resources(root)
    out, pos = [], 0
    for item in playlist:
        if item.tag == "blank":
            pos += _mlt_frames(item.get("length"), fps)
        elif item.tag == "entry":
            start = _mlt_frames(item.get("in"), fps)
            length = _mlt_frames(item.get("out"), fps) - start + 1
            out.append((pos, pos + length, resources[item.get("producer")], start))
            pos += length
    return out


def mlt_music(root: ET.Element) -> tuple[list[ET.Element], Rate]:
    """The entries on the audio track of an MLT, Shotcut or Kdenlive document (playlists marked
    ``shotcut:audio`` or ``kdenlive:audio_track``; the music is the one entry) and the profile's rate."""
    entries = [e for p in root.iter("playlist") for e in p.findall("entry")
               if "1" in (p.findtext("property[@name='shotcut:audio']"), p.findtext("property[@name='kdenlive:audio_track']"))
               and p.findtext("property[@name='montage_ai:dialogue']") != "1"]
    return entries, _profile_rate(root)


def read_mlt_music(path: Path) -> tuple[int, int]:
    """(in-point, length) in frames of the music of an MLT, Shotcut or Kdenlive document."""
    entries, fps = mlt_music(ET.parse(path).getroot())
    start = _mlt_frames(entries[0].get("in"), fps)
    return start, _mlt_frames(entries[0].get("out"), fps) - start + 1


def sync_mlt(path: Path, exp: Expected) -> list[str]:
    root = ET.parse(path).getroot()
    resources = _resources(root)
    entries, fps = mlt_music(root)
    if len(entries) != 1:
        return [f"{len(entries)} music entries, planned 1"]
    first, last = _mlt_frames(entries[0].get("in"), fps), _mlt_frames(entries[0].get("out"), fps)
    return music_problems((0, last - first + 1), first, resources.get(entries[0].get("producer")), exp)


FORMAT = Format("mlt", "montage.mlt", write_mlt, (Reader("ElementTree", read_mlt, MLT),),
                SyncCheck("ElementTree: music", sync_mlt))
