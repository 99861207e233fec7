"""Loudness to a target by EBU R128 measurement (ffmpeg's ``ebur128``): measure, one gain, measure again.

The mix's integrated loudness and true peak are measured; one gain brings it to the target. When that gain
would push the true peak over ``TRUE_PEAK``, a peak limiter follows it (it takes the peaks down, which
lowers the loudness a little), and the limited result is measured, its gain and ceiling corrected.
A gain is exact in integrated loudness, so a mix that needs no limiting lands on the target. ``ebur128``
costs a sixth of ``loudnorm``'s CPU (which measures at 192 kHz), and each pass reads only the sound.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

from .. import ffmpeg_cmd
from ..errors import InputError

#: Highest true peak of the master (dBTP), the streaming services' usual ceiling.
TRUE_PEAK = -1.0
#: True peak aimed at before the AAC encode (which adds some overshoot of its own).
AIM = TRUE_PEAK - 0.5
#: ``--loudness`` range (LUFS).
TARGET_RANGE = (-70.0, -5.0)
#: Measurements of the limited sound at most (each but the last corrects gain and ceiling).
ROUNDS = 5
#: dB of gain per LU missing under the limiter (about half of each dB comes out on the demo's drum mix).
LIMITED_STEP = 2.0
#: The master's sample rate.
SAMPLE_RATE = 48000


def check_target(lufs: float) -> float:
    """``lufs`` when it is a target we accept, else :class:`InputError`."""
    if not TARGET_RANGE[0] <= lufs <= TARGET_RANGE[1]:
        raise InputError(None, f"--loudness {lufs:g}: a target from {TARGET_RANGE[0]:g} to {TARGET_RANGE[1]:g} LUFS")
    return lufs


def _value(text: str, label: str, unit: str) -> float:
    found = re.findall(rf"{label}:\s+(-?(?:[\d.]+|inf)) {unit}", text)
    if not found:
        raise InputError(None, f"ffmpeg's ebur128 printed no {label}")
    return float(found[-1])


def measure(path: Path, filters: str = "") -> tuple[float, float]:
    """``(integrated LUFS, true peak dBTP)`` of ``path``'s first audio stream after ``filters`` (an audio
    filter chain, or none)."""
    chain = f"{filters}," if filters else ""
    err = ffmpeg_cmd.run(["-i", str(path), "-vn", "-af", f"{chain}ebur128=peak=true:framelog=verbose", "-f", "null",
                          "-"], path, log=True).decode("utf-8", "replace")
    summary = err.rsplit("Summary:", 1)[-1]
    return _value(summary, "I", "LUFS"), _value(summary, "Peak", "dBFS")


def integrated(path: Path) -> float:
    """Integrated loudness (LUFS) of ``path``'s first audio stream, by EBU R128."""
    return measure(path)[0]


def gain_filter(gain_db: float, ceiling_db: float | None) -> str:
    """One gain, followed by the peak limiter at ``ceiling_db`` (dBFS) unless None."""
    limiter = (f",alimiter=limit={10 ** (ceiling_db / 20):.4f}:level=false:attack=5:release=50"
               if ceiling_db is not None else "")
    return f"aresample={SAMPLE_RATE},volume={gain_db:.2f}dB{limiter}"


def normalise(path: Path, target: float) -> dict:
    """How to bring ``path`` to ``target`` LUFS: ``measured`` (LUFS), ``gain_db``, ``ceiling_db`` (the limiter's
    ceiling, None without one), ``expected`` (LUFS and dBTP after them); :func:`final_filter` applies them.

    The limiter (ffmpeg's ``alimiter``) holds sample peaks only loosely: its ceiling is lowered by what the
    true peak still passes ``AIM`` and the gain corrected for what it takes, until both hold (``ROUNDS``)."""
    loudness, peak = measure(path)
    if math.isinf(loudness) or loudness <= TARGET_RANGE[0]:  # silence: nothing to bring up
        return {"measured": loudness, "gain_db": 0.0, "ceiling_db": None, "expected": [loudness, peak]}
    gain, ceiling = target - loudness, None
    after = (target, peak + gain)
    if peak + gain > AIM:
        ceiling = AIM - 0.5
        for done in range(1, ROUNDS + 1):
            after = measure(path, gain_filter(gain, ceiling))
            if abs(after[0] - target) <= 0.3 and after[1] <= AIM or done == ROUNDS:  # keep the measured pair
                break
            gain += LIMITED_STEP * (target - after[0])  # the limiter takes back part of each dB given
            ceiling -= max(0.0, after[1] - AIM)
    return {"measured": loudness, "gain_db": round(gain, 2), "ceiling_db": ceiling and round(ceiling, 2),
            "expected": list(after)}


def final_filter(done: dict, seconds: float) -> str:
    """The master's audio filter: :func:`normalise`'s gain (and limiter), cut or padded to ``seconds``."""
    return f"{gain_filter(done['gain_db'], done['ceiling_db'])},apad,atrim=duration={seconds:.6f}"
