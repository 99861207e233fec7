"""Planning speed without the LLM: 500 clips over a 4-minute song, first plan and with the refine loop.

The music is an analysed-looking :class:`Music` (120 BPM, 4/4, a loudness arc), the footage 500 probed-looking
clips of 3-30 s at mixed rates: planning never opens the files, so this measures the planner, the rule
director, the evaluator and the refine loop alone. Target: the whole plan (rules + refine) in < 1 s.

    python benchmarks/plan.py [--clips 500] [--minutes 4] [--repeat 5]
"""
from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

import numpy as np

from montage_ai.model import Clip, Music, Shot
from montage_ai.pipeline import Inputs, build_plan
from montage_ai.plan.planner import PlanSettings, plan_montage
from montage_ai.timebase import Rate

TARGET_SECONDS = 1.0


def song(minutes: float, bpm: float = 120.0) -> Music:
    duration = minutes * 60
    beats = list(np.arange(0.25, duration - 0.5, 60 / bpm))
    times = np.arange(0, duration, 0.1)
    x = times / duration  # quiet start, loud two-thirds in, quiet end
    energy = -30 + 22 * np.exp(-((x - 0.65) / 0.22) ** 2)
    return Music(Path("/bench/song.wav"), duration, 44100, bpm, beats, beats[::4], [], list(times), list(energy))


def footage(n: int, seed: int = 0) -> list[Clip]:
    rng = random.Random(seed)
    rates = [Rate.parse(r) for r in ("24000/1001", "25", "30000/1001", "50")]
    clips = []
    for i in range(n):
        rate = rng.choice(rates)
        frames = int(rng.uniform(3, 30) * float(rate.fps))
        clips.append(Clip(Path(f"/bench/clip_{i:03d}.mp4"), rate, frames, 1920, 1080, shots=[Shot(0, frames)]))
    return clips


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=500)
    ap.add_argument("--minutes", type=float, default=4.0)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    music, clips = song(args.minutes), footage(args.clips)
    inputs = Inputs(music, clips)
    first, plan = timed(lambda: plan_montage(music, clips, PlanSettings()), args.repeat)
    full, (refined, run) = timed(lambda: build_plan(inputs, PlanSettings(), "slow start, explode at the drop",
                                                        style_given=False), args.repeat)
    rounds = run.details["refine"]["rounds"]
    print(f"{args.clips} clips, {args.minutes:g}-minute song, median of {args.repeat}")
    print(f"  plan_montage (one plan):             {first * 1000:7.1f} ms, {len(plan.cuts)} cuts")
    print(f"  build_plan (rules + refine {len(rounds) - 1} rounds):  {full * 1000:7.1f} ms, {len(refined.cuts)} cuts, "
          f"kept {sum(r['kept'] for r in rounds[1:])}")
    print(f"  full plan / 1 s target: {full / TARGET_SECONDS:.2f}  ->  {'PASS' if full < TARGET_SECONDS else 'FAIL'}")


if __name__ == "__main__":
    main()
