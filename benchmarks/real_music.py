"""Beats, tempo and bars on real recordings with human annotations: our learned, dsp and hybrid engines against
librosa's default ``beat_track`` (and Essentia's RhythmExtractor2013 / madmom's RNN+DBN when importable), same files,
one run.

Reads ``<folder>/TRACKS.tsv`` (name, category steady/expressive) and each ``<name>.beats`` (one beat
per line: seconds, then the beat-in-bar number where annotated) next to its audio. The audio is for
measuring only: it is never committed or shipped, and this script skips with one line when it is
absent. Prints per track and tracker: F (mir_eval, 70 ms), CMLt, AMLt, median / p95 absolute and
mean signed error of matched beats (ms), estimated vs annotated BPM with a label (ok, double, half,
x3, /3, off-beat, other, no beats), downbeat F where annotated (our engines and madmom track downbeats),
beats per bar found / annotated, seconds; then pooled lines over all, steady and expressive tracks (mean F / CMLt / AMLt over tracks,
a track without beats counting 0; errors pooled over matched beats).

``--excerpts SECONDS`` measures windows of that length instead (every SECONDS from 5 s in, each written as a
22.05 kHz mono WAV to a temporary folder and analysed alone, its annotations moved to start with it): the
trackers hear what they would in a set of 30-second excerpts of songs, with no context before or after.
Tracks no longer than 5 s plus one window are excerpts already and are measured whole; a window with fewer than 8
annotated beats is left out (its count is printed); ``--only`` takes the tracks' names, before they are cut.

    python benchmarks/real_music.py [--folder DIR (default $MONTAGE_AI_REAL_MUSIC or ../shared/real_music)] [--only NAME ...] [--trackers learned,dsp,hybrid,librosa]
                                    [--excerpts 30]
"""
from __future__ import annotations

import argparse
import csv
import os
import subprocess
import tempfile
import time
from pathlib import Path

import mir_eval
import numpy as np
from beats import WINDOW, dsp, errors_ms, hybrid, learned, librosa_default  # benchmarks/beats.py: same trackers, same error
from montage_ai.ffmpeg_cmd import probe

DEFAULT_FOLDER = Path(os.environ.get("MONTAGE_AI_REAL_MUSIC")
                      or Path(__file__).resolve().parents[1] / ".." / "shared" / "real_music")
AUDIO_SUFFIXES = (".wav", ".flac", ".mp3")
#: Recordings of the sets kept for the review (GTZAN in any copy, BRID): left out wherever they turn up.
HELD_OUT_PREFIXES = ("gtzan", "brid")
#: Estimated / annotated tempo within this many octaves counts as the same level (±6 %).
SAME_LEVEL = 0.085


def essentia_rhythm(path: Path) -> tuple[np.ndarray, None]:
    import essentia.standard as es
    audio = es.MonoLoader(filename=str(path), sampleRate=44100)()
    return np.asarray(es.RhythmExtractor2013(method="multifeature")(audio)[1]), None


def madmom_dbn(path: Path) -> tuple[np.ndarray, np.ndarray]:
    from madmom.features import beats, downbeats
    act = beats.RNNBeatProcessor()(str(path))
    est = beats.DBNBeatTrackingProcessor(fps=100)(act)
    bars = downbeats.DBNDownBeatTrackingProcessor(beats_per_bar=[3, 4], fps=100)(
        downbeats.RNNDownBeatProcessor()(str(path)))
    return est, bars[bars[:, 1] == 1, 0]


def available_trackers() -> dict:
    trackers = {"learned": learned, "dsp": dsp, "hybrid": hybrid, "librosa": librosa_default}
    for name, module, fn in (("essentia", "essentia.standard", essentia_rhythm), ("madmom", "madmom", madmom_dbn)):
        try:
            __import__(module)
            trackers[name] = fn
        except Exception:  # noqa: BLE001 - absent or broken: just not measured
            pass
    return trackers


def read_tracks(folder: Path) -> list[tuple[str, str, Path, np.ndarray, np.ndarray | None]]:
    """(name, category, audio, beat times, downbeat times or None) per row of TRACKS.tsv."""
    out = []
    with open(folder / "TRACKS.tsv", encoding="utf-8") as f:
        for row in csv.reader((line for line in f if not line.startswith("#")), delimiter="\t"):
            name, category = row[0], row[1]
            if name.lower().startswith(HELD_OUT_PREFIXES):
                print(f"{name}: skipped, an excerpt of a set kept for the review (never tested on)")
                continue
            audio = next(folder / f"{name}{s}" for s in AUDIO_SUFFIXES if (folder / f"{name}{s}").is_file())
            rows = [line.split() for line in (folder / f"{name}.beats").read_text().splitlines() if line.strip()]
            beats = np.array([float(r[0]) for r in rows])
            downbeats = np.array([float(r[0]) for r in rows if len(r) > 1 and int(float(r[1])) == 1])
            out.append((name, category, audio, beats, downbeats if all(len(r) > 1 for r in rows) else None))
    return out


#: Excerpts start this far into a track, and hold at least this many annotated beats.
EXCERPT_START, EXCERPT_MIN_BEATS = 5.0, 8


def excerpts(tracks: list, seconds: float, folder: Path) -> list[tuple[str, str, Path, np.ndarray, np.ndarray | None]]:
    """Each track cut into windows of ``seconds`` every ``seconds`` (from ``EXCERPT_START``), written to ``folder``
    as 22.05 kHz mono WAV, with the annotations inside each window moved to start with it; a track no longer
    than ``EXCERPT_START`` plus one window as it is; windows with fewer than ``EXCERPT_MIN_BEATS`` annotated
    beats left out."""
    out, sparse = [], 0
    for name, category, audio, ref, ref_bars in tracks:
        length = float(probe(audio)["format"]["duration"])
        if length <= EXCERPT_START + seconds:
            out.append((name, category, audio, ref, ref_bars))
            continue
        for start in np.arange(EXCERPT_START, length - seconds + 1e-9, seconds):
            inside = lambda t: t[(t >= start) & (t < start + seconds)] - start  # noqa: E731
            if len(inside(ref)) < EXCERPT_MIN_BEATS:
                sparse += 1
                continue
            wav = folder / f"{name}@{start:g}.wav"
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-ss", f"{start}", "-t", f"{seconds}", "-i", str(audio),
                            "-ac", "1", "-ar", "22050", str(wav)], check=True)
            bars = None if ref_bars is None else inside(ref_bars)
            out.append((f"{name}@{start:g}", category, wav, inside(ref), bars))
    if sparse:
        print(f"{sparse} window(s) with fewer than {EXCERPT_MIN_BEATS} annotated beats left out")
    return out


def bpm(beats: np.ndarray) -> float:
    return float(60.0 / np.median(np.diff(beats))) if len(beats) > 1 else 0.0


def level_label(est: np.ndarray, ref: np.ndarray, f: float, amlt: float) -> str:
    """How the estimate's tempo relates to the annotation's (the metrical level it counts)."""
    if len(est) < 2:
        return "no beats"
    octaves = np.log2(bpm(est) / bpm(ref))
    for label, ratio in (("ok", 1), ("double", 2), ("half", 0.5), ("x3", 3), ("/3", 1 / 3)):
        if abs(octaves - np.log2(ratio)) <= SAME_LEVEL:
            return "off-beat" if label == "ok" and f < 0.3 and amlt > 0.3 else label
    return "other"


def measure(tracker, audio: Path, ref: np.ndarray, ref_bars: np.ndarray | None) -> dict:
    start = time.perf_counter()
    est, bars = tracker(audio)
    seconds = time.perf_counter() - start
    est = mir_eval.beat.trim_beats(np.asarray(est, dtype=float), min_beat_time=0.0)
    ref_t = mir_eval.beat.trim_beats(ref, min_beat_time=0.0)
    f = mir_eval.beat.f_measure(ref_t, est, f_measure_threshold=WINDOW)
    _, cmlt, _, amlt = mir_eval.beat.continuity(ref_t, est) if len(est) > 1 else (0, 0.0, 0, 0.0)
    bar_f, meter = np.nan, beats_per_bar(est, bars)
    if ref_bars is not None and bars is not None:
        bar_f = mir_eval.beat.f_measure(ref_bars, np.asarray(bars, dtype=float), f_measure_threshold=WINDOW)
    return {"f": f, "cmlt": cmlt, "amlt": amlt, "err": errors_ms(ref, est), "est_bpm": bpm(est),
            "label": level_label(est, ref, f, amlt), "bar_f": bar_f, "meter": meter, "seconds": seconds}


def beats_per_bar(beats: np.ndarray, bars: np.ndarray | None) -> str:
    """The median number of beats from one bar start to the next ("-" without bars)."""
    if bars is None or len(bars) < 2 or len(beats) < 2:
        return "-"
    return f"{np.median(np.diff(np.searchsorted(beats, np.asarray(bars) - 1e-3))):g}"


def row(name: str, label: str, r: dict, ref_bpm: float | str, ref_meter: str = "") -> str:
    err = r["err"] if r["err"].size else np.array([np.nan])
    ref = f"{ref_bpm:6.1f}" if isinstance(ref_bpm, float) else f"{ref_bpm:>6}"
    return (f"{name:<30} {label:<8} {r['f']:6.3f} {r['cmlt']:6.3f} {r['amlt']:6.3f} {np.median(np.abs(err)):7.1f} "
            f"{np.percentile(np.abs(err), 95):7.1f} {np.mean(err):8.1f} {r['est_bpm']:7.1f} {ref} "
            f"{r['label']:<9} {r['bar_f']:6.3f} {r['meter']:>3}/{ref_meter:<3} {r['seconds']:6.2f}")


def pooled(rows: list[dict]) -> dict:
    err = np.concatenate([r["err"] for r in rows]) if rows else np.zeros(0)
    err = err if err.size else np.array([np.nan])
    bar = [r["bar_f"] for r in rows if not np.isnan(r["bar_f"])]
    labels = [r["label"] for r in rows]
    summary = ", ".join(f"{labels.count(k)} {k}" for k in dict.fromkeys(labels) if k != "ok")
    return {"f": np.mean([r["f"] for r in rows]), "cmlt": np.mean([r["cmlt"] for r in rows]),
            "amlt": np.mean([r["amlt"] for r in rows]), "err": err, "est_bpm": np.nan,
            "label": f"{labels.count('ok')}/{len(rows)} ok", "bar_f": np.mean(bar) if bar else np.nan,
            "meter": "", "seconds": float(np.sum([r["seconds"] for r in rows])), "others": summary}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=DEFAULT_FOLDER, help="annotated recordings and TRACKS.tsv")
    parser.add_argument("--only", nargs="*", help="track names to measure (default: all)")
    parser.add_argument("--trackers", help="comma-separated subset of: learned, dsp, hybrid, librosa, essentia, madmom")
    parser.add_argument("--excerpts", type=float, metavar="SECONDS", help="measure windows of this length, each alone")
    args = parser.parse_args()
    if not (args.folder / "TRACKS.tsv").is_file():
        print(f"real_music: skipped, no annotated recordings at {args.folder.resolve()}")
        return
    trackers = available_trackers()
    if args.trackers:
        trackers = {k: v for k, v in trackers.items() if k in args.trackers.split(",")}
    tracks = [t for t in read_tracks(args.folder) if not args.only or t[0] in args.only]
    with tempfile.TemporaryDirectory(prefix="real_music_excerpts_") as tmp:
        if args.excerpts:
            tracks = excerpts(tracks, args.excerpts, Path(tmp))
        run(tracks, trackers)


def run(tracks: list, trackers: dict) -> None:
    """Every tracker on every track: a row each, then the pooled rows."""
    results: dict[str, list[tuple[str, dict]]] = {k: [] for k in trackers}
    shortest = min(tracks, key=lambda t: t[2].stat().st_size)[2]
    for tracker in trackers.values():
        tracker(shortest)  # warm-up (librosa's numba compilation) outside the timings
    print(f"{'track':<30} {'tracker':<8} {'F':>6} {'CMLt':>6} {'AMLt':>6} {'med ms':>7} {'p95 ms':>7} "
          f"{'mean ms':>8} {'est BPM':>7} {'ref':>6} {'level':<9} {'bar F':>6} {'bpb/ref':>7} {'sec':>6}")
    for name, category, audio, ref, ref_bars in tracks:
        for label, tracker in trackers.items():
            r = measure(tracker, audio, ref, ref_bars)
            results[label].append((category, r))
            print(row(name, label, r, bpm(ref), beats_per_bar(ref, ref_bars)))
    print()
    for group in ("all", "steady", "expressive"):
        for label, rs in results.items():
            chosen = [r for c, r in rs if group in ("all", c)]
            if chosen:
                p = pooled(chosen)
                print(row(f"{group.upper()} ({len(chosen)})", label, p, "") + f"  {p['others']}")


if __name__ == "__main__":
    main()
