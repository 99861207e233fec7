"""The OTIO export re-read by OpenTimelineIO's own reader: frames identical to the plan."""
import opentimelineio as otio
import pytest

from montage_ai.export.otio_export import write_otio
from montage_ai.plan.planner import PlanSettings, plan_montage
from montage_ai.timebase import Rate


def _read_back(plan, tmp_path):
    path = tmp_path / "montage.otio"
    write_otio(plan, path)
    return otio.adapters.read_from_file(str(path))


@pytest.mark.parametrize("fps", [None, "25", "30000/1001"])
def test_otio_round_trip_matches_plan(music, clips, tmp_path, fps):
    plan = plan_montage(music, clips, PlanSettings(fps=Rate.parse(fps) if fps else None))
    tl = _read_back(plan, tmp_path)
    rate = float(plan.rate.fps)
    video, audio = tl.video_tracks()[0], tl.audio_tracks()[0]
    items = list(video.find_clips())
    assert len(items) == len(plan.cuts)
    assert tl.global_start_time.to_frames(rate) == plan.start_timecode
    for item, cut in zip(items, plan.cuts):
        placed = item.range_in_parent()
        assert placed.start_time.to_frames(rate) == cut.record_start
        assert placed.end_time_exclusive().to_frames(rate) == cut.record_end
        ref = item.media_reference
        assert ref.target_url == str(cut.clip.path) and "://" not in ref.target_url
        src, avail = item.source_range, ref.available_range
        crate = float(cut.clip.rate.fps)
        assert src.start_time.to_frames(crate) == cut.clip.start_frame + cut.source_in
        assert avail.start_time <= src.start_time
        assert src.end_time_exclusive() <= avail.end_time_exclusive()
        assert item.metadata["montage_ai"]["phase"] == cut.phase.value
    assert audio.duration().to_frames(rate) == plan.frames  # the music runs the full timeline
    music_clip = audio[0]
    assert music_clip.source_range.start_time.to_frames(rate) == plan.music_in
    assert video.duration().to_frames(rate) == plan.frames


def test_markers_for_phases_and_bars(plan, tmp_path):
    tl = _read_back(plan, tmp_path)
    rate = float(plan.rate.fps)
    phases = [m for m in tl.tracks.markers if m.metadata["montage_ai"]["kind"] == "phase"]
    assert [m.name for m in phases] == ["INTRO", "BUILD", "CLIMAX", "SUSTAIN", "OUTRO"]
    climax_start = next(c.record_start for c in plan.cuts if c.phase.value == "CLIMAX")
    assert next(m for m in phases if m.name == "CLIMAX").marked_range.start_time.to_frames(rate) == climax_start
    assert phases[2].color == otio.schema.MarkerColor.RED
