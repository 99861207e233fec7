"""Per-frame marks (black, frozen, flash) and per-shot scores from the measures' features.

Scores are absolute (the same file scores the same in any folder), 0..1 where named so:
``sharpness`` from the Laplacian variance, ``exposure`` from the mean level and clipped pixels,
``motion`` from camera speed (frame widths per second) and the motion-compensated residual,
``shake`` from the jitter of the camera path around its smoothed course.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..intervals import frame_runs
from ..model import Shot
from .shots import rolling

#: Laplacian variance (analysis-size luma) at which sharpness reaches 1 - 1/e.
SHARPNESS_SCALE = 60.0
#: A black frame: at least this fraction of pixels below the dark level.
BLACK_FRACTION = 0.98
#: A flash: mean luma this far above the frames around it, for at most FLASH_FRAMES frames.
FLASH_RISE = 40.0
FLASH_FRAMES = 6
#: A frozen frame differs from the previous one by less than this (mean luma, 0..255)...
FROZEN_DIFF = 0.02
#: ...for at least this long (seconds).
FROZEN_SECONDS = 0.5
#: Camera speed (widths/s), residual (0..255) and jitter (widths/s) at which their scores reach 1 - 1/e.
CAMERA_SCALE = 0.25
RESIDUAL_SCALE = 8.0
SHAKE_SCALE = 0.15
#: Phase-correlation peak below which a frame's global shift is noise, not camera motion.
MIN_SHIFT_PEAK = 0.3
#: Length (seconds) of the best window for a short cut.
WINDOW_SECONDS = 1.5


def _saturate(x: np.ndarray | float, scale: float) -> np.ndarray:
    return 1.0 - np.exp(-np.asarray(x, dtype=np.float64) / scale)


def marks(f: dict[str, np.ndarray], fps: Fraction) -> dict[str, np.ndarray]:
    """Boolean per-frame marks: ``black``, ``flash`` and ``frozen`` frames."""
    black = f["dark"] >= BLACK_FRACTION
    level = f["luma_mean"]
    around = rolling(level, FLASH_FRAMES, np.median)
    flash = np.zeros(len(level), bool)
    for a, b in frame_runs(level > around + FLASH_RISE):
        if b - a <= FLASH_FRAMES:
            flash[a:b] = True
    still = f["luma_diff"] < FROZEN_DIFF
    still[:1] = still[1:2] if len(still) > 1 else still[:1]
    frozen = np.zeros(len(level), bool)
    for a, b in frame_runs(still):
        if b - a >= max(3, FROZEN_SECONDS * float(fps)):
            frozen[a:b] = True
    return {"black": black, "flash": flash, "frozen": frozen & ~black}


def frame_scores(f: dict[str, np.ndarray], m: dict[str, np.ndarray], fps: Fraction,
                 width: int) -> dict[str, np.ndarray]:
    """Per-frame ``sharpness``, ``exposure``, ``good`` (both, 0 on black/flash frames), ``camera``
    (widths/s), ``motion`` (0..1) and ``jitter`` (widths/s)."""
    rate = float(fps)
    sharp = _saturate(f["sharpness"], SHARPNESS_SCALE)
    level = f["luma_mean"]
    exposure = np.clip((level - 25) / 35, 0, 1) * np.clip((235 - level) / 45, 0, 1) \
        * (1 - np.clip((f["dark"] - 0.6) / 0.35, 0, 1)) * (1 - np.clip((f["bright"] - 0.3) / 0.4, 0, 1))
    good = sharp * exposure * ~(m["black"] | m["flash"])
    steady = (f["shift_peak"] >= MIN_SHIFT_PEAK) / width * rate
    dx, dy = f["shift_x"] * steady, f["shift_y"] * steady
    camera = np.hypot(dx, dy)
    smooth = max(1, int(round(rate / 6)))
    jitter = np.hypot(dx - rolling(dx, smooth, np.mean), dy - rolling(dy, smooth, np.mean))
    motion = 1 - np.exp(-(camera / CAMERA_SCALE + f["residual"] / RESIDUAL_SCALE))
    return {"sharpness": sharp, "exposure": exposure, "good": good, "camera": camera, "motion": motion,
            "jitter": jitter}


def _best_window(score: np.ndarray, length: int) -> int:
    """Offset of the ``length``-frame window with the highest mean ``score``."""
    sums = np.convolve(score, np.ones(length), mode="valid")
    return int(np.argmax(sums >= sums.max() - 1e-9))


def score_shot(start: int, end: int, s: dict[str, np.ndarray], m: dict[str, np.ndarray], f: dict[str, np.ndarray],
               fps: Fraction) -> Shot:
    """The :class:`Shot` ``[start, end)`` with its scores, thumbnail and best windows."""
    part = slice(start, end)
    seen = ~(m["black"][part] | m["flash"][part])
    pick = (lambda x: x[part][seen]) if seen.any() else (lambda x: x[part])
    sharpness = float(np.median(pick(s["sharpness"])))
    exposure = float(np.median(pick(s["exposure"])))
    black, frozen = float(m["black"][part].mean()), float(m["frozen"][part].mean())
    shake = float(_saturate(np.median(s["jitter"][part]), SHAKE_SCALE))
    quality = sharpness ** 0.7 * exposure * (1 - black) * (1 - 0.6 * frozen) * (1 - 0.3 * shake)
    good, motion = s["good"][part], s["motion"][part]
    middle = np.abs(np.arange(end - start) - (end - start - 1) / 2) / max(1, end - start)
    thumbnail = start + int(np.argmax(good - 0.2 * middle))
    length = max(1, min(end - start, int(round(WINDOW_SECONDS * float(fps)))))
    calm = _best_window(good * (1 - 0.5 * _saturate(s["jitter"][part], SHAKE_SCALE)) * (1 - 0.5 * motion), length)
    active = _best_window(good * (0.2 + motion), length)
    return Shot(start, end, motion=float(np.mean(motion)), quality=float(quality),
                camera_motion=float(np.median(s["camera"][part])),
                subject_motion=float(_saturate(np.median(f["residual"][part]), RESIDUAL_SCALE)), shake=shake,
                sharpness=sharpness, exposure=exposure, black=black, frozen=frozen,
                flashes=int(m["flash"][part].sum()), thumbnail=thumbnail,
                window=(start + calm, start + calm + length), active_window=(start + active, start + active + length))
