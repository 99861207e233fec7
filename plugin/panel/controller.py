"""The panel's work without Qt: the editor's choices turned into job options, the jobs the buttons start
(each a ``fn(progress, cancel)`` for a worker thread, see :mod:`.workers`), what they leave (the analysed
inputs, the plan, the proxies) and the Resolve calls that follow them. Plain Python: tested without a
display."""
from __future__ import annotations

import atexit
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from montage_ai.audio.hints import TEMPO_HINT_RANGE

from .settings import Remembered

Job = Callable[[Callable[[str, float], None], Any], Any]  # fn(progress, cancel) -> result


@dataclass
class Choices(Remembered):
    """What the form holds: the editor's raw choices, the remembered ones and those asked each time.
    ``style`` "" = from the prompt; ``dialogue`` "" = the style's; 0 = not set for times, tempo and beats per
    bar; ``aspects`` as typed; ``phase_tags`` maps a phase to one tag ("" = none)."""

    dialogue: str = ""
    aspects: str = ""
    phase_tags: dict = field(default_factory=dict)

    @property
    def cluster(self) -> str | None:
        return self.scheduler.strip() or None


class Controller:
    """One panel's state and jobs. ``session`` is a connected Resolve session or None."""

    def __init__(self, session: Any = None) -> None:
        self.session = session
        self.inputs = None  # pipeline.Inputs after Analyze
        self.plan = None
        self.details: dict = {}
        self.work_dir = Path(tempfile.mkdtemp(prefix="montage-ai-panel-"))  # removed on close or exit
        atexit.register(shutil.rmtree, self.work_dir, True)
        self.pool_items: dict[Path, Any] = {}
        self.pool_selects = None  # the editor's marks and tags in the media pool bin (Selects)
        self.proxies: dict[str, str] = {}  # original -> proxy of the last Make proxies

    @property
    def out(self) -> Path:
        """Where Generate writes (the preview the panel plays, exported again by Export)."""
        return self.work_dir / "out"

    @property
    def preview(self) -> Path:
        return self.out / "preview.mp4"

    def clear(self) -> None:
        """Forget the analysis and the plan (a new Analyze starts afresh)."""
        self.inputs, self.plan, self.details = None, None, {}
        shutil.rmtree(self.out, ignore_errors=True)

    def close(self) -> None:
        shutil.rmtree(self.work_dir, ignore_errors=True)

    # ----- job options --------------------------------------------------------------------------
    @staticmethod
    def analysis_overrides(choices: Choices) -> dict:
        """The editor's tempo hint and beats per bar (None where left to the analysis), and the beat tracker."""
        tempo = choices.tempo_hint
        return {"tempo_hint": tempo if tempo >= TEMPO_HINT_RANGE[0] else None,
                "beats_per_bar": choices.beats_per_bar or None, "beat_engine": choices.beat_engine}

    def plan_settings(self, choices: Choices):
        from montage_ai.plan.planner import PlanSettings
        return PlanSettings(style=choices.style or "dynamic", duration=choices.duration,
                            music_start=choices.music_start, music_end=choices.music_end, seed=choices.seed,
                            beat_offset_ms=choices.beat_offset_ms, beat_level=choices.beat_level,
                            **self.analysis_overrides(choices), dialogue=choices.dialogue or None,
                            phase_tags=tuple((p, (tag,)) for p, tag in choices.phase_tags.items() if tag))

    @staticmethod
    def aspects(choices: Choices) -> tuple:
        """The aspect sets asked for (none: the footage's frame); ValueError names a bad one."""
        from montage_ai.settings import parse_aspects
        return parse_aspects(choices.aspects) if choices.aspects.strip() else ()

    # ----- jobs ---------------------------------------------------------------------------------
    def analyze_job(self, choices: Choices) -> Job:
        """Analyse the music and footage; gives the analysed inputs."""
        music, footage = choices.music.strip(), list(choices.footage)
        overrides, scheduler, pool_selects = self.analysis_overrides(choices), choices.cluster, self.pool_selects

        def work(progress, cancel):
            from montage_ai.pipeline import analyze_inputs
            return analyze_inputs(music, footage, progress, cancel, **overrides, scheduler=scheduler,
                                  pool_selects=pool_selects)
        return work

    def analyzed(self, inputs) -> None:
        self.inputs = inputs

    def generate_job(self, choices: Choices) -> Job:
        """Plan, then write the draft preview (and the exports) into :attr:`out`; gives (plan, details, warnings)."""
        inputs, settings, out = self.inputs, self.plan_settings(choices), self.out
        prompt, style_given, llm = choices.prompt, bool(choices.style), choices.llm.strip()

        def work(progress, cancel):
            from montage_ai.pipeline import build_plan, write_outputs
            plan, details = build_plan(inputs, settings, prompt, style_given, llm)
            outputs = write_outputs(plan, out, details=details, progress=progress, cancel=cancel,
                                    preview_quality="draft", separator_model=settings.separator_model)
            return plan, details, outputs.report["warnings"]
        return work

    def generated(self, result) -> list[str]:
        """Keep the plan Generate made; its warnings."""
        self.plan, self.details, warnings = result
        return warnings

    def export_job(self, folder: str | Path, aspects: tuple = ()) -> Job:
        """Every NLE export, the preview Generate rendered and report.json into ``folder``; gives the files."""
        plan, details, preview = self.plan, self.details, self.preview

        def work(progress, cancel):
            from montage_ai.pipeline import write_outputs
            return write_outputs(plan, folder, preview=preview.exists(), details=details, progress=progress,
                                 cancel=cancel, preview_file=preview, aspects=aspects)
        return work

    def render_job(self, folder: str | Path, choices: Choices) -> Job:
        """The exports into ``folder`` as Export writes them, then ``master.mp4`` rendered from them."""
        export, scheduler = self.export_job(folder), choices.cluster

        def work(progress, cancel):
            from montage_ai.render.master import render_master
            export(progress, cancel)
            return render_master(folder, scheduler=scheduler, progress=progress, cancel=cancel)
        return work

    def proxies_job(self, folder: str | Path, choices: Choices) -> Job:
        """Proxies of the footage in ``folder`` (valid ones kept); gives the batch."""
        footage, scheduler = list(choices.footage), choices.cluster

        def work(progress, cancel):
            from montage_ai.cluster import executor_for
            from montage_ai.proxies import make_proxies
            with executor_for(scheduler) as executor:
                return make_proxies(footage, folder, progress=progress, cancel=cancel, executor=executor)
        return work

    def proxies_made(self, batch) -> Any:
        """Keep the new proxies and, in Resolve, link each to its media pool clip (GUI thread: Resolve's
        objects belong to it); Resolve's answer, or None outside Resolve."""
        self.proxies = {str(r.source): str(r.proxy) for r in batch.results if r.proxy is not None}
        if self.session is None:
            return None
        from montage_ai.plugin.resolve.proxies import link_proxies
        return link_proxies(self.session.media_pool, self.proxies)

    def unlink_proxies(self) -> Any:
        """Undo the links of the last Make proxies in Resolve; Resolve's answer."""
        from montage_ai.plugin.resolve.proxies import unlink_proxies
        return unlink_proxies(self.session.media_pool, self.proxies)

    # ----- Resolve ------------------------------------------------------------------------------
    def load_media_pool(self):
        """The current media pool bin's clips, kept with the editor's marks and tags (Resolve only)."""
        from montage_ai.plugin.resolve.media_pool import read_folder
        contents = read_folder(self.session.media_pool)
        self.pool_items = dict(contents.items)
        self.pool_selects = contents.selects
        return contents

    def push(self):
        """The plan as a new timeline (version) in the open Resolve project; InputError when refused."""
        from montage_ai.export.otio_export import build_timeline
        from montage_ai.plugin.resolve.writer import push_timeline
        return push_timeline(self.session, build_timeline(self.plan), media_items=self.pool_items or None)

    def undo_push(self, result) -> list[str]:
        """Undo the push ``result``: its timeline deleted, the project frame rate it changed set back."""
        from montage_ai.plugin.resolve.versions import undo_push
        return undo_push(self.session, result)

    def export_for_import_job(self, folder: str | Path) -> Job:
        """The Resolve-shaped OTIO and FCP7 XML into ``folder``; gives the files."""
        plan = self.plan

        def work(progress, cancel):
            from montage_ai.plugin.resolve.build import export_for_import
            return export_for_import(plan, Path(folder))
        return work
