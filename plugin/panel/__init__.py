"""The Montage AI panel (PySide6): one window, standalone (``montage-ai panel``) or inside DaVinci Resolve.

Import cost is kept small: Qt and the window load in :func:`launch`, core's analysis in worker threads.
"""
from __future__ import annotations

from typing import Any

_open_windows: list[Any] = []  # keeps windows alive while a host (Resolve) owns the event loop


def launch(resolve: Any = None, block: bool | None = None):
    """Open the panel. ``resolve``: the Scripts-menu global (connects to the open project).

    Reuses a running QApplication; runs its own event loop only when none is running yet (standalone),
    unless ``block`` says otherwise. Returns the window.
    """
    from PySide6.QtWidgets import QApplication

    from .window import PanelWindow
    app = QApplication.instance()
    owns_app = app is None
    if owns_app:
        app = QApplication(["montage-ai"])
    session, problem = None, ""
    if resolve is not None:
        from montage_ai.errors import InputError
        from montage_ai.plugin.resolve.connect import connect
        try:
            session = connect(resolve)
        except InputError as err:
            problem = str(err)
    window = PanelWindow(session=session)
    if problem:
        window.status.setText(f"Resolve: {problem}")
    _open_windows.append(window)
    window.destroyed.connect(lambda *_: _open_windows.remove(window) if window in _open_windows else None)
    window.show()
    if block if block is not None else owns_app:
        app.exec()
    return window
