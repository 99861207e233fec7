"""Re-read a montage's exports with readers we did not write and compare every cut to ``report.json``.

Readers: OpenTimelineIO (native ``.otio``), OTIO's cmx_3600 adapter and pycmx (EDL, every part
of a split EDL), OTIO's fcp_xml adapter (FCP7 XML), the Kdenlive community's OTIO adapter
(``.kdenlive``), the maintained OTIO AAF adapter (pyaaf2 underneath), the csv module and
ElementTree (CSV, MLT). Record frames are compared for every reader; source in-points where the
format carries them in a comparable unit. Media are compared by full path where the format carries one (else by
name). Sync checks per format (``SYNC_CHECKS``) compare what the cut list does not show: the music's
place and in-point, the timeline's start timecode, source out-points; every export report.json lists
must exist.
"""
from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urlparse

import opentimelineio as otio

from .errors import InputError
from .export.edl import part_path
from .timebase import Rate


@dataclass(frozen=True)
class Expected:
    """What report.json says: per cut ``(record_start, record_end, source_path, source_in at clip rate)``;
    per cut the source timecode an EDL carries and the in-point on the timeline grid (FCP7, MLT)."""

    rate: Rate
    start_tc: int
    cuts: list[tuple[int, int, str, int]]
    edl_source_in: list[int]
    grid_source_in: list[int]
    mlt_source_in: list[int] = field(default_factory=list)
    frames: int = 0
    music_in: int = 0
    music_path: str = ""
    outputs: list[str] = field(default_factory=list)
    source_out: list[int] = field(default_factory=list)
    reframed: bool = False  # a set of make --aspects with crop windows


@dataclass
class Check:
    export: str
    reader: str
    cuts_read: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


#: A reader returns, per cut, ``(record_start, record_end, name_or_path, source_in or None)``.
Reader = Callable[[Path, Expected], list[tuple[int, int, str, int | None]]]
#: In which unit a reader reports source in-points: clip frames, EDL (timeline-rate) timecode frames,
#: timeline-grid frames from the media start (FCP7 clipitems), or the same grid rounded as MLT's
#: avformat producer rounds (MLT, Kdenlive entries).
CLIP, EDL, GRID, MLT = "clip", "edl", "grid", "mlt"


def _frames(rt: otio.opentime.RationalTime, rate: float) -> int:
    return round(rt.rescaled_to(rate).value)


def _media_offset(clip: otio.schema.Clip) -> int | None:
    """Source in-point in clip frames: the source start minus the media's first frame (its timecode)."""
    ref = clip.media_reference
    if not (isinstance(ref, otio.schema.ExternalReference) and ref.available_range):
        return None
    start = clip.source_range.start_time
    return round(start.value - ref.available_range.start_time.rescaled_to(start.rate).value)


def _timecode_frame(clip: otio.schema.Clip) -> int:
    """Source in-point as the frame number of its timecode (how an EDL carries it)."""
    return round(clip.source_range.start_time.value)


def _media_name(clip: otio.schema.Clip) -> str:
    """The media's path (``file://`` URLs decoded), else the clip's name."""
    url = getattr(clip.media_reference, "target_url", "") or ""
    return unquote(urlparse(url).path) if url.startswith("file://") else url or clip.name


def _otio_cuts(timeline: otio.schema.Timeline, exp: Expected, source: Callable[[otio.schema.Clip], int | None]):
    rate = float(exp.rate.fps)
    return [(_frames(c.range_in_parent().start_time, rate), _frames(c.range_in_parent().end_time_exclusive(), rate),
             _media_name(c), source(c)) for c in timeline.video_tracks()[0].find_clips()]


def read_otio(path: Path, exp: Expected):
    return _otio_cuts(otio.adapters.read_from_file(str(path)), exp, _media_offset)


def read_fcp7(path: Path, exp: Expected):
    return _otio_cuts(otio.adapters.read_from_file(str(path), adapter_name="fcp_xml"), exp, _media_offset)


def edl_parts(path: Path) -> list[Path]:
    """``montage.edl`` and the parts that continue it (``montage_part2.edl``, ...), in order."""
    parts, k = [path], 2
    while (more := part_path(path, k)).exists():
        parts.append(more)
        k += 1
    return parts


def read_edl_otio(path: Path, exp: Expected):
    """Video clips of every part as OTIO's cmx_3600 reader places them (record timecode absolute)."""
    rate, cuts = float(exp.rate.fps), []
    for part in edl_parts(path):
        tl = otio.adapters.read_from_file(str(part), adapter_name="cmx_3600", rate=rate)
        # the reader starts each track at its first record timecode, kept as minus the track's start
        offset = -_frames(tl.video_tracks()[0].source_range.start_time, rate) - exp.start_tc
        cuts += [(a + offset, b + offset, unquote(name), src)
                 for a, b, name, src in _otio_cuts(tl, exp, _timecode_frame)]
    return cuts


def read_edl_pycmx(path: Path, exp: Expected):
    """Video edits of every part as read by pycmx, source in-points as EDL (timeline-rate) frame numbers.
    A part of more than 999 events (CMX3600's three-digit event numbers) is an error."""
    import pycmx
    tc, cuts = exp.rate.parse_timecode, []
    for part in edl_parts(path):
        with open(part, encoding="ascii") as f:
            edl = pycmx.parse_cmx3600(f)
        events = list(edl.events)
        if len(events) > 999:
            raise ValueError(f"{part.name} has {len(events)} events; CMX3600 allows 999")
        cuts += [(tc(e.record_in) - exp.start_tc, tc(e.record_out) - exp.start_tc, unquote(e.source_file or e.clip_name or ""),
                  tc(e.source_in)) for event in events for e in event.edits if e.channels.video]
    return cuts


def read_csv(path: Path, exp: Expected):
    with open(path, newline="", encoding="utf-8") as f:
        return [(int(r["record_start_frame"]), int(r["record_end_frame"]), r["source_path"], int(r["source_in_frame"]))
                for r in csv.DictReader(f)]


def _mlt_frames(value: str, fps: Fraction) -> int:
    """An MLT position: a frame count, or a clock ``HH:MM:SS.mmm`` (how Shotcut and Kdenlive save)."""
    if ":" not in value:
        return int(value)
    h, m, sec = value.replace(",", ".").split(":")
    return round((int(h) * 3600 + int(m) * 60 + Fraction(sec)) * fps)


def _profile_rate(root: ET.Element) -> Fraction:
    """The frame rate of an MLT document's profile (its timeline rate)."""
    profile = root.find("profile")
    return Fraction(int(profile.get("frame_rate_num")), int(profile.get("frame_rate_den")))


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


def mlt_music(root: ET.Element) -> tuple[list[ET.Element], Fraction]:
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


def read_kdenlive(path: Path, exp: Expected):
    """V1 of a Kdenlive document as the Kdenlive community's OTIO adapter reads it."""
    with contextlib.redirect_stdout(io.StringIO()):  # the adapter prints a banner on every read
        tl = otio.adapters.read_from_file(str(path), adapter_name="kdenlive")
    return _otio_cuts(tl, exp, _timecode_frame)


def read_aaf(path: Path, exp: Expected):
    """The AAF's video clips as the OTIO AAF adapter (pyaaf2) reads them; source in-points as timecode frames."""
    tl = otio.adapters.read_from_file(str(path), adapter_name="AAF")
    return _otio_cuts(tl, exp, _timecode_frame)


READERS: dict[str, list[tuple[str, Reader, str]]] = {
    "montage.otio": [("opentimelineio", read_otio, CLIP)],
    "montage.edl": [("pycmx", read_edl_pycmx, EDL), ("otio cmx_3600", read_edl_otio, EDL)],
    "montage.xml": [("otio fcp_xml", read_fcp7, GRID)],
    "montage.csv": [("csv", read_csv, CLIP)],
    "montage.mlt": [("ElementTree", read_mlt, MLT)],
    "montage.kdenlive": [("otio kdenlive adapter", read_kdenlive, MLT)],
    "montage.aaf": [("otio AAF adapter (pyaaf2)", read_aaf, EDL)],
}


def edl_source_frame(source_in: int, clip_rate: Rate, clip_start: int, rate: Rate) -> int:
    """The source timecode (as a frame number at the EDL's rate) of a clip frame: the same frame
    number when rates match, else the EDL frame containing that frame's start time."""
    frame = clip_start + source_in
    return frame if clip_rate == rate else clip_rate.rescale(frame, rate)


def mlt_position(source_in: int, clip_rate: Rate, rate: Rate) -> int:
    """The first timeline-grid position at which MLT's avformat producer, which shows source frame
    ``floor(position / fps x clip fps + 0.5)``, shows ``source_in`` (or the next frame it can show)."""
    return max(0, math.floor((Fraction(source_in) - Fraction(1, 2)) * rate.fps / clip_rate.fps) + 1)


def load_expected(folder: Path) -> Expected:
    path = folder / "report.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        rate = Rate.parse(data["fps"])
        clips = {c["path"]: (Rate.parse(c["fps"]), c["start_frame"]) for c in data["clips"]}
        return Expected(rate, int(data["start_timecode_frame"]),
                        [(c["record_start_frame"], c["record_end_frame"], c["source_path"], c["source_in_frame"])
                         for c in data["cuts"]],
                        [edl_source_frame(c["source_in_frame"], *clips[c["source_path"]], rate) for c in data["cuts"]],
                        [math.ceil(Fraction(c["source_in_frame"]) * rate.fps / clips[c["source_path"]][0].fps)
                         for c in data["cuts"]],
                        [mlt_position(c["source_in_frame"], clips[c["source_path"]][0], rate) for c in data["cuts"]],
                        int(data["frames"]), int(data["music"]["in_frame"]), str(data["music"]["path"]),
                        [str(n) for n in data.get("outputs", [])], [int(c["source_out_frame"]) for c in data["cuts"]],
                        any(c.get("crop") for c in data["cuts"]))
    except FileNotFoundError:
        raise InputError(path, "no report.json here: is this a montage-ai output folder?") from None
    except (ValueError, KeyError, TypeError) as err:
        raise InputError(path, f"not a Montage AI report ({type(err).__name__}: {err})") from None


def _compare(got, exp: Expected, unit: str) -> list[str]:
    problems = []
    if len(got) != len(exp.cuts):
        problems.append(f"{len(got)} cuts read, {len(exp.cuts)} planned")
    sources = {CLIP: [c[3] for c in exp.cuts], EDL: exp.edl_source_in, GRID: exp.grid_source_in,
               MLT: exp.mlt_source_in}[unit]
    for i, ((a, b, name, src), (ea, eb, epath, _), esrc) in enumerate(zip(got, exp.cuts, sources)):
        if (a, b) != (ea, eb):
            problems.append(f"cut {i}: record {a}-{b}, planned {ea}-{eb}")
        if name and (name != epath if Path(name).is_absolute() else name != Path(epath).name):
            problems.append(f"cut {i}: media {name!r}, planned {epath if Path(name).is_absolute() else Path(epath).name!r}")
        if src is not None and src != esrc:
            problems.append(f"cut {i}: source in {src}, planned {esrc}")
    return problems


def _music_problems(record: tuple[int, int], source_in: int, path: str | None, exp: Expected) -> list[str]:
    """The music's place on the timeline and its in-point (timeline frames) against the report."""
    problems = []
    if record != (0, exp.frames):
        problems.append(f"music on record {record[0]}-{record[1]}, planned 0-{exp.frames}")
    if source_in != exp.music_in:
        problems.append(f"music starts at its frame {source_in}, planned {exp.music_in} (out of sync)")
    if path and path != exp.music_path:
        problems.append(f"music {path!r}, planned {exp.music_path!r}")
    return problems


def sync_otio(path: Path, exp: Expected) -> list[str]:
    timeline = otio.adapters.read_from_file(str(path))
    rate = float(exp.rate.fps)
    problems = []
    start = _frames(timeline.global_start_time, rate) if timeline.global_start_time else 0
    if start != exp.start_tc:
        problems.append(f"timeline starts at {exp.rate.timecode(start)}, planned {exp.rate.timecode(exp.start_tc)}")
    music = [c for track in timeline.audio_tracks() for c in track.find_clips()
             if "dialogue_of_cut" not in (c.metadata.get("montage_ai") or {})]
    if len(music) != 1:
        return problems + [f"{len(music)} music clips, planned 1"]
    clip = music[0]
    span = clip.range_in_parent()
    return problems + _music_problems((_frames(span.start_time, rate), _frames(span.end_time_exclusive(), rate)),
                                      _frames(clip.source_range.start_time, rate), _media_name(clip), exp)


def sync_edl(path: Path, exp: Expected) -> list[str]:
    """Source durations equal record durations; the ``AA`` music event where and from where planned."""
    import pycmx
    with open(path, encoding="utf-8") as f:
        edits = [e for event in pycmx.parse_cmx3600(f).events for e in event.edits]
    tc, problems = exp.rate.parse_timecode, []
    for n, e in enumerate(edits):
        if tc(e.source_out) - tc(e.source_in) != tc(e.record_out) - tc(e.record_in):
            problems.append(f"edit {n + 1}: source {e.source_in}-{e.source_out} does not span record "
                            f"{e.record_in}-{e.record_out}")
    music = [e for e in edits if not e.channels.video and set(e.channels.channels) <= {1, 2}]  # A3: dialogue
    if len(music) != 1:
        return problems + [f"{len(music)} music events, planned 1"]
    e = music[0]
    return problems + _music_problems((tc(e.record_in) - exp.start_tc, tc(e.record_out) - exp.start_tc),
                                      tc(e.source_in), e.source_file and unquote(e.source_file), exp)


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
        found = _music_problems((int(item.findtext("start")), int(item.findtext("end"))),
                                int(item.findtext("in")), unquote(urlparse(url).path) or None, exp)
        problems += [f"{item.get('id')}: {p}" for p in found]
    return problems


def sync_csv(path: Path, exp: Expected) -> list[str]:
    with open(path, newline="", encoding="utf-8") as f:
        outs = [int(r["source_out_frame"]) for r in csv.DictReader(f)]
    return [f"cut {i}: source out {got}, planned {want}" for i, (got, want) in enumerate(zip(outs, exp.source_out))
            if got != want]


def sync_mlt(path: Path, exp: Expected) -> list[str]:
    root = ET.parse(path).getroot()
    resources = _resources(root)
    entries, fps = mlt_music(root)
    if len(entries) != 1:
        return [f"{len(entries)} music entries, planned 1"]
    first, last = _mlt_frames(entries[0].get("in"), fps), _mlt_frames(entries[0].get("out"), fps)
    return _music_problems((0, last - first + 1), first, resources.get(entries[0].get("producer")), exp)


#: Per export, checks beyond the cut list: ``(label, check(path, expected) -> problems)``.
SYNC_CHECKS: dict[str, tuple[str, Callable[[Path, Expected], list[str]]]] = {
    "montage.otio": ("opentimelineio: music, start", sync_otio),
    "montage.edl": ("pycmx: music, source out", sync_edl),
    "montage.xml": ("ElementTree: music, start, out", sync_fcp7),
    "montage.csv": ("csv: source out", sync_csv),
    "montage.mlt": ("ElementTree: music", sync_mlt),
}


def crop_problems(folder: Path) -> list[str]:
    """Every crop window report.json gives (each key, with the window's size) inside its source's
    displayed frame; the windows have the deliverable's shape."""
    data = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    clips = {c["path"]: (c["height"], c["width"]) if c.get("rotation", 0) % 180 == 90 else (c["width"], c["height"])
             for c in data["clips"]}
    shape = Fraction(int(data["width"]), int(data["height"]))
    problems = []
    for cut in data["cuts"]:
        crop = cut.get("crop")
        if not crop:
            continue
        w, h = clips[cut["source_path"]]
        cw, ch = crop["width"], crop["height"]
        if abs(cw / ch / float(shape) - 1) > 0.01:
            problems.append(f"cut {cut['index']}: crop {cw:g}x{ch:g} is not the frame's shape {data['width']}x{data['height']}")
        for frame, x, y in crop["keys"]:
            if x < -0.01 or y < -0.01 or x + cw > w + 0.01 or y + ch > h + 0.01:
                problems.append(f"cut {cut['index']} frame {frame}: crop {cw:g}x{ch:g}+{x:g}+{y:g} outside its "
                                f"{w}x{h} source")
    return problems


def first_set_problems(folder: Path, exp: Expected) -> list[str] | None:
    """For another aspect's set (``OUT/9x16``), its cuts against the first set's (``OUT/report.json``):
    the same frames, media and in-points; None when ``folder`` is not such a set."""
    data = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    if str(data.get("aspect", "")).replace(":", "x") != folder.name or not (folder.parent / "report.json").is_file():
        return None
    first = load_expected(folder.parent)
    if len(first.cuts) != len(exp.cuts):
        return [f"{len(exp.cuts)} cuts, the first set ({folder.parent / 'report.json'}) has {len(first.cuts)}"]
    return [f"cut {i}: {mine}, the first set has {theirs}" for i, (mine, theirs) in enumerate(zip(exp.cuts, first.cuts))
            if mine != theirs]


def _run_check(name: str, label: str, check: Callable[[], tuple[int, list[str]]]) -> Check:
    try:
        count, problems = check()
        return Check(name, label, count, problems)
    except Exception as err:  # a reader rejecting our file is a finding, not a crash
        return Check(name, label, 0, [f"reader failed: {type(err).__name__}: {err}"])


def validate(folder: str | Path) -> list[Check]:
    """One :class:`Check` per (export present in ``folder``, reader)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(folder, "not a folder; give the output folder of montage-ai make"
                         if folder.exists() else "folder not found")
    exp = load_expected(folder)
    checks = [Check(name, "report.json", 0, ["listed in report.json but missing"])
              for name in exp.outputs if not (folder / name).is_file()]
    if exp.reframed:
        checks.append(_run_check("report.json", "crop windows inside the source",
                                 lambda: (len(exp.cuts), crop_problems(folder))))
    if (problems := first_set_problems(folder, exp)) is not None:
        checks.append(_run_check("report.json", "same cuts as ../report.json", lambda: (len(exp.cuts), problems)))
    for name, readers in READERS.items():
        if not (folder / name).exists():
            continue
        for label, reader, unit in readers:
            def compare(reader=reader, unit=unit):
                got = reader(folder / name, exp)
                return len(got), _compare(got, exp, unit)
            checks.append(_run_check(name, label, compare))
        if name in SYNC_CHECKS:
            label, sync = SYNC_CHECKS[name]
            checks.append(_run_check(name, label, lambda: (len(exp.cuts), sync(folder / name, exp))))
    return checks


def format_table(checks: list[Check]) -> str:
    rows = [("export", "reader", "cuts", "result")]
    rows += [(c.export, c.reader, str(c.cuts_read), "ok" if c.ok else f"{len(c.problems)} problem(s): "
              + "; ".join(c.problems[:3])) for c in checks]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return "\n".join(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]}" for r in rows)
