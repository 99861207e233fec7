"""Analysis cache: results stored under the user cache dir, keyed by file content and analysis version."""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

import appdirs

from ..model import Music, Phase, Section

#: Bump whenever analysis output for the same audio would change.
ANALYSIS_VERSION = 9


def cache_dir() -> Path:
    """``$MONTAGE_AI_CACHE_DIR`` or the platform's user cache dir for montage-ai."""
    return Path(os.environ.get("MONTAGE_AI_CACHE_DIR") or appdirs.user_cache_dir("montage-ai")) / "music"


def content_key(path: Path) -> str:
    """BLAKE2b of the file's bytes and the analysis version."""
    digest = hashlib.blake2b(f"v{ANALYSIS_VERSION}:".encode(), digest_size=20)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load(path: Path, key: str) -> Music | None:
    """The cached analysis for ``key`` (re-pointed at ``path``), or None."""
    try:
        data = json.loads((cache_dir() / f"{key}.json").read_text(encoding="utf-8"))
        data["sections"] = [Section(s["start"], s["end"], Phase(s["phase"]), s["energy"]) for s in data["sections"]]
        data["path"] = path
        return Music(**data)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store(key: str, music: Music) -> None:
    """Write the analysis atomically; a cache that cannot be written is skipped silently."""
    data = asdict(music)
    data["path"] = str(music.path)
    data["sections"] = [{**asdict(s), "start": float(s.start), "end": float(s.end), "phase": s.phase.value}
                        for s in music.sections]
    try:
        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f)
        os.replace(tmp, folder / f"{key}.json")
    except OSError:
        pass
