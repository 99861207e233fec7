"""Run core work off the GUI thread: a QThreadPool task with progress, result, error and cancel."""
from __future__ import annotations

import threading
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from montage_ai import api


class _Signals(QObject):
    progress = Signal(str, float)
    done = Signal(object)
    failed = Signal(str, str)  # one-line message, details
    cancelled = Signal()


class Task(QRunnable):
    """``fn(progress, cancel)`` on the global pool; signals arrive on the GUI thread."""

    def __init__(self, fn: Callable[[Callable[[str, float], None], threading.Event], Any]) -> None:
        super().__init__()
        self.fn = fn
        self.cancel = threading.Event()
        self.signals = _Signals()

    def run(self) -> None:
        try:
            result = self.fn(self.signals.progress.emit, self.cancel)
        except api.Cancelled:
            self.signals.cancelled.emit()
        except api.InputError as err:
            self.signals.failed.emit(str(err), "")
        except Exception as err:  # shown in the window with details, never a crash of the host app
            self.signals.failed.emit(f"{type(err).__name__}: {err}", traceback.format_exc())
        else:
            if self.cancel.is_set():
                self.signals.cancelled.emit()
            else:
                self.signals.done.emit(result)

    def start(self) -> "Task":
        QThreadPool.globalInstance().start(self)
        return self
