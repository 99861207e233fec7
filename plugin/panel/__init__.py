"""The Montage AI panel (PySide6): one window, standalone (``montage-ai panel``) or inside DaVinci Resolve.

Import cost is kept small: Qt and the window load in :func:`launch`, core's analysis in worker threads.
"""
from __future__ import annotations

import sys
from typing import Any

_open_windows: list[Any] = []  # keeps windows alive while a host (Resolve) owns the event loop


def launch(resolve: Any = None, block: bool | None = None):
    """Open the panel. ``resolve``: the Scripts-menu global (connects to the open project).

    Reuses a running QApplication; runs its own event loop only when none is running yet (standalone),
    unless ``block`` says otherwise. Returns the window.
    """
    from PySide6.QtWidgets import QApplication

    from .signals import install
    from .window import PanelWindow
    app = QApplication.instance()
    owns_app = app is None
    if owns_app:
        app = QApplication(["montage-ai"])
    run = block if block is not None else owns_app
    stopper = install(lambda signum: _stop(app)) if run else None
    from montage_ai import api
    from montage_ai.plugin.resolve.bridge import connect, detect
    session, problem, build = None, "", detect(resolve)
    if resolve is not None:
        try:
            session = connect(resolve)
        except api.InputError as err:
            problem = str(err)
    window = PanelWindow(session=session, build=build)
    if problem:
        window.status.setText(f"Resolve ({build}): {problem}; {build.route()}")
    for note in window.settings.notes:  # a settings file of the wrong shape: said, never a crash
        print(f"montage-ai: {note}", file=sys.stderr)
    if window.settings.notes:
        window.status.setText("; ".join(window.settings.notes))
    _open_windows.append(window)
    window.destroyed.connect(lambda *_: _open_windows.remove(window) if window in _open_windows else None)
    window.show()
    window.signum = 0  # the signal that ended the event loop, if one did
    if run:
        try:
            app.exec()
        finally:
            if stopper is not None:
                stopper.uninstall()
                window.signum = stopper.signum
    return window


def _stop(app) -> None:
    """A stop signal: cancel the work, kill ffmpeg children, close every window (each saves its settings and
    removes its temporary folder), leave the event loop."""
    from montage_ai import api
    for window in list(_open_windows):
        window.cancel()
    api.stop_work()
    for window in list(_open_windows):
        window.close()
    app.quit()
