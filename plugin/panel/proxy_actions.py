"""The panel's proxy buttons: **Make proxies…** (proxies of the footage in a folder, in a worker thread;
in Resolve each linked to its media pool clip) and **Unlink proxies** (Resolve only: the links undone)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog

from . import messages


class ProxyActions:
    """Drives ``window.form.proxies_btn`` and ``unlink_btn``; the outcome goes out as ``window.proxies_done``."""

    def __init__(self, window: Any) -> None:
        self.window = window
        window.form.proxies_btn.clicked.connect(self.clicked)
        window.form.unlink_btn.clicked.connect(self.unlink)

    def clicked(self) -> None:
        if folder := QFileDialog.getExistingDirectory(self.window, "Proxies folder", self.window.settings.proxy_dir):
            self.make(folder)

    def make(self, folder: str | Path) -> None:
        w = self.window
        w.settings.proxy_dir = str(folder)
        w.form.store(w.settings)
        w._run("Making proxies", w.controller.proxies_job(folder, w.form.choices()),
               lambda batch: self._report(messages.proxies_lines(batch, w.controller.proxies_made(batch))))

    def unlink(self) -> None:
        self._report(messages.link_lines("unlinked", self.window.controller.unlink_proxies()))

    def _report(self, lines: list[str]) -> None:
        w = self.window
        status, error = messages.report_status(lines)
        w.status.setText(status)
        w._show_error(error, "\n".join(lines))
        w.proxies_done.emit("\n".join(lines))
        w._refresh_buttons()
