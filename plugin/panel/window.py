"""The Montage AI window: inputs, Analyze, Generate, Send. Presentation only: all work is core's,
run in worker threads (see :mod:`.workers`)."""
from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QThreadPool, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QDragEnterEvent, QDropEvent, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout,
                               QLabel, QLineEdit, QListWidget, QListWidgetItem, QPlainTextEdit, QProgressBar,
                               QPushButton, QSpinBox, QToolButton, QVBoxLayout, QWidget)

from montage_ai.audio.hints import BEAT_ENGINES, BEATS_PER_BAR_RANGE, DEFAULT_BEAT_ENGINE, TEMPO_HINT_RANGE
from montage_ai.model import Phase, Plan
from montage_ai.pipeline import STAGES
from montage_ai.dialogue.phrases import DIALOGUE_MODES
from montage_ai.dialogue.speech import FALLBACK
from montage_ai.plan.styles import load_styles
from montage_ai.plugin.resolve.build import Build
from montage_ai.selects import found_tags

from .cut_strip import CutStrip
from .resolve_actions import ResolveActions
from .settings import PanelSettings
from .thumbnails import ThumbnailLoader
from .waveform import WaveformView
from .workers import Task

AUTO_STYLE = "auto (from prompt)"
STYLE_DIALOGUE = "style default"
CLIP_THUMB_HEIGHT, CUT_THUMB_HEIGHT = 90, 60
CLOSE_WAIT_MS = 10_000  # how long closing waits for cancelled work to stop


def _spin(maximum: float, suffix: str, decimals: int = 2, minimum: float = 0.0) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(minimum, maximum)
    box.setDecimals(decimals)
    box.setSuffix(suffix)
    return box


def _best_frame(clip) -> int:
    """The representative frame of the clip's best shot (its middle when unanalysed)."""
    best = max(clip.shots, key=lambda s: s.quality, default=None)
    return best.thumbnail if best is not None and best.thumbnail is not None else clip.frames // 2


def _shot_line(clip, index: int, shot) -> str:
    """One shot of the footage list's tooltip: its time range and scores."""
    start, end = (float(clip.rate.seconds(f)) for f in (shot.start, shot.end))
    flags = [name for name, bad in (("black", shot.black > 0.5), ("frozen", shot.frozen > 0.5),
                                    (f"{shot.flashes} flash frames", shot.flashes)) if bad]
    return (f"shot {index + 1}: {start:.2f}-{end:.2f} s  motion {shot.motion:.2f}  quality {shot.quality:.2f}  "
            f"sharp {shot.sharpness:.2f}  exposure {shot.exposure:.2f}" + (f"  ({', '.join(flags)})" if flags else ""))


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
        self.session = session
        self.settings = settings or PanelSettings.load()
        self.inputs = None  # pipeline.Inputs after Analyze
        self.plan: Plan | None = None
        self.details: dict = {}
        self.work_dir = Path(tempfile.mkdtemp(prefix="montage-ai-panel-"))  # removed on close or exit
        atexit.register(shutil.rmtree, self.work_dir, True)
        self.thumbnails = ThumbnailLoader(self)
        self.thumbnails.ready.connect(self._thumbnail_ready)
        self.plan_serial = 0  # tells thumbnails of the current plan from an earlier one's
        self.pool_items: dict[Path, Any] = {}
        self.pool_selects = None  # the editor's marks and tags in the media pool bin (Selects)
        self.proxies: dict[str, str] = {}  # original -> proxy of the last Make proxies
        self.task: Task | None = None
        self.setWindowTitle("Montage AI" + (" — DaVinci Resolve" if session else ""))
        self.setAcceptDrops(True)
        self.resize(1280, 760)
        self._build()
        self.resolve_actions = ResolveActions(self, build or Build())  # the Resolve and Undo buttons
        self._load_settings()
        self._refresh_buttons()

    # ----- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        root = QHBoxLayout(self)
        root.addWidget(self._inputs_box(), 0)
        right = QVBoxLayout()
        root.addLayout(right, 1)
        self.waveform = WaveformView()
        self.waveform.range_changed.connect(self._range_dragged)
        self.strip = CutStrip()
        self.strip.thumbnail_needed.connect(self._cut_thumbnail_needed)
        right.addWidget(QLabel("Music: loudness, beats (thin), bar starts (bright), arc phases; drag the yellow "
                               "handles to choose the range"))
        right.addWidget(self.waveform)
        right.addWidget(self.strip)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setMinimumHeight(5 * self.fontMetrics().height() + 6)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        right.addWidget(self.summary)
        self.clip_list = QListWidget()
        self.clip_list.setIconSize(QSize(96, 54))
        self.clip_list.viewport().installEventFilter(self)  # icons are made as rows are painted
        blank = QPixmap(self.clip_list.iconSize())
        blank.fill(QColor("#2c3038"))
        self._placeholder = QIcon(blank)  # keeps rows the same height until the thumbnail arrives
        right.addWidget(QLabel("Footage"))
        right.addWidget(self.clip_list, 1)
        buttons = QHBoxLayout()
        self.analyze_btn = QPushButton("Analyze")
        self.generate_btn = QPushButton("Generate")
        self.cancel_btn = QPushButton("Cancel")
        self.preview_btn = QPushButton("Play preview")
        self.export_btn = QPushButton("Export for Premiere / OTIO / EDL…")
        self.resolve_btn, self.undo_btn = QPushButton("Create timeline in Resolve"), QPushButton("Undo last push")
        for b, slot in ((self.analyze_btn, self.analyze), (self.generate_btn, self.generate),
                        (self.cancel_btn, self.cancel), (self.preview_btn, self.play_preview),
                        (self.export_btn, self._export_clicked), (self.resolve_btn, None), (self.undo_btn, None)):
            if slot:
                b.clicked.connect(slot)
            buttons.addWidget(b)
        self.render_btn = QPushButton("Render master…")
        self.render_btn.setToolTip("Exports and master.mp4 (full quality, -14 LUFS) into a folder; on the "
                                   "Scheduler's cluster when one is set")
        self.render_btn.clicked.connect(self._render_clicked)
        buttons.addWidget(self.render_btn)
        right.addLayout(buttons)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        right.addWidget(self.progress)
        self.status = QLabel("Choose music and footage, then Analyze.")
        right.addWidget(self.status)
        self.error = QLabel("")
        self.error.setStyleSheet("color: #e0413a; font-weight: bold")
        self.error.setWordWrap(True)
        self.error.setMinimumHeight(2 * self.fontMetrics().height() + 4)
        self.details_btn = QToolButton(text="Details")
        self.details_btn.setCheckable(True)
        self.details_text = QPlainTextEdit(readOnly=True)
        self.details_text.setMaximumHeight(140)
        self.details_btn.toggled.connect(self.details_text.setVisible)
        err_row = QHBoxLayout()
        err_row.addWidget(self.error, 1)
        err_row.addWidget(self.details_btn)
        right.addLayout(err_row)
        right.addWidget(self.details_text)
        self._show_error("")

    def _inputs_box(self) -> QGroupBox:
        box = QGroupBox("Inputs")
        box.setFixedWidth(340)
        form = QFormLayout(box)
        self.music_edit = QLineEdit()
        self.music_edit.setPlaceholderText("song.wav / .mp3 / .m4a")
        music_btn = QPushButton("Browse…")
        music_btn.clicked.connect(self._browse_music)
        row = QHBoxLayout()
        row.addWidget(self.music_edit, 1)
        row.addWidget(music_btn)
        form.addRow("Music", row)
        self.footage_list = QListWidget()
        self.footage_list.setMaximumHeight(110)
        form.addRow("Footage", self.footage_list)
        add_files, add_folder, remove = QPushButton("Add files…"), QPushButton("Add folder…"), QPushButton("Remove")
        add_files.clicked.connect(self._browse_files)
        add_folder.clicked.connect(self._browse_folder)
        remove.clicked.connect(lambda: [self.footage_list.takeItem(self.footage_list.row(i))
                                        for i in self.footage_list.selectedItems()])
        row = QHBoxLayout()
        for b in (add_files, add_folder, remove):
            row.addWidget(b)
        form.addRow("", row)
        self.pool_btn = QPushButton("Use current media pool bin")
        self.pool_btn.clicked.connect(self.load_media_pool)
        self.pool_btn.setVisible(self.session is not None)
        form.addRow("", self.pool_btn)
        self.proxies_btn, self.unlink_btn = QPushButton("Make proxies…"), QPushButton("Unlink proxies")
        self.proxies_btn.setToolTip("Proxies of the footage (same timecode, rate and length) in a folder you choose; "
                                    "in Resolve each is linked to its media pool clip")
        self.proxies_btn.clicked.connect(self._proxies_clicked)
        self.unlink_btn.clicked.connect(self.unlink_proxies)
        self.unlink_btn.setVisible(self.session is not None)
        row = QHBoxLayout()
        row.addWidget(self.proxies_btn)
        row.addWidget(self.unlink_btn)
        form.addRow("Proxies", row)
        self.style_box = QComboBox()
        self.style_box.addItems([AUTO_STYLE, *sorted(load_styles())])
        form.addRow("Style", self.style_box)
        self.prompt_edit = QLineEdit()
        self.prompt_edit.setPlaceholderText("e.g. fast energetic travel edit")
        form.addRow("Prompt", self.prompt_edit)
        self.phase_tag_boxes: dict[Phase, QComboBox] = {}
        tags_row = QHBoxLayout()
        for phase in Phase:
            combo = QComboBox()
            combo.setToolTip(f"Material the {phase.value.lower()} takes first: a tag found on the footage "
                             "(selects, sub-folders, Resolve markers, flags, colours, keywords, bins)")
            combo.addItem("")
            combo.setEnabled(False)
            tags_row.addWidget(QLabel(phase.value.title()))
            tags_row.addWidget(combo, 1)
            self.phase_tag_boxes[phase] = combo
        form.addRow("Phase tags", tags_row)
        self.llm_edit = QLineEdit()
        self.llm_edit.setPlaceholderText("model.gguf for the LLM director (empty: rule director)")
        form.addRow("LLM model", self.llm_edit)
        self.scheduler_edit = QLineEdit()
        self.scheduler_edit.setPlaceholderText("tcp://host:8786 or local:2 for Dask (empty: this machine)")
        self.scheduler_edit.setToolTip("Where footage analysis, proxies and the master render run; see docs/scale.md")
        form.addRow("Scheduler", self.scheduler_edit)
        self.duration_spin = _spin(36000, " s", 1)
        self.duration_spin.setSpecialValueText("to the end")
        form.addRow("Duration", self.duration_spin)
        self.start_spin = _spin(36000, " s")
        self.end_spin = _spin(36000, " s")
        self.end_spin.setSpecialValueText("end of song")
        form.addRow("Music start", self.start_spin)
        form.addRow("Music end", self.end_spin)
        self.start_spin.valueChanged.connect(self._range_typed)
        self.end_spin.valueChanged.connect(self._range_typed)
        self.offset_spin = _spin(500, " ms", 0, -500)
        form.addRow("Beat offset", self.offset_spin)
        self.level_box = QComboBox()
        self.level_box.addItems(["half", "beat", "double"])
        form.addRow("Beat level", self.level_box)
        self.dialogue_box = QComboBox()
        self.dialogue_box.addItems([STYLE_DIALOGUE, *DIALOGUE_MODES])
        self.dialogue_box.setToolTip("the footage's speech on its own track (A2), whole phrases, music ducked under "
                                     "it; isolate separates the voice first and checks it")
        form.addRow("Dialogue", self.dialogue_box)
        self.aspects_edit = QLineEdit()
        self.aspects_edit.setPlaceholderText("the footage's frame")
        self.aspects_edit.setToolTip("Export: one set per aspect, e.g. 16:9,9:16,1:1,4:5 (the first in the folder, "
                                     "the others in its sub-folders 9x16, 1x1, 4x5), each cut's crop following its subject")
        form.addRow("Aspects", self.aspects_edit)
        self.tempo_spin = _spin(TEMPO_HINT_RANGE[1], " BPM", 1)
        self.tempo_spin.setSpecialValueText("analysed")
        self.tempo_spin.setToolTip(f"the tempo as you count it ({TEMPO_HINT_RANGE[0]:g}-{TEMPO_HINT_RANGE[1]:g} BPM); "
                                   "beats are tracked near it, also where none were found")
        form.addRow("Tempo hint", self.tempo_spin)
        self.meter_spin = QSpinBox()
        self.meter_spin.setRange(0, BEATS_PER_BAR_RANGE[1])
        self.meter_spin.setSpecialValueText("analysed")
        form.addRow("Beats per bar", self.meter_spin)
        self.engine_box = QComboBox()
        self.engine_box.addItems(BEAT_ENGINES)
        self.engine_box.setToolTip("beat tracker: learned (neural network) or dsp (signal processing)")
        form.addRow("Beat tracker", self.engine_box)
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 99999)
        form.addRow("Seed", self.seed_spin)
        return box

    # ----- settings -----------------------------------------------------------------------------
    def _load_settings(self) -> None:
        s = self.settings
        self.music_edit.setText(s.music)
        self.add_footage(s.footage)
        self.style_box.setCurrentText(s.style or AUTO_STYLE)
        self.prompt_edit.setText(s.prompt)
        self.llm_edit.setText(s.llm)
        self.scheduler_edit.setText(s.scheduler)
        self.duration_spin.setValue(s.duration)
        self.start_spin.setValue(s.music_start)
        self.end_spin.setValue(s.music_end)
        self.offset_spin.setValue(s.beat_offset_ms)
        self.level_box.setCurrentText(s.beat_level)
        self.tempo_spin.setValue(s.tempo_hint)
        self.meter_spin.setValue(s.beats_per_bar)
        self.engine_box.setCurrentText(s.beat_engine if s.beat_engine in BEAT_ENGINES else DEFAULT_BEAT_ENGINE)
        self.seed_spin.setValue(s.seed)

    def _store_settings(self) -> None:
        s = self.settings
        s.music, s.footage = self.music_edit.text().strip(), self.footage_paths()
        s.style = "" if self.style_box.currentText() == AUTO_STYLE else self.style_box.currentText()
        s.prompt, s.duration = self.prompt_edit.text(), self.duration_spin.value()
        s.llm, s.scheduler = self.llm_edit.text().strip(), self.scheduler_edit.text().strip()
        s.music_start, s.music_end = self.start_spin.value(), self.end_spin.value()
        s.beat_offset_ms, s.beat_level, s.seed = self.offset_spin.value(), self.level_box.currentText(), self.seed_spin.value()
        s.tempo_hint, s.beats_per_bar = self.tempo_spin.value(), self.meter_spin.value()
        s.beat_engine = self.engine_box.currentText()
        s.save()

    def plan_settings(self):
        from montage_ai.plan.planner import PlanSettings
        style = self.style_box.currentText()
        return PlanSettings(style="dynamic" if style == AUTO_STYLE else style, duration=self.duration_spin.value(),
                            music_start=self.start_spin.value(), music_end=self.end_spin.value(),
                            seed=self.seed_spin.value(), beat_offset_ms=self.offset_spin.value(),
                            beat_level=self.level_box.currentText(), **self.analysis_overrides(),
                            dialogue=None if self.dialogue_box.currentText() == STYLE_DIALOGUE
                            else self.dialogue_box.currentText(),
                            phase_tags=tuple((p, (b.currentText(),)) for p, b in self.phase_tag_boxes.items()
                                             if b.currentText()))

    def analysis_overrides(self) -> dict:
        """The editor's tempo hint and beats per bar (None where left to the analysis), and the beat tracker."""
        tempo = self.tempo_spin.value()
        return {"tempo_hint": tempo if tempo >= TEMPO_HINT_RANGE[0] else None,
                "beats_per_bar": self.meter_spin.value() or None, "beat_engine": self.engine_box.currentText()}

    # ----- inputs -------------------------------------------------------------------------------
    def footage_paths(self) -> list[str]:
        return [self.footage_list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.footage_list.count())]

    def add_footage(self, paths: list[str | Path]) -> None:
        """Add files or folders (shown by name, full path in the tooltip); duplicates are ignored."""
        have = set(self.footage_paths())
        for p in map(str, paths):
            if p not in have:
                item = QListWidgetItem(Path(p).name + ("/" if Path(p).is_dir() else ""))
                item.setData(Qt.ItemDataRole.UserRole, p)
                item.setToolTip(p)
                self.footage_list.addItem(item)
                have.add(p)
        self._refresh_buttons()

    def set_music(self, path: str | Path) -> None:
        self.music_edit.setText(str(path))

    def _browse_music(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Music", "", "Audio (*.wav *.mp3 *.m4a *.aac *.flac *.aif *.aiff *.ogg)")
        if path:
            self.set_music(path)

    def _browse_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Footage", "", "Video (*.mp4 *.mov *.mkv *.mxf *.avi *.m4v)")
        self.add_footage(paths)

    def _browse_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Footage folder")
        if path:
            self.add_footage([path])

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt API)
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        audio = {".wav", ".mp3", ".m4a", ".aac", ".flac", ".aif", ".aiff", ".ogg"}
        for url in event.mimeData().urls():
            path = Path(url.toLocalFile())
            if path.suffix.lower() in audio:
                self.set_music(path)
            else:
                self.add_footage([path])

    def load_media_pool(self) -> None:
        """Footage from the current media pool bin (Resolve only)."""
        from montage_ai.plugin.resolve.media_pool import read_folder
        contents = read_folder(self.session.media_pool)
        self.pool_items = dict(contents.items)
        self.pool_selects = contents.selects
        self.add_footage([c.path for c in contents.clips])
        skipped = "; ".join(f"{n}: {why}" for n, why in contents.skipped[:5])
        self.status.setText(f"{len(contents.clips)} clips from the media pool" + (f" (skipped {skipped})" if skipped else ""))

    def _range_dragged(self, start: float, end: float) -> None:
        for spin, value in ((self.start_spin, start), (self.end_spin, end)):
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)

    def _range_typed(self) -> None:
        self.waveform.set_range(self.start_spin.value(), self.end_spin.value())

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
        self.status.setText(f"{STAGES.get(stage, stage)}… {fraction:.0%}")

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
        self.error.setText(message)
        self.details_text.setPlainText(details)
        self.details_btn.setVisible(bool(details))
        self.details_btn.setChecked(False)
        self.details_text.setVisible(False)

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel.set()
            self.status.setText("Cancelling…")

    def _refresh_buttons(self) -> None:
        busy = self.task is not None
        self.analyze_btn.setEnabled(not busy and bool(self.footage_paths()))
        self.proxies_btn.setEnabled(not busy and bool(self.footage_paths()))
        self.unlink_btn.setEnabled(not busy and bool(self.proxies))
        self.generate_btn.setEnabled(not busy and self.inputs is not None)
        self.cancel_btn.setEnabled(busy)
        has_plan = not busy and self.plan is not None
        self.preview_btn.setEnabled(has_plan and (self.work_dir / "out" / "preview.mp4").exists())
        self.export_btn.setEnabled(has_plan)
        self.render_btn.setEnabled(has_plan)
        self.resolve_actions.refresh(busy, has_plan)

    # ----- Analyze ------------------------------------------------------------------------------
    def analyze(self) -> None:
        """Analyse the music and footage; what an earlier Analyze showed is cleared first, so a failed
        or cancelled one leaves nothing of the previous song (nor Generate enabled)."""
        self._store_settings()
        self._clear_results()
        music, footage = self.music_edit.text().strip(), self.footage_paths()
        overrides = self.analysis_overrides()
        scheduler = self.scheduler_edit.text().strip() or None
        pool_selects = self.pool_selects

        def work(progress, cancel: threading.Event):
            from montage_ai.pipeline import analyze_inputs
            return analyze_inputs(music, footage, progress, cancel, **overrides, scheduler=scheduler,
                                  pool_selects=pool_selects)

        self._run("Analysing", work, self._analyzed)

    def _list_tags(self, tags: list[str]) -> None:
        """Offer ``tags`` (found on the analysed footage) to every phase; a choice still offered is kept."""
        for box in self.phase_tag_boxes.values():
            chosen = box.currentText()
            box.clear()
            box.addItems(["", *tags])
            box.setCurrentText(chosen if chosen in tags else "")
            box.setEnabled(bool(tags))

    def _clear_results(self) -> None:
        self.inputs, self.plan, self.details = None, None, {}
        self.thumbnails.reset()
        self.waveform.set_music(None)
        self.strip.set_plan(None)
        self.clip_list.clear()
        self.summary.setText("")
        shutil.rmtree(self.work_dir / "out", ignore_errors=True)
        self._refresh_buttons()

    def _analyzed(self, inputs) -> None:
        self.inputs = inputs
        music = self.inputs.music
        self.waveform.set_music(music)
        self.waveform.set_range(self.start_spin.value(), self.end_spin.value())
        for clip in self.inputs.clips:
            notes = [f"{clip.rate} fps", f"{clip.duration:.1f} s", f"{clip.width}x{clip.height}"]
            if clip.start_frame:
                notes.append("TC " + clip.rate.timecode(clip.start_frame, clip.drop_frame))
            if clip.variable_rate:
                notes.append("⚠ variable frame rate")
            notes.append(f"{len(clip.shots)} shot{'s' if len(clip.shots) != 1 else ''}")
            item = QListWidgetItem(self._placeholder, f"{clip.name}   ({', '.join(notes)})")
            item.setToolTip("\n".join(_shot_line(clip, i, shot) for i, shot in enumerate(clip.shots)))
            self.clip_list.addItem(item)
        self._list_tags(found_tags(inputs.clip_selects()))
        warnings = [*music.warnings, *self.inputs.warnings]
        warn = f"  ⚠ {'; '.join(warnings)}" if warnings else ""
        self.summary.setText(f"<b>{music.path.name}</b>: {music.duration:.1f} s, {music.tempo_bpm:g} BPM, "
                             f"{len(music.beats)} beats, {len(music.downbeats)} bars of {music.beats_per_bar}, "
                             f"{len(self.inputs.clips)} clips.{warn}")
        self.status.setText("Analysed. Adjust the range or settings, then Generate.")
        self.analyzed.emit()

    # ----- Generate -----------------------------------------------------------------------------
    def generate(self) -> None:
        self._store_settings()
        inputs, settings = self.inputs, self.plan_settings()
        prompt, style_given = self.prompt_edit.text(), self.style_box.currentText() != AUTO_STYLE
        llm = self.llm_edit.text().strip()
        out = self.work_dir / "out"

        def work(progress, cancel: threading.Event):
            from montage_ai.pipeline import build_plan, write_outputs
            plan, details = build_plan(inputs, settings, prompt, style_given, llm)
            outputs = write_outputs(plan, out, details=details, progress=progress, cancel=cancel,
                                    preview_quality="draft", separator_model=settings.separator_model)
            return plan, details, outputs.report["warnings"]

        self._run("Generating", work, self._generated)

    def _generated(self, result) -> None:
        self.plan, self.details, warnings = result
        plan = self.plan
        self.plan_serial += 1
        self.strip.set_plan(plan)
        self.waveform.set_sections(plan.sections)
        fps = float(plan.rate.fps)
        early_ms = max(((c.beat_time - plan.music_start_time - c.record_start / fps) * 1000
                        for c in plan.cuts if c.on_beat), default=0.0)
        phases = ", ".join(f"{p}: {n}" for p, n in _count_phases(plan).items())
        self.summary.setText(
            f"<b>{len(plan.cuts)} cuts</b>, style <b>{plan.style}</b>, {plan.frames} frames at {plan.rate} fps "
            f"({plan.frames / fps:.2f} s).<br>Phases — {phases}. Each cut starts on the frame holding its beat: "
            f"largest beat error {early_ms:.1f} ms early (one frame = {1000 / fps:.1f} ms)."
            + f"<br>Director: {self.details['director']['director']}. {_refine_line(self.details)}"
            + (f"<br>⚠ {'<br>⚠ '.join(warnings)}" if warnings else ""))
        self.status.setText(f"Generated in {self.work_dir / 'out'}. Play the preview, export, or send to Resolve.")
        if failed := [w for w in warnings if FALLBACK in w]:
            self.status.setText(f"<b style='color:#c0392b'>⚠ Voice isolation failed for {len(failed)} clip(s): their "
                                "original audio is on the dialogue track (see the warnings).</b>")
        self.generated.emit()

    # ----- thumbnails (made in the loader's threads as they are painted) ------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if watched is self.clip_list.viewport() and event.type() == QEvent.Type.Paint and self.inputs:
            view = self.clip_list.viewport().rect()
            for row, clip in enumerate(self.inputs.clips):
                item = self.clip_list.item(row)
                if item is not None and self.clip_list.visualItemRect(item).intersects(view):
                    self.thumbnails.request(("clip", row), clip.path, _best_frame(clip), clip.rate, CLIP_THUMB_HEIGHT)
        return super().eventFilter(watched, event)

    def _cut_thumbnail_needed(self, index: int) -> None:
        cut = self.plan.cuts[index]
        self.thumbnails.request(("cut", self.plan_serial, index), cut.clip.path, cut.source_in, cut.clip.rate,
                                CUT_THUMB_HEIGHT)

    def _thumbnail_ready(self, tag: tuple, jpeg: bytes) -> None:
        if tag[0] == "cut" and tag[1] == self.plan_serial:
            self.strip.set_thumbnail(tag[2], jpeg)
        elif tag[0] == "clip" and (item := self.clip_list.item(tag[1])) is not None:
            image = QImage.fromData(jpeg)
            if not image.isNull():
                item.setIcon(QIcon(QPixmap.fromImage(image)))

    @property
    def clip_thumbnails(self) -> set[int]:
        """Rows of the footage list showing their thumbnail (no longer the placeholder)."""
        rows = (self.clip_list.item(row) for row in range(self.clip_list.count()))
        return {row for row, item in enumerate(rows) if item.icon().cacheKey() != self._placeholder.cacheKey()}

    # ----- Send ---------------------------------------------------------------------------------
    def play_preview(self) -> None:
        preview = self.work_dir / "out" / "preview.mp4"
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(preview)))
        self.status.setText(f"Opened {preview.name} in the system player.")

    def _export_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export to folder", self.settings.export_dir)
        if folder:
            self.export(folder)

    def export(self, folder: str | Path) -> None:
        """Write every NLE export, the preview Generate rendered and report.json into ``folder``."""
        from montage_ai.settings import parse_aspects
        try:
            aspects = parse_aspects(self.aspects_edit.text()) if self.aspects_edit.text().strip() else ()
        except ValueError as err:
            self._show_error(f"Aspects: {err}")
            return
        self.settings.export_dir = str(folder)
        self._store_settings()
        plan, details = self.plan, self.details
        preview = self.work_dir / "out" / "preview.mp4"

        def work(progress, cancel):
            from montage_ai.pipeline import write_outputs
            return write_outputs(plan, folder, preview=preview.exists(), details=details, progress=progress,
                                 cancel=cancel, preview_file=preview, aspects=aspects)

        self._run("Exporting", work, lambda files: self._exported(folder, files))

    def _exported(self, folder, files) -> None:
        self.status.setText(f"Exported {len(files)} files to {folder} (Premiere: File ▸ Import montage.xml).")
        self.exported.emit(str(folder))

    # ----- Render -------------------------------------------------------------------------------
    def _render_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Render master into folder", self.settings.export_dir)
        if folder:
            self.render(folder)

    def render(self, folder: str | Path) -> None:
        """Write the exports into ``folder`` as Export does, then render ``master.mp4`` there from them
        (progress per segment; Cancel leaves no partial master)."""
        self.settings.export_dir = str(folder)
        self._store_settings()
        plan, details = self.plan, self.details
        preview = self.work_dir / "out" / "preview.mp4"
        scheduler = self.scheduler_edit.text().strip() or None

        def work(progress, cancel):
            from montage_ai.pipeline import write_outputs
            from montage_ai.render.master import render_master
            write_outputs(plan, folder, preview=preview.exists(), details=details, progress=progress,
                          cancel=cancel, preview_file=preview)
            return render_master(folder, scheduler=scheduler, progress=progress, cancel=cancel)

        self._run("Rendering", work, self._rendered)

    def _rendered(self, master) -> None:
        r = master.report
        self.status.setText(f"Rendered {master.path} ({r['frames']} frames, {r['width']}x{r['height']}, "
                            f"{r['loudness']['output']:.1f} LUFS).")
        self.rendered.emit(str(master.path))

    # ----- Proxies ------------------------------------------------------------------------------
    def _proxies_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Proxies folder", self.settings.proxy_dir)
        if folder:
            self.make_proxies(folder)

    def make_proxies(self, folder: str | Path) -> None:
        """Proxies of the footage in ``folder`` (a worker thread; valid ones kept), then, in Resolve,
        each linked to its media pool clip."""
        self.settings.proxy_dir = str(folder)
        self._store_settings()
        footage = self.footage_paths()

        scheduler = self.scheduler_edit.text().strip() or None

        def work(progress, cancel):
            from montage_ai.cluster import executor_for
            from montage_ai.proxies import make_proxies
            with executor_for(scheduler) as executor:
                return make_proxies(footage, folder, progress=progress, cancel=cancel, executor=executor)

        self._run("Making proxies", work, self._proxies_made)

    def _proxies_made(self, batch) -> None:
        """Link the new proxies in Resolve (GUI thread: Resolve's objects belong to it) and say what happened."""
        made = [r for r in batch.results if r.proxy is not None]
        self.proxies = {str(r.source): str(r.proxy) for r in made}
        lines = [f"{len(made)} of {len(batch.results)} proxies ready ({sum(r.status == 'skipped' for r in made)} "
                 f"kept from before)", f"encoder: {batch.selection.note}; folder: {batch.manifest.parent}"]
        lines += [f"✗ {r.source.name}: {r.reason}" for r in batch.results if r.status == "failed"]
        if self.session is not None:
            from montage_ai.plugin.resolve.proxies import link_proxies
            lines += _link_lines("linked", link_proxies(self.session.media_pool, self.proxies))
        self._report(lines)

    def unlink_proxies(self) -> None:
        """Undo the links of the last Make proxies in Resolve."""
        from montage_ai.plugin.resolve.proxies import unlink_proxies
        self._report(_link_lines("unlinked", unlink_proxies(self.session.media_pool, self.proxies)))

    def _report(self, lines: list[str]) -> None:
        self.status.setText(". ".join(line for line in lines if not line.startswith(("✗", "encoder:"))))
        refusals = [line for line in lines[1:] if line.startswith("✗")]
        self._show_error(f"{len(refusals)} clip(s) refused: " + "; ".join(r[2:] for r in refusals[:3])
                         if refusals else "", "\n".join(lines))
        self.proxies_done.emit("\n".join(lines))
        self._refresh_buttons()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        """Stop the work, remember the settings and remove the window's temporary folder."""
        self.cancel()
        self._store_settings()
        self.thumbnails.reset()
        QThreadPool.globalInstance().waitForDone(CLOSE_WAIT_MS)
        self.thumbnails.pool.waitForDone(CLOSE_WAIT_MS)
        shutil.rmtree(self.work_dir, ignore_errors=True)
        super().closeEvent(event)


def _link_lines(done: str, report) -> list[str]:
    """Resolve's answers per clip name: ``done`` ones, then every refusal (``✗ name: reason``)."""
    return [f"Resolve: {len(report.done)} {done}, {len(report.refused)} refused, "
            f"{len(report.not_in_pool)} not in the media pool",
            *(f"✗ {name}: {why}" for name, why in report.refused)]


def _count_phases(plan: Plan) -> dict[str, int]:
    counts: dict[str, int] = {}
    for cut in plan.cuts:
        counts[cut.phase.value] = counts.get(cut.phase.value, 0) + 1
    return counts


def _refine_line(details: dict) -> str:
    """The refine rounds in one line: proposal, total score, kept or rejected."""
    rounds = details.get("refine", {}).get("rounds", [])
    steps = [f"{r['round']}. {r['proposal']} → {r['scores']['total']:.3f} {'kept' if r['kept'] else 'rejected'}"
             for r in rounds[1:] if "scores" in r]
    first = f"{rounds[0]['scores']['total']:.3f}" if rounds else "–"
    return f"Refine: first plan {first}" + (f"; {'; '.join(steps)}" if steps else "; no change proposed") + "."
