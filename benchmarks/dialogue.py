"""Dialogue figures on generated material (espeak-ng speech over noise and music, known regions).

- speech-region boundary F1 (150 ms) of ours vs WebRTC's VAD alone (the peer, same smoothing) over
  backgrounds, voices and SNRs;
- background reduction (dB) and speech change of the ffmpeg and RNNoise engines,
  measured against the known background and speech tracks;
- cut ends inside speech with ``--dialogue off`` vs ``keep`` (the same footage and song);
- the ducking curve in ``preview.mp4`` (depth, attack and release 10-90 %), music = a 10 kHz tone.

Run: ``python benchmarks/dialogue.py [--clips N]``.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from speech_media import RATE, SENTENCES, boundary_f1, rms_db, speech_clip, tone_wav  # noqa: E402
from test_dialogue import _band_level  # noqa: E402

from montage_ai.audio.analyze import analyze_music  # noqa: E402
from montage_ai.cli import main  # noqa: E402
from montage_ai.demo_media import synth_song  # noqa: E402
from montage_ai.dialogue import vad  # noqa: E402
from montage_ai.dialogue.engines import FfmpegDenoise, RNNoise  # noqa: E402
from montage_ai.dialogue.phrases import speaking_at  # noqa: E402
from montage_ai.dialogue.speech import find_speech  # noqa: E402
from montage_ai.plan.planner import PlanSettings, plan_montage  # noqa: E402
from montage_ai.video.probe import probe_clip  # noqa: E402

VOICES = ("en-us", "en-gb", "de", "fr", "es")


def _placements(rng: np.random.Generator) -> tuple[list[tuple[float, str]], float]:
    t, places = rng.uniform(0.3, 2.0), []
    for text in rng.permutation(SENTENCES)[:4]:
        places.append((float(t), str(text)))
        t += len(text) * 0.07 + rng.uniform(0.6, 3.0)
    return places, float(t + 1.0)


def _webrtc_only(path: Path) -> list[tuple[float, float]]:
    x = vad.mono_samples(path)
    return vad.regions_from_frames(vad.voiced_frames(x), len(x) / vad.SAMPLE_RATE)


def regions(tmp: Path, clips: int) -> None:
    rng = np.random.default_rng(7)
    print("speech regions, boundary F1 (150 ms): ours / WebRTC alone")
    for background in ("noise", "music"):
        for snr in (12, 6, 0):
            ours, peer = [], []
            for k in range(clips):
                places, seconds = _placements(rng)
                c = speech_clip(tmp / f"r_{background}_{snr}_{k}.wav", seconds, places, background, snr, seed=k,
                                voice=VOICES[k % len(VOICES)])
                ours.append(boundary_f1(vad.speech_regions(c.path), c.truth)[2])
                peer.append(boundary_f1(_webrtc_only(c.path), c.truth)[2])
            print(f"  {background:5} {snr:3} dB SNR: F1 {np.mean(ours):.2f} / {np.mean(peer):.2f}  ({clips} clips)")


def reduction(tmp: Path) -> None:
    print("isolation engines: background change, speech change (dB, against the known tracks)")
    places = [(1.0, SENTENCES[0]), (6.0, SENTENCES[2])]
    for engine in (FfmpegDenoise(), RNNoise()):
        for background in ("noise", "music"):
            for snr in (12, 6):
                c = speech_clip(tmp / f"d_{background}_{snr}.wav", 12, places, background, snr, seed=3)
                out = tmp / f"d_{background}_{snr}.voice.wav"
                engine.isolate(c.path, out)
                raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(out), "-ac", "1", "-ar", str(RATE), "-f",
                                      "f32le", "-"], check=True, capture_output=True).stdout
                voice = np.frombuffer(raw, "<f4").astype(np.float64)[:len(c.speech)]
                quiet = np.ones(len(voice), dtype=bool)
                for a, b in c.truth:
                    quiet[int(a * RATE):int(b * RATE)] = False
                kept = rms_db(voice[~quiet]) - rms_db(c.speech[~quiet] + c.background[~quiet])
                print(f"  {engine.name:14} {background:5} {snr:3} dB SNR: background "
                      f"{rms_db(voice[quiet]) - rms_db(c.background[quiet]):+.1f} dB, speech {kept:+.1f} dB")


def cut_ends(tmp: Path) -> None:
    song = synth_song(tmp / "song.wav")
    music = analyze_music(song.path)
    talk = [speech_clip(tmp / f"t{k}.mov", 11, [(0.5 + k * 0.7, SENTENCES[k]), (6.0, SENTENCES[k + 2])], "noise", 12,
                        seed=k) for k in range(3)]
    clips = find_speech([probe_clip(c.path) for c in talk], {})
    for mode in ("off", "keep"):
        plan = plan_montage(music, clips, PlanSettings(style="documentary", dialogue=mode))
        inside = sum(speaking_at(c.clip, float(c.source_in / c.clip.rate.fps + c.record_frames / plan.rate.fps))
                     for c in plan.cuts[:-1])
        print(f"cut ends inside speech, --dialogue {mode}: {inside} of {len(plan.cuts) - 1}")
    return talk


def ducking_curve(tmp: Path, talk) -> None:
    tone = tone_wav(tmp / "tone.wav", 10000, 40)
    out = tmp / "out"
    main(["make", "--music", str(tone), "--footage", *[str(c.path) for c in talk], "--out", str(out), "--quiet",
          "--style", "documentary", "--dialogue", "keep", "--fps", "25", "--formats", "otio"])
    import json
    events = json.loads((out / "report.json").read_text())["dialogue"]["events"]
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(out / "preview.mp4"), "-ac", "1", "-ar", "48000", "-f",
                          "f32le", "-"], check=True, capture_output=True).stdout
    level = _band_level(np.frombuffer(raw, "<f4").astype(np.float64), 48000, 10000, hop=0.002)
    times = np.arange(len(level)) * 0.002 + 0.02
    a, b = events[0]["record_start_frame"] / 25, events[0]["record_end_frame"] / 25
    full = np.median(level[times < a - 0.4])
    ducked = np.median(level[(times > a + 0.1) & (times < b - 0.1)])
    depth = ducked - full

    def span(lo: float, hi: float) -> float:
        x = times[(level <= full + 0.1 * depth) & (level >= full + 0.9 * depth) & (times > lo) & (times < hi)]
        return float(x.max() - x.min()) if len(x) else float("nan")
    print(f"ducking in preview.mp4: depth {depth:.1f} dB; attack 10-90 % {1000 * span(a - 0.4, a + 0.1):.0f} ms; "
          f"release 10-90 % {1000 * span(b - 0.1, b + 0.6):.0f} ms")


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=6, help="clips per background and SNR")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dialogue-bench-") as tmp:
        tmp = Path(tmp)
        regions(tmp, args.clips)
        reduction(tmp)
        ducking_curve(tmp, cut_ends(tmp))


if __name__ == "__main__":
    run()
