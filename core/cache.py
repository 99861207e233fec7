"""The user cache: JSON results under the platform's cache dir (one folder per kind: ``music``,
``footage``, ``thumbnails``; encoder verdicts at its top), written atomically."""
from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path

import appdirs


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
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f)
            os.replace(tmp, folder / f"{key}.json")
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError:
        pass
