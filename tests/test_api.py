"""The front door (montage_ai.api): the CLI and the api give the same defaults and the same errors."""
import json
import os
import subprocess
import sys

import pytest

from montage_ai import api


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "montage_ai.cli", *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


def api_error(**raw) -> str:
    with pytest.raises(api.InputError) as err:
        api.job(**raw)
    return f"montage-ai: {err.value}"


def test_job_takes_env_and_config_defaults_as_the_cli_does(tmp_path, monkeypatch):
    monkeypatch.setenv("MONTAGE_AI_CONFIG_DIR", str(tmp_path))
    monkeypatch.setenv("TARGET_DURATION", "12.5")
    monkeypatch.setenv("MUSIC_START", "2")
    job = api.job(music="a.wav", footage=["b.mov"], fps="25")
    assert (job.settings.duration, job.settings.music_start, job.settings.music_end) == (12.5, 2.0, 0.0)
    assert job.settings.fps == api.Rate.parse("25") and job.settings.style == api.DEFAULT_STYLE
    assert not job.style_given and job.llm == "" and job.refine_rounds == api.DEFAULT_REFINE_ROUNDS
    assert api.job(duration="0").settings.duration == 0.0  # given beats the environment
    assert api.job(duration=None, env={}).settings.duration == 0.0
    model = tmp_path / "m.gguf"
    model.write_bytes(b"gguf")
    (tmp_path / "config.toml").write_text(f'llm = "{model}"\n')
    assert api.job().llm == str(model)


@pytest.mark.parametrize("args, raw, env", [
    (["--fps", "12"], {"fps": "12"}, {}),
    (["--style", "zzz"], {"style": "zzz"}, {}),
    (["--seed", "-1"], {"seed": "-1"}, {}),
    (["--music-start", "5", "--music-end", "2"], {"music_start": "5", "music_end": "2"}, {}),
    ([], {}, {"TARGET_DURATION": "abc"}),
    (["--formats", "otio,foo"], {"formats": "otio,foo"}, {}),
])
def test_cli_and_api_say_the_same_line(tmp_path, monkeypatch, args, raw, env):
    proc = cli("make", "--music", tmp_path / "a.wav", "--footage", tmp_path, "--out", tmp_path / "out", *args,
               env=env)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert proc.stderr.strip() == api_error(**raw)


def test_a_missing_music_file_is_one_line_from_both(tmp_path):
    missing = tmp_path / "missing.wav"
    proc = cli("make", "--music", missing, "--footage", tmp_path, "--out", tmp_path / "cli")
    with pytest.raises(api.InputError) as err:
        api.make(api.job(music=missing, footage=[tmp_path], out=tmp_path / "api"))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == f"montage-ai: {err.value}" and str(missing) in proc.stderr


def test_choices_and_warnings():
    assert {s.name for s in api.styles()} >= {"dynamic", "hype"} and all(s.description for s in api.styles())
    assert api.formats()["fcp7"] == "montage.xml" and set(api.DEFAULT_FORMATS) <= set(api.formats())
    assert "analyze_music" in api.STAGES and "learned" in api.BEAT_ENGINES and "isolate" in api.DIALOGUE_MODES
    w = api.RunWarning("no_beat", "song.wav: no steady beat found")
    assert api.warning_kind(w) == "no_beat" and api.warning_kind("plain text") == "other" and w == "song.wav: no steady beat found"
    with pytest.raises(ValueError):
        api.RunWarning("made_up", "text")


def test_one_json_form_of_the_model(music):
    data = api.to_json(music)
    assert json.loads(json.dumps(data)) == data and data["tempo_bpm"] == music.tempo_bpm
    assert data["sections"] == api.to_json(music.sections) and data["sections"][0]["phase"] == music.sections[0].phase.value
    with pytest.raises(TypeError):
        api.to_json(object())


def test_cli_options_make_the_same_job_as_the_api(monkeypatch):
    from montage_ai.cli import build_parser, make_job
    monkeypatch.setenv("TARGET_DURATION", "12.5")
    args = build_parser().parse_args(["make", "--music", "a.wav", "--footage", "b.mov", "--out", "o", "--fps", "25",
                                      "--phase-tags", "INTRO=x", "--aspects", "9:16", "--refine", "0"])
    job = api.job(music="a.wav", footage=["b.mov"], out="o", fps="25", phase_tags="INTRO=x", aspects="9:16",
                  refine="0")
    assert make_job(args) == job and job.settings.duration == 12.5 and job.refine_rounds == 0
