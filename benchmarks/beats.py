"""Beat accuracy and speed: Montage AI's tracker against librosa's default ``beat_track``, same run.

Synthesises songs with known beat and bar times (tempo 60-180 BPM, drift, a tempo change, swing,
syncopated and half-time kicks, a quiet intro, noise, off-beat chord stabs, an MP3 round trip, accented metronomes in 4/4
and 3/4) and prints, per song and pooled: F-measure (mir_eval, 70 ms window), median / p95 absolute
error and mean signed error (ms, over beats matched within 70 ms), analysis seconds per minute of
audio, and for our engines (learned, dsp, hybrid) the bar-start F-measure (librosa has no downbeat tracker).

    python benchmarks/beats.py [--out DIR] [--quick] [--random N [--seed S]]

``--random N`` adds N songs drawn at random (tempo 60-180, kick pattern, swing, noise, lead-in,
every fifth drifting by up to +-25 %): a harder, unseen set to check the tuned set does not flatter.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import librosa
import mir_eval
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from montage_ai.audio.analyze import analyze_music  # noqa: E402
from montage_ai.demo_media import SynthSong, synth_song  # noqa: E402
from music_media import click_track, drifting_beats  # noqa: E402

WINDOW = 0.07
LONG_ARC = (("intro", 4, 0.25), ("build", 8, 0.55), ("climax", 8, 1.0), ("sustain", 6, 0.7), ("outro", 4, 0.3))
QUIET_INTRO = (("intro", 8, 0.08), ("build", 8, 0.5), ("climax", 8, 1.0), ("outro", 4, 0.4))


def songs(folder: Path, quick: bool) -> list[tuple[str, SynthSong]]:
    specs = {
        "steady 124": dict(bpm=124),
        "slow 60 rock": dict(bpm=60, kick="rock"),
        "fast 180": dict(bpm=180),
        "drift 100->130": dict(beats=drifting_beats(120, 100, 130)),
        "change 100|140": dict(beats=drifting_beats(64, 100)[:-1] + drifting_beats(57, 140, lead_in=
                                                                                    drifting_beats(64, 100)[-1])),
        "swing 110": dict(bpm=110, swing=0.33),
        "syncopated 96": dict(bpm=96, kick="syncopated"),
        "half-time 85": dict(bpm=85, kick="half"),
        "quiet intro 128": dict(bpm=128, arc=QUIET_INTRO),
        "noise 128": dict(bpm=128, noise=0.05),
        "late start 140": dict(bpm=140, lead_in=3.3),
        "offbeat stabs 124": dict(bpm=124, stabs=1.0, arc=(("groove", 24, 0.45),)),
    }
    if quick:
        specs = dict(list(specs.items())[:4])
    out = [(name, synth_song(folder / f"song{i:02d}.wav", seed=i, **spec)) for i, (name, spec) in enumerate(specs.items())]
    mp3 = folder / "song00.mp3"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(out[0][1].path), "-c:a", "libmp3lame", "-b:a", "192k",
                    str(mp3)], check=True)
    out.append(("mp3 of steady 124", SynthSong(mp3, out[0][1].beats, out[0][1].downbeats, out[0][1].duration)))
    if not quick:
        out.append(("click 4/4 loud 100", click_track(folder / "click4.wav", bpm=100, accent="loud")))
        out.append(("click 3/4 pitch 138", click_track(folder / "click3.wav", bpm=138, beats_per_bar=3,
                                                       accent="pitch")))
    return out


def random_songs(folder: Path, count: int, seed: int) -> list[tuple[str, SynthSong]]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        bpm, kick = float(rng.uniform(60, 180)), ("four", "rock", "syncopated", "half")[i % 4]
        beats = drifting_beats(120, bpm, bpm * float(rng.uniform(0.8, 1.25))) if i % 5 == 4 else None
        swing, noise = (0.0, 0.0, 0.25)[i % 3], (0.0, 0.02)[i % 2]
        song = synth_song(folder / f"random{i:02d}.wav", beats, bpm=bpm, kick=kick, swing=swing, noise=noise,
                          seed=1000 + i, lead_in=float(rng.uniform(0, 2)))
        name = f"r {bpm:.0f} {kick[:5]}{' drift' if beats else ''}{' sw' if swing else ''}{' n' if noise else ''}"
        out.append((name, song))
    return out


def errors_ms(ref: np.ndarray, est: np.ndarray) -> np.ndarray:
    """Signed error (ms) of the nearest estimate for each reference beat matched within the window."""
    if est.size == 0:
        return np.zeros(0)
    nearest = est[np.argmin(np.abs(est[None, :] - ref[:, None]), axis=1)]
    d = nearest - ref
    return 1000 * d[np.abs(d) <= WINDOW]


def ours(path: Path, engine: str) -> tuple[np.ndarray, np.ndarray]:
    music = analyze_music(path, use_cache=False, beat_engine=engine)
    return np.asarray(music.beats), np.asarray(music.downbeats)


def learned(path: Path) -> tuple[np.ndarray, np.ndarray]:
    return ours(path, "learned")


def dsp(path: Path) -> tuple[np.ndarray, np.ndarray]:
    return ours(path, "dsp")


def hybrid(path: Path) -> tuple[np.ndarray, np.ndarray]:
    return ours(path, "hybrid")


def librosa_default(path: Path) -> tuple[np.ndarray, None]:
    y, sr = librosa.load(str(path))
    return librosa.beat.beat_track(y=y, sr=sr, units="time")[1], None


def measure(tracker, song: SynthSong) -> dict:
    start = time.perf_counter()
    est, bars = tracker(song.path)
    seconds = time.perf_counter() - start
    ref = np.asarray(song.beats)
    bar_f = np.nan if bars is None else mir_eval.beat.f_measure(np.asarray(song.downbeats), bars, WINDOW)
    return {"f": mir_eval.beat.f_measure(ref, est, f_measure_threshold=WINDOW), "err": errors_ms(ref, est),
            "s_per_min": seconds / song.duration * 60, "bar_f": bar_f}


def summary(rows: list[dict]) -> dict:
    err = np.concatenate([r["err"] for r in rows])
    return {"f": float(np.mean([r["f"] for r in rows])), "median": float(np.median(np.abs(err))),
            "p95": float(np.percentile(np.abs(err), 95)), "mean": float(np.mean(err)),
            "s_per_min": float(np.mean([r["s_per_min"] for r in rows])),
            "bar_f": float(np.mean([r["bar_f"] for r in rows]))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="keep the generated songs here")
    parser.add_argument("--quick", action="store_true", help="four songs only")
    parser.add_argument("--random", type=int, default=0, metavar="N", help="add N random songs")
    parser.add_argument("--seed", type=int, default=1, help="seed of the random songs")
    args = parser.parse_args()
    folder = args.out or Path(tempfile.mkdtemp(prefix="montage-beats-"))
    folder.mkdir(parents=True, exist_ok=True)
    compare(songs(folder, args.quick) + random_songs(folder, args.random, args.seed), folder)


def compare(named_songs: list[tuple[str, SynthSong]], folder: Path) -> None:
    """Run both trackers on each song and print a row per song and tracker, the pooled rows, and the
    ratios of median error and time."""
    trackers = {"learned": learned, "dsp": dsp, "hybrid": hybrid, "librosa": librosa_default}
    warmup = synth_song(folder / "warmup.wav", bpm=100, arc=(("a", 2, 1.0),)).path
    for tracker in trackers.values():
        tracker(warmup)  # JIT warm-up, every tracker
    results = {label: [] for label in trackers}
    print(f"{'song':<20} {'tracker':<8} {'F':>6} {'med ms':>7} {'p95 ms':>7} {'mean ms':>8} {'s/min':>6} {'bar F':>6}")
    for name, song in named_songs:
        for label, tracker in trackers.items():
            r = measure(tracker, song)
            results[label].append(r)
            err = r["err"] if r["err"].size else np.array([np.nan])
            print(f"{name:<20} {label:<8} {r['f']:6.3f} {np.median(np.abs(err)):7.2f} "
                  f"{np.percentile(np.abs(err), 95):7.2f} {np.mean(err):8.2f} {r['s_per_min']:6.2f} {r['bar_f']:6.3f}")
    print()
    pooled = {k: summary(v) for k, v in results.items()}
    for label, s in pooled.items():
        print(f"{'ALL':<20} {label:<8} {s['f']:6.3f} {s['median']:7.2f} {s['p95']:7.2f} {s['mean']:8.2f} "
              f"{s['s_per_min']:6.2f} {s['bar_f']:6.3f}")
    print()
    for label in ("learned", "dsp", "hybrid"):
        ratio = pooled["librosa"]["median"] / max(pooled[label]["median"], 1e-9)
        speed = pooled[label]["s_per_min"] / pooled["librosa"]["s_per_min"]
        print(f"median error: librosa / {label} = {ratio:.1f}x   time: {label} / librosa = {speed:.2f}x")


if __name__ == "__main__":
    main()
