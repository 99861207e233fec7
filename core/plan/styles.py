"""Editing styles as data: TOML files shipped in the package and added by the user, validated into :class:`Style`.

A style sets the cut length in beats at the start and end of each arc phase, the beat level it cuts
on, shot selection weights, transition rules and an optional pacing curve (see ``docs/styles.md``).
The user's files (``<config dir>/styles/*.toml``) are the same kind of file; one with a package
style's name replaces it.
"""
from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ..config import config_entry, tomllib
from ..dialogue.phrases import DIALOGUE_MODES
from ..errors import InputError
from ..model import Phase
from .selection import SelectionWeights

DEFAULT_STYLE = "dynamic"
#: Metrical levels an editor can cut on: every other beat, every beat, every eighth note.
BEAT_LEVELS = ("half", "beat", "double")
MAX_BEATS = 64
KEYS = {"description", "beat_level", "cut_beats", "weights", "transitions", "pacing", "dialogue"}


@dataclass(frozen=True)
class Transitions:
    """Hard cuts everywhere except a dissolve of ``dissolve_beats`` on bar starts inside ``dissolve_phases``."""

    dissolve_beats: float = 0.0
    dissolve_phases: frozenset[Phase] = frozenset()


@dataclass(frozen=True)
class Style:
    """Cut length in beats at the start and at the end of each phase (interpolated between), and the rest."""

    name: str
    description: str
    beats_per_cut: dict[Phase, tuple[int, int]]
    beat_level: str = "beat"
    weights: SelectionWeights = field(default_factory=SelectionWeights)
    transitions: Transitions = field(default_factory=Transitions)
    pacing: tuple[tuple[float, float], ...] = ()  # (position 0..1 of the timeline, cut-length factor)
    source: Path | None = None
    dialogue: str = "off"  # the clips' speech: off, keep or isolate (--dialogue overrides)

    def cut_beats(self, phase: Phase, progress: float, factor: float = 1.0) -> int:
        """Beats for a cut starting ``progress`` (0..1) of the way through ``phase``, times ``factor``."""
        first, last = self.beats_per_cut[phase]
        return max(1, round((first + (last - first) * min(max(progress, 0.0), 1.0)) * factor))

    def pace(self, position: float) -> float:
        """The pacing curve's cut-length factor at ``position`` (0..1 of the timeline); 1 without a curve."""
        if not self.pacing:
            return 1.0
        xs = [x for x, _ in self.pacing]
        i = bisect.bisect_right(xs, position)
        if i == 0:
            return self.pacing[0][1]
        if i == len(xs):
            return self.pacing[-1][1]
        (x0, y0), (x1, y1) = self.pacing[i - 1], self.pacing[i]
        return y0 + (y1 - y0) * (position - x0) / max(x1 - x0, 1e-9)


class _Reader:
    """Checks one parsed TOML table, raising ``InputError(file, "key K: problem")``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, problem: str) -> InputError:
        return InputError(self.path, f"key {key!r}: {problem}")

    def number(self, key: str, value: object, lo: float, hi: float) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
            raise self.fail(key, f"expected a number from {lo:g} to {hi:g}, got {value!r}")
        return float(value)

    def table(self, key: str, value: object, keys: tuple[str, ...]) -> dict:
        if not isinstance(value, dict):
            raise self.fail(key, f"expected a table with {', '.join(keys)}")
        unknown = sorted(set(value) - set(keys))
        if unknown:
            raise self.fail(f"{key}.{unknown[0]}", f"unknown key; expected one of {', '.join(keys)}")
        missing = [k for k in keys if k not in value]
        if missing:
            raise self.fail(f"{key}.{missing[0]}", "missing")
        return value

    def style(self, data: dict) -> Style:
        unknown = sorted(set(data) - KEYS)
        if unknown:
            raise self.fail(unknown[0], f"unknown key; expected some of {', '.join(sorted(KEYS))}")
        for key in ("description", "cut_beats"):
            if key not in data:
                raise self.fail(key, "missing")
        if not isinstance(data["description"], str):
            raise self.fail("description", "expected a string")
        level = data.get("beat_level", "beat")
        if level not in BEAT_LEVELS:
            raise self.fail("beat_level", f"expected one of {', '.join(BEAT_LEVELS)}, got {level!r}")
        dialogue = data.get("dialogue", "off")
        if dialogue not in DIALOGUE_MODES:
            raise self.fail("dialogue", f"expected one of {', '.join(DIALOGUE_MODES)}, got {dialogue!r}")
        cuts = self.table("cut_beats", data["cut_beats"], tuple(p.value for p in Phase))
        beats = {}
        for phase in Phase:
            pair = cuts[phase.value]
            if (not isinstance(pair, list) or len(pair) != 2
                    or not all(isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= MAX_BEATS for n in pair)):
                raise self.fail(f"cut_beats.{phase.value}", f"expected [start, end], whole beats 1..{MAX_BEATS}, got {pair!r}")
            beats[phase] = (pair[0], pair[1])
        w = self.table("weights", data.get("weights", vars(SelectionWeights())), ("motion", "quality", "variety", "continuity"))
        weights = SelectionWeights(**{k: self.number(f"weights.{k}", v, 0, 1) for k, v in w.items()})
        return Style(self.path.stem, data["description"], beats, level, weights,
                     self.transitions(data.get("transitions", {"dissolve_beats": 0, "dissolve_phases": []})),
                     self.pacing(data.get("pacing", [])), self.path, dialogue)

    def transitions(self, value: object) -> Transitions:
        t = self.table("transitions", value, ("dissolve_beats", "dissolve_phases"))
        phases = t["dissolve_phases"]
        names = [p.value for p in Phase]
        if not isinstance(phases, list) or any(p not in names for p in phases):
            raise self.fail("transitions.dissolve_phases", f"expected a list of {', '.join(names)}, got {phases!r}")
        return Transitions(self.number("transitions.dissolve_beats", t["dissolve_beats"], 0, 16),
                           frozenset(Phase(p) for p in phases))

    def pacing(self, value: object) -> tuple[tuple[float, float], ...]:
        points = []
        for point in value if isinstance(value, list) else [value]:
            if not isinstance(point, list) or len(point) != 2:
                raise self.fail("pacing", f"expected [[position, factor], ...], got {value!r}")
            points.append((self.number("pacing", point[0], 0, 1), self.number("pacing", point[1], 0.25, 4)))
        if [x for x, _ in points] != sorted(x for x, _ in points):
            raise self.fail("pacing", "positions must rise from 0 to 1")
        return tuple(points)


def read_style(path: Path) -> Style:
    """The style in TOML file ``path`` (its name is the file's stem), validated."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise InputError(path, f"cannot read: {err.strerror or err}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise InputError(path, f"not valid TOML: {err}") from None
    return _Reader(path).style(data)


def _package_files() -> list[Path]:
    folder = resources.files(__package__) / "style_files"
    return sorted(Path(str(f)) for f in folder.iterdir() if f.name.endswith(".toml"))


@functools.lru_cache(maxsize=256)
def _read_unchanged(path: Path, mtime_ns: int, size: int) -> Style:
    """:func:`read_style`, parsed once per version of the file (a planning run asks for styles several times)."""
    return read_style(path)


def _read(path: Path) -> Style:
    try:
        st = path.stat()
    except OSError:
        return read_style(path)  # says what is wrong with it
    return _read_unchanged(path, st.st_mtime_ns, st.st_size)


def load_styles() -> dict[str, Style]:
    """Every style by name: the package's, then the user's (a user file replaces a package style of its name);
    a file is parsed again only when it changed."""
    user = config_entry("styles")
    files = _package_files() + (sorted(user.glob("*.toml")) if user is not None and user.is_dir() else [])
    return {s.name: s for s in map(_read, files)}


def get_style(name: str) -> Style:
    styles = load_styles()
    try:
        return styles[name.lower()]
    except KeyError:
        raise InputError(None, f"unknown style {name!r}; choose one of: {', '.join(sorted(styles))}") from None
