"""The Resolve bridge run against the fake Resolve under every realism profile: every cut lands on its
planned record frames with its planned source in, failures are one actionable line and leave the project
as it was."""
import dataclasses
import sys
from pathlib import Path

import pytest

from fake_resolve.harness import (FAKE_DIR, MODULE, PROFILE_NAMES, REALISTIC, assert_matches_plan,  # noqa: F401
                                  dvr, mixed_clips, register_media, stock_pool)
from montage_ai.errors import InputError
from montage_ai.export.otio_export import build_timeline
from montage_ai.plan.planner import PlanSettings, plan_montage
from montage_ai.plugin.resolve import connect as connect_module
from montage_ai.plugin.resolve.connect import connect
from montage_ai.plugin.resolve.media_pool import read_folder
from montage_ai.plugin.resolve.timeline_spec import marker_specs
from montage_ai.plugin.resolve.writer import push_timeline
from montage_ai.timebase import Rate

EVERY_PROFILE = pytest.mark.parametrize("dvr", PROFILE_NAMES, indirect=True)
REALISTIC_ONLY = pytest.mark.parametrize("dvr", [REALISTIC], indirect=True)


def _snapshot(project) -> tuple:
    pool = project.media_pool
    return [t.name for t in project.timelines], len(pool.items()), dict(project.settings), project.current


@EVERY_PROFILE
def test_push_appends_every_cut_exactly(dvr, plan):
    items = stock_pool(dvr, plan)
    project = dvr.APP.project
    result = push_timeline(connect(), build_timeline(plan))
    assert result.route == "append" and result.name == plan.name and not result.notes
    assert result.clips == len(plan.cuts) + 1 and result.markers == len({m.frame for m in plan.markers})
    assert project.timelines == [result.timeline] and project.GetCurrentTimeline() is result.timeline
    assert_matches_plan(result.timeline, plan)
    assert len(project.media_pool.items()) == len(items) + 1  # only the new timeline was added


@EVERY_PROFILE
def test_import_route_is_verified_and_falls_back_when_offline(dvr, plan):
    stock_pool(dvr, plan)
    project = dvr.APP.project
    result = push_timeline(connect(), build_timeline(plan), route="import")
    assert project.timelines == [result.timeline]  # an offline import was deleted again
    assert_matches_plan(result.timeline, plan)
    if dvr.PROFILE.name == "lenient":
        assert result.route == "import" and not result.notes
        assert result.timeline.GetStartFrame() == plan.start_timecode
    elif dvr.PROFILE.at_least(18, 6, 5):
        assert result.route == "append" and len(result.notes) == 1
        assert f"{len(plan.cuts) + 1} of {len(plan.cuts) + 1} clips are offline" in result.notes[0]
    else:
        assert result.route == "append" and "18.6.5" in result.notes[0]


@EVERY_PROFILE
@pytest.mark.parametrize("mode", ["fail", "incomplete"])
def test_import_failure_falls_back_to_append(dvr, plan, mode):
    stock_pool(dvr, plan)
    project = dvr.APP.project
    project.media_pool.import_mode = mode
    result = push_timeline(connect(), build_timeline(plan), route="import")
    assert result.route == "append" and result.name == plan.name
    assert project.timelines == [result.timeline]
    assert result.timeline.GetStartFrame() == 86400
    assert_matches_plan(result.timeline, plan)
    assert len(result.notes) == 1 and "clip by clip" in result.notes[0]


@REALISTIC_ONLY
def test_a_refused_delete_of_the_failed_import_does_not_stop_the_fallback(dvr, plan):
    stock_pool(dvr, plan)
    project = dvr.APP.project
    project.media_pool.refuse_delete = "rename_ok"
    result = push_timeline(connect(), build_timeline(plan), route="import")
    assert result.route == "append" and result.name == plan.name
    assert [t.name for t in project.timelines] == [f"{plan.name} (failed import)", plan.name]
    assert f"renamed it '{plan.name} (failed import)': delete it by hand" in result.notes[0]
    assert_matches_plan(result.timeline, plan)


@REALISTIC_ONLY
def test_a_failed_import_resolve_will_neither_delete_nor_rename_is_named(dvr, plan):
    stock_pool(dvr, plan)
    project = dvr.APP.project
    project.media_pool.refuse_delete = True
    with pytest.raises(InputError) as err:
        push_timeline(connect(), build_timeline(plan), route="import")
    message = str(err.value)
    assert message.startswith(f"DaVinci Resolve could neither delete nor rename the unfinished timeline '{plan.name}'")
    assert message.endswith(f"also, by hand: delete the timeline '{plan.name}'") and "\n" not in message
    assert [t.name for t in project.timelines] == [plan.name]


@EVERY_PROFILE
def test_late_music_start_counts_audio_frames_at_the_items_rate(dvr, music, clips):
    plan = plan_montage(music, clips, PlanSettings(music_start=45.0))
    assert plan.music_in > 1000  # far enough in for 23.976 vs 24 fps to differ by a frame
    stock_pool(dvr, plan)
    result = push_timeline(connect(), build_timeline(plan))
    assert_matches_plan(result.timeline, plan)


@REALISTIC_ONLY
@pytest.mark.parametrize("fps", ["23.976", "25", "29.97", "50"])
@pytest.mark.parametrize("how", ["append", "import", "import fails"])
def test_every_rate_over_mixed_footage(dvr, music, mixed_clips, fps, how):
    """The issue's 'must show': every cut exact, nothing offline, music and markers, by every route."""
    plan = plan_montage(music, mixed_clips, PlanSettings(fps=Rate.parse(fps)))
    assert {str(c.clip.rate) for c in plan.cuts} >= {"24000/1001", "25/1", "30000/1001"}
    dvr.APP.project.settings["timelineFrameRate"] = fps
    stock_pool(dvr, plan)
    dvr.APP.project.media_pool.import_mode = "fail" if how == "import fails" else "ok"
    result = push_timeline(connect(), build_timeline(plan), route="append" if how == "append" else "import")
    assert result.route == "append" and len(dvr.APP.project.timelines) == 1
    assert_matches_plan(result.timeline, plan)


@EVERY_PROFILE
def test_markers_replace_what_the_import_brought(dvr, plan):
    stock_pool(dvr, plan)
    dvr.APP.project.media_pool.import_markers = True
    result = push_timeline(connect(), build_timeline(plan), route="import")
    assert result.markers == len({m.frame for m in plan.markers})
    assert_matches_plan(result.timeline, plan)


def test_markers_merge_per_frame_with_the_phase_leading(plan):
    timeline = build_timeline(plan)
    markers = list(timeline.tracks.markers)
    timeline.tracks.markers[:] = markers[::-1]
    first = marker_specs(timeline)[0]
    assert (first.frame, first.color, first.name) == (0, "Blue", "INTRO / Bar 1")
    assert first.note == "INTRO (phase); Bar 1 (downbeat)" and "montage_ai" in first.custom_data


def test_media_items_from_the_pool_reader_and_unique_names(dvr, plan):
    items = stock_pool(dvr, plan)
    session = connect()
    contents = read_folder(session.media_pool, "Footage")
    assert set(contents.items) == {c.path for c in plan.clips}
    given = {**contents.items, plan.music.path: items[plan.music.path]}
    names = [push_timeline(session, build_timeline(plan), "Cut", media_items=given).name for _ in range(3)]
    assert names == ["Cut", "Cut v2", "Cut v3"]


@EVERY_PROFILE
def test_missing_media_is_imported_first(dvr, plan):
    register_media(dvr, plan)
    pool = dvr.APP.project.media_pool
    result = push_timeline(connect(), build_timeline(plan))
    assert sorted(result.imported_media) == sorted([c.path for c in plan.clips] + [plan.music.path])
    assert len(pool.GetRootFolder().GetClipList()) == len(result.imported_media) + 1
    assert_matches_plan(result.timeline, plan)


def test_file_urls_are_pushed_as_plain_paths(dvr, plan):
    dvr.use_profile("lenient")  # the one profile whose OTIO import links media
    stock_pool(dvr, plan)
    timeline = build_timeline(plan)
    for clip in timeline.find_clips():
        clip.media_reference.target_url = Path(clip.media_reference.target_url).as_uri()
    result = push_timeline(connect(), timeline, route="import")
    assert result.route == "import"  # the fake, like Resolve, does not link file:// URLs
    assert_matches_plan(result.timeline, plan)


def test_rate_mismatch_is_refused_when_the_project_has_timelines(dvr, plan):
    stock_pool(dvr, plan)
    project = dvr.APP.project
    project.settings["timelineFrameRate"] = "25"
    assert project.media_pool.CreateEmptyTimeline("Existing")
    before = _snapshot(project)
    with pytest.raises(InputError) as err:
        push_timeline(connect(), build_timeline(plan))
    message = str(err.value)
    assert "23.976" in message and "--fps 25" in message and "never retimes" in message and "\n" not in message
    assert _snapshot(project) == before


def test_rate_is_set_on_a_project_without_timelines(dvr, plan):
    stock_pool(dvr, plan)
    project = dvr.APP.project
    project.settings["timelineFrameRate"] = "29.97 DF"
    result = push_timeline(connect(), build_timeline(plan))
    assert project.GetSetting("timelineFrameRate") == "23.976"
    assert any("23.976" in note for note in result.notes)
    assert_matches_plan(result.timeline, plan)


@EVERY_PROFILE
def test_failed_append_leaves_nothing_behind(dvr, plan):
    register_media(dvr, plan)
    project = dvr.APP.project
    project.settings["timelineFrameRate"] = "25"
    project.media_pool.append_limit = 3
    with pytest.raises(InputError, match=r"did not place the clips exactly \(video track 1 holds \d+ of") as err:
        push_timeline(connect(), build_timeline(plan))
    assert "\n" not in str(err.value)
    assert _snapshot(project) == ([], 0, {**project.settings, "timelineFrameRate": "25"}, None)


def test_failed_push_reopens_the_previous_timeline_and_reports_what_it_could_not_undo(dvr, plan):
    stock_pool(dvr, plan)
    project = dvr.APP.project
    pool = project.media_pool
    earlier = pool.CreateEmptyTimeline("Earlier")
    assert project.SetCurrentTimeline(earlier)
    pool.append_limit, pool.refuse_delete = 0, True
    with pytest.raises(InputError) as err:
        push_timeline(connect(), build_timeline(plan))
    assert str(err.value).endswith(f"also, by hand: delete the timeline '{plan.name}'")
    assert project.GetCurrentTimeline() is earlier


def test_old_resolve_is_refused_before_anything_changes(dvr, plan):
    dvr.PROFILE = dataclasses.replace(dvr.PROFILE, version=(18, 1, 3, 0))
    stock_pool(dvr, plan)
    before = _snapshot(dvr.APP.project)
    with pytest.raises(InputError, match=r"DaVinci Resolve 18\.1\.3\.0 cannot place clips .*18\.5 or later"):
        push_timeline(connect(), build_timeline(plan))
    assert _snapshot(dvr.APP.project) == before


def test_media_missing_everywhere(dvr, plan, tmp_path):
    timeline = build_timeline(plan)
    clip = next(iter(timeline.find_clips()))
    clip.media_reference.target_url = str(tmp_path / "gone.mov")
    before = _snapshot(dvr.APP.project)
    with pytest.raises(InputError) as err:
        push_timeline(connect(), timeline)
    assert err.value.path == str(tmp_path / "gone.mov") and "not found" in err.value.problem
    assert _snapshot(dvr.APP.project) == before


# -- connecting -------------------------------------------------------------------------------------------

def test_the_scripts_menu_global_comes_first(dvr):
    app = dvr.APP
    dvr.APP = None  # scriptapp would fail: the given object must be used
    assert connect(resolve=app).project is app.project


def test_module_found_through_resolve_script_api(dvr, monkeypatch, tmp_path):
    modules = tmp_path / "Scripting" / "Modules"
    modules.mkdir(parents=True)
    (modules / f"{MODULE}.py").write_text((FAKE_DIR / f"{MODULE}.py").read_text())
    monkeypatch.setattr("sys.path", [p for p in sys.path if p != str(FAKE_DIR)])
    monkeypatch.delitem(sys.modules, MODULE)
    monkeypatch.setenv("RESOLVE_SCRIPT_API", str(tmp_path / "Scripting"))
    session = connect()
    assert session.project.GetName() == "Montage Test"
    assert str(modules) in sys.path


@pytest.fixture
def no_module(dvr, monkeypatch, tmp_path):
    """No DaVinciResolveScript anywhere: not on sys.path, not under RESOLVE_SCRIPT_API or the OS default."""
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p != str(FAKE_DIR)])
    monkeypatch.delitem(sys.modules, MODULE)
    monkeypatch.setenv("RESOLVE_SCRIPT_API", str(tmp_path / "api"))
    monkeypatch.setattr(connect_module, "default_api_dir", lambda: tmp_path / "default")
    return tmp_path


def test_module_missing(no_module):
    with pytest.raises(InputError) as err:
        connect()
    message = str(err.value)
    assert "DaVinciResolveScript was not found" in message and "RESOLVE_SCRIPT_API" in message
    assert str(no_module / "api" / "Modules") in message and str(no_module / "default" / "Modules") in message
    assert "\n" not in message


def test_module_found_but_library_missing(no_module):
    modules = no_module / "api" / "Modules"
    modules.mkdir(parents=True)
    (modules / f"{MODULE}.py").write_text('raise ImportError("Could not locate module dependencies")\n')
    with pytest.raises(InputError, match="RESOLVE_SCRIPT_LIB"):
        connect()


def test_resolve_not_reachable(dvr):
    dvr.APP = None
    with pytest.raises(InputError) as err:
        connect()
    message = str(err.value)
    assert "External scripting using: Local" in message and "Studio" in message and "\n" not in message


def test_no_project_open(dvr):
    dvr.APP.manager.current = None
    with pytest.raises(InputError, match="no project is open"):
        connect()


@EVERY_PROFILE
def test_a_reframed_plan_sets_the_timeline_size_and_each_items_zoom_and_pan(dvr, plan):
    from montage_ai.model import Aspect
    from montage_ai.plan.reframe import reframe
    from montage_ai.video.subject import SubjectTrack
    left = SubjectTrack((0.0, 100.0), (0.05, 0.05), (0.5, 0.5), ("face", "face"))  # the subject at the left edge
    portrait = reframe(plan, Aspect(9, 16), {c.path: left for c in plan.clips})
    stock_pool(dvr, plan)
    project = dvr.APP.project
    result = push_timeline(connect(), build_timeline(portrait))
    size = (portrait.width, portrait.height)
    assert (result.timeline.GetSetting("timelineResolutionWidth"),
            result.timeline.GetSetting("timelineResolutionHeight")) == tuple(map(str, size))
    assert any("timeline resolution" in n for n in result.notes)
    assert_matches_plan(result.timeline, portrait)
    start = result.timeline.GetStartFrame()
    for item in result.timeline.GetItemListInTrack("video", 1):
        cut = next(c for c in portrait.cuts if c.record_start <= item.GetStart() - start < c.record_end)
        w, h = cut.clip.display_size
        zoom = (w / h) / (9 / 16)  # fitted by width, the crop fills the height
        props = item.GetProperty()
        assert props["ZoomX"] == props["ZoomY"] == pytest.approx(zoom, abs=1e-3)
        # the window at the source's left edge: the picture's centre sits right of the frame's
        assert props["Pan"] == pytest.approx((w / 2 - portrait.crop(cut).width / 2) * size[1] / h, abs=0.05)
        assert props["Tilt"] == 0


@REALISTIC_ONLY
def test_a_failed_reframed_push_puts_the_resolution_back(dvr, plan):
    from montage_ai.model import Aspect
    from montage_ai.plan.reframe import reframe
    portrait = reframe(plan, Aspect(9, 16), {})
    stock_pool(dvr, plan)
    before = _snapshot(dvr.APP.project)
    dvr.APP.project.media_pool.append_limit = 3
    with pytest.raises(InputError, match="did not place the clips exactly"):
        push_timeline(connect(), build_timeline(portrait))
    assert _snapshot(dvr.APP.project) == before  # the timeline resolution too


def test_undo_puts_back_the_resolution_a_reframed_push_changed(dvr, plan):
    from montage_ai.model import Aspect
    from montage_ai.plan.reframe import reframe
    from montage_ai.plugin.resolve.versions import undo_push
    portrait = reframe(plan, Aspect(9, 16), {})
    stock_pool(dvr, plan)
    project = dvr.APP.project
    session = connect()
    result = push_timeline(session, build_timeline(portrait))
    assert (project.settings["timelineResolutionWidth"], project.settings["timelineResolutionHeight"]) == \
        (str(portrait.width), str(portrait.height))
    lines = undo_push(session, result)
    assert project.timelines == []
    assert (project.settings["timelineResolutionWidth"],
            project.settings["timelineResolutionHeight"]) == ("1920", "1080")
    assert "set the project's timeline resolution back to 1920x1080" in lines


def test_a_half_applied_resolution_is_put_back(dvr, plan):
    from montage_ai.model import Aspect
    from montage_ai.plan.reframe import reframe
    portrait = reframe(plan, Aspect(9, 16), {})
    stock_pool(dvr, plan)
    project = dvr.APP.project
    project.refused_settings = {"timelineResolutionHeight"}  # the width is accepted, the height refused
    with pytest.raises(InputError, match="refused the timeline resolution"):
        push_timeline(connect(), build_timeline(portrait))
    assert (project.settings["timelineResolutionWidth"], project.settings["timelineResolutionHeight"]) == \
        ("1920", "1080")


def test_the_resolution_follows_the_sets_aspect_not_its_crops(dvr, plan):
    from montage_ai.model import Aspect
    from montage_ai.plan.reframe import reframe
    stock_pool(dvr, plan)
    project = dvr.APP.project
    session = connect()

    def size():
        return project.settings["timelineResolutionWidth"], project.settings["timelineResolutionHeight"]
    portrait = reframe(plan, Aspect(9, 16), {})
    phone = build_timeline(portrait)
    for clip in phone.find_clips():  # portrait phone footage: a 9:16 set with no crop
        (clip.metadata.get("montage_ai") or {}).pop("crop", None)
    push_timeline(session, phone)
    assert size() == (str(portrait.width), str(portrait.height))
    push_timeline(session, build_timeline(plan))  # then the 16:9 set: back to 16:9
    assert size() == (str(plan.width), str(plan.height))
    project.settings.update(timelineResolutionWidth="3840", timelineResolutionHeight="2160")
    result = push_timeline(session, build_timeline(plan))  # a 1080p set into a UHD project changes nothing
    assert size() == ("3840", "2160") and result.previous_size is None


def test_a_cuts_zoom_and_pan_are_its_window_at_the_middle_frame_not_the_middle_key():
    from montage_ai.plugin.resolve.timeline_spec import item_framing
    # a 200-frame cut panning for 48 frames then holding at x=300: the middle key (frame 32) is x=220
    keys = [[0, 100.0, 0.0], [16, 150.0, 0.0], [32, 220.0, 0.0], [48, 300.0, 0.0], [199, 300.0, 0.0]]
    crop = {"width": 607.5, "height": 1080.0, "keys": keys, "source_size": [1920, 1080]}
    framing = dict(item_framing(crop, (1080, 1920), 200))
    scale = 1080 / 607.5
    assert framing["Pan"] == pytest.approx((960 - 300 - 607.5 / 2) * scale, abs=0.01)
    assert framing["Tilt"] == 0 and framing["ZoomX"] == pytest.approx(scale / (1080 / 1920), abs=1e-4)
