"""Fixtures that run the real Resolve bridge against the fake ``DaVinciResolveScript``."""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from montage_ai.model import Clip, Plan

FAKE_DIR = Path(__file__).parent
MODULE = "DaVinciResolveScript"


REALISTIC = "studio_19_1_3"
PROFILE_NAMES = ["lenient", "studio_19_1_3", "resolve_19_1_inclusive_end", "resolve_18_6_5", "resolve_18_5",
                 "studio_21_0"]  # DaVinciResolveScript.PROFILES (the module is imported per test)


@pytest.fixture
def dvr(request, monkeypatch):
    """A fresh fake module importable by its real name from ``sys.path`` (like ``$RESOLVE_SCRIPT_API/Modules``
    on ``PYTHONPATH``); ``dvr.APP`` is a running Resolve with an open, empty project. The profile is the
    parameter (``indirect`` parametrisation), else the most realistic one."""
    monkeypatch.delitem(sys.modules, MODULE, raising=False)
    monkeypatch.setattr(sys, "path", [str(FAKE_DIR), *sys.path])
    monkeypatch.delenv("RESOLVE_SCRIPT_API", raising=False)
    module = importlib.import_module(MODULE)
    module.use_profile(getattr(request, "param", REALISTIC))
    yield module
    sys.modules.pop(MODULE, None)


def clip_props(dvr, clip: Clip) -> dict:
    """What Resolve would report for a probed clip; FPS a float except at whole rates (a string there)."""
    rate = float(clip.rate.fps)
    value = str(round(rate)) if rate.is_integer() else round(rate, 3)
    return dvr.video_props(clip.path, value, clip.frames, clip.rate.timecode(clip.start_frame, clip.drop_frame),
                           drop=clip.drop_frame, audio=clip.has_audio, resolution=f"{clip.width}x{clip.height}")


def register_media(dvr, plan: Plan) -> None:
    """Make every file of ``plan`` importable by the fake ``MediaPool.ImportMedia``."""
    for clip in plan.clips:
        dvr.LIBRARY[str(clip.path)] = clip_props(dvr, clip)
    dvr.LIBRARY[str(plan.music.path)] = dvr.audio_props(plan.music.path, plan.music.duration)


def stock_pool(dvr, plan: Plan) -> dict[Path, object]:
    """Put the plan's footage in bin ``Footage`` and its music in ``Music``; the items by path."""
    register_media(dvr, plan)
    pool = dvr.APP.project.media_pool
    bins = {"Footage": pool.AddSubFolder(pool.GetRootFolder(), "Footage"),
            "Music": pool.AddSubFolder(pool.GetRootFolder(), "Music")}
    music = dvr.LIBRARY[str(plan.music.path)]
    if dvr.PROFILE.wav_project_rate:  # imported earlier, at the project's rate of the time
        music = dvr.wav_at(music, dvr.APP.project.settings["timelineFrameRate"])
    items = {c.path: bins["Footage"].add(dvr.MediaPoolItem(dvr.LIBRARY[str(c.path)])) for c in plan.clips}
    return {**items, plan.music.path: bins["Music"].add(dvr.MediaPoolItem(music))}
