"""Styles as data, the rule director, the arc controller and the refine loop on the demo song (no LLM)."""
import json
import shutil
import statistics
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from montage_ai.cli import main
from montage_ai.errors import InputError
from montage_ai.export.report import build_report
from montage_ai.model import Clip, Cut, Phase
from montage_ai.pipeline import Inputs, build_plan
from montage_ai.plan.director import contradiction, direct, read_prompt
from montage_ai.plan.directive import Directive, directive_from_json
from montage_ai.plan.evaluate import evaluate
from montage_ai.plan.llm import llm_directive
from montage_ai.plan.planner import PlanSettings, plan_montage
from montage_ai.plan.refine import _asked, refine
from montage_ai.plan.styles import get_style, load_styles
from montage_ai.timebase import Rate

STYLES = sorted(load_styles())


@pytest.fixture
def config_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("MONTAGE_AI_CONFIG_DIR", str(tmp_path / "config"))
    (tmp_path / "config" / "styles").mkdir(parents=True)
    return tmp_path / "config"


def _report(inputs, settings=PlanSettings(), prompt="", style_given=True, **kw) -> dict:
    plan, run = build_plan(inputs, settings, prompt, style_given, **kw)
    report = build_report(plan, run.details)
    report.pop("timings")
    report["director"].pop("seconds")
    return report


def _mean_frames(report: dict, phase: str) -> float:
    return statistics.mean(c["record_end_frame"] - c["record_start_frame"] for c in report["cuts"] if c["phase"] == phase)


def test_package_styles_load_and_keep_their_names():
    styles = load_styles()
    assert len(styles) >= 8 and {"dynamic", "cinematic", "documentary", "hype"} <= set(styles)
    for name, style in styles.items():
        assert style.source.name == f"{name}.toml" and style.source.is_file()
        assert set(style.beats_per_cut) == set(Phase) and 0 <= style.weights.motion <= 1


def test_user_style_is_listed_with_its_file_and_replaces_nothing_else(config_dir, capsys):
    text = get_style("dynamic").source.read_text().replace("[8, 8]", "[32, 32]")
    (config_dir / "styles" / "slowmo.toml").write_text(text)
    assert get_style("slowmo").beats_per_cut[Phase.INTRO] == (32, 32)
    assert main(["styles"]) == 0
    out = capsys.readouterr().out
    assert "slowmo" in out and str(config_dir / "styles" / "slowmo.toml") in out
    assert len(load_styles()) == len(STYLES) + 1
    (config_dir / "styles" / "slowmo.toml").write_text(text.replace("[32, 32]", "[16, 16]"))  # edited: read again
    assert get_style("slowmo").beats_per_cut[Phase.INTRO] == (16, 16)


@pytest.mark.parametrize("edit, key", [
    (("[4, 2]", "[4, 0]"), "cut_beats.BUILD"),
    (("motion = 0.6", "motion = 3"), "weights.motion"),
    (('beat_level = "beat"', 'beat_level = "triple"'), "beat_level"),
    (("description =", "colour = 1\ndescription ="), "colour"),
    (("dissolve_beats = 1", "dissolve_beats = 1\nwipe = 2"), "transitions.wipe"),
    (("description =", "description = = "), None),
])
def test_a_bad_user_style_is_one_line_naming_file_and_key(config_dir, capsys, tmp_path, edit, key):
    path = config_dir / "styles" / "broken.toml"
    path.write_text(get_style("dynamic").source.read_text().replace(*edit))
    with pytest.raises(InputError) as err:
        load_styles()
    assert str(path) in str(err.value) and (key is None or f"'{key}'" in str(err.value))
    assert main(["styles"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and (key is None or key in lines[0])


def test_same_inputs_and_seed_give_the_identical_plan(music, clips):
    inputs = Inputs(music, clips)
    a = _report(inputs, PlanSettings(seed=7), "slow start, fast at the drop", style_given=False)
    b = _report(inputs, PlanSettings(seed=7), "slow start, fast at the drop", style_given=False)
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    c = _report(inputs, PlanSettings(seed=8), "slow start, fast at the drop", style_given=False)
    assert [x["source_path"] for x in a["cuts"]] != [x["source_path"] for x in c["cuts"]]


def test_styles_give_clearly_different_cut_lengths(music, clips):
    inputs = Inputs(music, clips)
    medians = {s: statistics.median(c["record_end_frame"] - c["record_start_frame"]
                                    for c in _report(inputs, PlanSettings(style=s))["cuts"]) for s in STYLES}
    assert medians["documentary"] >= 4 * medians["hype"]
    assert medians["cinematic"] >= 1.5 * medians["dynamic"]
    assert len(set(medians.values())) >= 4  # not one distribution under ten names


@pytest.mark.parametrize("prompt, phase, longer", [
    ("slow start", "INTRO", True),
    ("explode at the drop", "CLIMAX", False),
    ("calm, gentle ending", "OUTRO", True),
])
def test_rule_director_moves_the_plan_in_the_asked_direction(music, clips, prompt, phase, longer):
    inputs = Inputs(music, clips)
    base, asked = _report(inputs, refine_rounds=0), _report(inputs, prompt=prompt, refine_rounds=0)
    assert asked["director"]["director"] == "rules"
    assert (_mean_frames(asked, phase) > _mean_frames(base, phase)) == longer
    assert _mean_frames(asked, phase) != _mean_frames(base, phase)


def test_long_build_lengthens_the_build_in_whole_bars(music, clips):
    base = plan_montage(music, clips, PlanSettings())
    directive, record = direct("a long build", "dynamic", True, STYLES, [], "")
    longer = plan_montage(music, clips, PlanSettings(), directive)
    span = lambda plan, p: sum(s.end - s.start for s in plan.sections if s.phase is p)  # noqa: E731
    assert span(longer, Phase.BUILD) > 1.2 * span(base, Phase.BUILD)
    bars = set(np.round(music.downbeats, 6)) | {round(longer.music_start_time, 6)}
    assert all(round(s.start, 6) in bars for s in longer.sections)
    assert record["directive"]["arc"]["BUILD"] > 1


def test_climax_holds_the_energy_peak_of_the_chosen_range(music, clips):
    for start, duration in ((0.0, 0.0), (8.0, 20.0), (30.0, 25.0)):
        plan = plan_montage(music, clips, PlanSettings(music_start=start, duration=duration))
        t0 = plan.cuts[0].beat_time
        t1 = t0 + plan.frames / float(plan.rate.fps)
        assert plan.sections[0].start == pytest.approx(t0, abs=1e-6) and plan.sections[-1].end == pytest.approx(t1, abs=1e-6)
        climax = [s for s in plan.sections if s.phase is Phase.CLIMAX]
        if climax:
            assert max(plan.sections, key=lambda s: s.energy).phase is Phase.CLIMAX


def test_favour_and_avoid_clips(music, clips):
    names = sorted(c.name for c in clips)
    directive, _ = direct(f"avoid {names[0]}, more of {names[1]}", "dynamic", True, STYLES, names, "")
    assert directive.avoid == (names[0],) and directive.favour == (names[1],)
    plan = plan_montage(music, clips, PlanSettings(), directive)
    used = [c.clip.name for c in plan.cuts]
    assert names[0] not in used
    assert used.count(names[1]) > max(used.count(n) for n in names[2:])


def test_dissolves_only_on_bar_starts_in_calm_phases(music, clips):
    style = get_style("documentary")
    plan = plan_montage(music, clips, PlanSettings(style="documentary"))
    bars = {plan.rate.frame_at(b) - plan.music_in for b in music.downbeats}
    dissolved = [c for c in plan.cuts if c.dissolve]
    assert dissolved
    assert all(c.phase in style.transitions.dissolve_phases and c.record_start in bars for c in dissolved)
    assert not any(c.dissolve for c in plan_montage(music, clips, PlanSettings(style="hype")).cuts)


def test_refine_score_never_decreases_between_accepted_rounds(music, clips):
    """Three clips with one favoured leaves A-B-A repeats: the loop swaps them and keeps only gains."""
    few = clips[:3]
    directive = Directive("hype", favour=(few[0].name,))
    first = plan_montage(music, few, PlanSettings(style="hype"), directive)
    plan, final, log = refine(first, directive, lambda d: plan_montage(music, few, PlanSettings(style="hype"), d), 3)
    totals = [r["scores"]["total"] for r in log if r["kept"]]
    assert totals == sorted(totals) and len(totals) >= 2, log
    assert evaluate(plan).total == pytest.approx(totals[-1], abs=1e-4)
    assert evaluate(plan).total > evaluate(first).total
    assert all("proposal" in r and "kept" in r for r in log) and len(log) <= 4
    assert final.swaps


def test_report_json_and_html_show_every_round(tmp_path, song, footage):
    out = tmp_path / "out"
    assert main(["make", "--music", str(song.path), "--footage", *map(str, footage), "--out", str(out),
                 "--no-preview", "--prompt", "slow start, explode at the drop", "--refine", "2"]) == 0
    report = json.loads((out / "report.json").read_text())
    rounds = report["refine"]["rounds"]
    assert rounds[0]["round"] == 0 and 2 <= len(rounds) <= 3
    assert report["director"]["director"] == "rules" and report["directive"]["pacing"]["INTRO"] > 1
    page = (out / "report.html").read_text()
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "") and "https://" not in page
    for r in rounds:
        assert r["proposal"] in page
    assert page.count("<tr><td>") >= len(report["cuts"]) and "data:image/jpeg;base64," in page
    if shutil.which("chromium"):  # Debian's chromium renders it with the network off
        shot = tmp_path / "shot.png"
        subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        f"--user-data-dir={tmp_path / 'chrome'}", "--window-size=1400,900", f"--screenshot={shot}",
                        (out / "report.html").as_uri()], capture_output=True, timeout=120, check=True)
        assert shot.stat().st_size > 50_000  # a blank page is a few kB; waveform, thumbnails and tables are not


def test_malformed_model_output_never_crashes():
    answers = ["", "{", "null", "[]", '{"style": 3}', '{"style": "dynamic"}', "\x00\xff garbage",
               json.dumps({"style": "nope", **{p: "same" for p in ("intro", "build", "climax", "sustain", "outro")},
                           "longer": "none", "shorter": "none", "beat_level": "style"})]
    for answer in answers:
        directive, attempts = llm_directive("model.gguf", "slow start", STYLES, [], lambda d: "",
                                            complete=lambda m, s, k, a=answer: a)
        assert directive is None and len(attempts) == 3 and all(not a["accepted"] for a in attempts)

    def boom(messages, schema, attempt):
        raise RuntimeError("llama_decode returned -1")
    assert llm_directive("model.gguf", "x", STYLES, [], lambda d: "", complete=boom)[0] is None


def test_contradicting_answers_are_asked_again_then_rules_take_over():
    fast_intro = json.dumps({"style": "dynamic", "intro": "much faster", "build": "same", "climax": "same",
                             "sustain": "same", "outro": "same", "longer": "none", "shorter": "none",
                             "beat_level": "style"})
    assert directive_from_json(fast_intro, STYLES, []).pacing[Phase.INTRO] < 1
    reading = read_prompt("slow start", "dynamic", [], STYLES)
    assert "INTRO" in contradiction(directive_from_json(fast_intro, STYLES, []), reading, True)
    directive, attempts = llm_directive("model.gguf", "slow start", STYLES, [],
                                        lambda d: contradiction(d, reading, True), complete=lambda m, s, k: fast_intro)
    assert directive is None and all("INTRO" in a["rejected"] for a in attempts)


def test_a_file_that_is_no_model_falls_back_to_rules(tmp_path):
    fake = tmp_path / "model.gguf"
    fake.write_bytes(b"GGUF not really")
    directive, record = direct("slow start", "dynamic", True, STYLES, [], str(fake))
    assert record["director"] == "rules" and "rules used" in record["fallback"]
    assert directive.pacing[Phase.INTRO] > 1


def test_an_llm_that_falls_back_is_a_warning_of_its_kind(tmp_path, music, clips):
    """The editor asked for the model and got the rules: the run says so (kind llm_fallback), once."""
    fake = tmp_path / "model.gguf"
    fake.write_bytes(b"GGUF not really")
    _, run = build_plan(Inputs(music, clips), PlanSettings(), "slow start", llm=str(fake))
    fallbacks = [w for w in run.warnings if getattr(w, "kind", "") == "llm_fallback"]
    assert len(fallbacks) == 1 and "model.gguf" in fallbacks[0] and "rules used" in fallbacks[0]
    _, run = build_plan(Inputs(music, clips), PlanSettings(), "slow start")
    assert not [w for w in run.warnings if getattr(w, "kind", "") == "llm_fallback"]


def test_missing_llm_model_is_a_one_line_error(tmp_path, song, footage, capsys):
    code = main(["make", "--music", str(song.path), "--footage", str(footage[0]), "--out", str(tmp_path / "o"),
                 "--llm", str(tmp_path / "none.gguf"), "--prompt", "x"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "none.gguf" in err[0] and not (tmp_path / "o").exists()


def test_a_named_part_overrides_the_overall_pace():
    d = read_prompt("calm documentary, faster at the end", "dynamic", [], STYLES).directive
    assert d.style == "documentary" and d.pacing[Phase.OUTRO] < 1 < d.pacing[Phase.INTRO]
    d = read_prompt("fast sports edit with a long build", "dynamic", [], STYLES).directive
    assert all(v < 1 for v in d.pacing.values()) and d.arc[Phase.BUILD] > 1


@pytest.mark.parametrize("word", ["a001.mov", "a001"])
def test_refine_protects_a_clip_named_in_phase_tags_as_the_picker_reads_it(word):
    """--phase-tags INTRO=A001.MOV arrives lower-cased ("a001.mov", or the bare stem "a001"): refine must see
    the clip A001.MOV as asked for, as the shot picker does, and never swap it away."""
    clip = Clip(Path("/m/A001.MOV"), Rate(Fraction(25)), 250, 1920, 1080)
    cut = Cut(0, clip, 0, 25, 0, 25, 0.0, Phase.INTRO)
    assert _asked(cut, Directive("dynamic", material={Phase.INTRO: (word,)}))
    assert not _asked(cut, Directive("dynamic", material={Phase.INTRO: ("a002",)}))
