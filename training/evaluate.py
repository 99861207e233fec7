"""Beat and downbeat F-measure (mir_eval, 70 ms) of the shipped model and decoder on the held-out
synthesized songs (seeds ending in 0), straight from their stored features: for choosing decoder
settings without touching real recordings. Prints all held-out songs, then those before and from
``songs.RECORD_LIKE`` (the songs with record-like timbres) apart.

    python training/evaluate.py [--data training/data] [--weights W.npz] [--spread 16 8 4]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import mir_eval
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from songs import RECORD_LIKE  # noqa: E402

from montage_ai.audio import bar_pointer  # noqa: E402
from montage_ai.audio.beat_model import WEIGHTS, activations, load_weights  # noqa: E402
from montage_ai.audio.onsets import HOP  # noqa: E402

FPS = 22050 / HOP


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parent / "data")
    ap.add_argument("--spread", type=float, nargs="+", default=[bar_pointer.OBSERVATION_SPREAD])
    ap.add_argument("--prior", type=float, default=bar_pointer.PRIOR_WEIGHT)
    ap.add_argument("--limit", type=int, default=1000)
    ap.add_argument("--weights", type=Path, default=WEIGHTS)
    args = ap.parse_args()
    weights = load_weights(args.weights)
    songs = [f for f in sorted(args.data.glob("song*.npz")) if int(f.stem[4:]) % 10 == 0][:args.limit]
    acts = []
    for f in songs:
        with np.load(f) as d:
            acts.append((activations(d["mel_db"].astype(np.float32), weights), d["beats"], d["downbeats"],
                         int(d["beats_per_bar"]), int(f.stem[4:]) >= RECORD_LIKE))
    bar_pointer.PRIOR_WEIGHT = args.prior
    for spread in args.spread:
        bar_pointer.OBSERVATION_SPREAD = spread
        f_beat, f_bar, metre = [], [], []
        for (beat, down), ref, ref_bars, bpb, _ in acts:
            times, bars, m = bar_pointer.decode(beat, down, FPS)
            f_beat.append(mir_eval.beat.f_measure(mir_eval.beat.trim_beats(ref), mir_eval.beat.trim_beats(times)))
            f_bar.append(mir_eval.beat.f_measure(mir_eval.beat.trim_beats(ref_bars),
                                                 mir_eval.beat.trim_beats(times[bars]) if len(bars) else np.zeros(0)))
            metre.append(m == bpb)
        late = np.array([song[4] for song in acts])
        for name, chosen in (("all", late | ~late), (f"seeds < {RECORD_LIKE}", ~late), ("record-like", late)):
            if chosen.any():
                print(f"spread {spread:g}, {name}: beat F {np.mean(np.array(f_beat)[chosen]):.3f}  bar F "
                      f"{np.mean(np.array(f_bar)[chosen]):.3f}  metre {np.mean(np.array(metre)[chosen]):.2f}"
                      f"  ({int(chosen.sum())} songs)", flush=True)


if __name__ == "__main__":
    main()
