"""The panel's Resolve buttons. Where a push works (a connected session): **Create timeline in Resolve** (each
push a new version, ``<name> v2``...) and **Undo last push** (its timeline deleted, the frame rate it changed set
back). Where it does not (a free build, Resolve not reached): **Export for Resolve import** writes the OTIO shaped
like Resolve's own export and FCP7 XML, and the status line gives the menu steps. Pushes run on the GUI thread
(Resolve's scripting objects belong to it)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog

from montage_ai import api
from montage_ai.plugin.resolve.bridge import Build, import_steps

from . import messages

PUSH, EXPORT = "Create timeline in Resolve", "Export for Resolve import"


class ResolveActions:
    """Drives ``window.resolve_btn`` and ``window.undo_btn`` for the ``build`` the panel was opened with."""

    def __init__(self, window: Any, build: Build | None = None) -> None:
        self.window, self.build = window, build or Build()
        self.last = None  # the PushResult of the last push, until undone
        window.resolve_btn.clicked.connect(self.clicked)
        window.undo_btn.clicked.connect(self.undo)

    @property
    def can_push(self) -> bool:
        return self.window.session is not None

    def refresh(self, busy: bool, has_plan: bool) -> None:
        """Button texts, states and the tooltip saying which route works with this build."""
        w = self.window
        w.resolve_btn.setText(PUSH if self.can_push else EXPORT)
        w.resolve_btn.setEnabled(has_plan)
        w.resolve_btn.setToolTip(f"{self.build}: {self.build.route()}" if self.build.reached else self.build.route())
        w.undo_btn.setVisible(self.can_push)
        w.undo_btn.setEnabled(not busy and self.last is not None)

    def clicked(self) -> None:
        if self.can_push:
            self.push()
            return
        folder = QFileDialog.getExistingDirectory(self.window, EXPORT, self.window.settings.export_dir)
        if folder:
            self.export(folder)

    def push(self) -> None:
        """The plan as a new timeline (version) in the open Resolve project."""
        w = self.window
        try:
            result = w.controller.push()
        except api.InputError as err:
            w._show_error(str(err))
            w.failed.emit(str(err))
            return
        self.last = result
        w.status.setText(messages.pushed(result))
        w._refresh_buttons()
        w.pushed.emit(result.name)

    def undo(self) -> None:
        """Undo the last push: its timeline deleted, the project frame rate it changed set back."""
        lines = self.window.controller.undo_push(self.last)
        self.last = None
        self.window.status.setText("Undo: " + "; ".join(lines) + ".")
        self.window._refresh_buttons()

    def export(self, folder: str | Path) -> None:
        """The Resolve-shaped OTIO and FCP7 XML into ``folder`` (a worker thread), then the menu steps."""
        w = self.window
        w.settings.export_dir = str(folder)
        w._run("Exporting for Resolve", w.controller.export_for_import_job(folder),
               lambda files: self._exported(folder, files))

    def _exported(self, folder: str | Path, files: list[Path]) -> None:
        self.window.status.setText(import_steps(files))
        self.window.exported.emit(str(folder))
