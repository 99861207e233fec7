"""``analyze_music``: one call from an audio file to a :class:`~montage_ai.model.Music`."""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import InputError, RunWarning
from ..model import Music
from . import beats as beat_mod
from . import cache, learned
from .bars import bar_starts
from .hints import BEAT_ENGINES, DEFAULT_BEAT_ENGINE
from .decode import ANALYSIS_RATE, require_audio, stream_mono
from .onsets import HOP, OnsetBands, OnsetBuilder
from .refine import complete, refine_to_onsets
from .sections import ENERGY_RATE, energy_curve, label_range

MIN_DURATION = 1.0  # seconds
#: Samples decoded at a time: 51.2 s, a whole number of energy windows and onset hops, so block
#: results join exactly; memory holds per-frame features, never the whole signal.
BLOCK = int(ANALYSIS_RATE / ENERGY_RATE) * HOP * 2
#: Audio kept around each beat while refining block by block (covers the attack search windows).
REFINE_MARGIN = int(0.1 * ANALYSIS_RATE)
#: Signals up to this long (10 min, 53 MB) are kept from the first pass for refinement; longer
#: ones are decoded a second time, block by block.
KEEP_SAMPLES = 600 * ANALYSIS_RATE
#: Progress reported at the end of reading (the block loop) and of beat tracking: their share of the time.
READ_DONE, TRACK_DONE = 0.75, 0.9
#: Each block goes to the onset builder in this many parts, with progress after each (12.8 s of audio);
#: the builder's result does not depend on how the signal is cut.
PARTS = 4


@dataclass
class _Features:
    bands: OnsetBands
    energy_times: np.ndarray
    energy_db: np.ndarray
    samples: int
    signal: np.ndarray | None  # the whole signal if at most KEEP_SAMPLES long (no second decode)


def _read_features(path: Path, progress: Callable[[float], None], seconds: float, keep_mel: bool) -> _Features:
    """Onset bands (with the mel dB if ``keep_mel``) and the energy curve, decoding ``BLOCK`` samples
    at a time (``progress`` after each part of a block, as a share of the expected ``seconds``)."""
    builder, times, db = OnsetBuilder(ANALYSIS_RATE, keep_mel), [], []
    kept: list[np.ndarray] | None = []
    for n, block in enumerate(stream_mono(path, ANALYSIS_RATE, BLOCK)):
        for part in np.array_split(block, PARTS):
            builder.add(part)
            if seconds > 0:
                progress(READ_DONE * min(1.0, builder.samples / ANALYSIS_RATE / seconds))
        t, d = energy_curve(block, ANALYSIS_RATE)
        times.append(t + n * BLOCK / ANALYSIS_RATE)
        db.append(d)
        if kept is not None and builder.samples <= KEEP_SAMPLES:
            kept.append(block)
        else:
            kept = None  # too long to hold: refinement decodes again
    if builder.samples == 0:
        raise InputError(path, "audio stream decodes to no samples")
    signal = np.concatenate(kept) if kept is not None else None
    return _Features(builder.finish(), np.concatenate(times), np.concatenate(db), builder.samples, signal)


def _refine(path: Path, grid: np.ndarray, whole: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`refine_to_onsets` of ``grid``, on the whole signal or decoding it again block by block."""
    if whole is not None:
        return refine_to_onsets(whole, ANALYSIS_RATE, grid)
    refined, sharp = np.full(grid.size, np.nan), np.zeros(grid.size, dtype=bool)
    done, start, y, y0 = 0, 0, np.zeros(0, dtype=np.float32), 0
    for block in stream_mono(path, ANALYSIS_RATE, BLOCK):
        keep = y[-2 * REFINE_MARGIN:]
        y, y0 = np.concatenate([keep, block]), start - keep.size
        start += block.size
        ready = int(np.searchsorted(grid, (start - REFINE_MARGIN) / ANALYSIS_RATE))
        refined[done:ready], sharp[done:ready] = refine_to_onsets(y, ANALYSIS_RATE, grid[done:ready], y0 / ANALYSIS_RATE)
        done = ready
    refined[done:], sharp[done:] = refine_to_onsets(y, ANALYSIS_RATE, grid[done:], y0 / ANALYSIS_RATE)
    return refined, sharp


def analyze_music(path: str | Path, use_cache: bool = True, progress: Callable[[float], None] | None = None,
                  tempo_hint: float | None = None, beats_per_bar: int | None = None,
                  beat_engine: str = DEFAULT_BEAT_ENGINE) -> Music:
    """Tempo, beats, downbeats, energy and arc sections of the audio in ``path``.

    ``beat_engine`` (one of ``hints.BEAT_ENGINES``) picks the beat tracker: ``learned`` (the
    model of :mod:`.beat_model` and the decoder of :mod:`.bar_pointer`), ``dsp`` (:mod:`.beats`
    and :mod:`.bars`) or ``hybrid`` (the dsp beats checked by the model, the model's bars:
    ``learned.check_grid``); either way each beat is then refined onto its attack.

    The editor may overrule the analysis: ``tempo_hint`` (BPM) picks the tempo and metrical level
    nearest it, ``beats_per_bar`` the meter; both are recorded in ``Music.overrides``.

    Raises :class:`InputError` for missing, unreadable, audio-less or too-short files.
    A file without a detectable pulse yields no beats and a warning, never an invented grid.
    Results are cached by file content (see :mod:`.cache`). ``progress`` gets the share done (0..1) as it goes.
    """
    path = Path(path).resolve()
    if not path.is_file():
        require_audio(path)  # says why: not found, not a file
    overrides = {k: v for k, v in (("tempo_hint", tempo_hint), ("beats_per_bar", beats_per_bar)) if v}
    if beat_engine not in BEAT_ENGINES:
        raise ValueError(f"unknown beat engine {beat_engine!r}")
    seconds = require_audio(path)  # before hashing the bytes: a file of 56 hours is refused at once
    key = cache_key(path, overrides, beat_engine)
    doubts: list[str] = []
    if use_cache and (cached := cache.load(path, key, doubts)) is not None:
        return cached
    music = _analyze(path, progress or (lambda fraction: None), seconds, overrides, beat_engine)
    cache.store(key, music)
    if doubts:  # said in this run's report, not stored with the analysis
        music = replace(music, warnings=[*music.warnings, RunWarning("cache", f"{path.name}: cached analysis not used "
                                                                            f"({doubts[0]}); analysed again")])
    return music


def cache_key(path: Path, overrides: dict[str, float], beat_engine: str) -> str:
    """The cache entry's name for the analysis of ``path`` with the editor's ``overrides`` by ``beat_engine``:
    the file's content, the overrides, and for the engines that run the network the weights' digest."""
    key = cache.content_key(path) + "".join(f"-{k}{v:g}" for k, v in overrides.items())
    if beat_engine != "dsp":  # dsp keys carry no engine (as before there were engines)
        key += f"-{beat_engine}{learned.weights_digest()}"
    return key


def _analyze(path: Path, progress: Callable[[float], None], seconds: float, overrides: dict[str, float],
             engine: str) -> Music:
    features = _read_features(path, progress, seconds, keep_mel=engine != "dsp")
    duration = features.samples / ANALYSIS_RATE  # what plays: containers' durations may count encoder padding
    if duration < MIN_DURATION:
        raise InputError(path, f"audio is {duration:.2f} s long; at least {MIN_DURATION:.0f} s is needed")
    warnings: list[str] = []
    hint, meter = overrides.get("tempo_hint"), overrides.get("beats_per_bar")
    if engine == "learned":
        grid, bar_index, meter = learned.track(features.bands, hint, int(meter) if meter else None)
    else:
        grid = beat_mod.track_grid(features.bands, hint)
    if engine == "hybrid":
        grid, bar_index, meter = learned.check_grid(features.bands, grid, hint, int(meter) if meter else None)
    progress(TRACK_DONE)
    beats = complete(grid, *_refine(path, grid, features.signal))
    if len(beats) == 0:
        warnings.append(RunWarning("no_beat", f"{path.name}: no steady beat found; cuts fall on a time grid instead of "
                                           "beats (--tempo-hint BPM tracks beats near a tempo you give)"))
    if engine != "dsp":
        bars = _nearest(beats, grid[bar_index])
    else:
        bars, meter = bar_starts(beats, features.bands, meter)
    times, db = features.energy_times, features.energy_db
    return Music(
        path=path,
        duration=duration,
        sample_rate=ANALYSIS_RATE,
        tempo_bpm=round(beat_mod.tempo_bpm(beats), 2),
        beats=[round(float(t), 6) for t in beats],
        downbeats=[round(float(t), 6) for t in bars],
        beats_per_bar=meter,
        sections=label_range(bars, times, db, 0.0, duration),
        energy_times=[round(float(t), 3) for t in times],
        energy=[round(float(v), 2) for v in db],
        warnings=warnings,
        overrides=overrides,
        beat_engine=engine,
    )


def _nearest(beats: np.ndarray, times: np.ndarray) -> np.ndarray:
    """The beat nearest each of ``times`` (the refined beat of each tracked bar start), unique, sorted."""
    if beats.size == 0 or len(times) == 0:
        return beats[:0]
    idx = np.clip(np.searchsorted(beats, times), 1, beats.size - 1)
    idx -= (times - beats[idx - 1]) < (beats[idx] - times)
    return beats[np.unique(idx)]
