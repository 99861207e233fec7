"""The user cache: JSON results under the platform's cache dir (one folder per kind: ``music``,
``footage``, ``thumbnails``; encoder verdicts at its top), written atomically."""
from __future__ import annotations

import json
import os
from pathlib import Path

import appdirs

from .output import write_atomic


def cache_root() -> Path:
    """``$MONTAGE_AI_CACHE_DIR`` or the platform's user cache dir for montage-ai."""
    return Path(os.environ.get("MONTAGE_AI_CACHE_DIR") or appdirs.user_cache_dir("montage-ai"))


def read_json(folder: Path, key: str) -> object | None:
    """The JSON stored under ``key`` in ``folder``, or None when missing or unreadable."""
    try:
        return json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_json(folder: Path, key: str, data: object) -> None:
    """Write ``data`` as ``key``'s JSON atomically; a cache that cannot be written is skipped silently."""
    text = json.dumps(data)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / f"{key}.json", text)
    except OSError:
        pass
