"""Choosing which shot fills a cut: no immediate repeats, even use, fresh source ranges."""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from pathlib import Path

from ..model import Clip, Shot
from ..timebase import Rate


def source_frames_for(record_frames: int, clip_rate: Rate, timeline_rate: Rate) -> int:
    """Media frames (at ``clip_rate``) a cut of ``record_frames`` timeline frames uses: ``ceil(N·m/t)``.

    The frames that start while the cut plays in real time, and the smallest count ``L`` whose
    Resolve-appended length ``floor(L·t/m)`` reaches ``N``; that length is exactly ``N`` whenever any
    count can give it (always when ``m ≥ t``), see docs/resolve.md § "Exact append"."""
    return math.ceil(record_frames * clip_rate.fps / timeline_rate.fps)


@dataclass(frozen=True)
class SelectionWeights:
    """How much shot selection values each quality, each in 0..1 (a style sets them)."""

    motion: float = 0.5
    quality: float = 0.5
    variety: float = 0.5
    continuity: float = 0.5


@dataclass
class _ShotState:
    clip: Clip
    shot: Shot
    cursor: int
    longest: int  # the longest cut (timeline frames) the shot holds
    share: float = 1.0  # uses count this much (favoured clips less)
    uses: int = 0


@dataclass
class ShotPicker:
    """Hands out ``(clip, source_in)`` for cuts; each shot is played through in order, wrapping around.

    Never returns a source range that runs past the end of its shot (hence of its clip). Clips in
    ``favour`` are handed out about twice as often as the others.
    """

    clips: list[Clip]
    rate: Rate
    seed: int = 0
    weights: SelectionWeights = field(default_factory=SelectionWeights)
    favour: frozenset[Path] = frozenset()
    _states: list[_ShotState] = field(init=False)
    _last: Clip | None = field(init=False, default=None)
    _rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._states = [_ShotState(c, s, s.start, math.floor(s.frames * self.rate.fps / c.rate.fps),
                                   0.5 if c.path in self.favour else 1.0) for c in self.clips for s in c.shots]
        self._rng.shuffle(self._states)

    def longest_record_frames(self) -> int:
        """The longest cut (timeline frames) any shot other than the previous clip's can fill."""
        pool = [s for s in self._states if s.clip is not self._last] or self._states
        return max(s.longest for s in pool)

    def pick(self, record_frames: int, avoid: frozenset[Path] = frozenset()) -> tuple[Clip, int, int]:
        """``(clip, source_in, source_out)`` for a cut of ``record_frames`` timeline frames; clips in ``avoid``
        only when nothing else fits."""
        fits = [s for s in self._states if record_frames <= s.longest]  # ceil(n * k) <= frames  <=>  n <= floor(frames / k)
        if not fits:
            raise ValueError(f"no shot holds {record_frames} frames")
        fresh = [s for s in fits if s.clip is not self._last] or fits
        if avoid:
            fresh = [s for s in fresh if s.clip.path not in avoid] or fresh
        fewest = min(s.uses * s.share for s in fresh)
        choice = next(s for s in fresh if s.uses * s.share == fewest)
        need = source_frames_for(record_frames, choice.clip.rate, self.rate)
        if choice.cursor + need > choice.shot.end:
            choice.cursor = choice.shot.start
        source_in = choice.cursor
        choice.cursor += need
        choice.uses += 1
        self._last = choice.clip
        self._states.remove(choice)
        self._states.append(choice)  # least recently used first among equals
        return choice.clip, source_in, source_in + need
