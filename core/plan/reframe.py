"""Reframing: the same plan in another aspect, each cut's crop window following its subject.

Pure functions of the plan and the subject tracks (:mod:`montage_ai.video.subject`); nothing here
decodes. Per cut, separately (no smoothing across cuts), the window of the deliverable's shape and
the largest size the source allows moves along the axis the source has to spare:

- the target is the subject's centre ``LEAD_SECONDS`` ahead (a median over ``MEDIAN_SAMPLES``
  samples removes detector jitter), the window clamped inside the source;
- the window holds while the target stays within ``DEAD_ZONE`` of where it looks, and otherwise
  eases toward it: speed at most ``MAX_SPEED`` window widths (or heights) per second, changing by at
  most ``MAX_ACCEL`` per second squared, so moves start and stop smoothly;
- keys every ``KEY_SECONDS`` (a held stretch keeps only its ends), linear between them.

``MAX_SPEED`` = 0.5 windows per second: the picture moves by at most half its own width in a second,
2 % of its width per frame at 24 fps (21 px a frame on a 1080-wide 9:16 picture), about the speed
of a slow follow pan (a subject takes two seconds to cross the picture); faster reframes read as a
whip pan and judder at 24-30 fps. It keeps a subject crossing a 16:9 shot in 6.5 s or more inside a
9:16 window. ``MAX_ACCEL`` = 1.5 windows/s^2 reaches full speed in a third of a second.
"""
from __future__ import annotations

import math
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import numpy as np

from ..model import Aspect, Clip, Crop, Cut, Plan
from ..video.subject import SubjectTrack

MAX_SPEED = 0.5
MAX_ACCEL = 1.5
DEAD_ZONE = 0.08
LEAD_SECONDS = 0.4
MEDIAN_SAMPLES = 3
KEY_SECONDS = 0.25
#: Follow gain (1/s): the speed asked for is the distance to the target times this, up to MAX_SPEED.
GAIN = 2.5
#: Shapes within this fraction of each other are the same (a 1920x1080 clip in a 16:9 deliverable).
SAME_SHAPE = 0.01


def frame_size(width: int, height: int, aspect: Aspect) -> tuple[int, int]:
    """The deliverable's frame size for ``aspect`` from the plan's ``width`` x ``height``: the plan's
    own size when it has that shape, else the plan's shorter side kept (1920x1080 -> 1080x1920 for
    9:16, 1080x1080 for 1:1, 1080x1350 for 4:5), both even."""
    if same_shape(Fraction(width, height), aspect.ratio):
        return width, height
    short = min(width, height)
    if aspect.width >= aspect.height:
        return 2 * round(short * aspect.ratio / 2), short
    return short, 2 * round(short / aspect.ratio / 2)


def same_shape(a: Fraction, b: Fraction) -> bool:
    return abs(float(a / b) - 1) < SAME_SHAPE


def crop_size(clip: Clip, aspect: Aspect) -> tuple[float, float] | None:
    """The largest window of ``aspect``'s shape inside ``clip``'s displayed frame; None when the clip
    has that shape already (a portrait clip in a 9:16 deliverable is used whole, never cropped twice)."""
    w, h = clip.display_size
    if same_shape(Fraction(w, h), aspect.ratio):
        return None
    if Fraction(w, h) > aspect.ratio:
        return float(h * aspect.ratio), float(h)
    return float(w), float(w / aspect.ratio)


def _targets(track: SubjectTrack | None, times: np.ndarray, size: tuple[int, int], first: float,
             last: float) -> tuple[np.ndarray, np.ndarray]:
    """Subject centre (source pixels) at ``times`` from the track's samples inside ``[first, last]``
    (the cut's own source range: nothing from the shots around it), median-filtered; the middle of
    the frame without a track."""
    w, h = size
    if track is None or not track.times:
        return np.full(len(times), w / 2), np.full(len(times), h / 2)
    t = np.asarray(track.times)
    inside = (t >= first - 1e-6) & (t <= last + 1e-6)
    if not inside.any():
        inside = np.zeros(len(t), bool)
        inside[int(np.argmin(np.abs(t - (first + last) / 2)))] = True
    t = t[inside]
    xs, ys = (np.asarray(v)[inside] for v in (track.x, track.y))
    if len(t) >= MEDIAN_SAMPLES:
        pad = MEDIAN_SAMPLES // 2
        xs, ys = (np.median(np.lib.stride_tricks.sliding_window_view(np.pad(v, pad, mode="edge"), MEDIAN_SAMPLES),
                            axis=1) for v in (xs, ys))
    return np.interp(times, t, xs) * w, np.interp(times, t, ys) * h


def follow(target: np.ndarray, extent: float, room: float, fps: float) -> np.ndarray:
    """The window's position per frame following ``target`` (its wanted position, already clamped to
    ``[0, room]``) for a window ``extent`` pixels long on this axis: hold inside the dead zone, else
    ease toward the target, speed and acceleration bounded (see the module doc), never outside."""
    if room <= 0:
        return np.zeros(len(target))
    vmax, amax, dead = MAX_SPEED * extent, MAX_ACCEL * extent, DEAD_ZONE * extent
    pos = np.empty(len(target))
    p, v, holding = float(target[0]), 0.0, True
    for k, goal in enumerate(target):
        error = goal - p
        if holding and abs(error) > dead:
            holding = False
        wanted = 0.0 if holding else max(-vmax, min(vmax, GAIN * error))
        # stopping distance at amax: slow down in time to arrive without overshoot
        brake = math.sqrt(2 * amax * abs(error)) if not holding else 0.0
        wanted = max(-brake, min(brake, wanted))
        v += max(-amax / fps, min(amax / fps, wanted - v))
        p = min(room, max(0.0, p + v / fps))
        if p in (0.0, room):
            v = 0.0
        if not holding and abs(goal - p) < dead / 4 and abs(v) < 0.05 * vmax:
            holding = True
        pos[k] = p
    return pos


def _keys(xs: np.ndarray, ys: np.ndarray, step: int) -> tuple[tuple[int, float, float], ...]:
    """Keys every ``step`` frames and on the last frame; inside a held stretch only its ends."""
    n = len(xs)
    frames = sorted({*range(0, n, step), n - 1})
    keys = [(f, round(float(xs[f]), 2), round(float(ys[f]), 2)) for f in frames]
    kept = [keys[0]]
    for prev, key, nxt in zip(keys, keys[1:], keys[2:]):
        if not (prev[1:] == key[1:] == nxt[1:]):
            kept.append(key)
    if len(keys) > 1:
        kept.append(keys[-1])
    return tuple(kept)


def cut_crop(cut: Cut, plan_fps: Fraction, aspect: Aspect, track: SubjectTrack | None) -> Crop | None:
    """The crop of one cut for ``aspect`` (None when its clip has the aspect's shape)."""
    size = crop_size(cut.clip, aspect)
    if size is None:
        return None
    cw, ch = size
    src_w, src_h = cut.clip.display_size
    fps = float(plan_fps)
    n = cut.record_frames
    start = float(cut.clip.rate.seconds(cut.source_in))
    times = start + np.arange(n) / fps
    end = float(cut.clip.rate.seconds(max(cut.source_in, cut.source_out - 1)))
    cx, cy = _targets(track, np.minimum(times + LEAD_SECONDS, end), (src_w, src_h), start, end)
    xs = follow(np.clip(cx - cw / 2, 0, src_w - cw), cw, src_w - cw, fps)
    ys = follow(np.clip(cy - ch / 2, 0, src_h - ch), ch, src_h - ch, fps)
    return Crop(round(cw, 2), round(ch, 2), _keys(xs, ys, max(1, round(KEY_SECONDS * fps))))


def reframe(plan: Plan, aspect: Aspect, tracks: dict[Path, SubjectTrack]) -> Plan:
    """``plan`` as a deliverable of ``aspect``: the same cuts, the frame size of :func:`frame_size`,
    each cut's crop following its subject (``tracks`` by clip path; a clip without one is cropped
    in the middle). The plan's own shape comes back without crops."""
    width, height = frame_size(plan.width, plan.height, aspect)
    if (width, height) == (plan.width, plan.height):
        return replace(plan, aspect=aspect.name, crops=())
    crops = tuple(cut_crop(c, plan.rate.fps, aspect, tracks.get(c.clip.path)) for c in plan.cuts)
    return replace(plan, width=width, height=height, aspect=aspect.name, crops=crops)


def needs_tracks(plan: Plan, aspects: tuple[Aspect, ...]) -> list[Path]:
    """The clips whose subject must be tracked to deliver ``aspects`` (those some aspect crops)."""
    crop_aspects = [a for a in aspects if frame_size(plan.width, plan.height, a) != (plan.width, plan.height)]
    return [c.path for c in plan.clips if any(crop_size(c, a) is not None for a in crop_aspects)]

