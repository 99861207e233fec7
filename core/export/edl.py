"""CMX3600 EDL: one event per cut on V, then the music on channels A1+A2 (``AA``).

Reels are ``AX`` (file-based media, as Premiere and Resolve write them); the file is named by
``* FROM CLIP NAME:`` and its path by ``* SOURCE FILE:`` comments after each event. All
timecodes are at the timeline rate, drop-frame labels when the timeline is 29.97/59.94 DF.

Source timecode: the clip's embedded start timecode plus the in-point. For media at the timeline
rate that is exact; for media at another rate it is the timeline frame that contains the start of
the source in-frame (an EDL has a single rate). Source duration always equals record duration.
"""
from __future__ import annotations

from pathlib import Path

from ..model import Plan

REEL = "AX"


def _event(number: int, channel: str, src_in: int, src_out: int, rec_in: int, rec_out: int, plan: Plan,
           name: str, path: Path) -> str:
    tc = lambda f: plan.rate.timecode(f, plan.drop_frame)  # noqa: E731
    return (f"{number:03d}  {REEL:<8} {channel:<5} C        {tc(src_in)} {tc(src_out)} {tc(rec_in)} {tc(rec_out)}\n"
            f"* FROM CLIP NAME: {name}\n* SOURCE FILE: {path}\n\n")


def build_edl(plan: Plan) -> str:
    """The EDL text of ``plan``."""
    lines = [f"TITLE: {plan.name}\n", f"FCM: {'DROP FRAME' if plan.drop_frame else 'NON-DROP FRAME'}\n\n"]
    start = plan.start_timecode
    for n, cut in enumerate(plan.cuts, start=1):
        clip = cut.clip
        first = clip.start_frame + cut.source_in
        src = first if clip.rate == plan.rate else clip.rate.rescale(first, plan.rate)
        lines.append(_event(n, "V", src, src + cut.record_frames, start + cut.record_start,
                            start + cut.record_end, plan, clip.name, clip.path))
    music = plan.music
    lines.append(_event(len(plan.cuts) + 1, "AA", plan.music_in, plan.music_in + plan.frames, start,
                        start + plan.frames, plan, music.path.name, music.path))
    return "".join(lines)


def write_edl(plan: Plan, path: Path) -> None:
    path.write_text(build_edl(plan), encoding="utf-8")
