"""Beat and bar accuracy on songs played by sampled instruments: MIDI written here (known beat and
bar times), rendered by FluidSynth with the FluidR3 General MIDI soundfont; ours vs librosa's
default ``beat_track`` in the same run, measured and printed as benchmarks/beats.py does. Closer to
real recordings than those synthesized songs (piano, strings, guitar, bass and drum-kit samples with
their own attack times), so errors here include each sample's attack: FluidR3's notes reach 30 % of
their peak 4-11 ms after the MIDI note-on.

    apt-get install fluidsynth fluid-soundfont-gm && pip install pretty_midi
    python benchmarks/rendered_songs.py [--out DIR]
"""
from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

import librosa
import numpy as np
import pretty_midi
from beats import compare  # benchmarks/beats.py: the same measures and table

from montage_ai.demo_media import SynthSong

SOUNDFONT = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
CHORDS = ([48, 52, 55], [45, 48, 52], [41, 45, 48], [43, 47, 50])  # C Am F G
DRUMS, PIANO, NYLON, STEEL, DIST, ACOUSTIC_BASS, BASS, PICK_BASS, PIZZ, STRINGS, LEAD = 0, 0, 24, 25, 30, 32, 33, 34, 45, 48, 81


class Song:
    """One MIDI song: ``note(program, pitch, time, length, velocity, drum)`` per part and beat."""

    def __init__(self, bpm: float, seed: int, jitter: float) -> None:
        self.midi = pretty_midi.PrettyMIDI(initial_tempo=bpm)
        self.parts: dict[tuple[int, bool], pretty_midi.Instrument] = {}
        self.rng = np.random.default_rng(seed)
        self.jitter = jitter  # seconds of random timing error per note (a player, not a sequencer)

    def note(self, program: int, pitch: int, t: float, length: float, velocity: int = 90, drum: bool = False) -> None:
        if (program, drum) not in self.parts:
            self.parts[program, drum] = pretty_midi.Instrument(program=program, is_drum=drum)
            self.midi.instruments.append(self.parts[program, drum])
        t = max(0.0, t + (self.rng.normal(0, self.jitter) if self.jitter else 0.0))
        vel = int(np.clip(velocity + self.rng.integers(-8, 8), 1, 127))
        self.parts[program, drum].notes.append(pretty_midi.Note(velocity=vel, pitch=pitch, start=t, end=t + length))


def rock(s, t, p, i, ch):
    s.note(DRUMS, 36 if i % 2 == 0 else 38, t, 0.1, 110, True)
    s.note(DRUMS, 42, t, 0.05, 70, True)
    s.note(DRUMS, 42, t + p / 2, 0.05, 55, True)
    s.note(BASS, ch[0] - 12, t, p * 0.45, 95)
    s.note(BASS, ch[0] - 12, t + p / 2, p * 0.45, 80)
    for k in ch:
        s.note(PIANO, k + 12, t, p * 0.9, 95 if i == 0 else 80)


def ballad(s, t, p, i, ch):
    if i == 0:
        s.note(PIANO, ch[0] - 12, t, p * 3.8, 85)
    for j, k in enumerate(ch):
        s.note(PIANO, k + 12 + (12 if i == 2 else 0), t + j * 0.01, p * 0.8, 70 if i == 0 else 60)


def strings(s, t, p, i, ch):
    if i == 0:
        for k in ch:
            s.note(STRINGS, k + 12, t, p * 3.9, 70)
    s.note(PIZZ, ch[i % 3] + 12, t, 0.2, 85)


def waltz(s, t, p, i, ch):
    if i == 0:
        s.note(PIANO, ch[0] - 12, t, p * 0.9, 95)
    else:
        for k in ch:
            s.note(PIANO, k + 12, t, p * 0.5, 65)


def strum(s, t, p, i, ch):
    for j, k in enumerate(ch + [ch[0] + 12]):
        s.note(STEEL, k, t + j * 0.012, p * 0.9, 85 if i == 0 else 70)
    for j, k in enumerate(ch):
        s.note(STEEL, k + 12, t + p / 2 + j * 0.01, p * 0.4, 55)


def punk(s, t, p, i, ch):
    s.note(DRUMS, 36 if i % 2 == 0 else 38, t, 0.1, 115, True)
    s.note(DRUMS, 42, t, 0.05, 80, True)
    for k in ch[:2]:
        s.note(DIST, k, t, p * 0.8, 100)
        s.note(DIST, k, t + p / 2, p * 0.4, 90)


def funk(s, t, p, i, ch):
    sixteenth = p / 4
    for k in {0: (0, 3), 1: (2,), 2: (1,), 3: (2, 3)}[i]:
        s.note(DRUMS, 36, t + k * sixteenth, 0.1, 105, True)
    if i % 2:
        s.note(DRUMS, 38, t, 0.1, 105, True)
    for k in range(4):
        s.note(DRUMS, 42, t + k * sixteenth, 0.03, 75 if k == 0 else 60, True)
    s.note(PICK_BASS, ch[0] - 12, t + (sixteenth if i % 2 else 0), sixteenth * 1.5, 95)


def house(s, t, p, i, ch):
    s.note(DRUMS, 36, t, 0.1, 120, True)
    s.note(DRUMS, 42, t + p / 2, 0.05, 80, True)
    if i % 2:
        s.note(DRUMS, 39, t, 0.1, 90, True)
    for k in ch:
        s.note(LEAD, k + 12, t + p / 2, p * 0.4, 75)


def bossa(s, t, p, i, ch):
    s.note(ACOUSTIC_BASS, ch[0] - 12 + (7 if i % 2 else 0), t, p * 0.8, 90)
    for k in (0, 3) if i % 2 == 0 else (2,):
        s.note(DRUMS, 42, t + k * p / 4, 0.03, 55, True)
    if i in (0, 2):
        s.note(DRUMS, 37, t + (p * 0.75 if i == 2 else 0), 0.05, 70, True)
    if i % 2 == 0:
        for k in ch:
            s.note(NYLON, k + 12, t + p / 2, p * 0.4, 70)


#: name: (bpm, bars, beats per bar, parts, timing jitter in seconds; "played": 8 ms)
SONGS = {
    "rock 120": (120, 24, 4, [rock], 0.0),
    "piano ballad 72": (72, 16, 4, [ballad], 0.0),
    "strings+pizz 96": (96, 16, 4, [strings], 0.0),
    "piano waltz 150": (150, 24, 3, [waltz], 0.0),
    "strummed guitar 90": (90, 20, 4, [strum], 0.0),
    "punk 180": (180, 32, 4, [punk], 0.0),
    "funk 100": (100, 20, 4, [funk], 0.0),
    "house 128": (128, 32, 4, [house], 0.0),
    "bossa 140": (140, 24, 4, [bossa], 0.0),
    "rock 110 played": (110, 24, 4, [rock], 0.008),
}


def render(folder: Path, index: int, bpm: float, bars: int, meter: int, parts, jitter: float):
    song, period, lead_in = Song(bpm, index, jitter), 60.0 / bpm, 1.0
    beats = lead_in + np.arange(bars * meter) * period
    for k, t in enumerate(beats):
        for part in parts:
            part(song, t, period, k % meter, CHORDS[(k // meter) % 4])
    mid, wav = folder / f"song{index:02d}.mid", folder / f"song{index:02d}.wav"
    song.midi.write(str(mid))
    subprocess.run(["fluidsynth", "-ni", "-q", "-g", "0.6", "-F", str(wav), "-r", "44100", SOUNDFONT, str(mid)],
                   check=True, capture_output=True)
    return SynthSong(wav, list(beats), list(beats[::meter]), librosa.get_duration(path=str(wav)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="keep the rendered songs here")
    args = parser.parse_args()
    folder = args.out or Path(tempfile.mkdtemp(prefix="montage-rendered-"))
    folder.mkdir(parents=True, exist_ok=True)
    compare([(name, render(folder, i, *spec)) for i, (name, spec) in enumerate(SONGS.items())], folder)


if __name__ == "__main__":
    main()
