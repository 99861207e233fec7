"""``make``'s progress on the console, from the pipeline's ``progress(stage, fraction)`` calls.

On a terminal: one bar per stage (:data:`~montage_ai.progress.STAGES`, the panel's stage names) with
percent, elapsed time and an estimate, redrawn four times a second (rich), on stderr. When stderr is
not a terminal (logs, pipes): a plain line on stdout when a stage starts and when it ends, so stderr
keeps to what went wrong (one line for bad input).
"""
from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import Iterator, TextIO

from .progress import STAGES, Progress


def _label(stage: str) -> str:
    return STAGES.get(stage, stage)


class _Lines:
    """Plain lines: ``Analysing music…`` when a stage starts, ``Analysing music: done in 8.2 s`` at its end
    (timed from the end of the stage before, or from the start)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream, self.stage, self.since, self.done = stream, "", time.monotonic(), True

    def finish(self) -> None:
        if not self.done:
            print(f"{_label(self.stage)}: done in {time.monotonic() - self.since:.1f} s", file=self.stream, flush=True)
            self.since, self.done = time.monotonic(), True

    def __call__(self, stage: str, fraction: float) -> None:
        if stage != self.stage:
            self.finish()
            self.stage, self.done = stage, False
            print(f"{_label(stage)}…", file=self.stream, flush=True)
        if fraction >= 1.0:
            self.finish()


@contextmanager
def _bars(stream: TextIO) -> Iterator[Progress]:
    """A rich bar per stage; a stage is complete once the next one starts."""
    from rich.console import Console
    from rich.progress import (BarColumn, Progress as Bars, TaskProgressColumn, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)
    bars = Bars(TextColumn("{task.description:<18}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
                TextColumn("ETA"), TimeRemainingColumn(), console=Console(file=stream), refresh_per_second=4)
    tasks: dict[str, int] = {}

    def progress(stage: str, fraction: float) -> None:
        if stage not in tasks:
            for task in tasks.values():
                bars.update(task, completed=100)
            tasks[stage] = bars.add_task(_label(stage), total=100)
        bars.update(tasks[stage], completed=100 * fraction)

    with bars:
        yield progress


@contextmanager
def console_progress(quiet: bool = False) -> Iterator[Progress | None]:
    """The ``progress`` callback for :func:`~montage_ai.pipeline.make`: bars on stderr when it is a
    terminal, else plain lines on stdout; ``None`` (nothing) when ``quiet``."""
    if quiet:
        yield None
    elif sys.stderr.isatty():
        with _bars(sys.stderr) as progress:
            yield progress
    else:
        lines = _Lines(sys.stdout)
        yield lines
        lines.finish()
