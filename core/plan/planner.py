"""The story-arc planner: walks the beat grid of the chosen music range and lays cuts on it."""
from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..audio.hints import DEFAULT_BEAT_ENGINE
from ..dialogue.phrases import dialogue_events, hold_end
from ..errors import InputError, RunWarning
from ..model import Clip, Cut, Marker, Music, Phase, Plan, Section
from ..selects import ClipSelects, unmatched
from ..timebase import Rate, nearest_standard, source_frames_for
from .arc import plan_arc
from .directive import Directive
from .selection import Preference, ShotPicker
from .styles import BEAT_LEVELS, DEFAULT_STYLE, Style, get_style

#: Beat spacing (seconds) of the time grid used when the music has no detectable beat.
FALLBACK_GRID = 0.5
TIMELINE_START_TC = "01:00:00:00"
#: No cut may be shorter: a plan that needs shorter cuts (footage too short to fill the beats) is refused.
MIN_CUT_SECONDS = 0.1


@dataclass(frozen=True)
class PlanSettings:
    """What the editor asked for. Seconds here are music time; 0 means "not set"."""

    style: str = DEFAULT_STYLE
    duration: float = 0.0
    music_start: float = 0.0
    music_end: float = 0.0
    fps: Rate | None = None
    seed: int = 0
    name: str | None = None
    beat_offset_ms: float = 0.0
    beat_level: str = ""  # "" = the style's
    tempo_hint: float | None = None  # BPM: overrules the analysed tempo and level
    beats_per_bar: int | None = None  # overrules the analysed meter
    beat_engine: str = DEFAULT_BEAT_ENGINE  # the beat tracker of the music analysis (audio.hints.BEAT_ENGINES)
    size: tuple[int, int] | None = None  # output (width, height); default: dominant_size of the footage
    dialogue: str | None = None  # off, keep or isolate; None: the style's default
    separator_model: Path | None = None  # Demucs weights for ``isolate`` (else the user's cache)
    phase_tags: tuple[tuple[Phase, tuple[str, ...]], ...] = ()  # --phase-tags: what each phase takes first

    def dialogue_mode(self, style: Style) -> str:
        """``dialogue`` when the editor set it, else ``style``'s default."""
        return self.dialogue or style.dialogue


def beats_at_level(beats: list[float], downbeats: list[float], level: str) -> list[float]:
    """The beat list at ``level``: ``half`` keeps the beats of odd counts (1 and 3 of each bar, anchored on
    the first bar start), ``double`` adds the midpoint between neighbours."""
    if level == "beat" or len(beats) < 2:
        return beats
    if level == "half":
        anchor = beats.index(downbeats[0]) if downbeats and downbeats[0] in beats else 0
        return beats[anchor % 2::2]
    if level == "double":
        mids = [(a + b) / 2 for a, b in zip(beats, beats[1:])]
        return sorted(beats + mids)
    raise InputError(None, f"unknown beat level {level!r}; choose one of: {', '.join(BEAT_LEVELS)}")


def _drop_frame_label(timecode: str) -> str:
    """``HH:MM:SS:FF`` -> ``HH:MM:SS;FF`` (the label read as drop-frame)."""
    return timecode[:8] + ";" + timecode[9:]


def dominant_rate(clips: list[Clip]) -> Rate:
    """The timeline's default rate: the standard rate nearest the one most footage shares (by exact total
    duration).

    A tie goes to the higher rate, whatever the order of the footage: its frames all show and the
    slower footage repeats frames instead of dropping them."""
    weight: Counter[Rate] = Counter()
    for clip in clips:
        weight[clip.rate] += clip.frames / clip.rate.fps
    return nearest_standard(max(weight, key=lambda rate: (weight[rate], rate.fps)))


def check_cut_lengths(plan: Plan) -> None:
    """InputError when a cut is shorter than ``MIN_CUT_SECONDS`` (flashes of one or two frames)."""
    shortest = min(plan.cuts, key=lambda c: c.record_frames)
    if shortest.record_frames < plan.rate.frames_in(MIN_CUT_SECONDS):
        raise InputError(shortest.clip.path, f"cut {shortest.index} would last {shortest.record_frames} frame(s); "
                         f"the footage is too short to fill cuts of at least {MIN_CUT_SECONDS:g} s")


def dominant_size(clips: list[Clip]) -> tuple[int, int]:
    """The displayed frame size (rotation applied) most footage shares by total duration; ties go to
    the first clip's; 1920x1080 when no clip knows its size. The output size of every export."""
    weight: Counter[tuple[int, int]] = Counter()
    for clip in clips:
        if clip.width > 0 and clip.height > 0:
            weight[clip.display_size] += clip.frames / float(clip.rate)
    return weight.most_common(1)[0][0] if weight else (1920, 1080)


def _beat_grid(music: Music, start: float, end: float, warnings: list[str]) -> tuple[list[float], list[float]]:
    if music.has_beats:
        return music.beats, music.downbeats
    warnings.append(RunWarning("no_beat", f"no beats in {music.path.name}: cuts follow a {FALLBACK_GRID:g} s time grid"))
    grid = [float(t) for t in np.arange(start, end, FALLBACK_GRID)]
    return grid, grid[::4]


def _music_range(music: Music, s: PlanSettings, warnings: list[str]) -> tuple[float, float]:
    start, end = s.music_start, s.music_end or music.duration
    if start < 0 or end < 0:
        raise InputError(music.path, "music start and end must not be negative")
    if start >= music.duration:
        raise InputError(music.path, f"music start {start:g} s is past the end of the music ({music.duration:.2f} s)")
    if end > music.duration:
        warnings.append(RunWarning("music_range", f"music end {end:g} s is past the end of the music; using "
                                               f"{music.duration:.2f} s"))
        end = music.duration
    if end <= start:
        raise InputError(music.path, f"music end {end:g} s is not after music start {start:g} s")
    return start, end


def _end_time(music: Music, s: PlanSettings, t0: float, end: float, beats: list[float], bars: list[float]) -> float:
    """Where the montage ends: the song's end when the range runs to it, else the last bar start at or
    before ``t0 + duration`` / the music end. Raises :class:`InputError` when that leaves less than a beat
    (no bar start after the first beat, or the song ending within a beat of it)."""
    limit = min(end, t0 + s.duration) if s.duration > 0 else end
    following = [b for b in beats if b > t0 + 1e-9]
    if limit >= music.duration - 1e-9 and following and following[0] <= music.duration:
        return music.duration
    fitting = [b for b in bars if t0 + 1e-9 < b <= limit + 1e-9]
    if fitting:
        return fitting[-1]
    option = (f"--duration {s.duration:g}" if s.duration > 0 and t0 + s.duration < end
              else f"--music-end {s.music_end:g}" if s.music_end else f"--music-start {s.music_start:g}")
    later = [b for b in bars if b > t0 + 1e-9]
    needed = f"the next bar starts at {later[0]:.2f} s" if later else "no bar starts after it"
    raise InputError(music.path, f"{option} s is too short for a montage: its first beat is at {t0:.2f} s and "
                                 f"{needed}")


def _usable_clips(clips: list[Clip], directive: Directive, warnings: list[str]) -> list[Clip]:
    """``clips`` without those the directive avoids (all of them when it would leave none)."""
    kept = [c for c in clips if c.name not in directive.avoid]
    if not kept:
        warnings.append("every clip is on the avoid list; using them all")
    return kept or clips


def plan_montage(music: Music, clips: list[Clip], settings: PlanSettings, directive: Directive | None = None,
                 selects: dict[Path, ClipSelects] | None = None) -> Plan:
    """Lay cuts on the beats of ``music`` between ``music_start`` and the end (or ``duration``).

    The timeline's frame 0 is the frame holding the first beat at or after ``music_start``; every
    cut starts on the frame that contains its beat (at ``beat_level``, moved by ``beat_offset_ms``). Cut length (in beats) follows the arc phase
    and the style; long cuts end on bar starts; no cut crosses a phase change. The montage ends on a bar
    start or the song's end (:func:`_end_time`), its last cut at least a beat long. A ``directive`` (from a
    director) chooses the style and scales phase lengths and cut lengths, favours or avoids clips, and
    says which material (clips, tags) each phase takes first. ``selects`` (the editor's marked ranges and
    tags per clip path) limit each marked clip to its ranges.
    """
    if not clips:
        raise InputError(None, "no footage to cut")
    warnings: list[str] = []
    directive = directive or Directive(settings.style)
    style = get_style(directive.style)
    rate = settings.fps or dominant_rate(clips)
    start, end = _music_range(music, settings, warnings)
    beats, bars = _beat_grid(music, start, end, warnings)
    beats = beats_at_level(beats, bars, settings.beat_level or directive.beat_level or style.beat_level)
    if settings.beat_offset_ms:
        shift = settings.beat_offset_ms / 1000.0
        beats = [b + shift for b in beats if 0.0 <= b + shift]
        bars = [b + shift for b in bars if 0.0 <= b + shift]
    first = bisect.bisect_left(beats, start - 1e-9)
    if first >= len(beats) or beats[first] >= end:
        raise InputError(music.path, f"no beat between {start:g} s and {end:g} s")
    t0 = beats[first]
    music_in = rate.frame_at(t0)
    if settings.duration > 0 and t0 + settings.duration > end + 1e-9:
        warnings.append(RunWarning("music_range",
                                f"asked for {settings.duration:g} s but the music range holds {end - t0:.2f} s"))
    total = rate.frame_at(_end_time(music, settings, t0, end, beats, bars)) - music_in
    if total <= 0:
        raise InputError(music.path, "the chosen music range is shorter than one frame")
    t_end = float(t0 + rate.seconds(total))
    sections = plan_arc(bars, np.asarray(music.energy_times), np.asarray(music.energy), t0, t_end, directive.arc)
    walker = _GridWalker(rate, music_in, total, [b for b in beats[first:] if b < t_end], bars, sections)
    favour = frozenset(c.path for c in clips if c.name in directive.favour)
    picker = ShotPicker(_usable_clips(clips, directive, warnings), rate, settings.seed,
                        directive.weights or style.weights, favour, selects or {}, frozenset(directive.favour_tags))
    for miss in unmatched(directive.asked_tags(), clips, selects or {}):
        warnings.append(RunWarning("tag_unmatched",
                                f"tag {miss['tag']!r} ({miss['asked']}) matches no clip and no tag of the footage"))
    dialogue = settings.dialogue_mode(style)
    cuts = walker.cuts(style, picker, directive, hold=dialogue != "off")
    for clip in {c.clip.path: c.clip for c in cuts}.values():
        if clip.rate != rate:
            warnings.append(RunWarning("mixed_rate",
                                    f"{clip.name}: {clip.rate} fps on a {rate} fps timeline; plays at real-time speed"))
    width, height = settings.size or dominant_size(clips)
    return Plan(
        name=settings.name or f"Montage - {music.path.stem}",
        rate=rate,
        music=music,
        music_in=music_in,
        frames=total,
        cuts=cuts,
        markers=walker.markers(),
        style=style.name,
        start_timecode=rate.parse_timecode(_drop_frame_label(TIMELINE_START_TC) if rate.drop_frame_capable
                                           else TIMELINE_START_TC),
        drop_frame=rate.drop_frame_capable,
        seed=settings.seed,
        warnings=warnings,
        sections=sections,
        width=width,
        height=height,
        dialogue_mode=dialogue,
        dialogue=dialogue_events(cuts, rate) if dialogue != "off" else [],
    )


class _GridWalker:
    """Beat grid of one timeline: beat times, their timeline frames, bars and arc sections."""

    def __init__(self, rate: Rate, music_in: int, total: int, beats: list[float], bars: list[float],
                 sections: list[Section]) -> None:
        self.rate, self.music_in, self.total = rate, music_in, total
        frames, times = [], []
        for t in beats:
            f = rate.frame_at(t) - music_in
            if 0 <= f < total and (not frames or f > frames[-1]):
                frames.append(f)
                times.append(t)
        self.frames, self.times = frames, times
        bar_set = {round(b, 6) for b in bars}
        self.bar_index = [i for i, t in enumerate(times) if round(t, 6) in bar_set]
        self.bar_set = set(self.bar_index)
        self.sections = sections
        self.phase_starts = sorted({bisect.bisect_left(times, s.start - 1e-6) for s in sections[1:]})

    def section_at(self, t: float) -> tuple[Section, float]:
        for s in self.sections:
            if t < s.end:
                return s, (t - s.start) / max(s.end - s.start, 1e-9)
        return self.sections[-1], 1.0

    def _end_index(self, i: int, n: int) -> int:
        """Index of the beat that ends a cut of ``n`` beats from beat ``i``: on a bar start for long
        cuts (within half the length), never past the next phase change."""
        j = i + n
        if n >= 4 and self.bar_index:
            near = [b for b in self.bar_index if i < b and abs(b - j) <= n // 2]
            if near:
                j = min(near, key=lambda b: (abs(b - j), b))
        crossing = [k for k in self.phase_starts if i < k < j]
        return crossing[0] if crossing else j

    def _next_phase(self, pos: int) -> int | None:
        """The timeline frame of the first phase change after ``pos`` (None: no later phase)."""
        return next((self.frames[k] for k in self.phase_starts if k < len(self.frames) and self.frames[k] > pos), None)

    def _dissolve(self, style: Style, phase, i: int, on_beat: bool, beat_len: int) -> int:
        """Dissolve frames into a cut starting on beat ``i``: only on bar starts in the style's calm phases."""
        rule = style.transitions
        if not (rule.dissolve_beats and on_beat and phase in rule.dissolve_phases and i in self.bar_set):
            return 0
        return round(rule.dissolve_beats * beat_len)

    def cuts(self, style: Style, picker: ShotPicker, directive: Directive, hold: bool = False) -> list[Cut]:
        """The cuts; with ``hold``, cut ends move off the clips' speech (:func:`hold_end`)."""
        cuts: list[Cut] = []
        pos, i = 0, 0
        swaps = {index: name for index, name in directive.swaps}
        by_name = {c.name: c.path for c in picker.clips}
        beat_len = max(1, (self.frames[-1] - self.frames[0]) // max(1, len(self.frames) - 1))
        while pos < self.total:
            on_beat = i < len(self.frames) and self.frames[i] == pos
            t = self.times[i] if on_beat else float(self.rate.seconds(pos + self.music_in))
            section, progress = self.section_at(t)
            n = style.cut_beats(section.phase, progress, directive.pacing[section.phase] * style.pace(pos / self.total))
            j = self._end_index(i, n if on_beat else n - 1)
            end = self.frames[j] if j < len(self.frames) else self.total
            if self.total - end < beat_len:
                end = self.total  # a sliver of less than a beat joins the last cut
            pref = Preference(frozenset(directive.wanted(section.phase)),
                              frozenset({by_name[swaps[len(cuts)]]} if swaps.get(len(cuts)) in by_name else ()),
                              frozenset(directive.shunned(section.phase)))
            longest = picker.longest_record_frames(pref, min(beat_len, end - pos))
            if end - pos > longest:
                fitting = [f for f in self.frames[i:j] if pos < f <= pos + longest]
                end = fitting[-1] if fitting else pos + longest
            p = picker.pick(end - pos, section.energy, pref)
            held = hold_end(p.clip, p.source_in, p.limit, pos, end, self.frames, self.rate,
                            self.total, beat_len, self._next_phase(pos)) if hold else end
            if held != end:
                end, p = held, picker.extend(p, source_frames_for(held - pos, p.clip.rate, self.rate))
            dissolve = min(self._dissolve(style, section.phase, i, on_beat, beat_len) if cuts else 0,
                           (end - pos) // 2, cuts[-1].record_frames // 2 if cuts else 0)
            cuts.append(Cut(len(cuts), p.clip, p.source_in, p.source_out, pos, end, round(t, 6), section.phase,
                            on_beat, p.shot, p.why, dissolve, p.tags, p.range_source))
            pos = end
            i = bisect.bisect_left(self.frames, pos)
        return cuts

    def markers(self) -> list[Marker]:
        """A marker where each phase begins and on every bar start."""
        out = [Marker(max(0, self.rate.frame_at(s.start) - self.music_in), s.phase.value, "phase", s.phase)
               for s in self.sections]
        for bar_no, i in enumerate(self.bar_index, start=1):
            out.append(Marker(self.frames[i], f"Bar {bar_no}", "downbeat", self.section_at(self.times[i])[0].phase))
        return sorted(out, key=lambda m: (m.frame, m.kind != "phase"))


