"""Thin wrappers around the ffmpeg/ffprobe executables (via ffmpeg-python) with one-line errors.

Every ffmpeg child runs in its own process group and is known here until it ends, so
:func:`stop_all` can kill them when the run is interrupted; on Linux ``setpriv --pdeathsig``
also kills a child whose parent dies without a chance to clean up (SIGKILL).
"""
from __future__ import annotations

import contextlib
import copy
import errno
import functools
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import ffmpeg

from .errors import Cancelled, InputError
from .read_ahead import read_ahead

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

#: Prefix that makes the kernel kill a child when the thread that started it dies (util-linux on Linux).
_DIE_WITH_PARENT = ["setpriv", "--pdeathsig", "KILL", "--"]
#: Pipe size asked for on Linux (its default ``/proc/sys/fs/pipe-max-size``).
PIPE_BYTES = 1 << 20
_children: set[subprocess.Popen] = set()
_children_lock = threading.RLock()  # re-entrant: the signal handler may run while its own thread holds it
_refusing = False


def require_ffmpeg() -> None:
    """Raise a clear error when ffmpeg/ffprobe are not installed."""
    for tool in ("ffmpeg", "ffprobe"):
        if shutil.which(tool) is None:
            raise InputError(None, f"{tool} not found on PATH: install ffmpeg (e.g. apt-get install ffmpeg)")


def _ffmpeg(args: list[str]) -> list[str]:
    """The ffmpeg command line for ``args``: quiet but for errors, never reading stdin."""
    require_ffmpeg()
    return ["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", *args]


@functools.cache
def _die_with_parent() -> list[str]:
    """``_DIE_WITH_PARENT`` where it works (a setpriv that knows ``--pdeathsig``), else nothing."""
    try:
        works = subprocess.run([*_DIE_WITH_PARENT, "true"], capture_output=True, check=False).returncode == 0
    except OSError:
        works = False
    return _DIE_WITH_PARENT if works else []


def _spawn(args: list[str], **kwargs) -> subprocess.Popen:
    """Start ffmpeg with ``args`` in a new process group, remembered until :func:`_reap`."""
    command = [*_die_with_parent(), *_ffmpeg(args)]
    with _children_lock:
        check_stopped()
        proc = subprocess.Popen(command, start_new_session=True, **kwargs)
        _children.add(proc)
    for pipe in (proc.stdin, proc.stdout):
        _widen(pipe)
    return proc


def _widen(pipe: BinaryIO | None) -> None:
    """Linux: a 1 MiB pipe (the default 64 KiB holds a tenth of a 960x540 frame, so every frame costs
    a dozen wake-ups of each side); elsewhere, or when refused, the pipe stays as it is."""
    if pipe is not None and hasattr(fcntl, "F_SETPIPE_SZ"):
        with contextlib.suppress(OSError):
            fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)


def _reap(proc: subprocess.Popen) -> None:
    """Wait for ``proc`` to end and forget it."""
    proc.wait()
    with _children_lock:
        _children.discard(proc)


def _check(proc: subprocess.Popen, errors: BinaryIO, what: Path | str) -> None:
    """Raise the failure of an ended ``proc`` whose stderr went to ``errors``, if it failed."""
    if proc.returncode != 0:
        errors.seek(0)
        raise _failed(what, errors.read())


def stop_all(refuse_new: bool = False) -> None:
    """Kill the process group of every running ffmpeg child; with ``refuse_new`` no new one starts
    (later calls raise :class:`Cancelled`), as when the run was interrupted."""
    global _refusing
    with _children_lock:
        _refusing = _refusing or refuse_new
        for proc in list(_children):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                if hasattr(os, "killpg"):
                    os.killpg(proc.pid, signal.SIGKILL)
                else:  # Windows: no process groups
                    proc.kill()


def check_stopped() -> None:
    """Raise :class:`Cancelled` once :func:`stop_all` refuses new children: work done in this process
    instead of in an ffmpeg child (decoding with PyAV) stops there too."""
    if _refusing:
        raise Cancelled()


def _failed(what: Path | str, stderr: bytes | None) -> Exception:
    """The error for a failed ffmpeg run: OSError when the disk is full (the caller knows which
    folder that is), else InputError naming ``what``."""
    line = last_line(stderr)
    if "No space left on device" in line:
        return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    return InputError(what, f"ffmpeg failed: {line}")


def last_line(stderr: bytes | None) -> str:
    """ffmpeg's last line of ``stderr`` that says what went wrong (its closing "Conversion failed!" does not)."""
    lines = [ln.strip() for ln in (stderr or b"").decode("utf-8", "replace").splitlines()
             if ln.strip() and ln.strip() != "Conversion failed!"]
    return lines[-1] if lines else "unknown error"


def probe(path: Path, **options: object) -> dict:
    """``ffprobe`` JSON of ``path`` (format + streams, plus what ``options`` ask for: ffprobe options
    by name, None for a flag); InputError if it is missing or unreadable."""
    require_ffmpeg()
    if not path.exists():
        raise InputError(path, "file not found")
    if not path.is_file():
        raise InputError(path, "not a file")
    stat = path.stat()
    return copy.deepcopy(_probe(str(path), stat.st_size, stat.st_mtime_ns, tuple(sorted(options.items()))))


@functools.lru_cache(maxsize=1024)
def _probe(path: str, size: int, mtime_ns: int, options: tuple[tuple[str, object], ...] = ()) -> dict:
    """ffprobe of a file as it is now (size and mtime are the key: a changed file is probed again)."""
    try:
        return ffmpeg.probe(path, **dict(options))
    except ffmpeg.Error as err:
        raise InputError(path, f"not a media file ffmpeg can read ({last_line(err.stderr)})") from None


def stream(args: list[str], what: Path | str, block_bytes: int) -> Iterator[bytes]:
    """Run ``ffmpeg`` with ``args`` and yield its stdout in blocks of ``block_bytes`` (the last may be
    shorter); InputError naming ``what`` on failure. A reader thread keeps up to two blocks ready,
    so ffmpeg decodes the next block while the caller works on this one; memory stays at three
    blocks whatever the length."""
    with tempfile.TemporaryFile() as errors:
        proc = _spawn(args, stdout=subprocess.PIPE, stderr=errors)
        try:
            yield from read_ahead(iter(functools.partial(proc.stdout.read, block_bytes), b""), 2, "ffmpeg-reader",
                                  proc.kill)
        except BaseException:  # the caller stopped early (also GeneratorExit): ffmpeg and the reader are stopped
            proc.kill()
            raise
        finally:
            proc.stdout.close()
            _reap(proc)
        _check(proc, errors, what)


def run(args: list[str], what: Path | str, log: bool = False) -> bytes:
    """Run ``ffmpeg`` with ``args``; return stdout (``log``: stderr at log level info, where filters such as
    ``loudnorm`` report); InputError naming ``what`` on failure (OSError ENOSPC when the disk is full)."""
    args = ["-v", "info", *args] if log else args
    proc = _spawn(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate()
    finally:
        proc.kill()
        _reap(proc)
    if proc.returncode != 0:
        raise _failed(what, err)
    return err if log else out


@contextlib.contextmanager
def sink(args: list[str], what: Path | str) -> Iterator[BinaryIO]:
    """Run ``ffmpeg`` with ``args`` reading its stdin (``pipe:0``); yield that stdin to write to.

    Leaving the block closes stdin and waits for ffmpeg; InputError naming ``what`` when it fails
    (also when it failed while being written to). ffmpeg is killed when the block raises."""
    with tempfile.TemporaryFile() as errors:
        proc = _spawn(args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors)
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
            _reap(proc)
        _check(proc, errors, what)


def lines(args: list[str], what: Path | str) -> Iterator[bytes]:
    """Run ``ffmpeg`` with ``args`` and yield its stdout line by line (e.g. ``-progress pipe:1``);
    InputError naming ``what`` on failure. ffmpeg is killed when the caller stops early."""
    with tempfile.TemporaryFile() as errors:
        proc = _spawn(args, stdout=subprocess.PIPE, stderr=errors)
        try:
            yield from proc.stdout
        except BaseException:  # also GeneratorExit: the caller stopped reading
            proc.kill()
            raise
        finally:
            proc.stdout.close()
            _reap(proc)
        _check(proc, errors, what)
