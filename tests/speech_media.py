"""Generated dialogue material with known speech regions: espeak-ng phrases placed in a clip over
noise or music, the truth measured on the clean speech before mixing (never committed)."""
from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from montage_ai.audio import wav

RATE = 16000
SENTENCES = ("Hello, this is a short test of the dialogue track.", "We keep what people say.",
             "The vows come over the outro, and the music steps back.", "Seven eight nine.",
             "An interview line over the build.", "Nobody cuts a word in half here.")
#: 10 ms truth frames: speech where the clean signal is within 35 dB of its loudest frame.
TRUTH_DB = 35.0
TRUTH_BRIDGE = 0.35


@dataclass(frozen=True)
class SpeechClip:
    path: Path
    truth: list[tuple[float, float]]  # seconds
    speech: np.ndarray  # the clean speech track (RATE)
    background: np.ndarray  # the background alone (RATE)


def espeak(text: str, voice: str = "en-us", speed: int = 165) -> np.ndarray:
    """``text`` spoken by espeak-ng, float mono at ``RATE``."""
    wav = subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "--stdout", text], check=True,
                         capture_output=True).stdout
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", "pipe:0", "-ac", "1", "-ar", str(RATE), "-f", "f32le", "-"],
                         input=wav, check=True, capture_output=True).stdout
    return np.frombuffer(out, "<f4").astype(np.float64)


def music_bed(seconds: float, seed: int = 0) -> np.ndarray:
    """Chords and a kick/hat pattern at 120 BPM: a background with speech-band energy and attacks."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    roots = (220.0, 174.6, 261.6, 196.0)
    chord = np.zeros_like(t)
    for k, root in enumerate(roots * int(seconds // 8 + 1)):
        span = (t >= 2 * k) & (t < 2 * k + 2)
        for ratio in (1, 1.25, 1.5, 2):
            chord[span] += np.sin(2 * np.pi * root * ratio * t[span]) / 4
    beat = np.zeros_like(t)
    for b in np.arange(0, seconds, 0.5):
        n = int(b * RATE)
        m = min(len(t) - n, int(0.15 * RATE))
        tt = np.arange(m) / RATE
        beat[n:n + m] += np.sin(2 * np.pi * (60 + 80 * np.exp(-tt / 0.03)) * tt) * np.exp(-tt / 0.05)
        h = min(len(t) - n - RATE // 4, int(0.05 * RATE))
        if h > 0:
            beat[n + RATE // 4:n + RATE // 4 + h] += 0.3 * np.diff(rng.standard_normal(h + 1)) * np.exp(
                -np.arange(h) / RATE / 0.01)
    return 0.5 * chord + 0.5 * beat


def pink_noise(seconds: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1))
    return np.fft.irfft(spectrum, n)


def rms_db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.square(x)) + 1e-20))


def truth_regions(speech: np.ndarray) -> list[tuple[float, float]]:
    """Phrases of the clean speech: 10 ms frames within ``TRUTH_DB`` of the loudest, pauses up to
    ``TRUTH_BRIDGE`` bridged."""
    size = RATE // 100
    levels = 10 * np.log10(np.mean(speech[:len(speech) // size * size].reshape(-1, size) ** 2, axis=1) + 1e-20)
    on = levels > levels.max() - TRUTH_DB
    edges = np.flatnonzero(np.diff(np.concatenate(([0], on.astype(np.int8), [0]))))
    out: list[list[float]] = []
    for a, b in zip(edges[::2] / 100, edges[1::2] / 100):
        if out and a - out[-1][1] <= TRUTH_BRIDGE:
            out[-1][1] = b
        else:
            out.append([a, b])
    return [(float(a), float(b)) for a, b in out]


def speech_track(seconds: float, placements: list[tuple[float, str]], voice: str = "en-us") -> np.ndarray:
    """Sentences spoken at the given start times (seconds), peak near -6 dBFS."""
    track = np.zeros(int(seconds * RATE))
    for start, text in placements:
        said = espeak(text, voice)
        n = int(start * RATE)
        track[n:n + len(said)] += said[:len(track) - n]
    return 0.5 * track / max(1e-9, np.abs(track).max())


def write_wav(path: Path, samples: np.ndarray, rate: int = RATE) -> Path:
    wav.write_wav(path, samples, rate)
    return path


def tone_wav(path: Path, freq: float, seconds: float, rate: int = 48000) -> Path:
    """A steady sine at 0.3 of full scale: music whose level is easy to follow."""
    return write_wav(path, 0.3 * np.sin(2 * np.pi * freq * np.arange(int(rate * seconds)) / rate), rate)


def speech_clip(path: Path, seconds: float, placements: list[tuple[float, str]], background: str = "noise",
                snr_db: float = 12.0, fps: str = "25", seed: int = 0, voice: str = "en-us") -> SpeechClip:
    """A clip (``.wav``, or a video with ``fps`` when ``path`` ends in ``.mov``/``.mp4``) with speech at the
    given places over ``background`` ("noise", "music" or "silence") at ``snr_db`` (speech vs background
    RMS over the speech regions)."""
    speech = speech_track(seconds, placements, voice)
    truth = truth_regions(speech)
    bed = {"noise": pink_noise, "music": music_bed, "silence": lambda s, seed: np.zeros(int(s * RATE))}[background](
        seconds, seed)
    if background != "silence":
        inside = np.concatenate([speech[int(a * RATE):int(b * RATE)] for a, b in truth])
        bed *= 10 ** ((rms_db(inside) - snr_db - rms_db(bed)) / 20)
    mix = speech + bed
    if path.suffix == ".wav":
        write_wav(path, mix)
    else:
        wav = write_wav(path.with_suffix(".audio.wav"), mix)
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size=320x180:rate={fps}",
                        "-i", str(wav), "-t", f"{seconds}", "-map", "0:v", "-map", "1:a", "-c:v", "libx264",
                        "-preset", "ultrafast", "-g", "12", "-c:a", "pcm_s16le", "-ar", "48000", str(path)],
                       check=True)
        wav.unlink()
    return SpeechClip(path, truth, speech, bed)


def boundary_f1(found: list[tuple[float, float]], truth: list[tuple[float, float]],
                tolerance: float = 0.15) -> tuple[float, float, float]:
    """Precision, recall and F1 of region boundaries (starts matched to starts, ends to ends, each at
    most once, within ``tolerance`` seconds)."""
    hits = 0
    for which in (0, 1):
        left = [r[which] for r in truth]
        for b in (r[which] for r in found):
            near = [t for t in left if abs(t - b) <= tolerance]
            if near:
                left.remove(min(near, key=lambda t: abs(t - b)))
                hits += 1
    p = hits / max(1, 2 * len(found))
    r = hits / max(1, 2 * len(truth))
    return p, r, 2 * p * r / max(p + r, 1e-9)
