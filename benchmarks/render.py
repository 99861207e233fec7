"""montage-ai render: the master against its plan and its sources, and its speed against a plain ffmpeg render of
the same cuts, on this machine's process pool and (``--scheduler``) on a Dask cluster started beforehand.

    python benchmarks/render.py [--minutes 2] [--source-size 640x360] [--samples 12] [--runs 1]
                                [--scheduler tcp://127.0.0.1:8786]

Checks and targets (same plan, same run):
- the master's frame count equals the plan's, every frame the planned source frame (codes burnt into the
  footage, tests/colour_media.py);
- sampled frames: SSIM >= 0.97 against the source frame scaled the same way;
- the sound within one frame of the picture (lag of the master's audio against the music range, and the
  difference of the stream durations);
- integrated loudness within 1 LU of the target (EBU R128);
- render time <= 1.2x a plain ffmpeg render of the same cuts (one process: an input per cut, fps/trim/scale,
  concat; the master's encoder settings; the music muxed as AAC);
- on the cluster: the master's frames equal the local master's (same count, SSIM >= 0.99) and its time
  <= 1.3x the local pool's. Start the cluster first, e.g.
  ``dask scheduler --port 8786 & dask worker tcp://127.0.0.1:8786 --nworkers 2 --nthreads 1 &``.

The footage: six 30-s clips of ffmpeg's moving test pattern (23.976, 25, 29.97 x3, 59.94 fps) with their
clip and frame number burnt in; the song: the demo song's arc played ``--minutes`` long; a 29.97 timeline.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from fractions import Fraction
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from colour_media import colour_clips  # noqa: E402
from preview import check_frames, reference_args, ssim, timed  # noqa: E402

from montage_ai.audio.analyze import analyze_music  # noqa: E402
from montage_ai.demo_media import DEMO_ARC, synth_song  # noqa: E402
from montage_ai.encoders import SOFTWARE  # noqa: E402
from montage_ai.pipeline import write_outputs  # noqa: E402
from montage_ai.plan.planner import PlanSettings, plan_montage  # noqa: E402
from montage_ai.render import loudness  # noqa: E402
from montage_ai.render.master import render_master  # noqa: E402
from montage_ai.render.segments import CODECS  # noqa: E402
from montage_ai.timebase import Rate  # noqa: E402
from montage_ai.video.probe import probe_clip  # noqa: E402

RATES = ["30000/1001", "30000/1001", "25", "24000/1001", "30000/1001", "60000/1001"]


def frame_png(video: Path, index: int, out: Path, size: tuple[int, int] | None = None) -> Path:
    """Frame ``index`` of ``video`` (decode order from the start) as PNG, scaled and padded to ``size``
    as the renderer scales (none: as it is)."""
    scale = (f",scale={size[0]}:{size[1]}:force_original_aspect_ratio=decrease,pad={size[0]}:{size[1]}:"
             f"(ow-iw)/2:(oh-ih)/2,setsar=1" if size else "")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(video), "-vf", f"select=eq(n\\,{index}){scale}",
                    "-fps_mode", "passthrough", "-frames:v", "1", str(out)], check=True)
    return out


def sampled_ssim(plan, master: Path, size: tuple[int, int], samples: int, tmp: Path) -> list[float]:
    """SSIM of ``samples`` timeline frames of ``master`` against the source frame each shows, scaled alike."""
    scores = []
    for k in np.linspace(0, plan.frames - 1, samples).astype(int):
        cut = next(c for c in plan.cuts if c.record_start <= k < c.record_end)
        source = cut.source_in + int((k - cut.record_start) * Fraction(cut.clip.rate.fps) / plan.rate.fps)
        a = frame_png(master, int(k), tmp / "m.png")
        b = frame_png(cut.clip.path, source, tmp / "s.png", size)
        scores.append(float(ssim(a, b)))
    return scores


def _pcm(*args) -> np.ndarray:
    raw = subprocess.run(["ffmpeg", "-v", "error", *map(str, args), "-map", "0:a:0", "-ac", "1", "-ar", "8000",
                          "-f", "s16le", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.int16).astype(float)


def sound_offset(plan, master: Path) -> tuple[float, float]:
    """(lag of the master's sound against the music range, audio minus video duration), seconds."""
    got = _pcm("-i", master)
    want = _pcm("-ss", f"{plan.music_start_time:.6f}", "-i", plan.music.path)
    n, reach = 10 * 8000, 800
    lags = range(-reach, reach + 1)
    lag = lags[int(np.argmax([np.dot(got[reach:n], want[reach + lag:n + lag]) for lag in lags]))]
    info = json.loads(subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(master)],
                                     capture_output=True, check=True).stdout)["streams"]
    durations = {s["codec_type"]: float(s["duration"]) for s in info}
    return lag / 8000, durations["audio"] - durations["video"]


def frames_of(video: Path) -> int:
    out = subprocess.run(["ffprobe", "-v", "error", "-count_packets", "-select_streams", "v:0", "-show_entries",
                          "stream=nb_read_packets", "-of", "csv=p=0", str(video)], capture_output=True, text=True)
    return int(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--source-size", default="640x360")
    parser.add_argument("--samples", type=int, default=12)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--loudness", type=float, default=-14.0)
    parser.add_argument("--scheduler", help="a Dask scheduler started beforehand (tcp://HOST:PORT)")
    parser.add_argument("--media", type=Path, default=Path(tempfile.gettempdir()) / "montage-ai-bench-render")
    args = parser.parse_args()
    media = args.media / f"{args.source_size}-{args.minutes:g}min"
    media.mkdir(parents=True, exist_ok=True)
    song = media / "song.wav"
    bars = sum(n for _, n, _ in DEMO_ARC)
    repeat = max(1, round(args.minutes * 60 / (bars * 4 * 60 / 124)))
    if not song.exists():
        synth_song(song, arc=DEMO_ARC * repeat)
    if (media / "clips.done").exists():
        clips = [probe_clip(p) for p in sorted(media.glob("*.mov"))]
    else:
        clips = colour_clips(media, RATES, seconds=30, coded=True, size=args.source_size, moving=True, gop=50)
        (media / "clips.done").touch()
    plan = plan_montage(analyze_music(song), clips, PlanSettings(fps=Rate.parse("29.97"), style="dynamic"))
    out = media / "out"
    shutil.rmtree(out, ignore_errors=True)
    write_outputs(plan, out, formats=("csv",), preview=False)
    size = (plan.width, plan.height)
    print(f"plan: {len(plan.cuts)} cuts, {plan.frames} frames at {plan.rate} fps ({plan.frames / float(plan.rate.fps):.1f}"
          f" s), {len(clips)} sources {args.source_size}; {os.cpu_count()} cores")
    codec = CODECS["h264"]
    video = SOFTWARE.output_args(codec.quality, round(2 * float(plan.rate.fps)), codec.preset)
    with tempfile.TemporaryDirectory(prefix="montage-ai-bench-render-") as tmp:
        tmp = Path(tmp)
        reference, local = tmp / "reference.mp4", tmp / "local.mp4"
        jobs = {"reference": lambda: subprocess.run(
                    ["ffmpeg", "-nostdin", "-v", "error", *reference_args(plan, reference, size, video,
                                                                          ["-c:a", "aac", "-b:a", "320k"])], check=True),
                "local": lambda: render_master(out, target=args.loudness, hwaccel="none")}
        if args.scheduler:
            jobs["cluster"] = lambda: render_master(out, target=args.loudness, scheduler=args.scheduler, hwaccel="none")
        wall: dict[str, list[float]] = {name: [] for name in jobs}
        for _ in range(args.runs):  # interleaved, so load changes on a shared machine hit all alike
            for name, job in jobs.items():
                wall[name].append(timed(job)[0])
                if name == "local":
                    shutil.copy(out / "master.mp4", local)
                    report = json.loads((out / "master.json").read_text())
        median = {name: statistics.median(w) for name, w in wall.items()}
        print(f"reference (plain ffmpeg, same cuts): {median['reference']:.1f} s wall (median of {args.runs}: "
              f"{', '.join(f'{w:.1f}' for w in wall['reference'])})")
        print(f"ours, local pool ({len(report['tasks'])} segments): {median['local']:.1f} s wall "
              f"({', '.join(f'{w:.1f}' for w in wall['local'])})")
        print(f"ours / reference: {median['local'] / median['reference']:.2f}x wall (target <= 1.2)")
        print(check_frames("master", plan, local))
        print(check_frames("reference", plan, reference))
        scores = sampled_ssim(plan, local, size, args.samples, tmp)
        print(f"frames: master {frames_of(local)}, plan {plan.frames}; SSIM against the source frame, "
              f"{len(scores)} samples: min {min(scores):.4f}, mean {np.mean(scores):.4f} (target >= 0.97)")
        lag, tail = sound_offset(plan, local)
        print(f"sound: lag {lag * 1000:+.1f} ms against the music, audio - video duration {tail * 1000:+.1f} ms "
              f"(one frame: {1000 / float(plan.rate.fps):.1f} ms)")
        measured, peak = loudness.measure(local)
        ceiling = report["loudness"]["ceiling_db"]
        print(f"loudness: {measured:.2f} LUFS, target {args.loudness:g} (within 1 LU: {abs(measured - args.loudness) <= 1})"
              f", true peak {peak:+.1f} dBTP; gain {report['loudness']['gain_db']:+.2f} dB"
              f"{f', limiter at {ceiling:+.1f} dBFS' if ceiling is not None else ''}")
        if args.scheduler:
            cluster = json.loads((out / "master.json").read_text())
            workers = sorted({t["worker"] for t in cluster["tasks"]})
            print(f"cluster ({len(workers)} workers, {len(cluster['tasks'])} segments): {median['cluster']:.1f} s wall "
                  f"({', '.join(f'{w:.1f}' for w in wall['cluster'])}); cluster / local pool: "
                  f"{median['cluster'] / median['local']:.2f}x (target <= 1.3)")
            print(f"cluster master: {frames_of(out / 'master.mp4')} frames (local {frames_of(local)}), SSIM against "
                  f"the local master {ssim(out / 'master.mp4', local)} (target >= 0.99)")
            print(check_frames("cluster master", plan, out / "master.mp4"))


if __name__ == "__main__":
    main()
