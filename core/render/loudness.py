"""Loudness to a target by EBU R128 measurement: ffmpeg's ``loudnorm`` in two passes.

The first pass measures the mix (integrated loudness, loudness range, true peak, gate threshold); the
second applies one gain (``linear``) from those figures. loudnorm falls back to its dynamic mode when one
gain would push the true peak over ``TRUE_PEAK`` or the range over the target's, and then lands up to about
1 LU off; a third measurement sets one correcting gain that the master's mux applies. The master's report
keeps the mode and the correction.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from .. import ffmpeg_cmd
from ..errors import InputError

#: Highest true peak of the master (dBTP), the streaming services' usual ceiling.
TRUE_PEAK = -1.0
#: ``--loudness`` range (LUFS), loudnorm's own.
TARGET_RANGE = (-70.0, -5.0)
#: Target loudness range (LU) unless the mix's own is wider (loudnorm accepts 1-20 in ffmpeg 5).
MIN_RANGE, MAX_RANGE = 7.0, 20.0
#: The master's sample rate (loudnorm works at 192 kHz inside).
SAMPLE_RATE = 48000


def check_target(lufs: float) -> float:
    """``lufs`` when loudnorm accepts it as a target, else :class:`InputError`."""
    if not TARGET_RANGE[0] <= lufs <= TARGET_RANGE[1]:
        raise InputError(None, f"--loudness {lufs:g}: a target from {TARGET_RANGE[0]:g} to {TARGET_RANGE[1]:g} LUFS")
    return lufs


def _report(stderr: bytes) -> dict:
    """The JSON block loudnorm prints at the end of a run."""
    found = re.findall(rb"\{[^{}]*\"input_i\"[^{}]*\}", stderr)
    if not found:
        raise InputError(None, "ffmpeg's loudnorm printed no measurement")
    return json.loads(found[-1])


def _settings(target: float, lra: float) -> str:
    return f"I={target:g}:TP={TRUE_PEAK:g}:LRA={lra:g}"


def measure(path: Path, target: float) -> dict:
    """loudnorm's first pass over ``path``: ``input_i`` (LUFS), ``input_lra``, ``input_tp``, ``input_thresh``,
    ``target_offset`` as strings, as the second pass wants them."""
    err = ffmpeg_cmd.run(["-i", str(path), "-vn", "-af", f"loudnorm={_settings(target, MIN_RANGE)}:print_format=json",
                          "-f", "null", "-"], path, log=True)
    return _report(err)


def target_range(measured: dict) -> float:
    """The target loudness range: the mix's own, between ``MIN_RANGE`` and ``MAX_RANGE`` (so one gain can keep it)."""
    return min(MAX_RANGE, max(MIN_RANGE, float(measured["input_lra"]) + 0.5))


def _second_pass(target: float, measured: dict) -> str:
    m = measured
    return (f"loudnorm={_settings(target, target_range(m))}:measured_I={m['input_i']}:measured_LRA={m['input_lra']}:"
            f"measured_TP={m['input_tp']}:measured_thresh={m['input_thresh']}:offset={m['target_offset']}:"
            f"linear=true:print_format=json,aresample={SAMPLE_RATE},aformat=channel_layouts=stereo")


def normalise(mix: Path, out: Path, target: float) -> dict:
    """``mix`` brought to ``target`` LUFS in ``out`` (48 kHz float WAV): loudnorm's two passes, then a third
    measurement and one correcting gain (loudnorm's dynamic mode, which it falls back to when one gain would
    push the true peak over ``TRUE_PEAK``, lands up to about 1 LU off). What was done: ``measured`` (the mix,
    LUFS), ``mode`` (linear or dynamic), ``correction_db``; :func:`final_filter` applies the correction."""
    measured = measure(mix, target)
    err = ffmpeg_cmd.run(["-i", str(mix), "-af", _second_pass(target, measured), "-c:a", "pcm_f32le", "-y", str(out)],
                         mix, log=True)
    mode = _report(err).get("normalization_type", "")
    after = measure(out, target)
    return {"measured": float(measured["input_i"]), "mode": mode,
            "correction_db": round(target - float(after["input_i"]), 2)}


def final_filter(done: dict, seconds: float) -> str:
    """The master's audio filter over :func:`normalise`'s file: its correcting gain, cut to ``seconds``."""
    return f"volume={done['correction_db']:.2f}dB,apad,atrim=duration={seconds:.6f}"


def integrated(path: Path) -> float:
    """Integrated loudness (LUFS) of ``path``'s first audio stream, by EBU R128 (loudnorm's measurement)."""
    return float(measure(path, -23.0)["input_i"])
