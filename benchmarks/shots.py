"""Shot-boundary benchmark: footage with known boundaries, ours vs PySceneDetect in the same run.

Each sequence joins random segments of lavfi sources (test patterns, fractals, cellular automata,
plasma, noise, bars) with camera-like pans, zooms and shake, grain and flashes, by hard cuts and by
cross-fades, dissolves and fades through black or white. A hard cut is found when a detection lies
within +-1 frame of it; a gradual transition when a detection lies inside it (+-1 frame). Flashes
are not boundaries. The held-out set uses sources the detector was never tuned on and other seeds.

    python benchmarks/shots.py [--sequences N] [--seed S] [--heldout] [--keep DIR] [--takes] [--real DIR]

``--takes`` adds generated single camera takes (``tests/take_media.py``: whip pan, exposure and
white-balance jumps and ramps, focus hunting, fire and LED flicker, a flash, moving objects, a
counter, a shrinking element), where every boundary found is false: false boundaries per 10 minutes.
``--real DIR`` adds real footage fetched by ``benchmarks/real_footage/fetch.py`` into ``DIR``
(sources, commits and licences in ``sources.json``), annotated by eye in
``benchmarks/real_footage/annotations.json`` (``{"file": {"cuts": [first frame of each new shot],
"gradual": [[first, last], ...], "single_take": bool}}``), and the edits ``fetch.py`` makes of those
takes (``DIR/edits.json``): edited clips count in P/R/F1, single takes in false boundaries per 10 minutes.

PySceneDetect (the ``bench`` extra: ``pip install -e '.[bench]'``) runs as ``scenedetect.detect(path,
detector)`` with its default ContentDetector (threshold 27, min_scene_len 15) and AdaptiveDetector
(adaptive_threshold 3, window 2, min_content_val 15): OpenCV's decoder in the same process, every frame,
downscaled to about 256 px wide before its detector (its auto_downscale). Ours is the whole
``analyze_file``: probe and one decode at ~160x90 in the same process (PyAV), every measure (change, structure, motion,
quality), boundaries, verification and per-shot scores, i.e. everything ``analyze-footage`` reports. Speed is
frames per second of wall time and of CPU time (ours: the Python process and its ffmpeg children), after one
untimed warm-up run of each detector (imports, ffmpeg's hardware-decoder listing, OpenCV's set-up); the
detectors take turns file by file, so a change of load on the machine hits them alike. A last row times ffmpeg decoding every frame and
doing nothing else (full size, its default threads): the floor for any detector that looks at every
frame with this machine's software decoder.
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SIZE = (640, 360)
#: Sources used while building the detector.
TUNING_SOURCES = ("testsrc2", "mandelbrot", "life", "gradients", "cellauto", "plasma", "smptebars", "noise")
#: Sources never looked at while tuning.
HELDOUT_SOURCES = ("sierpinski", "rgbtestsrc", "rings", "colorgrain", "yuvtestsrc", "checker")
GRADUAL = ("fade", "dissolve", "fadeblack", "fadewhite", "smoothleft")


@dataclass(frozen=True)
class Boundary:
    first: int  # first frame of the transition (the first frame of the new shot for a hard cut)
    last: int  # last frame of it (== first for a hard cut)
    kind: str


def _source(name: str, rng: random.Random, rate: str, frames: int) -> str:
    """A lavfi source of ``name`` at 960x540 (room for pans and zooms) with random parameters."""
    s, r = "960x540", rate
    small = f"color=c=black:s=320x180:r={r}"  # geq evaluates per pixel: draw small, scale up
    hue = rng.randrange(360)
    sources = {
        "testsrc2": f"testsrc2=s={s}:r={r}",
        "mandelbrot": f"mandelbrot=s={s}:r={r}:start_scale={rng.uniform(0.5, 3):.2f}:end_scale={rng.uniform(0.05, 0.3):.3f}"
                      f":end_pts={rng.randint(50, 400)}",
        "life": f"life=s=320x180:r={r}:mold={rng.randint(5, 30)}:ratio={rng.uniform(0.05, 0.3):.2f}"
                f":life_color=#{rng.randrange(1 << 24):06x}:death_color=#{rng.randrange(1 << 24):06x},scale={s}:flags=neighbor",
        "gradients": f"gradients=s={s}:r={r}:speed={rng.uniform(0.005, 0.05):.3f}:seed={rng.randrange(1000)}",
        "cellauto": f"cellauto=s=320x180:r={r}:rule={rng.choice([30, 90, 110, 150])}:random_seed={rng.randrange(1000)}"
                    f",scale={s}:flags=neighbor",
        "plasma": f"{small},geq=lum='128+90*sin(X/{rng.uniform(10, 60):.1f}+T*{rng.uniform(0.5, 3):.2f})"
                  f"*cos(Y/{rng.uniform(10, 60):.1f}-T*{rng.uniform(0.3, 2):.2f})':cb='128+60*sin(X/{rng.uniform(20, 90):.1f})'"
                  f":cr='128+60*cos(Y/{rng.uniform(20, 90):.1f}+T)',scale={s}",
        "smptebars": f"smptehdbars=s={s}:r={r}",
        "noise": f"color=c=#{rng.randrange(1 << 24):06x}:s={s}:r={r},noise=alls={rng.randint(8, 25)}:allf=t",
        "sierpinski": f"sierpinski=s={s}:r={r}:seed={rng.randrange(1000)}:jump={rng.randint(50, 150)}:type={rng.choice(['carpet', 'triangle'])}",
        "rgbtestsrc": f"rgbtestsrc=s={s}:r={r},hue=h={hue}",
        "rings": f"{small},geq=lum='128+120*sin(hypot(X-W/2,Y-H/2)/{rng.uniform(4, 20):.1f}"
                 f"-T*{rng.uniform(1, 6):.1f})':cb='128+50*sin(X/40)':cr='128',scale={s}",
        "colorgrain": f"color=c=#{rng.randrange(1 << 24):06x}:s={s}:r={r},drawgrid=w={rng.randint(40, 160)}:h={rng.randint(40, 160)}"
                      f":t=4:c=white,noise=alls=15:allf=t",
        "yuvtestsrc": f"yuvtestsrc=s={s}:r={r},hue=h={hue}",
        "checker": f"{small},geq=lum='if(mod(floor((X+T*{rng.randint(20, 200)})/{rng.randint(16, 64)})"
                   f"+floor(Y/{rng.randint(16, 64)}),2),{rng.randint(150, 230)},{rng.randint(20, 90)})':cb=128:cr=128"
                   f",scale={s}:flags=neighbor",
    }
    return sources[name] + f",trim=end_frame={frames}"


def _camera(rng: random.Random, seconds: float) -> str:
    """A camera move over the 960x540 source down to 640x360: still, pan, zoom or handheld shake."""
    move = rng.choice(["still", "pan", "zoom", "shake", "pan"])
    w, h = SIZE
    if move == "pan":
        x0, x1 = rng.uniform(0, 320), rng.uniform(0, 320)
        y0, y1 = rng.uniform(0, 180), rng.uniform(0, 180)
        return f"crop={w}:{h}:x='{x0:.0f}+({x1 - x0:.0f})*t/{seconds:.3f}':y='{y0:.0f}+({y1 - y0:.0f})*t/{seconds:.3f}'"
    if move == "zoom":
        rate = rng.uniform(0.05, 0.25)
        return f"scale=w='960*(1+{rate:.3f}*t)':h=-2:eval=frame,crop={w}:{h}"
    if move == "shake":
        a = rng.uniform(4, 14)
        return f"crop={w}:{h}:x='160+{a:.1f}*sin(t*13)+{a / 2:.1f}*sin(t*29)':y='90+{a:.1f}*cos(t*17)'"
    return f"crop={w}:{h}"


def make_sequence(path: Path, rng: random.Random, sources: tuple[str, ...], rate: str = "30000/1001",
                  segments: int = 8, render: bool = True) -> tuple[list[Boundary], list[int], int]:
    """Render one sequence (unless ``render`` is false: the same seed gives the same file); return its
    boundaries, flash frames and frame count."""
    fps = Fraction(rate)
    graph, chain, truth, flashes = [], None, [], []
    length = 0  # frames in the chain so far
    tb = f"settb={fps.denominator}/{fps.numerator},setpts=N"  # one frame per tick: xfade needs equal time bases
    for k in range(segments):
        frames = rng.randint(int(1.2 * fps), int(4 * fps))
        seconds = float(frames / fps)
        extra = [_camera(rng, seconds), "setsar=1", "format=yuv420p"]
        if rng.random() < 0.3:
            extra.append(f"noise=alls={rng.randint(3, 12)}:allf=t")
        if rng.random() < 0.25:  # a flash of 1-3 frames inside the segment
            at, n = rng.randint(8, frames - 10), rng.randint(1, 3)
            extra.append(f"drawbox=c=white@{rng.uniform(0.7, 1):.2f}:t=fill:enable='between(n,{at},{at + n - 1})'")
            flashes.append(length + at)
        graph.append(f"{_source(rng.choice(sources), rng, rate, frames)},{','.join(extra)},{tb}[s{k}]")
        if chain is None:
            chain, length = f"s{k}", frames
            continue
        if rng.random() < 0.5:
            graph.append(f"[{chain}][s{k}]concat=n=2:v=1:a=0,{tb}[c{k}]")
            truth.append(Boundary(length, length, "cut"))
            length += frames
        else:
            d = rng.randint(8, min(30, frames // 2, length // 2))
            offset = length - d
            kind = rng.choice(GRADUAL)
            graph.append(f"[{chain}][s{k}]xfade=transition={kind}:duration={float(d / fps):.6f}"
                         f":offset={float(offset / fps):.6f},{tb}[c{k}]")
            truth.append(Boundary(offset, offset + d - 1, kind))
            length += frames - d
        chain = f"c{k}"
    if not render:
        return truth, flashes, length
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-filter_complex", ";".join(graph),
                    "-map", f"[{chain}]", "-r", rate, "-c:v", "libx264", "-preset", "ultrafast", "-crf", "23",
                    "-pix_fmt", "yuv420p", str(path.with_suffix(".part.mp4"))], check=True)
    path.with_suffix(".part.mp4").replace(path)  # a run stopped mid-render leaves nothing to reuse
    return truth, flashes, length


def score(found: list[int], truth: list[Boundary]) -> tuple[int, int, int]:
    """(true positives, false positives, misses): each boundary matches at most one detection."""
    used: set[int] = set()
    tp = 0
    for b in truth:
        match = next((f for f in found if f not in used and b.first - 1 <= f <= b.last + 1), None)
        if match is not None:
            used.add(match)
            tp += 1
    return tp, len(found) - len(used), len(truth) - tp


def _cpu() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def ours():
    from montage_ai.video.footage import analyze_file

    def run(path: Path) -> list[int]:
        return [s.start for s in analyze_file(path).clip.shots[1:]]
    return run


def pyscenedetect(detector: str):
    from scenedetect import AdaptiveDetector, ContentDetector, detect
    make = {"content": ContentDetector, "adaptive": AdaptiveDetector}[detector]

    def run(path: Path) -> list[int]:
        return [start.frame_num for start, _ in detect(str(path), make())[1:]]
    return run


def decode_only(path: Path) -> list[int]:
    """No detection: ffmpeg decodes every frame of the first video stream and discards it."""
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-i", str(path), "-map", "0:v:0", "-f", "null", "-"],
                   check=True)
    return []


def real_cases(folder: Path) -> list[tuple[Path, list[Boundary], int, bool]]:
    """(file, boundaries, frames, single take) of the annotated real footage present in ``folder``."""
    notes = json.loads((ROOT / "benchmarks" / "real_footage" / "annotations.json").read_text(encoding="utf-8"))
    if (folder / "edits.json").exists():  # the edits fetch.py made of those takes, with their boundaries
        notes.update(json.loads((folder / "edits.json").read_text(encoding="utf-8")))
    cases = []
    for name, note in notes.items():
        path = folder / name
        if not path.exists():
            print(f"missing {path} (run benchmarks/real_footage/fetch.py {folder})")
            continue
        truth = [Boundary(c, c, "cut") for c in note.get("cuts", [])] + \
                [Boundary(a, b, "gradual") for a, b in note.get("gradual", [])]
        out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets", "-show_entries",
                              "stream=nb_read_packets", "-of", "csv=p=0", str(path)], capture_output=True, text=True)
        count = out.stdout.strip().split(",")[0]  # phone files' side data (a rotation) add fields after it
        cases.append((path, sorted(truth, key=lambda b: b.first), int(count or 0),
                      bool(note.get("single_take"))))
    return cases


def take_cases(folder: Path) -> list[tuple[Path, list[Boundary], int, bool]]:
    """Every generated single take (no boundary in any)."""
    from tests.take_media import DISTURBANCES, take
    made = [take(folder, kind) for kind in DISTURBANCES] + [take(folder, "fire flicker", rate="21/2")]
    return [(p, [], len(subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                                        "packet=pts", "-of", "csv=p=0", str(p)], capture_output=True,
                                       text=True).stdout.split()), True) for p in made]


def _seconds(path: Path) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
                         capture_output=True, text=True)
    return float(out.stdout.strip() or 0)


def compare(cases: list[tuple[Path, list[Boundary], int, bool]], detectors: dict) -> None:
    """P/R/F1 over the edited cases, false boundaries per 10 minutes of single takes, speed over all."""
    minutes = sum(_seconds(p) for p, *_, single in cases if single) / 60
    print(f"{'detector':<24} {'P':>6} {'R':>6} {'F1':>6} {'false/10m':>9} {'fps wall':>9} {'fps cpu':>8}")
    speed: dict[str, tuple[float, float, float]] = {}  # F1, fps wall, fps CPU
    for detect in detectors.values():
        detect(cases[0][0])  # untimed warm-up: imports, caches and one-time set-up of each detector
    counts = {name: [0, 0, 0, 0, 0.0, 0.0] for name in detectors}  # tp, fp, fn, false, wall, CPU
    for path, truth, frames, single in cases:  # file by file, every detector in turn: load changes hit all alike
        for name, detect in detectors.items():
            t0, c0 = time.perf_counter(), _cpu()
            found = detect(path)
            counts[name][4] += time.perf_counter() - t0
            counts[name][5] += _cpu() - c0
            if single:
                counts[name][3] += len(found)
            else:
                for k, v in enumerate(score(found, truth)):
                    counts[name][k] += v
    for name, detect in detectors.items():
        tp, fp, fn, false, wall, cpu = counts[name]
        p, r = tp / max(1, tp + fp), tp / max(1, tp + fn)
        f1 = 2 * p * r / max(1e-9, p + r)
        total = sum(f for *_, f, _ in cases)
        speed[name] = (f1, total / wall, total / cpu)
        rate = f"{10 * false / minutes:9.2f}" if minutes else f"{'-':>9}"
        if detect is decode_only:
            print(f"{name:<24} {'-':>6} {'-':>6} {'-':>6} {'-':>9} {total / wall:9.0f} {total / cpu:8.0f}")
        else:
            print(f"{name:<24} {p:6.3f} {r:6.3f} {f1:6.3f} {rate} {total / wall:9.0f} {total / cpu:8.0f}")
    best = max((n for n in speed if n.startswith("PySceneDetect")), key=lambda n: speed[n][0])
    ours_speed, peer, floor = speed["montage-ai"], speed[best], speed["ffmpeg decode only"]
    print(f"ours / {best} (the better F1): {ours_speed[1] / peer[1]:.2f}x wall, {ours_speed[2] / peer[2]:.2f}x CPU; "
          f"decoding alone: {floor[1] / peer[1]:.2f}x wall, {floor[2] / peer[2]:.2f}x CPU")
    total = sum(f for *_, f, _ in cases)
    batch = _batch_seconds([p for p, *_ in cases])
    print(f"ours as `analyze-footage` runs the whole set (no cache, this machine's pool of {os.cpu_count()} cores): "
          f"{total / batch:.0f} frames/s wall, {total / batch / peer[1]:.2f}x {best} file after file above")


def _batch_seconds(paths: list[Path]) -> float:
    """Wall time of one ``analyze_footage`` call over ``paths``, the cache off: the files on the pool
    at once, as a folder of footage is analysed."""
    from montage_ai.video.footage import analyze_footage
    t0 = time.perf_counter()
    results = analyze_footage(paths, use_cache=False)
    assert all(r.clip is not None for r in results), [w for r in results for w in r.warnings]
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sequences", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--heldout", action="store_true", help="sources never used while tuning")
    ap.add_argument("--keep", type=Path, help="keep the generated footage here (and reuse what is there)")
    ap.add_argument("--takes", action="store_true", help="also generated single camera takes (false boundaries)")
    ap.add_argument("--real", type=Path, help="also the annotated real footage fetched into this folder")
    args = ap.parse_args(argv)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="montage-shots-"))
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    sources = HELDOUT_SOURCES if args.heldout else TUNING_SOURCES
    cases = []
    for i in range(args.sequences):
        rate = rng.choice(["30000/1001", "25", "24000/1001", "60000/1001"])
        path = folder / f"seq_{args.seed}_{i}.mp4"
        truth, flashes, frames = make_sequence(path, rng, sources, rate, segments=rng.randint(6, 10),
                                               render=not (args.keep and path.exists()))
        cases.append((path, truth, frames, False))
    detectors = {"montage-ai": ours(), "PySceneDetect content": pyscenedetect("content"),
                 "PySceneDetect adaptive": pyscenedetect("adaptive"), "ffmpeg decode only": decode_only}
    if cases:
        print(f"{len(cases)} sequences, {sum(len(c[1]) for c in cases)} boundaries, {sum(c[2] for c in cases)} "
              f"frames at {SIZE[0]}x{SIZE[1]} ({'held-out' if args.heldout else 'tuning'} sources)")
        compare(cases, detectors)
    if args.takes:
        takes = take_cases(folder)
        print(f"\n{len(takes)} generated single takes, {sum(c[2] for c in takes)} frames")
        compare(takes, detectors)
    if args.real:
        real = real_cases(args.real)
        if real:
            edited = [c for c in real if not c[3]]
            print(f"\nreal footage: {len(edited)} edited clips ({sum(len(c[1]) for c in edited)} boundaries), "
                  f"{len(real) - len(edited)} single takes, {sum(c[2] for c in real)} frames")
            compare(real, detectors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
