"""Move tracked beats onto the attacks they belong to, to the sample.

The tracker places beats on a hop grid (11.6 ms) and bends it towards strong off-beat onsets;
:func:`refine_to_onsets` finds the attack itself, :func:`complete` places beats that have
no attack of their own (rests, quiet passages) between their refined neighbours.
"""
from __future__ import annotations

import numpy as np

#: The search window around a tracked beat, seconds before / after it: the tracked beat sits
#: within half a hop of the attack's onset-envelope peak, and the tracker bends its grid towards
#: strong off-beat onsets by a few tens of ms.
SEARCH_BEFORE = 0.050
SEARCH_AFTER = 0.050
#: Energy windows compared at a candidate attack: a short one after it (precision) and a longer
#: one before it, so the ripple of sustained low notes does not read as a rise (seconds).
RISE_AFTER = 0.003
RISE_BEFORE = 0.015
#: Minimum rise (in dB) for a refined position to be trusted over the tracked one.
MIN_RISE_DB = 6.0
#: Windows (after, before, seconds) and minimum rise (dB) for soft attacks (bowed, sung, piano
#: chords over sustained notes), tried where no sharp attack is found.
SOFT = (0.010, 0.030, 3.0)
#: Systematic lag of the tracked beats behind the attacks (seconds), calibrated on synthetic songs
#: with known beats (tests/test_beats.py re-measures it): our onset envelope (flux of a centred
#: 2048-sample STFT at hop 256) peaks on the attack's own frame, so the grid is not late. (librosa's
#: default ``beat_track`` at hop 512 is late by about 28 ms; see benchmarks/beats.py.)
TRACKER_LAG = 0.0


#: Beats without an attack are spaced evenly between refined neighbours at most this many beats
#: apart; over longer gaps (soft attacks, rubato) the tempo may move, and the tracked grid,
#: shifted as its refined neighbours were, follows it.
EVEN_GAP = 4
#: Share of the way a beat without a sharp attack moves towards the midpoint of its neighbours: on
#: annotated recordings (benchmarks/real_music.py) this takes the median error of matched beats
#: from 10.3 to 9.2 ms; sharp attacks stay to the sample.
STEADY_PULL = 0.5


def refine_to_onsets(y: np.ndarray, sr: int, beats: np.ndarray, offset: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """The attack time of each beat in ``beats`` (seconds), NaN where there is no clear attack:
    a sharp attack (:func:`attacks` with the default windows) or else a soft one (``SOFT``); and
    whether each attack found is sharp."""
    out = attacks(y, sr, beats, offset)
    soft = np.isnan(out)
    out[soft] = attacks(y, sr, np.asarray(beats, dtype=float)[soft], offset, SOFT)
    return out, ~soft


def attacks(y: np.ndarray, sr: int, beats: np.ndarray, offset: float = 0.0,
            windows: tuple[float, float, float] = (RISE_AFTER, RISE_BEFORE, MIN_RISE_DB)) -> np.ndarray:
    """The attack time of each beat in ``beats`` (seconds), NaN where no rise of ``windows[2]`` dB.

    ``y`` holds the samples from ``offset`` seconds on (a block of a longer file is fine: beats
    whose search window leaves the block get NaN). The rise at sample ``n`` is the ratio (dB) of
    mean power over ``[n, n+a)`` to mean power over ``[n-b, n)`` (``a``, ``b``: ``windows[:2]`` seconds); for an attack starting at ``n0``
    it peaks at ``n0``. Candidates whose following power is under a tenth of the window's loudest
    are ignored (noise-floor flicker).
    """
    a, b = max(2, round(windows[0] * sr)), max(2, round(windows[1] * sr))
    energy = np.concatenate([[0.0], np.cumsum(y.astype(np.float64) ** 2)])
    out = np.full(len(beats), np.nan)
    for i, t in enumerate(np.asarray(beats, dtype=float) - offset):
        lo, hi = int((t - SEARCH_BEFORE) * sr), int((t + SEARCH_AFTER) * sr)
        if lo < b or hi > y.size - a:
            continue
        n = np.arange(lo, hi)
        after = (energy[n + a] - energy[n]) / a
        before = (energy[n] - energy[n - b]) / b
        rise = 10 * np.log10((after + 1e-12) / (before + 1e-12))
        rise[after < 0.1 * after.max()] = -np.inf
        best = int(np.argmax(rise))
        if rise[best] >= windows[2]:
            out[i] = offset + n[best] / sr
    return out


def complete(tracked: np.ndarray, refined: np.ndarray, sharp: np.ndarray | None = None) -> np.ndarray:
    """Every beat: its refined time, else evenly spaced between its refined neighbours up to
    ``EVEN_GAP`` beats apart (the tracked grid is quantised to the hop and pulled by syncopated
    onsets; tempo barely moves over a few beats), else the tracked time shifted as interpolated
    between its refined neighbours; beyond the first/last refined beat: the tracked time shifted like the nearest refined
    one; with none refined: the tracked time minus the tracker's lag. Beats whose attack is not
    ``sharp`` then move ``STEADY_PULL`` of the way to the midpoint of their neighbours (a soft rise
    places a beat no better than the pulse around it). Sorted, near-duplicates removed."""
    tracked = np.asarray(tracked, dtype=float)
    known = np.flatnonzero(~np.isnan(refined))
    if known.size == 0:
        return _dedupe(np.maximum(0.0, tracked - TRACKER_LAG))
    shift = np.interp(np.arange(tracked.size), known, refined[known] - tracked[known])
    out = np.where(np.isnan(refined), tracked + shift, refined)
    for a, b in zip(known, known[1:]):
        if 1 < b - a <= EVEN_GAP:
            out[a + 1:b] = refined[a] + (np.arange(1, b - a) / (b - a)) * (refined[b] - refined[a])
    if sharp is not None and out.size > 2:
        soft = np.flatnonzero(~np.asarray(sharp, dtype=bool)[1:-1]) + 1
        midpoints = (out[soft - 1] + out[soft + 1]) / 2  # of the neighbours before any moved
        out[soft] += STEADY_PULL * (midpoints - out[soft])
    return _dedupe(np.maximum(0.0, out))


def _dedupe(times: np.ndarray, min_gap: float = 0.1) -> np.ndarray:
    """Sorted times with near-duplicates (two beats refined onto one onset) removed."""
    times = np.sort(times)
    if times.size == 0:
        return times
    keep = np.concatenate([[True], np.diff(times) >= min_gap])
    return times[keep]
