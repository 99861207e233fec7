"""Render random songs (training/songs.py) with FluidSynth and Debian's General MIDI soundfonts, damage
them (varispeed, EQ, compression, noise, MP3), and store the beat model's input features with the
beat and downbeat times, one ``.npz`` per song.

    nice python training/make_data.py --out training/data --first 0 --count 600

Song ``i`` is drawn from seed ``i`` (its damage too; the soundfont and reverb from its batch of ``BATCH``), so a set is
reproducible. Needs ``fluidsynth``, ``ffmpeg`` and the soundfont packages ``fluid-soundfont-gm``,
``musescore-general-soundfont`` and ``timgm6mb-soundfont``; the model's ``train`` extra for mido.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from scipy.ndimage import maximum_filter1d, uniform_filter1d

sys.path.insert(0, str(Path(__file__).resolve().parent))
from songs import RECORD_LIKE, Song, draw, write_midi  # noqa: E402

from montage_ai.audio.decode import ANALYSIS_RATE  # noqa: E402
from montage_ai.audio.onsets import onset_bands  # noqa: E402

SOUNDFONTS = ("/usr/share/sounds/sf2/FluidR3_GM.sf2", "/usr/share/sounds/sf3/MuseScore_General_Full.sf3",
              "/usr/share/sounds/sf2/TimGM6mb.sf2")
SR = ANALYSIS_RATE
EXCERPT = 30.0  # seconds kept of each song
SONG = 34.0  # seconds of music drawn for each song
SLOT = 36.0  # seconds from one song's start to the next in a rendering (the last notes ring out)
BATCH = 10  # songs per FluidSynth run


def render(midi: Path, wav: Path, soundfont: str, reverb: bool, chorus: bool, gain: float) -> np.ndarray:
    subprocess.run(["fluidsynth", "-ni", "-q", "-R", str(int(reverb)), "-C", str(int(chorus)), "-g", f"{gain:.2f}",
                    "-r", str(SR), "-F", str(wav), "-T", "wav", "-O", "s16", soundfont, str(midi)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with wave.open(str(wav)) as w:
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768
        return data.reshape(-1, w.getnchannels()).mean(axis=1)


def eq(rng: np.random.Generator, y: np.ndarray) -> np.ndarray:
    """A smooth random gain curve over log frequency (±9 dB at a few nodes), applied in the FFT domain."""
    spectrum = np.fft.rfft(y)
    freqs = np.fft.rfftfreq(y.size, 1 / SR)
    nodes = np.log2(np.array([20, 80, 250, 800, 2500, 6000, 11025]))
    gains = rng.uniform(-9, 9, nodes.size)
    if rng.random() < 0.2:
        gains[:2] -= 20  # thin: no bass (phone, small speaker)
    curve = np.interp(np.log2(np.maximum(freqs, 20)), nodes, gains)
    return np.fft.irfft(spectrum * 10 ** (curve / 20), n=y.size).astype(np.float32)


def compress(rng: np.random.Generator, y: np.ndarray) -> np.ndarray:
    """Feed-forward compression: a 10 ms envelope, threshold under its peak, ratio 2-8."""
    env = np.sqrt(np.convolve(y ** 2, np.ones(220) / 220, mode="same")) + 1e-6
    threshold = env.max() * 10 ** (-rng.uniform(6, 20) / 20)
    ratio = rng.uniform(2, 8)
    gain = np.where(env > threshold, (env / threshold) ** (1 / ratio - 1), 1.0)
    gain = np.convolve(gain, np.ones(441) / 441, mode="same")  # 20 ms release
    return (y * gain).astype(np.float32)


def limit(rng: np.random.Generator, y: np.ndarray) -> np.ndarray:
    """A mastering limiter driven hard: 6-18 dB of gain into a ceiling, the gain following the peaks of the
    next and last 2.5 ms and recovering over 30 ms, then a soft clip (drums lose their edge, as on loud records)."""
    y = y / max(float(np.abs(y).max()), 1e-6) * 10 ** (rng.uniform(6, 18) / 20)
    peak = maximum_filter1d(np.abs(y), 111)
    gain = np.minimum(1.0, 1.0 / np.maximum(uniform_filter1d(maximum_filter1d(peak, 661), 661), 1e-6))
    return np.tanh(y * gain).astype(np.float32)


def lossy(y: np.ndarray, kbps: int, folder: Path) -> np.ndarray:
    """``y`` coded as MP3 at ``kbps`` and decoded, sample-aligned with ``y``. The MP3 goes to a file, not a
    pipe: only in a file can the encoder go back and write its delay (1105 samples at 22.05 kHz) into the
    header, which the decoder then skips; through a pipe the audio came back 50 ms late against its beats
    (takes 1-3 and the held-out audio before 2026-12-08)."""
    raw, coded = folder / "x.f32", folder / "x.mp3"
    y.astype("<f4").tofile(raw)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "f32le", "-ar", str(SR), "-ac", "1", "-i", str(raw),
                    "-c:a", "libmp3lame", "-b:a", f"{kbps}k", str(coded)], check=True)
    back = subprocess.run(["ffmpeg", "-v", "error", "-i", str(coded), "-f", "f32le", "-ac", "1", "-ar", str(SR), "-"],
                          capture_output=True, check=True).stdout
    z = np.frombuffer(back, dtype="<f4")
    return np.pad(z, (0, max(0, y.size - z.size)))[:y.size]


def damage(rng: np.random.Generator, y: np.ndarray, beats: np.ndarray, downbeats: np.ndarray,
           folder: Path, limiter: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Varispeed, a random start, EQ, compression, (with a ``limiter`` generator, at random) hard
    limiting, noise, level and MP3 coding, each at random; the beat and downbeat times follow."""
    if rng.random() < 0.5:  # varispeed: tempo and pitch together
        speed = float(np.exp(rng.uniform(-0.1, 0.1)))
        y = np.interp(np.arange(0, y.size, speed), np.arange(y.size), y).astype(np.float32)
        beats, downbeats = beats / speed, downbeats / speed
    start = float(rng.uniform(0, 3.5))
    y = y[int(start * SR):int((start + EXCERPT) * SR)]
    beats, downbeats = beats - start, downbeats - start
    if rng.random() < 0.7:
        y = eq(rng, y)
    if rng.random() < 0.5:
        y = compress(rng, y)
    if limiter is not None and limiter.random() < 0.6:
        y = limit(limiter, y)
    if rng.random() < 0.4:
        level = np.sqrt(np.mean(y ** 2)) * 10 ** (-rng.uniform(15, 40) / 20)
        noise = rng.normal(0, 1, y.size)
        if rng.random() < 0.5:  # pink-ish
            noise = np.cumsum(noise) - np.convolve(np.cumsum(noise), np.ones(64) / 64, mode="same")
        y = y + (level * noise / max(noise.std(), 1e-9)).astype(np.float32)
    y = y / max(float(np.abs(y).max()), 1e-6) * rng.uniform(0.2, 0.95)
    if rng.random() < 0.3:
        y = lossy(y, int(rng.choice([48, 64, 96, 128])), folder)
    return y, beats, downbeats


def rendered(seeds: list[int]) -> Iterator[tuple[int, Song, np.ndarray, np.ndarray, np.ndarray]]:
    """The songs of ``seeds`` rendered in one FluidSynth run (one soundfont, one reverb and chorus setting, drawn
    from the first seed: loading a soundfont costs more than rendering a song) and damaged: per song its seed,
    the song, the samples and the beat and downbeat times inside them."""
    rng = np.random.default_rng(10_000 + seeds[0])
    songs = [draw(seed, SONG) for seed in seeds]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_midi(songs, str(folder / "songs.mid"), SLOT)
        whole = render(folder / "songs.mid", folder / "songs.wav", SOUNDFONTS[int(rng.integers(0, len(SOUNDFONTS)))],
                       rng.random() < 0.6, rng.random() < 0.3, rng.uniform(0.3, 0.6))
        for i, (seed, song) in enumerate(zip(seeds, songs)):
            song_rng = np.random.default_rng(20_000 + seed)
            y = whole[int(i * SLOT * SR):int((i * SLOT + SONG) * SR)]
            limiter = np.random.default_rng([seed, 8]) if seed >= RECORD_LIKE else None
            y, beats, downbeats = damage(song_rng, y, song.beats, song.downbeats, folder, limiter)
            duration = y.size / SR
            yield (seed, song, y, beats[(beats >= 0) & (beats < duration)],
                   downbeats[(downbeats >= 0) & (downbeats < duration)])


def make_batch(first: int, out: Path) -> list[dict]:
    """Songs ``first`` .. ``first + BATCH - 1`` (:func:`rendered`), each stored as the model's input features
    with its beat and downbeat times."""
    report = []
    for seed, song, y, beats, downbeats in rendered(list(range(first, first + BATCH))):
        mel = onset_bands(y, SR).mel_db.astype(np.float16)
        np.savez_compressed(out / f"song{seed:05d}.npz", mel_db=mel, beats=beats, downbeats=downbeats,
                            beats_per_bar=song.beats_per_bar, compound=song.compound, bpm=song.bpm)
        report.append({"seed": seed, "groove": song.groove, "bpb": song.beats_per_bar,
                       "compound": song.compound, "bpm": round(song.bpm, 1)})
    return report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "data")
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--count", type=int, default=600)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for first in range(args.first, args.first + args.count, BATCH):
        if not (args.out / f"song{first + BATCH - 1:05d}.npz").exists():
            for line in make_batch(first, args.out):
                print(line, flush=True)


if __name__ == "__main__":
    main()
