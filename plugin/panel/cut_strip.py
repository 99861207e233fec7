"""The plan under the waveform: one tile per cut at its music time, coloured by phase, with a thumbnail
of its first frame (asked of the :class:`.thumbnails.ThumbnailLoader` when a tile without one is painted)."""
from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from montage_ai import api

from .thumbnails import ThumbnailLoader
from .waveform import BACKGROUND, PHASE_COLOURS, TimeAxis

PHASE_BAR = 6  # px of phase colour under each tile
THUMB_HEIGHT = 60


class CutStrip(QWidget):
    """Tiles share the waveform's time axis, so each cut sits exactly under its beat."""

    def __init__(self, loader: ThumbnailLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(70)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.plan: api.Plan | None = None
        self.serial = 0  # tells thumbnails of the current plan from an earlier one's
        self.thumbnails: dict[int, QImage] = {}
        self.loader = loader
        loader.ready.connect(self._thumbnail_ready)

    def set_plan(self, plan: api.Plan | None) -> None:
        self.plan, self.thumbnails = plan, {}
        self.serial += 1
        self.update()

    def _thumbnail_ready(self, tag: tuple, jpeg: bytes) -> None:
        image = QImage.fromData(jpeg)
        if tag[:2] == ("cut", self.serial) and not image.isNull():
            self.thumbnails[tag[2]] = image
            self.update()

    def cut_rect(self, index: int) -> QRectF:
        """Where cut ``index`` is drawn: from its music time to the next cut's."""
        plan = self.plan
        ax = TimeAxis(plan.music.duration, self.width())
        fps = float(plan.rate.fps)
        cut = plan.cuts[index]
        t0 = plan.music_start_time + cut.record_start / fps
        t1 = plan.music_start_time + cut.record_end / fps
        return QRectF(ax.x(t0), 0, max(ax.x(t1) - ax.x(t0), 1.0), self.height())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt API)
        p = QPainter(self)
        p.fillRect(self.rect(), BACKGROUND)
        if not self.plan:
            p.setPen(QColor("#8a8f98"))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Cuts appear here after Generate")
            return
        for cut in self.plan.cuts:
            rect = self.cut_rect(cut.index)
            tile = rect.adjusted(1, 1, -1, -PHASE_BAR - 1)
            image = self.thumbnails.get(cut.index)
            if image is not None:
                scaled = image.scaledToHeight(int(tile.height()), Qt.TransformationMode.SmoothTransformation)
                src = QRectF(max(0.0, (scaled.width() - tile.width()) / 2), 0, min(tile.width(), scaled.width()),
                             scaled.height())
                p.drawImage(QRectF(tile.x(), tile.y(), src.width(), tile.height()), scaled, src)
            else:
                p.fillRect(tile, QColor("#2c3038"))
                self.loader.request(("cut", self.serial, cut.index), cut.clip.path, cut.source_in, cut.clip.rate,
                                    THUMB_HEIGHT)
            colour = PHASE_COLOURS[cut.phase]
            p.fillRect(QRectF(rect.x(), rect.bottom() - PHASE_BAR, rect.width(), PHASE_BAR), colour)
            p.setPen(QPen(colour, 1))
            p.drawRect(tile)
