"""Loudness to a target by EBU R128 measurement (ffmpeg's ``ebur128``): measure, one gain, measure again.

The mix's integrated loudness and true peak are measured; one gain brings it to the target. When that gain
would push the true peak over ``TRUE_PEAK``, a peak limiter follows it (it takes the peaks down, which
lowers the loudness a little), and the limited result is measured and the gain corrected, ``ROUNDS`` times.
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
#: The limiter's ceiling (dBFS, sample peaks): half a dB under TRUE_PEAK for the peaks between samples.
LIMIT = TRUE_PEAK - 0.5
#: ``--loudness`` range (LUFS).
TARGET_RANGE = (-70.0, -5.0)
#: Gain corrections after limiting.
ROUNDS = 2
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


def gain_filter(gain_db: float, limited: bool) -> str:
    """One gain, followed by the peak limiter when ``limited``."""
    limiter = f",alimiter=limit={10 ** (LIMIT / 20):.4f}:level=false:attack=5:release=50" if limited else ""
    return f"aresample={SAMPLE_RATE},volume={gain_db:.2f}dB{limiter}"


def normalise(path: Path, target: float) -> dict:
    """How to bring ``path`` to ``target`` LUFS: ``measured`` (LUFS), ``gain_db``, ``limited`` (a peak limiter
    follows the gain), ``expected`` (LUFS after them); :func:`final_filter` applies them."""
    loudness, peak = measure(path)
    if math.isinf(loudness) or loudness <= TARGET_RANGE[0]:  # silence: nothing to bring up
        return {"measured": loudness, "gain_db": 0.0, "limited": False, "expected": loudness}
    gain = target - loudness
    limited = peak + gain > TRUE_PEAK
    expected = target
    for _ in range(ROUNDS if limited else 0):
        expected = measure(path, gain_filter(gain, True))[0]
        gain += target - expected
    return {"measured": loudness, "gain_db": round(gain, 2), "limited": limited, "expected": expected}


def final_filter(done: dict, seconds: float) -> str:
    """The master's audio filter: :func:`normalise`'s gain (and limiter), cut or padded to ``seconds``."""
    return f"{gain_filter(done['gain_db'], done['limited'])},apad,atrim=duration={seconds:.6f}"
