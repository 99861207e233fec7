"""The rule director reads editors' words right: negation, partial and fuzzy clip names, tags, folders,
"open on", "end on", "at the drop"; the LLM may only fill what the words leave open."""
import json

import pytest

from montage_ai.model import Phase
from montage_ai.plan.director import contradiction, direct, pins, read_prompt
from montage_ai.plan.directive import Directive, directive_from_json, directive_schema, material_words
from montage_ai.plan.llm import llm_directive
from montage_ai.plan.styles import load_styles

STYLES = sorted(load_styles())
CLIPS = ["A001 Strand & Möwe.mov", "A002 Drohne Küste.mov", "B001 Interview Anna.mov", "B002 Interview Jonas.mov",
         "city_lights.mp4", "drone_02.mp4"]
TAGS = ["establishing", "action", "faces", "drone", "interview", "sunset"]


def read(prompt: str) -> Directive:
    return read_prompt(prompt, "dynamic", CLIPS, STYLES, TAGS).directive


def test_the_wedding_prompt_from_the_issue():
    d = read("make it feel like a wedding film, no fast cuts, favour A001")
    assert d.style == "wedding" and all(v > 1 for v in d.pacing.values())  # "no fast cuts" is slower
    assert d.favour == ("A001 Strand & Möwe.mov",)


@pytest.mark.parametrize("prompt, slower", [("no fast cuts", True), ("not too slow", False),
                                            ("less frantic", True), ("fast cuts", False)])
def test_negation_turns_the_pace_around(prompt, slower):
    assert all((v > 1) == slower for v in read(prompt).pacing.values())


def test_open_on_end_on_and_at_the_drop_name_each_phase_material():
    d = read("open on the drone shots, explode at the drop with the action, end on the interview")
    assert d.material == {Phase.INTRO: ("drone",), Phase.CLIMAX: ("action",), Phase.OUTRO: ("interview",)}
    assert d.pacing[Phase.CLIMAX] < 1 and d.style == "dynamic"  # "action" is a tag here, not the sports style
    d = read("open on establishing shots, climax on action")
    assert d.material == {Phase.INTRO: ("establishing",), Phase.CLIMAX: ("action",)}
    assert read("slow after the drop").pacing[Phase.CLIMAX] == 1 < read("slow after the drop").pacing[Phase.SUSTAIN]


@pytest.mark.parametrize("prompt, favour, avoid", [
    ("more of city lights", ("city_lights.mp4",), ()),
    ("use lots of the drohne clip", ("A002 Drohne Küste.mov",), ()),
    ("more Anna, less Jonas", ("B001 Interview Anna.mov",), ("B002 Interview Jonas.mov",)),
    ("focus on a001 and drone_02", ("A001 Strand & Möwe.mov", "drone_02.mp4"), ()),
    ("skip the Möwe clip", (), ("A001 Strand & Möwe.mov",)),
])
def test_partial_and_fuzzy_clip_names(prompt, favour, avoid):
    d = read(prompt)
    assert (d.favour, d.avoid) == (favour, avoid)


def test_tags_and_folder_words_are_favoured_avoided_or_kept_from_a_phase():
    assert read("avoid the interviews").avoid_tags == ("interview",)
    assert read("show more sunset shots").favour_tags == ("sunset",)
    assert read("no faces in the intro").shun == {Phase.INTRO: ("faces",)}
    assert read("without the Jonas interview").avoid == ("B002 Interview Jonas.mov",)


def test_a_pinned_answer_is_always_one_the_parser_takes(monkeypatch):
    """41 clips: the schema lists no clip name, so "open on A001" may not pin open to A001.mov (every model
    answer was rejected as naming no tag or clip). The stand-in model answers the first word the schema
    leaves it."""
    clips, tags = [f"A{i:03d}.mov" for i in range(1, 42)], ["drone"]

    def model(path, prompt, styles, names, check, pinned, tags):
        schema = directive_schema(styles, names, pinned, tags)
        text = json.dumps({k: v["enum"][0] for k, v in schema["properties"].items()})
        return directive_from_json(text, styles, names, tags), [{"answer": text}]
    monkeypatch.setattr("montage_ai.plan.llm.llm_directive", model)
    directive, record = direct("open on A001", "dynamic", False, STYLES, clips, "model.gguf", tags)
    assert record["director"] == "llm (model.gguf)"
    assert directive.wanted(Phase.INTRO) == ("A001.mov",)  # the prompt's words, laid over the answer


def test_the_model_fills_only_what_the_words_leave_open():
    reading = read_prompt("open on establishing shots, no fast cuts", "dynamic", CLIPS, STYLES, TAGS)
    pinned = pins(reading, False, material_words(CLIPS, TAGS))
    assert pinned["open"] == "establishing" and pinned["close"] == "none"
    assert all(pinned[p.value.lower()] == "slower" for p in Phase)
    schema = directive_schema(STYLES, CLIPS, pinned, TAGS)
    assert schema["properties"]["open"]["enum"] == ["establishing"]
    assert "style" not in pinned  # the prompt names no style: the model's to choose
    open_prompt = read_prompt("a video for my friends", "dynamic", CLIPS, STYLES, TAGS)
    assert all(pins(open_prompt, False)[p.value.lower()] == "same" for p in Phase)  # no word of pace at all
    assert not any(p.value.lower() in pins(read_prompt("more energy", "dynamic", [], STYLES), False) for p in Phase)


def test_an_answer_against_the_words_is_rejected_then_rules_take_over():
    reading = read_prompt("end on the interview, no fast cuts", "dynamic", CLIPS, STYLES, TAGS)
    answer = {"style": "dynamic", **{p.value.lower(): "slower" for p in Phase}, "length": "same",
              "beat_level": "style", "clip": "none", "open": "none", "close": "sunset"}
    d = directive_from_json(json.dumps(answer), STYLES, CLIPS, TAGS)
    assert d.material == {Phase.OUTRO: ("sunset",)}
    assert "OUTRO on sunset" in contradiction(d, reading, False)
    got, attempts = llm_directive("m.gguf", reading.prompt, STYLES, CLIPS, lambda x: contradiction(x, reading, False),
                                  complete=lambda m, s, k: json.dumps(answer), tags=TAGS)
    assert got is None and len(attempts) == 3 and all("OUTRO" in a["rejected"] for a in attempts)
    fair = {**answer, "close": "interview"}
    got, _ = llm_directive("m.gguf", reading.prompt, STYLES, CLIPS, lambda x: contradiction(x, reading, False),
                           complete=lambda m, s, k: json.dumps(fair), tags=TAGS)
    assert got is not None and got.material[Phase.OUTRO] == ("interview",)


def test_direct_records_material_and_tags(tmp_path):
    d, record = direct("open on establishing shots, climax on action", "dynamic", False, STYLES, CLIPS, "", TAGS)
    assert record["directive"]["material"] == {"INTRO": ["establishing"], "CLIMAX": ["action"]}
    assert "material.INTRO" in record["reason"]
