"""``montage-ai`` command line: a thin edge over :mod:`montage_ai.pipeline`.

Bad input ends with one line on stderr (``montage-ai: <file>: <problem>``) and exit code 2.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import traceback
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .encoders import HWACCEL_CHOICES, requested, select_encoder
from . import __version__, ffmpeg_cmd, settings, signals
from .errors import InputError, Interrupted, shown
from .audio.hints import BEAT_ENGINES, BEATS_PER_BAR_RANGE, DEFAULT_BEAT_ENGINE, TEMPO_HINT_RANGE
from .export import DEFAULT_FORMATS, FORMATS
from .plan.planner import BEAT_LEVELS, PlanSettings
from .plan.refine import DEFAULT_ROUNDS
from .plan.styles import load_styles

if TYPE_CHECKING:
    from .pipeline import Outputs

EXIT_BAD_INPUT = 2
#: Edge packages that add their own subcommands (``register(subparsers)``) when installed.
EDGE_COMMANDS = ("montage_ai.plugin.resolve.commands", "montage_ai.plugin.panel.commands")
#: Console summary of warnings: a phrase of the message -> its kind (others count as "other").
WARNING_KINDS = {"plays at real-time speed": "mixed frame rates", "variable frame rate": "variable frame rate",
                 "time grid": "no beat found", "music range holds": "music range",
                 "past the end of the music": "music range", "; skipped": "unusable footage",
                 "frames decode": "damaged footage", "using the original audio": "dialogue isolation failed"}


class Parser(argparse.ArgumentParser):
    """argparse whose errors are one line, ``montage-ai: <option>: <problem>``, with exit code 2."""

    #: actions required unless another option is given: ``{action: "--other"}``
    required_unless: dict = {}

    def parse_known_args(self, args=None, namespace=None):
        given = [str(a).split("=", 1)[0] for a in (sys.argv[1:] if args is None else args)]
        for action, other in self.required_unless.items():  # argparse takes "--sel" for "--selects"
            action.required = not any(len(g) > 2 and g.startswith("--") and other.startswith(g) for g in given)
        return super().parse_known_args(args, namespace)

    def error(self, message: str) -> None:
        named = re.match(r"argument ([^:]+): (.*)", message, re.S)
        if named:
            message = f"{named.group(1).split('/')[0]}: {named.group(2)}"
        self.exit(EXIT_BAD_INPUT, f"{self.prog.split()[0]}: {' '.join(message.split())}\n")


def _checked(parse: Callable[[str], object]) -> Callable[[str], object]:
    """An argparse ``type`` from a :mod:`.settings` parser: its ValueError text becomes the error line."""
    def convert(text: str) -> object:
        try:
            return parse(text)
        except ValueError as err:
            raise argparse.ArgumentTypeError(str(err)) from None
    convert.__name__ = parse.__name__
    return convert


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a frame size: {text!r} (WxH, e.g. 1920x1080)") from None
    if not (16 <= width <= 16384 and 16 <= height <= 16384) or width % 2 or height % 2:
        raise argparse.ArgumentTypeError(f"frame size {text!r}: width and height must be even, 16 to 16384")
    return width, height


def _formats(text: str) -> tuple[str, ...]:
    chosen = tuple(f.strip() for f in text.split(",") if f.strip())
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"unknown format(s) {unknown}; choose from {', '.join(FORMATS)}")
    return chosen


def _tempo_hint(text: str) -> float:
    try:
        bpm = float(text)
    except ValueError:
        bpm = float("nan")
    if not TEMPO_HINT_RANGE[0] <= bpm <= TEMPO_HINT_RANGE[1]:
        raise argparse.ArgumentTypeError(f"{text!r} is not a tempo in BPM from {TEMPO_HINT_RANGE[0]:g} to "
                                         f"{TEMPO_HINT_RANGE[1]:g}")
    return bpm


def _beats_per_bar(text: str) -> int:
    if not text.strip().isdigit() or not BEATS_PER_BAR_RANGE[0] <= int(text) <= BEATS_PER_BAR_RANGE[1]:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of beats from {BEATS_PER_BAR_RANGE[0]} "
                                         f"to {BEATS_PER_BAR_RANGE[1]}")
    return int(text)


def _add_analysis_overrides(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tempo-hint", type=_tempo_hint, metavar="BPM",
                   help="the song's tempo as you count it: beats are tracked near it (also where none is found)")
    p.add_argument("--beats-per-bar", type=_beats_per_bar, metavar="N",
                   help="beats in a bar (e.g. 3 for a waltz, 2 for 6/8 counted in two): bar starts every N beats")
    p.add_argument("--beat-engine", type=_checked(settings.parse_beat_engine), default=DEFAULT_BEAT_ENGINE,
                   help=f"beat tracker: {' or '.join(BEAT_ENGINES)} (learned: a small neural network with a "
                        f"tempo and bar decoder; dsp: onset signal processing; default {DEFAULT_BEAT_ENGINE})")


def _style(text: str) -> str:
    try:
        names = sorted(load_styles())
    except InputError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    if text.lower() not in names:
        raise argparse.ArgumentTypeError(f"unknown style {text!r}; choose from {', '.join(names)}")
    return text.lower()


def _rounds(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"not a number of rounds: {text!r} (0 turns refining off)")
    return int(text)


def _scheduler(text: str) -> str:
    from .cluster import parse_scheduler
    try:
        parse_scheduler(text)
    except InputError as err:
        raise argparse.ArgumentTypeError(err.problem.removeprefix("--scheduler ")) from None
    return text.strip()


def _path_map(text: str):
    from .cluster import PathMap
    try:
        return PathMap.parse(text)
    except InputError as err:
        raise argparse.ArgumentTypeError(err.problem) from None


def _add_scale_options(p: argparse.ArgumentParser, what: str = "analyse footage") -> None:
    p.add_argument("--scheduler", type=_scheduler, metavar="tcp://HOST:PORT|local:N",
                   help=f"{what} on a Dask cluster, or on N local Dask workers (env MONTAGE_AI_SCHEDULER; "
                   "default: this machine's process pool)")
    p.add_argument("--path-map", type=_path_map, metavar="EDITOR=WORKER[;...]",
                   help="folders as the workers see them, e.g. /Volumes/Rushes=/mnt/nfs-montage/input "
                   "(env MONTAGE_AI_PATH_MAP)")


def _check_pool_settings(args: argparse.Namespace) -> None:
    """``$MONTAGE_AI_WORKERS`` and the path map (``$MONTAGE_AI_PATH_MAP``, ``path_map`` of config.toml)
    checked before any work: they are read late (the map only on a cluster), and a bad one must not
    pass silently or fail after minutes of analysis."""
    from .cluster import path_map
    from .tasks import default_workers
    default_workers()
    if args.path_map is None:
        path_map()


def _add_make_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, type=_checked(settings.parse_out),
                   help="output folder (created; files replaced atomically)")
    p.add_argument("--style", type=_style, help="pacing style, see `montage-ai styles` (default: chosen from "
                   "--prompt, else dynamic)")
    p.add_argument("--duration", type=_checked(settings.parse_seconds), help="target length in seconds; 0 = to the end (env TARGET_DURATION)")
    p.add_argument("--music-start", type=_checked(settings.parse_seconds), help="music time (s) where the montage starts (env MUSIC_START)")
    p.add_argument("--music-end", type=_checked(settings.parse_seconds), help="music time (s) where it must end; 0 = end (env MUSIC_END)")
    p.add_argument("--fps", type=_checked(settings.parse_fps), help="timeline rate, e.g. 24000/1001, 25, 29.97 (default: footage's)")
    p.add_argument("--prompt", help="what the editor wants, in words: style, pace per part, clips and tags to "
                   "favour/avoid, what to open and end on")
    p.add_argument("--phase-tags", type=_checked(settings.parse_phase_tags), metavar="PHASE=TAG[+TAG],...",
                   help="material each phase takes first, e.g. INTRO=establishing,CLIMAX=action,OUTRO=faces "
                        "(tags from --selects, footage sub-folders or Resolve; clip names work too)")
    p.add_argument("--llm", type=Path, metavar="MODEL.gguf",
                   help="local GGUF model that reads --prompt (needs the [llm] extra; default: llm in config.toml, "
                        "else the rule director)")
    p.add_argument("--refine", type=_rounds, default=DEFAULT_ROUNDS, metavar="N",
                   help=f"refine rounds: evaluate, let the director propose a change, keep it if better "
                        f"(default {DEFAULT_ROUNDS}; 0 = off)")
    p.add_argument("--seed", type=_checked(settings.parse_seed), default=0, help="varies clip order between runs (default 0)")
    p.add_argument("--beat-level", choices=BEAT_LEVELS,
                   help="cut on every other beat (half), every beat, or every eighth note (double); default: the style's")
    p.add_argument("--beat-offset-ms", type=_checked(settings.parse_offset_ms), default=0.0,
                   help="shift every cut later (positive) or earlier (negative), in milliseconds")
    _add_analysis_overrides(p)
    p.add_argument("--formats", type=_formats, default=DEFAULT_FORMATS,
                   help=f"comma-separated exports of {','.join(FORMATS)} (default: {','.join(DEFAULT_FORMATS)})")
    p.add_argument("--no-preview", action="store_true", help="skip rendering preview.mp4")
    p.add_argument("--preview", choices=("full", "draft"), default="full",
                   help="preview.mp4 quality: full (540p) or draft (360p, quicker; what the panel shows)")
    p.add_argument("--dialogue", choices=("off", "keep", "isolate"),
                   help="the footage's speech on its own track (A2), whole phrases, music ducked under it; "
                        "isolate: the voice separated and checked first (default: the style's, e.g. keep for "
                        "documentary, off for hype)")
    p.add_argument("--separator-model", type=_checked(settings.parse_model), metavar="PATH",
                   help="Demucs htdemucs weights (.th file or model folder) for --dialogue isolate "
                        "(default: the user's torch cache, else ffmpeg's denoiser)")
    p.add_argument("--aspects", type=_checked(settings.parse_aspects), default=(), metavar="16:9,9:16,1:1,4:5",
                   help="one export set per aspect, the same cuts; the first in --out, the others in its sub-folders "
                        "9x16, 1x1, 4x5, each cut's crop following its subject (default: the footage's own frame)")
    p.add_argument("--size", type=_size, help="output frame size WxH of every export, e.g. 1920x1080 "
                   "(default: the displayed size most footage shares)")
    _add_scale_options(p)
    p.add_argument("--hwaccel", choices=HWACCEL_CHOICES, help="H.264 encoder of preview.mp4 and decoding of "
                   "footage analysis: auto (default, env FFMPEG_HWACCEL: hardware that passes a test, else software), "
                   "nvenc, vaapi, qsv, videotoolbox, amf, none")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="montage-ai", description="Cut footage to music; export to Resolve/Premiere.")
    parser.add_argument("--version", action="version", version=f"montage-ai {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    make = sub.add_parser("make", help="cut footage to music and write NLE files")
    make.add_argument("--music", required=True, type=Path, help="music file (WAV, MP3, M4A, FLAC...)")
    footage = make.add_argument("--footage", nargs="+", type=Path, default=[],
                                help="video files or folders (sub-folder names become tags); optional with --selects")
    make.add_argument("--selects", nargs="+", type=Path, default=[], metavar="FILE",
                      help="selects timelines (OTIO, FCP7 XML, CMX3600 EDL): each clip on them is a range to use; "
                           "marker names/colours, clip colours and track names are tags")
    make.required_unless = {footage: "--selects"}
    _add_make_options(make)
    make.add_argument("--quiet", action="store_true", help="no progress (the result and a warning summary still print)")
    make.add_argument("--json", action="store_true", help="no progress; print a JSON summary on stdout")
    make.set_defaults(func=cmd_make)

    am = sub.add_parser("analyze-music", help="tempo, beats, downbeats and sections of a music file")
    am.add_argument("file", type=Path)
    am.add_argument("--json", action="store_true", help="print JSON")
    _add_analysis_overrides(am)
    am.set_defaults(func=cmd_analyze_music)

    af = sub.add_parser("analyze-footage", help="shots, motion and quality of video files (cached)")
    af.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="video files or folders")
    af.add_argument("--json", action="store_true", help="print JSON")
    af.add_argument("--thumbnails", action="store_true", help="write each shot's thumbnail into the user cache")
    af.add_argument("--no-cache", action="store_true", help="analyse again even when a cached result exists")
    _add_scale_options(af)
    af.add_argument("--hwaccel", choices=HWACCEL_CHOICES, help="decoding: auto (default, env FFMPEG_HWACCEL: "
                    "hardware that passes a test decode, else software), nvenc (CUDA), vaapi, qsv, videotoolbox, "
                    "amf (D3D11VA), none")
    af.set_defaults(func=cmd_analyze_footage)

    demo = sub.add_parser("demo", help="generate synthetic music + footage and run make on them")
    demo.add_argument("--out", required=True, type=_checked(settings.parse_out))
    demo.add_argument("--no-preview", action="store_true")
    demo.set_defaults(func=cmd_demo)

    val = sub.add_parser("validate", help="re-read every export in DIR with independent readers; compare to report.json")
    val.add_argument("dir", type=Path)
    val.set_defaults(func=cmd_validate)

    px = sub.add_parser("proxies", help="proxy media an NLE can swap for the originals (same TC, rate, frames)")
    px.add_argument("paths", nargs="+", type=Path, help="video files or folders")
    px.add_argument("--out", required=True, type=Path, help="proxy folder (sub-folders of the footage mirrored)")
    px.add_argument("--profile", default="h264-540p", help="h264-540p (default), h264-720p, prores-proxy, dnxhr-lb")
    px.add_argument("--hwaccel", help="auto (default, env FFMPEG_HWACCEL), nvenc, vaapi, qsv, videotoolbox, amf, none")
    px.add_argument("--jobs", type=int, help="encodes at once (default 1, 2 on a hardware encoder)")
    px.add_argument("--json", action="store_true", help="print the results as JSON")
    _add_scale_options(px, "make the proxies")
    px.set_defaults(func=cmd_proxies)

    rn = sub.add_parser("render", help="render the plan in OUT_DIR to OUT_DIR/master.mp4 (full quality, loudness "
                        "normalised)")
    rn.add_argument("dir", type=Path, metavar="OUT_DIR", help="the --out folder of a make run (its report.json)")
    rn.add_argument("--codec", choices=("h264", "hevc", "prores"), default="h264",
                    help="h264 (default) or hevc in master.mp4, prores (422 HQ) in master.mov")
    rn.add_argument("--size", choices=("source", "1080p", "2160p"), default="source",
                    help="the plan's frame size (default), or scaled to a 1080- or 2160-pixel shorter side")
    rn.add_argument("--loudness", type=_loudness, default=-14.0, metavar="LUFS",
                    help="integrated loudness of the master by EBU R128 (default -14)")
    rn.add_argument("--hwaccel", choices=HWACCEL_CHOICES, help="encoder: auto (default, env FFMPEG_HWACCEL: a "
                    "hardware encoder that passes a test encode on each node, else software), a backend, or none")
    rn.add_argument("--quiet", action="store_true", help="no progress")
    rn.add_argument("--json", action="store_true", help="print master.json's content")
    _add_scale_options(rn, "render the segments")
    rn.set_defaults(func=cmd_render)

    styles = sub.add_parser("styles", help="list the editing styles and the file each comes from")
    styles.set_defaults(func=cmd_styles)

    for module in EDGE_COMMANDS:
        edge = _optional_edge(module)
        if edge is not None:
            edge.register(sub)
    return parser


def _optional_edge(module: str):
    """Import an edge module (Resolve bridge, panel) that registers its own subcommands, if installed."""
    import importlib
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as err:
        if err.name and module.startswith(err.name):
            return None
        raise


def _settings(args: argparse.Namespace) -> PlanSettings:
    return settings.plan_settings(args.style or "dynamic", duration=args.duration, music_start=args.music_start,
                                  music_end=args.music_end, fps=args.fps, seed=args.seed,
                                  beat_level=args.beat_level or "", beat_offset_ms=args.beat_offset_ms,
                                  tempo_hint=args.tempo_hint, beats_per_bar=args.beats_per_bar,
                                  beat_engine=args.beat_engine, size=args.size, dialogue=args.dialogue,
                                  separator_model=args.separator_model, phase_tags=tuple((args.phase_tags or {}).items()))


def warning_summary(warnings: list[str]) -> str:
    """One console line for ``warnings``: the warning itself when alone, else counts by kind."""
    if len(warnings) == 1:
        return f"warning: {warnings[0]} (also in report.json)"
    kinds = Counter(next((kind for phrase, kind in WARNING_KINDS.items() if phrase in w), "other") for w in warnings)
    counts = ", ".join(f"{kind}: {n}" for kind, n in kinds.most_common())
    return f"{len(warnings)} warnings ({counts}); details in report.json"


def _print_result(plan, files: Outputs, as_json: bool = False, sets: dict[str, Path] | None = None) -> None:
    """The run's summary; ``sets``: the other aspects' folders by aspect name."""
    warnings = files.report["warnings"]  # the plan's, and what its export added (voice isolation)
    seconds = plan.frames / float(plan.rate.fps)
    if as_json:
        print(json.dumps({"cuts": len(plan.cuts), "frames": plan.frames, "fps": str(plan.rate),
                          "seconds": round(seconds, 6), "style": plan.style, "outputs": [str(f) for f in files],
                          **({"aspect_sets": {k: str(v) for k, v in sets.items()}} if sets else {}),
                          "warnings": warnings}))
        return
    print(f"{len(plan.cuts)} cuts, {plan.frames} frames at {plan.rate} fps ({seconds:.2f} s), style {plan.style}")
    for f in files:
        print(f)
    for name, folder in (sets or {}).items():
        print(f"{folder}{os.sep} ({name}: the same files)")
    if warnings:
        sys.stdout.flush()  # a log that takes both streams shows the summary after the result
        print(warning_summary(warnings), file=sys.stderr)


def _llm(args: argparse.Namespace) -> str:
    """The model for the LLM director: ``--llm``, else ``llm`` in config.toml, else "" (rules)."""
    from .config import configured
    path = str(args.llm) if args.llm else configured("llm")
    if path and not Path(path).expanduser().is_file():
        raise InputError(Path(path), "LLM model file not found (--llm or llm in config.toml)")
    return str(Path(path).expanduser()) if path else ""


def _use_hwaccel(choice: str | None, encodes: bool = True) -> None:
    """Checks ``--hwaccel`` / ``$FFMPEG_HWACCEL`` before any work (a named backend must pass its test
    encode when the command ``encodes``) and hands the choice on through the environment, which the
    preview's encoder and the analysis (:func:`.video.footage.analyze_footage`) read."""
    value = os.environ["FFMPEG_HWACCEL"] = requested(choice)
    if encodes and value not in ("auto", "none"):
        select_encoder(value)


def _preview_note(report: dict) -> str | None:
    """report.json's note on the preview's encoder when it fell back from hardware that failed its test."""
    encoder = report.get("preview_encoder")
    return f"preview.mp4: {encoder['note']}" if encoder and encoder["failed"] else None


def cmd_make(args: argparse.Namespace) -> None:
    from .pipeline import make
    from .terminal import console_progress
    _use_hwaccel(args.hwaccel)
    _check_pool_settings(args)
    with console_progress(quiet=args.quiet or args.json) as progress:
        plan, files = make(args.music, args.footage, args.out, _settings(args), prompt=args.prompt,
                           style_given=args.style is not None, formats=args.formats, preview=not args.no_preview,
                           progress=progress, preview_quality=args.preview,
                           llm=_llm(args), refine_rounds=args.refine, scheduler=args.scheduler,
                           path_map=args.path_map, aspects=args.aspects, selects=args.selects,
                           pool_selects=getattr(args, "pool_selects", None))
    out = Path(args.out).expanduser().resolve()
    _print_result(plan, files, as_json=args.json, sets={a.name: out / a.folder for a in args.aspects[1:]})
    note = None if args.json else _preview_note(files.report)
    if note:
        print(note)


def cmd_styles(args: argparse.Namespace) -> None:
    styles = load_styles()
    width = max(map(len, styles))
    for name, style in sorted(styles.items()):
        print(f"{name:<{width}}  {style.description}\n{'':<{width}}  {style.source}")


def cmd_analyze_music(args: argparse.Namespace) -> None:
    from .audio.analyze import analyze_music
    from .video.discover import resolve_input
    music = analyze_music(resolve_input(args.file), tempo_hint=args.tempo_hint, beats_per_bar=args.beats_per_bar,
                          beat_engine=args.beat_engine)
    data = {"duration": music.duration, "tempo_bpm": music.tempo_bpm, "beats": music.beats,
            "downbeats": music.downbeats, "beats_per_bar": music.beats_per_bar, "overrides": music.overrides,
            "beat_engine": music.beat_engine,
            "sections": [{"start": round(float(s.start), 6), "end": round(float(s.end), 6), "phase": s.phase.value,
                          "energy": s.energy} for s in music.sections],
            "warnings": music.warnings}
    if args.json:
        print(json.dumps(data))
        return
    print(f"{music.path.name}: {music.duration:.2f} s, {music.tempo_bpm:g} BPM, {len(music.beats)} beats, "
          f"{len(music.downbeats)} bars of {music.beats_per_bar}")
    for s in data["sections"]:
        print(f"  {s['start']:8.2f} - {s['end']:8.2f}  {s['phase']:<8} energy {s['energy']:.2f}")
    for w in music.warnings:
        print(f"warning: {w}", file=sys.stderr)


def cmd_analyze_footage(args: argparse.Namespace) -> None:
    from .cluster import executor_for
    from .terminal import console_progress
    from .video.discover import discover_footage
    from .video.footage import analyze_footage, result_json
    _use_hwaccel(args.hwaccel, encodes=False)
    _check_pool_settings(args)
    skipped: list[str] = []
    files = discover_footage(args.paths, skipped)
    with console_progress(quiet=args.json and not sys.stderr.isatty()) as progress, \
            executor_for(args.scheduler) as executor:  # JSON alone on stdout
        results = analyze_footage(files, (lambda f: progress("analyze_footage", f)) if progress else None,
                                  executor=executor, use_cache=not args.no_cache,
                                  path_map=args.path_map)
    if all(r.clip is None for r in results):
        raise InputError(None, results[0].warnings[0])
    data = [result_json(r, args.thumbnails) for r in results]
    for w in [*skipped, *(w for r in results for w in r.warnings)]:
        print(f"warning: {w}", file=sys.stderr)
    if args.json:
        print(json.dumps({"clips": data}, ensure_ascii=False))
        return
    for clip in data:
        if clip.get("skipped"):
            print(f"{clip['path']}: skipped")
            continue
        print(f"{clip['path']}: {clip['duration']:.2f} s at {clip['fps']} fps, {len(clip['shots'])} shots")
        for shot in clip["shots"]:
            sc = shot["scores"]
            print(f"  {shot['start']:8.2f} - {shot['end']:8.2f}  motion {sc['motion']:.2f}  quality {sc['quality']:.2f}"
                  f"  sharp {sc['sharpness']:.2f}  exposure {sc['exposure']:.2f}")


def cmd_demo(args: argparse.Namespace) -> None:
    from .demo_media import synth_footage, synth_song
    from .output import output_folder
    from .pipeline import make
    from .terminal import console_progress
    with output_folder(args.out) as out:
        media = out.resolve() / "media"
        made = not media.exists()
        try:
            media.mkdir(parents=True, exist_ok=True)
            song = synth_song(media / "demo_song.wav")
            footage = synth_footage(media / "footage")
            print(f"demo media in {media} ({len(footage)} clips, song {song.duration:.1f} s at 124 BPM)")
            with console_progress() as progress:
                plan, files = make(song.path, footage, out, PlanSettings(), preview=not args.no_preview,
                                   progress=progress)
        except BaseException:  # interrupted or failed: the media this run made goes too ("nothing written")
            if made:
                shutil.rmtree(media, ignore_errors=True)
            raise
    _print_result(plan, files)


def cmd_proxies(args: argparse.Namespace) -> int:
    from .proxies import make_proxies
    if args.jobs is not None and args.jobs < 1:
        raise InputError(None, f"--jobs {args.jobs}: must be 1 or more")
    from .terminal import console_progress
    from .cluster import executor_for
    with console_progress(quiet=args.json) as progress, executor_for(args.scheduler) as executor:
        batch = make_proxies(args.paths, args.out, args.profile, args.hwaccel, args.jobs, progress=progress,
                             executor=executor, mapping=args.path_map)
    results = batch.results
    if args.json:
        print(json.dumps({"encoder": batch.selection.encoder.codec, "note": batch.selection.note,
                          "manifest": str(batch.manifest), "proxies": [
                              {"source": str(r.source), "proxy": str(r.proxy) if r.proxy else None,
                               "status": r.status, "reason": r.reason, "seconds": round(r.seconds, 3),
                               **({"node": r.node, "encoder": r.encoder} if r.node else {})}
                              for r in results]}))
    else:
        print(f"encoder: {batch.selection.note}", file=sys.stderr)
        for r in results:
            print(f"{r.status:8} {r.source} -> {r.proxy}" if r.proxy else f"{r.status:8} {r.source}: {r.reason}")
    if all(r.status == "failed" for r in results):
        raise InputError(results[0].source, f"no proxy made ({results[0].reason})")
    return 0


def _loudness(text: str) -> float:
    from .render.loudness import check_target
    try:
        return check_target(float(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a loudness in LUFS: {text!r}") from None
    except InputError as err:
        raise argparse.ArgumentTypeError(err.problem.removeprefix("--loudness ")) from None


def cmd_render(args: argparse.Namespace) -> None:
    from .render.master import render_master
    from .terminal import console_progress
    _use_hwaccel(args.hwaccel, encodes=False)  # each node tests its encoder itself (the cluster's may have GPUs)
    with console_progress(quiet=args.quiet or args.json) as progress:
        master = render_master(args.dir, args.codec, args.size, args.loudness, args.scheduler, args.path_map,
                               args.hwaccel, progress=progress)
    r = master.report
    if args.json:
        print(json.dumps(r))
        return
    nodes = sorted({(t["node"], t["encoder"]) for t in r["tasks"]})
    print(f"{r['frames']} frames at {r['fps']} fps, {r['width']}x{r['height']} {r['codec']}, "
          f"{r['loudness']['output']:.1f} LUFS (target {r['loudness']['target']:g}), {len(r['tasks'])} segments on "
          f"{', '.join(f'{n} ({e})' for n, e in nodes)}")
    print(master.path)


def cmd_validate(args: argparse.Namespace) -> int:
    from .validate import format_table, validate
    checks = validate(args.dir)
    if not checks:
        raise InputError(args.dir, "no exports to validate (montage.otio/.edl/.xml/.csv/.mlt/.kdenlive/.aaf)")
    print(format_table(checks))
    return 0 if all(c.ok for c in checks) else 1




def _what_was_written(args: argparse.Namespace) -> str:
    """The end of the "interrupted" line: whether the output folder holds the new set or the old one."""
    from .output import committed, previous_set
    out = getattr(args, "out", None)
    if out is None or args.command == "proxies":
        return "; nothing written"
    return f"; new set written to {shown(out)}" if committed(out) else f"; nothing written, {previous_set(out)}"


def _say(problem: str) -> None:
    """The one line on stderr that ends a failed command (a newline inside it, e.g. from a name, escaped)."""
    print(f"montage-ai: {problem}".replace("\r", "\\r").replace("\n", "\\n"), file=sys.stderr)


def _os_problem(err: OSError) -> str:
    """One line for an environment failure (disk full, permissions, a missing temporary folder)."""
    where, tmp = err.filename, tempfile.gettempdir()
    if (where is None and "temporary" in str(err)) or (where is not None and Path(where).parent == Path(tmp)):
        where = f"$TMPDIR ({tmp})"
    problem = err.strerror or str(err)
    return problem if where is None else f"{where}: {problem}"


def _quiet_stdout(stream=None) -> None:
    """The reader of our stdout went away (``| head``): drop what is left instead of failing at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, (stream or sys.stdout).fileno())
    os.close(devnull)


class _ReaderMayLeave:
    """stdout for a run: when its reader stops reading (``make … | head``), the run goes on to the end and
    what it prints later is dropped, instead of the run dying half-way on a broken pipe."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            _quiet_stdout(self._stream)
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            _quiet_stdout(self._stream)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def main(argv: list[str] | None = None) -> int:
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="surrogateescape")  # file names that are not UTF-8 print as their bytes
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # bare ``montage-ai``: what it does and its commands
        parser.print_help()
        return 0
    previous = signals.install(on_stop=lambda: ffmpeg_cmd.stop_all(refuse_new=True))
    stdout, sys.stdout = sys.stdout, _ReaderMayLeave(sys.stdout)
    interrupted = False
    try:
        code = args.func(args)
        sys.stdout.flush()
    except InputError as err:
        _say(str(err))
        return EXIT_BAD_INPUT
    except Interrupted as err:
        print(f"montage-ai: interrupted ({err.name}){_what_was_written(args)}", file=sys.stderr)
        interrupted = True
        return 128 + err.signum
    except KeyboardInterrupt:
        print("montage-ai: interrupted", file=sys.stderr)
        interrupted = True
        return 130
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    except OSError as err:  # the environment, not the input: disk full, permissions, $TMPDIR
        _say(_os_problem(err))
        return EXIT_BAD_INPUT
    except Exception as err:  # a bug, not bad input: one line, details on request
        if os.environ.get("MONTAGE_AI_DEBUG"):
            traceback.print_exc()
        _say(f"internal error: {type(err).__name__}: {err} (set MONTAGE_AI_DEBUG=1 for details)")
        return 1
    finally:
        sys.stdout = stdout
        ffmpeg_cmd.stop_all()
        # after a stop, or at the end of the command itself, a late signal must not change how it ended
        signals.restore(previous, ignore=interrupted or argv is None)
    return code or 0


if __name__ == "__main__":
    sys.exit(main())
