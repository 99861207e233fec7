"""Shared fixtures: generated media with known truth (never committed), analysed once per session."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MONTAGE_AI_CACHE_DIR", tempfile.mkdtemp(prefix="montage-ai-cache-"))

from montage_ai.audio.analyze import analyze_music  # noqa: E402
from montage_ai.demo_media import synth_footage, synth_song  # noqa: E402
from montage_ai.plan.planner import PlanSettings, plan_montage  # noqa: E402
from montage_ai.video.probe import probe_clip  # noqa: E402


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def song(media_dir):
    """The demo song (124 BPM, 0.37 s lead-in) with its beat times known by construction."""
    return synth_song(media_dir / "song.wav")


@pytest.fixture(scope="session")
def footage(media_dir) -> list[Path]:
    """Five lavfi clips: 23.976 (one with TC 01:00:00:00 and audio), 25 (TC 00:10:00:00), 29.97."""
    return synth_footage(media_dir / "footage")


@pytest.fixture(scope="session")
def music(song):
    return analyze_music(song.path)


@pytest.fixture(scope="session")
def clips(footage):
    return [probe_clip(p) for p in footage]


@pytest.fixture(scope="session")
def plan(music, clips):
    return plan_montage(music, clips, PlanSettings())
