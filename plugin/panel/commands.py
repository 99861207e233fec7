"""``montage-ai panel``: open the window standalone."""
from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("panel", help="open the Montage AI window (PySide6)")
    p.set_defaults(func=cmd_panel)


def cmd_panel(args: argparse.Namespace) -> int:
    """The window until it is closed: 0, or 128 + the signal that ended it (SIGTERM, SIGINT, SIGHUP)."""
    from montage_ai import api
    try:
        from . import launch
        import PySide6  # noqa: F401
    except ImportError as err:
        raise api.InputError(None, f"the panel needs PySide6 ({err}): run {sys.executable} -m pip install "
                               f"PySide6-Essentials (see docs/install.md)") from None
    from .display import display_problem
    if problem := display_problem():
        raise api.InputError(None, problem)
    window = launch()
    return 128 + window.signum if window.signum else 0
