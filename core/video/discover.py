"""Expand footage arguments (files and folders) into a sorted list of video files."""
from __future__ import annotations

import errno
import json
import stat
from pathlib import Path

from ..errors import InputError, RunWarning, shown

VIDEO_EXTENSIONS = frozenset({".mp4", ".mov", ".m4v", ".mkv", ".avi", ".mxf", ".webm", ".mts", ".m2ts",
                              ".mpg", ".mpeg", ".wmv", ".dv", ".flv", ".3gp", ".ts"})


def resolve_input(raw: str | Path) -> Path:
    """``raw`` as an absolute path with symlinks resolved; InputError for a symlink loop."""
    try:
        return Path(raw).expanduser().resolve()
    except (OSError, RuntimeError) as err:  # RuntimeError: symlink loop before Python 3.13
        raise InputError(raw, f"cannot resolve the path ({getattr(err, 'strerror', None) or err})") from None


def require_nameable(path: Path, error: type[InputError] = InputError) -> None:
    """Raise ``error`` when ``path`` is not valid UTF-8 (a byte such as 0xFF): NLE files cannot name it."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        raise error(shown(path), "file name is not valid UTF-8, so NLE files cannot name it; rename it") from None


def _own_outputs(files: list[Path]) -> set[Path]:
    """Files montage-ai wrote (a preview fed back in as footage), as listed by the reports among ``files``."""
    own: set[Path] = set()
    for report in (f for f in files if f.name == "report.json"):
        try:
            data = json.loads(report.read_text(encoding="utf-8"))
            listed = data["outputs"] if "montage_ai_version" in data else []
            own.update(report.parent / name for name in listed if isinstance(name, str))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return own


def _not_a_file(path: Path) -> str | None:
    """Why a folder entry that is neither a folder nor a regular file is skipped (a symbolic link
    loop, a link to nothing, a FIFO, a socket or device), or None for folders and files."""
    try:
        mode = path.stat().st_mode
    except OSError as err:
        if err.errno == errno.ELOOP:
            return "a symbolic link loop"
        return "a link to nothing" if path.is_symlink() else f"cannot be read ({err.strerror})"
    if stat.S_ISDIR(mode) or stat.S_ISREG(mode):
        return None
    return "a FIFO (named pipe), not a file" if stat.S_ISFIFO(mode) else "not a regular file (a socket or device)"


def discover_footage(paths: list[str | Path], warnings: list[str] | None = None) -> list[Path]:
    """Video files named by ``paths``: files as given, folders searched recursively (hidden ones and
    montage-ai's own outputs, e.g. a preview in an output folder inside the footage folder, skipped;
    symbolic link loops, FIFOs and the like skipped with a warning added to ``warnings``).

    Raises :class:`InputError` for a missing path or a folder without any video file.
    """
    found: list[Path] = []
    for raw in paths:
        path = resolve_input(raw)
        if path.is_dir():
            entries = [p for p in path.rglob("*") if not any(part.startswith(".") for part in p.relative_to(path).parts)]
            files = [p for p in entries if p.is_file()]
            for p in entries:
                if not p.is_file() and (why := _not_a_file(p)) and warnings is not None:
                    warnings.append(RunWarning("unusable_footage", f"{shown(p)}: {why}; skipped"))
            own = _own_outputs(files)
            videos = sorted(p for p in files if p.suffix.lower() in VIDEO_EXTENSIONS and p not in own)
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
