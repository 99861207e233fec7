"""Exporters of NLE files: each reads a :class:`~montage_ai.model.Plan` (nothing else) and writes one format.

A format is one module here, declaring its ``FORMAT`` (:class:`.format.Format`: name, file name, writer,
readers, sync check, written by default or not); this package only collects them, in the order the
CLI lists them and ``validate`` checks them. A writer may return the files it wrote (an EDL of more
than 999 events is several files), and raises :class:`NotWritten` when the format cannot carry this
plan (an EDL or AAF of a mixed-rate edit): the other formats are still written and ``report.json``
says why the file is absent. ``report.json`` (:mod:`.report`) is written beside them; what reads
media to draw or render (report.html, preview.mp4) is in :mod:`montage_ai.render`.
"""
from __future__ import annotations

from . import aaf, csv_export, edl, fcp7, kdenlive, mlt, otio_export
from .format import Format, NotWritten

__all__ = ["DEFAULT_FORMATS", "FORMATS", "Format", "NotWritten", "file_names"]

#: Every format by name (``--formats``), in the order they are written and checked.
FORMATS: dict[str, Format] = {m.FORMAT.name: m.FORMAT for m in (otio_export, edl, fcp7, csv_export, mlt, kdenlive, aaf)}

#: Written unless ``--formats`` says otherwise (every format but the AAF, see :mod:`.aaf`).
DEFAULT_FORMATS: tuple[str, ...] = tuple(name for name, f in FORMATS.items() if f.default)


def file_names() -> tuple[str, ...]:
    """The file of every format, in order (``montage.otio``, ``montage.edl``, ...)."""
    return tuple(f.file_name for f in FORMATS.values())
