"""The panel driven offscreen as a user would: load the demo media, analyze, generate, export; a failed
Analyze after a Generate; cancel; errors; phase labels; thumbnails made lazily and cached. Screenshots of
each state are saved as test artefacts (docs/make_screenshots.py refreshes docs/img)."""
import json
import os
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtGui import QFontMetricsF  # noqa: E402

from fake_resolve.harness import clip_props, dvr  # noqa: E402,F401  (fixture)
from montage_ai.audio.hints import DEFAULT_BEAT_ENGINE  # noqa: E402
from montage_ai.audio.wav import write_wav  # noqa: E402
from montage_ai.model import Music, Phase, Section  # noqa: E402
from montage_ai.plugin.panel.settings import PanelSettings  # noqa: E402
from montage_ai.plugin.panel.waveform import WaveformView  # noqa: E402
from montage_ai.plugin.panel.window import PanelWindow  # noqa: E402
from montage_ai.video.thumbnail import thumbnail_file  # noqa: E402

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
    window.form.duration_spin.setValue(20)
    window.form.start_spin.setValue(10)
    with qtbot.waitSignal(window.analyzed, timeout=WAIT_MS):
        window.analyze_btn.click()
    assert window.clip_list.count() == len(footage)
    assert "shot" in window.clip_list.item(0).text() and "quality" in window.clip_list.item(0).toolTip()
    assert window.waveform.music is not None and window.waveform.start == 10
    qtbot.waitUntil(lambda: len(window.clip_thumbnails) == len(footage), timeout=WAIT_MS)  # made after Analyze
    shot(window, "analyzed")
    with qtbot.waitSignal(window.generated, timeout=WAIT_MS):
        window.generate_btn.click()
    plan = window.plan
    bar = 4 * 60 / plan.music.tempo_bpm  # the montage ends on the last bar start within the 20 s asked for
    assert plan.rate.frames_in(20 - bar) < plan.frames <= plan.rate.frames_in(20) and plan.music_start_time >= 10
    assert plan.frames in {plan.rate.frame_at(b) - plan.music_in for b in plan.music.downbeats}
    qtbot.waitUntil(lambda: len(window.strip.thumbnails) == len(plan.cuts), timeout=WAIT_MS)
    assert thumbnail_file(plan.cuts[0].clip.path, plan.cuts[0].source_in, 60).exists()
    assert "cuts" in window.summary.text() and "largest beat error" in window.summary.text()
    assert window.preview_btn.isEnabled() and window.resolve_btn.isEnabled()  # no Resolve here: export for import
    assert window.resolve_btn.text() == "Export for Resolve import" and not window.undo_btn.isVisible()
    _assert_labels_apart(window.waveform)
    shot(window, "generated")
    out = tmp_path / "for premiere"
    with qtbot.waitSignal(window.exported, timeout=WAIT_MS):
        window.export(out)
    names = {p.name for p in out.iterdir()}
    assert {"montage.xml", "montage.kdenlive", "montage.otio", "report.json", "preview.mp4"} <= names  # mixed rates: no EDL
    assert (out / "preview.mp4").read_bytes() == (window.work_dir / "out" / "preview.mp4").read_bytes()
    report = json.loads((out / "report.json").read_text())
    assert [c["record_start_frame"] for c in report["cuts"]] == [c.record_start for c in plan.cuts]
    saved = json.loads((tmp_path / "config" / "panel.json").read_text())
    assert saved["music"] == str(song.path) and saved["duration"] == 20  # settings remembered
    window.form.aspects_edit.setText("21:9")  # not an aspect: said as the CLI says it, nothing written
    with qtbot.waitSignal(window.failed, timeout=WAIT_MS):
        window.export(tmp_path / "never")
    assert window.error.text().startswith("--aspects: '21:9': choose from") and not (tmp_path / "never").exists()
    window.form.aspects_edit.setText("16:9,1:1")  # one set per aspect, the same cuts, the square one reframed
    with qtbot.waitSignal(window.exported, timeout=WAIT_MS):
        window.export(tmp_path / "sets")
    square = json.loads((tmp_path / "sets" / "1x1" / "report.json").read_text())
    assert square["aspect"] == "1:1" and square["width"] == square["height"]
    assert [c["record_start_frame"] for c in square["cuts"]] == [c.record_start for c in plan.cuts]
    assert all(c["crop"]["width"] == c["crop"]["height"] for c in square["cuts"])
    window.form.aspects_edit.setText("")

    bad = tmp_path / "not a song.mp3"  # a failed Analyze leaves nothing of the previous song
    bad.write_bytes(b"garbage" * 10)
    window.set_music(bad)
    with qtbot.waitSignal(window.failed, timeout=WAIT_MS):
        window.analyze_btn.click()
    assert window.plan is None and window.inputs is None and window.strip.plan is None
    assert window.waveform.music is None and window.clip_list.count() == 0 and window.summary.text() == ""
    assert not window.generate_btn.isEnabled() and not window.export_btn.isEnabled()
    assert not window.preview_btn.isEnabled() and str(bad) in window.error.text()
    shot(window, "error")
    work_dir = window.work_dir
    window.close()
    assert not work_dir.exists()  # no temporary files left behind


def test_a_song_without_a_beat_says_so_after_analyze(window, qtbot, footage, tmp_path):
    noise = tmp_path / "noise.wav"
    write_wav(noise, 0.3 * np.random.default_rng(2).standard_normal(44100 * 8), 44100)
    window.set_music(noise)
    window.add_footage(footage[:1])
    with qtbot.waitSignal(window.analyzed, timeout=WAIT_MS):
        window.analyze_btn.click()
    text = window.summary.text()
    assert "0 beats" in text and "no steady beat" in text and "bars of" in text


def _assert_labels_apart(waveform):
    """Phase labels as painted: none overlaps another in its row, none runs off the right edge."""
    waveform.grab()
    fm = QFontMetricsF(waveform.font())
    spans = sorted((row, x, x + fm.horizontalAdvance(text)) for _, x, row, text in waveform.labels)
    for (row_a, _, end_a), (row_b, start_b, _) in zip(spans, spans[1:]):
        assert row_a != row_b or end_a <= start_b
    assert all(end <= waveform.width() for _, _, end in spans)


def test_phase_labels_never_overlap(qtbot):
    """Narrow SUSTAIN and OUTRO sections at the end (the case that overlapped): labels stack or shorten."""
    view = WaveformView()
    qtbot.addWidget(view)
    view.resize(700, 150)
    sections = [Section(0, 30, Phase.INTRO, 0.2), Section(30, 100, Phase.BUILD, 0.5),
                Section(100, 170, Phase.CLIMAX, 1.0), Section(170, 173, Phase.SUSTAIN, 0.7),
                Section(173, 176, Phase.OUTRO, 0.3), Section(176, 180, Phase.OUTRO, 0.2)]
    view.set_music(Music(Path("song.wav"), 180.0, 22050, 120.0, [], [], sections))
    _assert_labels_apart(view)
    texts = [text for _, _, _, text in view.labels]
    assert {"INTRO", "BUILD", "CLIMAX", "SUSTAIN"} <= set(texts) and len({row for _, _, row, _ in view.labels}) == 2
    for width in (120, 60):
        view.resize(width, 150)
        _assert_labels_apart(view)


@pytest.mark.skipif(os.name != "posix", reason="the ffmpeg wrapper is a shell script")
def test_analyze_runs_the_hardware_decode_trial_before_its_workers(window, qtbot, song, footage, tmp_path,
                                                                    monkeypatch):
    """The test decodes run once in the panel's process before footage analysis starts (as in the CLI),
    so the analysis workers read the verdicts instead of each running them on a cold cache. An ffmpeg
    wrapper on PATH logs the process that ran each call."""
    import shutil
    import subprocess

    from montage_ai.decoders import FOR_BACKEND, listed_methods
    listed = listed_methods(subprocess.run(["ffmpeg", "-hide_banner", "-hwaccels"], capture_output=True,
                                           text=True).stdout)
    if not listed & set(FOR_BACKEND.values()):
        pytest.skip("this ffmpeg lists no hardware decoding to try")
    log, wrapper = tmp_path / "ffmpeg.log", tmp_path / "bin" / "ffmpeg"
    wrapper.parent.mkdir()
    real = shutil.which("ffmpeg")
    wrapper.write_text(f'#!/bin/sh\necho "$PPID $*" >> "{log}"\nexec "{real}" "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{wrapper.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("FFMPEG_HWACCEL", raising=False)  # no verdicts yet: they are kept per ffmpeg (the wrapper)
    copies = [shutil.copy(f, tmp_path / f.name) for f in footage[:2]]  # not in the footage cache: workers run
    window.set_music(song.path)
    window.add_footage(copies)
    with qtbot.waitSignal(window.analyzed, timeout=WAIT_MS):
        window.analyze_btn.click()
    trials = [line.split()[0] for line in log.read_text().splitlines() if "hwdownload" in line]
    assert trials and set(trials) == {str(os.getpid())}


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


def test_tempo_hint_beats_per_bar_and_engine_fields_reach_the_analysis_and_plan(window):
    settings = window.plan_settings()
    assert (settings.tempo_hint, settings.beats_per_bar, settings.beat_engine) == (None, None, DEFAULT_BEAT_ENGINE)
    window.form.tempo_spin.setValue(96)
    window.form.meter_spin.setValue(3)
    window.form.engine_box.setCurrentText("learned")
    settings = window.plan_settings()
    assert (settings.tempo_hint, settings.beats_per_bar, settings.beat_engine) == (96, 3, "learned")


def test_make_proxies_links_them_in_resolve_and_names_refusals(qtbot, dvr, tmp_path, monkeypatch):
    """Make proxies from the pool's clips (worker thread, progress), each linked in the Resolve stand-in;
    the clip Resolve refuses (its pool entry says another length) is named; Unlink undoes the links."""
    import subprocess

    from montage_ai.plugin.resolve.connect import connect
    from montage_ai.video.probe import probe_clip
    monkeypatch.setenv("MONTAGE_AI_CONFIG_DIR", str(tmp_path / "config"))
    footage = tmp_path / "footage"
    footage.mkdir()
    for name, rate, tc in (("a 25.mov", "25", "10:00:00:00"), ("b df.mov", "30000/1001", "01:00:00;00"),
                           ("c long.mov", "24", "00:00:00:00")):
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size=320x180:rate={rate}:d=1",
                        "-c:v", "libx264", "-preset", "ultrafast", "-timecode", tc, str(footage / name)], check=True)
        props = clip_props(dvr, probe_clip(footage / name))
        if name == "c long.mov":
            props["Frames"] = str(int(props["Frames"]) + 10)  # Resolve refuses a proxy of another length
        dvr.LIBRARY[str(footage / name)] = props
    pool = dvr.APP.GetProjectManager().GetCurrentProject().GetMediaPool()
    pool.ImportMedia([str(p) for p in sorted(footage.iterdir())])
    w = PanelWindow(session=connect(dvr.APP), settings=PanelSettings())
    qtbot.addWidget(w)
    w.show()
    w.load_media_pool()
    steps = []
    w.progress.valueChanged.connect(steps.append)
    assert w.form.proxies_btn.isEnabled() and not w.form.unlink_btn.isEnabled()
    with qtbot.waitSignal(w.proxies_done, timeout=WAIT_MS) as done:
        w.make_proxies(tmp_path / "proxies")
    report = done.args[0]
    assert "3 of 3 proxies ready" in report and "Resolve: 2 linked, 1 refused" in report
    assert "c long.mov" in w.error.text() and "c long.mov" in w.details_text.toPlainText()
    assert steps and max(steps) == 1000
    items = {i.GetName(): i for i in pool.GetRootFolder().GetClipList()}
    assert items["a 25.mov"].GetClipProperty("Proxy Media Path") == str(tmp_path / "proxies" / "a 25_Proxy.mp4")
    assert not items["c long.mov"].GetClipProperty("Proxy Media Path")
    w.details_btn.setChecked(True)
    shot(w, "proxies")
    with qtbot.waitSignal(w.proxies_done, timeout=WAIT_MS) as done:
        w.form.unlink_btn.click()
    assert "Resolve: 2 unlinked" in done.args[0]
    assert not any(i.GetClipProperty("Proxy Media Path") for i in items.values())
