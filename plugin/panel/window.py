"""The Montage AI window: the Inputs box (:mod:`.form`), the music, the cuts, the footage and the buttons.
Presentation only: what the buttons do is the controller's (:mod:`.controller`), run in worker threads
(:mod:`.workers`); what the window says is written in :mod:`.messages`."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import Qt, QThreadPool, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from montage_ai import api

from . import messages
from .controller import Controller
from .export_actions import ExportActions
from .cut_strip import CutStrip
from .footage_list import FootageList
from .form import InputsForm
from .proxy_actions import ProxyActions
from .resolve_actions import ResolveActions
from .settings import PanelSettings
from .status_area import StatusArea
from .thumbnails import ThumbnailLoader
from .waveform import WaveformView
from .workers import Task

CLOSE_WAIT_MS = 10_000  # how long closing waits for cancelled work to stop
AUDIO_SUFFIXES = {".wav", ".mp3", ".m4a", ".aac", ".flac", ".aif", ".aiff", ".ogg"}


class PanelWindow(QWidget):
    """One window, standalone or inside Resolve (``session`` is a connected Resolve session or None)."""

    # Each action's outcome, for whatever drives the window (a host, the tests, the benchmarks); nothing
    # inside the window listens to them.
    analyzed = Signal()
    generated = Signal()
    exported = Signal(str)
    rendered = Signal(str)  # master.mp4's path
    pushed = Signal(str)
    failed = Signal(str)
    cancelled = Signal()
    proxies_done = Signal(str)

    def __init__(self, session: Any = None, settings: PanelSettings | None = None, build: Any = None) -> None:
        super().__init__()
        self.controller = Controller(session)
        self.settings = settings or PanelSettings.load()
        self.thumbnails = ThumbnailLoader(self)  # the footage list's and the cut strip's
        self.task: Task | None = None
        self.setWindowTitle("Montage AI" + (" — DaVinci Resolve" if session else ""))
        self.setAcceptDrops(True)
        self.resize(1280, 760)
        self._build()
        self.resolve_actions = ResolveActions(self, build)  # the Resolve and Undo buttons
        self.proxy_actions = ProxyActions(self)  # Make proxies, Unlink proxies
        self.export_actions = ExportActions(self)  # Play preview, Export, Render master
        self.form.load(self.settings)
        self._refresh_buttons()

    # what the controller holds, as the window's (hosts, tests and benchmarks read and set them)
    session = property(lambda self: self.controller.session)
    inputs = property(lambda self: self.controller.inputs)
    work_dir = property(lambda self: self.controller.work_dir)
    plan = property(lambda self: self.controller.plan, lambda self, plan: setattr(self.controller, "plan", plan))

    # ----- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        root = QHBoxLayout(self)
        self.form = InputsForm(in_resolve=self.session is not None)
        self.form.footage_added.connect(self._refresh_buttons)
        self.form.range_typed.connect(lambda start, end: self.waveform.set_range(start, end))
        self.form.pool_btn.clicked.connect(self.load_media_pool)
        root.addWidget(self.form, 0)
        right = QVBoxLayout()
        root.addLayout(right, 1)
        self.waveform = WaveformView()
        self.waveform.range_changed.connect(self.form.set_range)
        self.strip = CutStrip(self.thumbnails)
        right.addWidget(QLabel("Music: loudness, beats (thin), bar starts (bright), arc phases; drag the yellow "
                               "handles to choose the range"))
        right.addWidget(self.waveform)
        right.addWidget(self.strip)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setMinimumHeight(5 * self.fontMetrics().height() + 6)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        right.addWidget(self.summary)
        self.clip_list = FootageList(self.thumbnails)
        right.addWidget(QLabel("Footage"))
        right.addWidget(self.clip_list, 1)
        right.addLayout(self._buttons())
        self.status_area = StatusArea()
        right.addWidget(self.status_area)
        a = self.status_area  # its parts, as the window's (hosts, tests and the Resolve buttons use them)
        self.progress, self.status, self.error, self.details_btn, self.details_text = \
            a.progress, a.status, a.error, a.details_btn, a.details_text

    def _buttons(self) -> QHBoxLayout:
        buttons = QHBoxLayout()
        self.analyze_btn = QPushButton("Analyze")
        self.generate_btn = QPushButton("Generate")
        self.cancel_btn = QPushButton("Cancel")
        self.preview_btn = QPushButton("Play preview")
        self.export_btn = QPushButton("Export for Premiere / OTIO / EDL…")
        self.resolve_btn, self.undo_btn = QPushButton("Create timeline in Resolve"), QPushButton("Undo last push")
        self.render_btn = QPushButton("Render master…")
        self.render_btn.setToolTip("Exports and master.mp4 (full quality, -14 LUFS) into a folder; on the "
                                   "Scheduler's cluster when one is set")
        for b, slot in ((self.analyze_btn, self.analyze), (self.generate_btn, self.generate),
                        (self.cancel_btn, self.cancel)):
            b.clicked.connect(slot)
        for b in (self.analyze_btn, self.generate_btn, self.cancel_btn, self.preview_btn, self.export_btn,
                  self.resolve_btn, self.undo_btn, self.render_btn):
            buttons.addWidget(b)
        return buttons

    # ----- inputs -------------------------------------------------------------------------------
    def plan_settings(self) -> api.PlanSettings:
        """The plan settings of the job the form's choices give (what Generate plans with); InputError as
        the CLI's for a bad choice."""
        return self.controller.job(self.form.choices()).settings

    def add_footage(self, paths: list[str | Path]) -> None:
        self.form.add_footage(paths)

    def set_music(self, path: str | Path) -> None:
        self.form.music_edit.setText(str(path))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt API)
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        for url in event.mimeData().urls():
            path = Path(url.toLocalFile())
            if path.suffix.lower() in AUDIO_SUFFIXES:
                self.set_music(path)
            else:
                self.add_footage([path])

    def load_media_pool(self) -> None:
        """Footage from the current media pool bin (Resolve only)."""
        contents = self.controller.load_media_pool()
        self.add_footage([c.path for c in contents.clips])
        self.status.setText(messages.pool_loaded(contents))

    def _store_settings(self) -> None:
        self.form.store(self.settings)

    # ----- running work ---------------------------------------------------------------------------
    def _run(self, label: str, fn: Callable, on_done: Callable[[Any], None]) -> None:
        self._show_error("")
        self.status.setText(label + "…")
        self.progress.setValue(0)
        task = Task(fn)
        task.signals.progress.connect(self._progress)
        task.signals.done.connect(lambda result: self._finish(on_done, result))
        task.signals.failed.connect(self._failed)
        task.signals.cancelled.connect(self._cancelled)
        self.task = task.start()
        self._refresh_buttons()

    def _progress(self, stage: str, fraction: float) -> None:
        self.progress.setValue(int(fraction * 1000))
        self.status.setText(f"{api.STAGES.get(stage, stage)}… {fraction:.0%}")

    def _finish(self, on_done: Callable[[Any], None], result: Any) -> None:
        self.task = None
        self.progress.setValue(1000)
        on_done(result)
        self._refresh_buttons()

    def _failed(self, message: str, details: str) -> None:
        self.task = None
        self.progress.setValue(0)
        self.status.setText("Stopped: see the message below.")
        self._show_error(message, details)
        self._refresh_buttons()
        self.failed.emit(message)

    def _cancelled(self) -> None:
        self.task = None
        self.progress.setValue(0)
        self.status.setText("Cancelled. Nothing was written.")
        self._refresh_buttons()
        self.cancelled.emit()

    def _show_error(self, message: str, details: str = "") -> None:
        self.status_area.show_error(message, details)

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel.set()
            self.status.setText("Cancelling…")

    def _refresh_buttons(self) -> None:
        busy, footage = self.task is not None, bool(self.form.footage_paths())
        self.analyze_btn.setEnabled(not busy and footage)
        self.form.proxies_btn.setEnabled(not busy and footage)
        self.form.unlink_btn.setEnabled(not busy and bool(self.controller.proxies))
        self.generate_btn.setEnabled(not busy and self.inputs is not None)
        self.cancel_btn.setEnabled(busy)
        has_plan = not busy and self.plan is not None
        self.preview_btn.setEnabled(has_plan and self.controller.preview.exists())
        self.export_btn.setEnabled(has_plan)
        self.render_btn.setEnabled(has_plan)
        self.resolve_actions.refresh(busy, has_plan)

    # ----- Analyze ------------------------------------------------------------------------------
    def analyze(self) -> None:
        """Analyse the music and footage; what an earlier Analyze showed is cleared first, so a failed
        or cancelled one leaves nothing of the previous song (nor Generate enabled)."""
        self._store_settings()
        self._clear_results()
        self._run("Analysing", self.controller.analyze_job(self.form.choices()), self._analyzed)

    def _clear_results(self) -> None:
        self.controller.clear()
        self.thumbnails.reset()
        self.waveform.set_music(None)
        self.strip.set_plan(None)
        self.clip_list.set_clips([])
        self.summary.setText("")
        self._refresh_buttons()

    def _analyzed(self, inputs) -> None:
        tags = self.controller.analyzed(inputs)
        self.waveform.set_music(inputs.music)
        self.waveform.set_range(self.form.start_spin.value(), self.form.end_spin.value())
        self.clip_list.set_clips(inputs.clips)
        self.form.list_tags(tags)
        self.summary.setText(messages.analysis_summary(inputs))
        self.status.setText("Analysed. Adjust the range or settings, then Generate.")
        self.analyzed.emit()

    # ----- Generate -----------------------------------------------------------------------------
    def generate(self) -> None:
        self._store_settings()
        self._run("Generating", self.controller.generate_job(self.form.choices()), self._generated)

    def _generated(self, result) -> None:
        warnings = self.controller.generated(result)
        plan = self.plan
        self.strip.set_plan(plan)
        self.waveform.set_sections(plan.sections)
        self.summary.setText(messages.plan_summary(plan, self.controller.run.details, warnings))
        self.status.setText(f"Generated in {self.controller.out}. Play the preview, export, or send to Resolve.")
        if failed := self.controller.isolation_failures(warnings):
            self.status.setText(messages.isolation_failed(failed))
        self.generated.emit()

    # ----- thumbnails (made in the loader's threads as they are painted) ------------------------------
    @property
    def clip_thumbnails(self) -> set[int]:
        """Rows of the footage list showing their thumbnail (no longer the placeholder)."""
        return self.clip_list.with_thumbnails

    # ----- Send and proxies (their buttons' classes do the work) --------------------------------------
    def export(self, folder: str | Path) -> None:
        """Every NLE export, the preview and report.json into ``folder`` (see :class:`.ExportActions`)."""
        self.export_actions.export(folder)

    def render(self, folder: str | Path) -> None:
        """The exports and master.mp4 into ``folder`` (see :class:`.ExportActions`)."""
        self.export_actions.render(folder)

    def make_proxies(self, folder: str | Path) -> None:
        """Proxies of the footage in ``folder`` (a worker thread; valid ones kept), then, in Resolve,
        each linked to its media pool clip."""
        self.proxy_actions.make(folder)

    def unlink_proxies(self) -> None:
        """Undo the links of the last Make proxies in Resolve."""
        self.proxy_actions.unlink()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        """Stop the work, remember the settings and remove the window's temporary folder."""
        self.cancel()
        self._store_settings()
        self.thumbnails.reset()
        QThreadPool.globalInstance().waitForDone(CLOSE_WAIT_MS)
        self.thumbnails.pool.waitForDone(CLOSE_WAIT_MS)
        self.controller.close()
        super().closeEvent(event)
