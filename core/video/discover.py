"""Expand footage arguments (files and folders) into a sorted list of video files."""
from __future__ import annotations

from pathlib import Path

from ..errors import InputError

VIDEO_EXTENSIONS = frozenset({".mp4", ".mov", ".m4v", ".mkv", ".avi", ".mxf", ".webm", ".mts", ".m2ts",
                              ".mpg", ".mpeg", ".wmv", ".dv", ".flv", ".3gp", ".ts"})


def discover_footage(paths: list[str | Path]) -> list[Path]:
    """Video files named by ``paths``: files as given, folders searched recursively (hidden ones skipped).

    Raises :class:`InputError` for a missing path or a folder without any video file.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser().resolve()
        if path.is_dir():
            videos = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in VIDEO_EXTENSIONS
                            and not any(part.startswith(".") for part in p.relative_to(path).parts))
            if not videos:
                raise InputError(path, "no video files in this folder (looked for "
                                 + ", ".join(sorted(VIDEO_EXTENSIONS)) + ")")
            found.extend(videos)
        elif path.is_file():
            found.append(path)
        else:
            raise InputError(path, "file or folder not found")
    unique = list(dict.fromkeys(found))
    if not unique:
        raise InputError(None, "no footage given")
    return unique
