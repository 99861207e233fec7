"""Dialogue (#20): speech regions, phrases never cut, A2 in every export, ducking measured in the
preview, isolation engines verified, and the loud fallback to the original audio."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import wave
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import numpy as np
import opentimelineio as otio
import pycmx
import pytest
from fake_resolve.harness import dvr, register_media  # noqa: F401 (the fake Resolve fixture)
from melt_render import melt
from speech_media import RATE, SENTENCES, boundary_f1, speech_clip, tone_wav, write_wav

from montage_ai.audio.analyze import analyze_music
from montage_ai.cli import main
from montage_ai.dialogue import ducking
from montage_ai.dialogue.engines import Demucs, FfmpegDenoise, IsolationFailed, RNNoise
from montage_ai.dialogue.phrases import speaking_at
from montage_ai.dialogue.speech import FALLBACK, find_speech, isolate_dialogue
from montage_ai.dialogue.vad import speech_regions
from montage_ai.dialogue.verify import verify_isolation
from montage_ai.export.otio_export import build_timeline
from montage_ai.plan.planner import PlanSettings, plan_montage
from montage_ai.plugin.resolve.connect import connect
from montage_ai.plugin.resolve.writer import push_timeline
from montage_ai.pipeline import write_outputs
from montage_ai.video.probe import probe_clip

PLACES = [[(1.0, SENTENCES[0]), (6.0, SENTENCES[1])], [(0.5, SENTENCES[2]), (6.5, SENTENCES[3])],
          [(2.0, SENTENCES[4]), (6.2, SENTENCES[5])]]


@pytest.fixture(scope="module")
def talk(tmp_path_factory):
    """Three 25 fps clips with speech (two over noise, one over music) and their truth."""
    d = tmp_path_factory.mktemp("talk")
    return [speech_clip(d / f"talk{k}.mov", 11, places, "music" if k == 1 else "noise", 12, seed=k)
            for k, places in enumerate(PLACES)]


@pytest.fixture(scope="module")
def talk_clips(talk):
    clips = find_speech([probe_clip(c.path) for c in talk], {})
    return clips


@pytest.mark.parametrize("background,voice", [("noise", "en-us"), ("music", "en-gb"), ("noise", "de")])
def test_speech_regions_found(tmp_path, background, voice):
    places = [(0.7, SENTENCES[1]), (3.9, SENTENCES[0]), (9.4, SENTENCES[3]), (12.2, SENTENCES[2])]
    clip = speech_clip(tmp_path / "c.wav", 17, places, background, 8, seed=3, voice=voice)
    precision, recall, f1 = boundary_f1(speech_regions(clip.path), clip.truth)
    assert f1 >= 0.85, (precision, recall, clip.truth, speech_regions(clip.path))


def test_no_speech_in_music_or_noise_alone(tmp_path):
    rng = np.random.default_rng(1)
    write_wav(tmp_path / "n.wav", 0.1 * rng.standard_normal(RATE * 8))
    assert speech_regions(tmp_path / "n.wav") == []


def test_no_cut_inside_a_word(song, talk_clips):
    music = analyze_music(song.path)
    plan = plan_montage(music, talk_clips, PlanSettings(style="documentary", dialogue="keep"))
    fps = plan.rate.fps
    assert plan.dialogue_mode == "keep" and plan.dialogue
    beats = {plan.rate.frame_at(b) - plan.music_in for b in music.beats}
    for cut in plan.cuts[:-1]:  # cut ends stay on beats and off the clip's speech (the montage's end is fixed)
        end = float(cut.source_in / cut.clip.rate.fps + cut.record_frames / fps)
        assert not speaking_at(cut.clip, end), cut
        assert cut.record_end in beats or cut.record_end == plan.frames
    for e in plan.dialogue:  # every A2 event lies in its cut and holds whole regions only
        cut = plan.cuts[e.cut]
        assert cut.record_start <= e.record_start < e.record_end <= cut.record_end
        t0 = float(e.source_in / e.rate.fps)
        t1 = t0 + e.record_frames / float(fps)
        touched = [(a, b) for a, b in cut.clip.speech if a < t1 and b > t0]
        assert touched and all(t0 - 1 / 25 <= a and b <= t1 + 1 / 25 for a, b in touched), (t0, t1, touched)
    off = plan_montage(music, talk_clips, PlanSettings(style="documentary", dialogue="off"))
    assert off.dialogue == [] and plan_montage(music, talk_clips, PlanSettings(style="hype")).dialogue_mode == "off"


def test_ffmpeg_engine_lowers_noise_and_keeps_speech(talk, tmp_path):
    clip = talk[0]
    out = tmp_path / "voice.wav"
    FfmpegDenoise().isolate(clip.path, out)
    verdict = verify_isolation(clip.path, out, clip.truth, 1 / 25)
    assert verdict.ok, verdict
    assert verdict.figures["background_change_db"] <= -10 and verdict.figures["speech_change_db"] >= -3


def test_rnnoise_engine_lowers_music_and_noise(talk, tmp_path):
    pytest.importorskip("pyrnnoise")
    for clip in talk[:2]:  # over noise, over music
        RNNoise().isolate(clip.path, tmp_path / "voice.wav")
        verdict = verify_isolation(clip.path, tmp_path / "voice.wav", clip.truth, 1 / 25)
        assert verdict.ok, verdict
        assert verdict.figures["background_change_db"] <= -15 and verdict.figures["speech_change_db"] >= -3


def _tiny_demucs(path: Path) -> Path:
    """An untrained htdemucs small enough to run in a test, serialized as Demucs stores models."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("demucs")
    from demucs.htdemucs import HTDemucs
    from demucs.states import get_state
    model = HTDemucs(sources=["drums", "bass", "other", "vocals"], channels=8, depth=2, t_layers=0, dconv_depth=1,
                     dconv_comp=2, segment=4)
    args, kwargs = model._init_args_kwargs
    torch.save({"klass": HTDemucs, "args": args, "kwargs": kwargs, "state": get_state(model, None)}, path)
    return path


def test_demucs_loads_weights_and_separates(talk, tmp_path):
    engine = Demucs(_tiny_demucs(tmp_path / "tiny.th"))
    assert engine.load().sources[-1] == "vocals"
    engine.isolate(talk[2].path, tmp_path / "v.wav")
    with wave.open(str(tmp_path / "v.wav")) as w:
        assert abs(w.getnframes() / w.getframerate() - 11) <= 1 / 25
    with pytest.raises(IsolationFailed, match="not a Demucs model"):
        (tmp_path / "bad.th").write_bytes(b"not a model")
        Demucs(tmp_path / "bad.th").load()


def test_failing_separator_keeps_original_audio(song, talk_clips, tmp_path):
    """An untrained model separates nothing useful: the verification refuses it, the clip's own sound stays."""
    plan = plan_montage(analyze_music(song.path), talk_clips[:1], PlanSettings(style="documentary", dialogue="isolate"))
    before = list(plan.dialogue)
    isolation = isolate_dialogue(plan, tmp_path, tmp_path, _tiny_demucs(tmp_path / "tiny.th"))
    assert isolation.report["engine"] == "demucs" and not any(c["ok"] for c in isolation.report["clips"])
    assert isolation.files == [] and isolation.dialogue == before and not list(tmp_path.glob("dialogue_*"))
    assert plan.dialogue == before and plan.warnings == []
    assert sum(FALLBACK in w for w in isolation.warnings) == len({e.path for e in before})


def _make(song, talk, out: Path, *extra: str, capsys=None) -> tuple[int, dict, str]:
    code = main(["make", "--music", str(song.path), "--footage", *[str(c.path) for c in talk], "--out", str(out),
                 "--style", "documentary", "--preview", "draft", *extra])
    err = capsys.readouterr().err if capsys else ""
    return code, json.loads((out / "report.json").read_text()) if code == 0 else {}, err


def test_missing_or_failing_separator_warns_loudly(song, talk, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["make", "--music", str(song.path), "--footage", str(talk[0].path), "--out", str(tmp_path / "x"),
              "--dialogue", "isolate", "--separator-model", str(tmp_path / "none.th")])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.count("\n") == 1 and "--separator-model" in err and not (tmp_path / "x").exists()
    (tmp_path / "broken.th").write_bytes(b"\0" * 64)
    code, report, err = _make(song, talk, tmp_path / "out", "--dialogue", "isolate", "--separator-model",
                              str(tmp_path / "broken.th"), "--no-preview", capsys=capsys)
    assert code == 0, err
    failed = [w for w in report["warnings"] if FALLBACK in w]
    why = "not a Demucs model" if importlib.util.find_spec("demucs") else "demucs is not installed"
    assert failed and all(why in w for w in failed)
    assert "dialogue isolation failed" in err or FALLBACK in err
    assert all(e["path"] in {str(c.path) for c in talk} for e in report["dialogue"]["events"])


def _band_level(samples: np.ndarray, rate: int, freq: float, hop: float = 0.01) -> np.ndarray:
    """Level (dB) of the ``freq`` component every ``hop`` seconds (Hann-windowed 40 ms DFT)."""
    size, step = int(0.04 * rate), int(hop * rate)
    window = np.hanning(size)
    basis = np.exp(-2j * np.pi * freq * np.arange(size) / rate) * window
    frames = np.lib.stride_tricks.sliding_window_view(samples, size)[::step]
    return 20 * np.log10(np.abs(frames @ basis) + 1e-9)


def test_exports_and_preview_carry_dialogue_and_ducking(talk, tmp_path, capsys):
    """Music = a steady 10 kHz tone (the 16 kHz speech has nothing there): its level in preview.mp4 is the
    ducking curve. A2 in OTIO, FCP7 (with level keyframes), EDL (A3), and validate passes."""
    tone = tone_wav(tmp_path / "tone.wav", 10000, 40)
    out = tmp_path / "out"
    code = main(["make", "--music", str(tone), "--footage", *[str(c.path) for c in talk], "--out", str(out),
                 "--style", "documentary", "--dialogue", "keep", "--fps", "25"])
    capsys.readouterr()
    assert code == 0
    report = json.loads((out / "report.json").read_text())
    events = report["dialogue"]["events"]
    assert events
    timeline = otio.adapters.read_from_file(str(out / "montage.otio"))
    a2 = [c for c in timeline.audio_tracks()[1].find_clips()]
    assert [(round(c.range_in_parent().start_time.value), round(c.range_in_parent().end_time_exclusive().value))
            for c in a2] == [(e["record_start_frame"], e["record_end_frame"]) for e in events]
    seq = ET.parse(out / "montage.xml").getroot()
    assert len([i for i in seq.iter("clipitem") if i.get("id", "").startswith("dialogue-")]) == len(events)
    keys = seq.findall(".//clipitem/filter/effect/parameter/keyframe")
    assert keys and min(float(k.findtext("value")) for k in keys) == pytest.approx(10 ** (ducking.DUCK_DB / 20), 1e-3)
    with open(out / "montage.edl") as f:
        a3 = [e for ev in pycmx.parse_cmx3600(f).events for e in ev.edits if set(e.channels.channels) == {3}]
    assert len(a3) == len(events)
    assert main(["validate", str(out)]) == 0
    capsys.readouterr()
    # the ducking curve, measured in the preview's sound
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(out / "preview.mp4"), "-ac", "1", "-ar", "48000",
                          "-f", "f32le", "-"], check=True, capture_output=True).stdout
    level = _band_level(np.frombuffer(raw, "<f4").astype(np.float64), 48000, 10000)
    times = np.arange(len(level)) * 0.01 + 0.02
    fps = 25
    first = events[0]
    a, b = first["record_start_frame"] / fps, first["record_end_frame"] / fps
    full = np.median(level[times < a - 0.3])
    ducked = np.median(level[(times > a + 0.1) & (times < b - 0.1)])
    assert ducked - full == pytest.approx(ducking.DUCK_DB, abs=1.0)
    ramp = times[(level < full - 1) & (level > ducked + 1) & (times > a - 0.5) & (times < a + 0.2)]
    assert 0.03 <= ramp.max() - ramp.min() <= ducking.ATTACK_MS / 1000 + 0.05  # attack: smooth, about as set
    # the same dip when melt renders the Shotcut project (A2 mixed in, the music's volume filter)
    melt(out / "montage.mlt", tmp_path / "melt.wav", "vn=1", "ar=48000", "ac=1")
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(tmp_path / "melt.wav"), "-f", "f32le", "-"], check=True,
                         capture_output=True).stdout
    level = _band_level(np.frombuffer(raw, "<f4").astype(np.float64), 48000, 10000)
    times = np.arange(len(level)) * 0.01 + 0.02
    dip = np.median(level[(times > a + 0.1) & (times < b - 0.1)]) - np.median(level[times < a - 0.3])
    assert dip == pytest.approx(ducking.DUCK_DB, abs=1.0)


def test_resolve_push_puts_dialogue_on_audio_track_2(dvr, song, talk_clips, tmp_path):
    """The push (fake Resolve, realistic profile) places every A2 event on audio track 2, frame-exact,
    from the clip's own media; the isolated voices (WAVs) are imported like any audio file."""
    plan = plan_montage(analyze_music(song.path), talk_clips, PlanSettings(style="documentary", dialogue="keep"))
    voice = tmp_path / "dialogue_01_talk0.wav"
    FfmpegDenoise().isolate(talk_clips[0].path, voice)
    plan = replace(plan, dialogue=[replace(e, path=voice) if e.path == talk_clips[0].path else e for e in plan.dialogue])
    register_media(dvr, plan)
    dvr.LIBRARY[str(voice)] = dvr.audio_props(voice, 11.0)
    timeline = push_timeline(connect(), build_timeline(plan)).timeline
    start = timeline.GetStartFrame()
    items = sorted(timeline.GetItemListInTrack("audio", 2), key=lambda i: i.GetStart())
    assert [(i.GetStart() - start, i.GetEnd() - start) for i in items] == \
        [(e.record_start, e.record_end) for e in plan.dialogue]
    assert [i.GetMediaPoolItem().GetClipProperty("File Path") for i in items] == [str(e.path) for e in plan.dialogue]


def test_panel_dialogue_control_and_loud_fallback(qtbot, tmp_path, monkeypatch, song, talk):
    """The panel's Dialogue field reaches the plan; a broken htdemucs in the user's torch cache is tried,
    refused, and the panel says so in red, the clip's own sound kept."""
    from montage_ai.dialogue.engines import HTDEMUCS_FILE
    from montage_ai.plugin.panel.settings import PanelSettings
    from montage_ai.plugin.panel.window import PanelWindow
    monkeypatch.setenv("MONTAGE_AI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    (tmp_path / "torch" / "hub" / "checkpoints").mkdir(parents=True)
    (tmp_path / "torch" / "hub" / "checkpoints" / HTDEMUCS_FILE).write_bytes(b"truncated download")
    window = PanelWindow(settings=PanelSettings())
    qtbot.addWidget(window)
    window.set_music(song.path)
    window.add_footage([talk[0].path])
    window.form.style_box.setCurrentText("documentary")
    window.form.dialogue_box.setCurrentText("isolate")
    assert window.plan_settings().dialogue == "isolate"
    with qtbot.waitSignal(window.analyzed, timeout=120_000):
        window.analyze_btn.click()
    with qtbot.waitSignal(window.generated, timeout=240_000):
        window.generate_btn.click()
    assert window.plan.dialogue and all(e.path == talk[0].path for e in window.plan.dialogue)
    assert "Voice isolation failed for 1 clip" in window.status.text() and FALLBACK in window.summary.text()


def test_isolated_plan_exports_twice_alike(song, talk_clips, tmp_path):
    """Voice isolation leaves the plan as it was made: the panel's Export after a Generate whose isolation
    passed writes the same set again (it used to fail with a KeyError on the isolated file's path)."""
    pytest.importorskip("pyrnnoise")
    plan = plan_montage(analyze_music(song.path), talk_clips[:1], PlanSettings(style="documentary", dialogue="isolate"))
    before = list(plan.dialogue)
    reports = [write_outputs(plan, tmp_path / name, preview=False).report for name in ("a", "b")]
    assert plan.dialogue == before and plan.warnings == []
    for name, report in zip(("a", "b"), reports):
        isolated = {Path(e["path"]) for e in report["dialogue"]["events"]}
        assert isolated == {tmp_path / name / f"dialogue_01_{talk_clips[0].path.stem}.wav"}, isolated
        assert all(p.is_file() for p in isolated) and report["isolation"]["clips"][0]["ok"]
    assert reports[0]["cuts"] == reports[1]["cuts"] and reports[0]["warnings"] == reports[1]["warnings"]
