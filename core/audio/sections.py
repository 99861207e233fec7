"""Loudness over time and its reading as a story arc: INTRO -> BUILD -> CLIMAX -> SUSTAIN -> OUTRO."""
from __future__ import annotations

import numpy as np

from ..model import Phase, Section

ENERGY_RATE = 10.0  # energy curve samples per second
#: Below this loudness range (dB) between units the music is "flat": phases follow position only.
MIN_CONTRAST_DB = 3.0
#: Positional arc used for flat music or very short ranges (fractions of the range).
POSITIONAL_ARC = ((Phase.INTRO, 0.10), (Phase.BUILD, 0.40), (Phase.CLIMAX, 0.75),
                  (Phase.SUSTAIN, 0.90), (Phase.OUTRO, 1.0))


def energy_curve(y: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """RMS loudness in dB, ``ENERGY_RATE`` values per second: ``(times, db)``."""
    hop = int(sr / ENERGY_RATE)
    n = y.size // hop
    if n == 0:
        return np.zeros(0), np.zeros(0)
    power = (y[: n * hop].astype(np.float64) ** 2).reshape(n, hop).mean(axis=1)
    return (np.arange(n) + 0.5) / ENERGY_RATE, 10 * np.log10(power + 1e-10)


def unit_bounds(downbeats: list[float] | np.ndarray, start: float, end: float, grid: float = 2.0) -> list[tuple[float, float]]:
    """Consecutive ``[a, b)`` units covering ``[start, end)``: bars where downbeats exist, else ``grid`` seconds."""
    marks = [t for t in downbeats if start < t < end]
    if len(marks) < 2:
        marks = list(np.arange(start + grid, end, grid))
    edges = [start, *marks, end]
    units = [(a, b) for a, b in zip(edges, edges[1:]) if b - a > 1e-3]
    if len(units) > 1 and units[-1][1] - units[-1][0] < 0.25 * (units[-2][1] - units[-2][0]):
        units[-2:] = [(units[-2][0], units[-1][1])]  # fold a sliver at the end into its bar
    return units


def unit_energy(times: np.ndarray, db: np.ndarray, units: list[tuple[float, float]]) -> np.ndarray:
    """Mean loudness (dB of mean power) of the energy curve inside each unit (0 dB without a curve)."""
    if db.size == 0:
        return np.zeros(len(units))
    out = np.empty(len(units))
    for i, (a, b) in enumerate(units):
        sel = (times >= a) & (times < b)
        values = db[sel] if sel.any() else db[[int(np.argmin(np.abs(times - (a + b) / 2)))]]
        out[i] = 10 * np.log10(np.mean(10 ** (values / 10)))
    return out


def arc_phases(energy_db: np.ndarray) -> tuple[list[Phase], np.ndarray]:
    """One phase per unit, in arc order, and each unit's energy normalised to [0, 1].

    CLIMAX is the loudest sustained run (the later one on ties); INTRO the quiet start
    (at most a quarter), OUTRO the quiet end (at most a fifth); BUILD and SUSTAIN fill between.
    """
    n = len(energy_db)
    if n == 0:
        return [], np.zeros(0)
    smooth = np.convolve(np.pad(energy_db, 1, mode="edge"), np.ones(3) / 3, mode="valid")
    lo, hi = float(np.percentile(smooth, 10)), float(smooth.max())
    norm = np.clip((smooth - lo) / max(hi - lo, 1e-9), 0.0, 1.0)
    if hi - lo < MIN_CONTRAST_DB or n < 5:
        return _positional(n), norm if hi - lo >= MIN_CONTRAST_DB else np.full(n, 0.5)
    c0, c1 = _climax_run(norm >= 0.75, norm)
    mid = np.flatnonzero(norm >= 0.5)
    intro_end = min(int(mid[0]), c0, max(1, int(0.25 * n)))
    outro_start = max(int(mid[-1]) + 1, c1 + 1, n - max(1, int(0.2 * n)))
    phases = [Phase.INTRO if i < intro_end else Phase.BUILD if i < c0 else Phase.CLIMAX if i <= c1
              else Phase.SUSTAIN if i < outro_start else Phase.OUTRO for i in range(n)]
    return phases, norm


def _climax_run(high: np.ndarray, norm: np.ndarray) -> tuple[int, int]:
    """Inclusive index range of the run of ``high`` units with the largest summed energy (later wins ties)."""
    best, best_score, i = (0, 0), -1.0, 0
    while i < len(high):
        if high[i]:
            j = i
            while j + 1 < len(high) and high[j + 1]:
                j += 1
            score = float(norm[i:j + 1].sum())
            if score >= best_score:
                best, best_score = (i, j), score
            i = j + 1
        else:
            i += 1
    return best


def _positional(n: int) -> list[Phase]:
    return [next(p for p, edge in POSITIONAL_ARC if (i + 0.5) / n <= edge) for i in range(n)]


def arc_sections(units: list[tuple[float, float]], phases: list[Phase], energy: np.ndarray) -> list[Section]:
    """Merge consecutive units of one phase into sections with their mean normalised energy."""
    sections: list[Section] = []
    i = 0
    while i < len(units):
        j = i
        while j + 1 < len(units) and phases[j + 1] == phases[i]:
            j += 1
        sections.append(Section(units[i][0], units[j][1], phases[i], round(float(energy[i:j + 1].mean()), 3)))
        i = j + 1
    return sections


def label_range(downbeats: list[float] | np.ndarray, times: np.ndarray, db: np.ndarray,
                start: float, end: float) -> list[Section]:
    """Arc sections over ``[start, end)`` of a song from its downbeats and energy curve."""
    units = unit_bounds(downbeats, start, end)
    phases, norm = arc_phases(unit_energy(times, db, units))
    return arc_sections(units, phases, norm)
