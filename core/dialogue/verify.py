"""Every isolation result is checked before use (a separator's exit code is no proof): the file
exists, lasts as long as the source within a frame, is not silent, keeps the speech and lowers
the background, measured on the clip's own speech regions."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputError
from .vad import SAMPLE_RATE, mono_samples

#: The voice may lose at most this much level (dB) over the speech regions.
MAX_SPEECH_LOSS_DB = 6.0
#: The background (outside speech) must drop at least this much (dB) where the source has one.
MIN_BACKGROUND_DROP_DB = 3.0
#: Below this level (dBFS) a result is silent, and a source's background counts as none.
SILENT_DBFS = -60.0


@dataclass
class Verdict:
    """``problem`` is None when the result may be used; ``figures`` are the measures (dB, seconds)."""

    problem: str | None
    figures: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.problem is None


def level_db(x: np.ndarray) -> float:
    """RMS level of ``x`` in dBFS (-inf-safe)."""
    return float(10 * np.log10(np.mean(np.square(x, dtype=np.float64)) + 1e-12)) if len(x) else SILENT_DBFS - 60


def verify_isolation(source: Path, result: Path, regions: list[tuple[float, float]],
                     frame_seconds: float) -> Verdict:
    """Check ``result`` (the voice isolated from ``source``'s audio) against ``regions`` (speech, s)."""
    if not result.is_file() or result.stat().st_size == 0:
        return Verdict("no output file was written")
    try:
        original, voice = mono_samples(source), mono_samples(result)
    except InputError as err:
        return Verdict(f"the output cannot be read ({err.problem})")
    seconds = (len(original) / SAMPLE_RATE, len(voice) / SAMPLE_RATE)
    figures = {"source_seconds": round(seconds[0], 3), "result_seconds": round(seconds[1], 3)}
    if abs(seconds[0] - seconds[1]) > frame_seconds:
        return Verdict(f"it lasts {seconds[1]:.3f} s, the source {seconds[0]:.3f} s", figures)
    n = min(len(original), len(voice))
    original, voice = original[:n], voice[:n]
    figures["level_dbfs"] = round(level_db(voice), 1)
    if figures["level_dbfs"] < SILENT_DBFS:
        return Verdict(f"it is silent ({figures['level_dbfs']:.1f} dBFS)", figures)
    speech = np.zeros(n, dtype=bool)
    for a, b in regions:
        speech[int(a * SAMPLE_RATE):int(b * SAMPLE_RATE)] = True
    figures["speech_change_db"] = round(level_db(voice[speech]) - level_db(original[speech]), 1)
    if -figures["speech_change_db"] > MAX_SPEECH_LOSS_DB:
        return Verdict(f"the speech lost {-figures['speech_change_db']:.1f} dB (at most {MAX_SPEECH_LOSS_DB:g})",
                       figures)
    background = level_db(original[~speech])
    if background > SILENT_DBFS:
        figures["background_change_db"] = round(level_db(voice[~speech]) - background, 1)
        if -figures["background_change_db"] < MIN_BACKGROUND_DROP_DB:
            return Verdict(f"the background dropped only {-figures['background_change_db']:.1f} dB "
                           f"(at least {MIN_BACKGROUND_DROP_DB:g})", figures)
    return Verdict(None, figures)
