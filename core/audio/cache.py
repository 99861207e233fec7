"""Analysis cache: results stored under the user cache dir, keyed by file content and analysis version.

An entry is ``{"version", "checksum", "music"}``; on read the version and the checksum of the
``music`` part must match and every field must make sense (types, finite numbers, beats rising
within the duration, sections inside it), else the entry is ignored and the song analysed again.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict
from pathlib import Path

from ..cache import cache_root, read_json, write_json
from ..errors import InputError, warning_kind, with_kinds
from ..model import Music, Phase, Section
from .beats import tempo_bpm
from .hints import BEATS_PER_BAR_RANGE

#: Bump whenever analysis output for the same audio would change.
ANALYSIS_VERSION = 14


def cache_dir() -> Path:
    """The music folder of the user cache (:func:`montage_ai.cache.cache_root`)."""
    return cache_root() / "music"


def content_key(path: Path) -> str:
    """BLAKE2b of the file's bytes and the analysis version."""
    digest = hashlib.blake2b(f"v{ANALYSIS_VERSION}:".encode(), digest_size=20)
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except OSError as err:
        raise InputError(path, f"cannot read the file ({err.strerror})") from None
    return digest.hexdigest()


def _checksum(music: dict) -> str:
    return hashlib.blake2b(json.dumps(music, sort_keys=True).encode(), digest_size=16).hexdigest()


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    return float(value)


def _times(values: object, duration: float) -> list[float]:
    """``values`` as strictly rising times within ``[0, duration]``."""
    times = [_number(v) for v in values] if isinstance(values, list) else None
    if times is None or any(b <= a for a, b in zip(times, times[1:])) or (times and not
                                                                          0 <= times[0] <= times[-1] <= duration):
        raise ValueError("times not rising within the song")
    return times


def _music(data: dict, path: Path) -> Music:
    """The :class:`Music` a cache entry describes; ValueError/KeyError/TypeError when anything is off."""
    duration = _number(data["duration"])
    beats = _times(data["beats"], duration)
    downbeats = _times(data["downbeats"], duration)
    energy_times, energy = _times(data["energy_times"], duration + 1.0), [_number(v) for v in data["energy"]]
    sections = [Section(_number(s["start"]), _number(s["end"]), Phase(s["phase"]), _number(s["energy"]))
                for s in data["sections"]]
    if (duration <= 0 or len(energy) != len(energy_times) or not set(downbeats) <= set(beats)
            or any(not 0 <= s.start <= s.end <= duration for s in sections)
            or not all(isinstance(w, str) for w in data["warnings"])):
        raise ValueError("inconsistent entry")
    tempo, meter = _number(data["tempo_bpm"]), data["beats_per_bar"]
    if len(beats) < 2 and tempo != 0 or len(beats) >= 2 and abs(tempo - tempo_bpm(beats)) > 0.5:
        raise ValueError(f"tempo {tempo:g} BPM does not match the beats")
    if not isinstance(meter, int) or not BEATS_PER_BAR_RANGE[0] <= meter <= BEATS_PER_BAR_RANGE[1]:
        raise ValueError(f"{meter!r} beats per bar")
    if _number(data["sample_rate"]) <= 0:
        raise ValueError("sample rate not positive")
    return Music(path=path, duration=duration, sample_rate=int(_number(data["sample_rate"])),
                 tempo_bpm=tempo, beats=beats, downbeats=downbeats, sections=sections,
                 energy_times=energy_times, energy=energy,
                 warnings=with_kinds(data["warnings"], data.get("warning_kinds")),
                 beats_per_bar=int(_number(data["beats_per_bar"])),
                 overrides={str(k): _number(v) for k, v in data.get("overrides", {}).items()},
                 beat_engine=str(data.get("beat_engine", "dsp")))


def load(path: Path, key: str, doubts: list[str] | None = None) -> Music | None:
    """The cached analysis for ``key`` (re-pointed at ``path``), or None when there is none or any
    doubt about it (other version, checksum mismatch, a field that makes no sense: tempo against the
    beats, metre out of range...); why an entry that exists was doubted is added to ``doubts``."""
    entry = read_json(cache_dir(), key)
    if entry is None:
        return None
    try:
        if entry["version"] != ANALYSIS_VERSION:
            return None  # an older analysis, not a doubtful one
        if entry["checksum"] != _checksum(entry["music"]):
            raise ValueError("checksum mismatch")
        return _music(entry["music"], path)
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        if doubts is not None:
            doubts.append(f"{type(err).__name__}: {err}" if not isinstance(err, ValueError) else str(err))
        return None


def store(key: str, music: Music) -> None:
    """Write the analysis atomically; a cache that cannot be written is skipped silently (no temp file left)."""
    data = asdict(music)
    data["path"] = str(music.path)
    data["warning_kinds"] = [warning_kind(w) for w in music.warnings]
    data["sections"] = [{**asdict(s), "start": float(s.start), "end": float(s.end), "phase": s.phase.value}
                        for s in music.sections]
    data = json.loads(json.dumps(data))  # the checksum covers exactly what a reader will parse
    write_json(cache_dir(), key, {"version": ANALYSIS_VERSION, "checksum": _checksum(data), "music": data})
