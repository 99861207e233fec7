"""Footage cache: ``analyze-footage`` on a folder of clips cold, warm, and with one new clip added.

    python benchmarks/footage_cache.py [--clips 20] [--seconds 10]

Each run is the real command in a fresh process with its own cache dir; prints wall times, the
cold/warm ratio and how many clips each run analysed (``"cached": false``).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SOURCES = ("testsrc2", "mandelbrot", "smptehdbars", "rgbtestsrc", "yuvtestsrc", "cellauto", "life", "gradients")


def make_clip(path: Path, k: int, seconds: float) -> None:
    src = SOURCES[k % len(SOURCES)]
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"{src}=s=640x360:r=25", "-t", str(seconds),
                    "-vf", f"hue=h={k * 37 % 360}", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                    str(path)], check=True)


def run(folder: Path, cache: Path) -> tuple[float, int, int]:
    env = {**os.environ, "MONTAGE_AI_CACHE_DIR": str(cache)}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "montage_ai.cli", "analyze-footage", str(folder), "--json"],
                          capture_output=True, text=True, env=env, check=True)
    wall = time.perf_counter() - start
    clips = json.loads(proc.stdout)["clips"]
    return wall, len(clips), sum(not c["cached"] for c in clips)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=10.0)
    args = ap.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="montage-footage-cache-"))
    folder, cache = root / "media", root / "cache"
    folder.mkdir()
    for k in range(args.clips):
        make_clip(folder / f"clip {k:02d}.mp4", k, args.seconds)
    cold = run(folder, cache)
    warm = run(folder, cache)
    make_clip(folder / "clip new.mp4", args.clips, args.seconds)
    added = run(folder, cache)
    print(f"{args.clips} clips of {args.seconds:g} s at 640x360, {os.cpu_count()} CPUs")
    for name, (wall, n, analysed) in (("cold", cold), ("warm", warm), ("one new clip", added)):
        print(f"{name:<14} {wall:7.2f} s  {n:3d} clips, {analysed:3d} analysed")
    print(f"cold / warm: {cold[0] / warm[0]:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
