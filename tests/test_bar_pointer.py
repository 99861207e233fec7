"""The learned engine's decoder (audio/bar_pointer.py) on made-up activations: beats, tempo changes,
metre and bar positions, no pulse, and the editor's hints."""
import numpy as np
import pytest

from montage_ai.audio.bar_pointer import bar_index, bar_positions, decode, lag, off_beat, other_phase, twice_as_fast

FPS = 22050 / 256


def activations(beats: np.ndarray, downbeats: np.ndarray, seconds: float, noise: float = 0.05, seed: int = 0):
    """Peaks of 0.9 on the beat frames (0.45 either side), downbeat peaks likewise, noise elsewhere."""
    rng = np.random.default_rng(seed)
    n = int(seconds * FPS)
    beat, down = rng.uniform(0, noise, n), rng.uniform(0, noise, n)
    for times, act in ((beats, beat), (downbeats, down)):
        idx = np.round(np.asarray(times) * FPS).astype(int)
        for d, v in ((-1, 0.45), (1, 0.45), (0, 0.9)):
            act[np.clip(idx + d, 0, n - 1)] = np.maximum(act[np.clip(idx + d, 0, n - 1)], v)
    return beat, down


def test_steady_beats_in_three():
    beats = 1.0 + np.arange(60) * 60 / 132
    bar_start = beats[2::3]  # a pickup of two beats
    beat, down = activations(beats, bar_start, beats[-1] + 1.0)
    times, bars, metre = decode(beat, down, FPS)
    assert metre == 3
    assert len(times) == len(beats) and np.max(np.abs(times - beats)) < 1 / FPS
    assert len(bars) == len(bar_start) and np.max(np.abs(times[bars] - bar_start)) < 1 / FPS


@pytest.mark.parametrize("metre", [2, 4])
def test_metre_two_and_four(metre):
    beats = 0.5 + np.arange(64) * 60 / 100
    beat, down = activations(beats, beats[1::metre], beats[-1] + 1.0, seed=metre)
    times, bars, found = decode(beat, down, FPS)
    assert found == metre
    assert np.allclose(times[bars], beats[1::metre], atol=1 / FPS)


def test_four_wins_where_beats_one_and_three_stand_out_alike():
    """The shipped model's downbeat output on a 4/4 song is often as high on beat 3 as on beat 1; bars of
    four, with 1 where it is a little higher, not bars of two."""
    d = np.tile([0.55, 0.05, 0.45, 0.05], 16)
    positions, metre = bar_positions(d)
    assert metre == 4 and np.array_equal(np.flatnonzero(positions == 0), np.arange(0, 64, 4))
    assert bar_positions(np.tile([0.8, 0.05], 32))[1] == 2  # a clear two is still two


def test_grid_off_the_beat_is_told_from_one_on_it():
    beats = 0.5 + np.arange(40) * 0.5
    beat, _ = activations(beats, beats[::4], beats[-1] + 1.0)
    on = np.round(beats * FPS).astype(int)
    assert not off_beat(beat, on)
    assert off_beat(beat, np.round((beats[:-1] + 0.25) * FPS).astype(int))
    assert not off_beat(beat, on[::2])  # every other beat: half a period is a beat, not a gap between two


def test_twice_as_fast_is_an_exact_half_of_the_spacing_either_way_of_a_little():
    grid = np.arange(20) * 0.6
    assert twice_as_fast(grid, np.arange(40) * 0.3) and twice_as_fast(grid, np.arange(40) * 0.31)
    assert not twice_as_fast(grid, grid) and not twice_as_fast(grid, np.arange(30) * 0.4)
    assert not twice_as_fast(grid, np.arange(40) * 0.6 / 3)  # three to a beat (12/8 counted in four)


def test_other_phase_is_the_same_tempo_with_most_beats_apart():
    grid = 0.5 + np.arange(40) * 0.5
    jitter = np.random.default_rng(4).uniform(-0.03, 0.03, grid.size)
    assert not other_phase(grid, grid + jitter)  # the same beats, a little apart
    assert other_phase(grid, grid + 0.125) and other_phase(grid, grid + 0.25)  # a quarter, a half beat later
    late = grid.copy()
    late[:15] += 0.125  # an intro off by a quarter beat, the rest on the same beats
    assert not other_phase(grid, late)
    assert not other_phase(grid, 0.5 + np.arange(30) * 0.62)  # another tempo: not a phase question
    assert not other_phase(grid, grid[25:])  # the same beats where both have beats (a long intro without)


def test_the_same_beats_heard_early_are_not_another_phase():
    """At 67 BPM the model's peaks 80 ms before a slow piano's attacks miss the F-measure's 70 ms, but sit
    a tenth of a beat away: the same beats heard early, not the off-beats."""
    grid = 0.5 + np.arange(30) * 0.9
    assert not other_phase(grid, grid - 0.08)
    assert other_phase(grid, grid - 0.25) and other_phase(grid, grid + 0.45)  # over a quarter, a half beat


def test_tempi_drifting_apart_are_not_another_phase():
    """Within SAME the two tempi may differ by some per cent: then the phases run round the beat and hold
    none, however the mean falls (it fell a quarter beat away on a Beatles excerpt, F 0.85 -> 0.09)."""
    grid = 0.5 + np.arange(50) * 0.5
    assert not any(other_phase(grid, 0.5 + offset + np.arange(47) * 0.54) for offset in (0.0, 0.05, 0.1, 0.2))


def test_bars_are_read_where_the_model_hears_the_grid_beats():
    """The model hears a tracker's beats three frames early: its downbeat peaks are read there, not at the
    grid's frames, where only their flanks would be."""
    beats = 0.5 + np.arange(48) * 0.6
    heard = beats - 3 / FPS
    beat, down = activations(heard, heard[2::4], beats[-1] + 1.0, noise=0.02)
    frames = np.round(beats * FPS).astype(int)
    assert lag(beat, frames) == -3
    # the model hears every other grid beat as no beat (a grid twice its tempo): those windows hold no peak
    every_other, _ = activations(heard[::2], [], beats[-1] + 1.0, noise=0.0)
    assert lag(every_other, frames) == -3
    bars, metre = bar_index(down, frames, heard_late=lag(beat, frames))
    assert metre == 4 and np.array_equal(bars, np.arange(2, 48, 4))
    unread, _ = bar_index(down, frames)
    assert not np.array_equal(unread, np.arange(2, 48, 4))


def test_tempo_change_is_followed():
    first = 0.5 + np.arange(40) * 60 / 100
    beats = np.concatenate([first, first[-1] + np.arange(1, 50) * 60 / 140])
    beat, down = activations(beats, beats[::4], beats[-1] + 1.0)
    times, _, _ = decode(beat, down, FPS)
    assert len(times) == len(beats)
    assert np.max(np.abs(times - beats)) < 1.0 / FPS


def test_off_beat_noise_does_not_pull_the_grid():
    beats = 0.5 + np.arange(50) * 0.5
    beat, down = activations(beats, beats[::4], beats[-1] + 1.0)
    offbeats = np.round((beats[:-1] + 0.25) * FPS).astype(int)
    beat[offbeats[::3]] = 0.5  # some off-beat onsets the model half believes
    times, _, _ = decode(beat, down, FPS)
    assert len(times) == len(beats) and np.max(np.abs(times - beats)) < 1 / FPS


def test_no_pulse_gives_no_beats():
    rng = np.random.default_rng(3)
    beat, down = rng.uniform(0, 0.08, 2000), rng.uniform(0, 0.05, 2000)
    times, bars, _ = decode(beat, down, FPS)
    assert times.size == 0 and bars.size == 0


def test_hints_set_tempo_and_metre():
    beats = 0.5 + np.arange(80) * 0.3  # 200 BPM as the model hears it
    beat, down = activations(beats, beats[::4], beats[-1] + 1.0)
    times, bars, metre = decode(beat, down, FPS, tempo_hint=100.0, beats_per_bar=3)
    assert metre == 3
    assert abs(60 / np.median(np.diff(times)) - 100) < 3  # every other beat
    assert np.all(np.diff(bars) == 3)


def test_bar_positions_follow_a_change_of_metre():
    d = np.full(60, 0.05)
    d[0:24:4] = 0.9  # six bars of four, then twelve of three
    d[24::3] = 0.9
    positions, metre = bar_positions(d)
    assert np.array_equal(np.flatnonzero(positions == 0), np.flatnonzero(d > 0.5))
    assert metre == 3
