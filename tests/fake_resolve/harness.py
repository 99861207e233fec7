"""Fixtures that run the real Resolve bridge against the fake ``DaVinciResolveScript``."""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from montage_ai.demo_media import synth_footage
from montage_ai.model import Clip, Plan
from montage_ai.timebase import Rate
from montage_ai.video.probe import probe_clip

FAKE_DIR = Path(__file__).parent
MODULE = "DaVinciResolveScript"


PHASE_COLORS = {"INTRO": "Blue", "BUILD": "Cyan", "CLIMAX": "Red", "SUSTAIN": "Yellow", "OUTRO": "Purple"}
REALISTIC = "studio_19_1_3"
FREE = "free_21_1"  # the free build without scripting (not among the push profiles)
PROFILE_NAMES = ["lenient", "studio_19_1_3", "resolve_19_1_inclusive_end", "resolve_18_6_5", "resolve_18_5",
                 "studio_21_0", "studio_19_1_3_floors"]  # DaVinciResolveScript.PROFILES (the module is imported per test)


@pytest.fixture
def dvr(request, monkeypatch):
    """A fresh fake module importable by its real name from ``sys.path`` (like ``$RESOLVE_SCRIPT_API/Modules``
    on ``PYTHONPATH``); ``dvr.APP`` is a running Resolve with an open, empty project. The profile is the
    parameter (``indirect`` parametrisation), else the most realistic one."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delenv("RESOLVE_SCRIPT_API", raising=False)
    yield load_fake(getattr(request, "param", REALISTIC))
    sys.modules.pop(MODULE, None)
    sys.modules.pop(MODULE, None)


@pytest.fixture(scope="module")
def mixed_clips(clips, tmp_path_factory):
    """The demo footage (23.976, 25, 29.97) plus a 59.94 clip."""
    [extra] = synth_footage(tmp_path_factory.mktemp("5994"), [
        ("fast_5994.mp4", "testsrc2=size=320x180:rate={rate}", "60000/1001", 8, None, False)])
    return [*clips, probe_clip(extra)]


def load_fake(profile: str = REALISTIC):
    """A fresh fake module (a new running Resolve with an open, empty project) in ``profile``, importable by
    its real name."""
    sys.modules.pop(MODULE, None)
    if str(FAKE_DIR) not in sys.path:
        sys.path.insert(0, str(FAKE_DIR))
    module = importlib.import_module(MODULE)
    module.use_profile(profile)
    return module


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


def _tiles(items, start: int, first: int, end: int) -> list:
    """The items covering record frames ``[first, end)`` exactly, edge to edge (a through edit splits a cut)."""
    parts = [i for i in items if first <= i.GetStart() - start < end]
    assert parts and parts[0].GetStart() - start == first and parts[-1].GetEnd() - start == end
    assert all(a.GetEnd() == b.GetStart() for a, b in zip(parts, parts[1:]))
    return parts


def assert_matches_plan(timeline, plan, short=()) -> int:
    """Every cut on its record frames with its media and source in, nothing offline; music from its in-point;
    markers. Cuts in ``short`` (a push's :class:`ShortCut` list) end one frame early, the next on its frame.
    The number of through edits (cuts placed as several pieces)."""
    start = timeline.GetStartFrame()
    video = timeline.GetItemListInTrack("video", 1)
    assert all(i.GetMediaPoolItem() for i in video)  # nothing offline
    early = {s.record_start for s in short if (s.kind, s.track) == ("video", 1)}
    covered = 0
    for c in plan.cuts:
        parts = _tiles(video, start, c.record_start, c.record_end - (c.record_start in early))
        assert {p.GetMediaPoolItem().GetClipProperty("File Path") for p in parts} == {str(c.clip.path)}
        assert parts[0].source_start == c.source_in and parts[-1].source_end <= c.clip.frames
        covered += len(parts)
    assert covered == len(video)
    through_edits = covered - len(plan.cuts)
    music = timeline.GetItemListInTrack("audio", 1)
    parts = _tiles(music, start, 0, plan.frames)
    assert len(parts) == len(music) and all(p.GetMediaPoolItem() for p in parts)
    item = parts[0].GetMediaPoolItem()
    assert item.GetClipProperty("File Path") == str(plan.music.path)
    assert parts[0].source_start == plan.rate.rescale(plan.music_in, Rate.parse(item.GetClipProperty("FPS")))
    markers = timeline.GetMarkers()
    assert sorted(markers) == sorted({float(m.frame) for m in plan.markers})
    for m in plan.markers:
        want = PHASE_COLORS[m.name] if m.kind == "phase" else "Green"
        if m.kind == "phase" or not any(p.frame == m.frame and p.kind == "phase" for p in plan.markers):
            assert markers[float(m.frame)]["color"] == want
        assert m.name in markers[float(m.frame)]["name"]
    return through_edits
