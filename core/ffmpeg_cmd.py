"""Thin wrappers around the ffmpeg/ffprobe executables (via ffmpeg-python) with one-line errors."""
from __future__ import annotations

import contextlib
import copy
import functools
import queue
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import ffmpeg

from .errors import InputError


def require_ffmpeg() -> None:
    """Raise a clear error when ffmpeg/ffprobe are not installed."""
    for tool in ("ffmpeg", "ffprobe"):
        if shutil.which(tool) is None:
            raise InputError(None, f"{tool} not found on PATH: install ffmpeg (e.g. apt-get install ffmpeg)")


def _ffmpeg(args: list[str]) -> list[str]:
    """The ffmpeg command line for ``args``: quiet but for errors, never reading stdin."""
    require_ffmpeg()
    return ["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", *args]


def last_line(stderr: bytes | None) -> str:
    lines = [ln.strip() for ln in (stderr or b"").decode("utf-8", "replace").splitlines() if ln.strip()]
    return lines[-1] if lines else "unknown error"


def probe(path: Path) -> dict:
    """``ffprobe`` JSON of ``path`` (format + streams); InputError if it is missing or unreadable."""
    require_ffmpeg()
    if not path.exists():
        raise InputError(path, "file not found")
    if not path.is_file():
        raise InputError(path, "not a file")
    stat = path.stat()
    return copy.deepcopy(_probe(str(path), stat.st_size, stat.st_mtime_ns))


@functools.lru_cache(maxsize=1024)
def _probe(path: str, size: int, mtime_ns: int) -> dict:
    """ffprobe of a file as it is now (size and mtime are the key: a changed file is probed again)."""
    try:
        return ffmpeg.probe(path)
    except ffmpeg.Error as err:
        raise InputError(path, f"not a media file ffmpeg can read ({last_line(err.stderr)})") from None


def stream(args: list[str], what: Path | str, block_bytes: int) -> Iterator[bytes]:
    """Run ``ffmpeg`` with ``args`` and yield its stdout in blocks of ``block_bytes`` (the last may be
    shorter); InputError naming ``what`` on failure. A reader thread keeps up to two blocks ready,
    so ffmpeg decodes the next block while the caller works on this one; memory stays at three
    blocks whatever the length."""
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(_ffmpeg(args), stdout=subprocess.PIPE, stderr=errors)
        ready: queue.Queue[bytes | None] = queue.Queue(maxsize=2)

        def pump() -> None:
            try:
                while block := proc.stdout.read(block_bytes):
                    ready.put(block)
            finally:
                ready.put(None)

        reader = threading.Thread(target=pump, name="ffmpeg-reader", daemon=True)
        reader.start()
        try:
            while (block := ready.get()) is not None:
                yield block
        except BaseException:  # the caller stopped early (also GeneratorExit): stop ffmpeg and the reader
            proc.kill()
            while reader.is_alive():
                with contextlib.suppress(queue.Empty):
                    ready.get(timeout=0.05)
            raise
        finally:
            reader.join()
            proc.stdout.close()
            proc.wait()
        if proc.returncode != 0:
            errors.seek(0)
            raise InputError(what, f"ffmpeg failed: {last_line(errors.read())}")


def run(args: list[str], what: Path | str) -> bytes:
    """Run ``ffmpeg`` with ``args``; return stdout; InputError naming ``what`` on failure."""
    proc = subprocess.run(_ffmpeg(args), capture_output=True, check=False)
    if proc.returncode != 0:
        raise InputError(what, f"ffmpeg failed: {last_line(proc.stderr)}")
    return proc.stdout


@contextlib.contextmanager
def sink(args: list[str], what: Path | str) -> Iterator[BinaryIO]:
    """Run ``ffmpeg`` with ``args`` reading its stdin (``pipe:0``); yield that stdin to write to.

    Leaving the block closes stdin and waits for ffmpeg; InputError naming ``what`` when it fails
    (also when it failed while being written to). ffmpeg is killed when the block raises."""
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(_ffmpeg(args), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors)
        try:
            yield proc.stdin
            proc.stdin.close()
        except BrokenPipeError:
            pass  # ffmpeg stopped reading: its own error follows
        except BaseException:
            proc.kill()
            raise
        finally:
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.close()
            proc.wait()
        if proc.returncode != 0:
            errors.seek(0)
            raise InputError(what, f"ffmpeg failed: {_last_line(errors.read())}")
