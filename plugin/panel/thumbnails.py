"""Footage thumbnails for the panel: made lazily in worker threads when a widget first paints the place
they go, and kept on disk (the user cache dir, keyed by file identity and frame), so neither Analyze nor
Generate waits for them and a second look costs a file read."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from montage_ai.audio.cache import cache_dir
from montage_ai.errors import InputError
from montage_ai.timebase import Rate
from montage_ai.video.thumbnail import thumbnail_jpeg

CACHE_VERSION = 1


def cache_folder() -> Path:
    """``thumbnails`` next to the analysis cache (``$MONTAGE_AI_CACHE_DIR`` or the user cache dir)."""
    return cache_dir().parent / "thumbnails"


def cache_file(path: Path, frame: int, rate: Rate, height: int) -> Path:
    """Where the thumbnail of ``frame`` of ``path`` is kept: named by the file's path, size and
    modification time, so an edited or replaced file gets new thumbnails."""
    st = path.stat()
    identity = f"{CACHE_VERSION}|{path.resolve()}|{st.st_size}|{st.st_mtime_ns}|{frame}|{rate}|{height}"
    return cache_folder() / f"{hashlib.sha1(identity.encode()).hexdigest()}.jpg"


def cached_thumbnail(path: Path, frame: int, rate: Rate, height: int) -> bytes:
    """JPEG of ``frame`` of ``path``, from the cache or made (and stored) now."""
    file = cache_file(path, frame, rate, height)
    try:
        return file.read_bytes()
    except OSError:
        pass
    jpeg = thumbnail_jpeg(path, frame, rate, height)
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=file.parent, suffix=".part", delete=False) as part:
            part.write(jpeg)
        os.replace(part.name, file)
    except OSError:
        pass  # a cache is a convenience
    return jpeg


class _Job(QRunnable):
    def __init__(self, loader: "ThumbnailLoader", generation: int, tag: Any, args: tuple) -> None:
        super().__init__()
        self.loader, self.generation, self.tag, self.args = loader, generation, tag, args

    def run(self) -> None:
        try:
            jpeg = cached_thumbnail(*self.args)
        except (InputError, OSError):
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
        self.made.connect(self._made)

    def request(self, tag: Any, path: Path, frame: int, rate: Rate, height: int) -> None:
        """Make the thumbnail for ``tag`` unless it was asked for already."""
        if tag not in self.requested:
            self.requested.add(tag)
            self.pool.start(_Job(self, self.generation, tag, (Path(path), frame, rate, height)))

    def reset(self) -> None:
        self.pool.clear()
        self.generation += 1
        self.requested.clear()

    def _made(self, generation: int, tag: Any, jpeg: bytes) -> None:
        if generation == self.generation and jpeg:
            self.ready.emit(tag, jpeg)
