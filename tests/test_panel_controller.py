"""The panel's controller without Qt or a display: the form's choices become the job options, and its jobs
(Analyze, Generate, Export) run as plain functions on generated media."""
import subprocess
import sys
import threading

import pytest

from montage_ai.model import Phase
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
    settings = controller.plan_settings(Choices(tempo_hint=20, beats_per_bar=0, phase_tags={Phase.INTRO: "",
                                                                                           Phase.CLIMAX: "faces"}))
    assert settings.style == "dynamic" and settings.dialogue is None  # auto style, the style's dialogue
    assert settings.tempo_hint is None and settings.beats_per_bar is None  # below the hint range: analysed
    assert settings.phase_tags == ((Phase.CLIMAX, ("faces",)),)
    chosen = controller.plan_settings(Choices(style="documentary", dialogue="isolate", tempo_hint=96,
                                              beats_per_bar=3, seed=7, music_start=4, music_end=9))
    assert (chosen.style, chosen.dialogue, chosen.tempo_hint, chosen.beats_per_bar, chosen.seed) == \
        ("documentary", "isolate", 96, 3, 7)
    assert (chosen.music_start, chosen.music_end) == (4, 9)
    assert controller.aspects(Choices()) == ()
    assert [a.name for a in controller.aspects(Choices(aspects="16:9, 1:1"))] == ["16:9", "1:1"]
    with pytest.raises(ValueError, match="21:9"):
        controller.aspects(Choices(aspects="21:9"))


def test_jobs_run_without_a_window(controller, song, footage, tmp_path):
    steps, cancel = [], threading.Event()

    def progress(stage, fraction):
        steps.append(stage)

    choices = Choices(music=str(song.path), footage=[str(footage[0])], duration=4, music_start=10)
    controller.analyzed(controller.analyze_job(choices)(progress, cancel))
    assert [c.path for c in controller.inputs.clips] == footage[:1]
    warnings = controller.generated(controller.generate_job(choices)(progress, cancel))
    assert controller.plan.cuts and warnings == [] and controller.preview.is_file()
    files = controller.export_job(tmp_path / "out")(progress, cancel)
    assert {"montage.xml", "montage.otio", "report.json", "preview.mp4"} <= {p.name for p in files}
    assert steps  # progress reached the callback
    controller.clear()
    assert controller.plan is None and controller.inputs is None and not controller.out.exists()
