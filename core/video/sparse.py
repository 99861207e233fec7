"""Long takes fast: a cheap scan of a long-GOP file first, every frame decoded only where a boundary may be.

Decoding every frame of a 4K HEVC camera take costs far more than everything the analysis does with
the frames. A file worth it (:func:`worth_scanning`: at least :data:`MIN_PIXELS` pixels in all, key frames
:data:`MIN_GOP` frames apart or more, a constant rate) is analysed in two passes:

1. the container's packets (:func:`.timing.packets`, nothing decoded) give every frame's index, size
   and key flag; only the key frames are decoded (``-skip_frame nokey``), at analysis size, and every
   measure runs over them as one sequence;
2. a GOP (a key frame to the next) is a candidate when its two key frames do not show the same view
   (the layout and colour cues of :mod:`.verify`, :data:`SCAN_SAME_LAYOUT`), or when one of its frames is
   :data:`SIZE_RATIO` times larger than the largest frames of the GOPs around it and about as large as a
   key frame (an encoder codes the first frame after a cut anew: a cut that comes and goes inside one
   GOP). Every frame of each candidate GOP is decoded (from its key frame, so nothing is decoded twice),
   with :func:`margin` frames after it, every measure runs there, and the verified boundaries inside the
   GOP are kept (:func:`.shots.verified`): frame-exact, as from a full decode.

Per-frame features outside those windows are the last key frame's (motion features, measured between
key frames, are divided by the frames between them): scores there are estimates, and flashes and frozen
frames there are not seen. A boundary in a GOP that neither cue flags (key frames alike in layout and
colours, no frame coded anew) is missed; camera originals, which this is for, have none.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..model import Clip
from .change import gradual_scales
from .frames import read_frames
from .measures import Measure, run_measures
from .probe import stream_info
from .shots import BASELINE_FRAMES, rolling, verified
from .timing import packets
from .verify import DIFFERENT_COLOURS, NEIGHBOURS, WINDOW_SECONDS, colour_distance, layout_similarity

#: A file holding fewer pixels (width x height x frames) is decoded whole: the passes cost more than they save.
MIN_PIXELS = 2_000_000_000
#: Fewest frames between key frames, on average, for the scan to save decoding.
MIN_GOP = 12
#: Two key frames whose layouts correlate below this (at the best small shift) or whose colours differ by
#: DIFFERENT_COLOURS or more may hold a boundary between them. Lower than verification's SAME_LAYOUT: single
#: frames a GOP apart, in a moving hand-held take, correlate less than the windows verification compares.
SCAN_SAME_LAYOUT = 0.75
#: A frame this many times larger than the largest frames of the GOPs around (SIZE_GOPS either side) and at
#: least KEY_FRACTION of its GOP's key frame (mostly coded anew, as the first frame after a cut) makes its GOP
#: a candidate.
SIZE_RATIO = 3.0
SIZE_GOPS = 2
KEY_FRACTION = 0.5
#: Motion features, measured between key frames, that grow with the frames between them.
_PER_FRAME = ("shift_x", "shift_y", "luma_diff", "residual")


@dataclass(frozen=True)
class Scan:
    """Where a file's key frames are (``keys``, sorted frame indices starting with 0), its ``sizes``
    (bytes per frame, in presentation order) and ``frames`` (packets) in all."""

    keys: np.ndarray
    sizes: np.ndarray
    frames: int


def worth_scanning(clip: Clip) -> Scan | None:
    """The :class:`Scan` of ``clip`` when the two passes pay off, else None (decode every frame)."""
    if clip.variable_rate or clip.width * clip.height * clip.frames < MIN_PIXELS:
        return None
    table = packets(clip.path)
    keys = np.flatnonzero(table.keys)
    if len(keys) == 0 or len(table.sizes) < MIN_GOP * len(keys):
        return None
    file_start = float((stream_info(clip.path).get("format") or {}).get("start_time") or 0)
    if abs(table.times[0] - file_start) > 0.1 / float(clip.rate.fps):
        return None  # a window's seek counts from the file's start, its frames from the video's: read whole
    return Scan(np.union1d([0], keys), table.sizes, len(table.sizes))


def margin(fps: float) -> int:
    """Frames decoded past a candidate GOP: what the change baseline, the verification windows and the
    longest gradual transition need after its last frame."""
    return max(BASELINE_FRAMES, round(WINDOW_SECONDS * fps), 2 * max(gradual_scales(fps))) + NEIGHBOURS


def candidate_gops(key_features: dict[str, np.ndarray], scan: Scan) -> np.ndarray:
    """Indices into ``scan.keys`` of the GOPs that may hold a boundary (see the module doc)."""
    layout, colours = key_features["layout"], key_features["colours"]
    n = len(scan.keys)
    changed = np.array([layout_similarity(layout[k - 1: k], layout[k: k + 1]) < SCAN_SAME_LAYOUT
                        or colour_distance(colours[k - 1: k], colours[k: k + 1]) >= DIFFERENT_COLOURS
                        for k in range(1, n)] + [False])
    ends = np.append(scan.keys[1:], scan.frames)
    peaks = np.array([np.max(scan.sizes[a + 1: b], initial=0) for a, b in zip(scan.keys, ends)], np.float64)
    around = rolling(peaks, SIZE_GOPS, np.median) if n > 1 else peaks
    grown = (peaks > SIZE_RATIO * around) & (peaks >= KEY_FRACTION * scan.sizes[scan.keys])
    return np.flatnonzero(changed | grown)


def windows(gops: np.ndarray, scan: Scan, fps: float) -> list[tuple[int, int, int]]:
    """(first frame, frames to decode, last frame a boundary may be kept on) of each run of adjacent
    candidate GOPs: from its first key frame through the next key frame, plus :func:`margin`."""
    out: list[tuple[int, int, int]] = []
    for g in gops:
        start = int(scan.keys[g])
        last = int(scan.keys[g + 1]) if g + 1 < len(scan.keys) else scan.frames - 1
        if out and out[-1][2] >= start:
            start = out.pop()[0]
        out.append((start, min(scan.frames, last + margin(fps)) - start, last))
    return out


def _held(key_features: dict[str, np.ndarray], keys: np.ndarray, frames: int) -> dict[str, np.ndarray]:
    """Per-frame features from the key frames': each frame takes its GOP's, motion per frame between keys."""
    owner = np.searchsorted(keys, np.arange(frames), side="right") - 1
    gaps = np.maximum(1, np.diff(keys, prepend=0)).astype(np.float32)
    return {k: (v / gaps if k in _PER_FRAME else v)[owner] for k, v in key_features.items()}


def analyse(clip: Clip, size: tuple[int, int], scan: Scan,
            measures: Callable[[], list[Measure]]) -> tuple[int, dict[str, np.ndarray], dict[int, float]]:
    """(frames, per-frame features, verified boundaries with their strength) of ``clip`` by the two passes;
    ``measures`` makes a fresh set of measures for each pass. (0, {}, {}) when the key frames that decode are
    not the ones the container lists (the caller decodes every frame then)."""
    fps = float(clip.rate.fps)
    count, keyed = run_measures(read_frames(clip, size, keys_only=True), measures())
    if count != len(scan.keys):
        return 0, {}, {}
    f = _held(keyed, scan.keys, scan.frames)
    marks: dict[int, float] = {}
    for start, length, last in windows(candidate_gops(keyed, scan), scan, fps):
        got, part = run_measures(read_frames(clip, size, start, length), measures())
        skip = 1 if start > 0 else 0  # the window's first frame has no frame before it: its key frame's features stay
        for name, values in part.items():
            f[name][start + skip: start + got] = values[skip:]
        marks.update({start + b: v for b, v in verified(part, fps).items() if 0 < b <= last - start})
    return scan.frames, f, marks
