"""Stop signals (SIGINT, SIGTERM, SIGHUP) end a run as Ctrl-C does: the first one raises
:class:`.errors.Interrupted` in the main thread (after the ``on_stop`` clean-up, e.g. killing ffmpeg
children), later ones are ignored so the clean-up is not cut short. Import-light: the ``montage-ai``
command installs it before its heavy imports (:mod:`.launch`)."""
from __future__ import annotations

import signal
import sys
import threading
from typing import Callable

from .errors import Interrupted

STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))

_on_stop: list[Callable[[], None]] = []
#: The stop signals handled so far (the first is the one that ends the run).
_came: list[int] = []


def _later(signum: int, frame: object) -> None:
    """A stop signal after the first: nothing (a Python no-op, not SIG_IGN, so one that came at the same
    instant is dropped quietly instead of "Signal N ignored due to race condition")."""


def _stop(signum: int, frame: object) -> None:
    _came.append(signum)
    for sig in STOP_SIGNALS:  # a second signal must not cut the clean-up short
        signal.signal(sig, _later)
    for clean_up in _on_stop:
        clean_up()
    raise Interrupted(signum)


def _unraisable(hook) -> None:
    """An Interrupted raised while Python ran a finaliser or a GC callback is dropped there (``Exception
    ignored in ...``): send the signal again a moment later from another thread, so it stops the run
    outside them."""
    if isinstance(hook.exc_value, Interrupted):
        signum = hook.exc_value.signum
        signal.signal(signum, _stop)
        threading.Timer(0.05, signal.pthread_kill, (threading.main_thread().ident, signum)).start()
        return
    sys.__unraisablehook__(hook)


def install(on_stop: Callable[[], None] | None = None) -> dict:
    """Handle the stop signals (main thread only); ``on_stop`` runs before Interrupted is raised.
    Returns what to give :func:`restore`."""
    _on_stop[:] = [on_stop] if on_stop else []
    previous = {sig: signal.signal(sig, _stop) for sig in STOP_SIGNALS}
    previous["hook"], sys.unraisablehook = sys.unraisablehook, _unraisable
    return previous


def restore(previous: dict, ignore: bool) -> None:
    """Put back the handlers :func:`install` replaced, or, with ``ignore`` (after a stop, or once a
    command has ended), ignore the stop signals so a later one cannot change how it ended (SIGTERM then
    SIGINT ends as SIGTERM)."""
    sys.unraisablehook = previous.pop("hook")
    for sig, handler in previous.items():
        signal.signal(sig, signal.SIG_IGN if ignore else handler)


def stopped() -> Interrupted | None:
    """The stop this process has had, if any (for code whose Interrupted was swallowed on the way, as an
    extension module's import turns it into an ImportError)."""
    return Interrupted(_came[0]) if _came else None
