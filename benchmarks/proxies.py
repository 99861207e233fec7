"""Proxy encodes: ``montage-ai proxies`` against a plain ffmpeg command line with the same settings,
same clips, same run; then a second run (every proxy skipped) and a fidelity check of every proxy.

Generates 20 clips (23.976, 25, 29.97 DF with timecode, 59.94, portrait, no audio; 1920x1080 unless
portrait) and prints the wall time of each method, their ratio, and per clip whether rate, frame count,
timecode, audio channels and rotation equal the original's (ffprobe).

    python benchmarks/proxies.py [--out DIR] [--seconds 4] [--profile h264-540p] [--runs 3]
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from montage_ai.encoders import select_encoder
from montage_ai.proxies import make_proxies
from montage_ai.proxy_check import describe
from montage_ai.proxy_encode import PROFILES, encode_command

#: (rate, timecode, audio channels, rotation) of the generated clips, repeated to 20.
KINDS = (("24000/1001", None, 2, 0), ("25", "10:00:00:00", 2, 0), ("30000/1001", "01:00:00;00", 1, 0),
         ("60000/1001", None, 2, 0), ("30", None, 2, 90), ("25", "00:59:50:00", 0, 0))


def generate(folder: Path, seconds: float, count: int = 20) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        rate, tc, channels, rotation = KINDS[i % len(KINDS)]
        path = folder / f"clip {i:02d}.mov"
        cmd = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
               f"testsrc2=size=1920x1080:rate={rate}:duration={seconds}"]
        if channels:
            cmd += ["-f", "lavfi", "-i", f"sine=frequency={220 + 20 * i}:duration={seconds}", "-ac", str(channels)]
        cmd += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", *(["-timecode", tc] if tc else [])]
        subprocess.run([*cmd, str(path)], check=True)
        if rotation:
            rotated = folder / f".rot {i}.mov"
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(path), "-c", "copy", "-metadata:s:v:0",
                            f"rotate={rotation}", str(rotated)], check=True)
            rotated.replace(path)
        paths.append(path)
    return paths


def plain_ffmpeg(clips: list[Path], out: Path, profile: str) -> float:
    """The same encodes as bare ffmpeg command lines run one after another (no probing, no checks)."""
    out.mkdir(parents=True, exist_ok=True)
    encoder = select_encoder("none").encoder
    commands = [encode_command(describe(c), out / f"{c.stem}{PROFILES[profile].extension}", PROFILES[profile], encoder)
                for c in clips]
    start = time.perf_counter()
    for cmd in commands:
        subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-v", "error",
                        *(a for a in cmd if a not in ("-progress", "pipe:1"))], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="keep clips and proxies here")
    parser.add_argument("--seconds", type=float, default=4.0, help="length of each clip")
    parser.add_argument("--profile", default="h264-540p", choices=sorted(PROFILES))
    parser.add_argument("--runs", type=int, default=3, help="runs of each method, interleaved; medians reported")
    args = parser.parse_args()
    folder = args.out or Path(tempfile.mkdtemp(prefix="montage-proxies-"))
    clips = generate(folder / "footage", args.seconds)
    plain, ours = [], []
    for _ in range(args.runs):  # interleaved, so load changes on a shared machine hit both alike
        shutil.rmtree(folder / "plain", ignore_errors=True)
        shutil.rmtree(folder / "proxies", ignore_errors=True)
        plain.append(plain_ffmpeg(clips, folder / "plain", args.profile))
        start = time.perf_counter()
        batch = make_proxies(clips, folder / "proxies", args.profile, hwaccel="none", jobs=1)
        ours.append(time.perf_counter() - start)
    start = time.perf_counter()
    again = make_proxies(clips, folder / "proxies", args.profile, hwaccel="none", jobs=1)
    skip = time.perf_counter() - start
    reference, mine = statistics.median(plain), statistics.median(ours)
    print(f"{len(clips)} clips of {args.seconds:g} s, 1920x1080, profile {args.profile}, libx264, one encode at a time")
    print(f"plain ffmpeg         {reference:7.2f} s   runs: {', '.join(f'{t:.2f}' for t in plain)}")
    print(f"montage-ai proxies   {mine:7.2f} s   runs: {', '.join(f'{t:.2f}' for t in ours)}")
    print(f"ratio (medians)      {mine / reference:7.3f}   per run: "
          f"{', '.join(f'{o / p:.3f}' for o, p in zip(ours, plain))}   (target <= 1.1)")
    print(f"second run (skips)   {skip:7.2f} s   {sum(r.status == 'skipped' for r in again.results)} of "
          f"{len(clips)} skipped")
    print(f"{'clip':<12} {'rate':>11} {'frames':>6} {'timecode':>12} {'audio':>6} {'rot':>4} {'size':>9}  same")
    for r in batch.results:
        src, px = describe(r.source), describe(r.proxy)
        same = (src.rate, src.frames, src.timecode, src.audio_channels, src.rotation) == \
               (px.rate, px.frames, px.timecode, px.audio_channels, px.rotation)
        print(f"{r.source.stem:<12} {str(px.rate):>11} {px.frames:>6} {px.timecode or '-':>12} "
              f"{','.join(map(str, px.audio_channels)) or '-':>6} {px.rotation:>4} {px.width}x{px.height:<4}  "
              f"{'yes' if same else 'NO'}")
    if not args.out:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
