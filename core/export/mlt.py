"""MLT XML export (``montage.mlt``): opens in Shotcut and Kdenlive, renders headless with ``melt``.

MLT counts every position in profile (timeline) frames, ``out`` inclusive, from the media's first
frame (embedded timecode is ignored). Media at another rate is resampled in time by MLT, so a
source in-point becomes the timeline frame at which that source frame starts.
"""
from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

from ..model import Plan


def _props(parent: ET.Element, **values: object) -> None:
    for name, value in values.items():
        ET.SubElement(parent, "property", name=name).text = str(value)


def build_mlt(plan: Plan) -> ET.Element:
    """The plan as an MLT document: video playlist (its audio muted), music playlist, audio mix."""
    width, height = plan.width, plan.height
    g = math.gcd(width, height)
    fps = plan.rate.fps
    root = ET.Element("mlt", LC_NUMERIC="C", version="7.0.0", title=plan.name)
    ET.SubElement(root, "profile", description=f"{width}x{height} {plan.rate}", width=str(width),
                  height=str(height), progressive="1", sample_aspect_num="1", sample_aspect_den="1",
                  display_aspect_num=str(width // g), display_aspect_den=str(height // g),
                  frame_rate_num=str(fps.numerator), frame_rate_den=str(fps.denominator), colorspace="709")
    ids: dict[Path, str] = {}
    for clip in plan.clips:
        ids[clip.path] = f"clip{len(ids)}"
        producer = ET.SubElement(root, "producer", id=ids[clip.path])
        _props(producer, resource=clip.path, mlt_service="avformat", seekable=1)
    music = ET.SubElement(root, "producer", id="music")
    _props(music, resource=plan.music.path, mlt_service="avformat", seekable=1)
    video = ET.SubElement(root, "playlist", id="video")
    _props(video, **{"shotcut:video": 1, "shotcut:name": "V1"})
    for cut in plan.cuts:
        start = cut.source_in_at(plan.rate)
        entry = ET.SubElement(video, "entry", producer=ids[cut.clip.path], **{"in": str(start)},
                              out=str(start + cut.record_frames - 1))
        _props(entry, **{"montage_ai:phase": cut.phase.value, "montage_ai:beat_time": cut.beat_time})
    audio = ET.SubElement(root, "playlist", id="audio")
    _props(audio, **{"shotcut:audio": 1, "shotcut:name": "A1"})
    ET.SubElement(audio, "entry", producer="music", **{"in": str(plan.music_in)},
                  out=str(plan.music_in + plan.frames - 1))
    tractor = ET.SubElement(root, "tractor", id="timeline", **{"in": "0"}, out=str(plan.frames - 1))
    _props(tractor, **{"shotcut": 1, "montage_ai:fps": plan.rate})
    ET.SubElement(tractor, "track", producer="video", hide="audio")
    ET.SubElement(tractor, "track", producer="audio", hide="video")
    mix = ET.SubElement(tractor, "transition", id="mix")
    _props(mix, a_track=0, b_track=1, mlt_service="mix", always_active=1, sum=1)
    return root


def write_mlt(plan: Plan, path: Path) -> None:
    tree = ET.ElementTree(build_mlt(plan))
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
