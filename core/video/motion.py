"""Motion between consecutive frames: global shift by phase correlation of the luma's row and column
profiles (the camera), and what is left after undoing it (the subject).

Correlating the two 1-D projections instead of the whole picture costs a few hundred samples per
frame instead of a 2-D FFT, and finds the same shift for pans, tilts and handheld shake.
Per frame ``i`` (against ``i - 1``; zero for the first frame): ``shift_x``, ``shift_y`` in
analysis-size pixels (sub-pixel), ``shift_peak`` (the weaker of the two correlation peaks, 0..1:
how much of the picture moved as one), ``luma_diff`` (mean absolute luma difference, 0..255) and
``residual`` (the same after the global shift is undone: subject motion, noise, or new content).
"""
from __future__ import annotations

import numpy as np

from .frames import Frames
from .measures import Collector


def _shifts(profiles: np.ndarray, previous: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sub-pixel shift of each profile (n, L) against the one before it, and the correlation peak."""
    n, length = profiles.shape
    window = np.hanning(length).astype(np.float32)
    spec = np.fft.rfft((profiles - profiles.mean(1, keepdims=True)) * window)
    prev = np.fft.rfft((previous - previous.mean(1, keepdims=True)) * window)
    cross = spec * np.conj(prev)
    r = np.fft.irfft(cross / (np.abs(cross) + 1e-6), n=length)
    i = r.argmax(axis=1)
    rows = np.arange(n)
    left, mid, right = r[rows, (i - 1) % length], r[rows, i], r[rows, (i + 1) % length]
    den = left - 2 * mid + right
    frac = np.where(np.abs(den) > 1e-9, 0.5 * (left - right) / np.where(np.abs(den) > 1e-9, den, 1.0), 0.0)
    return np.where(i > length // 2, i - length, i) + np.clip(frac, -0.5, 0.5), mid


def _profiles(luma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column and row means of each frame (n, w) and (n, h), float32, summed in integers."""
    _, h, w = luma.shape
    return (luma.sum(axis=1, dtype=np.uint32).astype(np.float32) / h,
            luma.sum(axis=2, dtype=np.uint32).astype(np.float32) / w)


def _mean_abs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mean absolute difference per frame of two int16 stacks (exact integer sums, float32 result)."""
    n = a.shape[0]
    return np.abs(a - b).reshape(n, -1).sum(axis=1, dtype=np.int32).astype(np.float32) / (a.size // max(1, n))


class MotionMeasure:
    """Global shift, its strength and the motion-compensated residual for every frame."""

    def __init__(self) -> None:
        self._prev: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # last frame: luma (int16), profiles
        self._out = Collector("shift_x", "shift_y", "shift_peak", "luma_diff", "residual")

    def feed(self, frames: Frames) -> None:
        y = frames.luma.astype(np.int16)
        n, h, w = y.shape
        cols, rows = _profiles(frames.luma)
        last = (y[0], cols[0], rows[0]) if self._prev is None else self._prev
        prev_y, prev_cols, prev_rows = (np.concatenate([p[None], v[:-1]]) for p, v in zip(last, (y, cols, rows)))
        dx, peak_x = _shifts(cols, prev_cols)
        dy, peak_y = _shifts(rows, prev_rows)
        diff = _mean_abs(y, prev_y)
        residual = diff.copy()
        shifts = np.stack([np.round(dy), np.round(dx)], axis=1).astype(int)
        for sy, sx in {tuple(s) for s in shifts if s.any()}:  # undo each integer shift, compare the overlap
            k = np.flatnonzero((shifts[:, 0] == sy) & (shifts[:, 1] == sx))
            a = y[k, max(0, sy): h + min(0, sy), max(0, sx): w + min(0, sx)]
            b = prev_y[k, max(0, -sy): h + min(0, -sy), max(0, -sx): w + min(0, -sx)]
            residual[k] = _mean_abs(a, b) if a.size else 0.0
        peak = np.minimum(peak_x, peak_y)
        if self._prev is None:  # the clip's first frame has nothing before it
            dx[0] = dy[0] = peak[0] = residual[0] = diff[0] = 0.0
        self._out.add(shift_x=dx, shift_y=dy, shift_peak=peak, luma_diff=diff, residual=residual)
        self._prev = (y[-1], cols[-1], rows[-1])

    def finish(self) -> dict[str, np.ndarray]:
        return self._out.arrays()
