"""Exporters: each reads a :class:`~montage_ai.model.Plan` and writes one file format.

``FORMATS`` maps a format name to ``(file name, module, function)``; writers are imported on
use, so a format's dependencies load only when it is written.
"""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import Callable

from ..model import Plan

FORMATS: dict[str, tuple[str, str, str]] = {
    "otio": ("montage.otio", "otio_export", "write_otio"),
    "edl": ("montage.edl", "edl", "write_edl"),
    "fcp7": ("montage.xml", "fcp7", "write_fcp7"),
    "csv": ("montage.csv", "csv_export", "write_csv"),
    "mlt": ("montage.mlt", "mlt", "write_mlt"),
}


def writer(fmt: str) -> Callable[[Plan, Path], None]:
    """The write function of format ``fmt`` (a key of ``FORMATS``)."""
    _, module, func = FORMATS[fmt]
    return getattr(importlib.import_module(f"{__name__}.{module}"), func)
