"""The analysis cache: any entry in doubt is analysed again, never used, never a failure."""
import json

import pytest

from montage_ai.audio import cache
from montage_ai.audio.analyze import analyze_music, cache_key


@pytest.fixture
def cached(tiny_song, tmp_path, monkeypatch):
    """A fresh cache holding the tiny song's analysis; returns (entry path, the true analysis)."""
    monkeypatch.setenv("MONTAGE_AI_CACHE_DIR", str(tmp_path / "cache"))
    truth = analyze_music(tiny_song)
    entry = cache.cache_dir() / f"{cache_key(truth.path, {}, truth.beat_engine)}.json"
    assert entry.is_file()
    return entry, truth


def _edit_music(entry, change):
    data = json.loads(entry.read_text())
    change(data["music"])
    entry.write_text(json.dumps(data))


BAD = {
    "beats are text": lambda m: m.update(beats=["a"] * len(m["beats"])),
    "energy is a word": lambda m: m.update(energy="loud"),
    "beats reversed": lambda m: m.update(beats=m["beats"][::-1]),
    "beats past the end": lambda m: m.update(beats=m["beats"] + [m["duration"] + 5]),
    "duration nan": lambda m: m.update(duration=float("nan")),
    "section unknown phase": lambda m: m["sections"][0].update(phase="DROP"),
    "key missing": lambda m: m.pop("downbeats"),
    # plausible but not what was analysed: only the checksum can tell
    "beats shifted 0.3 s": lambda m: m.update(beats=[b + 0.3 for b in m["beats"]],
                                              downbeats=[b + 0.3 for b in m["downbeats"]]),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_doubtful_entry_is_analysed_again(case, cached, tiny_song):
    entry, truth = cached
    _edit_music(entry, BAD[case])
    assert cache.load(truth.path, entry.stem) is None
    again = analyze_music(tiny_song)
    assert again.beats == truth.beats and again.sections == truth.sections
    assert cache.load(truth.path, entry.stem) is not None  # rewritten


def test_other_version_or_checksum_is_ignored(cached):
    entry, truth = cached
    data = json.loads(entry.read_text())
    assert cache.load(truth.path, entry.stem).beats == truth.beats
    for change in ({"version": data["version"] - 1}, {"checksum": "0" * 32}):
        entry.write_text(json.dumps({**data, **change}))
        assert cache.load(truth.path, entry.stem) is None


def test_entry_replaced_by_a_folder_leaks_nothing(cached, tiny_song):
    entry, truth = cached
    entry.unlink()
    entry.mkdir()
    for _ in range(3):
        assert analyze_music(tiny_song).beats == truth.beats
    assert sorted(p.name for p in entry.parent.iterdir()) == [entry.name]


def test_cached_entry_keeps_the_editors_overrides(cached, tiny_song):
    first = analyze_music(tiny_song, tempo_hint=120)
    again = analyze_music(tiny_song, tempo_hint=120)
    assert first.overrides == again.overrides == {"tempo_hint": 120}
