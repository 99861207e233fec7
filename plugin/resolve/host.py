"""The panel as the Scripts-menu launcher opens it: in Resolve's Python (``open_panel(resolve)``) or as
``python -m montage_ai.plugin.resolve.host`` in the installed environment's interpreter, which reaches
Resolve through ``DaVinciResolveScript`` (the launcher passes RESOLVE_SCRIPT_API/LIB and PYTHONPATH).

Every problem is one printed line. ``MONTAGE_AI_PANEL_SMOKE=1`` opens the window, prints one line saying
so and quits (tests, ``QT_QPA_PLATFORM=offscreen``).
"""
from __future__ import annotations

import os
import sys
from typing import Any

SMOKE = "MONTAGE_AI_PANEL_SMOKE"


def _reach_resolve() -> tuple[Any, str]:
    """``(app, problem)``: Resolve through ``scriptapp``, or None and why not (one line)."""
    from montage_ai.errors import InputError

    from .connect import NOT_REACHABLE, load_script_module
    try:
        app = load_script_module().scriptapp("Resolve")
    except InputError as err:
        return None, str(err)
    return app, "" if app is not None else NOT_REACHABLE


def open_panel(resolve: Any = None) -> int:
    """Open the panel on ``resolve`` (else reach Resolve by itself); 0, 1 after printing why not, or 128 + the
    signal that ended it."""
    try:
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
    except ImportError as err:
        print(f"Montage AI: the panel needs PySide6 ({err}): run {sys.executable} -m pip install "
              "PySide6-Essentials (see docs/install.md), then open it again from the Scripts menu")
        return 1
    from montage_ai.plugin.panel import launch
    from montage_ai.plugin.panel.display import display_problem
    if no_display := display_problem():
        print(f"Montage AI: {no_display}")
        return 1
    problem = ""
    if resolve is None:
        resolve, problem = _reach_resolve()
    if problem:
        print(f"Montage AI: opening without Resolve: {problem}")
    smoke = bool(os.environ.get(SMOKE))
    window = launch(resolve=resolve, block=False if smoke else None)
    if smoke:
        def report() -> None:
            print(f"Montage AI: panel open (Python {sys.version_info.major}.{sys.version_info.minor}, Resolve "
                  f"{'connected' if window.session is not None else 'not connected'})", flush=True)
            window.close()
            QApplication.quit()
        QTimer.singleShot(0, report)
        QApplication.instance().exec()
    return 128 + window.signum if window.signum else 0


def main() -> int:
    try:
        return open_panel()
    except Exception as err:  # a Scripts-menu child: one line, never a traceback
        print(f"Montage AI: the panel stopped ({type(err).__name__}: {err})")
        return 1


if __name__ == "__main__":
    sys.exit(main())
