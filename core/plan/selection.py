"""Choosing which shot fills a cut, and which part of it: the phase's energy, picture quality,
variety and continuity, weighed by :class:`SelectionWeights`; poor shots only when nothing else fits."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..model import Clip
from ..selects import ClipSelects, SelectRange, names_clip, tag_matches
from ..timebase import Rate, floored_lengths, floored_split, source_frames_for

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


def _largest_gap(lo: int, hi: int, used: list[tuple[int, int]]) -> int:
    """The longest stretch of ``[lo, hi)`` no ``used`` range covers."""
    best, at = 0, lo
    for a, b in sorted(used):
        best, at = max(best, a - at), max(at, b)
    return max(best, hi - at)


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
    """The chosen source range and why: ``why`` holds the shot's scores and how it fitted; ``limit`` is the
    end of the usable part of the shot it lies in (the shot's end, or a marked range's); ``tags`` and
    ``range_source`` are the editor's selects it came from."""

    clip: Clip
    shot: int
    source_in: int
    source_out: int
    why: dict
    limit: int = 0
    tags: tuple[str, ...] = ()
    range_source: str = ""


@dataclass(frozen=True)
class Preference:
    """What a phase asks of its material: ``prefer`` (clip names or tags) first while they have unused
    material, ``avoid`` (clip paths) and ``avoid_tags`` only when nothing else fits."""

    prefer: frozenset[str] = frozenset()
    avoid: frozenset[Path] = frozenset()
    avoid_tags: frozenset[str] = frozenset()


def _segments(clip: Clip, selects: ClipSelects | None) -> list[tuple[int, int, int, SelectRange | None]]:
    """``(shot, start, end, range)``: each shot, or each part of a shot inside a usable range of ``clip``."""
    if selects is None:
        return [(i, s.start, s.end, None) for i, s in enumerate(clip.shots)]
    return [(i, max(s.start, r.start), min(s.end, r.end), r) for r in selects.usable(clip.frames)
            for i, s in enumerate(clip.shots) if min(s.end, r.end) > max(s.start, r.start)]


@dataclass
class ShotPicker:
    """Hands out source ranges for cuts, one shot each (a cut never straddles a shot boundary).

    Never returns a range past the end of its shot; deterministic for a ``seed``. Clips in ``favour``
    are handed out about twice as often as the others, and so are favourite ranges. With ``selects``
    (the editor's marks and tags per clip path) a clip with marked ranges is used only inside them
    (a row is the part of a shot inside a range). Every row's state is a row of numpy arrays,
    so a pick scores all candidates at once (500 clips over a 4-minute song plan in milliseconds).
    """

    clips: list[Clip]
    rate: Rate
    seed: int = 0
    weights: SelectionWeights = field(default_factory=SelectionWeights)
    favour: frozenset[Path] = frozenset()
    selects: dict[Path, ClipSelects] = field(default_factory=dict)
    favour_tags: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        self._rng = np.random.default_rng(self.seed)
        rows = [(k, *seg) for k, c in enumerate(self.clips) for seg in _segments(c, self.selects.get(c.path))]
        if not rows:
            raise InputError(None, "no usable footage: every clip's marked ranges lie outside its frames")
        shots = [self.clips[k].shots[i] for k, i, *_ in rows]
        self._clip = np.array([k for k, *_ in rows], dtype=int)  # index into clips
        self._shot = np.array([i for _, i, *_ in rows], dtype=int)  # index into that clip's shots
        self._lo = np.array([lo for _, _, lo, _, _ in rows], dtype=int)  # usable source frames [lo, hi)
        self._hi = np.array([hi for _, _, _, hi, _ in rows], dtype=int)
        self._ranges: list[SelectRange | None] = [r for *_, r in rows]
        clip_tags = [self.selects[c.path].tags if c.path in self.selects else frozenset() for c in self.clips]
        self._tags = [r.tags if r is not None else clip_tags[k] for (k, *_), r in zip(rows, self._ranges)]
        motion = np.array([s.motion for s in shots], dtype=float)
        self._rank = np.empty(len(rows))  # motion percentile among all shots, 0 (stillest) .. 1
        self._rank[np.argsort(motion, kind="stable")] = np.arange(len(rows)) / max(1, len(rows) - 1)
        self._poor = np.array([s.quality < POOR_QUALITY for s in shots], dtype=bool)
        self._quality = np.array([s.quality for s in shots], dtype=float)
        # the longest cut (timeline frames) each row holds: N fits  <=>  ceil(N·m/t) <= frames
        self._rates = sorted({c.rate for c in self.clips})
        self._rate_row = np.array([self._rates.index(self.clips[k].rate) for k in self._clip], dtype=int)
        self._longest = self._timeline_frames(self._hi - self._lo)
        self._remaining = self._longest.copy()  # the longest cut its largest unused part still holds
        self._favourite = np.array([self.clips[k].path in self.favour or bool(r is not None and r.favourite)
                                    for (k, *_), r in zip(rows, self._ranges)], dtype=bool)
        self._masks: dict[tuple, np.ndarray] = {}
        if self.favour_tags:
            self._favourite |= self.matching(self.favour_tags)
        self._share = np.where(self._favourite, 0.5, 1.0)
        self._uses = np.zeros(len(rows))
        self._clip_uses = np.zeros(len(self.clips))  # uses x share, per clip
        self._cursor: list[int | None] = [None] * len(rows)  # where the next use of each row continues
        self._used: list[list[tuple[int, int]]] = [[] for _ in rows]  # source ranges each row has played
        self._last: int | None = None  # row of the previous pick

    def _whole(self, record_frames: int) -> np.ndarray:
        """Rows whose clip fills ``record_frames`` exactly with whole frames where an NLE floors lengths
        (Resolve's append, through edits allowed; docs/resolve.md § "Exact append")."""
        exact = np.array([floored_split(record_frames, r, self.rate) is not None for r in self._rates])
        return exact[self._rate_row] if len(self._rate_row) else np.zeros(0, dtype=bool)

    def _timeline_frames(self, source_frames: np.ndarray, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Timeline frames that ``source_frames`` of the clips of ``rows`` (default: every row) fill."""
        return floored_lengths(source_frames, self._rates, self._rate_row[rows], self.rate)

    def matching(self, material: frozenset[str]) -> np.ndarray:
        """Rows whose clip is named in ``material`` or whose tags include one of it."""
        key = tuple(sorted(material))
        if key not in self._masks:
            clip_hit = np.array([names_clip(material, c) for c in self.clips], dtype=bool)
            self._masks[key] = clip_hit[self._clip] | np.array(
                [any(tag_matches(m, t) for m in material) for t in self._tags], dtype=bool)
        return self._masks[key]

    def tags(self) -> set[str]:
        return {t for tags in self._tags for t in tags}

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

    def _wanted(self, pref: Preference, frames: int) -> tuple[np.ndarray, np.ndarray, str]:
        """Rows ``pref`` wants for a cut of at least ``frames`` timeline frames, the longest cut each holds,
        and a note: avoided material only when nothing else fits; preferred material while it has an unused
        part that long (the planner shortens a cut to it)."""
        fits, room, note = self._longest >= frames, self._longest, ""
        if pref.avoid or pref.avoid_tags:
            bad = np.isin(self._clip, [k for k, c in enumerate(self.clips) if c.path in pref.avoid])
            wanted = fits & ~(bad | self.matching(pref.avoid_tags) if pref.avoid_tags else bad)
            fits = wanted if wanted.any() else fits
        if pref.prefer:
            wanted = fits & self.matching(pref.prefer) & (self._remaining >= frames)
            if wanted.any():
                fits, room, note = wanted, self._remaining, f"asked for: {', '.join(sorted(pref.prefer))}"
        return fits, room, note

    def longest_record_frames(self, pref: Preference = Preference(), shortest: int = 1) -> int:
        """The longest cut (timeline frames) the most wanted shots can fill (the planner shortens
        cuts to it rather than use a poor shot or repeat a clip): of ``pref``'s preferred material when
        some has an unused part of at least ``shortest`` frames."""
        fits, room, _ = self._wanted(pref, shortest)
        if not fits.any():
            fits, room, _ = self._wanted(pref, 1)
        return int(room[self._pool(fits)[1]].max())

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
        if self._favourite.any():  # a favoured clip still short of its double share outranks every other consideration
            parts["favoured"] = self._short_favoured()[rows].astype(float)
            total = total + parts["favoured"] * (w.motion + w.quality + w.variety + w.continuity + JITTER)
        return {**parts, "total": total}

    def _short_favoured(self) -> np.ndarray:
        """Rows of a favoured clip or range whose clip is still short of its double share."""
        return self._favourite & (self._clip_uses[self._clip] <= self._clip_uses.mean())

    def _range(self, row: int, need: int, energy: float) -> tuple[int, str]:
        shot, cursor = self.clips[self._clip[row]].shots[self._shot[row]], self._cursor[row]
        lo, hi = int(self._lo[row]), int(self._hi[row])
        if cursor is not None and cursor + need <= hi:
            return cursor, "continues the previous use"
        if cursor is not None:
            return _least_used(lo, hi - need, need, self._used[row]), \
                "its least-used part (the rest of the shot is too short)"
        active = energy >= ACTIVE_ENERGY
        window = (shot.active_window if active else shot.window) or (lo, hi)
        centre = min(max((window[0] + window[1]) // 2, lo), hi)
        start = min(max(lo, centre - need // 2), hi - need)
        return start, "around its most active window" if active else "around its steadiest, sharpest window"

    def pick(self, record_frames: int, energy: float = 0.5, pref: Preference = Preference()) -> Pick:
        """The source range for a cut of ``record_frames`` timeline frames in a phase of ``energy`` (0..1),
        as ``pref`` asks (see :meth:`_wanted`) from the most wanted group (:meth:`_pool`: variety first);
        within it, clips whose whole frames fill it exactly where lengths are floored (Resolve), and
        favoured ones still short of their share."""
        if not (self._longest >= record_frames).any():
            raise ValueError(f"no shot holds {record_frames} frames")
        fits, _, asked = self._wanted(pref, record_frames)
        reason, pool = self._pool(fits)
        exact = pool & self._whole(record_frames)
        if exact.any():  # the group is all good or all poor shots: an exact one is as good as the rest
            pool = exact | (pool & self._short_favoured())
        rows = np.flatnonzero(pool)
        scores = self._scores(rows, energy)
        best = int(np.argmax(scores["total"]))
        row = int(rows[best])
        clip, shot = self.clips[self._clip[row]], int(self._shot[row])
        need = source_frames_for(record_frames, clip.rate, self.rate)
        source_in, placed = self._range(row, need, energy)
        self._use(row, source_in, source_in + need)
        self._uses[row] += 1
        self._clip_uses[self._clip[row]] += self._share[row]
        self._last = row
        selected = self._ranges[row]
        why = {"reason": reason + (f"; {asked}" if asked else ""), "candidates": len(rows),
               "energy": round(energy, 3), "range": placed,
               "fit": {k: round(float(v[best]), 3) for k, v in scores.items()}, "scores": clip.shots[shot].scores()}
        return Pick(clip, shot, source_in, source_in + need, why, int(self._hi[row]), tuple(sorted(self._tags[row])),
                    selected.source if selected is not None else "whole clip")

    def _use(self, row: int, start: int, end: int, again: bool = False) -> None:
        """Row ``row`` plays source frames ``[start, end)`` (``again``: instead of its last range)."""
        self._cursor[row] = end
        if again:
            self._used[row][-1] = (start, end)
        else:
            self._used[row].append((start, end))
        gap = _largest_gap(int(self._lo[row]), int(self._hi[row]), self._used[row])
        self._remaining[row] = self._timeline_frames(np.array([gap]), slice(row, row + 1))[0]

    def extend(self, pick: Pick, need: int) -> Pick:
        """``pick`` (the last one) playing ``need`` source frames instead (a cut held to finish a phrase, or
        ended before one): the shot's cursor follows. The caller keeps ``need`` inside ``pick.limit``."""
        self._use(self._last, pick.source_in, pick.source_in + need, again=True)
        return replace(pick, source_out=pick.source_in + need, why={**pick.why, "held": "cut end moved off speech"})
