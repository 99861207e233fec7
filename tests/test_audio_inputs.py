"""Music analysis across what users feed it: compressed formats, sample rates, channel layouts,
very short files, and the cache."""
import subprocess

import numpy as np
import pytest

from montage_ai import ffmpeg_cmd
from montage_ai.audio import analyze
from montage_ai.audio.analyze import analyze_music
from montage_ai.audio.wav import write_wav
from montage_ai.demo_media import synth_song
from montage_ai.errors import InputError

SHORT_ARC = (("intro", 2, 0.4), ("build", 4, 0.7), ("climax", 6, 1.0), ("outro", 2, 0.5))


def _encode(source, target, *codec):
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(source), *codec, str(target)], check=True)
    return target


def _matched_errors_ms(found, truth):
    found, truth = np.asarray(found), np.asarray(truth)
    return np.array([1000 * (found[np.argmin(np.abs(found - t))] - t) for t in truth])


@pytest.fixture(scope="module")
def short_song(tmp_path_factory):
    return synth_song(tmp_path_factory.mktemp("inputs") / "short.wav", bpm=117, arc=SHORT_ARC, lead_in=0.61)


@pytest.mark.parametrize("suffix, codec", [(".mp3", ("-c:a", "libmp3lame", "-b:a", "192k")),
                                           (".m4a", ("-c:a", "aac", "-b:a", "192k")),
                                           (".flac", ("-c:a", "flac"))])
def test_compressed_audio_gives_the_same_beats_as_wav(short_song, tmp_path, suffix, codec):
    """Encoder delay (LAME/AAC priming) must not shift beats: the NLE plays the file without it."""
    wav = analyze_music(short_song.path, use_cache=False)
    other = analyze_music(_encode(short_song.path, tmp_path / f"song{suffix}", *codec), use_cache=False)
    assert len(other.beats) == len(wav.beats)
    assert np.median(np.abs(np.subtract(other.beats, wav.beats))) * 1000 < 1.0
    assert other.duration == pytest.approx(wav.duration, abs=0.03)


@pytest.mark.parametrize("rate", [8000, 22050, 44100, 48000, 96000])
@pytest.mark.parametrize("channels", [1, 2])
def test_sample_rates_and_channel_layouts(tmp_path, rate, channels):
    song = synth_song(tmp_path / "song.wav", bpm=104, arc=SHORT_ARC, sr=rate)
    if channels == 1:
        _encode(song.path, tmp_path / "mono.wav", "-ac", "1")
        path = tmp_path / "mono.wav"
    else:
        path = song.path
    stream = ffmpeg_cmd.probe(path)["streams"][0]
    assert (int(stream["sample_rate"]), stream["channels"]) == (rate, channels)
    music = analyze_music(path, use_cache=False)
    err = np.abs(_matched_errors_ms(music.beats, song.beats))
    assert len(music.beats) >= len(song.beats) - 2
    assert np.median(err) < 1.0 and np.percentile(err, 90) < 5.0  # 8 kHz keeps attacks exact too


def test_two_second_file_gives_beats_or_says_why(tmp_path):
    song = synth_song(tmp_path / "full.wav", bpm=120, arc=(("a", 2, 1.0),))
    path = _encode(song.path, tmp_path / "two.wav", "-t", "2")
    music = analyze_music(path, use_cache=False)
    truth = [t for t in song.beats if t < 2.0]
    if music.beats:
        assert np.abs(_matched_errors_ms(music.beats, truth)).max() < 5.0
    else:
        assert music.warnings and "no steady beat" in music.warnings[0]


def test_under_a_second_is_a_one_line_error(tmp_path):
    path = tmp_path / "blip.wav"
    write_wav(path, np.zeros(22050), 44100)
    with pytest.raises(InputError, match="at least 1 s is needed") as err:
        analyze_music(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_rerun_reads_the_cache(short_song, monkeypatch):
    first = analyze_music(short_song.path)
    monkeypatch.setattr(analyze, "_analyze", lambda *a: pytest.fail("analysed again instead of reading the cache"))
    assert analyze_music(short_song.path) == first


def test_block_by_block_analysis_equals_whole_file(short_song, monkeypatch):
    """Long files are decoded in blocks (bounded memory); block joins must not show in the result."""
    whole = analyze_music(short_song.path, use_cache=False)
    monkeypatch.setattr(analyze, "BLOCK", 2205 * 7)  # 0.7 s blocks: many joins, none on a hop boundary
    monkeypatch.setattr(analyze, "KEEP_SAMPLES", 0)  # refinement decodes again, block by block
    blocks = analyze_music(short_song.path, use_cache=False)
    assert blocks.energy == whole.energy and blocks.energy_times == whole.energy_times
    assert len(blocks.beats) == len(whole.beats)
    assert np.abs(np.subtract(blocks.beats, whole.beats)).max() < 1e-5
    assert blocks.downbeats == pytest.approx(whole.downbeats, abs=1e-5) and blocks.sections == whole.sections
