"""preview.mp4 speed: ours vs one hand-written ffmpeg command rendering the same cut list to the same
frames, and vs the per-cut renderer it replaced (one ffmpeg per cut), on the same plan, same run.

Targets: ours at most 1.2x the single-process reference, at least 3x faster than per-cut rendering.
The per-cut renderer encodes with x264 veryfast CRF 23, ours (and the reference) with ultrafast CRF 26:
each is compared in SSIM against a lossless render of the same frames, so the speed-up is at equal quality.
The footage carries its clip and frame number burnt in (tests/colour_media.py), so every frame of our
preview and of the reference is checked against the plan: the source frame playing at that moment.

    python benchmarks/preview.py [--runs 3] [--style dynamic] [--source-size 1280x720] [--gop 250]
                                 [--media DIR] [--before REF]

The footage: six 20-s clips (23.976, 25, 29.97 x3, 59.94 fps) of ffmpeg's moving test pattern, keyframes
every ``--gop`` frames (250: x264's default, as the demo footage has; phones use about 30); the plan: the
demo song's 60 s on a 29.97 timeline in ``--style``.

Two more jobs time the parts no renderer of this cut list avoids. "encode only" feeds the same frames
from a raw file on disk to our encoder command (libx264 ultrafast CRF 26 and the AAC music, as ``make``
runs it). "decode only" runs our decoders' commands (every source frame from the keyframe before each
read, scaled to the preview size) into /dev/null. With both cores busy all the time, no renderer with
this encoder takes less wall time than their CPU seconds added and shared over the machine's cores.

``--before`` is the git revision whose ``core/export/preview.py`` is the per-cut renderer (default:
the parent of the commit that replaced it); it is written to a temporary folder and imported from there.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from colour_media import colour_clips, expected_codes, frame_codes  # noqa: E402

from montage_ai import ffmpeg_cmd  # noqa: E402
from montage_ai.audio.analyze import analyze_music  # noqa: E402
from montage_ai.demo_media import synth_song  # noqa: E402
from montage_ai.encoders import select_encoder  # noqa: E402
from montage_ai.render.preview import (  # noqa: E402
    QUALITIES, _decode_args, _encode_args, plan_reads, preview_size, render_preview)
from montage_ai.plan.planner import PlanSettings, plan_montage  # noqa: E402
from montage_ai.timebase import Rate  # noqa: E402
from montage_ai.video.probe import probe_clip  # noqa: E402

RATES = ["30000/1001", "30000/1001", "25", "24000/1001", "30000/1001", "60000/1001"]


def reference_args(plan, out: Path, size: tuple[int, int] | None = None, video: list[str] | None = None,
                   audio: list[str] | None = None) -> list[str]:
    """One ffmpeg process: an input per cut (seeking as ours does), each conformed to the timeline by
    ``fps`` rounding up (frame k shows source frame floor(k * clip_fps / fps)), scaled, concatenated;
    at ``size`` with the ``video`` and ``audio`` codec arguments (default: the full preview's)."""
    w, h = size or preview_size(plan, "full")
    quality, inputs, chains = QUALITIES["full"], [], []
    video = video or ["-c:v", "libx264", "-preset", quality.preset, "-crf", str(quality.crf)]
    audio = audio or ["-c:a", "aac", "-b:a", quality.audio_bitrate]
    for i, cut in enumerate(plan.cuts):
        clip_fps = cut.clip.rate.fps
        needed = int((cut.record_frames - 1) * Fraction(clip_fps) / plan.rate.fps) + 1
        seek = max(0.0, (cut.source_in - 0.5) / float(clip_fps))
        inputs += ["-ss", f"{seek:.6f}", "-t", f"{(needed + 1) / float(clip_fps):.6f}", "-i", str(cut.clip.path)]
        chains.append(f"[{i}:v]settb={1 / clip_fps},setpts=N,fps=fps={plan.rate}:round=up,"
                      f"trim=end_frame={cut.record_frames},scale={w}:{h}:force_original_aspect_ratio=decrease,"
                      f"pad={w}:{h}:(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p[v{i}]")
    graph = ";".join(chains) + ";" + "".join(f"[v{i}]" for i in range(len(plan.cuts))) + \
        f"concat=n={len(plan.cuts)}:v=1:a=0[v]"
    seconds = plan.frames / float(plan.rate.fps)
    return ["-y", *inputs, "-ss", f"{plan.music_start_time:.6f}", "-i", str(plan.music.path),
            "-filter_complex", graph, "-map", "[v]", "-map", f"{len(plan.cuts)}:a:0", "-fps_mode", "passthrough",
            *video, *audio, "-af", f"apad,atrim=duration={seconds:.6f}",
            "-movflags", "+faststart", str(out)]


def per_cut_renderer(ref: str | None, folder: Path):
    """``render_preview`` of the per-cut renderer at git revision ``ref``."""
    if ref is None:
        replaced = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%H", "-S", "def _segment(",
                                   "--", "core/export/preview.py"], capture_output=True, text=True, check=True)
        ref = replaced.stdout.strip() + "^"
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{ref}:core/export/preview.py"],
                            capture_output=True, text=True, check=True).stdout
    path = folder / "preview_per_cut.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("montage_ai.export.preview_per_cut", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.render_preview


def timed(fn) -> tuple[float, float]:
    """Wall seconds and CPU seconds (this process and its finished children) of ``fn()``."""
    def cpu() -> float:
        return sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
                   for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    wall, used = time.perf_counter(), cpu()
    fn()
    return time.perf_counter() - wall, cpu() - used


def ssim(video: Path, lossless: Path) -> str:
    """ffmpeg's mean SSIM of ``video`` against ``lossless``."""
    err = subprocess.run(["ffmpeg", "-nostdin", "-i", str(video), "-i", str(lossless), "-lavfi", "[0:v][1:v]ssim",
                          "-f", "null", "-"], capture_output=True, text=True, check=True).stderr
    return err.rsplit("All:", 1)[-1].split()[0]


def check_frames(name: str, plan, video: Path) -> str:
    clips, numbers = frame_codes(video)
    want_clips, want_numbers = expected_codes(plan)
    if len(numbers) != plan.frames:
        return f"{name}: {len(numbers)} frames, plan has {plan.frames}"
    wrong = np.flatnonzero((clips != want_clips) | (numbers != want_numbers))
    return f"{name}: {plan.frames} frames, " + (f"{wrong.size} differ from the plan (first at {wrong[0]})"
                                                   if wrong.size else "every frame is the planned source frame")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--media", type=Path, default=Path(tempfile.gettempdir()) / "montage-ai-bench-preview")
    parser.add_argument("--source-size", default="1280x720")
    parser.add_argument("--gop", type=int, default=250)
    parser.add_argument("--style", default="dynamic")
    parser.add_argument("--before", help="git revision of the per-cut renderer")
    args = parser.parse_args()
    media = args.media / f"{args.source_size}-gop{args.gop}"
    media.mkdir(parents=True, exist_ok=True)
    song = media / "song.wav"
    if not song.exists():
        synth_song(song)
    if (media / "clips.done").exists():
        clips = [probe_clip(p) for p in sorted(media.glob("*.mov"))]
    else:
        clips = colour_clips(media, RATES, seconds=20, coded=True, size=args.source_size, moving=True, gop=args.gop)
        (media / "clips.done").touch()
    plan = plan_montage(analyze_music(song), clips, PlanSettings(fps=Rate.parse("29.97"), style=args.style))
    reads = len(plan_reads(plan)[0])
    print(f"plan: {len(plan.cuts)} cuts, {plan.frames} frames at {plan.rate} fps "
          f"({plan.frames / float(plan.rate.fps):.1f} s), {len(clips)} sources {args.source_size} at "
          f"{', '.join(sorted({str(c.rate) for c in clips}))}, keyframes every {args.gop}; preview {'x'.join(map(str, preview_size(plan)))}; "
          f"ours uses {reads} decoders")
    with tempfile.TemporaryDirectory(prefix="montage-ai-bench-") as tmp:
        tmp = Path(tmp)
        old = per_cut_renderer(args.before, tmp)
        QUALITIES["lossless"] = replace(QUALITIES["full"], crf=0)  # the same frames, losslessly encoded
        render_preview(plan, tmp / "lossless.mp4", quality="lossless")
        raw = tmp / "frames.yuv"
        ffmpeg_cmd.run(["-y", "-i", str(tmp / "lossless.mp4"), "-map", "0:v:0", "-f", "rawvideo", "-pix_fmt", "yuv420p",
                        str(raw)], "raw frames")
        encode_only = [str(raw) if a == "pipe:0" else a for a in
                       _encode_args(plan, preview_size(plan), QUALITIES["full"], select_encoder().encoder,
                                    tmp / "encode_only.mp4")]
        jobs = {"ours": lambda: render_preview(plan, tmp / "ours.mp4"),
                "reference": lambda: ffmpeg_cmd.run(reference_args(plan, tmp / "reference.mp4"), "reference"),
                "per-cut": lambda: old(plan, tmp / "per_cut.mp4"),
                "ours draft": lambda: render_preview(plan, tmp / "draft.mp4", quality="draft"),
                "encode only": lambda: ffmpeg_cmd.run(encode_only, "encode only"),
                "decode only": lambda: [ffmpeg_cmd.run([*_decode_args(read, preview_size(plan))[:-1], "-y", os.devnull],
                                                       "decode only") for read in plan_reads(plan)[0]]}
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in jobs}
        for _ in range(args.runs):  # interleaved, so load changes on a shared machine hit all alike
            for name, job in jobs.items():
                results[name].append(timed(job))
        for name, video in (("ours", "ours.mp4"), ("reference", "reference.mp4"), ("ours draft", "draft.mp4")):
            print(check_frames(name, plan, tmp / video))
        for name, video in (("ours", "ours.mp4"), ("per-cut", "per_cut.mp4")):
            print(f"{name}: SSIM {ssim(tmp / video, tmp / 'lossless.mp4')} against the lossless render of the same "
                  f"frames, {(tmp / video).stat().st_size / 1e6:.1f} MB")
    wall = {name: statistics.median(w for w, _ in r) for name, r in results.items()}
    cpu = {name: statistics.median(c for _, c in r) for name, r in results.items()}
    for name in jobs:
        print(f"{name:>11}: {wall[name]:6.2f} s wall, {cpu[name]:6.2f} s CPU  (median of {args.runs})")
    print(f"ours / reference: {wall['ours'] / wall['reference']:.2f}x wall, {cpu['ours'] / cpu['reference']:.2f}x CPU"
          f" (target <= 1.2)")
    print(f"per-cut / ours: {wall['per-cut'] / wall['ours']:.2f}x wall, {cpu['per-cut'] / cpu['ours']:.2f}x CPU"
          f" (target >= 3)")
    print(f"per-cut / encode only: {wall['per-cut'] / wall['encode only']:.2f}x wall, "
          f"{cpu['per-cut'] / cpu['encode only']:.2f}x CPU")
    floor = (cpu["encode only"] + cpu["decode only"]) / (os.cpu_count() or 1)
    print(f"floor: (encode only + decode only CPU) / {os.cpu_count()} cores = {floor:.2f} s wall; "
          f"per-cut / floor: {wall['per-cut'] / floor:.2f}x (the most any renderer with this encoder reaches here)")


if __name__ == "__main__":
    main()
