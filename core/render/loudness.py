"""Loudness to a target by EBU R128 measurement: ffmpeg's ``loudnorm`` in two passes.

The first pass measures the mix (integrated loudness, loudness range, true peak, gate threshold); the
second, in the master's mux, applies one gain (``linear``) from those figures. loudnorm falls back to its
dynamic mode when one gain would push the true peak over ``TRUE_PEAK`` or the range over the target's;
the second pass says which it used, and the master's report keeps it.
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


def normalise_filter(target: float, measured: dict, seconds: float) -> str:
    """The second pass as an audio filter: one gain to ``target`` from the first pass's figures, back at
    ``SAMPLE_RATE``, cut to ``seconds``; it prints its own report (see :func:`applied`)."""
    m = measured
    return (f"loudnorm={_settings(target, target_range(m))}:measured_I={m['input_i']}:measured_LRA={m['input_lra']}:"
            f"measured_TP={m['input_tp']}:measured_thresh={m['input_thresh']}:offset={m['target_offset']}:"
            f"linear=true:print_format=json,aresample={SAMPLE_RATE},aformat=channel_layouts=stereo,apad,"
            f"atrim=duration={seconds:.6f}")


def applied(stderr: bytes) -> dict:
    """What the second pass did: ``mode`` (linear or dynamic), ``output_i`` (LUFS), ``output_tp`` (dBTP)."""
    r = _report(stderr)
    return {"mode": r.get("normalization_type", ""), "output_i": float(r["output_i"]), "output_tp": float(r["output_tp"])}


def integrated(path: Path) -> float:
    """Integrated loudness (LUFS) of ``path``'s first audio stream, by EBU R128 (loudnorm's measurement)."""
    return float(measure(path, -23.0)["input_i"])
