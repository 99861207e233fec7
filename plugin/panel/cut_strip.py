"""The plan under the waveform: one tile per cut at its music time, coloured by phase, with a thumbnail
(asked for with ``thumbnail_needed`` when a tile without one is painted)."""
from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from montage_ai.model import Plan

from .waveform import BACKGROUND, PHASE_COLOURS, TimeAxis

PHASE_BAR = 6  # px of phase colour under each tile


class CutStrip(QWidget):
    """Tiles share the waveform's time axis, so each cut sits exactly under its beat."""

    thumbnail_needed = Signal(int)  # cut index

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(70)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.plan: Plan | None = None
        self.thumbnails: dict[int, QImage] = {}

    def set_plan(self, plan: Plan | None) -> None:
        self.plan, self.thumbnails = plan, {}
        self.update()

    def set_thumbnail(self, cut_index: int, jpeg: bytes) -> None:
        image = QImage.fromData(jpeg)
        if not image.isNull():
            self.thumbnails[cut_index] = image
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
                self.thumbnail_needed.emit(cut.index)
            colour = PHASE_COLOURS[cut.phase]
            p.fillRect(QRectF(rect.x(), rect.bottom() - PHASE_BAR, rect.width(), PHASE_BAR), colour)
            p.setPen(QPen(colour, 1))
            p.drawRect(tile)
