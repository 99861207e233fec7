"""Music analysis against songs whose beats are known by construction."""
import numpy as np
import pytest

from montage_ai.audio.analyze import analyze_music
from montage_ai.audio.wav import write_wav
from montage_ai.errors import InputError
from montage_ai.export.report import build_report
from montage_ai.model import Phase
from montage_ai.plan.planner import PlanSettings, plan_montage


def _errors_ms(found, truth):
    found = np.asarray(found)
    return np.array([1000 * (found[np.argmin(np.abs(found - t))] - t) for t in truth])


def test_beats_land_within_two_ms_of_truth(music, song):
    assert len(music.beats) == len(song.beats)
    err = np.abs(_errors_ms(music.beats, song.beats))
    assert np.median(err) < 1.0 and err.max() < 3.0
    assert music.tempo_bpm == pytest.approx(124, abs=0.5)


def test_downbeats_are_the_bar_starts(music, song):
    assert len(music.downbeats) == len(song.downbeats)
    assert np.abs(_errors_ms(music.downbeats, song.downbeats)).max() < 3.0


def test_sections_follow_the_arc_in_order(music):
    phases = [s.phase for s in music.sections]
    assert phases == list(Phase)
    climax = next(s for s in music.sections if s.phase is Phase.CLIMAX)
    # the demo song's climax is bars 13-20: 0.37 s + 48 beats * 60/124 s = 23.6 s .. 39.1 s
    assert climax.start == pytest.approx(23.6, abs=2.0) and climax.end == pytest.approx(39.1, abs=2.0)
    assert climax.energy == max(s.energy for s in music.sections)
    assert all(a.end == b.start for a, b in zip(music.sections, music.sections[1:]))


def test_silence_has_no_beats_and_says_so(tmp_path):
    path = tmp_path / "silence.wav"
    write_wav(path, np.zeros(44100 * 5), 44100)
    music = analyze_music(path)
    assert music.beats == [] and music.warnings and "no steady beat" in music.warnings[0]


def test_white_noise_is_not_given_a_fake_grid(tmp_path):
    path = tmp_path / "noise.wav"
    write_wav(path, 0.3 * np.random.default_rng(1).standard_normal(44100 * 10), 44100)
    assert analyze_music(path).beats == []


@pytest.mark.parametrize("content, problem", [(None, "file not found"), (b"not audio at all", "not a media file")])
def test_bad_music_files_raise_one_line_errors(tmp_path, content, problem):
    path = tmp_path / "song.mp3"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError) as err:
        analyze_music(path)
    assert problem in str(err.value) and str(path) in str(err.value) and "\n" not in str(err.value)


def test_no_beat_is_said_in_the_report(tmp_path, clips):
    """A song without a pulse: report.json counts no beats and says so in its warnings."""
    path = tmp_path / "noise.wav"
    write_wav(path, 0.3 * np.random.default_rng(2).standard_normal(44100 * 8), 44100)
    music = analyze_music(path, use_cache=False)
    report = build_report(plan_montage(music, clips, PlanSettings()))
    assert report["music"]["beats_found"] == 0 and report["music"]["beats_per_bar"] == music.beats_per_bar
    assert any("no steady beat" in w for w in report["warnings"])
    assert any("time grid" in w for w in report["warnings"])
