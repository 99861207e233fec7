"""The arc controller: the music's sections over the chosen range, read as INTRO → BUILD → CLIMAX → SUSTAIN → OUTRO.

The arc is read from the loudness of the bars inside ``[start, end)`` (the music range cut to
``--duration``), so it stretches or compresses with the range; every phase change is a bar start; the
CLIMAX holds the range's energy peak. A directive's arc weights make phases longer or shorter (in
whole bars), after which the CLIMAX is moved back over the peak if it slid off.
"""
from __future__ import annotations

import numpy as np

from ..audio.sections import arc_phases, arc_sections, unit_bounds, unit_energy
from ..model import Phase, Section

ORDER = list(Phase)


def _counts(phases: list[Phase]) -> list[int]:
    return [sum(1 for p in phases if p is q) for q in ORDER]


def _labels(counts: list[int], climax_start: int, n: int) -> list[Phase]:
    """Phases of ``n`` units with the CLIMAX's ``counts[2]`` units from ``climax_start``; the units before
    it split between INTRO and BUILD, those after between SUSTAIN and OUTRO, in the ratios of ``counts``."""
    def split(units: int, a: int, b: int) -> tuple[int, int]:
        first = round(units * a / (a + b)) if a + b else 0
        if units >= 2 and a and b:
            first = min(max(first, 1), units - 1)
        return first, units - first

    climax = counts[2]
    intro, build = split(climax_start, counts[0], counts[1])
    sustain, outro = split(n - climax_start - climax, counts[3], counts[4])
    return [p for p, k in zip(ORDER, (intro, build, climax, sustain, outro)) for _ in range(k)]


def _climax_on_peak(phases: list[Phase], norm: np.ndarray) -> list[Phase]:
    """``phases`` with the CLIMAX run moved (same length) so that it holds the loudest unit."""
    if Phase.CLIMAX not in phases or float(np.ptp(norm)) < 1e-9:
        return phases
    peak = int(np.argmax(norm))
    if phases[peak] is Phase.CLIMAX:
        return phases
    counts = _counts(phases)
    start = min(max(peak - counts[2] // 2, 0), len(phases) - counts[2])
    return _labels(counts, start, len(phases))


def _reweigh(phases: list[Phase], lengths: dict[Phase, float]) -> list[Phase]:
    """Phase lengths (whole units) scaled by ``lengths``; every phase present keeps at least one unit."""
    n, counts = len(phases), _counts(phases)
    want = np.array([c * lengths[p] for c, p in zip(counts, ORDER)], dtype=float)
    want *= n / want.sum()
    new = [max(1, int(w)) if c else 0 for w, c in zip(want, counts)]
    for i in np.argsort(-(want - np.floor(want))):  # largest remainders first
        if sum(new) >= n:
            break
        if counts[i]:
            new[i] += 1
    while sum(new) > n:
        new[int(np.argmax(new))] -= 1
    return _labels(new, new[0] + new[1], n)


def plan_arc(bars: list[float], times: np.ndarray, db: np.ndarray, start: float, end: float,
             lengths: dict[Phase, float] | None = None) -> list[Section]:
    """Arc sections over ``[start, end)`` (bars as units), CLIMAX on the energy peak, phases scaled by ``lengths``."""
    units = unit_bounds(bars, start, end)
    phases, norm = arc_phases(unit_energy(times, db, units))
    if lengths and any(v != 1.0 for v in lengths.values()) and len(units) >= 5:
        phases = _reweigh(phases, lengths)
    return arc_sections(units, _climax_on_peak(phases, norm), norm)
