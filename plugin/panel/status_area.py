"""The bottom of the panel: the progress bar, the status line, the red line (one line per problem) and its
Details (a traceback, a per-clip report)."""
from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QProgressBar, QToolButton, QVBoxLayout, QWidget


class StatusArea(QWidget):
    def __init__(self) -> None:
        super().__init__()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        column.addWidget(self.progress)
        self.status = QLabel("Choose music and footage, then Analyze.")
        column.addWidget(self.status)
        self.error = QLabel("")
        self.error.setStyleSheet("color: #e0413a; font-weight: bold")
        self.error.setWordWrap(True)
        self.error.setMinimumHeight(2 * self.fontMetrics().height() + 4)
        self.details_btn = QToolButton(text="Details")
        self.details_btn.setCheckable(True)
        self.details_text = QPlainTextEdit(readOnly=True)
        self.details_text.setMaximumHeight(140)
        self.details_btn.toggled.connect(self.details_text.setVisible)
        row = QHBoxLayout()
        row.addWidget(self.error, 1)
        row.addWidget(self.details_btn)
        column.addLayout(row)
        column.addWidget(self.details_text)
        self.show_error("")

    def show_error(self, message: str, details: str = "") -> None:
        """``message`` in the red line ("" clears it); ``details`` behind the Details button, when any."""
        self.error.setText(message)
        self.details_text.setPlainText(details)
        self.details_btn.setVisible(bool(details))
        self.details_btn.setChecked(False)
        self.details_text.setVisible(False)
