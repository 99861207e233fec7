"""The plan is made once: writing it (and its run record) again gives the same NLE files, byte for byte."""
import copy
import dataclasses

import pytest

from montage_ai.errors import warning_kind
from montage_ai.pipeline import analyze_inputs, build_plan, write_outputs
from montage_ai.plan.planner import PlanSettings

NLE_FORMATS = ("otio", "edl", "fcp7", "csv", "mlt", "kdenlive")


@pytest.fixture(scope="module")
def made(song, footage):
    inputs = analyze_inputs(song.path, footage)
    return build_plan(inputs, PlanSettings(duration=20, dialogue="keep"), "slow start, then fast")


def test_the_same_plan_written_twice_gives_identical_files(made, tmp_path):
    plan, run = made
    before = (copy.deepcopy(run), plan.warnings[:], plan.dialogue[:])
    first, second = (write_outputs(plan, tmp_path / name, NLE_FORMATS, preview=False, run=run) for name in "ab")
    names = sorted(p.name for p in first if p.suffix not in (".json", ".html"))
    assert len(names) == len(NLE_FORMATS) and names == sorted(p.name for p in second if p.suffix not in (".json", ".html"))
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert (run, plan.warnings, plan.dialogue) == before  # nothing written into the plan or its run
    assert first.report["warnings"] == second.report["warnings"] == list(run.warnings)
    assert first.report["warning_kinds"] == [warning_kind(w) for w in run.warnings]
    assert set(first.report["timings"]) >= {"analyze_music", "probe_footage", "plan", "export", "total"}


def test_plan_and_its_parts_are_frozen(made):
    plan, _ = made
    for value, field in ((plan, "warnings"), (plan.cuts[0], "source_in"), (plan.cuts[0].clip, "speech")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, field, None)
    assert not hasattr(plan, "timings")
