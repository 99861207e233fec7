"""The panel's Inputs box: music, footage, proxies, style, prompt, phase tags, the director and scheduler,
times, beat and dialogue choices. It holds the editor's choices (:meth:`InputsForm.choices`) and loads and
stores the remembered ones (:class:`.settings.PanelSettings`)."""
from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout,
                               QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton, QSpinBox)

from montage_ai import api

from .controller import Choices
from .settings import PanelSettings, Remembered

AUTO_STYLE = "auto (from prompt)"
STYLE_DIALOGUE = "style default"
AUDIO = "Audio (*.wav *.mp3 *.m4a *.aac *.flac *.aif *.aiff *.ogg)"
VIDEO = "Video (*.mp4 *.mov *.mkv *.mxf *.avi *.m4v)"


def _spin(maximum: float, suffix: str, decimals: int = 2, minimum: float = 0.0) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(minimum, maximum)
    box.setDecimals(decimals)
    box.setSuffix(suffix)
    return box


def _row(*widgets, stretch_first: bool = False) -> QHBoxLayout:
    row = QHBoxLayout()
    for i, w in enumerate(widgets):
        row.addWidget(w, 1 if stretch_first and i == 0 else 0)
    return row


class InputsForm(QGroupBox):
    """The left column. ``footage_added`` after footage is added; ``range_typed(start, end)`` when a music
    time is typed. Its buttons (media pool, proxies) are wired by the window."""

    footage_added = Signal()
    range_typed = Signal(float, float)

    def __init__(self, in_resolve: bool) -> None:
        super().__init__("Inputs")
        self.setFixedWidth(340)
        form = QFormLayout(self)
        self.music_edit = QLineEdit()
        self.music_edit.setPlaceholderText("song.wav / .mp3 / .m4a")
        music_btn = QPushButton("Browse…")
        music_btn.clicked.connect(self._browse_music)
        form.addRow("Music", _row(self.music_edit, music_btn, stretch_first=True))
        self.footage_list = QListWidget()
        self.footage_list.setMaximumHeight(110)
        form.addRow("Footage", self.footage_list)
        add_files, add_folder, remove = QPushButton("Add files…"), QPushButton("Add folder…"), QPushButton("Remove")
        add_files.clicked.connect(self._browse_files)
        add_folder.clicked.connect(self._browse_folder)
        remove.clicked.connect(lambda: [self.footage_list.takeItem(self.footage_list.row(i))
                                        for i in self.footage_list.selectedItems()])
        form.addRow("", _row(add_files, add_folder, remove))
        self.pool_btn = QPushButton("Use current media pool bin")
        self.pool_btn.setVisible(in_resolve)
        form.addRow("", self.pool_btn)
        self.proxies_btn, self.unlink_btn = QPushButton("Make proxies…"), QPushButton("Unlink proxies")
        self.proxies_btn.setToolTip("Proxies of the footage (same timecode, rate and length) in a folder you choose; "
                                    "in Resolve each is linked to its media pool clip")
        self.unlink_btn.setVisible(in_resolve)
        form.addRow("Proxies", _row(self.proxies_btn, self.unlink_btn))
        self.style_box = QComboBox()
        self.style_box.addItems([AUTO_STYLE, *(s.name for s in api.styles())])
        form.addRow("Style", self.style_box)
        self.prompt_edit = QLineEdit()
        self.prompt_edit.setPlaceholderText("e.g. fast energetic travel edit")
        form.addRow("Prompt", self.prompt_edit)
        form.addRow("Phase tags", self._phase_tags())
        self.llm_edit = QLineEdit()
        self.llm_edit.setPlaceholderText("model.gguf for the LLM director (empty: rule director)")
        form.addRow("LLM model", self.llm_edit)
        self.scheduler_edit = QLineEdit()
        self.scheduler_edit.setPlaceholderText("tcp://host:8786 or local:2 for Dask (empty: this machine)")
        self.scheduler_edit.setToolTip("Where footage analysis, proxies and the master render run; see docs/scale.md")
        form.addRow("Scheduler", self.scheduler_edit)
        self._times(form)
        self._beats_and_dialogue(form)

    def _phase_tags(self) -> QHBoxLayout:
        self.phase_tag_boxes: dict[api.Phase, QComboBox] = {}
        row = QHBoxLayout()
        for phase in api.Phase:
            combo = QComboBox()
            combo.setToolTip(f"Material the {phase.value.lower()} takes first: a tag found on the footage "
                             "(selects, sub-folders, Resolve markers, flags, colours, keywords, bins)")
            combo.addItem("")
            combo.setEnabled(False)
            row.addWidget(QLabel(phase.value.title()))
            row.addWidget(combo, 1)
            self.phase_tag_boxes[phase] = combo
        return row

    def _times(self, form: QFormLayout) -> None:
        self.duration_spin = _spin(36000, " s", 1)
        self.duration_spin.setSpecialValueText("to the end")
        form.addRow("Duration", self.duration_spin)
        self.start_spin = _spin(36000, " s")
        self.end_spin = _spin(36000, " s")
        self.end_spin.setSpecialValueText("end of song")
        form.addRow("Music start", self.start_spin)
        form.addRow("Music end", self.end_spin)
        for spin in (self.start_spin, self.end_spin):
            spin.valueChanged.connect(lambda _: self.range_typed.emit(self.start_spin.value(), self.end_spin.value()))
        self.offset_spin = _spin(500, " ms", 0, -500)
        form.addRow("Beat offset", self.offset_spin)

    def _beats_and_dialogue(self, form: QFormLayout) -> None:
        self.level_box = QComboBox()
        self.level_box.addItems(api.BEAT_LEVELS)
        form.addRow("Beat level", self.level_box)
        self.dialogue_box = QComboBox()
        self.dialogue_box.addItems([STYLE_DIALOGUE, *api.DIALOGUE_MODES])
        self.dialogue_box.setToolTip("the footage's speech on its own track (A2), whole phrases, music ducked under "
                                     "it; isolate separates the voice first and checks it")
        form.addRow("Dialogue", self.dialogue_box)
        self.aspects_edit = QLineEdit()
        self.aspects_edit.setPlaceholderText("the footage's frame")
        self.aspects_edit.setToolTip("Export: one set per aspect, e.g. 16:9,9:16,1:1,4:5 (the first in the folder, "
                                     "the others in its sub-folders 9x16, 1x1, 4x5), each cut's crop following its "
                                     "subject")
        form.addRow("Aspects", self.aspects_edit)
        low, high = api.TEMPO_HINT_RANGE
        self.tempo_spin = _spin(high, " BPM", 1)
        self.tempo_spin.setSpecialValueText("analysed")
        self.tempo_spin.setToolTip(f"the tempo as you count it ({low:g}-{high:g} BPM); "
                                   "beats are tracked near it, also where none were found")
        form.addRow("Tempo hint", self.tempo_spin)
        self.meter_spin = QSpinBox()
        self.meter_spin.setRange(0, api.BEATS_PER_BAR_RANGE[1])
        self.meter_spin.setSpecialValueText("analysed")
        form.addRow("Beats per bar", self.meter_spin)
        self.engine_box = QComboBox()
        self.engine_box.addItems(api.BEAT_ENGINES)
        self.engine_box.setToolTip("beat tracker: learned (neural network), dsp (signal processing) or hybrid "
                                   "(the dsp beats checked by the network, the network's bars)")
        form.addRow("Beat tracker", self.engine_box)
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 99999)
        form.addRow("Seed", self.seed_spin)

    # ----- the choices ----------------------------------------------------------------------------
    def choices(self) -> Choices:
        style, dialogue = self.style_box.currentText(), self.dialogue_box.currentText()
        return Choices(music=self.music_edit.text().strip(), footage=self.footage_paths(),
                       style="" if style == AUTO_STYLE else style, prompt=self.prompt_edit.text(),
                       llm=self.llm_edit.text().strip(), scheduler=self.scheduler_edit.text().strip(),
                       duration=self.duration_spin.value(), music_start=self.start_spin.value(),
                       music_end=self.end_spin.value(), beat_offset_ms=self.offset_spin.value(),
                       beat_level=self.level_box.currentText(), tempo_hint=self.tempo_spin.value(),
                       beats_per_bar=self.meter_spin.value(), beat_engine=self.engine_box.currentText(),
                       seed=self.seed_spin.value(), dialogue="" if dialogue == STYLE_DIALOGUE else dialogue,
                       aspects=self.aspects_edit.text(),
                       phase_tags={p: b.currentText() for p, b in self.phase_tag_boxes.items()})

    def load(self, s: PanelSettings) -> None:
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
        self.engine_box.setCurrentText(s.beat_engine if s.beat_engine in api.BEAT_ENGINES else api.DEFAULT_BEAT_ENGINE)
        self.seed_spin.setValue(s.seed)

    def store(self, s: PanelSettings) -> None:
        """Copy the remembered choices into ``s`` and save it."""
        c = self.choices()
        for f in fields(Remembered):
            setattr(s, f.name, getattr(c, f.name))
        s.save()

    def list_tags(self, tags: list[str]) -> None:
        """Offer ``tags`` (found on the analysed footage) to every phase; a choice still offered is kept."""
        for box in self.phase_tag_boxes.values():
            chosen = box.currentText()
            box.clear()
            box.addItems(["", *tags])
            box.setCurrentText(chosen if chosen in tags else "")
            box.setEnabled(bool(tags))

    def set_range(self, start: float, end: float) -> None:
        """The music range dragged on the waveform, shown without sending it back."""
        for spin, value in ((self.start_spin, start), (self.end_spin, end)):
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)

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
        self.footage_added.emit()

    def _browse_music(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Music", "", AUDIO)
        if path:
            self.music_edit.setText(path)

    def _browse_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Footage", "", VIDEO)
        self.add_footage(paths)

    def _browse_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Footage folder")
        if path:
            self.add_footage([path])
