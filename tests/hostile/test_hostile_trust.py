"""Caches are checked for sense before use: a footage or music entry that does not fit the file it
describes (or itself) is made again with a note in the warnings; a cached "passed" verdict for a
hardware encoder that then fails in a run is tested again and the preview is rendered in software."""
import json
import math

import pytest
from hostile_helpers import run_cli

from montage_ai import encoders
from montage_ai.audio import cache as music_cache
from montage_ai.audio.analyze import analyze_music, cache_key
from montage_ai.video import cache as footage_cache
from montage_ai.video.footage import analyze_footage


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MONTAGE_AI_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _footage_entry(clip_path):
    return footage_cache.cache_dir() / f"{footage_cache.identity_key(clip_path)}.json"


FOOTAGE = {
    "100x the frames": lambda c: (c.update(frames=c["frames"] * 100), c["shots"][-1].update(end=c["frames"])),
    "score not finite": lambda c: c["shots"][0].update(motion=math.nan),
    "shot past the end": lambda c: c["shots"][-1].update(end=c["frames"] + 50),
    "rate 0": lambda c: c.update(rate="0/1"),
    "size 0": lambda c: c.update(width=0),
    "other rate than the file": lambda c: c.update(rate="50/1", frames=c["frames"] * 2,
                                                   shots=[{**c["shots"][0], "start": 0, "end": c["frames"] * 2}]),
}


@pytest.mark.parametrize("case", sorted(FOOTAGE))
def test_doubtful_footage_entry_is_made_again_with_a_note(case, own_cache, tiny_clips):
    clip_path = tiny_clips[0]
    truth = analyze_footage([clip_path])[0]
    entry = _footage_entry(clip_path)
    data = json.loads(entry.read_text())
    FOOTAGE[case](data["clip"])
    entry.write_text(json.dumps(data))
    again = analyze_footage([clip_path])[0]
    assert not again.cached
    assert again.clip.frames == truth.clip.frames and again.clip.shots == truth.clip.shots
    assert any("cached analysis not used" in w and clip_path.name in w for w in again.warnings), again.warnings
    third = analyze_footage([clip_path])[0]  # the entry was rewritten, the note is this run's only
    assert third.cached and not any("cached" in w for w in third.warnings)


def test_doubtful_music_entry_is_made_again_with_a_note(own_cache, tiny_song):
    truth = analyze_music(tiny_song)
    entry = music_cache.cache_dir() / f"{cache_key(truth.path, {}, truth.beat_engine)}.json"
    data = json.loads(entry.read_text())
    data["music"].update(tempo_bpm=-5, beats_per_bar=0)
    data["checksum"] = music_cache._checksum(data["music"])  # a careful hand edit
    entry.write_text(json.dumps(data))
    again = analyze_music(tiny_song)
    assert again.tempo_bpm == truth.tempo_bpm and again.beats_per_bar == truth.beats_per_bar
    assert any("cached analysis not used" in w for w in again.warnings), again.warnings
    assert analyze_music(tiny_song).warnings == truth.warnings


def test_stale_hardware_verdict_is_tested_again_and_the_run_goes_on(own_cache, tiny_song, tiny_clips, tmp_path,
                                                                    capsys, monkeypatch):
    monkeypatch.delenv("FFMPEG_HWACCEL", raising=False)
    build, listing = encoders.ffmpeg_build("-encoders")
    stale = [e.codec for e in encoders.candidates(encoders.listed_encoders(listing), "linux")]
    if not stale:
        pytest.skip("this ffmpeg lists no hardware H.264 encoder")
    encoders.store_verdicts(build, {stale[0]: None})  # "passed", from another day or another GPU
    code, out, err = run_cli("make", "--music", tiny_song, "--footage", *tiny_clips, "--out", tmp_path / "out",
                             "--preview", "draft", "--formats", "otio", capsys=capsys)
    assert code == 0, err
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["preview_encoder"]["codec"] == "libx264" and stale[0] in report["preview_encoder"]["failed"]
    assert stale[0] in out  # the console says why the preview is software
    assert encoders.load_verdicts(build)[stale[0]] is not None  # the next run does not try it again


def test_stale_hardware_decode_verdict_is_tested_again_and_analysis_goes_on(own_cache, tiny_clips, monkeypatch):
    from montage_ai import decoders
    monkeypatch.delenv("FFMPEG_HWACCEL", raising=False)
    decoders.decode_args.cache_clear()
    build, listing = encoders.ffmpeg_build("-hwaccels")
    build += "-hwaccels"  # the decoders' key beside the encoders'
    if "cuda" not in decoders.listed_methods(listing) or decoders.trial_decode(decoders.hardware_decoders()["cuda"]) \
            is None:
        pytest.skip("this ffmpeg lists no CUDA decoding, or it works here")
    encoders.store_verdicts(build, {"cuda": None})  # "passed", from another day or another GPU
    try:
        result = analyze_footage([tiny_clips[0]])[0]
    finally:
        decoders.decode_args.cache_clear()
    assert encoders.load_verdicts(build)["cuda"] is not None  # tested again: it fails on this machine
    assert result.clip is not None, result.warnings
    assert any("hardware decoding failed" in w for w in result.warnings), result.warnings
