"""The one place that checks what the editor typed: CLI options and their environment variables.

Each ``parse_*`` turns text into a clean value or raises :class:`ValueError` with the problem in
words; the CLI reports it as ``montage-ai: <option>: <problem>`` (exit 2), an environment
variable as ``montage-ai: $NAME: <problem>``. :func:`plan_settings` builds the checked
:class:`~montage_ai.plan.planner.PlanSettings` from the options with the environment as defaults.
"""
from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

from .audio.hints import BEAT_ENGINES, BEATS_PER_BAR_RANGE, TEMPO_HINT_RANGE
from .errors import InputError, shown
from .model import ASPECTS as DELIVERABLE_SHAPES, Aspect, Phase
from .plan.planner import PlanSettings
from .selects import tag
from .timebase import STANDARD_RATES, Rate
#: Seeds are 32-bit, like every random generator's seed the editor may know.
MAX_SEED = 2**32 - 1
#: ``--beat-offset-ms`` moves cuts by at most this much either way (two beats at 60 BPM).
MAX_OFFSET_MS = 2000.0
#: Environment variables that default an option (variable, option).
ENV_DEFAULTS = (("TARGET_DURATION", "duration"), ("MUSIC_START", "music_start"), ("MUSIC_END", "music_end"))

T = TypeVar("T")


def _number(text: str, unit: str) -> float:
    try:
        value = float(str(text).strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a number of {unit}") from None
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a finite number of {unit}")
    return value


def parse_seconds(text: str) -> float:
    """A finite, non-negative number of seconds (0 = not set)."""
    value = _number(text, "seconds")
    if value < 0:
        raise ValueError(f"{text!r} is negative; give seconds from 0 (0 = not set)")
    return value


def parse_fps(text: str) -> Rate:
    """A timeline rate every export and its readers carry: one of ``STANDARD_RATES`` (OTIO's and the
    EDL readers' timecode knows no others: 12, 100 or 120 fps write EDLs they refuse)."""
    try:
        rate = Rate.parse(text)
    except (ValueError, ZeroDivisionError, ArithmeticError):
        raise ValueError(f"not a frame rate: {text!r} (e.g. 24000/1001, 23.976, 25)") from None
    if rate not in STANDARD_RATES:
        raise ValueError(f"{text!r} is not a timeline rate: use one of "
                         + ", ".join(f"{float(r.fps):.5g}" for r in STANDARD_RATES))
    return rate


def parse_seed(text: str) -> int:
    """A whole number from 0 to ``MAX_SEED``."""
    try:
        value = int(str(text).strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a whole number") from None
    if not 0 <= value <= MAX_SEED:
        raise ValueError(f"{text} is out of range; use 0 to {MAX_SEED}")
    return value


def parse_offset_ms(text: str) -> float:
    """Milliseconds within +-``MAX_OFFSET_MS``."""
    value = _number(text, "milliseconds")
    if abs(value) > MAX_OFFSET_MS:
        raise ValueError(f"{text!r} ms is too far; cuts move at most {MAX_OFFSET_MS:g} ms either way")
    return value


def parse_beat_engine(text: str) -> str:
    """One of ``audio.hints.BEAT_ENGINES`` (``learned``, ``dsp``, ``hybrid``)."""
    value = str(text).strip().lower()
    if value not in BEAT_ENGINES:
        raise ValueError(f"{text!r} is not a beat engine; choose from {', '.join(BEAT_ENGINES)}")
    return value


def parse_out(text: str) -> Path:
    """An output folder path; the empty string (which would mean the current folder) is refused."""
    if not str(text).strip():
        raise ValueError("empty path; name the output folder")
    try:
        str(text).encode("utf-8")
    except UnicodeEncodeError:  # OTIO and the other writers cannot name a file there: said now, not after analysis
        raise ValueError(f"{shown(text)}: folder name is not valid UTF-8, so the exports cannot be written "
                         "there; choose another") from None
    return Path(text)


#: Deliverable shapes ``--aspects`` takes (the platforms' frames: web, Reels/Shorts/TikTok, feeds).
ASPECTS = tuple(a.name for a in DELIVERABLE_SHAPES)


def parse_aspects(text: str) -> tuple[Aspect, ...]:
    """Comma-separated shapes from ``ASPECTS`` (``16:9,9:16,1:1``), each once; the first goes to ``--out``."""
    names = [n.strip() for n in str(text).split(",") if n.strip()]
    unknown = [n for n in names if n not in ASPECTS]
    if unknown or not names:
        raise ValueError(f"{text!r}: choose from {', '.join(ASPECTS)} (comma-separated)")
    if len(set(names)) != len(names):
        raise ValueError(f"{text!r} names an aspect twice")
    shapes = {a.name: a for a in DELIVERABLE_SHAPES}
    return tuple(shapes[n] for n in names)


def parse_model(text: str) -> Path:
    """An existing model file or folder (``--separator-model``)."""
    path = Path(text).expanduser()
    if not path.exists():
        raise ValueError(f"{text}: no such file or folder")
    return path.absolute()


def parse_phase_tags(text: str) -> dict[Phase, tuple[str, ...]]:
    """``INTRO=establishing,CLIMAX=action+drone,OUTRO=faces``: per phase, the tags (or clip names) it takes
    first; ``+`` joins several for one phase, a phase named twice adds."""
    out: dict[Phase, tuple[str, ...]] = {}
    for item in (i.strip() for i in str(text).split(",")):
        if not item:
            continue
        phase, sep, words = item.partition("=")
        try:
            key = Phase(phase.strip().upper())
        except ValueError:
            raise ValueError(f"{phase.strip()!r} is not a phase; use "
                             + ", ".join(p.value for p in Phase) + " (e.g. INTRO=establishing)") from None
        tags = tuple(t for t in (tag(w) for w in words.split("+")) if t)
        if not sep or not tags:
            raise ValueError(f"{item!r} names no tag; write PHASE=TAG (e.g. INTRO=establishing)")
        out[key] = tuple(dict.fromkeys((*out.get(key, ()), *tags)))
    if not out:
        raise ValueError("no PHASE=TAG given (e.g. INTRO=establishing,CLIMAX=action)")
    return out


def parse_size(text: str) -> tuple[int, int]:
    """An output frame size ``WxH``: even width and height from 16 to 16384."""
    try:
        width, height = (int(v) for v in str(text).lower().split("x"))
    except ValueError:
        raise ValueError(f"not a frame size: {text!r} (WxH, e.g. 1920x1080)") from None
    if not (16 <= width <= 16384 and 16 <= height <= 16384) or width % 2 or height % 2:
        raise ValueError(f"frame size {text!r}: width and height must be even, 16 to 16384")
    return width, height


def parse_formats(text: str) -> tuple[str, ...]:
    """Comma-separated export names of ``export.FORMATS``, at least one."""
    from .export import FORMATS
    chosen = tuple(f.strip() for f in str(text).split(",") if f.strip())
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise ValueError(f"unknown format(s) {unknown}; choose from {', '.join(FORMATS)}")
    return chosen


def parse_tempo_hint(text: str) -> float:
    """A tempo in BPM within ``TEMPO_HINT_RANGE``."""
    try:
        bpm = float(text)
    except ValueError:
        bpm = float("nan")
    if not TEMPO_HINT_RANGE[0] <= bpm <= TEMPO_HINT_RANGE[1]:
        raise ValueError(f"{text!r} is not a tempo in BPM from {TEMPO_HINT_RANGE[0]:g} to {TEMPO_HINT_RANGE[1]:g}")
    return bpm


def parse_beats_per_bar(text: str) -> int:
    """A whole number of beats within ``BEATS_PER_BAR_RANGE``."""
    if not str(text).strip().isdigit() or not BEATS_PER_BAR_RANGE[0] <= int(text) <= BEATS_PER_BAR_RANGE[1]:
        raise ValueError(f"{text!r} is not a whole number of beats from {BEATS_PER_BAR_RANGE[0]} "
                         f"to {BEATS_PER_BAR_RANGE[1]}")
    return int(text)


def parse_style(text: str) -> str:
    """A style name of ``plan.styles.load_styles`` (any case), lower-cased; the styles' own errors too."""
    from .plan.styles import load_styles
    try:
        names = sorted(load_styles())
    except InputError as err:
        raise ValueError(str(err)) from None
    if str(text).lower() not in names:
        raise ValueError(f"unknown style {text!r}; choose from {', '.join(names)}")
    return str(text).lower()


def parse_rounds(text: str) -> int:
    """Refine rounds: a whole number from 0 (off)."""
    if not str(text).isdigit():
        raise ValueError(f"not a number of rounds: {text!r} (0 turns refining off)")
    return int(text)


def parse_scheduler(text: str) -> str:
    """``tcp://HOST:PORT`` (or ``tls://``) or ``local:N``."""
    from .cluster import parse_scheduler as parse
    try:
        parse(text)
    except InputError as err:
        raise ValueError(err.problem.removeprefix("--scheduler ")) from None
    return str(text).strip()


def parse_path_map(text: str):
    """``EDITOR=WORKER[;...]`` as a :class:`~montage_ai.cluster.PathMap`."""
    from .cluster import PathMap
    try:
        return PathMap.parse(text)
    except InputError as err:
        raise ValueError(err.problem) from None


def parse_loudness(text: str) -> float:
    """A master's loudness target in LUFS within ``render.loudness.TARGET_RANGE``."""
    from .render.loudness import check_target
    try:
        return check_target(float(text))
    except ValueError:
        raise ValueError(f"not a loudness in LUFS: {text!r}") from None
    except InputError as err:
        raise ValueError(err.problem.removeprefix("--loudness ")) from None


def from_env(name: str, parse: Callable[[str], T], env: Mapping[str, str] | None = None) -> T | None:
    """``parse`` of environment variable ``name``; None when unset or blank; InputError naming it if bad."""
    raw = (os.environ if env is None else env).get(name, "").strip()
    if not raw:
        return None
    try:
        return parse(raw)
    except ValueError as err:
        raise InputError(f"${name}", str(err)) from None


def plan_settings(style: str, *, duration: float | None = None, music_start: float | None = None,
                  music_end: float | None = None, env: Mapping[str, str] | None = None, **given) -> PlanSettings:
    """:class:`PlanSettings` from checked option values; a time not given falls back to its environment
    variable, then 0. InputError when the music range is empty (end not after start)."""
    times = {"duration": duration, "music_start": music_start, "music_end": music_end}
    for var, key in ENV_DEFAULTS:
        if times[key] is None:
            times[key] = from_env(var, parse_seconds, env) or 0.0
    start, end = times["music_start"], times["music_end"]
    if end and end <= start:
        raise InputError("--music-end", f"{end:g} s is not after the music start {start:g} s")
    return PlanSettings(style=style, **times, **given)
