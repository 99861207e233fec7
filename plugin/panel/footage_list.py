"""The analysed footage, one row per clip (see :func:`.messages.clip_row`) with the thumbnail of its best
shot, asked of the :class:`.thumbnails.ThumbnailLoader` when the row is first painted."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize
from PySide6.QtGui import QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import QListWidget, QListWidgetItem

from . import messages
from .thumbnails import ThumbnailLoader, best_frame

THUMB_HEIGHT = 90


class FootageList(QListWidget):
    """Rows keep a placeholder icon (same height) until their thumbnail arrives."""

    def __init__(self, thumbnails: ThumbnailLoader) -> None:
        super().__init__()
        self.clips: list[Any] = []
        self.thumbnails = thumbnails
        thumbnails.ready.connect(self._thumbnail_ready)
        self.setIconSize(QSize(96, 54))
        self.viewport().installEventFilter(self)  # icons are made as rows are painted
        blank = QPixmap(self.iconSize())
        blank.fill(QColor("#2c3038"))
        self._placeholder = QIcon(blank)

    def set_clips(self, clips: list) -> None:
        self.clear()
        self.clips = list(clips)
        for clip in self.clips:
            text, tooltip = messages.clip_row(clip)
            item = QListWidgetItem(self._placeholder, text)
            item.setToolTip(tooltip)
            self.addItem(item)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if watched is self.viewport() and event.type() == QEvent.Type.Paint:
            view = self.viewport().rect()
            for row, clip in enumerate(self.clips):
                item = self.item(row)
                if item is not None and self.visualItemRect(item).intersects(view):
                    self.thumbnails.request(("clip", row), clip.path, best_frame(clip), clip.rate, THUMB_HEIGHT)
        return super().eventFilter(watched, event)

    def _thumbnail_ready(self, tag: tuple, jpeg: bytes) -> None:
        if tag[0] == "clip" and (item := self.item(tag[1])) is not None:
            image = QImage.fromData(jpeg)
            if not image.isNull():
                item.setIcon(QIcon(QPixmap.fromImage(image)))

    @property
    def with_thumbnails(self) -> set[int]:
        """Rows showing their thumbnail (no longer the placeholder)."""
        rows = (self.item(row) for row in range(self.count()))
        return {row for row, item in enumerate(rows) if item.icon().cacheKey() != self._placeholder.cacheKey()}
