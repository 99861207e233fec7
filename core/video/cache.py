"""Footage analysis cache: one JSON per file under the user cache dir, keyed by the file's identity
(size, modification time, a hash of its first MiB) and the analysis version. Never beside the media."""
from __future__ import annotations

import hashlib
import math
from dataclasses import asdict, fields
from pathlib import Path

from ..cache import cache_root, read_json, write_json
from ..errors import warning_kind, with_kinds
from ..model import AudioFormat, Clip, Shot
from ..timebase import Rate

#: Bump whenever footage analysis output for the same file would change.
ANALYSIS_VERSION = 6
HEAD_BYTES = 1 << 20


def cache_dir() -> Path:
    return cache_root() / "footage"


def identity_key(path: Path) -> str:
    """BLAKE2b of the analysis version, size, mtime and first MiB of ``path`` (OSError if unreadable)."""
    st = path.stat()
    digest = hashlib.blake2b(f"v{ANALYSIS_VERSION}:{st.st_size}:{st.st_mtime_ns}:".encode(), digest_size=20)
    with open(path, "rb") as f:
        digest.update(f.read(HEAD_BYTES))
    return digest.hexdigest()


def clip_to_json(clip: Clip) -> dict:
    data = asdict(clip)
    data["path"], data["rate"] = str(clip.path), str(clip.rate)
    return data


def clip_from_json(data: dict, path: Path) -> Clip:
    """The clip ``data`` describes, re-pointed at ``path``."""
    shot_fields = {f.name for f in fields(Shot)}
    shots = [Shot(**{k: tuple(v) if isinstance(v, list) else v for k, v in s.items() if k in shot_fields})
             for s in data["shots"]]
    marks = {k: [tuple(r) for r in v] for k, v in data.get("marks", {}).items()}
    audio = AudioFormat(**data["audio"]) if data.get("audio") else None
    return Clip(**{**data, "path": path, "rate": Rate.parse(data["rate"]), "shots": shots, "marks": marks,
                   "audio": audio, "speech": tuple(tuple(r) for r in data.get("speech", ()))})


#: Shot scores that are shares (0..1); the others must be finite and not negative.
_SHARES = ("motion", "quality", "subject_motion", "shake", "sharpness", "exposure", "black", "frozen")
_FINITE = ("camera_motion",)


def _inside(span: object, start: int, end: int) -> bool:
    return (isinstance(span, tuple) and len(span) == 2 and all(isinstance(v, int) for v in span)
            and start <= span[0] < span[1] <= end)


def doubt(clip: Clip) -> str | None:
    """What makes no sense in a cached clip (rate or size out of range, shots not tiling its frames,
    scores not finite or out of range, marks outside it), or None."""
    fps = float(clip.rate.fps)
    if not 1 <= fps <= 1000:
        return f"rate {clip.rate} fps out of range"
    if not all(isinstance(v, int) and 2 <= v <= 16384 for v in (clip.width, clip.height)):
        return f"frame size {clip.width}x{clip.height} out of range"
    if not isinstance(clip.frames, int) or clip.frames <= 0:
        return f"{clip.frames!r} frames"
    edges = [0] + [e for s in clip.shots for e in (s.start, s.end)] + [clip.frames]
    if not clip.shots or any(a != b for a, b in zip(edges[::2], edges[1::2])) or any(s.end <= s.start
                                                                                  for s in clip.shots):
        return f"shots do not tile the clip's {clip.frames} frames"
    for shot in clip.shots:
        values = [getattr(shot, k) for k in (*_SHARES, *_FINITE)]
        if not all(isinstance(v, (int, float)) and math.isfinite(v) and v >= 0 for v in values) or any(
                getattr(shot, k) > 1 for k in _SHARES) or not isinstance(shot.flashes, int) or shot.flashes < 0:
            return f"shot {shot.start}-{shot.end}: scores not finite or out of range"
        if shot.thumbnail is not None and not (isinstance(shot.thumbnail, int) and shot.start <= shot.thumbnail
                                               < shot.end):
            return f"shot {shot.start}-{shot.end}: thumbnail frame outside the shot"
        if any(w is not None and not _inside(w, shot.start, shot.end) for w in (shot.window, shot.active_window)):
            return f"shot {shot.start}-{shot.end}: window outside the shot"
    if any(not _inside(run, 0, clip.frames) for runs in clip.marks.values() for run in runs):
        return "marks outside the clip"
    return None


def against_file(cached: Clip, probed: Clip) -> str | None:
    """Where a cached clip disagrees with the file as probed now (rate, size, more frames than it has)."""
    if cached.rate != probed.rate:
        return f"rate {cached.rate} but the file has {probed.rate}"
    if (cached.width, cached.height, cached.rotation) != (probed.width, probed.height, probed.rotation):
        return f"frame size {cached.width}x{cached.height} but the file has {probed.width}x{probed.height}"
    if cached.frames > probed.frames + 1:
        return f"{cached.frames} frames but the file has {probed.frames}"
    return None


def load(path: Path, key: str, doubts: list[str] | None = None) -> tuple[Clip, list[str]] | None:
    """The cached clip and its analysis warnings for ``key``, or None; why an entry that exists is
    not used (unreadable, or :func:`doubt`) is added to ``doubts``."""
    data = read_json(cache_dir(), key)
    if data is None:
        return None
    try:
        clip, warnings = clip_from_json(data["clip"], path), with_kinds(data["warnings"], data.get("warning_kinds"))
        problem = doubt(clip) or (None if all(isinstance(w, str) for w in warnings) else "warnings not text")
    except (TypeError, KeyError, ValueError, AttributeError, ZeroDivisionError) as err:
        problem = f"unreadable ({type(err).__name__}: {err})"
    if problem is None:
        return clip, warnings
    if doubts is not None:
        doubts.append(problem)
    return None


def store(key: str, clip: Clip, warnings: list[str]) -> None:
    write_json(cache_dir(), key, {"clip": clip_to_json(clip), "warnings": warnings,
                                  "warning_kinds": [warning_kind(w) for w in warnings]})
