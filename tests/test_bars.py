"""Meter and bar starts on metronomes whose accents are known by construction: the dsp engine's bar rules
(audio/bars.py); the default hybrid engine's bars come from the network (test_beat_model.py)."""
import mir_eval
import numpy as np
import pytest
from music_media import click_track, soft_song

from montage_ai.audio.analyze import analyze_music
from montage_ai.audio.bars import choose_meter


@pytest.mark.parametrize("meter, accent, bpm", [(4, "loud", 96), (4, "pitch", 150), (3, "loud", 172),
                                                (3, "pitch", 70), (2, "loud", 96)])
def test_accented_clicks_give_meter_and_bar_starts(tmp_path, meter, accent, bpm):
    track = click_track(tmp_path / "click.wav", bpm=bpm, beats_per_bar=meter, accent=accent)
    music = analyze_music(track.path, use_cache=False, beat_engine="dsp")
    assert music.beats_per_bar == meter
    assert len(music.downbeats) == len(track.downbeats)
    assert np.abs(np.subtract(music.downbeats, track.downbeats)).max() < 0.003


def test_a_drumless_song_in_two_is_in_two(tmp_path):
    """Bass on one, chord on two, melody on the eighths: a bar of two, its first beat the bar start."""
    song = soft_song(tmp_path / "two.wav", bpm=110, beats_per_bar=2, bars=30)
    music = analyze_music(song.path, use_cache=False, beat_engine="dsp")
    assert music.beats_per_bar == 2
    assert mir_eval.beat.f_measure(np.asarray(song.downbeats), np.asarray(music.downbeats), 0.07) >= 0.9


@pytest.mark.parametrize("bpm", [84, 96])
def test_six_eight_is_counted_in_two(tmp_path, bpm):
    """Bass on one, chord on two, melody on every third of the beat: the listener counts the dotted
    quarters (not the eighths at three times the tempo), two to the bar."""
    song = soft_song(tmp_path / "six8.wav", bpm=bpm, beats_per_bar=2, subdivision=3, bars=30)
    music = analyze_music(song.path, use_cache=False, beat_engine="dsp")
    assert music.tempo_bpm == pytest.approx(bpm, rel=0.02)
    assert mir_eval.beat.f_measure(np.asarray(song.beats), np.asarray(music.beats), 0.07) >= 0.95
    assert music.beats_per_bar == 2
    assert mir_eval.beat.f_measure(np.asarray(song.downbeats), np.asarray(music.downbeats), 0.07) >= 0.9


@pytest.mark.parametrize("accent", ["loud", "pitch"])
def test_a_two_beat_bar_moves_the_bar_starts(tmp_path, accent):
    """A 2/4 bar among 4/4 bars: the bars after it start two beats later (where exactly the shift
    falls may be off by a bar or two: it is judged over several bars)."""
    track = click_track(tmp_path / "shift.wav", bpm=110, accent=accent, bar_lengths=[4] * 8 + [2] + [4] * 8)
    music = analyze_music(track.path, use_cache=False, beat_engine="dsp")
    truth, found = np.asarray(track.downbeats), np.asarray(music.downbeats)
    assert music.beats_per_bar == 4
    for part in (truth[:7], truth[-6:]):  # well before and well after the shift
        assert all(np.abs(found - t).min() < 0.003 for t in part)
    assert mir_eval.beat.f_measure(truth, found, 0.07) >= 0.85


def test_drum_song_is_in_four(music, song):
    assert music.beats_per_bar == 4


def test_no_accent_no_pattern_is_four():
    """Beats that differ only at random are not a waltz."""
    rng = np.random.default_rng(1)
    assert choose_meter(rng.normal(size=(200, 17))) == 4
    steady = np.zeros((200, 17))
    assert choose_meter(steady) == 4
    waltz = steady.copy()
    waltz[::3] += 2.0
    assert choose_meter(waltz + 0.3 * rng.normal(size=waltz.shape)) == 3
    march = steady.copy()
    march[::2] += 2.0
    assert choose_meter(march + 0.3 * rng.normal(size=march.shape)) == 2
    four = march.copy()
    four[::4, -1] += 6.0  # and the chords change mostly on every other bar of two: a bar of four
    assert choose_meter(four + 0.3 * rng.normal(size=four.shape)) == 4


def test_chord_change_into_a_beat_at_the_first_frame_is_that_beats():
    """A beat on the file's first frame starts a segment of its own: each chord change stays on its beat."""
    from montage_ai.audio.bars import harmonic_change
    from montage_ai.audio.onsets import OnsetBands
    chroma = np.zeros((12, 400))
    for start, pitch in ((0, 0), (100, 4), (200, 7), (300, 2)):
        chroma[pitch, start:start + 100] = 1.0
    bands = OnsetBands(sr=22050, full=np.zeros(400), low=np.zeros(400), mid=np.zeros(400), kick=np.zeros(400),
                       chroma=chroma, levels=np.zeros((8, 400)), mel_db=np.zeros((96, 0)))
    for first in (0, 1):
        frames = np.arange(first, 400, 50)
        change = harmonic_change(bands, frames)
        assert np.flatnonzero(change > 0.5).tolist() == [2, 4, 6]  # the beats at (or just after) 100, 200, 300
