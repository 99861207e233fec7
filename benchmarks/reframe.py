"""Reframing: does the 9:16 set keep a moving subject in frame, smoothly, and what does tracking cost?

    python benchmarks/reframe.py [--seconds 10] [--speeds 80,160,240]

One generated clip per speed (a white square waiting, walking across 1280x720 footage at that many
pixels per second, waiting again), one montage of them (``make --aspects 16:9,9:16``, draft preview).
Prints, per run:
- the fraction of the 9:16 preview's frames that show the whole subject, measured in the pixels, and
  the same from the plan for ours and for the peer, a fixed centre crop of the same size;
- the crop's top speed (over its keys) against ``MAX_SPEED`` window widths per second;
- subject tracking time against footage analysis of the same clips (both on this machine, one process).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from montage_ai import ffmpeg_cmd  # noqa: E402
from montage_ai.demo_media import synth_song  # noqa: E402
from montage_ai.pipeline import make  # noqa: E402
from montage_ai.plan.planner import PlanSettings  # noqa: E402
from montage_ai.plan.reframe import MAX_SPEED  # noqa: E402
from montage_ai.settings import parse_aspects  # noqa: E402
from montage_ai.video.footage import analyze_file  # noqa: E402
from montage_ai.video.subject import track_subject  # noqa: E402
from tests.subject_media import SUBJECT_SIDE, subject_clip, subject_x  # noqa: E402


def inside_from_plan(report: dict, speeds: dict[str, float], centre: bool) -> float:
    """Fraction of timeline frames whose window (ours, or a centre crop of its size) holds the whole subject."""
    fps = 25.0
    hits = total = 0
    for cut in report["cuts"]:
        crop = cut["crop"]
        keys = np.array(crop["keys"], float)
        for k in range(cut["record_end_frame"] - cut["record_start_frame"]):
            t = (cut["source_in_frame"] + k) / fps
            x = subject_x(t, speed=speeds[cut["source_path"]])
            left = (1280 - crop["width"]) / 2 if centre else np.interp(k, keys[:, 0], keys[:, 1])
            hits += left <= x and x + SUBJECT_SIDE <= left + crop["width"]
            total += 1
    return hits / total


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--speeds", default="80,160,240", help="subject speeds, pixels per second of 1280-wide footage")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="montage-reframe-") as tmp:
        tmp = Path(tmp)
        speeds = {}
        for v in (float(s) for s in args.speeds.split(",")):
            path = subject_clip(tmp / f"walk_{v:g}.mp4", seconds=args.seconds, speed=v)
            speeds[str(path)] = v
        song = synth_song(tmp / "song.wav")
        start = time.perf_counter()
        for p in speeds:
            analyze_file(p)
        analysis = time.perf_counter() - start
        start = time.perf_counter()
        for p in speeds:
            track_subject(p)
        tracking = time.perf_counter() - start
        out = tmp / "out"
        make(song.path, [Path(p) for p in speeds], out, PlanSettings(duration=3 * args.seconds),
             aspects=parse_aspects("16:9,9:16"), preview_quality="draft")
        report = json.loads((out / "9x16" / "report.json").read_text())
        raw = ffmpeg_cmd.run(["-i", str(out / "9x16" / "preview.mp4"), "-f", "rawvideo", "-pix_fmt", "gray", "-"], out)
        frames = np.frombuffer(raw, np.uint8).reshape(-1, 640, 360)
        area = (SUBJECT_SIDE * 640 / 720) ** 2
        measured = float(np.mean([np.count_nonzero(f > 200) >= 0.9 * area for f in frames]))
        top = max(abs(b[1] - a[1]) / (b[0] - a[0]) * 25 / c["crop"]["width"]
                  for c in report["cuts"] for a, b in zip(c["crop"]["keys"], c["crop"]["keys"][1:]))
        print(f"speeds {args.speeds} px/s, {len(report['cuts'])} cuts, {len(frames)} frames of 9:16 preview")
        print(f"subject wholly in frame: preview pixels {measured:.1%}; plan: ours {inside_from_plan(report, speeds, False):.1%}, "
              f"centre crop {inside_from_plan(report, speeds, True):.1%}")
        print(f"crop top speed {top:.3f} window widths/s (bound {MAX_SPEED})")
        print(f"tracking {tracking:.2f} s vs footage analysis {analysis:.2f} s for the same clips "
              f"({tracking / analysis:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
