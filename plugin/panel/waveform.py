"""The music at a glance: loudness, beats, bar starts, arc phases, and the chosen range (draggable)."""
from __future__ import annotations

from typing import Callable

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFontMetricsF, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from montage_ai import api

PHASE_COLOURS = {api.Phase.INTRO: QColor("#3b6fd8"), api.Phase.BUILD: QColor("#1fa5b8"),
                 api.Phase.CLIMAX: QColor("#e0413a"), api.Phase.SUSTAIN: QColor("#f08a24"),
                 api.Phase.OUTRO: QColor("#8c4fd0")}
BACKGROUND = QColor("#1d1f24")
HANDLE_GRAB_PX = 8
LABEL_ROWS = 2  # rows of phase labels above the beat lines
LABEL_GAP = 4.0  # px before a label and between labels in a row


def layout_labels(spans: list[tuple[float, str]], right: float, width_of: Callable[[str], float],
                  elide: Callable[[str, float], str]) -> list[tuple[int, float, int, str]]:
    """``(index, x, row, text)`` for labels wanted at ``(x, text)`` (left to right): each in the first row
    whose last label ends before it, moved left to end at ``right`` if it would run past it; where no
    row has room for the whole label, shortened (elided) in the first row that has any, else left out.
    No two labels overlap."""
    ends = [-float("inf")] * LABEL_ROWS
    placed = []
    for index, (x, text) in enumerate(spans):
        x += LABEL_GAP
        width = width_of(text)
        at = max(0.0, min(x, right - width))
        row = next((r for r in range(LABEL_ROWS) if ends[r] + LABEL_GAP <= at), None)
        if row is None:
            row = next((r for r in range(LABEL_ROWS) if ends[r] + LABEL_GAP <= x), None)
            if row is None:
                continue
            at, text = x, elide(text, right - x)
            width = width_of(text)
        if text and text != "…":
            placed.append((index, at, row, text))
            ends[row] = at + width
    return placed


class TimeAxis:
    """Maps music seconds to x pixels across a widget's width."""

    def __init__(self, duration: float, width: int) -> None:
        self.duration, self.width = max(duration, 1e-6), max(width, 1)

    def x(self, seconds: float) -> float:
        return seconds / self.duration * self.width

    def t(self, x: float) -> float:
        return min(max(x / self.width * self.duration, 0.0), self.duration)


class WaveformView(QWidget):
    """Energy curve with beat lines (thin), bar lines (bright), phase bands and the music range."""

    range_changed = Signal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.music: api.Music | None = None
        self.sections: list[api.Section] = []
        self.start, self.end = 0.0, 0.0
        self._drag: str | None = None
        self.labels: list[tuple[int, float, int, str]] = []  # as last painted: (section, x, row, text)

    def set_music(self, music: api.Music | None) -> None:
        self.music = music
        self.sections = list(music.sections) if music else []
        self.start, self.end = 0.0, music.duration if music else 0.0
        self.update()

    def set_sections(self, sections: list[api.Section]) -> None:
        """Phases to colour (the plan's arc over the chosen range, or the whole song's)."""
        self.sections = list(sections)
        self.update()

    def set_range(self, start: float, end: float) -> None:
        if self.music:
            self.start = min(max(start, 0.0), self.music.duration)
            self.end = min(max(end, self.start), self.music.duration) if end > 0 else self.music.duration
            self.update()

    def axis(self) -> TimeAxis:
        return TimeAxis(self.music.duration if self.music else 1.0, self.width())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt API)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), BACKGROUND)
        if not self.music:
            p.setPen(QColor("#8a8f98"))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Choose music and press Analyze")
            return
        ax, h = self.axis(), self.height()
        fm = QFontMetricsF(self.font())
        top = LABEL_ROWS * fm.height() + 4
        for s in self.sections:
            colour = QColor(PHASE_COLOURS[s.phase])
            colour.setAlpha(70)
            p.fillRect(QRectF(ax.x(s.start), 0, ax.x(s.end) - ax.x(s.start), h), colour)
        self.labels = layout_labels([(ax.x(s.start), s.phase.value) for s in self.sections], self.width(),
                                    fm.horizontalAdvance,
                                    lambda text, room: fm.elidedText(text, Qt.TextElideMode.ElideRight, room))
        for index, x, row, text in self.labels:
            p.setPen(PHASE_COLOURS[self.sections[index].phase].lighter(150))
            p.drawText(QPointF(x, (row + 1) * fm.height()), text)
        self._paint_energy(p, ax, h, top)
        p.setPen(QPen(QColor(255, 255, 255, 55), 1))
        for b in self.music.beats:
            p.drawLine(QPointF(ax.x(b), top), QPointF(ax.x(b), h))
        p.setPen(QPen(QColor(255, 255, 255, 170), 1.5))
        for b in self.music.downbeats:
            p.drawLine(QPointF(ax.x(b), top), QPointF(ax.x(b), h))
        shade = QColor(0, 0, 0, 150)
        p.fillRect(QRectF(0, 0, ax.x(self.start), h), shade)
        p.fillRect(QRectF(ax.x(self.end), 0, self.width() - ax.x(self.end), h), shade)
        p.setPen(QPen(QColor("#ffd54a"), 2))
        for t in (self.start, self.end):
            p.drawLine(QPointF(ax.x(t), 0), QPointF(ax.x(t), h))
        p.drawText(QPointF(ax.x(self.start) + 4, h - 6), f"{self.start:.2f} s")
        p.drawText(QPointF(max(ax.x(self.end) - 60, 0), h - 6), f"{self.end:.2f} s")

    def _paint_energy(self, p: QPainter, ax: TimeAxis, h: int, top: float) -> None:
        times, db = np.asarray(self.music.energy_times), np.asarray(self.music.energy)
        if times.size < 2:
            return
        amp = 10 ** ((db - db.max()) / 20)  # linear amplitude, loudest = 1
        mid, half = top + (h - top) / 2, (h - top - 8) / 2
        path = QPainterPath(QPointF(ax.x(times[0]), mid))
        for t, a in zip(times, amp):
            path.lineTo(ax.x(t), mid - a * half)
        for t, a in zip(times[::-1], amp[::-1]):
            path.lineTo(ax.x(t), mid + a * half)
        path.closeSubpath()
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#9fb3c8"))
        p.drawPath(path)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if not self.music:
            return
        ax, x = self.axis(), event.position().x()
        near = [(abs(ax.x(t) - x), name) for name, t in (("start", self.start), ("end", self.end))]
        dist, name = min(near)
        self._drag = name if dist <= HANDLE_GRAB_PX else ("start" if x < ax.x(self.start) else "end"
                                                           if x > ax.x(self.end) else None)
        self.mouseMoveEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if not self._drag or not self.music:
            return
        t = self.axis().t(event.position().x())
        if self._drag == "start":
            self.start = min(t, self.end - 0.5)
        else:
            self.end = max(t, self.start + 0.5)
        self.update()
        self.range_changed.emit(self.start, self.end)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self._drag = None
