"""#33's crash, in the panel (Qt offscreen, the real pipeline, generated speech): Export after a Generate whose
voice isolation passed, twice. The second export of the same plan used to fail with a KeyError on the
isolated file's path. The isolation engine here is RNNoise (the ``rnnoise`` extra, the engine
``choose_engine`` takes when no Demucs weights are cached; torch and Demucs are not installed)."""
import json

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")
pytest.importorskip("pyrnnoise")

from speech_media import SENTENCES, speech_clip  # noqa: E402

from montage_ai.plugin.panel.settings import PanelSettings  # noqa: E402
from montage_ai.plugin.panel.window import PanelWindow  # noqa: E402

WAIT_MS = 240_000
NOT_NLE = {"preview.mp4", "report.json"}  # the preview is Generate's, copied; report.json holds the run's timings


def _files(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and p.name not in NOT_NLE}


def test_export_twice_after_a_successful_isolation_gives_the_same_files(qtbot, tmp_path, monkeypatch, song):
    monkeypatch.setenv("MONTAGE_AI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))  # no cached Demucs weights: RNNoise isolates
    talk = speech_clip(tmp_path / "talk.mov", 11, [(1.0, SENTENCES[0]), (6.0, SENTENCES[1])], "noise", 12)
    window = PanelWindow(settings=PanelSettings())
    qtbot.addWidget(window)
    window.set_music(song.path)
    window.add_footage([talk.path])
    window.form.style_box.setCurrentText("documentary")
    window.form.dialogue_box.setCurrentText("isolate")
    with qtbot.waitSignal(window.analyzed, timeout=WAIT_MS):
        window.analyze_btn.click()
    with qtbot.waitSignal(window.generated, timeout=WAIT_MS):
        window.generate_btn.click()
    generated = json.loads((window.work_dir / "out" / "report.json").read_text())
    assert generated["isolation"]["engine"] == "rnnoise" and generated["isolation"]["clips"][0]["ok"]
    assert generated["warnings"] == [] and "Voice isolation failed" not in window.status.text()
    plan, dialogue = window.plan, list(window.plan.dialogue)
    out, sets = tmp_path / "export", []
    for _ in range(2):
        with qtbot.waitSignal(window.exported, timeout=WAIT_MS):
            window.export(out)
        assert window.error.text() == ""
        sets.append(_files(out))
    assert window.plan is plan and plan.dialogue == dialogue  # the plan as Generate made it
    voice = "dialogue_01_talk.wav"
    assert {"montage.xml", "montage.otio", "montage.edl", "montage.kdenlive", voice} <= set(sets[0])
    assert sets[0] == sets[1]  # byte for byte, the isolated voice included
    report = json.loads((out / "report.json").read_text())
    assert {e["path"] for e in report["dialogue"]["events"]} == {str(out / voice)}
    assert [c["record_start_frame"] for c in report["cuts"]] == [c.record_start for c in plan.cuts]
    window.close()
