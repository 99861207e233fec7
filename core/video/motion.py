"""Motion between consecutive frames: global shift by phase correlation (the camera), what is left
after undoing it (the subject).

Both work on the luma at half the analysis size (about 80x45: a quarter of the FFT work, shifts
still sub-pixel). Per frame ``i`` (against ``i - 1``; zero for the first frame): ``shift_x``,
``shift_y`` in analysis-size luma pixels, ``shift_peak`` (phase-correlation peak, 0..1: how much of the picture moved
as one), ``luma_diff`` (mean absolute luma difference, 0..255) and ``residual`` (the same after the
global shift is undone: subject motion, noise, or new content).
"""
from __future__ import annotations

import numpy as np

from .frames import Frames
from .measures import Collector


def _subpixel(r: np.ndarray, i: np.ndarray, axis_len: int, axis: int, j: np.ndarray) -> np.ndarray:
    """Parabolic refinement of integer peaks along one axis of correlation surfaces ``r`` (n, h, w)."""
    n = np.arange(len(i))
    if axis == 1:
        left, mid, right = r[n, (i - 1) % axis_len, j], r[n, i, j], r[n, (i + 1) % axis_len, j]
    else:
        left, mid, right = r[n, j, (i - 1) % axis_len], r[n, j, i], r[n, j, (i + 1) % axis_len]
    den = left - 2 * mid + right
    return np.where(np.abs(den) > 1e-9, 0.5 * (left - right) / np.where(np.abs(den) > 1e-9, den, 1.0), 0.0)


def _wrap(idx: np.ndarray, size: int) -> np.ndarray:
    return np.where(idx > size // 2, idx - size, idx)


class MotionMeasure:
    """Global shift, its strength and the motion-compensated residual for every frame."""

    def __init__(self) -> None:
        self._prev: np.ndarray | None = None  # last luma frame (float32)
        self._prev_spec: np.ndarray | None = None
        self._window: np.ndarray | None = None
        self._out = Collector("shift_x", "shift_y", "shift_peak", "luma_diff", "residual")

    def feed(self, frames: Frames) -> None:
        n, h2, w2 = frames.luma.shape
        h, w = h2 // 2, w2 // 2
        y = frames.luma[:, : 2 * h, : 2 * w].reshape(n, h, 2, w, 2).mean(axis=(2, 4), dtype=np.float32)
        if self._window is None:
            self._window = np.outer(np.hanning(h), np.hanning(w)).astype(np.float32)
        spec = np.fft.rfft2((y - y.mean(axis=(1, 2), keepdims=True)) * self._window)
        prev_y = np.concatenate([self._prev[None], y[:-1]]) if self._prev is not None else np.concatenate([y[:1], y[:-1]])
        prev_spec = np.concatenate([self._prev_spec[None], spec[:-1]]) if self._prev_spec is not None \
            else np.concatenate([spec[:1], spec[:-1]])
        cross = spec * np.conj(prev_spec)
        r = np.fft.irfft2(cross / (np.abs(cross) + 1e-6), s=(h, w))
        flat = r.reshape(n, -1).argmax(axis=1)
        iy, ix = np.unravel_index(flat, (h, w))
        peak = r.reshape(n, -1)[np.arange(n), flat]
        dy = _wrap(iy, h) + _subpixel(r, iy, h, 1, ix)
        dx = _wrap(ix, w) + _subpixel(r, ix, w, 2, iy)
        dy, dx = 2 * dy, 2 * dx  # in analysis-size pixels
        residual = np.empty(n, np.float32)
        for k in range(n):  # undo the integer shift, compare the overlap
            sy, sx = int(round(dy[k] / 2)), int(round(dx[k] / 2))
            a = y[k, max(0, sy): h + min(0, sy), max(0, sx): w + min(0, sx)]
            b = prev_y[k, max(0, -sy): h + min(0, -sy), max(0, -sx): w + min(0, -sx)]
            residual[k] = np.abs(a - b).mean() if a.size else 0.0
        diff = np.abs(y - prev_y).mean(axis=(1, 2))
        if self._prev is None:  # the clip's first frame has nothing before it
            dx[0] = dy[0] = peak[0] = residual[0] = diff[0] = 0.0
        self._out.add(shift_x=dx, shift_y=dy, shift_peak=peak, luma_diff=diff, residual=residual)
        self._prev, self._prev_spec = y[-1], spec[-1]

    def finish(self) -> dict[str, np.ndarray]:
        return self._out.arrays()
