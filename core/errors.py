"""The one exception users see: bad input, told in one line that names the file and the problem."""
from __future__ import annotations

import signal
from pathlib import Path


#: Control characters as escapes, so a name holding a newline stays on its message's one line.
_CONTROL = {**{i: f"\\x{i:02x}" for i in range(32)}, 9: "\\t", 10: "\\n", 13: "\\r", 127: "\\x7f"}


def shown(path: str | Path) -> str:
    """``path`` as printable one-line text: bytes that are not UTF-8 (0xFF) appear as ``\\xff`` escapes,
    control characters (a newline) as ``\\n``."""
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace").translate(_CONTROL)


class InputError(Exception):
    """Bad input. ``str(err)`` is a complete one-line message: ``"<path>: <problem>"``."""

    def __init__(self, path: str | Path | None, problem: str) -> None:
        self.path = None if path is None else str(path)
        self.problem = problem
        super().__init__(problem if path is None else f"{shown(path)}: {problem}")

    def __reduce__(self):  # crosses process boundaries (process pools, Dask workers) intact
        return type(self), (self.path, self.problem)


class Cancelled(Exception):
    """The caller asked to stop (a cancel event was set); nothing was written."""


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal (SIGINT, SIGTERM, SIGHUP); handled like Ctrl-C."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.name = signal.Signals(signum).name
        super().__init__(self.name)
