"""Hostile inputs, generated here: a 13 s click track and tiny lavfi clips (see ``hostile_helpers`` for
how ``montage-ai`` is run: in-process for option errors, a real process where signals, pipes,
permissions or a full disk are the point)."""
from __future__ import annotations

from pathlib import Path

import pytest
from hostile_helpers import lavfi_clip
from music_media import click_track


@pytest.fixture(scope="session")
def hostile_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hostile_media")


@pytest.fixture(scope="session")
def tiny_song(hostile_dir) -> Path:
    """A 13.3 s click track at 120 BPM (analysed once; the cache serves later runs)."""
    return click_track(hostile_dir / "click.wav", bars=6).path


@pytest.fixture(scope="session")
def tiny_clips(hostile_dir) -> list[Path]:
    return [lavfi_clip(hostile_dir / "c25.mp4", "25", 4), lavfi_clip(hostile_dir / "c30.mp4", "30", 4)]
