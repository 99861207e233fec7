"""The panel's work without Qt: the editor's choices turned into a job through core's front door
(:mod:`montage_ai.api`, the same checks, environment and config fallbacks and errors as the CLI), the jobs
the buttons start (each a ``fn(progress, cancel)`` for a worker thread, see :mod:`.workers`), what they leave
(the analysed inputs, the plan and its run record, the proxies) and the Resolve calls that follow them
(:mod:`montage_ai.plugin.resolve.bridge`). Plain Python: tested without a display."""
from __future__ import annotations

import atexit
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from montage_ai import api

from .settings import Remembered

Work = Callable[[Callable[[str, float], None], Any], Any]  # fn(progress, cancel) -> result


@dataclass
class Choices(Remembered):
    """What the form holds: the editor's raw choices, the remembered ones and those asked each time.
    ``style`` "" = from the prompt; ``dialogue`` "" = the style's; 0 = not set for times (then
    ``TARGET_DURATION``, ``MUSIC_START``, ``MUSIC_END`` apply, as in the CLI), tempo and beats per bar;
    ``aspects`` as typed; ``phase_tags`` maps a phase to one tag ("" = none)."""

    dialogue: str = ""
    aspects: str = ""
    phase_tags: dict = field(default_factory=dict)


class Controller:
    """One panel's state and jobs. ``session`` is a connected Resolve session or None."""

    def __init__(self, session: Any = None) -> None:
        self.session = session
        self.inputs = None  # api.analyze's result after Analyze
        self.plan = None
        self.run = None  # the plan's run record (warnings, timings, details of its making)
        self.made: api.Job | None = None  # the job Generate planned and wrote the plan with
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
        self.inputs, self.plan, self.run, self.made = None, None, None, None
        shutil.rmtree(self.out, ignore_errors=True)

    def close(self) -> None:
        shutil.rmtree(self.work_dir, ignore_errors=True)

    # ----- job options --------------------------------------------------------------------------
    def job(self, choices: Choices, **given) -> api.Job:
        """The checked job of ``choices`` (``given``: more of :func:`api.job`'s options); InputError names the
        option as the CLI does. A tempo hint under the hint range is "analysed" (the field's 0)."""
        tempo = choices.tempo_hint
        return api.job(music=choices.music.strip() or None, footage=choices.footage, style=choices.style or None,
                       prompt=choices.prompt, duration=choices.duration or None,
                       music_start=choices.music_start or None, music_end=choices.music_end or None,
                       seed=choices.seed, beat_level=choices.beat_level, beat_offset_ms=choices.beat_offset_ms,
                       tempo_hint=tempo if tempo >= api.TEMPO_HINT_RANGE[0] else None,
                       beats_per_bar=choices.beats_per_bar or None, beat_engine=choices.beat_engine,
                       dialogue=choices.dialogue or None, llm=choices.llm.strip() or None,
                       phase_tags={p: (tag,) for p, tag in choices.phase_tags.items() if tag},
                       scheduler=choices.scheduler.strip() or None, pool_selects=self.pool_selects, **given)

    # ----- jobs ---------------------------------------------------------------------------------
    def analyze_job(self, choices: Choices) -> Work:
        """Analyse the music and footage; gives the analysed inputs."""
        return lambda progress, cancel: api.analyze(self.job(choices), progress, cancel)

    def analyzed(self, inputs) -> list[str]:
        """Keep the analysed inputs; the tags found on the footage."""
        self.inputs = inputs
        return api.tags(inputs)

    def generate_job(self, choices: Choices) -> Work:
        """Plan, then write the exports and the draft preview into :attr:`out`; gives the plan, its run
        record and the run's warnings (voice isolation's included)."""
        inputs, out = self.inputs, self.out

        def work(progress, cancel):
            job = self.job(choices, preview_quality="draft")
            plan, run = api.plan(inputs, job)
            return plan, run, job, api.write(plan, run, out, job, progress, cancel).warnings
        return work

    def generated(self, result) -> list:
        """Keep the plan Generate made and its run record; the run's warnings."""
        self.plan, self.run, self.made, warnings = result
        return warnings

    @staticmethod
    def isolation_failures(warnings: list) -> int:
        """How many clips kept their own sound because voice isolation failed."""
        return sum(api.warning_kind(w) == "dialogue_fallback" for w in warnings)

    def export_job(self, folder: str | Path, choices: Choices, aspects: bool = True) -> Work:
        """Every NLE export, the preview Generate rendered and report.json into ``folder`` (one set per aspect
        asked for, with ``aspects``); gives the files."""
        plan, run, preview, made, text = self.plan, self.run, self.preview, self.made, choices.aspects.strip()

        def work(progress, cancel):
            # the job the plan was made with (fields edited since Generate do not stop its export); a plan given
            # without Generate (as the tests do) takes the form's job
            asked = (api.checked("aspects", text) or ()) if aspects else ()
            job = (replace(made, preview=preview.exists(), preview_quality="full", aspects=asked) if made is not None
                   else self.job(choices, preview=preview.exists(), aspects=asked))
            return api.write(plan, run, folder, job, progress, cancel, preview_file=preview)
        return work

    def render_job(self, folder: str | Path, choices: Choices) -> Work:
        """The exports into ``folder`` as Export writes them (one set), then ``master.mp4`` rendered from them."""
        export, scheduler = self.export_job(folder, choices, aspects=False), choices.scheduler.strip() or None

        def work(progress, cancel):
            export(progress, cancel)
            return api.render(folder, scheduler=scheduler, progress=progress, cancel=cancel)
        return work

    def proxies_job(self, folder: str | Path, choices: Choices) -> Work:
        """Proxies of the footage in ``folder`` (valid ones kept); gives the batch."""
        footage, scheduler = list(choices.footage), choices.scheduler.strip() or None
        return lambda progress, cancel: api.proxies(footage, folder, progress=progress, cancel=cancel,
                                                    scheduler=scheduler)

    def proxies_made(self, batch) -> Any:
        """Keep the new proxies and, in Resolve, link each to its media pool clip (GUI thread: Resolve's
        objects belong to it); Resolve's answer, or None outside Resolve."""
        self.proxies = {str(r.source): str(r.proxy) for r in batch.results if r.proxy is not None}
        if self.session is None:
            return None
        from montage_ai.plugin.resolve.bridge import link_proxies
        return link_proxies(self.session.media_pool, self.proxies)

    def unlink_proxies(self) -> Any:
        """Undo the links of the last Make proxies in Resolve; Resolve's answer."""
        from montage_ai.plugin.resolve.bridge import unlink_proxies
        return unlink_proxies(self.session.media_pool, self.proxies)

    # ----- Resolve ------------------------------------------------------------------------------
    def load_media_pool(self):
        """The current media pool bin's clips, kept with the editor's marks and tags (Resolve only)."""
        from montage_ai.plugin.resolve.bridge import read_folder
        contents = read_folder(self.session.media_pool)
        self.pool_items = dict(contents.items)
        self.pool_selects = contents.selects
        return contents

    def push(self):
        """The plan as a new timeline (version) in the open Resolve project; InputError when refused."""
        from montage_ai.plugin.resolve.bridge import push_timeline
        return push_timeline(self.session, api.timeline(self.plan), media_items=self.pool_items or None)

    def undo_push(self, result) -> list[str]:
        """Undo the push ``result``: its timeline deleted, the project frame rate it changed set back."""
        from montage_ai.plugin.resolve.bridge import undo_push
        return undo_push(self.session, result)

    def export_for_import_job(self, folder: str | Path) -> Work:
        """The Resolve-shaped OTIO and FCP7 XML into ``folder``; gives the files."""
        plan = self.plan

        def work(progress, cancel):
            from montage_ai.plugin.resolve.bridge import export_for_import
            return export_for_import(plan, Path(folder))
        return work
