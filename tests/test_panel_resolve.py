"""The panel's Resolve buttons against the Resolve stand-in: the build named with the route that works, each
push a new version, Undo last push, and on a free build without scripting (21.1) "Export for Resolve import"
with the menu steps, whose OTIO a Resolve that imports source clips turns into the planned timeline."""
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from fake_resolve.harness import FREE, assert_matches_plan, dvr, register_media, stock_pool  # noqa: E402,F401
from montage_ai.plugin import panel  # noqa: E402
from montage_ai.plugin.resolve.build import OTIO_NAME, XML_NAME  # noqa: E402

WAIT_MS = 60_000


@pytest.fixture
def opened(qtbot, tmp_path, monkeypatch, plan):
    """The panel as the Scripts menu opens it on the stand-in's app, with ``plan`` generated."""
    monkeypatch.setenv("MONTAGE_AI_CONFIG_DIR", str(tmp_path / "config"))

    def open_on(app):
        window = panel.launch(resolve=app, block=False)
        qtbot.addWidget(window)
        window.plan = plan
        window._refresh_buttons()
        return window
    return open_on


def test_each_push_is_a_new_version_and_the_last_can_be_undone(dvr, opened, plan):
    stock_pool(dvr, plan)
    project = dvr.APP.project
    project.settings["timelineFrameRate"] = "24"  # no timelines yet: the first push sets 23.976
    window = opened(dvr.APP)
    assert window.resolve_btn.text() == "Create timeline in Resolve" and window.resolve_btn.isEnabled()
    assert "DaVinci Resolve Studio 19.1.3.7, scripting works: push works here" in window.resolve_btn.toolTip()
    assert window.undo_btn.isVisible() and not window.undo_btn.isEnabled()
    window.resolve_btn.click()
    window.resolve_btn.click()
    assert [t.name for t in project.timelines] == [plan.name, f"{plan.name} v2"]
    assert_matches_plan(project.timelines[1], plan)
    assert window.undo_btn.isEnabled()
    window.undo_btn.click()  # the second push changed no rate: only its timeline goes
    assert [t.name for t in project.timelines] == [plan.name] and project.settings["timelineFrameRate"] == "23.976"
    assert window.status.text() == f"Undo: deleted the timeline '{plan.name} v2'."
    assert not window.undo_btn.isEnabled()


def test_undo_restores_the_frame_rate_the_push_changed(dvr, opened, plan):
    stock_pool(dvr, plan)
    project = dvr.APP.project
    project.settings["timelineFrameRate"] = "25"
    window = opened(dvr.APP)
    window.resolve_btn.click()
    assert project.settings["timelineFrameRate"] == "23.976" and len(project.timelines) == 1
    window.undo_btn.click()
    assert project.timelines == [] and project.settings["timelineFrameRate"] == "25"
    assert "set the project frame rate back to 25" in window.status.text()


@pytest.mark.parametrize("dvr", [FREE], indirect=True)
def test_a_free_build_without_scripting_exports_for_import_with_the_steps(dvr, opened, plan, qtbot, tmp_path):
    window = opened(dvr.APP)
    assert window.session is None
    assert window.status.text().startswith("Resolve (DaVinci Resolve 21.1.0.0, scripting refused): ")
    assert "the free edition from 21.1 runs no scripts" in window.status.text()
    assert window.resolve_btn.text() == "Export for Resolve import" and window.resolve_btn.isEnabled()
    assert not window.undo_btn.isVisible()
    with qtbot.waitSignal(window.exported, timeout=WAIT_MS):
        window.resolve_actions.export(tmp_path / "for resolve")
    otio_file, xml_file = tmp_path / "for resolve" / OTIO_NAME, tmp_path / "for resolve" / XML_NAME
    assert otio_file.is_file() and xml_file.is_file()
    steps = window.status.text()
    assert steps.startswith("In DaVinci Resolve: File > Import > Timeline…") and str(otio_file) in steps
    assert '"Automatically import source clips into media pool"' in steps
    # the steps on a build that imports: the OTIO, its source clips imported, is the planned timeline
    dvr.use_profile("studio_21_0")
    register_media(dvr, plan)
    pool = dvr.APP.project.media_pool
    timeline = pool.ImportTimelineFromFile(str(otio_file), {"importSourceClips": True})
    assert timeline is not None
    start, video = timeline.GetStartFrame(), timeline.GetItemListInTrack("video", 1)
    assert [(i.GetStart() - start, i.GetEnd() - start, i.GetMediaPoolItem().GetClipProperty("File Path"),
             i.source_start) for i in video] == \
        [(c.record_start, c.record_end, str(c.clip.path), c.source_in) for c in plan.cuts]


@pytest.mark.parametrize("dvr", ["studio_19_1_3_floors"], indirect=True)
def test_the_panel_names_the_clips_placed_one_frame_short(dvr, opened, music, clips):
    """25 fps footage alone on a 50 fps timeline: the odd cuts cannot be whole frames; the push is kept."""
    from montage_ai.plan.planner import PlanSettings, plan_montage
    from montage_ai.timebase import Rate
    plan = plan_montage(music, [c for c in clips if c.rate == Rate.parse(25)], PlanSettings(fps=Rate.parse(50)))
    dvr.APP.project.settings["timelineFrameRate"] = "50"
    stock_pool(dvr, plan)
    window = opened(dvr.APP)
    window.plan = plan
    window.resolve_btn.click()
    odd = [c for c in plan.cuts if (c.record_end - c.record_start) % 2]
    text = window.status.text()
    assert odd and f"{len(odd)} clips one frame short (whole frames cannot fill them): V1 clip {odd[0].index + 1} " in text
    assert len(dvr.APP.project.timelines) == 1
