"""The processes a run started, found by a mark in their environment (they outlive it when it hangs or
forgets them): for tests that stop a run and check that everything it started ended with it."""
import os
import signal
import time
from pathlib import Path


def marked(mark: str, but: int) -> list[int]:
    """Pids of live processes whose environment holds ``mark`` (the run and everything it started), but ``but``."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != but:
            try:
                if mark.encode() in (entry / "environ").read_bytes() and "Z" not in _state(entry):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _state(entry: Path) -> str:
    return (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]


def left(mark: str, but: int, timeout: float = 5.0) -> list[int]:
    """The marked processes still there after ``timeout`` seconds, killed (not leaked into the next test)."""
    deadline = time.monotonic() + timeout
    while (found := marked(mark, but)) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in found:
        os.kill(pid, signal.SIGKILL)
    return found
