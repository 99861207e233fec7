"""Footage thumbnails for the panel: made lazily in worker threads when a widget first paints the place
they go, and kept in core's thumbnail cache (:func:`montage_ai.video.thumbnail.cached_thumbnail`, shared
with ``analyze-footage --thumbnails``), so neither Analyze nor Generate waits for them and a second look
costs a file read."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from montage_ai import api


def best_frame(clip) -> int:
    """The representative frame of the clip's best shot (its middle when unanalysed)."""
    best = max(clip.shots, key=lambda s: s.quality, default=None)
    return best.thumbnail if best is not None and best.thumbnail is not None else clip.frames // 2


class _Job(QRunnable):
    def __init__(self, loader: "ThumbnailLoader", generation: int, tag: Any, args: tuple) -> None:
        super().__init__()
        self.loader, self.generation, self.tag, self.args = loader, generation, tag, args

    def run(self) -> None:
        path, frame, rate, height = self.args
        try:
            jpeg = api.thumbnail(path, frame, rate, height, self.loader.key)
        except (api.InputError, OSError):
            jpeg = b""  # no thumbnail; the tile stays plain
        self.loader.made.emit(self.generation, self.tag, jpeg)


class ThumbnailLoader(QObject):
    """Makes thumbnails in its own two threads; ``ready(tag, jpeg)`` arrives on the GUI thread.
    ``reset`` drops queued requests and ignores results of earlier ones (a new song or plan)."""

    ready = Signal(object, bytes)
    made = Signal(int, object, bytes)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self.generation = 0
        self.requested: set[Any] = set()
        self.keys: dict[Path, str] = {}  # each file's identity key, read once until reset
        self.made.connect(self._made)

    def request(self, tag: Any, path: Path, frame: int, rate: api.Rate, height: int) -> None:
        """Make the thumbnail for ``tag`` unless it was asked for already."""
        if tag not in self.requested:
            self.requested.add(tag)
            self.pool.start(_Job(self, self.generation, tag, (Path(path), frame, rate, height)))

    def key(self, path: Path) -> str:
        """``path``'s identity key (it reads the file's first MiB: once per file, not per thumbnail);
        OSError when the file cannot be read. Called from the loader's threads."""
        return self.keys.get(path) or self.keys.setdefault(path, api.file_key(path))

    def reset(self) -> None:
        self.pool.clear()
        self.generation += 1
        self.requested.clear()
        self.keys.clear()

    def _made(self, generation: int, tag: Any, jpeg: bytes) -> None:
        if generation == self.generation and jpeg:
            self.ready.emit(tag, jpeg)
