"""Synthetic media with known truth: a drum track whose beat times are known by construction,
and test footage rendered by ffmpeg's lavfi sources (different looks, motion, rates, timecodes)."""
from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import ffmpeg_cmd

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


def drifting_beats(count: int, bpm_from: float, bpm_to: float | None = None, lead_in: float = 0.5) -> list[float]:
    """``count`` beat times whose tempo moves linearly from ``bpm_from`` to ``bpm_to``."""
    bpm = np.linspace(bpm_from, bpm_to or bpm_from, count)
    return list(lead_in + np.concatenate([[0.0], np.cumsum(60.0 / bpm[:-1])]))


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


def write_wav(path: Path, samples: np.ndarray, sr: int) -> None:
    """Write float samples in [-1, 1] (shape ``(n,)`` or ``(n, channels)``) as 16-bit PCM."""
    data = samples if samples.ndim == 2 else samples[:, None]
    with wave.open(str(path), "wb") as w:
        w.setnchannels(data.shape[1])
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes((np.clip(data, -1, 1) * 32767).astype("<i2").tobytes())


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


#: The walking subject of :func:`subject_clip`: a white square of this many pixels, SUBJECT_Y from the top.
SUBJECT_SIDE, SUBJECT_Y = 100, 300


def subject_x(t: float, width: int = 1280, speed: float = 160.0, wait: float = 2.0) -> float:
    """The subject's left edge (pixels) at clip time ``t``: it waits ``wait`` s 100 px from the left
    edge, walks right at ``speed`` px/s and waits again 100 px from the right edge."""
    travel = width - 200 - SUBJECT_SIDE
    return 100 + min(max(t - wait, 0.0) * speed, travel)


def subject_clip(path: Path, seconds: float = 10.0, size: tuple[int, int] = (1280, 720), rate: str = "25",
                 speed: float = 160.0, wait: float = 2.0) -> Path:
    """A clip of :func:`subject_x`'s subject on a dark, still, slightly noisy background (H.264)."""
    w, h = size
    travel = w - 200 - SUBJECT_SIDE
    x = f"100+min(max(t-{wait},0)*{speed},{travel})"
    graph = (f"color=c=0x283848:s={w}x{h}:r={rate},noise=alls=6:allf=t[bg];"
             f"color=c=white:s={SUBJECT_SIDE}x{SUBJECT_SIDE}:r={rate}[fg];"
             f"[bg][fg]overlay=x='{x}':y={SUBJECT_Y}:shortest=1")
    ffmpeg_cmd.run(["-y", "-f", "lavfi", "-i", graph, "-t", str(seconds), "-pix_fmt", "yuv420p", "-c:v", "libx264",
                    "-preset", "ultrafast", "-g", "25", str(path)], path)
    return path
