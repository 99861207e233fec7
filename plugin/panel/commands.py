"""``montage-ai panel``: open the window standalone."""
from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("panel", help="open the Montage AI window (PySide6)")
    p.set_defaults(func=cmd_panel)


def cmd_panel(args: argparse.Namespace) -> None:
    try:
        from . import launch
        import PySide6  # noqa: F401
    except ImportError as err:
        from montage_ai.errors import InputError
        raise InputError(None, f"the panel needs PySide6 ({err}): run {sys.executable} -m pip install "
                               f"PySide6-Essentials (see docs/install.md)") from None
    launch()
