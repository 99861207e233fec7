"""Analysis time and peak memory by song length: a 4-minute song and a 1-hour file, each analysed in a
fresh Python process (as ``montage-ai analyze-music`` would), then again from the cache; the
4-minute song also with each beat engine (``learned``, ``dsp``) named.

Prints wall time, seconds per minute of audio and the child's peak RSS, next to librosa's default
``beat_track`` on the 4-minute song (librosa loads the whole file; it is not run on the hour).

    python benchmarks/long_audio.py [--out DIR] [--minutes 60]
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

from montage_ai.demo_media import synth_song

ARC = (("intro", 8, 0.3), ("build", 16, 0.6), ("climax", 16, 1.0), ("sustain", 16, 0.7), ("outro", 8, 0.4))
#: The child's own high-water mark (ru_maxrss would include the parent's peak, inherited across exec).
PEAK = ("print(next(int(line.split()[1]) for line in open('/proc/self/status') "
        "if line.startswith('VmHWM')) / 1024)")
OURS = ("import sys, time; from montage_ai.audio.analyze import analyze_music; t = time.perf_counter(); "
        "m = analyze_music(sys.argv[1], use_cache=sys.argv[2] == 'cache'{engine}); "
        "print(time.perf_counter() - t, len(m.beats)); " + PEAK)
LEARNED, DSP = OURS.format(engine=", beat_engine='learned'"), OURS.format(engine=", beat_engine='dsp'")
OURS = OURS.format(engine="")  # the default engine
LIBROSA = ("import sys, time, librosa; t = time.perf_counter(); y, sr = librosa.load(sys.argv[1]); "
           "b = librosa.beat.beat_track(y=y, sr=sr)[1]; print(time.perf_counter() - t, len(b)); " + PEAK)


def run(code: str, path: Path, env: dict, mode: str = "fresh") -> dict:
    """Wall time of the whole child process, the analysis call's own time, its peak RSS in MB."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, str(path), mode], capture_output=True, text=True,
                         check=True, env=env).stdout.split()
    wall = time.perf_counter() - start
    return {"process_s": wall, "call_s": float(out[0]), "beats": int(out[1]), "peak_rss_mb": float(out[2])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="keep the generated audio here")
    parser.add_argument("--minutes", type=float, default=60.0, help="length of the long file")
    args = parser.parse_args()
    folder = args.out or Path(tempfile.mkdtemp(prefix="montage-long-"))
    folder.mkdir(parents=True, exist_ok=True)
    song = synth_song(folder / "four_minutes.wav", bpm=64, arc=ARC)  # 256 beats at 64 BPM: 4:02
    long_file = folder / "long.mp3"
    loops = int(args.minutes * 60 // song.duration)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-stream_loop", str(loops), "-i", str(song.path),
                    "-t", str(args.minutes * 60), "-c:a", "libmp3lame", "-b:a", "192k", str(long_file)], check=True)
    env = {**os.environ, "MONTAGE_AI_CACHE_DIR": str(folder / "cache")}
    rows = [("4-min song, ours", song.path, OURS, "fresh", song.duration),
            ("4-min song, learned", song.path, LEARNED, "fresh", song.duration),
            ("4-min song, dsp", song.path, DSP, "fresh", song.duration),
            ("4-min song, ours cached", song.path, OURS, "cache", song.duration),
            ("4-min song, librosa", song.path, LIBROSA, "fresh", song.duration),
            (f"{args.minutes:g}-min MP3, ours", long_file, OURS, "fresh", args.minutes * 60)]
    run(OURS, song.path, env, "cache")  # fills the cache for the cached row
    print(f"{'input':<26} {'process s':>9} {'call s':>7} {'s/min':>6} {'peak RSS MB':>11} {'beats':>6}")
    results = {}
    for label, path, code, mode, seconds in rows:
        r = run(code, path, env, mode)
        results[label] = r
        print(f"{label:<26} {r['process_s']:9.2f} {r['call_s']:7.2f} {r['call_s'] / seconds * 60:6.2f} "
              f"{r['peak_rss_mb']:11.0f} {r['beats']:6d}")
    print(json.dumps({k: {m: round(v, 3) for m, v in r.items()} for k, r in results.items()}))


if __name__ == "__main__":
    main()
