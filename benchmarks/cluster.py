"""Scale-out: the same ``analyze-footage`` batch on the process pool and on a Dask LocalCluster.

    python benchmarks/cluster.py [--clips 12] [--seconds 8] [--workers 2] [--runs 2]

Each run is the real command in a fresh process with an empty cache (``--no-cache``), so both sides
analyse every clip; the Dask side includes starting and closing its cluster, as a user pays it.
Prints wall times, the Dask / pool ratio (target ≤ 1.5) and whether the results are identical.
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

from footage_cache import make_clip


def run(folder: Path, cache: Path, workers: int, scheduler: str | None) -> tuple[float, list]:
    """Wall time and clips of one ``analyze-footage`` run (the pool sized to ``workers`` without a scheduler)."""
    env = {**os.environ, "MONTAGE_AI_CACHE_DIR": str(cache), "MONTAGE_AI_WORKERS": str(workers)}
    extra = ["--scheduler", scheduler] if scheduler else []
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "montage_ai.cli", "analyze-footage", str(folder), "--json",
                           "--no-cache", *extra], capture_output=True, text=True, env=env, check=True)
    return time.perf_counter() - start, [dict(c, cached=None) for c in json.loads(proc.stdout)["clips"]]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=12)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--runs", type=int, default=2)
    args = ap.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="montage-cluster-"))
    folder = root / "media"
    folder.mkdir()
    for k in range(args.clips):
        make_clip(folder / f"clip {k:02d}.mp4", k, args.seconds)
    sides = {"process pool": None, f"LocalCluster({args.workers})": f"local:{args.workers}"}
    best: dict[str, float] = {}
    results: dict[str, list] = {}
    for i in range(args.runs):  # interleaved, so a busy moment of the machine hits both sides
        for name, scheduler in sides.items():
            wall, clips = run(folder, root / f"cache-{name}-{i}", args.workers, scheduler)
            best[name] = min(best.get(name, wall), wall)
            results[name] = clips
    print(f"{args.clips} clips of {args.seconds:g} s at 640x360, {args.workers} workers, {os.cpu_count()} CPUs, "
          f"best of {args.runs}")
    for name, wall in best.items():
        print(f"{name:<18} {wall:7.2f} s")
    pool, dask = best.values()
    print(f"Dask / pool: {dask / pool:.2f}x (target <= 1.5)")
    same = results["process pool"] == results[f"LocalCluster({args.workers})"]
    print(f"identical results: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
