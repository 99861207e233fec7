"""The panel's Render button: the plan's exports and master.mp4 in the chosen folder, the master frame-exact."""
import json
import subprocess

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from montage_ai.plan.planner import PlanSettings, plan_montage  # noqa: E402
from montage_ai.plugin.panel.settings import PanelSettings  # noqa: E402
from montage_ai.plugin.panel.window import PanelWindow  # noqa: E402


def test_render_writes_the_exports_and_a_frame_exact_master(qtbot, music, clips, tmp_path, monkeypatch):
    monkeypatch.setenv("MONTAGE_AI_CONFIG_DIR", str(tmp_path / "config"))
    window = PanelWindow(settings=PanelSettings())
    qtbot.addWidget(window)
    window.plan = plan_montage(music, clips, PlanSettings(music_start=10, duration=4))
    window._refresh_buttons()
    assert window.render_btn.isEnabled()
    out = tmp_path / "deliver"
    with qtbot.waitSignal(window.rendered, timeout=180_000) as done:
        window.render(out)
    assert done.args == [str(out / "master.mp4")] and (out / "report.json").is_file()
    frames = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                             "stream=nb_read_frames", "-of", "csv=p=0", str(out / "master.mp4")],
                            capture_output=True, text=True, check=True).stdout.strip()
    assert int(frames) == window.plan.frames == json.loads((out / "master.json").read_text())["frames"]
    assert "LUFS" in window.status.text()
    window.close()
