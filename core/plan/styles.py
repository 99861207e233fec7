"""Editing styles: how many beats a cut lasts in each arc phase."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import InputError
from ..model import Phase


@dataclass(frozen=True)
class Style:
    """Cut length in beats at the start and at the end of each phase (interpolated between)."""

    name: str
    description: str
    beats_per_cut: dict[Phase, tuple[int, int]]

    def cut_beats(self, phase: Phase, progress: float) -> int:
        """Beats for a cut starting ``progress`` (0..1) of the way through ``phase``."""
        first, last = self.beats_per_cut[phase]
        return max(1, round(first + (last - first) * min(max(progress, 0.0), 1.0)))


def _style(name: str, description: str, intro, build, climax, sustain, outro) -> Style:
    return Style(name, description, dict(zip(Phase, (intro, build, climax, sustain, outro))))


STYLES: dict[str, Style] = {s.name: s for s in (
    _style("dynamic", "Music-video pacing: long opening shots, cuts tightening to 2 beats at the climax.",
           (8, 8), (4, 2), (2, 2), (4, 4), (8, 8)),
    _style("cinematic", "Trailer pacing: lingering shots, a measured climax of one cut per bar.",
           (16, 16), (8, 4), (4, 4), (8, 8), (16, 16)),
    _style("documentary", "Observational pacing: shots held for bars, gentle change of density.",
           (16, 16), (16, 8), (8, 8), (8, 16), (16, 16)),
    _style("hype", "Sports/hype pacing: cuts on every beat at the climax.",
           (4, 2), (2, 1), (1, 1), (2, 2), (4, 4)),
)}
DEFAULT_STYLE = "dynamic"


def get_style(name: str) -> Style:
    try:
        return STYLES[name.lower()]
    except KeyError:
        raise InputError(None, f"unknown style {name!r}; choose one of: {', '.join(STYLES)}") from None
