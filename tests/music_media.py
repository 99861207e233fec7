"""Generated music with known beats and bars for tests and benchmarks (never committed): metronomes, drumless
songs of soft attacks, tempo curves for :func:`montage_ai.demo_media.synth_song`."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from montage_ai.audio.wav import write_wav
from montage_ai.demo_media import PROGRESSION, SynthSong


def drifting_beats(count: int, bpm_from: float, bpm_to: float | None = None, lead_in: float = 0.5) -> list[float]:
    """``count`` beat times whose tempo moves linearly from ``bpm_from`` to ``bpm_to``."""
    bpm = np.linspace(bpm_from, bpm_to or bpm_from, count)
    return list(lead_in + np.concatenate([[0.0], np.cumsum(60.0 / bpm[:-1])]))


def click_track(path: Path, *, bpm: float = 120.0, beats_per_bar: int = 4, bars: int = 16,
                accent: str = "loud", lead_in: float = 0.8, sr: int = 44100,
                bar_lengths: list[int] | None = None) -> SynthSong:
    """Write a metronome: a short click on every beat, the bar's first click accented (``"loud"``:
    the same click 7 dB louder; ``"pitch"``: an octave higher, as DAW metronomes do).
    ``bar_lengths`` (beats of each bar, e.g. a 2/4 bar among 4/4 ones) overrides ``bars``."""
    lengths = bar_lengths or [beats_per_bar] * bars
    first = np.concatenate([[True] + [False] * (n - 1) for n in lengths])
    b = lead_in + np.arange(first.size) * 60.0 / bpm
    y = np.zeros(int((b[-1] + 1.0) * sr))
    t = np.arange(int(0.03 * sr)) / sr
    for start, accented in zip(np.round(b * sr).astype(int), first):
        freq = 1600.0 if accented and accent == "pitch" else 800.0
        gain = 0.9 if accented and accent == "loud" else 0.4 if accent == "loud" else 0.7
        y[start:start + t.size] += gain * np.sin(2 * np.pi * freq * t) * np.exp(-t / 0.008)
    write_wav(path, y, sr)
    return SynthSong(path, list(b), list(b[first]), y.size / sr)


def soft_song(path: Path, *, bpm: float = 84.0, beats_per_bar: int = 3, bars: int = 20, sr: int = 22050,
              seed: int = 3, subdivision: int = 2) -> SynthSong:
    """Write a drumless song of soft attacks (15-20 ms rises, as plucked or bowed notes): a bass
    note on each bar's first beat, a chord on the others, a quiet melody note on every eighth (so
    the onsets come twice per beat, the bass once per bar; ``subdivision=3``: three per beat, as in
    6/8 counted in two). Four roots, one per bar."""
    rng = np.random.default_rng(seed)
    period = 60.0 / bpm
    b = 0.5 + np.arange(bars * beats_per_bar) * period
    y = np.zeros(int((b[-1] + 2.0) * sr))

    def add(t: float, freqs: list[float], length: float, attack: float, decay: float, level: float) -> None:
        x = np.arange(int(length * sr)) / sr
        note = level * np.minimum(x / attack, 1.0) * np.exp(-x / decay)
        note = note * sum(np.sin(2 * np.pi * f * x) / (k + 1) for k, f in enumerate(freqs))
        start = int(round(t * sr))
        y[start:start + note.size] += note[: y.size - start]

    for k, t in enumerate(b):
        root = PROGRESSION[(k // beats_per_bar) % len(PROGRESSION)]
        if k % beats_per_bar == 0:
            add(t, [root / 2, root], 3 * period, 0.015, 0.6, 0.5)
        else:
            add(t, [root * 2, root * 2.52, root * 3], period, 0.02, 0.3, 0.25)
        for part in np.arange(subdivision) / subdivision:
            add(t + part * period, [root * 4 * 2 ** (int(rng.integers(0, 5)) / 12)], period / subdivision, 0.02, 0.15,
                0.12)
    write_wav(path, y / np.abs(y).max() * 0.8, sr)
    return SynthSong(path, list(b), list(b[::beats_per_bar]), y.size / sr)
