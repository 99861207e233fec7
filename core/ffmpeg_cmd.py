"""Thin wrappers around the ffmpeg/ffprobe executables (via ffmpeg-python) with one-line errors."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import ffmpeg

from .errors import InputError


def require_ffmpeg() -> None:
    """Raise a clear error when ffmpeg/ffprobe are not installed."""
    for tool in ("ffmpeg", "ffprobe"):
        if shutil.which(tool) is None:
            raise InputError(None, f"{tool} not found on PATH: install ffmpeg (e.g. apt-get install ffmpeg)")


def _last_line(stderr: bytes | None) -> str:
    lines = [ln.strip() for ln in (stderr or b"").decode("utf-8", "replace").splitlines() if ln.strip()]
    return lines[-1] if lines else "unknown error"


def probe(path: Path) -> dict:
    """``ffprobe`` JSON of ``path`` (format + streams); InputError if it is missing or unreadable."""
    require_ffmpeg()
    if not path.exists():
        raise InputError(path, "file not found")
    if not path.is_file():
        raise InputError(path, "not a file")
    try:
        return ffmpeg.probe(str(path))
    except ffmpeg.Error as err:
        raise InputError(path, f"not a media file ffmpeg can read ({_last_line(err.stderr)})") from None


def run(args: list[str], what: Path | str) -> bytes:
    """Run ``ffmpeg`` with ``args``; return stdout; InputError naming ``what`` on failure."""
    require_ffmpeg()
    proc = subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", *args],
                          capture_output=True, check=False)
    if proc.returncode != 0:
        raise InputError(what, f"ffmpeg failed: {_last_line(proc.stderr)}")
    return proc.stdout
