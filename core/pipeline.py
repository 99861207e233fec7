"""The one place that wires analysis, planning and export; the edges reach it through :mod:`.api`.

``make`` = ``analyze_inputs`` -> ``build_plan`` -> ``write_outputs``. The plan is made once and never
changed; each step's warnings and timings go into the :class:`~.model.Run` beside it.
"""
from __future__ import annotations

import shutil
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from .audio.analyze import analyze_music
from .audio.decode import require_audio
from .audio.hints import DEFAULT_BEAT_ENGINE
from .cluster import PathMap, executor_for, one_cluster_per_run
from .errors import Cancelled, InputError, RunWarning, warning_kind
from .export import DEFAULT_FORMATS, FORMATS, NotWritten
from .export.report import build_report, report_timings, save_report
from .model import Aspect, Clip, Music, Plan, Run
from .dialogue.speech import find_speech, isolate_dialogue
from .output import output_folder, staged_output
from .plan.director import direct
from .plan.planner import PlanSettings, check_cut_lengths, plan_montage
from .plan.reframe import needs_tracks, reframe
from .plan.refine import DEFAULT_ROUNDS, refine
from .plan.styles import get_style, load_styles
from .progress import Progress
from .render.preview import render_preview
from .render.report_html import write_report_html
from .selects import ClipSelects, Selects, folder_tags, found_tags, read_selects, unmatched
from .video.discover import discover_footage, require_nameable, resolve_input
from .video.footage import analyze_footage
from .video.subject import subject_tracks
from .video.probe import probe_audio


@dataclass
class Inputs:
    music: Music
    clips: list[Clip]
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # clips skipped, conformed or cut short
    selects: Selects = field(default_factory=Selects)  # the editor's marked ranges and tags
    #: speech regions (s) per clip path, found when a plan first needs them (dialogue on) and kept for the next
    speech: dict[Path, tuple[tuple[float, float], ...]] = field(default_factory=dict)

    def clip_selects(self, warnings: list[str] | None = None) -> dict[Path, ClipSelects]:
        """Each clip's marked ranges and tags (clips without any are absent)."""
        return self.selects.for_clips(self.clips, warnings)


class Outputs(list):
    """The files :func:`write_outputs` wrote (a list of paths), ``report``, what it wrote into report.json,
    and ``warnings``, the run's (with voice isolation's), each with its kind."""

    def __init__(self, paths: list[Path], report: dict, warnings: list[str]) -> None:
        super().__init__(paths)
        self.report = report
        self.warnings = warnings


def _check(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled()


def analyze_inputs(music_path: str | Path, footage: list[str | Path], progress: Progress | None = None,
                   cancel: threading.Event | None = None, tempo_hint: float | None = None,
                   beats_per_bar: int | None = None, scheduler: str | None = None,
                   path_map: PathMap | None = None, beat_engine: str = DEFAULT_BEAT_ENGINE,
                   selects: list[str | Path] = (), pool_selects: Selects | None = None) -> Inputs:
    """Analyse the music (``tempo_hint``, ``beats_per_bar``: the editor's overrides; ``beat_engine``: which
    beat tracker) and every footage
    file (folders are searched; shots and scores are cached; on a Dask ``scheduler`` when given, see
    :func:`.cluster.executor_for`; ``path_map``: how its workers see the files, default
    :func:`.cluster.path_map`). A footage file that cannot be analysed is skipped with a warning;
    InputError if none can. ``selects`` are selects timelines (OTIO, FCP7 XML, EDL): their media join the
    footage and their clips become marked ranges; sub-folders of footage folders are tags;
    ``pool_selects`` are marks and tags read elsewhere (Resolve's media pool)."""
    timings: dict[str, float] = {}
    start = time.perf_counter()
    music_path = resolve_input(music_path)
    require_nameable(music_path)
    require_audio(music_path)  # a bad song is said before minutes of footage analysis, not after
    if progress:
        progress("probe_footage", 0.0)
    chosen = pool_selects or Selects()
    skipped: list[str] = []  # folder entries that are no files (symbolic link loops, FIFOs)
    given = discover_footage(footage, skipped) if footage else []
    for path in selects:
        chosen = chosen.merged(read_selects(resolve_input(path), given))
    files = list(dict.fromkeys([*sorted(resolve_input(f) for f in chosen.files), *given]))  # in one order, whoever named them
    if not files:
        raise InputError(None, "no footage given (--footage or --selects)")
    if footage:
        chosen = chosen.merged(folder_tags(footage, given))
    timings["probe_footage"] = time.perf_counter() - start
    if progress:
        progress("probe_footage", 1.0)
    start = time.perf_counter()
    with executor_for(scheduler) as executor:
        results = analyze_footage(files, (lambda f: progress("analyze_footage", f)) if progress else None, cancel,
                                  executor, path_map=path_map)
    clips = [r.clip for r in results if r.clip is not None]
    warnings = [w for r in results for w in r.warnings]
    if not clips:
        first = warnings[0].removesuffix("; skipped") if warnings else f"{files[0]}: unreadable"
        raise InputError(None, first if len(files) == 1 else f"none of the {len(files)} footage files is usable ({first})")
    timings["analyze_footage"] = time.perf_counter() - start
    _check(cancel)
    start = time.perf_counter()
    if progress:
        progress("analyze_music", 0.0)
    music = analyze_music(music_path, progress=(lambda f: progress("analyze_music", f)) if progress else None,
                          tempo_hint=tempo_hint, beats_per_bar=beats_per_bar, beat_engine=beat_engine)
    music = replace(music, audio=probe_audio(music_path))
    timings["analyze_music"] = time.perf_counter() - start
    if progress:
        progress("analyze_music", 1.0)
    return Inputs(music, clips, timings, skipped + warnings, chosen)


def build_plan(inputs: Inputs, settings: PlanSettings, prompt: str | None = None,
               style_given: bool = True, llm: str = "", refine_rounds: int = DEFAULT_ROUNDS) -> tuple[Plan, Run]:
    """Plan the montage: the director turns ``prompt`` into a directive (the LLM at path ``llm`` when
    given, else rules; the style is the director's when none was given), the planner lays the cuts, and
    the refine loop improves them for up to ``refine_rounds`` rounds.

    Returns the plan and its :class:`Run`: the warnings so far (music, footage, selects, planning), the
    timings, and the director's record, the directive, the selects and the refine rounds for the report.
    """
    start = time.perf_counter()
    warnings = list(inputs.warnings)
    selects = inputs.clip_selects(warnings)
    directive, record = direct(prompt or "", settings.style, style_given, sorted(load_styles()),
                               sorted({c.name for c in inputs.clips}), llm, found_tags(selects))
    if "fallback" in record:  # the editor asked for the model and got the rules: say so, by kind
        warnings.append(RunWarning("llm_fallback", f"LLM director ({Path(llm).name}): {record['fallback']}"))
    if settings.phase_tags:
        directive = directive.with_material("material", dict(settings.phase_tags))
        record["directive"] = directive.as_dict()
    clips = inputs.clips
    if settings.dialogue_mode(get_style(directive.style)) != "off":
        clips = find_speech(clips, inputs.speech)
    plan = plan_montage(inputs.music, clips, settings, directive, selects)
    plan, directive, rounds = refine(plan, directive, lambda d: plan_montage(inputs.music, clips, settings, d, selects),
                                     refine_rounds)
    check_cut_lengths(plan)
    timings = {**inputs.timings, "direct": record["seconds"], "plan": time.perf_counter() - start}
    return plan, Run((*inputs.music.warnings, *warnings, *plan.warnings), timings, {
        "director": record, "directive": directive.as_dict(), "selects": selects_summary(selects, directive, clips),
        "refine": {"director": "rules", "max_rounds": refine_rounds, "rounds": rounds}})


def selects_summary(selects: dict[Path, ClipSelects], directive, clips: list[Clip]) -> dict:
    """report.json's ``selects``: the tags found, the clips with marked ranges, the asked tags that match
    nothing (each ``{"tag", "asked"}``)."""
    return {"tags": found_tags(selects), "marked_clips": sorted(str(p) for p, s in selects.items() if s.ranges),
            "unmatched": unmatched(directive.asked_tags(), clips, selects)}


def write_outputs(plan: Plan, out_dir: str | Path, formats: tuple[str, ...] = DEFAULT_FORMATS, preview: bool = True,
                  run: Run | None = None, progress: Progress | None = None,
                  cancel: threading.Event | None = None, preview_quality: str = "full",
                  preview_file: Path | None = None, separator_model: Path | None = None,
                  aspects: tuple[Aspect, ...] = (), scheduler: str | None = None,
                  path_map: PathMap | None = None) -> Outputs:
    """Write the chosen exports, ``preview.mp4`` (``preview_quality``: full or draft; or a copy of
    ``preview_file``, one rendered before for this plan), ``report.html`` and ``report.json`` into ``out_dir``, all or nothing.
    With ``--dialogue isolate`` the isolated voices come first (``separator_model``: Demucs weights).
    ``aspects`` (default: the plan's own frame): one such set per aspect, the first in ``out_dir``, the others in
    its sub-folders (``9x16``...), each cut's crop following its subject (:mod:`.plan.reframe`; subjects
    tracked where footage is analysed: ``scheduler``, ``path_map`` as for :func:`analyze_inputs`).
    ``run``: the plan's run record (:func:`build_plan`; default: the plan's own warnings); neither is changed,
    so the same plan and run write the same files again. Returns the first set's files and report."""
    out_dir = Path(out_dir)
    run = run or Run((*plan.music.warnings, *plan.warnings))
    names, details, warnings = [], dict(run.details), list(run.warnings)
    with staged_output(out_dir) as stage:
        if plan.dialogue_mode == "isolate" and plan.dialogue:  # the exports play the isolated voices
            isolation = isolate_dialogue(plan, stage, out_dir.resolve(), separator_model)
            names += isolation.files
            details["isolation"] = isolation.report
            warnings += isolation.warnings
            plan = replace(plan, dialogue=isolation.dialogue)
        details.update(warnings=warnings, warning_kinds=[warning_kind(w) for w in warnings])
        timings = dict(run.timings)
        sets = deliverables(plan, aspects, progress, cancel, scheduler, path_map, timings)
        for n, (folder, deliverable) in enumerate(sets):
            def share(stage_name: str, fraction: float, n: int = n) -> None:
                progress(stage_name, (n + fraction) / len(sets))
            (stage / folder).mkdir(exist_ok=True)
            own = preview_file if deliverable.crops == () and deliverable.width == plan.width else None
            written, report = _write_set(deliverable, stage / folder, formats, preview, details, dict(timings),
                                         share if progress else None, cancel, preview_quality, own,
                                         [] if folder else names)
            if not folder:
                names, first = written, report
    return Outputs([out_dir.resolve() / n for n in names], first, warnings)


def deliverables(plan: Plan, aspects: tuple[Aspect, ...], progress: Progress | None = None,
                 cancel: threading.Event | None = None, scheduler: str | None = None,
                 path_map: PathMap | None = None, timings: dict[str, float] | None = None) -> list[tuple[str, Plan]]:
    """``(sub-folder, plan)`` per aspect: the first in the output folder itself (""), the others in
    ``9x16``, ``1x1``...; the plan itself when no aspect is asked for. Subject tracks of the clips an
    aspect crops are looked up or made on the task executor first (stage ``reframe``, its seconds into
    ``timings``)."""
    if not aspects:
        return [("", plan)]
    start = time.perf_counter()
    todo = needs_tracks(plan, aspects)
    tracks = {}
    if todo:
        with executor_for(scheduler) as executor:
            tracks = subject_tracks(todo, (lambda f: progress("reframe", f)) if progress else None, cancel, executor,
                                    path_map)
    _check(cancel)
    plans = [reframe(plan, a, tracks) for a in aspects]
    if timings is not None:
        timings["reframe"] = time.perf_counter() - start
    return [("" if i == 0 else a.folder, p) for i, (a, p) in enumerate(zip(aspects, plans))]


def _write_set(plan: Plan, folder: Path, formats: tuple[str, ...], preview: bool, details: dict,
               timings: dict[str, float], progress: Progress | None, cancel: threading.Event | None,
               preview_quality: str, preview_file: Path | None, names: list[str]) -> tuple[list[str], dict]:
    """One deliverable's files into ``folder`` (after ``names`` already there; its stage timings added to
    ``timings``); its names and report."""
    names, not_written, encoder = list(names), {}, {}
    start = time.perf_counter()
    for i, fmt in enumerate(formats):
        _check(cancel)
        name = FORMATS[fmt].file_name
        try:
            names += [p.name for p in FORMATS[fmt].write(plan, folder / name) or [folder / name]]
        except NotWritten as why:
            not_written[name] = str(why)
        if progress:
            progress("export", (i + 1) / (len(formats) + 1))
    report = build_report(plan, details)  # report.html's now, report.json's once the timings are complete
    write_report_html(plan, folder / "report.html", report,
                      (lambda f: progress("export", (len(formats) + f) / (len(formats) + 1))) if progress else None)
    names.append("report.html")
    timings["export"] = time.perf_counter() - start
    if preview:
        start = time.perf_counter()
        if progress:
            progress("preview", 0.0)
        if preview_file is not None:
            shutil.copyfile(preview_file, folder / "preview.mp4")
        else:
            encoder = render_preview(plan, folder / "preview.mp4", preview_quality, cancel=cancel,
                                     progress=(lambda f: progress("preview", f)) if progress else None).summary()
        timings["preview"] = time.perf_counter() - start
        names.append("preview.mp4")
    _check(cancel)
    names.append("report.json")
    timings["total"] = sum(v for k, v in timings.items() if k != "total")
    report.update(timings=report_timings(timings), outputs=names, not_written=not_written,
                  **({"preview_encoder": encoder} if encoder else {}))
    save_report(report, folder / "report.json")
    return names, report


def make(music_path: str | Path, footage: list[str | Path], out_dir: str | Path, settings: PlanSettings,
         prompt: str | None = None, style_given: bool = True, formats: tuple[str, ...] = DEFAULT_FORMATS,
         preview: bool = True, progress: Progress | None = None,
         cancel: threading.Event | None = None, preview_quality: str = "full", llm: str = "",
         refine_rounds: int = DEFAULT_ROUNDS, scheduler: str | None = None,
         path_map: PathMap | None = None, aspects: tuple[Aspect, ...] = (), selects: list[str | Path] = (),
         pool_selects: Selects | None = None) -> tuple[Plan, Outputs]:
    """Music + footage in, NLE files out: the whole job of ``montage-ai make`` (and ``resolve make``, whose
    footage and logging come from a media pool bin as ``pool_selects``). The output folder is checked and
    locked before any analysis; a ``scheduler``'s cluster starts once for the analysis and the reframing."""
    with output_folder(out_dir), one_cluster_per_run():
        inputs = analyze_inputs(music_path, footage, progress, cancel, settings.tempo_hint, settings.beats_per_bar,
                                scheduler, path_map, settings.beat_engine, selects, pool_selects)
        _check(cancel)
        plan, run = build_plan(inputs, settings, prompt, style_given, llm, refine_rounds)
        if progress:
            progress("plan", 1.0)
        return plan, write_outputs(plan, out_dir, formats, preview, run, progress, cancel, preview_quality,
                                   separator_model=settings.separator_model, aspects=aspects, scheduler=scheduler,
                                   path_map=path_map)
