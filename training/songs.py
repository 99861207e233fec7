"""Random songs as MIDI with known beat and downbeat times, for training the beat model.

A song is drawn from a seed: metre (2/4, 3/4, 4/4, and compound 6/8, 9/8, 12/8 counted in dotted
quarters), tempo 55-210 BPM (compound beats 40-120), a tempo curve (steady, ramp, rubato), a groove
(rock, half-time, double-time, four-on-the-floor, reggae one-drop with off-beat skank, ska, swing
jazz, shuffle, latin, waltz, compound, drumless), fills, syncopated or walking bass, chords
(sustained, on the beats, arpeggiated, off-beat skank), a melody, a drumless intro, humanised
timing and velocity. Every note time comes from the beat times, so the labels are exact. Songs from seed
``RECORD_LIKE`` on also get the timbres of records the earlier songs lack (drawn from a second generator, so
earlier seeds' songs are unchanged): overdriven or distorted guitar power chords, sung-like legato leads with
vibrato whose phrases start off the beat, legato strings or brass swelling under the chords, and rubato piano
pieces.

MIDI files are written at a fixed 120 BPM with 960 ticks per quarter (0.52 ms per tick); the tempo
curve lives in the note times, not in tempo events.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

TICKS = 960
SECONDS_PER_TICK = 0.5 / TICKS  # 120 BPM
DRUMS = 9  # MIDI channel 10
KICK, SNARE, RIM, CLAP, HAT, OPEN_HAT, PEDAL_HAT, RIDE, CRASH = 36, 38, 37, 39, 42, 46, 44, 51, 49
TOMS = (41, 45, 48, 50)
SHAKER, COWBELL, CLAVE, CONGA_HI, CONGA_LO = 70, 56, 75, 62, 64
GROOVES = ("rock", "halftime", "double", "disco", "onedrop", "ska", "swing", "shuffle", "latin", "drumless")
COMPOUND_GROOVES = ("compound", "compound", "drumless")
WALTZ_GROOVES = ("waltz", "waltz", "swing", "drumless")
#: GM programs per role.
COMP = (0, 1, 2, 4, 5, 16, 17, 18, 24, 25, 26, 27, 28, 29, 30, 46, 48, 49, 50, 52, 61, 88, 89, 90)
LEAD = (0, 11, 13, 22, 40, 41, 56, 57, 60, 64, 65, 66, 68, 71, 73, 80, 81, 104)
BASS = (32, 33, 34, 35, 36, 37, 38, 39, 42, 43, 58)
#: At and above this tempo a (simple-metre) song's subdivisions are quarters: a listener taps a 100-BPM song
#: with eighth-note hi-hats at 100, so a 200-BPM song in the training set must not sound like one.
QUARTER_HATS_BPM = 150.0
#: The double-time groove (kick on the beat, snare on its off-beat) is drawn at half the tempo above this.
DOUBLE_MAX_BPM = 115.0
MAJOR, MINOR = (0, 2, 4, 5, 7, 9, 11), (0, 2, 3, 5, 7, 8, 10)
#: Songs from this seed on get the record-like layers (:func:`_record_layers`).
RECORD_LIKE = 1120
POWER_GUITARS = (29, 30)  # overdriven, distortion guitar
VOICES = (52, 53, 54, 85)  # choir aahs, voice oohs, synth voice, voice lead
LEGATO = (48, 49, 61, 60, 57, 42, 89)  # string ensembles, brass section, horn, trombone, cello, warm pad
MODULATION, EXPRESSION = 1, 11  # MIDI controllers: vibrato depth, swell


@dataclass
class Song:
    beats: np.ndarray  # seconds
    downbeats: np.ndarray
    beats_per_bar: int
    compound: bool
    groove: str
    bpm: float
    notes: list = field(default_factory=list)  # (start s, end s, channel, pitch, velocity)
    programs: dict = field(default_factory=dict)  # channel -> GM program
    controls: list = field(default_factory=list)  # (time s, channel, controller, value)


def beat_times(rng: np.random.Generator, bpm: float, count: int, style: str) -> np.ndarray:
    """``count`` beat times from 0 following a tempo curve: steady, a ramp, a step or rubato."""
    period = np.full(count, 60.0 / bpm)
    kind = rng.choice(["steady", "ramp", "step", "rubato"], p=[0.45, 0.2, 0.1, 0.25]
                      if style != "drumless" else [0.3, 0.15, 0.05, 0.5])
    if kind == "ramp":
        period *= np.exp(np.linspace(0, rng.uniform(-0.2, 0.2), count))
    elif kind == "step":
        period[rng.integers(count // 4, 3 * count // 4):] *= np.exp(rng.uniform(-0.25, 0.25))
    elif kind == "rubato":
        walk = np.cumsum(rng.normal(0, rng.uniform(0.01, 0.035), count))
        walk = np.convolve(walk, np.ones(4) / 4, mode="same")
        period *= np.exp(walk - walk.mean())
    period = np.clip(period, 60 / 230, 60 / 38)
    return np.concatenate([[0.0], np.cumsum(period[:-1])])


def draw(seed: int, seconds: float = 34.0) -> Song:
    rng = np.random.default_rng(seed)
    compound = rng.random() < 0.22
    bpb = int(rng.choice([2, 3, 4], p=[0.3, 0.1, 0.6] if compound else [0.12, 0.23, 0.65]))
    if compound:
        groove = str(rng.choice(COMPOUND_GROOVES))
        bpm = float(np.exp(rng.uniform(np.log(40), np.log(120))))
    elif bpb == 3:
        groove = str(rng.choice(WALTZ_GROOVES))
        bpm = float(np.exp(rng.uniform(np.log(70), np.log(210))))
    else:
        groove = str(rng.choice(GROOVES))
        bpm = float(np.exp(rng.uniform(np.log(55), np.log(210))))
    if groove == "double" and bpm > DOUBLE_MAX_BPM:
        bpm /= 2  # kick and snare on eighths at 115-210 would be tapped at the faster level
    extra = np.random.default_rng([seed, 7]) if seed >= RECORD_LIKE else None
    piano = extra is not None and extra.random() < 0.15  # a rubato piano piece
    if piano:
        groove = "drumless"
    if compound or groove in ("shuffle",):
        sub = 3
    else:  # fast songs: hats, arpeggios and melody on the beat, so eighths never pass for beats
        sub = 4 if bpm < 110 and rng.random() < 0.5 else (2 if bpm < QUARTER_HATS_BPM else 1)
    beats = beat_times(rng, bpm, int(seconds * bpm / 60 * 1.6) + 8, groove)
    if piano:  # more rubato on top of the drawn curve: phrases that breathe
        walk = np.convolve(np.cumsum(extra.normal(0, extra.uniform(0.02, 0.05), beats.size)), np.ones(3) / 3, "same")
        beats = np.concatenate([[0.0], np.cumsum(np.diff(beats) * np.exp(walk[:-1] - walk.mean()))])
    beats = beats[beats < seconds]
    pickup = int(rng.integers(0, bpb))  # the song starts this many beats before a bar
    first_bar = pickup % bpb
    pos = (np.arange(beats.size) - first_bar) % bpb
    song = Song(beats=beats, downbeats=beats[pos == 0], beats_per_bar=bpb, compound=compound, groove=groove,
                bpm=bpm)
    _arrange(rng, song, pos, sub)
    if piano:
        song.programs.update({0: int(extra.choice([0, 1])), 1: 0, 3: int(extra.choice([0, 1, 48]))})
    elif extra is not None:
        _record_layers(extra, song, pos, sub)
    return song


def _record_layers(rng: np.random.Generator, song: Song, pos: np.ndarray, sub: int) -> None:
    """Add, each at random, power chords on a distorted guitar, a sung-like legato lead with vibrato in
    phrases that start off the beat, and legato strings or brass swelling over each bar."""
    beats, bpb, n = song.beats, song.beats_per_bar, song.beats.size
    key = int(rng.integers(40, 52))
    roots = key + np.array(MAJOR)[rng.choice([0, 3, 4, 5], size=n // max(bpb, 1) + 2)]
    bar = np.cumsum(pos == 0)  # the chord of a beat: its bar's root
    jitter = rng.uniform(0.0, 0.02)

    def t(k: int, frac: float = 0.0) -> float:
        return _at(beats, min(k, n - 1), frac) + rng.normal(0, jitter)

    if rng.random() < 0.45:
        song.programs[4] = int(rng.choice(POWER_GUITARS))
        pattern = rng.choice(["chug", "sustain", "push"])
        for k in range(n - 1):
            root = int(roots[bar[k]]) - 12 if roots[bar[k]] >= 52 else int(roots[bar[k]])
            if pattern == "chug":
                hits = [(i / max(sub, 2), 0.9 / max(sub, 2)) for i in range(max(sub, 2))]
            elif pattern == "sustain":
                hits = [(0.0, bpb * 0.95)] if pos[k] == 0 else []
            else:  # pushed: the chord lands an eighth before the bar and rings through it
                hits = [(0.5, bpb - 0.1)] if pos[k] == bpb - 1 else []
            for frac, length in hits:
                for p in (root, root + 7, root + 12):
                    song.notes.append((t(k, frac), t(k + int(frac + length), (frac + length) % 1), 4, p,
                                       int(rng.integers(80, 115))))
    if rng.random() < 0.5:
        song.programs[5] = int(rng.choice(VOICES))
        scale = MAJOR if rng.random() < 0.6 else MINOR
        k, degree = int(rng.integers(0, 2 * bpb)), int(rng.integers(0, 7))
        while k < n - 2:
            start, end = k + float(rng.choice([0.5, 0.25, 0.75, 1.5, 0.0])), k + bpb * int(rng.integers(2, 5))
            song.controls.append((t(k), 5, MODULATION, int(rng.integers(30, 90))))
            now = start
            while now < min(end, n - 2):
                length = float(rng.choice([0.5, 1.0, 1.5, 2.0, 3.0]))
                degree = int(np.clip(degree + rng.choice([-2, -1, -1, 0, 1, 1, 2]), -3, 10))
                pitch = key + 12 + 12 * (degree // 7) + scale[degree % 7]
                a, b = int(now), int(now + length)
                song.notes.append((t(a, now % 1), t(b, (now + length) % 1) + 0.03, 5, pitch,
                                   int(rng.integers(55, 95))))
                now += length
            k = int(now) + int(rng.integers(1, 2 * bpb + 1))  # a breath between phrases
    if rng.random() < 0.35:
        song.programs[6] = int(rng.choice(LEGATO))
        for k in np.flatnonzero(pos == 0)[:-1]:
            root = int(roots[bar[k]])
            end = t(int(k) + bpb) + 0.05
            for p in (root, root + 4, root + 7):
                song.notes.append((t(int(k)), end, 6, p, int(rng.integers(45, 80))))
            for i, level in enumerate(np.linspace(rng.uniform(30, 70), rng.uniform(90, 127), 4)):
                song.controls.append((t(int(k), 0.0) + i * (end - t(int(k))) / 4, 6, EXPRESSION, int(level)))


def _at(beats: np.ndarray, k: int, frac: float) -> float:
    """Time ``frac`` of the way through beat ``k`` (interpolating the beat period)."""
    if k + 1 < beats.size:
        return float(beats[k] + frac * (beats[k + 1] - beats[k]))
    return float(beats[k] + frac * (beats[k] - beats[k - 1]))


def _arrange(rng: np.random.Generator, song: Song, pos: np.ndarray, sub: int) -> None:
    beats, bpb = song.beats, song.beats_per_bar
    n = beats.size
    swing = rng.uniform(0.55, 0.68) if song.groove in ("swing", "shuffle") or rng.random() < 0.1 else 0.5
    jitter = rng.uniform(0.0, 0.015)
    intro = int(rng.choice([0, 0, 0, bpb * 2, bpb * 4, bpb * 8])) if song.groove != "drumless" else n
    breaks = set()
    if rng.random() < 0.25:  # a drumless passage in the middle
        start = int(rng.integers(intro, max(intro + 1, n - 8)))
        breaks = set(range(start, start + int(rng.integers(bpb * 2, bpb * 6))))
    key = int(rng.integers(40, 52))
    scale = MAJOR if rng.random() < 0.6 else MINOR
    progression = rng.choice([0, 3, 4, 5, 1, 2], size=8)
    phrase = int(rng.choice([4, 8]))
    notes = song.notes

    def t(k: int, frac: float = 0.0) -> float:
        f = frac if sub != 2 or abs(frac - 0.5) > 1e-6 else swing
        return _at(beats, k, f) + rng.normal(0, jitter)

    def vel(base: int, k: int) -> int:
        return int(np.clip(base + (12 if pos[k] == 0 else 0) + rng.normal(0, 8), 20, 127))

    def hit(k: int, frac: float, pitch: int, base: int) -> None:
        start = t(k, frac)
        notes.append((start, start + 0.08, DRUMS, pitch, vel(base, k)))

    channels = {"comp": 0, "lead": 1, "bass": 2, "pad": 3}
    song.programs = {0: int(rng.choice(COMP)), 1: int(rng.choice(LEAD)), 2: int(rng.choice(BASS)),
                     3: int(rng.choice((48, 49, 50, 52, 89, 90, 91, 19, 0)))}
    bar_index = np.cumsum(pos == 0) - 1
    subs = [i / sub for i in range(sub)]
    bass_style = "walk" if song.groove == "swing" else str(rng.choice(["root", "sync", "eighths", "root", "none"]))
    style = {"onedrop": "skank", "ska": "skank8"}.get(song.groove) or str(
        rng.choice(["pad", "beats", "arp", "skank", "none"], p=[0.3, 0.3, 0.2, 0.1, 0.1]))
    for k in range(n - 1):
        bar = int(bar_index[k])
        chord_root = key + scale[int(progression[bar % 8])] if bar >= 0 else key
        in_fill = song.groove != "drumless" and (bar + 1) % phrase == 0 and pos[k] >= bpb - 1 and rng.random() < 0.6
        drums = k >= intro and k not in breaks and song.groove != "drumless"
        if drums and in_fill:
            for i in range(sub * 2):
                hit(k, i / (sub * 2), int(rng.choice(TOMS + (SNARE,))), 85)
        elif drums:
            _drum_beat(song.groove, int(pos[k]), bpb, sub, lambda frac, p, b: hit(k, frac, p, b), rng)
            if pos[k] == 0 and bar % phrase == 0 and rng.random() < 0.5:
                hit(k, 0, CRASH, 90)
        # bass
        b_pitch = chord_root - 12 if chord_root - 12 >= 28 else chord_root
        if bass_style == "walk":
            p = b_pitch + int(rng.choice([0, 2, 4, 5, 7])) if pos[k] else b_pitch
            notes.append((t(k), t(k, 0.9), channels["bass"], p, vel(85, k)))
        elif bass_style == "root" and (pos[k] == 0 or (bpb == 4 and pos[k] == 2)):
            notes.append((t(k), t(k, 1.8 if bpb > 2 else 0.9), channels["bass"], b_pitch, vel(90, k)))
        elif bass_style == "sync":
            if pos[k] == 0:
                notes.append((t(k), t(k, 0.7), channels["bass"], b_pitch, vel(90, k)))
            if rng.random() < 0.5:
                frac = subs[-1] if sub > 1 else 0.5
                notes.append((t(k, frac), t(k, frac + 0.3), channels["bass"], b_pitch + 7, vel(75, k)))
        elif bass_style == "eighths":
            for frac in subs:
                notes.append((t(k, frac), t(k, frac + 0.8 / sub), channels["bass"], b_pitch, vel(80, k)))
        # chords
        chord = [chord_root + 12 + scale[(i * 2 + int(progression[bar % 8])) % 7] - scale[int(progression[bar % 8])]
                 for i in range(3)]
        if style == "pad" and pos[k] == 0:
            end = t(min(n - 1, k + bpb))
            for p in chord:
                notes.append((t(k), end, channels["pad"], p, vel(60, k)))
        elif style == "beats":
            for p in chord:
                notes.append((t(k), t(k, 0.6), channels["comp"], p, vel(70, k)))
        elif style == "arp":
            for i, frac in enumerate(subs):
                notes.append((t(k, frac), t(k, frac + 1 / sub), channels["comp"], chord[(k * sub + i) % 3], vel(65, k)))
        elif style == "skank" and (bpb != 4 or pos[k] % 2 == 1):
            for p in chord:
                notes.append((t(k), t(k, 0.25), channels["comp"], p, vel(80, k)))
        elif style == "skank" or style == "skank8":
            for p in chord:
                notes.append((t(k, 0.5), t(k, 0.7), channels["comp"], p, vel(80, k)))
        # melody
        if k >= intro // 2 and rng.random() < 0.7:
            for frac in subs:
                if rng.random() < 0.45:
                    p = key + 24 + scale[int(rng.integers(0, 7))] + 12 * int(rng.integers(0, 2))
                    notes.append((t(k, frac), t(k, frac + 1.0 / sub * rng.uniform(0.6, 2)), channels["lead"], p,
                                  vel(75, k)))


def _drum_beat(groove: str, p: int, bpb: int, sub: int, hit, rng: np.random.Generator) -> None:
    """One beat of drums at bar position ``p``; ``hit(frac, pitch, velocity)``."""
    hats = [i / sub for i in range(sub)]
    if groove in ("rock", "shuffle"):
        if p % 2 == 0:
            hit(0, KICK, 100)
        else:
            hit(0, SNARE, 100)
        if rng.random() < 0.2:
            hit(hats[-1], KICK, 80)
        for f in hats:
            hit(f, HAT, 70)
    elif groove == "halftime":
        if p == 0:
            hit(0, KICK, 100)
        if p == bpb // 2 and bpb > 2:
            hit(0, SNARE, 105)
        for f in hats:
            hit(f, HAT, 65)
    elif groove == "double":
        hit(0, KICK, 95)
        hit(0.5, SNARE, 95)
        hit(0, HAT, 70)
        hit(0.5, HAT, 70)
    elif groove == "disco":
        hit(0, KICK, 105)
        if p % 2:
            hit(0, CLAP, 90)
        hit(0.5, OPEN_HAT, 75)
        hit(0, HAT, 55)
    elif groove == "onedrop":
        if p == bpb // 2:
            hit(0, KICK, 100)
            hit(0, RIM, 95)
        for f in hats:
            hit(f, HAT, 60)
    elif groove == "ska":
        hit(0, KICK, 90)
        if p % 2:
            hit(0, SNARE, 95)
        hit(0.5, HAT, 80)
    elif groove == "swing":
        hit(0, RIDE, 80)
        if p % 2:
            hit(2 / 3, RIDE, 65)
            hit(0, PEDAL_HAT, 70)
        if rng.random() < 0.15:
            hit(2 / 3, SNARE, 55)
        if rng.random() < 0.25:
            hit(0, KICK, 50)
    elif groove == "latin":
        if p % 2 == 0:
            hit(0, KICK, 95)
        hit(0.75 if p % 2 == 0 else 0.5, CLAVE, 80)
        for f in (0, 0.25, 0.5, 0.75):
            hit(f, SHAKER, 55)
        hit(0.5, CONGA_HI if p % 2 else CONGA_LO, 70)
    elif groove == "waltz":
        if p == 0:
            hit(0, KICK, 100)
        else:
            hit(0, SNARE if rng.random() < 0.6 else HAT, 75)
        for f in hats:
            hit(f, HAT, 55)
    elif groove == "compound":
        if p % 2 == 0:
            hit(0, KICK, 100)
        else:
            hit(0, SNARE, 95)
        for f in hats:
            hit(f, HAT, 65)


def write_midi(songs: list[Song], path: str, slot: float) -> None:
    """The songs one after another, song ``i`` from ``i * slot`` seconds, as a type-1 MIDI file at
    120 BPM (note times in seconds become ticks); each song sets its programs at its start."""
    import mido  # here, not at the top: make_data, render_heldout and evaluate import without mido

    mid = mido.MidiFile(type=1, ticks_per_beat=TICKS)
    mid.tracks.append(mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=500000, time=0)]))
    events = []
    for i, song in enumerate(songs):
        offset = i * slot
        tick0 = int(round(offset / SECONDS_PER_TICK))
        for channel, program in song.programs.items():
            events.append((tick0, 0, mido.Message("program_change", channel=channel, program=program)))
            for control, value in ((MODULATION, 0), (EXPRESSION, 127)):  # the previous song's settings end
                events.append((tick0, 0, mido.Message("control_change", channel=channel, control=control, value=value)))
        for time, channel, control, value in song.controls:
            tick = int(round((offset + min(max(time, 0.0), slot - 1.5)) / SECONDS_PER_TICK))
            events.append((tick, 0, mido.Message("control_change", channel=channel, control=control, value=value)))
        for start, end, channel, pitch, velocity in song.notes:
            end = min(end, slot - 1.5)
            if end <= start or start < 0:
                continue
            a, b = int(round((offset + start) / SECONDS_PER_TICK)), int(round((offset + end) / SECONDS_PER_TICK))
            events.append((a, 2, mido.Message("note_on", channel=channel, note=int(pitch), velocity=int(velocity))))
            events.append((max(b, a + 1), 1, mido.Message("note_off", channel=channel, note=int(pitch), velocity=0)))
    events.sort(key=lambda e: (e[0], e[1]))
    track, now = mido.MidiTrack(), 0
    for tick, _, msg in events:
        track.append(msg.copy(time=tick - now))
        now = tick
    mid.tracks.append(track)
    mid.save(path)
