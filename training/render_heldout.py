"""Held-out synthesized songs (seeds ending in 0, never trained on) rendered to audio with their beats, in
the folder format of ``benchmarks/real_music.py`` (``TRACKS.tsv``, ``<name>.wav``, ``<name>.beats``), so
settings that need the audio (the chord change at each beat) are chosen on songs the model never saw and
all engines are measured on them alike:

    nice python training/render_heldout.py --out /tmp/heldout [--every 3]
    python benchmarks/real_music.py --folder /tmp/heldout --trackers learned,dsp,hybrid,librosa

Same songs and damage as :mod:`make_data` (each song from its seed, :func:`make_data.rendered`); the soundfont
and reverb are drawn per group of ten rendered together. Drumless songs are listed as ``expressive``, the others ``steady``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_data as md  # noqa: E402

from montage_ai.audio.wav import write_wav  # noqa: E402

LAST_SEED = 2320  # seeds rendered so far: 0-2319


def bar_numbers(beats: np.ndarray, downbeats: np.ndarray) -> np.ndarray:
    """Beat-in-bar number of each beat (1 on a downbeat; 0 before the first)."""
    out, k = np.zeros(len(beats), dtype=int), 0
    for j, b in enumerate(beats):
        k = 1 if np.any(np.abs(downbeats - b) < 1e-6) else (k + 1 if k else 0)
        out[j] = k
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--every", type=int, default=3, help="every Nth held-out seed (3: 78 songs)")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    seeds = list(range(0, LAST_SEED, 10))[::args.every]
    with open(args.out / "TRACKS.tsv", "w") as tracks:
        tracks.write("# name\tcategory\tgroove, beats per bar, BPM\n")
        for g in range(0, len(seeds), md.BATCH):
            for seed, song, y, beats, downbeats in md.rendered(seeds[g:g + md.BATCH]):
                name = f"heldout{seed:05d}"
                write_wav(args.out / f"{name}.wav", y, md.SR)
                np.savetxt(args.out / f"{name}.beats", np.column_stack([beats, bar_numbers(beats, downbeats)]),
                           fmt="%.6f %d")
                category = "expressive" if song.groove == "drumless" else "steady"
                tracks.write(f"{name}\t{category}\t{song.groove}, {song.beats_per_bar}, {song.bpm:.0f}\n")
            print(f"{min(g + md.BATCH, len(seeds))} of {len(seeds)} songs", flush=True)

if __name__ == "__main__":
    main()
