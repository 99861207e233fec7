"""Footage analysis cache: one JSON per file under the user cache dir, keyed by the file's identity
(size, modification time, a hash of its first MiB) and the analysis version. Never beside the media."""
from __future__ import annotations

import hashlib
from dataclasses import asdict, fields
from pathlib import Path

from ..cache import cache_root, read_json, write_json
from ..model import AudioFormat, Clip, Shot
from ..timebase import Rate

#: Bump whenever footage analysis output for the same file would change.
ANALYSIS_VERSION = 5
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
                   "audio": audio})


def load(path: Path, key: str) -> tuple[Clip, list[str]] | None:
    """The cached clip and its analysis warnings for ``key``, or None."""
    data = read_json(cache_dir(), key)
    try:
        return clip_from_json(data["clip"], path), list(data["warnings"])
    except (TypeError, KeyError, ValueError):
        return None


def store(key: str, clip: Clip, warnings: list[str]) -> None:
    write_json(cache_dir(), key, {"clip": clip_to_json(clip), "warnings": warnings})
