"""The planner on the demo song: frame-true cuts, arc density, ranges, sources never overrun."""
import numpy as np
import pytest

from montage_ai.errors import InputError
from montage_ai.model import Phase
from montage_ai.plan.planner import PlanSettings, plan_montage
from montage_ai.timebase import Rate


def _holds_true_beat(plan, cut, truth) -> bool:
    """The cut starts on the frame containing its true beat, or the frame before when the beat lies
    within 1 ms after a frame boundary (analysis error then decides; early is never late)."""
    beat = truth[np.argmin(np.abs(truth - cut.beat_time))]
    allowed = {plan.rate.frame_at(beat), plan.rate.frame_at(beat - 0.001)}
    return cut.record_start + plan.music_in in allowed


def _check_timeline(plan):
    assert plan.cuts[0].record_start == 0 and plan.cuts[-1].record_end == plan.frames
    for a, b in zip(plan.cuts, plan.cuts[1:]):
        assert a.record_end == b.record_start  # no gaps, no overlaps
    for cut in plan.cuts:
        assert cut.record_frames > 0
        assert 0 <= cut.source_in < cut.source_out <= cut.clip.frames  # never past the end of a source
        real_time = cut.record_frames * cut.clip.rate.fps / plan.rate.fps
        assert cut.source_out - cut.source_in == int(np.ceil(float(real_time) - 1e-9))


def test_every_cut_starts_on_the_frame_holding_its_true_beat(plan, song):
    truth = np.asarray(song.beats)
    assert all(c.on_beat for c in plan.cuts)
    assert all(_holds_true_beat(plan, cut, truth) for cut in plan.cuts)


def test_timeline_is_contiguous_and_sources_stay_inside_clips(plan):
    _check_timeline(plan)


def test_cut_density_follows_the_arc(plan):
    mean_len = {p: np.mean([c.record_frames for c in plan.cuts if c.phase is p]) for p in Phase}
    assert mean_len[Phase.CLIMAX] < mean_len[Phase.BUILD] < mean_len[Phase.INTRO]
    assert mean_len[Phase.CLIMAX] < mean_len[Phase.SUSTAIN] < mean_len[Phase.OUTRO]
    assert [c.phase for c in plan.cuts] == sorted((c.phase for c in plan.cuts), key=list(Phase).index)


def test_no_immediate_repeats(plan):
    assert all(a.clip.path != b.clip.path for a, b in zip(plan.cuts, plan.cuts[1:]))


def test_hype_cuts_faster_than_documentary(music, clips):
    hype = plan_montage(music, clips, PlanSettings(style="hype"))
    doc = plan_montage(music, clips, PlanSettings(style="documentary"))
    assert len(hype.cuts) > 2 * len(doc.cuts)
    _check_timeline(hype), _check_timeline(doc)


@pytest.mark.parametrize("fps", ["25", "30000/1001", "60"])
def test_other_timeline_rates_stay_frame_true(music, clips, song, fps):
    plan = plan_montage(music, clips, PlanSettings(fps=Rate.parse(fps)))
    _check_timeline(plan)
    truth = np.asarray(song.beats)
    assert all(_holds_true_beat(plan, cut, truth) for cut in plan.cuts)


def test_music_range_and_duration(music, clips):
    plan = plan_montage(music, clips, PlanSettings(music_start=10.0, duration=20.0))
    assert plan.frames == plan.rate.frames_in(20.0)
    first_beat = min(b for b in music.beats if b >= 10.0)
    assert plan.cuts[0].beat_time == first_beat and plan.music_in == plan.rate.frame_at(first_beat)
    _check_timeline(plan)
    ended = plan_montage(music, clips, PlanSettings(music_start=5.0, music_end=30.0))
    assert ended.music_start_time + ended.frames / float(ended.rate.fps) <= 30.0
    assert ended.frames >= ended.rate.frame_at(30.0) - ended.music_in - 1


def test_music_start_past_the_end_is_an_input_error(music, clips):
    with pytest.raises(InputError, match="past the end"):
        plan_montage(music, clips, PlanSettings(music_start=music.duration + 1))


def test_short_clips_never_overrun(music, clips):
    """Clips shorter than an 8-beat intro cut: the cut shrinks to what the longest clip holds."""
    from dataclasses import replace
    from montage_ai.model import Shot
    short = [replace(c, frames=40, shots=[Shot(0, 40)]) for c in clips]
    plan = plan_montage(music, short, PlanSettings(style="documentary"))
    _check_timeline(plan)
    assert max(c.record_frames for c in plan.cuts) <= 40


def test_seed_changes_order_but_not_timing(music, clips):
    a = plan_montage(music, clips, PlanSettings(seed=1))
    b = plan_montage(music, clips, PlanSettings(seed=2))
    assert [c.record_start for c in a.cuts] == [c.record_start for c in b.cuts]
    assert [c.clip.path for c in a.cuts] != [c.clip.path for c in b.cuts]
