"""Beat and downbeat F-measure (mir_eval, 70 ms) of the shipped model and decoder on the held-out
synthesized songs (seeds ending in 0), straight from their stored features: for choosing decoder
settings without touching real recordings.

    python training/evaluate.py [--data training/data] [--weights W.npz] [--spread 16 8 4]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import mir_eval
import numpy as np

from montage_ai.audio import bar_pointer
from montage_ai.audio.beat_model import WEIGHTS, activations, load_weights
from montage_ai.audio.onsets import HOP

FPS = 22050 / HOP


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parent / "data")
    ap.add_argument("--spread", type=float, nargs="+", default=[bar_pointer.OBSERVATION_SPREAD])
    ap.add_argument("--prior", type=float, default=bar_pointer.PRIOR_WEIGHT)
    ap.add_argument("--limit", type=int, default=100)
    ap.add_argument("--weights", type=Path, default=WEIGHTS)
    args = ap.parse_args()
    weights = load_weights(args.weights)
    songs = [f for f in sorted(args.data.glob("song*.npz")) if int(f.stem[4:]) % 10 == 0][:args.limit]
    acts = []
    for f in songs:
        with np.load(f) as d:
            acts.append((activations(d["mel_db"].astype(np.float32), weights), d["beats"], d["downbeats"],
                         int(d["beats_per_bar"])))
    bar_pointer.PRIOR_WEIGHT = args.prior
    for spread in args.spread:
        bar_pointer.OBSERVATION_SPREAD = spread
        f_beat, f_bar, metre = [], [], []
        for (beat, down), ref, ref_bars, bpb in acts:
            times, bars, m = bar_pointer.decode(beat, down, FPS)
            f_beat.append(mir_eval.beat.f_measure(mir_eval.beat.trim_beats(ref), mir_eval.beat.trim_beats(times)))
            f_bar.append(mir_eval.beat.f_measure(mir_eval.beat.trim_beats(ref_bars),
                                                 mir_eval.beat.trim_beats(times[bars]) if len(bars) else np.zeros(0)))
            metre.append(m == bpb)
        print(f"spread {spread:g}: beat F {np.mean(f_beat):.3f}  bar F {np.mean(f_bar):.3f}  metre {np.mean(metre):.2f}"
              f"  ({len(acts)} songs)", flush=True)


if __name__ == "__main__":
    main()
