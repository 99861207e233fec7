"""Content change between frames: small colour signatures compared at several distances in time.

Per frame ``i``: ``diff_k`` = mean absolute signature difference to frame ``i - k`` (k = 1..6; the
hard-cut and flash evidence), and for each gradual scale ``H`` (frames, :func:`gradual_scales`): ``span_H`` = difference between
frames ``i - H`` and ``i + H`` and ``blend_H`` = how far frame ``i`` is from the best mix of those
two (0 = an exact dissolve or fade, ~1 = unrelated), the gradual-transition evidence.
"""
from __future__ import annotations

import numpy as np

from .frames import Frames
from .measures import Collector

#: Signature width in blocks (luma; chroma is half of that each way).
SIGNATURE_WIDTH = 32
#: Frame distances of ``diff_k``.
LAGS = (1, 2, 3, 4, 5, 6)
#: Half-widths (seconds) of the gradual-transition comparisons: short and long dissolves and fades.
GRADUAL_SECONDS = (0.16, 0.4)
#: Video-range black (luma) and neutral chroma: subtracted so a fade to black mixes towards zero.
_ZERO = (16.0, 128.0)


def _blocks(planes: np.ndarray, k: int) -> np.ndarray:
    """Mean over k x k blocks of the last two axes (cropped to whole blocks), flattened per frame.
    Rows are summed first, then columns, in integers (four times faster than one float mean)."""
    n, h, w = planes.shape[0], planes.shape[-2] // k, planes.shape[-1] // k
    x = planes[..., : h * k, : w * k].reshape(*planes.shape[:-2], h, k, w * k).sum(axis=-2, dtype=np.uint32)
    x = x.reshape(*x.shape[:-1], w, k).sum(axis=-1, dtype=np.uint32)
    return x.reshape(n, -1).astype(np.float32) * np.float32(1 / (k * k))


def signatures(frames: Frames) -> np.ndarray:
    """(n, d) float32 signatures: block means of luma and both chroma planes, black at zero."""
    k = max(1, frames.luma.shape[2] // SIGNATURE_WIDTH)
    luma = _blocks(frames.luma, k) - _ZERO[0]
    chroma = _blocks(frames.chroma, max(1, k // 2) if k > 1 else 1) - _ZERO[1]
    return np.concatenate([luma, chroma], axis=1)


def gradual_scales(fps: float) -> tuple[int, ...]:
    """Half-widths in frames of the gradual-transition comparisons at ``fps``."""
    short = max(3, round(GRADUAL_SECONDS[0] * fps))
    return short, max(short + 2, round(GRADUAL_SECONDS[1] * fps))


def _mad(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs(a - b).mean(axis=1)


def _blend_residual(a: np.ndarray, m: np.ndarray, b: np.ndarray) -> np.ndarray:
    """RMS distance of each ``m`` from its least-squares mix ``x a + y b`` (0 <= x, y, x + y <= 1.2),
    relative to the RMS distance between ``a`` and ``b``."""
    aa, bb, ab = (a * a).sum(1), (b * b).sum(1), (a * b).sum(1)
    am, bm = (a * m).sum(1), (b * m).sum(1)
    det = aa * bb - ab * ab
    safe = np.where(np.abs(det) > 1e-6, det, 1.0)
    x = np.where(np.abs(det) > 1e-6, (am * bb - bm * ab) / safe, 0.5)
    y = np.where(np.abs(det) > 1e-6, (bm * aa - am * ab) / safe, 0.5)
    residual = np.sqrt(((m - x[:, None] * a - y[:, None] * b) ** 2).mean(1))
    spread = np.sqrt(((a - b) ** 2).mean(1)) + 1e-3
    ratio = residual / spread
    mixes = (x > -0.1) & (y > -0.1) & (x + y < 1.2)
    return np.where(mixes, np.minimum(ratio, 1.0), 1.0)


class ChangeMeasure:
    """Signature differences (hard cuts, flashes) and mix tests (dissolves, fades) per frame."""

    def __init__(self, fps: float) -> None:
        self._scales = gradual_scales(fps)
        self._keep = 2 * max(self._scales)
        self._tail = np.zeros((0, 0), np.float32)
        self._seen = 0
        names = [f"diff_{k}" for k in LAGS] + [f"{p}_{h}" for h in self._scales for p in ("span", "blend")]
        self._out = Collector(*names)

    def feed(self, frames: Frames) -> None:
        sig = signatures(frames)
        stack = np.concatenate([self._tail, sig]) if len(self._tail) else sig
        t, n = len(stack) - len(sig), len(sig)
        for k in LAGS:  # frame i of the block against frame i - k (NaN before the first frame)
            d = np.full(n, np.nan, np.float32)
            lo = max(0, k - t)
            if lo < n:
                d[lo:] = _mad(stack[t + lo:], stack[t + lo - k: t + n - k])
            self._out.add(**{f"diff_{k}": d})
        for h in self._scales:  # centre c = i - h, valid once frame c - h exists
            first_c = max(self._seen - h, h)  # centres not yet computed, in clip frames
            last_c = self._seen + n - h  # exclusive
            base = self._seen - t  # clip frame of stack[0]
            if last_c > first_c:
                c = np.arange(first_c, last_c) - base
                a, m, b = stack[c - h], stack[c], stack[c + h]
                self._out.add(**{f"span_{h}": _mad(a, b), f"blend_{h}": _blend_residual(a, m, b)})
        self._tail = stack[-self._keep:]
        self._seen += n

    def finish(self) -> dict[str, np.ndarray]:
        out = self._out.arrays()
        n = self._seen
        for h in self._scales:  # centres without both neighbours: no evidence
            for p, fill in (("span", 0.0), ("blend", 1.0)):
                v = out[f"{p}_{h}"]
                full = np.full(n, fill, np.float32)
                full[h: h + len(v)] = v[: max(0, n - h)]
                out[f"{p}_{h}"] = full
        return out
