"""Where the subject is in each sampled frame of a clip: the track reframing follows.

One cheap decode per clip: ``SAMPLE_FPS`` frames a second, grey, about ``SAMPLE_WIDTH`` pixels wide,
in the displayed orientation (ffmpeg applies rotation), through the hardware decoder footage analysis
uses when it passed its test, skipping the loop filter and frames nothing refers to (B-frames: a
sample lands a frame or two off, nothing at 4 samples a second). Per sample, the first of these that finds
something gives the subject's centre:

1. faces: OpenCV's bundled frontal-face Haar cascade (``cv2.data``; the weights ship inside the
   opencv-python-headless wheel, Apache-2.0); the faces' centre weighted by their area;
2. motion: the part of the picture that changed since the previous sample more than the frame's
   own noise (the frame's median change is removed, so a camera pan does not count), weighted centroid;
3. the composition's centre of interest: the weighted centroid of a spectral-residual saliency map
   (Hou & Zhang 2007), pulled a little toward the middle.

Centres are fractions of the displayed width and height (0..1). The track is cached beside the
footage analysis (same cache folder and file identity, its own version); :func:`subject_tracks`
runs the missing ones on the task executor.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from .. import ffmpeg_cmd, tasks
from ..cache import read_json, write_json
from ..cluster import Failed, PathMap, run_mapped, worker_paths
from ..decoders import decode_args as hardware_decode_args
from . import cache

#: Samples per second: a subject crossing the frame in 2 s is still seen 8 times.
SAMPLE_FPS = 4
#: Width of a sampled frame (height follows the displayed aspect); faces from ~1/13 of the width up.
SAMPLE_WIDTH = 320
#: Bump when the track for the same file would change.
SUBJECT_VERSION = 1
#: What found the subject in a sample.
FACE, MOTION, CENTRE = "face", "motion", "centre"


@dataclass(frozen=True)
class SubjectTrack:
    """``times`` (s from the clip's first frame) with the subject's centre ``x``, ``y`` (fractions of
    the displayed frame) and what found it (``kinds``: face, motion, centre)."""

    times: tuple[float, ...]
    x: tuple[float, ...]
    y: tuple[float, ...]
    kinds: tuple[str, ...]

    def as_json(self) -> dict:
        return {"times": list(self.times), "x": list(self.x), "y": list(self.y), "kinds": list(self.kinds)}

    @classmethod
    def from_json(cls, data: dict) -> SubjectTrack:
        return cls(*(tuple(data[k]) for k in ("times", "x", "y", "kinds")))


def _face_detector():
    import cv2
    return cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")


def _faces(detector, frame: np.ndarray) -> tuple[float, float] | None:
    h, w = frame.shape
    found = detector.detectMultiScale(frame, scaleFactor=1.15, minNeighbors=5, minSize=(max(12, w // 14),) * 2)
    if len(found) == 0:
        return None
    boxes = np.asarray(found, float)
    area = boxes[:, 2] * boxes[:, 3]
    cx = boxes[:, 0] + boxes[:, 2] / 2
    cy = boxes[:, 1] + boxes[:, 3] / 2
    return float(np.average(cx, weights=area) / w), float(np.average(cy, weights=area) / h)


def _blur(frame: np.ndarray) -> np.ndarray:
    import cv2
    return cv2.GaussianBlur(frame.astype(np.float32), (0, 0), 2.0)


def _motion(previous: np.ndarray | None, frame: np.ndarray) -> tuple[float, float] | None:
    """Centroid of the change since the previous sample, above the frame's median change plus a margin."""
    if previous is None:
        return None
    diff = np.abs(frame - previous)
    excess = np.clip(diff - np.median(diff) - 12.0, 0, None)
    if np.count_nonzero(excess) < 0.002 * excess.size:
        return None
    h, w = excess.shape
    total = excess.sum()
    return (float((excess.sum(axis=0) * np.arange(w)).sum() / total / w),
            float((excess.sum(axis=1) * np.arange(h)).sum() / total / h))


def _centre_of_interest(frame: np.ndarray) -> tuple[float, float]:
    """Spectral-residual saliency at 64 px, top 5 % as weights; the centroid moved 10 % toward the middle."""
    import cv2
    small = cv2.resize(frame, (64, 64), interpolation=cv2.INTER_AREA)
    spectrum = np.fft.fft2(small)
    log_amp = np.log1p(np.abs(spectrum))
    residual = log_amp - cv2.blur(log_amp, (3, 3))
    sal = np.abs(np.fft.ifft2(np.exp(residual + 1j * np.angle(spectrum)))) ** 2
    sal = cv2.GaussianBlur(sal, (0, 0), 2.5)
    weights = np.clip(sal - np.quantile(sal, 0.95), 0, None)
    if weights.sum() <= 0:
        return 0.5, 0.5
    grid = (np.arange(64) + 0.5) / 64
    cx = float((weights.sum(axis=0) * grid).sum() / weights.sum())
    cy = float((weights.sum(axis=1) * grid).sum() / weights.sum())
    return 0.5 + 0.9 * (cx - 0.5), 0.5 + 0.9 * (cy - 0.5)


def sample_size(path: Path) -> tuple[int, int]:
    """The sampled frames' (width, height), even, in the displayed orientation."""
    from .probe import probe_clip
    clip = probe_clip(path, [], check_end=False)
    w, h = clip.display_size
    return SAMPLE_WIDTH, max(16, 2 * round(SAMPLE_WIDTH * h / w / 2))


def track_subject(path: str | Path) -> SubjectTrack:
    """The subject's track through ``path`` (no cache); InputError when it cannot be decoded."""
    path = Path(path)
    w, h = sample_size(path)
    args = [*hardware_decode_args(), "-skip_loop_filter", "all", "-skip_frame", "noref", "-i", str(path), "-map", "0:v:0", "-an", "-sn", "-dn",
            "-vf", f"fps={SAMPLE_FPS},scale={w}:{h}:flags=area", "-pix_fmt", "gray", "-f", "rawvideo", "-"]
    detector = _face_detector()
    times, xs, ys, kinds = [], [], [], []
    previous = None
    for n, raw in enumerate(ffmpeg_cmd.stream(args, path, w * h)):
        if len(raw) < w * h:
            break
        frame = np.frombuffer(raw, np.uint8).reshape(h, w)
        smooth = _blur(frame)
        for kind, found in ((FACE, lambda: _faces(detector, frame)), (MOTION, lambda: _motion(previous, smooth)),
                            (CENTRE, lambda: _centre_of_interest(frame))):
            centre = found()
            if centre is not None:
                break
        previous = smooth
        times.append(round(n / SAMPLE_FPS, 4))
        xs.append(round(centre[0], 4))
        ys.append(round(centre[1], 4))
        kinds.append(kind)
    return SubjectTrack(tuple(times), tuple(xs), tuple(ys), tuple(kinds))


def _key(path: Path) -> str:
    return f"{cache.identity_key(path)}-subject{SUBJECT_VERSION}"


def _load(key: str) -> SubjectTrack | None:
    try:
        return SubjectTrack.from_json(read_json(cache.cache_dir(), key))
    except (TypeError, KeyError, ValueError):
        return None


def subject_tracks(paths: list[Path], progress: Callable[[float], None] | None = None,
                   cancel: threading.Event | None = None, executor: Executor | None = None,
                   path_map: PathMap | None = None) -> dict[Path, SubjectTrack]:
    """The track of each of ``paths``: cached ones looked up, the rest made on ``executor`` (default:
    this machine's pool; a Dask cluster's workers see the files through ``path_map``, default the
    configured one) and stored. A file that fails gets no track (its crops stay centred)."""
    found: dict[Path, SubjectTrack] = {}
    todo: list[tuple[Path, str]] = []
    for path in dict.fromkeys(paths):
        try:
            key = _key(path)
        except OSError:
            continue
        hit = _load(key)
        if hit is not None:
            found[path] = hit
        else:
            todo.append((path, key))
    if todo:
        task = partial(run_mapped, track_subject, paths=worker_paths(executor, path_map))
        for (path, key), track in zip(todo, tasks.map_with_progress(task, [p for p, _ in todo], executor,
                                                                    progress, cancel)):
            if isinstance(track, Failed):
                continue
            write_json(cache.cache_dir(), key, track.as_json())
            found[path] = track
    if progress:
        progress(1.0)
    return found
