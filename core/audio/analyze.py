"""``analyze_music``: one call from an audio file to a :class:`~montage_ai.model.Music`."""
from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from ..model import Music
from . import beats as beat_mod
from . import cache
from .refine import complete, refine_to_onsets
from .decode import ANALYSIS_RATE, decode_mono, require_audio
from .onsets import onset_bands
from .sections import energy_curve, label_range

MIN_DURATION = 1.0  # seconds


def analyze_music(path: str | Path, use_cache: bool = True) -> Music:
    """Tempo, beats, downbeats, energy and arc sections of the audio in ``path``.

    Raises :class:`InputError` for missing, unreadable, audio-less or too-short files.
    A file without a detectable pulse yields no beats and a warning, never an invented grid.
    Results are cached by file content (see :mod:`.cache`).
    """
    path = Path(path).resolve()
    require_audio(path)
    key = cache.content_key(path)
    if use_cache and (cached := cache.load(path, key)) is not None:
        return cached
    music = _analyze(path)
    cache.store(key, music)
    return music


def _analyze(path: Path) -> Music:
    y = decode_mono(path, ANALYSIS_RATE)
    duration = y.size / ANALYSIS_RATE  # what plays: containers' durations may count encoder padding
    if duration < MIN_DURATION:
        raise InputError(path, f"audio is {duration:.2f} s long; at least {MIN_DURATION:.0f} s is needed")
    warnings: list[str] = []
    bands = onset_bands(y, ANALYSIS_RATE)
    grid = beat_mod.track_grid(bands)
    beats = complete(grid, refine_to_onsets(y, ANALYSIS_RATE, grid))
    if len(beats) == 0:
        warnings.append(f"{path.name}: no steady beat found; cuts fall on a time grid instead of beats")
    bars = beat_mod.downbeats(beats, bands)
    times, db = energy_curve(y, ANALYSIS_RATE)
    return Music(
        path=path,
        duration=duration,
        sample_rate=ANALYSIS_RATE,
        tempo_bpm=round(beat_mod.tempo_bpm(beats), 2),
        beats=[round(float(t), 6) for t in beats],
        downbeats=[round(float(t), 6) for t in bars],
        sections=label_range(bars, times, db, 0.0, duration),
        energy_times=[round(float(t), 3) for t in times],
        energy=[round(float(v), 2) for v in db],
        warnings=warnings,
    )
