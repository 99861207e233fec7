"""Exporters: each reads a :class:`~montage_ai.model.Plan` and writes one file format.

``FORMATS`` maps a format name to ``(file name, module, function)``; writers are imported on
use, so a format's dependencies load only when it is written. A writer may return the files it
wrote (an EDL of more than 999 events is several files), and raises :class:`NotWritten` when the
format cannot carry this plan (an EDL or AAF of a mixed-rate edit): the other formats are still
written and ``report.json`` says why the file is absent.
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
    "kdenlive": ("montage.kdenlive", "kdenlive", "write_kdenlive"),
    "aaf": ("montage.aaf", "aaf", "write_aaf"),
}


class NotWritten(Exception):
    """This format cannot carry this plan; the message says why, in one line."""


def require_single_rate(plan: Plan, why: str) -> None:
    """Raise :class:`NotWritten` when footage in ``plan`` runs at another rate than the timeline;
    ``why`` says what the format cannot do."""
    others = sorted({str(c.rate) for c in plan.clips if c.rate != plan.rate})
    if others:
        raise NotWritten(f"the edit mixes frame rates (timeline {plan.rate} fps, footage at {', '.join(others)} fps) "
                         f"and {why}; import montage.xml, montage.otio or montage.kdenlive instead")


#: Written unless ``--formats`` says otherwise: every format but the AAF, whose writer (otio-aaf-adapter
#: on pyaaf2) creates three mobs per cut and takes seconds per hundred cuts (200 cuts: 68 s measured
#: under load); ask for it with ``--formats ...,aaf``.
DEFAULT_FORMATS: tuple[str, ...] = tuple(f for f in FORMATS if f != "aaf")


def writer(fmt: str) -> Callable[[Plan, Path], list[Path] | None]:
    """The write function of format ``fmt`` (a key of ``FORMATS``)."""
    _, module, func = FORMATS[fmt]
    return getattr(importlib.import_module(f"{__name__}.{module}"), func)
