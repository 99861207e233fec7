"""Choosing which shot fills a cut, and which part of it: the phase's energy, picture quality,
variety and continuity, weighed by :class:`SelectionWeights`; poor shots only when nothing else fits."""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from pathlib import Path

from ..model import Clip, Shot
from ..timebase import Rate

#: A shot below this quality (blurred, black, badly exposed, frozen) is used only when no better one fits.
POOR_QUALITY = 0.35
#: Phase energy from which a cut takes a shot's most active window instead of its steadiest.
ACTIVE_ENERGY = 0.5
#: Largest seeded random nudge added to a shot's score (varies the order between seeds).
JITTER = 0.15


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


@dataclass
class _ShotState:
    clip: Clip
    index: int  # in clip.shots
    rank: float  # motion percentile among all shots, 0 (stillest) .. 1
    cursor: int | None = None  # where the next use of the shot continues
    share: float = 1.0  # a use counts this much towards variety (favoured clips less)
    uses: int = 0

    @property
    def shot(self) -> Shot:
        return self.clip.shots[self.index]

    @property
    def poor(self) -> bool:
        return self.shot.quality < POOR_QUALITY


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
    are handed out about twice as often as the others.
    """

    clips: list[Clip]
    rate: Rate
    seed: int = 0
    weights: SelectionWeights = field(default_factory=SelectionWeights)
    favour: frozenset[Path] = frozenset()
    _states: list[_ShotState] = field(init=False)
    _last: _ShotState | None = field(init=False, default=None)
    _rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        pairs = [(c, i) for c in self.clips for i in range(len(c.shots))]
        order = sorted(range(len(pairs)), key=lambda k: pairs[k][0].shots[pairs[k][1]].motion)
        rank = {k: pos / max(1, len(pairs) - 1) for pos, k in enumerate(order)}
        self._states = [_ShotState(c, i, rank[k], share=0.5 if c.path in self.favour else 1.0)
                        for k, (c, i) in enumerate(pairs)]

    def _tiers(self, states: list[_ShotState]) -> list[tuple[str, list[_ShotState]]]:
        """Candidates from most to least wanted: a shot of another clip, another shot of the same
        clip, the previous shot continued; good shots before poor ones in every case."""
        last = self._last
        same = [s for s in states if last and s.clip is last.clip and s is not last]
        groups = [("", [s for s in states if last is None or s.clip is not last.clip]),
                  (", same clip: no other clip fits", same),
                  (", the previous shot continued: no other shot fits", [s for s in states if s is last])]
        return [(("poor quality: no better shot fits" if poor else "best fitting shot") + note,
                 [s for s in group if s.poor == poor]) for poor in (False, True) for note, group in groups]

    def longest_record_frames(self) -> int:
        """The longest cut (timeline frames) the most wanted shots can fill (the planner shortens
        cuts to it rather than use a poor shot or repeat a clip)."""
        pool = next(group for _, group in self._tiers(self._states) if group)
        return max(math.floor(s.shot.frames * self.rate.fps / s.clip.rate.fps) for s in pool)

    def _score(self, s: _ShotState, energy: float, clip_uses: dict[int, float]) -> dict[str, float]:
        w = self.weights
        fewest = min(clip_uses.values())
        parts = {"motion_fit": 1 - abs(s.rank - energy), "quality": s.shot.quality,
                 "variety": 0.5 / (1 + s.uses * s.share) + 0.5 / (1 + clip_uses[id(s.clip)] - fewest),
                 "continuity": 1 - abs(s.rank - self._last.rank) if self._last else 1.0}
        total = (w.motion * parts["motion_fit"] + w.quality * parts["quality"] + w.variety * parts["variety"]
                 + w.continuity * parts["continuity"] + JITTER * self._rng.random())
        if s.share < 1:  # a favoured clip still short of its double share outranks every other consideration
            parts["favoured"] = float(clip_uses[id(s.clip)] <= sum(clip_uses.values()) / len(clip_uses))
            total += parts["favoured"] * (w.motion + w.quality + w.variety + w.continuity + JITTER)
        return {k: round(v, 3) for k, v in {**parts, "total": total}.items()}

    def _range(self, s: _ShotState, need: int, energy: float) -> tuple[int, str]:
        shot = s.shot
        if s.cursor is not None and s.cursor + need <= shot.end:
            return s.cursor, "continues the previous use"
        if s.cursor is not None:
            return shot.start, "from the shot's start (the rest is used)"
        active = energy >= ACTIVE_ENERGY
        window = (shot.active_window if active else shot.window) or (shot.start, shot.end)
        centre = (window[0] + window[1]) // 2
        start = min(max(shot.start, centre - need // 2), shot.end - need)
        return start, "around its most active window" if active else "around its steadiest, sharpest window"

    def pick(self, record_frames: int, energy: float = 0.5, avoid: frozenset[Path] = frozenset()) -> Pick:
        """The source range for a cut of ``record_frames`` timeline frames in a phase of ``energy`` (0..1);
        clips in ``avoid`` only when nothing else fits."""
        fits = [s for s in self._states if source_frames_for(record_frames, s.clip.rate, self.rate) <= s.shot.frames]
        if not fits:
            raise ValueError(f"no shot holds {record_frames} frames")
        fits = [s for s in fits if s.clip.path not in avoid] or fits
        reason, pool = next((r, g) for r, g in self._tiers(fits) if g)
        clip_uses: dict[int, float] = {}
        for s in self._states:
            clip_uses[id(s.clip)] = clip_uses.get(id(s.clip), 0) + s.uses * s.share
        scored = [(self._score(s, energy, clip_uses), s) for s in pool]
        fit, choice = max(scored, key=lambda p: p[0]["total"])
        need = source_frames_for(record_frames, choice.clip.rate, self.rate)
        source_in, placed = self._range(choice, need, energy)
        choice.cursor = source_in + need
        choice.uses += 1
        self._last = choice
        why = {"reason": reason, "candidates": len(pool), "energy": round(energy, 3), "range": placed,
               "fit": fit, "scores": choice.shot.scores()}
        return Pick(choice.clip, choice.index, source_in, source_in + need, why)
