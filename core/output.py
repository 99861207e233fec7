"""The output folder: checked before any work, locked for the run, its set of files replaced as a whole.

A run holds an exclusive lock on the folder (``flock`` on the folder itself: no lock file), so a
second run into the same folder stops at once. Files are written into a hidden staging folder
inside it (same file system, so a writable folder under a read-only parent works), which holds a
``pid`` file; only when everything is written is the set swapped, as a transaction: the old files
(and the exports the previous ``report.json`` listed but the new one does not) are moved aside into
the staging folder, the new ones moved in, ``report.json`` last; the other aspects' sets (sub-folders
``9x16``... of the staging folder and of the output folder) are swapped the same way in the same
transaction, before the main set (an aspect's set in the output folder that this run does not write
with an empty one); a failure or a stop signal on the way puts every old set back exactly ("previous
set kept"); old files that cannot be put back stay in the staging folder, journal and all. A staging
folder whose process is gone (killed, power cut) is removed by the next run, after it has undone that
run's half-done swap (the main set's journal goes first when a commit ends: without it, the commit had
finished).
"""
from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import signal
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from .errors import InputError, Interrupted, shown
from .model import ASPECTS
from .signals import STOP_SIGNALS

try:
    import fcntl
except ImportError:  # Windows: runs are not locked against each other
    fcntl = None

REPORT = "report.json"
STAGE_PREFIX = ".montage-ai-stage-"
PID_FILE = "pid"
#: In a staging folder during the swap: the new names (``JOURNAL``) and the old set moved aside (``PREVIOUS``).
JOURNAL = ".commit"
PREVIOUS = ".previous"

#: Folders this process holds (path -> how many nested holders), so nested callers share the lock.
_held: dict[Path, int] = {}
#: Folders this process has put a new set into (what the CLI says when a signal comes after).
_committed: set[Path] = set()
#: Folders whose previous set this process could not wholly put back -> the folder holding the rest.
_left_in: dict[Path, Path] = {}


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
    that is gone), after undoing a swap it left half-way (:func:`_roll_back`); return them."""
    removed = []
    for stage in out_dir.glob(STAGE_PREFIX + "*"):
        try:
            stamp = (stage / PID_FILE).read_text().strip()
        except OSError:
            stamp = ""
        if stage.is_dir() and not pid_alive(stamp):
            subs = _subs(stage)
            if (stage / PREVIOUS).is_dir() and not (stage / JOURNAL).exists():
                for sub in subs:  # the main journal goes first: its commit had finished
                    with contextlib.suppress(OSError):
                        (sub / JOURNAL).unlink()
            if not all([_roll_back(stage, out_dir), *(_roll_back(sub, out_dir / sub.name) for sub in subs)]):
                continue  # keep what could not be put back
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


@contextmanager
def _signals_held() -> Iterator[Callable[[], int | None]]:
    """Stop signals held back (their handlers swapped for a note, main thread only) while the set is
    swapped; yields ``pending()``, the first stop signal that came meanwhile (or None). On leaving,
    the handlers come back and a held signal is raised again for them."""
    if threading.current_thread() is not threading.main_thread():
        yield lambda: None
        return
    came: list[int] = []
    previous = {sig: signal.signal(sig, lambda signum, frame: came.append(signum)) for sig in STOP_SIGNALS}
    try:
        yield lambda: came[0] if came else None
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if came:
            signal.raise_signal(came[0])


def _roll_back(stage: Path, out_dir: Path) -> bool:
    """Undo a commit caught half-way (this run's, or a dead run's found by the next run): the new files
    moved in go back into ``stage``, the old set comes back from ``stage/.previous``. Whether it all went back."""
    try:
        names = json.loads((stage / JOURNAL).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return True  # no journal: nothing was moved, or the commit had finished
    except (OSError, ValueError):
        names = []  # a journal cut short: the new names are unknown, the old set still comes back
    ok = True
    for name in names:
        if not (stage / name).exists() and (out_dir / name).is_file():
            try:
                os.replace(out_dir / name, stage / name)
            except OSError:
                ok = False
    aside = stage / PREVIOUS
    for old in list(aside.iterdir()) if aside.is_dir() else []:
        try:
            os.replace(old, out_dir / old.name)
        except OSError:
            ok = False
    if ok:  # else kept, for the next run to finish; a .previous left without a journal means a finished commit
        with contextlib.suppress(OSError):
            aside.rmdir()
        with contextlib.suppress(OSError):
            (stage / JOURNAL).unlink()
    return ok


def _fsync_folder(folder: Path) -> None:
    if os.name == "posix":
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _swap(stage: Path, out_dir: Path, names: list[str]) -> None:
    """One set's half of the transaction: the old files (the new names and what the old report.json
    listed) moved aside into ``stage/.previous``, report.json first, then the new ones in, report.json
    last, with a journal (``stage/.commit``) that :func:`_roll_back` follows. InputError when a target
    is a folder or ``out_dir`` a file (nothing moved); OSError when a move fails."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(out_dir, "is a file, not a folder")
    for name in names:
        if (out_dir / name).is_dir() and not (out_dir / name).is_symlink():
            raise InputError(out_dir / name, "is a folder, not a file")
    old = [n for n in dict.fromkeys([REPORT, *names, *_previous_outputs(out_dir)])
           if os.path.islink(out_dir / n) or (out_dir / n).is_file()]  # a folder of the user's is not ours
    new = [n for n in names if n != REPORT] + ([REPORT] if REPORT in names else [])
    with open(stage / JOURNAL, "w", encoding="utf-8") as journal:
        journal.write(json.dumps(new))
        journal.flush()
        os.fsync(journal.fileno())
    (stage / PREVIOUS).mkdir()
    _fsync_folder(stage)  # the journal and .previous on disk before anything moves
    for name in old:
        os.replace(out_dir / name, stage / PREVIOUS / name)
    for name in new:
        os.replace(stage / name, out_dir / name)


def _commit(sets: list[tuple[Path, Path, list[str]]]) -> None:
    """Swap every ``(stage, folder, names)`` set for its staged one as one transaction (:func:`_swap`
    each, in order); any failure, or a stop signal meanwhile, moves every set back (a dead run's half-way
    commit is undone by the next run, see :func:`remove_stale_stages`). InputError (``previous set
    kept``, or where the rest of it is) when a target is a folder or a file cannot be moved; ``Interrupted``
    on a signal. The last set is the main one, in the output folder."""
    main = sets[-1][1]
    _left_in.pop(main, None)
    swapped: list[tuple[Path, Path]] = []
    created: list[Path] = []

    def roll_back() -> str:
        failed = [stage for stage, out_dir in reversed(swapped) if not _roll_back(stage, out_dir)]
        for folder in created:
            with contextlib.suppress(OSError):
                folder.rmdir()
        if failed:
            _left_in[main] = failed[0] / PREVIOUS
        return previous_set(main)

    with _signals_held() as pending:
        try:
            for stage, out_dir, names in sets:
                swapped.append((stage, out_dir))
                if not out_dir.exists() and not out_dir.is_symlink():
                    out_dir.mkdir()
                    created.append(out_dir)
                _swap(stage, out_dir, names)
            signum = pending()
            if signum is None:
                for stage, out_dir in reversed(swapped):  # the main journal first: the commit point
                    (stage / JOURNAL).unlink()
                    _committed.add(out_dir)
                return
        except InputError as err:
            raise InputError(err.path, f"{err.problem}; {roll_back()}") from None
        except OSError as err:
            kept = roll_back()
            stage, out_dir = swapped[-1]
            where = Path(err.filename) if err.filename else out_dir
            if where.is_relative_to(stage):  # a staged or moved-aside file: its name in the folder
                where = out_dir if where.name.startswith(".") else out_dir / where.name
            raise InputError(where, f"cannot replace the output files ({err.strerror}); {kept}") from None
        roll_back()
    raise Interrupted(signum)  # when the released signal's handler did not stop the run itself


def _staged_files(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.is_file() and p.name != PID_FILE and not p.name.startswith(".")]


def _subs(stage: Path) -> list[Path]:
    """The other aspects' staged sets: the sub-folders of ``stage``."""
    return sorted(p for p in stage.iterdir() if p.is_dir() and not p.name.startswith("."))


def _staged_sets(stage: Path, out: Path) -> list[tuple[Path, Path, list[str]]]:
    """The sets to swap: each other aspect's (a sub-folder of ``stage``; its folder in ``out`` made
    when new) and then the main one. An aspect's set in ``out`` that this run does not write gets an
    empty one, so it goes too (an earlier run's ``--aspects``: a different edit)."""
    for aspect in ASPECTS:
        if (out / aspect.folder / REPORT).is_file() and not (stage / aspect.folder).exists():
            (stage / aspect.folder).mkdir()
    return [*((sub, out / sub.name, _staged_files(sub)) for sub in _subs(stage)), (stage, out, _staged_files(stage))]


def committed(out_dir: Path) -> bool:
    """Whether this process has put a new set of files into ``out_dir``."""
    return Path(out_dir).expanduser().absolute() in _committed


def previous_set(out_dir: Path) -> str:
    """What became of ``out_dir``'s previous set when this process moved it back: kept, or where the
    rest of it still is (kept for the next run to put back)."""
    left = _left_in.get(Path(out_dir).expanduser().absolute())
    return f"previous set partly restored, the rest is in {shown(left)}" if left else "previous set kept"


def new_stage(out: Path) -> Path:
    """A new staging folder inside the held folder ``out``, with this process's pid file (so the next run
    removes it if this one dies); InputError when it cannot be written."""
    stage = None
    try:
        stage = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, dir=out))
        (stage / PID_FILE).write_text(_pid_stamp(os.getpid()))
    except OSError as err:
        if stage is not None:  # a full disk: no empty staging folder left
            shutil.rmtree(stage, ignore_errors=True)
        raise InputError(out, f"cannot write here ({err.strerror})") from None
    return stage


@contextmanager
def staged_output(out_dir: str | Path) -> Iterator[Path]:
    """Yield a staging folder for ``out_dir``'s new set of files; on success they replace the old set
    as a transaction (see :func:`_commit`); on any error or interruption the staging folder is removed
    and ``out_dir`` is left as it was. A full disk or a write error names ``out_dir``, not the hidden
    staging file."""
    with output_folder(out_dir) as out:
        stage = new_stage(out)
        try:
            try:
                yield stage
                _commit(_staged_sets(stage, out))
            except OSError as err:
                raise InputError(out, f"cannot write the output files ({err.strerror})") from None
            except InputError as err:
                if err.path and Path(err.path).is_relative_to(stage):
                    raise InputError(out / Path(err.path).relative_to(stage), err.problem) from None
                raise
        finally:
            with _signals_held():  # a signal now must not leave half a staging folder behind
                if not any((folder / JOURNAL).exists() for folder in (stage, *_subs(stage))):
                    shutil.rmtree(stage, ignore_errors=True)  # else old files not put back: the next run does
