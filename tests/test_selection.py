"""Shot selection: phase fit, quality first, shot boundaries, best windows, reasons, determinism."""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from montage_ai.export.report import build_report
from montage_ai.model import Clip, Phase, Shot
from montage_ai.plan.planner import PlanSettings, plan_montage
from montage_ai.plan.selection import POOR_QUALITY, SelectionWeights, ShotPicker
from montage_ai.timebase import Rate
from montage_ai.video.footage import analyze_footage

from footage_media import encode, source

RATE = Rate.parse("25")


def _clip(name: str, shots: list[Shot], frames: int | None = None) -> Clip:
    return Clip(Path(f"/footage/{name}.mov"), RATE, frames or shots[-1].end, 1920, 1080, shots=shots)


@pytest.fixture(scope="module")
def good_and_bad(tmp_path_factory):
    """Analysed clips: two sharp well-exposed ones, a blurred, a black and an under-exposed one."""
    folder = tmp_path_factory.mktemp("goodbad")
    kinds = ("sharp", "fractal", "blurred", "black", "dark")
    results = analyze_footage([encode(folder / f"{k}.mp4", f"{source(k, 150)}[v]") for k in kinds])
    return {k: r.clip for k, r in zip(kinds, results)}


def test_bad_shots_only_when_nothing_else_fits(music, good_and_bad):
    clips = good_and_bad
    assert all(clips[k].shots[0].quality < POOR_QUALITY for k in ("blurred", "black", "dark"))
    plan = plan_montage(music, list(clips.values()), PlanSettings(duration=30))
    used = {c.clip.path.stem for c in plan.cuts}
    assert used == {"sharp", "fractal"}
    assert all(c.why["reason"].startswith("best fitting shot") for c in plan.cuts)
    only_bad = plan_montage(music, [clips[k] for k in ("blurred", "black", "dark")], PlanSettings(duration=30))
    assert len(only_bad.cuts) > 3 and all(c.why["reason"].startswith("poor quality") for c in only_bad.cuts)
    # once a good shot exists again, it wins over every poor one
    mixed = plan_montage(music, [clips["blurred"], clips["black"], clips["sharp"]], PlanSettings(duration=30))
    assert {c.clip.path.stem for c in mixed.cuts} == {"sharp"}


def test_cuts_never_straddle_a_shot_boundary_and_start_at_the_best_window(music):
    shots = [Shot(0, 40, window=(10, 30)), Shot(40, 100, window=(60, 80)), Shot(100, 400, window=(300, 337))]
    clips = [_clip("multi", shots), _clip("other", [Shot(0, 300, window=(0, 37))])]
    plan = plan_montage(music, clips, PlanSettings(fps=RATE, duration=40))
    for cut in plan.cuts:
        shot = cut.clip.shots[cut.shot]
        assert shot.start <= cut.source_in < cut.source_out <= shot.end
    first_long = next(c for c in plan.cuts if c.clip.path.stem == "multi" and c.shot == 2)
    centre = (first_long.source_in + first_long.source_out) / 2
    assert first_long.source_in <= 318 <= first_long.source_out or abs(centre - 318) <= 1


def test_energetic_phases_get_moving_shots_calm_phases_steady_ones(music):
    clips = [_clip(f"m{int(m * 10)}", [Shot(0, 500, motion=m, quality=0.9)]) for m in (0.05, 0.1, 0.2, 0.7, 0.8, 0.95)]
    plan = plan_montage(music, clips, PlanSettings(fps=RATE))
    motion = {p: np.mean([c.clip.shots[0].motion for c in plan.cuts if c.phase is p]) for p in Phase}
    assert motion[Phase.CLIMAX] > 0.6 > 0.3 > motion[Phase.INTRO]
    assert motion[Phase.CLIMAX] > motion[Phase.OUTRO] + 0.3


def test_deterministic_with_the_seed_and_weights_matter(music):
    clips = [_clip(f"c{i}", [Shot(0, 400, motion=i / 6, quality=0.5 + i / 12)]) for i in range(6)]
    order = lambda plan: [(c.clip.path, c.source_in) for c in plan.cuts]  # noqa: E731
    a, b = (plan_montage(music, clips, PlanSettings(fps=RATE, seed=3)) for _ in range(2))
    assert order(a) == order(b)
    assert order(a) != order(plan_montage(music, clips, PlanSettings(fps=RATE, seed=4)))
    picker = ShotPicker(clips, RATE, weights=SelectionWeights(motion=0, quality=5, variety=0, continuity=0))
    assert picker.pick(50, energy=0.0).clip.path.stem == "c5"  # quality alone decides


def test_report_says_which_shot_and_why(music, good_and_bad):
    plan = plan_montage(music, [good_and_bad["sharp"], good_and_bad["fractal"]], PlanSettings(duration=12))
    cut = build_report(plan)["cuts"][0]
    assert cut["shot"]["index"] == 0 and cut["shot"]["end_frame"] == 150
    assert {"reason", "fit", "scores", "energy", "range"} <= set(cut["why"])
    assert {"motion_fit", "quality", "variety", "continuity", "total"} <= set(cut["why"]["fit"])
    assert cut["why"]["scores"]["sharpness"] > 0.8


def test_unanalysed_clips_still_plan(music):
    clips = [replace(_clip(f"u{i}", [Shot(0, 300)])) for i in range(3)]
    plan = plan_montage(music, clips, PlanSettings(fps=RATE, duration=20))
    assert plan.cuts and all(c.why["reason"] == "best fitting shot" for c in plan.cuts)


def test_a_shot_used_again_plays_its_least_used_part_not_its_start_again():
    picker = ShotPicker([_clip("only", [Shot(0, 300, window=(0, 100))])], RATE)
    first = picker.pick(150, energy=0.0)  # centred on the steadiest window, held at the shot's start
    second = picker.pick(200, energy=0.0)  # the 150 frames left are too short
    third = picker.pick(100, energy=0.0)  # nothing left after the second: frames 0-100 and 200-300 were played once
    fourth = picker.pick(100, energy=0.0)  # room after the third
    assert (first.source_in, first.source_out) == (0, 150)
    assert (second.source_in, second.source_out) == (100, 300)  # 50 frames again, not all 150 from the start
    assert second.why["range"] == third.why["range"] == "its least-used part (the rest of the shot is too short)"
    assert (third.source_in, third.source_out) == (0, 100)  # the earliest of the equally used parts
    assert (fourth.source_in, fourth.why["range"]) == (100, "continues the previous use")



def _mixed_rates(rates: tuple[str, ...]) -> tuple[Rate, list[Clip]]:
    """A 59.94 timeline and one long shot per clip at ``rates``: a 29.97 clip fills only even cuts with
    whole frames (Resolve's floored append), a 59.94 clip every cut."""
    return Rate.parse("59.94"), [Clip(Path(f"/footage/{chr(65 + i)}.mov"), Rate.parse(fps), 100_000, 1920, 1080,
                                      shots=[Shot(0, 100_000)]) for i, fps in enumerate(rates)]


def test_exact_fill_never_outranks_variety_or_a_favoured_clip():
    """The whole-frame preference chooses within the most wanted group: a 31-frame cut after A goes to B
    (29.97, it fits though not in whole frames), never A again; and a favoured B still gets its double
    share when most cuts are odd."""
    rate, clips = _mixed_rates(("59.94", "29.97"))
    picker = ShotPicker(clips, rate)
    names = [picker.pick(30 + i % 2).clip.name for i in range(20)]
    assert all(a != b for a, b in zip(names, names[1:])), names
    rate, clips = _mixed_rates(("59.94", "29.97", "59.94"))
    favoured = ShotPicker(clips, rate, favour=frozenset({clips[1].path}))
    uses = Counter(favoured.pick((31, 31, 30)[i % 3]).clip.name for i in range(30))
    assert uses["B.mov"] >= 14, uses  # twice each other clip's share: half; the odd cuts alone left it a third


def test_what_a_shot_still_holds_is_counted_at_its_own_clip_rate():
    """After a cut, the longest cut a 50 fps clip's unused part still holds on a 25 fps timeline is half its
    source frames, whatever the rate of the first clip in the picker (it was taken at that clip's rate)."""
    timeline = Rate.parse("25")
    a = Clip(Path("/footage/a.mov"), timeline, 1000, 1920, 1080, shots=[Shot(0, 1000)])
    b = Clip(Path("/footage/b.mov"), Rate.parse("50"), 400, 1920, 1080, shots=[Shot(0, 400)])
    picker = ShotPicker([a, b], timeline, favour=frozenset({b.path}))
    pick = picker.pick(50)
    assert pick.clip is b and pick.source_out - pick.source_in == 100
    rows = {picker.clips[k].name: row for row, k in enumerate(picker._clip)}
    gap = max(pick.source_in, 400 - pick.source_out)  # b's largest part the cut did not play
    assert gap > 0 and picker._remaining[rows["b.mov"]] == gap // 2
    assert picker._remaining[rows["a.mov"]] == 1000
