"""The ``montage-ai`` options: argparse with one-line errors; every value checked by :data:`.api.PARSERS`
(the api's :func:`~montage_ai.api.job` checks the same way), every list of choices from the api."""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Callable

from .. import __version__, api

EXIT_BAD_INPUT = 2
#: Edge packages that add their own subcommands (``register(subparsers)``) when installed.
EDGE_COMMANDS = ("montage_ai.plugin.resolve.commands", "montage_ai.plugin.panel.commands")


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


def checked(option: str) -> Callable[[str], object]:
    """An argparse ``type`` from the api's parser of ``option``: its ValueError text becomes the error line."""
    parse = api.PARSERS[option]

    def convert(text: str) -> object:
        try:
            return parse(text)
        except ValueError as err:
            raise argparse.ArgumentTypeError(str(err)) from None
    convert.__name__ = parse.__name__
    return convert


def _add_analysis_overrides(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tempo-hint", type=checked("tempo_hint"), metavar="BPM",
                   help="the song's tempo as you count it: beats are tracked near it (also where none is found)")
    p.add_argument("--beats-per-bar", type=checked("beats_per_bar"), metavar="N",
                   help="beats in a bar (e.g. 3 for a waltz, 2 for 6/8 counted in two): bar starts every N beats")
    p.add_argument("--beat-engine", type=checked("beat_engine"), default=api.DEFAULT_BEAT_ENGINE,
                   help=f"beat tracker: {', '.join(api.BEAT_ENGINES)} (learned: a small neural network with a "
                        f"tempo and bar decoder; dsp: onset signal processing; hybrid: the dsp beats checked by the "
                        f"network, the network's bars; default {api.DEFAULT_BEAT_ENGINE})")


def _add_scale_options(p: argparse.ArgumentParser, what: str = "analyse footage") -> None:
    p.add_argument("--scheduler", type=checked("scheduler"), metavar="tcp://HOST:PORT|local:N",
                   help=f"{what} on a Dask cluster, or on N local Dask workers (env MONTAGE_AI_SCHEDULER; "
                   "default: this machine's process pool)")
    p.add_argument("--path-map", type=checked("path_map"), metavar="EDITOR=WORKER[;...]",
                   help="folders as the workers see them, e.g. /Volumes/Rushes=/mnt/nfs-montage/input "
                   "(env MONTAGE_AI_PATH_MAP)")


def _add_make_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, type=checked("out"),
                   help="output folder (created; files replaced atomically)")
    p.add_argument("--style", type=checked("style"), help="pacing style, see `montage-ai styles` (default: chosen "
                   "from --prompt, else dynamic)")
    p.add_argument("--duration", type=checked("duration"), help="target length in seconds; 0 = to the end (env TARGET_DURATION)")
    p.add_argument("--music-start", type=checked("music_start"), help="music time (s) where the montage starts (env MUSIC_START)")
    p.add_argument("--music-end", type=checked("music_end"), help="music time (s) where it must end; 0 = end (env MUSIC_END)")
    p.add_argument("--fps", type=checked("fps"), help="timeline rate, e.g. 24000/1001, 25, 29.97 (default: footage's)")
    p.add_argument("--prompt", help="what the editor wants, in words: style, pace per part, clips and tags to "
                   "favour/avoid, what to open and end on")
    p.add_argument("--phase-tags", type=checked("phase_tags"), metavar="PHASE=TAG[+TAG],...",
                   help="material each phase takes first, e.g. INTRO=establishing,CLIMAX=action,OUTRO=faces "
                        "(tags from --selects, footage sub-folders or Resolve; clip names work too)")
    p.add_argument("--llm", type=Path, metavar="MODEL.gguf",
                   help="local GGUF model that reads --prompt (needs the [llm] extra; default: llm in config.toml, "
                        "else the rule director)")
    p.add_argument("--refine", type=checked("refine"), default=api.DEFAULT_REFINE_ROUNDS, metavar="N",
                   help=f"refine rounds: evaluate, let the director propose a change, keep it if better "
                        f"(default {api.DEFAULT_REFINE_ROUNDS}; 0 = off)")
    p.add_argument("--seed", type=checked("seed"), default=0, help="varies clip order between runs (default 0)")
    p.add_argument("--beat-level", choices=api.BEAT_LEVELS,
                   help="cut on every other beat (half), every beat, or every eighth note (double); default: the style's")
    p.add_argument("--beat-offset-ms", type=checked("beat_offset_ms"), default=0.0,
                   help="shift every cut later (positive) or earlier (negative), in milliseconds")
    _add_analysis_overrides(p)
    names = ",".join(api.formats())
    p.add_argument("--formats", type=checked("formats"), default=api.DEFAULT_FORMATS,
                   help=f"comma-separated exports of {names} (default: {','.join(api.DEFAULT_FORMATS)})")
    p.add_argument("--no-preview", action="store_true", help="skip rendering preview.mp4")
    p.add_argument("--preview", choices=api.PREVIEW_QUALITIES, default="full",
                   help="preview.mp4 quality: full (540p) or draft (360p, quicker; what the panel shows)")
    p.add_argument("--dialogue", choices=api.DIALOGUE_MODES,
                   help="the footage's speech on its own track (A2), whole phrases, music ducked under it; "
                        "isolate: the voice separated and checked first (default: the style's, e.g. keep for "
                        "documentary, off for hype)")
    p.add_argument("--separator-model", type=checked("separator_model"), metavar="PATH",
                   help="Demucs htdemucs weights (.th file or model folder) for --dialogue isolate "
                        "(default: the user's torch cache, else ffmpeg's denoiser)")
    p.add_argument("--aspects", type=checked("aspects"), default=(), metavar="16:9,9:16,1:1,4:5",
                   help="one export set per aspect, the same cuts; the first in --out, the others in its sub-folders "
                        "9x16, 1x1, 4x5, each cut's crop following its subject (default: the footage's own frame)")
    p.add_argument("--size", type=checked("size"), help="output frame size WxH of every export, e.g. 1920x1080 "
                   "(default: the displayed size most footage shares)")
    _add_scale_options(p)
    p.add_argument("--hwaccel", choices=api.HWACCEL_CHOICES, help="H.264 encoder of preview.mp4 and decoding of "
                   "footage analysis: auto (default, env FFMPEG_HWACCEL: hardware that passes a test, else software), "
                   "nvenc, vaapi, qsv, videotoolbox, amf, none")


def build_parser() -> argparse.ArgumentParser:
    from . import commands as run
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
    make.set_defaults(func=run.cmd_make)

    am = sub.add_parser("analyze-music", help="tempo, beats, downbeats and sections of a music file")
    am.add_argument("file", type=Path)
    am.add_argument("--json", action="store_true", help="print JSON")
    _add_analysis_overrides(am)
    am.set_defaults(func=run.cmd_analyze_music)

    af = sub.add_parser("analyze-footage", help="shots, motion and quality of video files (cached)")
    af.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="video files or folders")
    af.add_argument("--json", action="store_true", help="print JSON")
    af.add_argument("--thumbnails", action="store_true", help="write each shot's thumbnail into the user cache")
    af.add_argument("--no-cache", action="store_true", help="analyse again even when a cached result exists")
    _add_scale_options(af)
    af.add_argument("--hwaccel", choices=api.HWACCEL_CHOICES, help="decoding: auto (default, env FFMPEG_HWACCEL: "
                    "hardware that passes a test decode, else software), nvenc (CUDA), vaapi, qsv, videotoolbox, "
                    "amf (D3D11VA), none")
    af.set_defaults(func=run.cmd_analyze_footage)

    demo = sub.add_parser("demo", help="generate synthetic music + footage and run make on them")
    demo.add_argument("--out", required=True, type=checked("out"))
    demo.add_argument("--no-preview", action="store_true")
    demo.set_defaults(func=run.cmd_demo)

    val = sub.add_parser("validate", help="re-read every export in DIR with independent readers; compare to report.json")
    val.add_argument("dir", type=Path)
    val.set_defaults(func=run.cmd_validate)

    px = sub.add_parser("proxies", help="proxy media an NLE can swap for the originals (same TC, rate, frames)")
    px.add_argument("paths", nargs="+", type=Path, help="video files or folders")
    px.add_argument("--out", required=True, type=Path, help="proxy folder (sub-folders of the footage mirrored)")
    px.add_argument("--profile", help="h264-540p (default), h264-720p, prores-proxy, dnxhr-lb")
    px.add_argument("--hwaccel", help="auto (default, env FFMPEG_HWACCEL), nvenc, vaapi, qsv, videotoolbox, amf, none")
    px.add_argument("--jobs", type=int, help="encodes at once (default 1, 2 on a hardware encoder)")
    px.add_argument("--json", action="store_true", help="print the results as JSON")
    _add_scale_options(px, "make the proxies")
    px.set_defaults(func=run.cmd_proxies)

    rn = sub.add_parser("render", help="render the plan in OUT_DIR to OUT_DIR/master.mp4 (full quality, loudness "
                        "normalised)")
    rn.add_argument("dir", type=Path, metavar="OUT_DIR", help="the --out folder of a make run (its report.json)")
    rn.add_argument("--codec", choices=api.RENDER_CODECS, default="h264",
                    help="h264 (default) or hevc in master.mp4, prores (422 HQ) in master.mov")
    rn.add_argument("--size", choices=api.RENDER_SIZES, default="source",
                    help="the plan's frame size (default), or scaled to a 1080- or 2160-pixel shorter side")
    rn.add_argument("--loudness", type=checked("loudness"), default=api.DEFAULT_LOUDNESS, metavar="LUFS",
                    help=f"integrated loudness of the master by EBU R128 (default {api.DEFAULT_LOUDNESS:g})")
    rn.add_argument("--hwaccel", choices=api.HWACCEL_CHOICES, help="encoder: auto (default, env FFMPEG_HWACCEL: a "
                    "hardware encoder that passes a test encode on each node, else software), a backend, or none")
    rn.add_argument("--quiet", action="store_true", help="no progress")
    rn.add_argument("--json", action="store_true", help="print master.json's content")
    _add_scale_options(rn, "render the segments")
    rn.set_defaults(func=run.cmd_render)

    styles = sub.add_parser("styles", help="list the editing styles and the file each comes from")
    styles.set_defaults(func=run.cmd_styles)

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
