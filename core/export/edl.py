"""CMX3600 EDL: one event per cut on V, then the music on channels A1+A2 (``AA``), then the dialogue
phrases on ``A3`` (from the clip, or its isolated voice).

What the format allows, and so what is written:
- one rate for source and record timecode (Resolve's manual: an EDL carries neither mixed frame rates
  nor several video tracks). Source timecode of media at the timeline's rate is the media's own: its
  embedded start timecode plus the in-point. Media at another rate has its source timecode on the
  timeline's grid, as single-rate readers take it: the timeline frame holding the start of the
  source in-frame, the source duration equal to the record duration; a ``* SOURCE FPS:`` comment
  names its real rate. Such events are exact only to within a frame of the media, so FCP7 XML, OTIO,
  MLT and Kdenlive are the files to conform a mixed-rate edit from.
- at most 999 events (three-digit event numbers): longer edits go into ``montage.edl``,
  ``montage_part2.edl`` ..., each with its own music event, record timecode running on across parts.
- plain ASCII lines: reels are 8-character tags made from the file name (``A-Z 0-9 _``), unique per
  file, so two files of one name in different folders stay apart; the file name and path follow in
  ``* FROM CLIP NAME:`` and ``* SOURCE FILE:`` comments, characters outside printable ASCII (and
  ``%`` in such names) percent-encoded as UTF-8, so no name can break or corrupt a line.
- timecode past 24 hours is written as 24:00:00:00 and on (a clip starting at 23:59:55:00 does not
  wrap to 00:00:00:00, which would put its out-point before its in-point).
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, unquote

from ..model import Clip, Crop, Plan
from ..timebase import Rate
from .format import EDL, Expected, Format, Reader, SyncCheck, music_problems
from .otio_read import frames, otio_cuts, read_timeline, timecode_frame

MAX_EVENTS = 999
REEL_CHARS = 8
_PRINTABLE = re.compile(r"[ -~]*")


def ascii_text(text: str) -> str:
    """``text`` when it is printable ASCII, else percent-encoded UTF-8 (odd bytes of a file name kept)."""
    if _PRINTABLE.fullmatch(text):
        return text
    return quote(text.encode("utf-8", "surrogateescape"), safe="".join(chr(c) for c in range(0x20, 0x7F) if c != 0x25))


def reel_names(paths: list[Path]) -> dict[Path, str]:
    """A distinct reel tag of at most 8 characters (``A-Z 0-9 _``) per path, from its file stem."""
    reels: dict[Path, str] = {}
    for path in paths:
        base = re.sub(r"[^A-Z0-9]+", "_", path.stem.upper()).strip("_") or "CLIP"
        reel, n = base[:REEL_CHARS], 1
        while reel in reels.values():
            n += 1
            reel = f"{base[:REEL_CHARS - len(str(n))]}{n}"
        reels[path] = reel
    return reels


def _tc(frame: int, rate: Rate, drop_frame: bool) -> str:
    return rate.timecode(frame, drop_frame, wrap=False)


def _event(number: int, reel: str, channel: str, src: tuple[int, int], rec: tuple[int, int], rate: Rate,
           src_df: bool, rec_df: bool, path: Path, source_rate: Rate | None = None, crop: Crop | None = None) -> str:
    fps = f"{float(source_rate.fps):.3f}".rstrip("0").rstrip(".") if source_rate else ""  # 23.976, 29.97, 25
    off_rate = f"* SOURCE FPS: {fps} (source timecode on the timeline's grid)\n" if source_rate else ""
    return (f"{number:03d}  {reel:<8} {channel:<5} C        {_tc(src[0], rate, src_df)} {_tc(src[1], rate, src_df)} "
            f"{_tc(rec[0], rate, rec_df)} {_tc(rec[1], rate, rec_df)}\n"
            f"* FROM CLIP NAME: {ascii_text(path.name)}\n* SOURCE FILE: {ascii_text(str(path))}\n{off_rate}"
            f"{_crop_comment(crop)}\n")


def _crop_comment(crop: Crop | None) -> str:
    """A reframed cut's crop (an EDL carries no motion): window size, then left,top at the first and last key."""
    if crop is None:
        return ""
    (f0, x0, y0), (f1, x1, y1) = crop.keys[0], crop.keys[-1]
    return (f"* MONTAGE_AI CROP: {crop.width:g}x{crop.height:g} AT {x0:g},{y0:g} (FRAME {f0}) TO {x1:g},{y1:g} "
            f"(FRAME {f1}) IN SOURCE PIXELS\n")


def _source(first: int, clip: Clip, plan: Plan) -> tuple[int, bool, Rate | None]:
    """Source timecode frame, its drop-frame flag and the off rate (None at the timeline's rate) of
    ``clip``'s frame ``first``: as it is at the timeline's rate, else on the timeline's grid."""
    if clip.rate == plan.rate:
        return first, clip.drop_frame, None
    return clip.rate.rescale(first, plan.rate), plan.drop_frame, clip.rate


def build_edls(plan: Plan) -> list[str]:
    """The EDL texts of ``plan``: one per run of at most 999 events (its cuts plus one music event)."""
    # clips, the music, then isolated voices (dialogue files of their own) in the order they play
    reels = reel_names(list(dict.fromkeys([c.path for c in plan.clips] + [plan.music.path]
                                          + [e.path for e in plan.dialogue])))
    per_part = max(1, MAX_EVENTS - 1 - len(plan.dialogue))  # every part keeps room for its music and dialogue events
    parts = [plan.cuts[i:i + per_part] for i in range(0, len(plan.cuts), per_part)] or [[]]
    start, rate, df = plan.start_timecode, plan.rate, plan.drop_frame
    texts = []
    for k, cuts in enumerate(parts, start=1):
        title = plan.name if len(parts) == 1 else f"{plan.name} (part {k} of {len(parts)})"
        lines = [f"TITLE: {ascii_text(title)}\n", f"FCM: {'DROP FRAME' if df else 'NON-DROP FRAME'}\n\n"]
        for n, cut in enumerate(cuts, start=1):
            clip = cut.clip
            src, src_df, off_rate = _source(clip.start_frame + cut.source_in, clip, plan)
            lines.append(_event(n, reels[clip.path], "V", (src, src + cut.record_frames),
                                (start + cut.record_start, start + cut.record_end), rate, src_df, df, clip.path,
                                off_rate, plan.crop(cut)))
        begin = cuts[0].record_start if cuts else 0
        end = cuts[-1].record_end if cuts else plan.frames
        lines.append(_event(len(cuts) + 1, reels[plan.music.path], "AA",
                            (plan.music_in + begin, plan.music_in + end), (start + begin, start + end), rate, df, df,
                            plan.music.path))
        for n, e in enumerate((e for e in plan.dialogue if cuts and begin <= e.record_start < end), len(cuts) + 2):
            cut = plan.cuts[e.cut]
            clip = cut.clip
            first = (clip.start_frame if e.path == clip.path else 0) + cut.source_in
            src, src_df, off_rate = _source(first, clip, plan)
            src += e.record_start - cut.record_start  # in sync with the picture: its in-point plus the frames since
            lines.append(_event(n, reels[e.path], "A3",
                                (src, src + e.record_frames), (start + e.record_start, start + e.record_end),
                                rate, src_df, df, e.path, off_rate))
        texts.append("".join(lines))
    return texts


def part_path(path: Path, k: int) -> Path:
    """File of part ``k`` (1-based): ``montage.edl``, ``montage_part2.edl``, ..."""
    return path if k == 1 else path.with_name(f"{path.stem}_part{k}{path.suffix}")


def write_edl(plan: Plan, path: Path) -> list[Path]:
    """Write the EDL (and its further parts); returns the files written."""
    written = []
    for k, text in enumerate(build_edls(plan), start=1):
        part_path(path, k).write_text(text, encoding="ascii")
        written.append(part_path(path, k))
    return written


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
        tl = read_timeline(part, "cmx_3600", rate=rate)
        # the reader starts each track at its first record timecode, kept as minus the track's start
        offset = -frames(tl.video_tracks()[0].source_range.start_time, rate) - exp.start_tc
        cuts += [(a + offset, b + offset, unquote(name), src)
                 for a, b, name, src in otio_cuts(tl, exp, timecode_frame)]
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
        if len(events) > MAX_EVENTS:
            raise ValueError(f"{part.name} has {len(events)} events; CMX3600 allows {MAX_EVENTS}")
        cuts += [(tc(e.record_in) - exp.start_tc, tc(e.record_out) - exp.start_tc, unquote(e.source_file or e.clip_name or ""),
                  tc(e.source_in)) for event in events for e in event.edits if e.channels.video]
    return cuts


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
    return problems + music_problems((tc(e.record_in) - exp.start_tc, tc(e.record_out) - exp.start_tc),
                                     tc(e.source_in), e.source_file and unquote(e.source_file), exp)


FORMAT = Format("edl", "montage.edl", write_edl,
                (Reader("pycmx", read_edl_pycmx, EDL), Reader("otio cmx_3600", read_edl_otio, EDL)),
                SyncCheck("pycmx: music, source out", sync_edl))
