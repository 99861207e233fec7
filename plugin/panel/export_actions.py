"""The panel's buttons that send the plan out of Generate's folder: **Play preview** (the draft preview in the
system player), **Export for Premiere / OTIO / EDL…** (every NLE export, the preview and report.json into a
folder; a set per aspect asked for) and **Render master…** (the exports, then master.mp4 rendered from them)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog

from . import messages


class ExportActions:
    """Drives ``window.preview_btn``, ``export_btn`` and ``render_btn``; the outcomes go out as
    ``window.exported`` and ``window.rendered``."""

    def __init__(self, window: Any) -> None:
        self.window = window
        window.preview_btn.clicked.connect(self.play_preview)
        window.export_btn.clicked.connect(lambda: self._ask("Export to folder", self.export))
        window.render_btn.clicked.connect(lambda: self._ask("Render master into folder", self.render))

    def _ask(self, title: str, then) -> None:
        if folder := QFileDialog.getExistingDirectory(self.window, title, self.window.settings.export_dir):
            then(folder)

    def play_preview(self) -> None:
        preview = self.window.controller.preview
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(preview)))
        self.window.status.setText(f"Opened {preview.name} in the system player.")

    def export(self, folder: str | Path) -> None:
        """Write every NLE export, the preview Generate rendered and report.json into ``folder`` (a set per
        aspect asked for; a bad one is said in the red line, nothing written)."""
        w = self._remember(folder)
        w._run("Exporting", w.controller.export_job(folder, w.form.choices()),
               lambda files: self._exported(folder, files))

    def _exported(self, folder, files) -> None:
        self.window.status.setText(messages.exported(folder, files))
        self.window.exported.emit(str(folder))

    def render(self, folder: str | Path) -> None:
        """Write the exports into ``folder`` as Export does, then render ``master.mp4`` there from them
        (progress per segment; Cancel leaves no partial master)."""
        w = self._remember(folder)
        w._run("Rendering", w.controller.render_job(folder, w.form.choices()), self._rendered)

    def _rendered(self, master) -> None:
        self.window.status.setText(messages.rendered(master))
        self.window.rendered.emit(str(master.path))

    def _remember(self, folder: str | Path) -> Any:
        w = self.window
        w.settings.export_dir = str(folder)
        w.form.store(w.settings)
        return w
