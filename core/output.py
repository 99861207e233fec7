"""The output folder: checked before any work, locked for the run, its set of files replaced as a whole.

A run holds an exclusive lock on the folder (``flock`` on the folder itself: no lock file), so a
second run into the same folder stops at once. Files are written into a hidden staging folder
inside it (same file system, so a writable folder under a read-only parent works), which holds a
``pid`` file; only when everything is written are they moved in, ``report.json`` last, and the
exports the previous ``report.json`` listed but the new one does not are removed. A staging folder
whose process is gone (killed, power cut) is removed by the next run.
"""
from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import InputError

try:
    import fcntl
except ImportError:  # Windows: runs are not locked against each other
    fcntl = None

REPORT = "report.json"
STAGE_PREFIX = ".montage-ai-stage-"
PID_FILE = "pid"

#: Folders this process holds (path -> how many nested holders), so nested callers share the lock.
_held: dict[Path, int] = {}


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` through a temporary file beside it and a rename, so
    readers see the old file or the whole new one; the temporary file never stays. OSError on failure."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _process_start(pid: int) -> str | None:
    """The start time of process ``pid`` (field 22 of /proc/PID/stat), or None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def _pid_stamp(pid: int) -> str:
    return f"{pid} {_process_start(pid) or ''}".strip()


def pid_alive(stamp: str) -> bool:
    """Whether the process ``stamp`` names (``"<pid> [<start time>]"``, as a pid file holds) still runs:
    same pid, and same start time when given (not a reused pid)."""
    try:
        pid, *start = stamp.split()
        pid = int(pid)
        os.kill(pid, 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return not start or _process_start(pid) == start[0]


def remove_stale_stages(out_dir: Path) -> list[Path]:
    """Remove the staging folders in ``out_dir`` whose run is provably dead (pid file names a process
    that is gone); return them."""
    removed = []
    for stage in out_dir.glob(STAGE_PREFIX + "*"):
        try:
            stamp = (stage / PID_FILE).read_text().strip()
        except OSError:
            stamp = ""
        if stage.is_dir() and not pid_alive(stamp):
            shutil.rmtree(stage, ignore_errors=True)
            removed.append(stage)
    return removed


def check_out_dir(out_dir: str | Path) -> Path:
    """The absolute output folder; InputError when it cannot be one (a file, an empty path)."""
    if not str(out_dir).strip():
        raise InputError("--out", "empty path; name the output folder")
    out = Path(out_dir).expanduser().absolute()
    if out.exists() and not out.is_dir():
        raise InputError(out, "output path exists and is not a folder")
    return out


@contextmanager
def output_folder(out_dir: str | Path) -> Iterator[Path]:
    """Hold ``out_dir`` for this run: created if needed, locked against other runs, stale staging
    removed. Nested calls for the same folder share the lock. A folder this call created and that
    is still empty at the end (the run failed) is removed again."""
    out = check_out_dir(out_dir)
    if out in _held:
        _held[out] += 1
        try:
            yield out
        finally:
            _held[out] -= 1
        return
    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY) if fcntl else None
    except OSError as err:
        raise InputError(out, f"cannot create or open the output folder ({err.strerror})") from None
    try:
        try:
            if fcntl:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            if err.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise InputError(out, "another montage-ai run is writing into this folder") from None
            raise
        if not os.access(out, os.W_OK):
            raise InputError(out, "output folder is not writable")
        remove_stale_stages(out)
        _held[out] = 1
        try:
            yield out
        finally:
            del _held[out]
    finally:
        if fd is not None:
            os.close(fd)
        if created:
            with contextlib.suppress(OSError):
                out.rmdir()  # only if empty: nothing was written


def _previous_outputs(out_dir: Path) -> list[str]:
    """File names the folder's current report.json lists as written by montage-ai (plain names only)."""
    try:
        listed = json.loads((out_dir / REPORT).read_text(encoding="utf-8"))["outputs"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    if not isinstance(listed, list):
        return []
    return [n for n in listed if isinstance(n, str) and n and n == Path(n).name and not n.startswith(".")]


def _commit(stage: Path, out_dir: Path, names: list[str]) -> None:
    """Move the staged files in, ``report.json`` last, after removing what only the old set had.

    The old report goes first, so a folder caught half-way has no report.json (``validate`` says so)
    rather than one that describes files it does not hold."""
    stale = [n for n in _previous_outputs(out_dir) if n not in names]
    with contextlib.suppress(FileNotFoundError):
        os.replace(out_dir / REPORT, stage / f".old-{REPORT}")
    for name in names:
        if name != REPORT:
            os.replace(stage / name, out_dir / name)
    for name in stale:
        with contextlib.suppress(FileNotFoundError, IsADirectoryError):
            (out_dir / name).unlink()
    if REPORT in names:
        os.replace(stage / REPORT, out_dir / REPORT)


def new_stage(out: Path) -> Path:
    """A new staging folder inside the held folder ``out``, with this process's pid file (so the next run
    removes it if this one dies); InputError when it cannot be written."""
    try:
        stage = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, dir=out))
        (stage / PID_FILE).write_text(_pid_stamp(os.getpid()))
    except OSError as err:
        raise InputError(out, f"cannot write here ({err.strerror})") from None
    return stage


@contextmanager
def staged_output(out_dir: str | Path) -> Iterator[Path]:
    """Yield a staging folder for ``out_dir``'s new set of files; on success they replace the old set
    (see the module doc); on any error or interruption the staging folder is removed and ``out_dir``
    is left as it was. A full disk or a write error names ``out_dir``, not the hidden staging file."""
    with output_folder(out_dir) as out:
        stage = new_stage(out)
        try:
            try:
                yield stage
                names = [p.name for p in stage.iterdir() if p.is_file() and p.name != PID_FILE
                         and not p.name.startswith(".")]
                _commit(stage, out, names)
            except OSError as err:
                raise InputError(out, f"cannot write the output files ({err.strerror})") from None
            except InputError as err:
                if err.path and Path(err.path).is_relative_to(stage):
                    raise InputError(out / Path(err.path).relative_to(stage), err.problem) from None
                raise
        finally:
            shutil.rmtree(stage, ignore_errors=True)
