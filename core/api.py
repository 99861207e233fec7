"""The one front door of core for the edges (CLI, panel, Resolve bridge): they import this module (and
:mod:`montage_ai.errors` if they like; its names are here too), never the pipeline's parts.

What it offers:

- **Job options, built and checked in one place.** :func:`job` takes an edge's raw choices (text as typed,
  or values an edge already parsed with :data:`PARSERS`) and returns a checked :class:`Job`: the
  :class:`PlanSettings` with ``TARGET_DURATION``/``MUSIC_START``/``MUSIC_END`` as defaults of times not
  given, ``llm`` of config.toml when no model is given, ``$FFMPEG_HWACCEL``, ``$MONTAGE_AI_WORKERS`` and
  the path map checked; a bad value is an :class:`InputError` naming the option (``--fps: ...``), the line
  the CLI prints. :data:`PARSERS`: the option parsers (text -> value, ValueError with the problem).
- **The choices the edges show:** :func:`styles` (name, description, file), ``DEFAULT_STYLE``,
  ``DIALOGUE_MODES``, ``BEAT_ENGINES``, ``DEFAULT_BEAT_ENGINE``, ``BEAT_LEVELS``, ``TEMPO_HINT_RANGE``,
  ``BEATS_PER_BAR_RANGE``, ``RATES``, :func:`formats` (name -> file name) and ``DEFAULT_FORMATS``,
  ``ASPECTS``, ``STAGES`` (stage -> words), ``DEFAULT_REFINE_ROUNDS``, ``HWACCEL_CHOICES``,
  ``PREVIEW_QUALITIES``, ``RENDER_CODECS``, ``RENDER_SIZES``, ``DEFAULT_LOUDNESS``, :func:`proxy_profiles`.
- **The verbs:** :func:`analyze` (music + footage -> :class:`Inputs`), :func:`plan` (-> plan and its
  :class:`Run` record: warnings, timings, details of its making), :func:`write` (exports, preview, reports into a folder, all or nothing),
  :func:`make` (the three), :func:`analyze_music`, :func:`analyze_footage`, :func:`proxies`, :func:`render`,
  :func:`validate` (+ :func:`validation_table`), :func:`demo`, :func:`tags` (the tags found on analysed
  footage), :func:`thumbnail` + :func:`file_key`, :func:`timeline` (the plan as an OTIO timeline, what the
  Resolve push takes), :func:`checked` (one option from text, as :func:`job` checks it), :func:`use_hwaccel`,
  :func:`check_pool_settings`,
  :func:`stop_work` (ends every ffmpeg child), :func:`config_dir`, :func:`write_atomic`,
  :func:`output_committed` / :func:`previous_set` (what an interrupted run left).
- **Structured warnings:** :class:`RunWarning` (a ``str`` with a ``kind``), ``WARNING_KINDS`` (kind -> words),
  :func:`warning_kind`; report.json keeps its ``warnings`` list of strings.
- **One JSON conversion of the model:** :func:`to_json` (a plan: report.json's content; music:
  ``analyze-music --json``; a footage result: ``analyze-footage --json``; sections alike in all).
- **Types:** ``Plan``, ``Run``, ``Music``, ``Clip``, ``Section``, ``Phase``, ``Rate``, ``Aspect``, ``PlanSettings``,
  ``Progress`` (``Inputs`` and ``Outputs``, what analyze and write give, are the pipeline's); errors ``InputError``, ``Cancelled``, ``Interrupted``.

Heavy parts (analysis, export, render) are imported when a verb runs, so importing this module stays quick.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from . import settings as _settings
from .audio.hints import BEAT_ENGINES, BEATS_PER_BAR_RANGE, DEFAULT_BEAT_ENGINE, TEMPO_HINT_RANGE
from .config import config_dir, configured
from .dialogue.phrases import DIALOGUE_MODES
from .encoders import HWACCEL_CHOICES
from .errors import WARNING_KINDS, Cancelled, InputError, Interrupted, RunWarning, warning_kind, shown
from .export import DEFAULT_FORMATS, FORMATS
from .model import Aspect, Clip, Music, Phase, Plan, Run, Section
from .output import write_atomic
from .plan.planner import PlanSettings
from .plan.refine import DEFAULT_ROUNDS as DEFAULT_REFINE_ROUNDS
from .plan.styles import BEAT_LEVELS, DEFAULT_STYLE
from .progress import STAGES, Progress
from .settings import ASPECTS
from .timebase import STANDARD_RATES as RATES, Rate

if TYPE_CHECKING:
    from .cluster import PathMap
    from .pipeline import Inputs, Outputs
    from .selects import Selects

__all__ = [
    "ASPECTS", "BEAT_ENGINES", "BEAT_LEVELS", "BEATS_PER_BAR_RANGE", "DEFAULT_BEAT_ENGINE", "DEFAULT_FORMATS",
    "DEFAULT_LOUDNESS", "DEFAULT_REFINE_ROUNDS", "DEFAULT_STYLE", "DIALOGUE_MODES",
    "HWACCEL_CHOICES", "PARSERS", "PREVIEW_QUALITIES", "RATES", "RENDER_CODECS", "RENDER_SIZES",
    "STAGES", "TEMPO_HINT_RANGE", "WARNING_KINDS",
    "Aspect", "Cancelled", "Clip", "InputError", "Interrupted", "Job", "Music", "Phase", "Plan", "PlanSettings",
    "Progress", "Rate", "Run", "Section", "StyleChoice", "RunWarning",
    "analyze", "analyze_footage", "analyze_music", "check_pool_settings", "config_dir", "demo", "file_key",
    "checked", "formats", "job", "make", "output_committed", "plan", "previous_set", "proxies",
    "proxy_profiles", "render",
    "shown", "stop_work", "styles", "tags", "thumbnail", "timeline", "to_json", "use_hwaccel", "validate",
    "validation_table", "warning_kind", "write", "write_atomic",
]

#: ``--preview``: preview.mp4 at 540p (full) or 360p (draft, what the panel shows).
PREVIEW_QUALITIES = ("full", "draft")
#: ``render --codec`` and ``--size``, and its loudness target (LUFS).
RENDER_CODECS = ("h264", "hevc", "prores")
RENDER_SIZES = ("source", "1080p", "2160p")
DEFAULT_LOUDNESS = -14.0

#: Option -> parser of its text (ValueError with the problem in words): what :func:`job` and the CLI check.
PARSERS: dict[str, Callable[[str], Any]] = {
    "style": _settings.parse_style, "duration": _settings.parse_seconds, "music_start": _settings.parse_seconds,
    "music_end": _settings.parse_seconds, "fps": _settings.parse_fps, "seed": _settings.parse_seed,
    "beat_offset_ms": _settings.parse_offset_ms, "tempo_hint": _settings.parse_tempo_hint,
    "beats_per_bar": _settings.parse_beats_per_bar, "beat_engine": _settings.parse_beat_engine,
    "out": _settings.parse_out, "size": _settings.parse_size, "formats": _settings.parse_formats,
    "aspects": _settings.parse_aspects, "separator_model": _settings.parse_model,
    "phase_tags": _settings.parse_phase_tags, "refine": _settings.parse_rounds,
    "scheduler": _settings.parse_scheduler, "path_map": _settings.parse_path_map,
    "loudness": _settings.parse_loudness,
}
#: Options whose value is one of a few words.
_CHOICES = {"beat_level": BEAT_LEVELS, "dialogue": DIALOGUE_MODES, "preview_quality": PREVIEW_QUALITIES,
            "hwaccel": HWACCEL_CHOICES}


class StyleChoice(NamedTuple):
    name: str
    description: str
    source: Path | None


def styles() -> list[StyleChoice]:
    """The editing styles (package and user config dir), by name; InputError for a broken style file."""
    from .plan.styles import load_styles
    return [StyleChoice(name, s.description, s.source) for name, s in sorted(load_styles().items())]


def formats() -> dict[str, str]:
    """Export name -> the file it writes, in the order they are written."""
    return {name: f.file_name for name, f in FORMATS.items()}


@dataclass(frozen=True)
class Job:
    """A checked job: what to read, how to plan it and what to write."""

    settings: PlanSettings
    music: Path | None = None
    footage: tuple[Path, ...] = ()
    selects: tuple[Path, ...] = ()
    out: Path | None = None
    prompt: str | None = None
    style_given: bool = False
    llm: str = ""
    refine_rounds: int = DEFAULT_REFINE_ROUNDS
    formats: tuple[str, ...] = DEFAULT_FORMATS
    aspects: tuple[Aspect, ...] = ()
    preview: bool = True
    preview_quality: str = "full"
    scheduler: str | None = None
    path_map: PathMap | None = None
    hwaccel: str | None = None
    pool_selects: Selects | None = None


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def checked(name: str, value: Any) -> Any:
    """``value`` of option ``name`` as its parser makes it from text (values of other types pass as given);
    None and "" stay None (not set); a bad value is the InputError naming the option, as :func:`job` gives."""
    if value is None or (isinstance(value, str) and not value.strip() and name not in ("out",)):
        return None
    if not isinstance(value, str):
        return value
    try:
        if name in _CHOICES:
            if value.strip().lower() not in _CHOICES[name]:
                raise ValueError(f"invalid choice: {value!r} (choose from {', '.join(_CHOICES[name])})")
            return value.strip().lower()
        return PARSERS[name](value) if name in PARSERS else value
    except ValueError as err:
        raise InputError(_option(name), str(err)) from None


def use_hwaccel(choice: str | None = None, encodes: bool = True) -> str:
    """Checks ``choice`` (``--hwaccel``) or ``$FFMPEG_HWACCEL`` before any work (a named backend must pass
    its test encode when the job ``encodes``) and hands it on through the environment, which the
    preview's encoder and the footage analysis read. Returns the choice in force."""
    from .encoders import requested, select_encoder
    value = os.environ["FFMPEG_HWACCEL"] = requested(checked("hwaccel", choice))
    if encodes and value not in ("auto", "none"):
        select_encoder(value)
    return value


def check_pool_settings(path_map: PathMap | None = None) -> None:
    """``$MONTAGE_AI_WORKERS`` and the path map (``$MONTAGE_AI_PATH_MAP``, ``path_map`` of config.toml)
    checked before any work: they are read late (the map only on a cluster), and a bad one must not pass
    silently or fail after minutes of analysis."""
    from .cluster import path_map as configured_map
    from .tasks import default_workers
    default_workers()
    if path_map is None:
        configured_map()


def _llm(path: str | Path | None) -> str:
    """The model for the LLM director: ``path``, else ``llm`` in config.toml, else "" (rules)."""
    path = str(path) if path else configured("llm")
    if path and not Path(path).expanduser().is_file():
        raise InputError(Path(path), "LLM model file not found (--llm or llm in config.toml)")
    return str(Path(path).expanduser()) if path else ""


def job(*, music: str | Path | None = None, footage=(), selects=(), out: str | Path | None = None,
        style: str | None = None, prompt: str | None = None, duration=None, music_start=None, music_end=None,
        fps=None, seed=0, beat_level=None, beat_offset_ms=0.0, tempo_hint=None, beats_per_bar=None,
        beat_engine=DEFAULT_BEAT_ENGINE, size=None, dialogue=None, separator_model=None, phase_tags=None,
        llm: str | Path | None = None, refine=DEFAULT_REFINE_ROUNDS, formats=DEFAULT_FORMATS, aspects=(),
        preview: bool = True, preview_quality: str = "full", scheduler=None, path_map=None, hwaccel=None,
        encodes: bool = True, pool_selects: Selects | None = None, env: Mapping[str, str] | None = None) -> Job:
    """A checked :class:`Job` from an edge's raw choices: text is parsed as the CLI's option of the same
    name (``music_start`` is ``--music-start``), other values are taken as given; None or "" is "not set".
    In this order: ``hwaccel`` (:func:`use_hwaccel`; ``encodes``: its test encode), the pool settings
    (:func:`check_pool_settings`), the times (``TARGET_DURATION``, ``MUSIC_START``, ``MUSIC_END`` of ``env``,
    default the process environment, for those not set; the music range not empty), the LLM model
    (``llm`` of config.toml when not given). InputError naming the option or variable otherwise."""
    v = {name: checked(name, value) for name, value in dict(
        style=style, duration=duration, music_start=music_start, music_end=music_end, fps=fps, seed=seed,
        beat_level=beat_level, beat_offset_ms=beat_offset_ms, tempo_hint=tempo_hint, beats_per_bar=beats_per_bar,
        beat_engine=beat_engine, size=size, dialogue=dialogue, separator_model=separator_model,
        phase_tags=phase_tags, refine=refine, formats=formats, aspects=aspects, preview_quality=preview_quality,
        scheduler=scheduler, path_map=path_map, out=out).items()}
    use_hwaccel(hwaccel, encodes)
    check_pool_settings(v["path_map"])
    phase_tags = v["phase_tags"] or {}
    settings = _settings.plan_settings(
        v["style"] or DEFAULT_STYLE, duration=v["duration"], music_start=v["music_start"], music_end=v["music_end"],
        env=env, fps=v["fps"], seed=v["seed"] or 0, beat_level=v["beat_level"] or "",
        beat_offset_ms=v["beat_offset_ms"] or 0.0, tempo_hint=v["tempo_hint"], beats_per_bar=v["beats_per_bar"],
        beat_engine=v["beat_engine"] or DEFAULT_BEAT_ENGINE, size=v["size"], dialogue=v["dialogue"],
        separator_model=v["separator_model"],
        phase_tags=tuple(phase_tags.items()) if isinstance(phase_tags, Mapping) else tuple(phase_tags))
    return Job(settings, Path(music) if music else None, tuple(map(Path, footage or ())),
               tuple(map(Path, selects or ())), v["out"], prompt or None, v["style"] is not None, _llm(llm),
               DEFAULT_REFINE_ROUNDS if v["refine"] is None else v["refine"], v["formats"] or DEFAULT_FORMATS,
               tuple(v["aspects"] or ()), preview, v["preview_quality"] or "full", v["scheduler"], v["path_map"],
               hwaccel, pool_selects)


# ----- verbs -------------------------------------------------------------------------------------------
def analyze(job: Job, progress: Progress | None = None, cancel: threading.Event | None = None) -> Inputs:
    """The job's music and footage (and selects) analysed: :func:`.pipeline.analyze_inputs`. InputError
    when the job names no music (an edge without a required ``--music``: the panel's empty field)."""
    from .pipeline import analyze_inputs
    if job.music is None:
        raise InputError("--music", "no music file chosen")
    s = job.settings
    return analyze_inputs(job.music, list(job.footage), progress, cancel, s.tempo_hint, s.beats_per_bar,
                          job.scheduler, job.path_map, s.beat_engine, list(job.selects), job.pool_selects)


def plan(inputs: Inputs, job: Job) -> tuple[Plan, Run]:
    """The plan of analysed ``inputs`` for ``job`` and its :class:`Run` record (warnings, timings, and in
    ``details`` the director's record, directive, selects and refine rounds): :func:`.pipeline.build_plan`."""
    from .pipeline import build_plan
    return build_plan(inputs, job.settings, job.prompt, job.style_given, job.llm, job.refine_rounds)


def write(plan: Plan, run: Run, out: str | Path, job: Job, progress: Progress | None = None,
          cancel: threading.Event | None = None, preview_file: Path | None = None) -> Outputs:
    """``job``'s exports, preview and reports of ``plan`` and its ``run`` into ``out``, all or nothing
    (``preview_file``: a preview.mp4 rendered before for this plan, copied); neither plan nor run changes, so
    writing them again gives the same files: :func:`.pipeline.write_outputs`."""
    from .pipeline import write_outputs
    return write_outputs(plan, out, job.formats, job.preview, run, progress, cancel, job.preview_quality,
                         preview_file, job.settings.separator_model, job.aspects, job.scheduler, job.path_map)


def make(job: Job, progress: Progress | None = None, cancel: threading.Event | None = None) -> tuple[Plan, Outputs]:
    """The whole job into ``job.out``: the folder checked and locked first, then analyse, plan, write."""
    from .pipeline import make as run
    return run(job.music, list(job.footage), job.out, job.settings, prompt=job.prompt, style_given=job.style_given,
               formats=job.formats, preview=job.preview, progress=progress, cancel=cancel,
               preview_quality=job.preview_quality, llm=job.llm, refine_rounds=job.refine_rounds,
               scheduler=job.scheduler, path_map=job.path_map, aspects=job.aspects, selects=list(job.selects),
               pool_selects=job.pool_selects)


def analyze_music(path: str | Path, tempo_hint: float | None = None, beats_per_bar: int | None = None,
                  beat_engine: str = DEFAULT_BEAT_ENGINE) -> Music:
    """One music file's tempo, beats, bars and sections (cached)."""
    from .audio.analyze import analyze_music as run
    from .video.discover import resolve_input
    return run(resolve_input(path), tempo_hint=tempo_hint, beats_per_bar=beats_per_bar, beat_engine=beat_engine)


def analyze_footage(paths: list[str | Path], progress: Progress | None = None, use_cache: bool = True,
                    scheduler: str | None = None, path_map: PathMap | None = None) -> tuple[list, list[str]]:
    """Shots and scores of the video files in ``paths`` (folders searched): the per-file results (see
    :func:`to_json`) and the warnings of entries that are no files. InputError when no file is usable."""
    from .cluster import executor_for
    from .video.discover import discover_footage
    from .video.footage import analyze_footage as run
    skipped: list[str] = []
    files = discover_footage(paths, skipped)
    with executor_for(scheduler) as executor:
        results = run(files, (lambda f: progress("analyze_footage", f)) if progress else None, executor=executor,
                      use_cache=use_cache, path_map=path_map)
    if all(r.clip is None for r in results):
        raise InputError(None, results[0].warnings[0])
    return results, skipped


def proxy_profiles() -> tuple[str, ...]:
    """``proxies --profile`` names, the default first."""
    from .proxies import DEFAULT_PROFILE, PROFILES
    return (DEFAULT_PROFILE, *(p for p in PROFILES if p != DEFAULT_PROFILE))


def proxies(paths: list[str | Path], out: str | Path, profile: str | None = None, hwaccel: str | None = None,
            jobs: int | None = None, progress: Progress | None = None, cancel: threading.Event | None = None,
            scheduler: str | None = None, path_map: PathMap | None = None):
    """Proxies of the footage in ``paths`` into ``out`` (valid ones kept; on ``scheduler`` when given): the
    batch (``results``, ``selection``, ``manifest``); ``profile``: one of :func:`proxy_profiles` (default the
    first). InputError for ``jobs`` under 1."""
    from .cluster import executor_for
    from .proxies import DEFAULT_PROFILE, make_proxies
    if jobs is not None and jobs < 1:
        raise InputError(None, f"--jobs {jobs}: must be 1 or more")
    with executor_for(scheduler) as executor:
        return make_proxies(paths, out, profile or DEFAULT_PROFILE, hwaccel, jobs, progress=progress, cancel=cancel,
                            executor=executor, mapping=path_map)


def render(out_dir: str | Path, codec: str = "h264", size: str = "source", loudness: float = DEFAULT_LOUDNESS,
           scheduler: str | None = None, path_map: PathMap | None = None, hwaccel: str | None = None,
           progress: Progress | None = None, cancel: threading.Event | None = None):
    """``master.mp4`` (``.mov`` for prores) of the plan in ``out_dir``'s report.json: the master (``path``,
    ``report``)."""
    from .render.master import render_master
    return render_master(out_dir, codec, size, loudness, scheduler, path_map, hwaccel, progress=progress,
                         cancel=cancel)


def validate(folder: str | Path) -> list:
    """Every export in ``folder`` re-read by independent readers and compared with its report.json: the
    checks (``export``, ``reader``, ``cuts_read``, ``problems``, ``ok``); empty when there is none."""
    from .validate import validate as run
    return run(folder)


def validation_table(checks: list) -> str:
    """The checks of :func:`validate` as the table ``montage-ai validate`` prints."""
    from .validate import format_table
    return format_table(checks)


def demo(out: str | Path, preview: bool = True, progress: Callable[[], Any] | None = None,
         said: Callable[[str], None] | None = None) -> tuple[Plan, Outputs]:
    """Generated music and footage (``out/media``) cut with the default settings into ``out``; ``said`` gets a
    line on the media before the run; ``progress()`` gives the context manager of the run's progress
    callback. An interrupted or failed demo removes the media it made."""
    import shutil
    from contextlib import nullcontext
    from .demo_media import synth_footage, synth_song
    from .output import output_folder
    from .pipeline import make as run
    with output_folder(out) as folder:
        media = folder.resolve() / "media"
        made = not media.exists()
        try:
            media.mkdir(parents=True, exist_ok=True)
            song = synth_song(media / "demo_song.wav")
            footage = synth_footage(media / "footage")
            if said:
                said(f"demo media in {media} ({len(footage)} clips, song {song.duration:.1f} s at 124 BPM)")
            with (progress or nullcontext)() as report:
                return run(song.path, footage, folder, PlanSettings(), preview=preview, progress=report)
        except BaseException:  # interrupted or failed: the media this run made goes too ("nothing written")
            if made:
                shutil.rmtree(media, ignore_errors=True)
            raise


def tags(inputs: Inputs) -> list[str]:
    """The tags found on analysed footage (selects, sub-folders, Resolve), for the phases to take."""
    from .selects import found_tags
    return found_tags(inputs.clip_selects())


def file_key(path: Path) -> str:
    """``path``'s identity for the caches (size, time, first MiB); OSError when it cannot be read."""
    from .video.cache import identity_key
    return identity_key(path)


def thumbnail(path: Path, frame: int, rate: Rate, height: int, key: Callable[[Path], str] = file_key) -> bytes:
    """The JPEG of ``path``'s ``frame`` (at ``rate``) ``height`` pixels high, from the thumbnail cache."""
    from .video.thumbnail import thumbnail_bytes
    return thumbnail_bytes(path, frame, rate, height, key)


def timeline(plan: Plan):
    """``plan`` as an OpenTimelineIO timeline (montage.otio's), what the Resolve push places."""
    from .export.otio_export import build_timeline
    return build_timeline(plan)


def stop_work(refuse_new: bool = True) -> None:
    """Ends every ffmpeg child of this process; ``refuse_new``: and refuses new ones (a window closing, a stop
    signal)."""
    from .ffmpeg_cmd import stop_all
    stop_all(refuse_new=refuse_new)


def output_committed(out: str | Path) -> bool:
    """Whether the output folder ``out`` holds the set of the run that was stopped (its commit passed)."""
    from .output import committed
    return committed(out)


def previous_set(out: str | Path) -> str:
    """What ``out`` holds instead of a stopped run's set, in words ("previous set kept", ...)."""
    from .output import previous_set as said
    return said(out)


# ----- JSON -------------------------------------------------------------------------------------------
def to_json(value: Any, details: dict | None = None, thumbnails: bool = False) -> Any:
    """The JSON-ready form of a model value: a :class:`Plan` -> report.json's content (with ``details``);
    :class:`Music` -> ``analyze-music --json``; a footage result -> ``analyze-footage --json`` (``thumbnails``:
    each shot's thumbnail written into the cache); a :class:`Section` -> its dict; lists element-wise."""
    from .export.report import build_report, section_entry
    if isinstance(value, Plan):
        return build_report(value, details)
    if isinstance(value, Music):
        return {"duration": value.duration, "tempo_bpm": value.tempo_bpm, "beats": value.beats,
                "downbeats": value.downbeats, "beats_per_bar": value.beats_per_bar, "overrides": value.overrides,
                "beat_engine": value.beat_engine, "sections": [section_entry(s) for s in value.sections],
                "warnings": value.warnings}
    if isinstance(value, Section):
        return section_entry(value)
    if isinstance(value, (list, tuple)):
        return [to_json(v, details, thumbnails) for v in value]
    from .video.footage import FootageResult, result_json
    if isinstance(value, FootageResult):
        return result_json(value, thumbnails)
    raise TypeError(f"no JSON form for {type(value).__name__}")
