"""The panel's controller without Qt or a display: the form's choices become the job options, and its jobs
(Analyze, Generate, Export) run as plain functions on generated media."""
import subprocess
import sys
import threading
from dataclasses import replace

import pytest

from montage_ai.api import InputError, Phase
from montage_ai.plugin.panel.controller import Choices, Controller


@pytest.fixture
def controller():
    c = Controller()
    yield c
    c.close()
    assert not c.work_dir.exists()


def test_the_controller_and_its_messages_load_no_qt():
    code = ("import sys, montage_ai.plugin.panel.controller, montage_ai.plugin.panel.messages;"
            "print(sorted(m for m in sys.modules if m.startswith('PySide6')))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "[]\n"


def test_choices_become_the_job_options(controller):
    settings = controller.job(Choices(tempo_hint=20, beats_per_bar=0, phase_tags={Phase.INTRO: "",
                                                                                 Phase.CLIMAX: "faces"})).settings
    assert settings.style == "dynamic" and settings.dialogue is None  # auto style, the style's dialogue
    assert settings.tempo_hint is None and settings.beats_per_bar is None  # below the hint range: analysed
    assert settings.phase_tags == ((Phase.CLIMAX, ("faces",)),)
    given = Choices(style="documentary", dialogue="isolate", tempo_hint=96, beats_per_bar=3, seed=7, music_start=4,
                    music_end=9, aspects="16:9, 1:1")
    job = controller.job(given, aspects=given.aspects)  # what Export asks for
    chosen = job.settings
    assert (chosen.style, chosen.dialogue, chosen.tempo_hint, chosen.beats_per_bar, chosen.seed) == \
        ("documentary", "isolate", 96, 3, 7)
    assert (chosen.music_start, chosen.music_end) == (4, 9) and job.style_given
    assert [a.name for a in job.aspects] == ["16:9", "1:1"] and controller.job(given).aspects == ()


def test_the_panel_gets_the_clis_fallbacks_and_errors(controller, monkeypatch, capsys, song, footage, tmp_path):
    """Times left at 0 take TARGET_DURATION/MUSIC_START as the CLI's unset options do; config.toml's LLM
    model is the panel's too; a bad choice is the CLI's line, word for word."""
    from montage_ai.cli import main
    monkeypatch.setenv("MONTAGE_AI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("TARGET_DURATION", "12")
    monkeypatch.setenv("MUSIC_START", "3")
    settings = controller.job(Choices()).settings
    assert (settings.duration, settings.music_start) == (12, 3)
    assert controller.job(Choices(duration=8)).settings.duration == 8
    cli = ["make", "--music", str(song.path), "--footage", str(footage[0]), "--out", str(tmp_path / "out")]
    for choices, options in ((Choices(music_start=9, music_end=4), ["--music-start", "9", "--music-end", "4"]),
                             (Choices(llm=str(tmp_path / "missing.gguf")), ["--llm", str(tmp_path / "missing.gguf")])):
        with pytest.raises(InputError) as err:
            controller.job(choices)
        assert main(cli + options) == 2
        assert capsys.readouterr().err.strip() == f"montage-ai: {err.value}"
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.toml").write_text(f'llm = "{tmp_path / "gone.gguf"}"\n')
    with pytest.raises(InputError, match="gone.gguf"):
        controller.job(Choices())


def test_jobs_run_without_a_window(controller, song, footage, tmp_path):
    steps, cancel = [], threading.Event()

    def progress(stage, fraction):
        steps.append(stage)

    choices = Choices(music=str(song.path), footage=[str(footage[0])], duration=4, music_start=10)
    assert controller.analyzed(controller.analyze_job(choices)(progress, cancel)) == []  # no tags
    assert [c.path for c in controller.inputs.clips] == footage[:1]
    warnings = controller.generated(controller.generate_job(choices)(progress, cancel))
    assert controller.plan.cuts and warnings == [] and controller.preview.is_file()
    # a field edited after Generate (a model file that is not there) does not stop exporting the plan made
    edited = replace(choices, llm=str(tmp_path / "gone.gguf"), duration=99)
    files = controller.export_job(tmp_path / "out", edited)(progress, cancel)
    assert {"montage.xml", "montage.otio", "report.json", "preview.mp4"} <= {p.name for p in files}
    with pytest.raises(InputError, match="--aspects"):
        controller.export_job(tmp_path / "out2", replace(choices, aspects="21:9"))(progress, cancel)
    assert steps  # progress reached the callback
    controller.clear()
    assert controller.plan is None and controller.inputs is None and not controller.out.exists()


def test_analyze_without_music_is_one_line(controller, footage):
    with pytest.raises(InputError, match="^--music: no music file chosen$"):
        controller.analyze_job(Choices(footage=[str(footage[0])]))(lambda *_: None, threading.Event())
