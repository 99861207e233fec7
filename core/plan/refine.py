"""The refine loop: evaluate the plan, let the director propose a concrete change, re-plan, keep it if the score rose.

``propose(plan, scores, directive, tried)`` is the director's side: it looks at the weakest scores
and returns a :class:`Proposal` (swap these cuts, lengthen the build, faster cuts at the climax,
more motion at the climax, favour the least used clips) as a new :class:`Directive`, or None when it
has nothing left to try. Every round is logged as data for report.json, report.html and the panel;
the kept plan's score never decreases.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Callable

from ..model import Cut, Phase, Plan
from ..selects import names_clip, tag_matches
from .directive import PACE, Directive
from .evaluate import MIN_SHARE, Scores, evaluate, near_repeats, phase_shares, shot_of
from .selection import SelectionWeights

DEFAULT_ROUNDS = 3
MAX_SWAPS = 12


@dataclass(frozen=True)
class Proposal:
    change: str
    directive: Directive


def _asked(cut: Cut, d: Directive) -> bool:
    """Whether the directive asked for ``cut``'s material: a favoured clip, or what its phase takes first."""
    wanted = d.wanted(cut.phase)
    return cut.clip.name in d.favour or (bool(wanted) and (names_clip(wanted, cut.clip) or any(
        tag_matches(w, frozenset(cut.tags)) for w in wanted)))


def shortfall(plan: Plan, first: Plan, d: Directive) -> str:
    """What ``plan`` gives less of than the directive ``d`` asked ("" when nothing): a favoured clip's share
    of cuts below both its share in ``first`` and 1.5x the average clip's, or a phase's share of the
    material it takes first below its share in ``first``."""
    def share(p: Plan, hit, phase: Phase | None = None) -> float:
        cuts = [c for c in p.cuts if phase is None or c.phase is phase]
        return sum(map(hit, cuts)) / len(cuts) if cuts else 1.0
    for name in d.favour:
        now, before = (share(p, lambda c: c.clip.name == name) for p in (plan, first))
        if now < min(before, 1.5 / max(1, len(plan.clips))) - 1e-9:
            return f"{name} in {now:.0%} of the cuts, asked for more"
    for phase in d.material:
        now, before = (share(p, lambda c: _asked(c, d), phase) for p in (plan, first))
        if now < before - 1e-9:
            return f"{phase} from the material asked for in {now:.0%} of its cuts (was {before:.0%})"
    return ""


def _swaps(plan: Plan, d: Directive) -> Proposal | None:
    repeats = [i for i in near_repeats(plan) if not _asked(plan.cuts[i], d)][:MAX_SWAPS]
    if not repeats:
        return None
    swaps = dict(d.swaps) | {i: plan.cuts[i].clip.name for i in repeats}
    return Proposal(f"swap the clip of cuts {', '.join(map(str, repeats))} (same clip two cuts earlier)",
                    replace(d, swaps=tuple(sorted(swaps.items()))))


def _mean_cut(plan: Plan, phase: Phase) -> float:
    frames = [c.record_frames for c in plan.cuts if c.phase is phase]
    return sum(frames) / len(frames) if frames else 0.0


def candidates(plan: Plan, scores: Scores, d: Directive) -> list[Proposal]:
    """Changes worth trying for ``plan``, the ones for its weakest scores first."""
    out: list[tuple[float, Proposal]] = []
    if scores.repeats < 1.0 and (p := _swaps(plan, d)):
        out.append((scores.repeats, p))
    shares = phase_shares(plan)
    if 0 < shares[Phase.BUILD] < MIN_SHARE:
        out.append((scores.arc_fit, Proposal("lengthen the build", d.with_phase("arc", Phase.BUILD, 1.5))))
    climax, build = _mean_cut(plan, Phase.CLIMAX), _mean_cut(plan, Phase.BUILD)
    if climax and build and climax >= build:
        faster = d.with_phase("pacing", Phase.CLIMAX, PACE["faster"])
        out.append((scores.arc_fit, Proposal("faster cuts at the climax", faster)))
    intro = _mean_cut(plan, Phase.INTRO)
    if intro and build and intro <= build:
        out.append((scores.arc_fit, Proposal("slower intro", d.with_phase("pacing", Phase.INTRO, PACE["slower"]))))
    if scores.phase_energy_fit < 0.8 and any(shot_of(c).motion for c in plan.cuts):
        w = d.weights or SelectionWeights()
        out.append((scores.phase_energy_fit, Proposal(
            "more motion at the climax", replace(d, weights=replace(w, motion=min(1.0, w.motion + 0.3))))))
    if scores.variety < 0.95:
        time = Counter({c.name: 0 for c in plan.clips})
        for c in plan.cuts:
            time[c.clip.name] += c.record_frames
        least = tuple(n for n, _ in sorted(time.items(), key=lambda kv: (kv[1], kv[0]))[:2]
                      if n not in d.avoid and n not in d.favour)
        if least:
            out.append((scores.variety, Proposal(f"favour the least used clips {', '.join(least)}",
                                                 replace(d, favour=(*d.favour, *least)))))
    return [p for _, p in sorted(out, key=lambda sp: sp[0])]


def rule_proposal(plan: Plan, scores: Scores, d: Directive, tried: set[str]) -> Proposal | None:
    return next((p for p in candidates(plan, scores, d) if p.change not in tried), None)


def refine(plan: Plan, directive: Directive, replan: Callable[[Directive], Plan], rounds: int = DEFAULT_ROUNDS,
           propose=rule_proposal) -> tuple[Plan, Directive, list[dict]]:
    """At most ``rounds`` proposals, each re-planned and kept only when the total score rises and the plan
    still gives what ``directive`` asked (:func:`shortfall`).

    Returns the best plan, its directive and the log (round 0 is the first plan)."""
    first, asked = plan, directive
    scores = evaluate(plan)
    log = [{"round": 0, "proposal": "first plan", "scores": scores.as_dict(), "kept": True}]
    tried: set[str] = set()
    for k in range(1, rounds + 1):
        proposal = propose(plan, scores, directive, tried)
        if proposal is None:
            log.append({"round": k, "proposal": "nothing left to try", "kept": False, "stopped": True})
            break
        tried.add(proposal.change)
        new = replan(proposal.directive)
        new_scores = evaluate(new)
        short = shortfall(new, first, asked)
        kept = new_scores.total > scores.total + 1e-9 and not short
        log.append({"round": k, "proposal": proposal.change, "directive": proposal.directive.as_dict(),
                    "scores": new_scores.as_dict(), "kept": kept, **({"breaks_directive": short} if short else {})})
        if kept:
            plan, scores, directive = new, new_scores, proposal.directive
    return plan, directive, log
