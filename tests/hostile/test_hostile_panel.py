"""The panel under hostile conditions: stop signals (standalone and as Resolve's Scripts-menu child, idle and
while analysing), a settings file of the wrong shape, no usable display."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from hostile_helpers import one_line  # noqa: E402

from montage_ai.plugin.panel.settings import PanelSettings  # noqa: E402

FAKE_RESOLVE = Path(__file__).parents[1] / "fake_resolve"
SIGNALS = [signal.SIGTERM, signal.SIGINT, signal.SIGHUP]


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (Linux /proc)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        try:
            parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (ValueError, OSError, IndexError):
            continue
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        kids = [p for p, parent in parents.items() if parent == current]
        found.update(kids)
        todo += kids
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


_STARTED: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def _no_panel_left():
    """A test that fails half-way still ends the panel it started."""
    yield
    while _STARTED:
        proc = _STARTED.pop()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _open(args: list[str], tmp_path: Path, **env) -> tuple[subprocess.Popen, Path, Path]:
    """The panel as a separate process, offscreen, with its own temporary and config folders; returns once
    its window's temporary folder exists (the signal handlers are in place before it is made)."""
    tmp, config = tmp_path / "tmp", tmp_path / "config"
    tmp.mkdir(exist_ok=True)
    config.mkdir(exist_ok=True)
    proc = subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "TMPDIR": str(tmp), "MONTAGE_AI_CONFIG_DIR": str(config),
                                 "QT_QPA_PLATFORM": "offscreen", **env})
    _STARTED.append(proc)
    deadline = time.monotonic() + 60
    while not any(p.name.startswith("montage-ai-panel-") for p in tmp.iterdir()):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    time.sleep(0.2)  # into the event loop
    return proc, tmp, config


def _stop(proc: subprocess.Popen, sig: int) -> tuple[float, str]:
    children = _descendants(proc.pid)
    start = time.monotonic()
    proc.send_signal(sig)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"the panel ignored {signal.Signals(sig).name}")
    took = time.monotonic() - start
    assert not [p for p in children if _alive(p)]  # no child left behind
    return took, proc.stderr.read()


@pytest.mark.parametrize("sig", SIGNALS, ids=[s.name for s in SIGNALS])
def test_the_panel_ends_cleanly_on_a_stop_signal(sig, tmp_path):
    proc, tmp, config = _open(["-m", "montage_ai.cli", "panel"], tmp_path)
    took, err = _stop(proc, sig)
    assert took < 2 and proc.returncode == 128 + sig, err
    assert "Traceback" not in err
    assert not list(tmp.iterdir())  # the temporary folder removed
    assert json.loads((config / "panel.json").read_text())["beat_level"] == "beat"  # settings saved


def test_the_resolve_hosted_panel_ends_cleanly_on_sigterm(tmp_path):
    """The launcher's child (``python -m montage_ai.plugin.resolve.host``) reaching the Resolve stand-in."""
    proc, tmp, _ = _open(["-m", "montage_ai.plugin.resolve.host"], tmp_path,
                         PYTHONPATH=os.pathsep.join([str(FAKE_RESOLVE), os.environ.get("PYTHONPATH", "")]))
    took, err = _stop(proc, signal.SIGTERM)
    assert took < 2 and proc.returncode == 143, err
    assert "Traceback" not in err and not list(tmp.iterdir())


def _hand_back_event_loop() -> None:
    """After the stop, Qt's quit request outlives the application loop it ended, and every later event loop
    of this thread (pytest-qt's waits in the tests that follow) returns at once, so no worker's signal is ever
    delivered. A real panel process exits here; the test process runs the application loop once more, which
    clears that request."""
    from PySide6.QtCore import QCoreApplication, QTimer
    QTimer.singleShot(0, QCoreApplication.quit)
    QCoreApplication.exec()


def test_a_signal_during_analysis_stops_the_work_and_ffmpeg(qtbot, tiny_song, tiny_clips, tmp_path, monkeypatch):
    """In this process: Analyze running (ffmpeg children of this process), then SIGTERM."""
    from PySide6.QtCore import QThreadPool, QTimer

    from montage_ai import ffmpeg_cmd
    from montage_ai.plugin import panel
    monkeypatch.setenv("MONTAGE_AI_CONFIG_DIR", str(tmp_path))
    monkeypatch.setenv("MONTAGE_AI_WORKERS", "1")  # analysis in this process, so its ffmpeg children are ours
    monkeypatch.setenv("MONTAGE_AI_CACHE_DIR", str(tmp_path / "cache"))  # nothing cached: real work
    monkeypatch.setattr(ffmpeg_cmd, "_refusing", False)  # the stop refuses new ffmpeg runs; undone after
    sent: list[float] = []

    def start() -> None:
        window = panel._open_windows[-1]
        window.set_music(tiny_song)
        window.add_footage(tiny_clips)
        window.analyze()
        poll()

    def poll() -> None:
        if ffmpeg_cmd._children or panel._open_windows[-1].task is None:  # (None: finished before any ffmpeg)
            sent.append(time.monotonic())
            os.kill(os.getpid(), signal.SIGTERM)
        else:
            QTimer.singleShot(5, poll)

    QTimer.singleShot(0, start)
    window = panel.launch(block=True)
    _hand_back_event_loop()
    assert sent and time.monotonic() - sent[0] < 2
    assert window.status.text().startswith(("Cancel", "Stopped")), "the analysis ended before the signal"
    assert window.signum == signal.SIGTERM and (window.task is None or window.task.cancel.is_set())
    assert QThreadPool.globalInstance().waitForDone(2000) and not ffmpeg_cmd._children
    assert not window.work_dir.exists()


@pytest.mark.parametrize("text, notes", [
    ('{"music": 5}', ["ignored 'music' (5 is not str)"]),
    ('{"seed": "abc", "music": "song.wav"}', ["ignored 'seed' (\"abc\" is not int)"]),
    ('{"footage": ["a.mov", 3], "duration": 1e999, "beats_per_bar": true}',
     ["ignored 'footage'", "ignored 'duration'", "ignored 'beats_per_bar'"]),
    ('[1, 2]', ["not a JSON object"]),
    ('{"music": ', ["unreadable (JSONDecodeError"]),
])
def test_a_settings_file_of_the_wrong_shape_is_ignored_field_by_field(text, notes, qtbot, tmp_path, monkeypatch):
    from montage_ai.plugin.panel.window import PanelWindow
    monkeypatch.setenv("MONTAGE_AI_CONFIG_DIR", str(tmp_path))
    (tmp_path / "panel.json").write_text(text)
    settings = PanelSettings.load()
    assert len(settings.notes) == len(notes)
    for note, want in zip(settings.notes, notes):
        assert note.startswith(f"{tmp_path / 'panel.json'}: ") and want in note and "\n" not in note
    assert settings.music == ("song.wav" if "song.wav" in text else "")
    window = PanelWindow(settings=settings)  # opens with what was usable
    qtbot.addWidget(window)
    window.close()
    assert "notes" not in json.loads((tmp_path / "panel.json").read_text())  # rewritten whole


def test_a_wrong_shaped_settings_file_opens_the_panel_with_a_note(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "panel.json").write_text('{"music": 5, "seed": "abc"}')
    proc, _, config = _open(["-m", "montage_ai.cli", "panel"], tmp_path)
    took, err = _stop(proc, signal.SIGTERM)
    assert proc.returncode == 143 and "ignored 'music'" in err and "ignored 'seed'" in err
    assert json.loads((config / "panel.json").read_text())["seed"] == 0


@pytest.mark.parametrize("env, needle", [
    ({"QT_QPA_PLATFORM": "", "DISPLAY": "", "WAYLAND_DISPLAY": ""}, "no usable display"),
    ({"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":97", "WAYLAND_DISPLAY": ""}, "DISPLAY=':97'"),
    ({"QT_QPA_PLATFORM": "bogus"}, "QT_QPA_PLATFORM=bogus"),
])
def test_no_usable_display_is_one_line_and_exit_2(env, needle, tmp_path):
    done = subprocess.run([sys.executable, "-m", "montage_ai.cli", "panel"], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "MONTAGE_AI_CONFIG_DIR": str(tmp_path), **env})
    assert done.returncode == 2
    line = one_line(done.stderr, "the panel cannot open", needle, "QT_QPA_PLATFORM=offscreen")
    assert line.startswith("montage-ai: ")
