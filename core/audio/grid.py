"""The beat grid by dynamic programming along a tempo curve (Ellis 2007, as in librosa's ``beat_track``),
and the Viterbi path that tempo and bar starts follow.

Each frame's best predecessor beat lies half to two beat periods back; the score rewards onset
strength at beats and penalises gaps that stray from the local period. Plain numpy: loading
librosa's numba-compiled tracker costs more time than tracking a whole song.
"""
from __future__ import annotations

import numpy as np

TIGHTNESS = 100.0  # weight of the log-gap penalty (librosa's default)


def dp_beats(envelope: np.ndarray, period: np.ndarray, tightness: float = TIGHTNESS) -> np.ndarray:
    """Beat frames through ``envelope`` (onset strength per frame), ``period`` frames per beat at
    each frame; empty when the envelope is flat."""
    n = envelope.size
    if n < 3 or not np.any(envelope > 0):
        return np.zeros(0, dtype=int)
    periods = np.maximum(np.round(np.broadcast_to(period, (n,))).astype(int), 2)
    local = _local_score(envelope / (envelope.std(ddof=1) + 1e-12), int(np.median(periods)))
    cum, back = np.empty(n), np.full(n, -1)
    penalties: dict[int, np.ndarray] = {}
    started, threshold = False, 0.01 * local.max()
    for i in range(n):
        p = int(periods[i])
        if p not in penalties:
            gaps = np.arange(1, 2 * p + 1)
            penalties[p] = np.concatenate([[np.inf], tightness * (np.log(gaps) - np.log(p)) ** 2])
        nearest, farthest = i - int(np.round(p / 2)), max(i - 2 * p, 0)
        best = -1
        if nearest >= 0:
            options = cum[farthest:nearest + 1] - penalties[p][i - nearest:i - farthest + 1][::-1]
            k = len(options) - 1 - int(np.argmax(options[::-1]))  # ties go to the nearest beat
            best, cum[i] = farthest + k, local[i] + options[k]
        else:
            cum[i] = local[i]
        if started or local[i] >= threshold:
            back[i], started = best, True
    return _backtrack(back, _last_beat(cum))


def _local_score(envelope: np.ndarray, period: int) -> np.ndarray:
    """The envelope smoothed by a Gaussian 1/32 of a beat wide."""
    x = np.arange(-period, period + 1)
    return np.convolve(envelope, np.exp(-0.5 * (x * 32.0 / period) ** 2), mode="same")


def _last_beat(cum: np.ndarray) -> int:
    """The last local maximum of the cumulative score above half the median of all local maxima."""
    padded = np.concatenate([cum[:1], cum, cum[-1:]])
    peaks = np.flatnonzero((cum > padded[:-2]) & (cum >= padded[2:]))
    if peaks.size == 0:
        return cum.size - 1
    strong = peaks[cum[peaks] >= 0.5 * np.median(cum[peaks])]
    return int(strong[-1]) if strong.size else int(peaks[-1])


def _backtrack(back: np.ndarray, last: int) -> np.ndarray:
    frames = []
    while last >= 0:
        frames.append(last)
        last = int(back[last])
    return np.asarray(frames[::-1], dtype=int)


def viterbi(log_like: np.ndarray, log_transition: np.ndarray) -> np.ndarray:
    """Most likely state per column of ``log_like`` (states x steps), uniform start."""
    states, steps = log_like.shape
    back = np.zeros((steps, states), dtype=np.intp)
    score = log_like[:, 0].copy()
    for t in range(1, steps):
        options = score[:, None] + log_transition  # from-state x to-state
        back[t] = np.argmax(options, axis=0)
        score = options[back[t], np.arange(states)] + log_like[:, t]
    path = np.empty(steps, dtype=np.intp)
    path[-1] = int(np.argmax(score))
    for t in range(steps - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path
