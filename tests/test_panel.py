"""The panel driven offscreen as a user would: load the demo media, analyze, generate, export; cancel;
errors. Screenshots of each state are saved as test artefacts (docs/make_screenshots.py refreshes docs/img)."""
import json
import os
from pathlib import Path

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from montage_ai.plugin.panel.settings import PanelSettings  # noqa: E402
from montage_ai.plugin.panel.window import PanelWindow  # noqa: E402

ARTEFACTS = Path(os.environ.get("MONTAGE_AI_ARTEFACTS", Path(__file__).parent / "artefacts"))
WAIT_MS = 120_000


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("MONTAGE_AI_CONFIG_DIR", str(tmp_path / "config"))
    w = PanelWindow(settings=PanelSettings())
    qtbot.addWidget(w)
    w.show()
    return w


def shot(window, name):
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(ARTEFACTS / f"panel_{name}.png"))


def test_analyze_generate_export(window, qtbot, song, footage, tmp_path):
    shot(window, "empty")
    window.set_music(song.path)
    window.add_footage(footage)
    window.duration_spin.setValue(20)
    window.start_spin.setValue(10)
    with qtbot.waitSignal(window.analyzed, timeout=WAIT_MS):
        window.analyze_btn.click()
    assert window.clip_list.count() == len(footage)
    assert not window.clip_list.item(0).icon().isNull()  # thumbnails
    assert window.waveform.music is not None and window.waveform.start == 10
    shot(window, "analyzed")
    with qtbot.waitSignal(window.generated, timeout=WAIT_MS):
        window.generate_btn.click()
    plan = window.plan
    assert plan.frames == plan.rate.frames_in(20) and plan.music_start_time >= 10
    assert len(window.strip.thumbnails) == len(plan.cuts)
    assert "cuts" in window.summary.text() and "largest beat error" in window.summary.text()
    assert window.preview_btn.isEnabled() and not window.resolve_btn.isEnabled()  # no Resolve here
    shot(window, "generated")
    out = tmp_path / "for premiere"
    with qtbot.waitSignal(window.exported, timeout=WAIT_MS):
        window.export(out)
    names = {p.name for p in out.iterdir()}
    assert {"montage.xml", "montage.kdenlive", "montage.otio", "report.json"} <= names  # mixed rates: no EDL
    report = json.loads((out / "report.json").read_text())
    assert [c["record_start_frame"] for c in report["cuts"]] == [c.record_start for c in plan.cuts]
    saved = json.loads((tmp_path / "config" / "panel.json").read_text())
    assert saved["music"] == str(song.path) and saved["duration"] == 20  # settings remembered


def test_cancel_mid_analysis_writes_nothing(window, qtbot, song, footage, tmp_path):
    window.set_music(song.path)
    window.add_footage(footage * 1)
    with qtbot.waitSignal(window.cancelled, timeout=WAIT_MS):
        window.analyze_btn.click()
        window.cancel_btn.click()
    assert window.inputs is None and "Cancelled" in window.status.text()
    assert not (window.work_dir / "out").exists()
    assert window.analyze_btn.isEnabled()


def test_bad_music_shows_one_line_error(window, qtbot, footage, tmp_path):
    bad = tmp_path / "not a song.mp3"
    bad.write_bytes(b"garbage" * 10)
    window.set_music(bad)
    window.add_footage(footage[:1])
    with qtbot.waitSignal(window.failed, timeout=WAIT_MS) as blocker:
        window.analyze_btn.click()
    assert str(bad) in blocker.args[0] and "\n" not in blocker.args[0]
    assert window.error.text() == blocker.args[0]
    shot(window, "error")
