"""The preview's sound with dialogue: the music range ducked by the envelope of :mod:`.ducking`, each
dialogue event's audio laid at its record frames (10 ms fades against clicks), 48 kHz stereo WAV."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import ffmpeg_cmd
from ..audio.wav import write_wav
from ..model import Plan
from .ducking import duck_points, gain_db

MIX_RATE = 48000
FADE_SECONDS = 0.01


def _decode(path: Path, start: float, seconds: float, channels: int) -> np.ndarray:
    raw = ffmpeg_cmd.run(["-ss", f"{start:.6f}", "-t", f"{seconds:.6f}", "-i", str(path), "-vn", "-map", "0:a:0",
                          "-ac", str(channels), "-ar", str(MIX_RATE), "-f", "f32le", "-"], path)
    return np.frombuffer(raw, "<f4").reshape(-1, channels).copy()


def mix_dialogue(plan: Plan, out: Path, staged: Path | None = None) -> None:
    """Write the mix of ``plan`` to ``out``; event files are read from ``staged`` when this run's
    isolated voices are still there (not yet moved into the output folder)."""
    fps = float(plan.rate.fps)
    n = round(plan.frames / fps * MIX_RATE)
    mix = np.zeros((n, 2), dtype=np.float32)
    music = _decode(plan.music.path, plan.music_start_time, plan.frames / fps, 2)[:n]
    mix[:len(music)] = music
    mix *= (10 ** (gain_db(duck_points(plan), np.arange(n, dtype=np.float32) / MIX_RATE) / 20)).astype(np.float32)[:, None]
    for e in plan.dialogue:
        path = staged / e.path.name if staged is not None and (staged / e.path.name).is_file() else e.path
        voice = _decode(path, e.source_in / float(e.rate.fps), e.record_frames / fps, 1)[:, 0]
        fade = min(len(voice) // 2, round(FADE_SECONDS * MIX_RATE))
        if fade:
            ramp = np.linspace(0, 1, fade, dtype=np.float32)
            voice[:fade] *= ramp
            voice[-fade:] *= ramp[::-1]
        at = round(e.record_start / fps * MIX_RATE)
        voice = voice[:max(0, n - at)]
        mix[at:at + len(voice)] += voice[:, None]
    write_wav(out, mix, MIX_RATE)
