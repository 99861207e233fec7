"""End the panel cleanly on SIGTERM, SIGINT and SIGHUP (logout, shutdown, a host ending its child, Ctrl-C).

Python runs a signal handler only when the interpreter gets control, which it never does while Qt's event
loop waits; so the C-level handler writes the signal's number to a socket (``signal.set_wakeup_fd``) that
a ``QSocketNotifier`` watches: the loop wakes up, the work is cancelled, ffmpeg children are killed, every
panel window closes (settings saved, temporary folder removed) and the loop quits.
"""
from __future__ import annotations

import signal
import socket
from typing import Any, Callable

from PySide6.QtCore import QObject, QSocketNotifier

#: The signals that end the panel (SIGHUP only where the platform has it).
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, name))


class SignalExit(QObject):
    """While installed, a stop signal calls ``stop(signum)`` on the GUI thread; ``signum`` keeps the first."""

    def __init__(self, stop: Callable[[int], None]) -> None:
        super().__init__()
        self.stop, self.signum = stop, 0
        self._read, self._write = socket.socketpair()
        for end in (self._read, self._write):
            end.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._write.fileno(), warn_on_full_buffer=False)
        self._previous = {sig: signal.signal(sig, lambda *_: None) for sig in STOP_SIGNALS}
        self._notifier = QSocketNotifier(self._read.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._woken)

    def _woken(self, *_: Any) -> None:
        try:
            data = self._read.recv(64)
        except OSError:
            return
        if data and not self.signum:
            self.signum = data[0]
            self.stop(self.signum)

    def uninstall(self) -> None:
        """Give the process its previous handlers back."""
        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(self._previous_fd)
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._read.close()
        self._write.close()


def install(stop: Callable[[int], None]) -> SignalExit | None:
    """A :class:`SignalExit` calling ``stop``; None where signals cannot be caught (not the main thread)."""
    try:
        return SignalExit(stop)
    except ValueError:  # set_wakeup_fd / signal.signal only work in the main thread
        return None
