"""The user cache: every kind keeps its place under one root, every entry is written atomically."""
import os

import pytest

from montage_ai import encoders
from montage_ai.audio import cache as music_cache
from montage_ai.cache import cache_root, read_json, write_json
from montage_ai.video import cache as footage_cache


def test_every_kind_keeps_its_folder_under_the_root(monkeypatch, tmp_path):
    monkeypatch.setenv("MONTAGE_AI_CACHE_DIR", str(tmp_path))
    assert cache_root() == tmp_path
    assert music_cache.cache_dir() == tmp_path / "music"
    assert footage_cache.cache_dir() == tmp_path / "footage"
    encoders.store_verdicts("build-a", {"h264_nvenc": "no device"})
    encoders.store_verdicts("build-b", {"h264_vaapi": None})
    assert sorted(os.listdir(tmp_path)) == ["encoders.json"]
    assert encoders.load_verdicts("build-a") == {"h264_nvenc": "no device"}
    assert encoders.load_verdicts("build-b") == {"h264_vaapi": None}


def test_a_failed_write_leaves_the_old_entry_and_no_temp_file(tmp_path):
    write_json(tmp_path, "k", {"a": 1})
    with pytest.raises(TypeError):
        write_json(tmp_path, "k", {"a": object()})
    assert read_json(tmp_path, "k") == {"a": 1} and os.listdir(tmp_path) == ["k.json"]
    (tmp_path / "k.json").write_bytes(b"\xff{")
    assert read_json(tmp_path, "k") is None and read_json(tmp_path, "missing") is None
