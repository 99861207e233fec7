"""Choosing which shot fills a cut, and which part of it: the phase's energy, picture quality,
variety and continuity, weighed by :class:`SelectionWeights`; poor shots only when nothing else fits."""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..model import Clip
from ..timebase import Rate, floored_split

#: A shot below this quality (blurred, black, badly exposed, frozen) is used only when no better one fits.
POOR_QUALITY = 0.35
#: Phase energy from which a cut takes a shot's most active window instead of its steadiest.
ACTIVE_ENERGY = 0.5
#: Largest seeded random nudge added to a shot's score (varies the order between seeds).
JITTER = 0.15


def _least_used(lo: int, hi: int, need: int, used: list[tuple[int, int]]) -> int:
    """The start in ``[lo, hi]`` of ``need`` frames overlapping ``used`` ranges least (the earliest of equals).
    The overlap is piecewise linear in the start, so its minimum lies on a bound or where a range begins or
    ends against either edge."""
    def overlap(start: int) -> int:
        return sum(max(0, min(b, start + need) - max(a, start)) for a, b in used)

    starts = {lo, hi, *(min(max(x, lo), hi) for a, b in used for x in (a - need, a, b - need, b))}
    return min(starts, key=lambda start: (overlap(start), start))


def source_frames_for(record_frames: int, clip_rate: Rate, timeline_rate: Rate) -> int:
    """Media frames (at ``clip_rate``) a cut of ``record_frames`` timeline frames uses: ``ceil(N·m/t)``.

    The frames that start while the cut plays in real time, and the smallest count ``L`` whose
    Resolve-appended length ``floor(L·t/m)`` reaches ``N``; that length is exactly ``N`` whenever any
    count can give it (always when ``m ≥ t``), see docs/resolve.md § "Exact append"."""
    return math.ceil(record_frames * clip_rate.fps / timeline_rate.fps)


@dataclass(frozen=True)
class SelectionWeights:
    """Relative weights (each 0..1, a style sets them) of what makes a shot right for a cut.

    ``motion``: the shot's motion matches the phase (energetic phases: high motion, calm: steady);
    ``quality``: sharp and well exposed; ``variety``: least used shots and clips first;
    ``continuity``: motion close to the previous cut's.
    """

    motion: float = 1.0
    quality: float = 1.0
    variety: float = 1.0
    continuity: float = 0.3


@dataclass(frozen=True)
class Pick:
    """The chosen source range and why: ``why`` holds the shot's scores and how it fitted."""

    clip: Clip
    shot: int
    source_in: int
    source_out: int
    why: dict


@dataclass
class ShotPicker:
    """Hands out source ranges for cuts, one shot each (a cut never straddles a shot boundary).

    Never returns a range past the end of its shot; deterministic for a ``seed``. Clips in ``favour``
    are handed out about twice as often as the others. Every shot's state is a row of numpy arrays,
    so a pick scores all candidates at once (500 clips over a 4-minute song plan in milliseconds).
    """

    clips: list[Clip]
    rate: Rate
    seed: int = 0
    weights: SelectionWeights = field(default_factory=SelectionWeights)
    favour: frozenset[Path] = frozenset()

    def __post_init__(self) -> None:
        self._rng = np.random.default_rng(self.seed)
        rows = [(k, i) for k, c in enumerate(self.clips) for i in range(len(c.shots))]
        shots = [self.clips[k].shots[i] for k, i in rows]
        self._clip = np.array([k for k, _ in rows], dtype=int)  # index into clips
        self._shot = np.array([i for _, i in rows], dtype=int)  # index into that clip's shots
        motion = np.array([s.motion for s in shots], dtype=float)
        self._rank = np.empty(len(rows))  # motion percentile among all shots, 0 (stillest) .. 1
        self._rank[np.argsort(motion, kind="stable")] = np.arange(len(rows)) / max(1, len(rows) - 1)
        self._poor = np.array([s.quality < POOR_QUALITY for s in shots], dtype=bool)
        self._quality = np.array([s.quality for s in shots], dtype=float)
        # the longest cut (timeline frames) each shot holds: N fits  <=>  ceil(N·m/t) <= frames
        self._longest = np.array([math.floor(s.frames * self.rate.fps / self.clips[k].rate.fps)
                                  for s, (k, _) in zip(shots, rows)], dtype=int)
        self._share = np.array([0.5 if self.clips[k].path in self.favour else 1.0 for k, _ in rows])
        self._uses = np.zeros(len(rows))
        self._clip_uses = np.zeros(len(self.clips))  # uses x share, per clip
        self._cursor: list[int | None] = [None] * len(rows)  # where the next use of each shot continues
        self._used: list[list[tuple[int, int]]] = [[] for _ in rows]  # source ranges each shot has played
        self._last: int | None = None  # row of the previous pick
        self._rates = sorted({c.rate for c in self.clips})
        self._rate_row = np.array([self._rates.index(self.clips[k].rate) for k, _ in rows], dtype=int)

    def _whole(self, record_frames: int) -> np.ndarray:
        """Rows whose clip fills ``record_frames`` exactly with whole frames where an NLE floors lengths
        (Resolve's append, through edits allowed; docs/resolve.md § "Exact append")."""
        exact = np.array([floored_split(record_frames, r, self.rate) is not None for r in self._rates])
        return exact[self._rate_row] if len(self._rate_row) else np.zeros(0, dtype=bool)

    def _pool(self, candidates: np.ndarray) -> tuple[str, np.ndarray]:
        """The most wanted non-empty group of ``candidates`` (a row mask) and why: a shot of another clip,
        another shot of the same clip, the previous shot continued; good shots before poor ones in every case."""
        last = self._last
        same_clip = self._clip == self._clip[last] if last is not None else np.zeros_like(candidates)
        is_last = np.arange(len(candidates)) == last if last is not None else np.zeros_like(candidates)
        groups = [("", ~same_clip), (", same clip: no other clip fits", same_clip & ~is_last),
                  (", the previous shot continued: no other shot fits", is_last)]
        for poor in (False, True):
            for note, group in groups:
                mask = candidates & group & (self._poor == poor)
                if mask.any():
                    return ("poor quality: no better shot fits" if poor else "best fitting shot") + note, mask
        raise ValueError("no candidate shot")

    def longest_record_frames(self) -> int:
        """The longest cut (timeline frames) the most wanted shots can fill (the planner shortens
        cuts to it rather than use a poor shot or repeat a clip)."""
        return int(self._longest[self._pool(np.ones(len(self._longest), dtype=bool))[1]].max())

    def _scores(self, rows: np.ndarray, energy: float) -> dict[str, np.ndarray]:
        """Each consideration (0..1) and the weighted ``total`` for the candidate ``rows``."""
        w, clip_uses = self.weights, self._clip_uses[self._clip[rows]]
        parts = {"motion_fit": 1 - np.abs(self._rank[rows] - energy), "quality": self._quality[rows],
                 "variety": 0.5 / (1 + self._uses[rows] * self._share[rows])
                 + 0.5 / (1 + clip_uses - self._clip_uses.min()),
                 "continuity": (1 - np.abs(self._rank[rows] - self._rank[self._last])) if self._last is not None
                 else np.ones(len(rows))}
        total = (w.motion * parts["motion_fit"] + w.quality * parts["quality"] + w.variety * parts["variety"]
                 + w.continuity * parts["continuity"] + JITTER * self._rng.random(len(rows)))
        if self.favour:  # a favoured clip still short of its double share outranks every other consideration
            parts["favoured"] = ((self._share[rows] < 1) & (clip_uses <= self._clip_uses.mean())).astype(float)
            total = total + parts["favoured"] * (w.motion + w.quality + w.variety + w.continuity + JITTER)
        return {**parts, "total": total}

    def _range(self, row: int, need: int, energy: float) -> tuple[int, str]:
        shot, cursor = self.clips[self._clip[row]].shots[self._shot[row]], self._cursor[row]
        if cursor is not None and cursor + need <= shot.end:
            return cursor, "continues the previous use"
        if cursor is not None:
            return _least_used(shot.start, shot.end - need, need, self._used[row]), \
                "its least-used part (the rest of the shot is too short)"
        active = energy >= ACTIVE_ENERGY
        window = (shot.active_window if active else shot.window) or (shot.start, shot.end)
        centre = (window[0] + window[1]) // 2
        start = min(max(shot.start, centre - need // 2), shot.end - need)
        return start, "around its most active window" if active else "around its steadiest, sharpest window"

    def pick(self, record_frames: int, energy: float = 0.5, avoid: frozenset[Path] = frozenset()) -> Pick:
        """The source range for a cut of ``record_frames`` timeline frames in a phase of ``energy`` (0..1);
        clips in ``avoid`` only when nothing else fits; among the rest, clips whose whole frames fill it exactly
        where lengths are floored (Resolve) unless only a poor shot does."""
        fits = self._longest >= record_frames
        if not fits.any():
            raise ValueError(f"no shot holds {record_frames} frames")
        if avoid:
            wanted = fits & ~np.isin(self._clip, [k for k, c in enumerate(self.clips) if c.path in avoid])
            fits = wanted if wanted.any() else fits
        exact = fits & self._whole(record_frames)
        if (exact & ~self._poor).any() or (exact.any() and not (fits & ~self._poor).any()):
            fits = exact  # a clip whose frames fill the cut exactly, unless only a poor shot would
        reason, pool = self._pool(fits)
        rows = np.flatnonzero(pool)
        scores = self._scores(rows, energy)
        best = int(np.argmax(scores["total"]))
        row = int(rows[best])
        clip, shot = self.clips[self._clip[row]], int(self._shot[row])
        need = source_frames_for(record_frames, clip.rate, self.rate)
        source_in, placed = self._range(row, need, energy)
        self._cursor[row] = source_in + need
        self._used[row].append((source_in, source_in + need))
        self._uses[row] += 1
        self._clip_uses[self._clip[row]] += self._share[row]
        self._last = row
        why = {"reason": reason, "candidates": len(rows), "energy": round(energy, 3), "range": placed,
               "fit": {k: round(float(v[best]), 3) for k, v in scores.items()}, "scores": clip.shots[shot].scores()}
        return Pick(clip, shot, source_in, source_in + need, why)

    def extend(self, pick: Pick, need: int) -> Pick:
        """``pick`` (the last one) playing ``need`` source frames instead (a cut held to finish a phrase, or
        ended before one): the shot's cursor follows. The caller keeps ``need`` inside the shot."""
        self._cursor[self._last] = pick.source_in + need
        self._used[self._last][-1] = (pick.source_in, pick.source_in + need)
        return replace(pick, source_out=pick.source_in + need, why={**pick.why, "held": "cut end moved off speech"})
