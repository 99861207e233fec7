"""The evaluator: a plan's scores, each in 0..1 (1 best), and their weighted total.

``beat_alignment``: cuts on the frame holding their beat. ``arc_fit``: louder sections cut faster
(pairwise), BUILD and CLIMAX each hold a fair share of the timeline. ``variety``: screen time spread
over the clips (normalised entropy). ``repeats``: no clip back two cuts later (A B A), no source
frames shown twice. ``shot_quality``: the analysed quality of the shots used. ``phase_energy_fit``:
shot motion follows the music's energy (0.5 when the footage has no motion analysis).
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, dataclass

from ..model import Cut, Phase, Plan, Shot

WEIGHTS = {"beat_alignment": 2.0, "arc_fit": 2.0, "variety": 1.0, "repeats": 1.5, "shot_quality": 1.0,
           "phase_energy_fit": 1.0}
#: The least share of the timeline BUILD and CLIMAX should each hold.
MIN_SHARE = 0.12


@dataclass(frozen=True)
class Scores:
    beat_alignment: float
    arc_fit: float
    variety: float
    repeats: float
    shot_quality: float
    phase_energy_fit: float

    @property
    def total(self) -> float:
        return sum(getattr(self, k) * w for k, w in WEIGHTS.items()) / sum(WEIGHTS.values())

    def as_dict(self) -> dict:
        return {**{k: round(v, 4) for k, v in asdict(self).items()}, "total": round(self.total, 4)}


def shot_of(cut: Cut) -> Shot:
    """The shot the planner chose for ``cut``, else the one holding its in-point (the whole clip without
    shot analysis)."""
    if cut.shot is not None:
        return cut.clip.shots[cut.shot]
    return next((s for s in cut.clip.shots if s.start <= cut.source_in < s.end), Shot(0, cut.clip.frames))


def beat_offset_ms(plan: Plan, cut: Cut) -> float:
    """How far the cut's first frame starts before (positive) or after its beat, in milliseconds."""
    return (cut.beat_time - float(plan.rate.seconds(plan.music_in + cut.record_start))) * 1000


def _beat_alignment(plan: Plan) -> float:
    frame_ms = 1000 / float(plan.rate.fps)
    ok = [c.on_beat and 0 <= beat_offset_ms(plan, c) < frame_ms + 1e-6 for c in plan.cuts]
    return sum(ok) / len(ok)


def phase_shares(plan: Plan) -> dict[Phase, float]:
    frames = Counter()
    for c in plan.cuts:
        frames[c.phase] += c.record_frames
    return {p: frames[p] / plan.frames for p in Phase}


def _arc_fit(plan: Plan) -> float:
    rate = {}
    for s in plan.sections:
        cuts = [c for c in plan.cuts if s.start <= c.beat_time < s.end]
        if cuts:
            rate[s] = len(cuts) / max(s.end - s.start, 1e-9)
    pairs = [(a, b) for a in rate for b in rate if a.energy > b.energy + 0.05]
    order = sum(rate[a] >= rate[b] for a, b in pairs) / len(pairs) if pairs else 1.0
    shares = phase_shares(plan)
    present = [p for p in (Phase.BUILD, Phase.CLIMAX) if any(s.phase is p for s in plan.sections)]
    shape = sum(min(1.0, shares[p] / MIN_SHARE) for p in present) / len(present) if present else 1.0
    return (order + shape) / 2


def _variety(plan: Plan) -> float:
    time = Counter()
    for c in plan.cuts:
        time[c.clip.path] += c.record_frames
    n = min(len(plan.clips), len(plan.cuts))
    if n <= 1:
        return 1.0
    total = sum(time.values())
    entropy = -sum(v / total * math.log(v / total) for v in time.values())
    return entropy / math.log(n)


def near_repeats(plan: Plan) -> list[int]:
    """Indices of cuts that show the clip of the cut two before (A B A)."""
    return [i for i in range(2, len(plan.cuts)) if plan.cuts[i].clip.path == plan.cuts[i - 2].clip.path]


def _repeats(plan: Plan) -> float:
    shown: dict = {}
    twice = 0
    for c in plan.cuts:
        frames = shown.setdefault(c.clip.path, set())
        span = range(c.source_in, c.source_out)
        twice += sum(f in frames for f in span) / max(len(span), 1) * c.record_frames
        frames.update(span)
    aba = len(near_repeats(plan)) / max(len(plan.cuts) - 2, 1)
    return max(0.0, 1.0 - aba - twice / plan.frames)


def _weighted(plan: Plan, value) -> float:
    return sum(value(c) * c.record_frames for c in plan.cuts) / plan.frames


def _phase_energy_fit(plan: Plan) -> float:
    if not any(shot_of(c).motion for c in plan.cuts):
        return 0.5
    energy = {s.phase: s.energy for s in plan.sections}
    return _weighted(plan, lambda c: 1.0 - abs(shot_of(c).motion - energy.get(c.phase, 0.5)))


def evaluate(plan: Plan) -> Scores:
    return Scores(_beat_alignment(plan), _arc_fit(plan), _variety(plan), _repeats(plan),
                  _weighted(plan, lambda c: shot_of(c).quality), _phase_energy_fit(plan))
