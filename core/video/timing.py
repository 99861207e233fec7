"""The real frame timing of a variable-rate stream, and the rate the camera meant.

Phones write variable-rate files: every frame keeps its own timestamp. A steady 30 fps phone clip
jitters around 33.3 ms; in low light it drops frames (66.7 ms gaps) or slows down altogether (a
clip delivering ~10 fps); a slow-motion clip keeps 1/120 or 1/240 s. Neither the declared
``r_frame_rate`` (the finest rate the timestamps fit, often 90000 or a guess) nor the average says
which: the interval most frames keep does. :func:`stream_timing` reads the packets' timestamps from
the container, finds that interval and snaps it to a camera rate (:data:`.timebase.CAMERA_RATES`) when
it is one; a clip that really delivers ~10.5 fps is analysed and placed at 21/2, not conformed to
a rate whose frames it never had.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from .. import ffmpeg_cmd
from ..timebase import CAMERA_RATES, Rate
from .libav import packet_rows

#: Intervals within this fraction of one another are one interval (jitter).
CLUSTER_FRACTION = 0.04
#: The median of the intervals within this fraction of the densest one is the first guess of the common interval.
BAND_FRACTION = 0.3
#: Intervals this far off a whole number of frame intervals on average over :data:`STRETCH` of them (a single
#: one of several frames twice as far) are a stretch at another rate or a pause, not steps.
OFF_STEP = 0.1
STRETCH = 8
#: Rounds of counting steps, each with the interval the last one found.
REFINE = 3
#: A common interval this close (ratio) to a camera rate's is that rate.
SNAP_FRACTION = 0.015
#: An average this close (ratio) to the common interval's rate breaks a tie between rates near it (29.97 and 30
#: differ by 0.1 %); one further off is pulled by drops, pauses or a stretch at another rate, and says nothing.
STEADY_FRACTION = 0.001
#: The slowest rate a clip is conformed to: timecode counts round(fps) frames a second, so a slower one
#: (a time-lapse with a frame every 30 s) would count none; such a clip is shown at 1 fps, frames repeated.
MIN_FPS = Fraction(1)


@dataclass(frozen=True)
class Timing:
    """What the timestamps say: ``average`` frames per second delivered (frames over duration),
    ``common`` the rate of the interval most frames keep, and the ``rate`` chosen from them."""

    average: float
    common: float
    rate: Rate


@dataclass(frozen=True)
class Packets:
    """The first video stream's timestamped packets in presentation order (one per frame shown: those an edit
    list discards, before its start or past its end, are left out): ``times``
    (seconds), ``sizes`` (bytes) and ``keys`` (a key frame: decoding can start there)."""

    times: np.ndarray
    sizes: np.ndarray
    keys: np.ndarray


def packets(path: Path) -> Packets:
    """The :class:`Packets` of ``path``, read from the container (nothing is decoded): in this process
    (:mod:`.libav`), else by ffprobe."""
    read = packet_rows(path)
    if read is not None:
        base, rows = read
    else:
        info = ffmpeg_cmd.probe(path, select_streams="v:0", show_entries="packet=pts,size,flags:stream=time_base")
        base = Fraction(next((s.get("time_base") for s in info.get("streams", []) if s.get("time_base")), "1/1000"))
        rows = [(int(p["pts"]), int(p.get("size") or 0), "K" in str(p.get("flags", "")))
                for p in info.get("packets", []) if str(p.get("pts", "")).lstrip("-").isdigit()
                and "D" not in str(p.get("flags", ""))]
    table = np.asarray(sorted(rows), np.int64).reshape(-1, 3)
    return Packets(table[:, 0].astype(np.float64) * float(base), table[:, 1], table[:, 2].astype(bool))


def frame_times(path: Path) -> np.ndarray:
    """Sorted presentation times (seconds) of the first video stream's packets."""
    return packets(path).times


def common_interval(intervals: np.ndarray) -> float:
    """The frame interval most of ``intervals`` (in stream order) keep. Its rough size is the densest spot
    (most intervals within :data:`CLUSTER_FRACTION`), the median of the intervals within :data:`BAND_FRACTION`
    of it (a shorter stretch at another rate inside the band does not move it); then, over a few rounds, each
    interval counts as the whole number of steps it spans (a dropped frame makes one interval two; one under
    half of it is an extra frame, not counted) and the time they cover over that count is the interval: jitter
    of the timestamps cancels out, drops do not bias it. Not counted either: a gap that is not near a whole
    number of frames (a pause at the start of a slow-motion clip, 9.8 frames) and a stretch at another rate (a
    phone's motion photo ending at 24 fps in a 30 fps clip), seen as intervals :data:`OFF_STEP` or more off
    their whole number on average over :data:`STRETCH` intervals, where jitter cancels."""
    d = intervals[intervals > 0]
    if len(d) == 0:
        return 0.0
    s = np.sort(d)
    counts = np.searchsorted(s, s * (1 + CLUSTER_FRACTION), "right") - np.searchsorted(s, s * (1 - CLUSTER_FRACTION))
    centre = float(s[int(np.argmax(counts))])
    centre = float(np.median(s[np.abs(s - centre) <= BAND_FRACTION * centre]))
    window = np.ones(min(STRETCH, len(d)))
    for _ in range(REFINE):  # each round's interval is the next round's step: a first one off by jitter settles
        steps = np.round(d / centre)
        off = np.where(steps >= 1, d / centre - steps, 0.0)
        drift = np.convolve(off, window, "same") / np.convolve(np.ones(len(d)), window, "same")
        whole = (steps >= 1) & (np.abs(drift) < OFF_STEP) & ((steps == 1) | (np.abs(off) < 2 * OFF_STEP))
        if not whole.any():
            whole = steps >= 1
        centre = float(d[whole].sum() / steps[whole].sum())
    return centre


def chosen_rate(common: float, average: float, declared: Fraction | None) -> Rate:
    """The camera rate of a ``common`` interval's rate: of the camera rates within
    :data:`SNAP_FRACTION`, the ``declared`` one, else the one nearest the ``average`` when that is
    steady (within :data:`STEADY_FRACTION` of ``common``), else the nearest to ``common``.
    A rate no camera uses (a slowed low-light clip) is kept as measured, to 1/10 fps, and at least
    :data:`MIN_FPS`."""
    near = [r for r in CAMERA_RATES if abs(np.log(float(r.fps) / common)) <= SNAP_FRACTION]
    if not near:
        return Rate(max(MIN_FPS, Fraction(round(common * 10), 10)))
    if declared is not None and Rate(declared) in near:
        return Rate(declared)
    steady = abs(np.log(average / common)) <= STEADY_FRACTION
    target = average if steady else common
    return min(near, key=lambda r: abs(np.log(float(r.fps) / target)))


def stream_timing(path: Path, duration: float, declared: Fraction | None) -> Timing | None:
    """The :class:`Timing` of ``path``'s first video stream lasting ``duration`` seconds; None when
    it has fewer than two timestamped frames."""
    times = frame_times(path)
    common = common_interval(np.diff(times)) if len(times) > 1 else 0.0
    if common <= 0:
        return None
    span = duration if duration > 0 else float(times[-1] - times[0]) + common
    average = len(times) / span
    return Timing(average, 1 / common, chosen_rate(1 / common, average, declared))
