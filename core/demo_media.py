"""The demo's media (``montage-ai demo``): a drum-and-pad song whose beat times are known by construction, and
footage rendered by ffmpeg's lavfi sources (different looks, motion, rates, timecodes). Tests and benchmarks
use them too; their other generators live in ``tests/`` (``music_media.py``, ``subject_media.py``)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import ffmpeg_cmd
from .audio.wav import write_wav

#: (name, bars, level 0..1) of the demo song's arc.
DEMO_ARC = (("intro", 4, 0.25), ("build", 8, 0.55), ("climax", 8, 1.0), ("sustain", 6, 0.7), ("outro", 4, 0.3))


#: Bass roots (Hz) of the demo song, one per bar: A, F, C, G.
PROGRESSION = (110.0, 87.31, 130.81, 98.0)


@dataclass(frozen=True)
class SynthSong:
    path: Path
    beats: list[float]
    downbeats: list[float]
    duration: float


def _kick(sr: int, level: float) -> np.ndarray:
    t = np.arange(int(0.18 * sr)) / sr
    freq = 50 + 90 * np.exp(-t / 0.03)
    return level * np.sin(2 * np.pi * np.cumsum(freq) / sr) * np.exp(-t / 0.06)


def _stab(sr: int, root: float) -> np.ndarray:
    """A short bright chord (three octaves above ``root`` and up, no energy in the kick band)."""
    t = np.arange(int(0.12 * sr)) / sr
    tone = sum(np.sign(np.sin(2 * np.pi * root * ratio * t)) for ratio in (8.0, 10.08, 12.0)) / 3
    return tone * np.exp(-t / 0.04)


def _noise_hit(rng: np.random.Generator, sr: int, length: float, decay: float, level: float, bright: bool) -> np.ndarray:
    n = int(length * sr)
    noise = rng.standard_normal(n)
    if bright:
        noise = np.diff(noise, prepend=0.0)  # crude high-pass: hi-hat
    return level * 0.3 * noise * np.exp(-np.arange(n) / sr / decay)


#: Kick positions within a 4/4 bar, in beats from the bar start.
KICK_PATTERNS = {"four": (0, 1, 2, 3), "rock": (0, 2, 2.5), "syncopated": (0, 1.5, 2.75), "half": (0,)}


def _at(beats: np.ndarray, position: float) -> float:
    """Time of a fractional beat position (linear between beats, last period repeated)."""
    k = min(int(position), len(beats) - 2)
    return float(beats[k] + (position - k) * (beats[k + 1] - beats[k]))


def synth_song(path: Path, beats: list[float] | None = None, *, bpm: float = 124.0, lead_in: float = 0.37,
               arc=DEMO_ARC, sr: int = 44100, swing: float = 0.0, kick: str = "four", noise: float = 0.0,
               stabs: float = 0.0, seed: int = 7) -> SynthSong:
    """Write a stereo 16-bit WAV drum-and-pad song; return it with its exact beat times.

    ``beats`` (seconds, 4/4 bars) default to a steady ``bpm`` grid after ``lead_in`` with as many
    beats as ``arc`` has. Kicks follow ``KICK_PATTERNS[kick]`` with their attack exactly on time,
    snares on 2 and 4, hi-hats on eighths (``swing`` delays the off-beat eighth by that fraction
    of a beat), a bass note and pad chord change on every bar start; loudness follows ``arc``;
    ``noise`` adds white noise at that amplitude; ``stabs`` adds a chord stab on every off-beat
    eighth at that level (house music: louder attacks between the beats than on them).
    """
    rng = np.random.default_rng(seed)
    arc_levels = [level for _, bars, level in arc for _ in range(bars * 4)]
    if beats is None:
        beats = [lead_in + k * 60.0 / bpm for k in range(len(arc_levels))]
    b = np.asarray(beats, dtype=float)
    ext = np.append(b, b[-1] + (b[-1] - b[-2]))  # one more beat to place the last bar's off-beats
    levels = np.interp(np.linspace(0, 1, len(b)), np.linspace(0, 1, len(arc_levels)), arc_levels)
    duration = float(ext[-1] + (b[-1] - b[-2]))
    y = np.zeros(int(duration * sr) + sr)

    def add(t: float, hit: np.ndarray) -> None:
        start = int(round(t * sr))
        y[start:start + hit.size] += hit[: y.size - start]

    for bar_start in range(0, len(b), 4):
        for pos in KICK_PATTERNS[kick]:
            k = bar_start + pos
            if k < len(b):
                level = levels[min(int(k), len(b) - 1)]
                add(_at(ext, k), _kick(sr, 0.5 + 0.5 * level * (1.2 if pos == 0 else 0.8)))
    for k, level in enumerate(levels):
        if k % 4 in (1, 3) and level >= 0.5:
            add(b[k], _noise_hit(rng, sr, 0.15, 0.05, level, bright=False))
        if level >= 0.5:
            for off in (0.0, 0.5 + swing / 2):
                add(_at(ext, k + off), _noise_hit(rng, sr, 0.04, 0.012, 0.4 * level, True))
    if stabs:
        for k, level in enumerate(levels):
            add(_at(ext, k + 0.5), stabs * level * _stab(sr, PROGRESSION[(k // 4) % len(PROGRESSION)]))
    t_all = np.arange(y.size) / sr
    bar_times = b[::4]
    bar = np.clip(np.searchsorted(bar_times, t_all, side="right") - 1, 0, len(bar_times) - 1)
    root = np.array(PROGRESSION)[bar % len(PROGRESSION)]
    pad = sum(np.sin(2 * np.pi * np.cumsum(root * ratio) / sr) for ratio in (2.0, 2.52, 3.0)) / 3
    bass = np.sin(2 * np.pi * np.cumsum(root) / sr)
    since_bar = t_all - bar_times[bar]
    level_curve = np.interp(t_all, b, levels)
    y += (t_all >= b[0]) * level_curve * (0.08 * pad + 0.25 * bass * np.exp(-since_bar / (2 * (b[1] - b[0]))))
    if noise:
        y += noise * rng.standard_normal(y.size)
    y = np.clip(y / max(1.0, np.abs(y).max() / 0.9), -1, 1)
    write_wav(path, np.stack([y, y], axis=1), sr)
    return SynthSong(path, list(b), list(bar_times), y.size / sr)


#: (file name, lavfi source, rate, seconds, start timecode or None, with audio)
DEMO_CLIPS = (
    ("city_lights.mp4", "testsrc2=size=1280x720:rate={rate}", "24000/1001", 12, "01:00:00:00", True),
    ("zoom_fractal.mp4", "mandelbrot=size=1280x720:rate={rate}:end_pts=200", "24000/1001", 10, None, False),
    ("life_game.mp4", "life=size=640x360:rate={rate}:mold=10:ratio=0.1:death_color=#C83232:life_color=#00ff00:mold_color=#2a4c8c,scale=1280:720:flags=neighbor", "25", 10, "00:10:00:00", False),
    ("gradient_wash.mp4", "gradients=size=1280x720:rate={rate}:speed=0.03:seed=5", "24000/1001", 11, None, False),
    ("cell_rain.mp4", "cellauto=size=640x360:rate={rate}:rule=110,scale=1280:720:flags=neighbor", "30000/1001", 9, None, False),
)


def synth_footage(folder: Path, clips=DEMO_CLIPS) -> list[Path]:
    """Render the demo clips into ``folder`` with ffmpeg lavfi; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, source, rate, seconds, timecode, audio in clips:
        out = folder / name
        args = ["-y", "-f", "lavfi", "-i", source.format(rate=rate)]
        if audio:
            args += ["-f", "lavfi", "-i", f"sine=frequency=330:sample_rate=48000:duration={seconds}"]
        args += ["-t", str(seconds), "-r", rate, "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast",
                 "-g", "12"]
        if audio:
            args += ["-c:a", "aac", "-shortest"]
        if timecode:
            args += ["-timecode", timecode]
        ffmpeg_cmd.run([*args, str(out)], out)
        paths.append(out)
    return paths
