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


def _bar_frames(plan) -> set[int]:
    return {plan.rate.frame_at(b) - plan.music_in for b in plan.music.downbeats}


def test_music_range_and_duration(music, clips):
    plan = plan_montage(music, clips, PlanSettings(music_start=10.0, duration=20.0))
    bar = 4 * 60 / music.tempo_bpm
    assert plan.rate.frames_in(20.0 - bar) < plan.frames <= plan.rate.frames_in(20.0)  # the last bar start within
    assert plan.frames in _bar_frames(plan)
    first_beat = min(b for b in music.beats if b >= 10.0)
    assert plan.cuts[0].beat_time == first_beat and plan.music_in == plan.rate.frame_at(first_beat)
    _check_timeline(plan)
    ended = plan_montage(music, clips, PlanSettings(music_start=5.0, music_end=30.0))
    assert ended.music_start_time + ended.frames / float(ended.rate.fps) <= 30.0
    assert ended.frames >= ended.rate.frame_at(30.0 - bar) - ended.music_in and ended.frames in _bar_frames(ended)


@pytest.mark.parametrize("settings", [PlanSettings(), PlanSettings(duration=30), PlanSettings(duration=12.5),
                                      PlanSettings(style="hype", music_start=7, duration=21),
                                      PlanSettings(style="documentary", music_end=41.3),
                                      PlanSettings(fps=Rate.parse("29.97"), beat_level="half", duration=17)])
def test_montage_ends_on_a_bar_start_or_the_songs_end_never_with_a_stub(music, clips, settings):
    plan = plan_montage(music, clips, settings)
    song_end = plan.rate.frame_at(music.duration) - plan.music_in
    assert plan.frames in _bar_frames(plan) | {song_end}
    beat = plan.rate.frames_in(60 / music.tempo_bpm)
    assert plan.cuts[-1].record_frames >= beat - 1


@pytest.mark.parametrize("settings, option", [(PlanSettings(music_end=0.5), "--music-end 0.5"),
                                              (PlanSettings(duration=1.0), "--duration 1"),
                                              (PlanSettings(music_start=20, music_end=21), "--music-end 21")])
def test_a_range_without_a_bar_after_its_first_beat_is_refused(music, clips, settings, option):
    with pytest.raises(InputError, match=f"{option} s is too short for a montage"):
        plan_montage(music, clips, settings)


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


def test_timeline_rate_tie_goes_to_the_higher_rate_whatever_the_order(clips):
    from dataclasses import replace
    from montage_ai.plan.planner import dominant_rate
    a = replace(clips[0], rate=Rate.parse("25"), frames=250)
    b = replace(clips[1], rate=Rate.parse("50"), frames=500)  # the same 10 s
    assert dominant_rate([a, b]) == dominant_rate([b, a]) == Rate.parse("50")
    longer = replace(a, frames=251)
    assert dominant_rate([b, longer]) == Rate.parse("25")
