"""``montage-ai resolve ...``: install the Scripts-menu launcher, check the setup, push a montage."""
from __future__ import annotations

import argparse
from pathlib import Path

import opentimelineio as otio

from montage_ai.errors import InputError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``resolve`` subcommand (handlers raise :class:`InputError` for user errors)."""
    resolve = subparsers.add_parser("resolve", help="DaVinci Resolve: Scripts-menu entry, setup check, push")
    sub = resolve.add_subparsers(dest="resolve_command", required=True)
    for name, func, text in (("install", cmd_install, "add Montage AI to Workspace > Scripts > Utility"),
                             ("uninstall", cmd_uninstall, "remove it from the Scripts menu")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--system", action="store_true", help="for all users (needs administrator rights)")
        p.set_defaults(func=func)
    sub.add_parser("status", help="what Resolve will see: launcher, its Python, scripting module, edition") \
        .set_defaults(func=cmd_status)
    link = sub.add_parser("link-proxies", help="link the proxies of `montage-ai proxies` to the pool's clips")
    link.add_argument("proxies", type=Path, help="the proxy folder (or its proxies.json)")
    link.add_argument("--unlink", action="store_true", help="unlink them instead")
    link.set_defaults(func=cmd_link_proxies)
    from montage_ai.cli import _add_make_options
    make = sub.add_parser("make", help="cut a media pool bin's clips to music: their In/Out marks and ranged "
                          "markers are the ranges to use, markers, flags, colours, keywords and bins are tags")
    make.add_argument("--music", required=True, type=Path, help="music file (WAV, MP3, M4A, FLAC...)")
    make.add_argument("--bin", help="media pool bin, a name or a path like Footage/Day 1 (default: the current bin)")
    _add_make_options(make)
    make.add_argument("--quiet", action="store_true", help="no progress (the result and a warning summary still print)")
    make.add_argument("--json", action="store_true", help="no progress; print a JSON summary on stdout")
    make.set_defaults(func=cmd_make)
    push = sub.add_parser("push", help="create a timeline in the open Resolve project")
    record = sub.add_parser("record", help="push while recording every call to Resolve and its answer (JSON)")
    record.add_argument("transcript", type=Path, help="the JSON transcript to write")
    for p, func in ((push, cmd_push), (record, cmd_record)):
        source = p.add_mutually_exclusive_group(required=True)
        source.add_argument("otio", nargs="?", type=Path, help="montage.otio written by `montage-ai make`")
        source.add_argument("--plan", type=Path, help="report.json written by `montage-ai make`")
        p.add_argument("--name", help="timeline name (default: the montage's; made unique)")
        p.add_argument("--route", choices=("append", "import"), default="append",
                       help="append: clip by clip, verified (default); import: OTIO import first, verified, "
                            "else clip by clip")
        p.set_defaults(func=func)


def cmd_install(args: argparse.Namespace) -> None:
    from .install import install
    for path in install(args.system):
        print(f"installed {path}; restart Resolve, then open Workspace > Scripts > Utility > Montage AI")


def cmd_uninstall(args: argparse.Namespace) -> None:
    from .install import uninstall
    removed = uninstall(args.system)
    print("\n".join(f"removed {p}" for p in removed) if removed else "the launcher was not installed")


def cmd_status(args: argparse.Namespace) -> None:
    from .install import status
    print("\n".join(status()))


def load_timeline(otio_path: Path | None, plan_path: Path | None) -> otio.schema.Timeline:
    """The montage as an OTIO timeline, from ``montage.otio`` or rebuilt from ``report.json``."""
    if plan_path is not None:
        from montage_ai.export.otio_export import build_timeline
        from montage_ai.export.report import read_report
        return build_timeline(read_report(plan_path))
    if not otio_path.is_file():
        raise InputError(otio_path, "file not found")
    try:
        timeline = otio.adapters.read_from_file(str(otio_path))
    except Exception as err:  # OTIO raises many types for unreadable input
        raise InputError(otio_path, f"not a readable OTIO file ({type(err).__name__}: {err})") from None
    if not isinstance(timeline, otio.schema.Timeline):
        raise InputError(otio_path, "holds no single OTIO timeline")
    return timeline


def cmd_push(args: argparse.Namespace, resolve: object = None) -> None:
    from .connect import connect
    from .writer import ROUTE_IMPORT, push_timeline
    timeline = load_timeline(args.otio, args.plan)
    result = push_timeline(connect(resolve), timeline, name=args.name, route=args.route)
    how = "imported from OTIO" if result.route == ROUTE_IMPORT else "built clip by clip"
    print(f"timeline {result.name!r}: {result.clips} clips, {result.markers} markers ({how})")
    for path in result.imported_media:
        print(f"imported into the media pool: {path}")
    for note in result.notes:
        print(f"note: {note}")
    if result.short:
        print(f"{len(result.short)} of {result.clips} clips one frame short (no whole number of their media's "
              "frames fills them at this timeline's rate; the next clip still starts on its frame):")
        for cut in result.short:
            print(f"  {cut}")


def cmd_make(args: argparse.Namespace, resolve: object = None) -> None:
    """``make`` over the clips of a media pool bin and the editor's logging on them."""
    from montage_ai.cli import cmd_make as make

    from .connect import connect
    from .media_pool import read_folder
    contents = read_folder(connect(resolve).media_pool, args.bin)
    if not contents.clips:
        raise InputError(None, f"no usable video clip in the media pool bin ({len(contents.skipped)} skipped)")
    args.footage, args.selects, args.pool_selects = [], [], contents.selects
    make(args)


def cmd_link_proxies(args: argparse.Namespace, resolve: object = None) -> int:
    """Link (or unlink) proxies; every refusal is named; exit 2 when none could be linked."""
    from montage_ai.proxies import read_manifest

    from .connect import connect
    from .proxies import link_proxies, unlink_proxies
    proxies = read_manifest(args.proxies)
    pool = connect(resolve).media_pool
    report = (unlink_proxies if args.unlink else link_proxies)(pool, proxies)
    verb = "unlinked" if args.unlink else "linked"
    for name, proxy in report.done:
        print(f"{verb}  {name}" + (f" -> {proxy}" if proxy else ""))
    for name, why in report.refused:
        print(f"refused {name}: {why}")
    if report.not_in_pool:
        print(f"{len(report.not_in_pool)} original(s) not in the media pool (import them first): "
              + ", ".join(Path(p).name for p in report.not_in_pool))
    if report.refused and not report.done:
        raise InputError(args.proxies, f"Resolve {verb} no proxy ({len(report.refused)} refused)")
    return 0


def cmd_record(args: argparse.Namespace) -> None:
    """``push`` with every call to Resolve and its answer written to ``args.transcript`` (also on failure)."""
    from .connect import NOT_REACHABLE, load_script_module
    from .record import Recorder, save
    if not args.transcript.parent.is_dir():
        raise InputError(args.transcript, "the folder for the transcript does not exist")
    app = load_script_module().scriptapp("Resolve")
    if app is None:
        raise InputError(None, NOT_REACHABLE)
    calls: list = []
    try:
        cmd_push(args, resolve=Recorder(app, calls, []))
    finally:
        try:
            save(calls, args.transcript)
        except OSError as err:
            raise InputError(args.transcript, f"cannot write the transcript ({err.strerror or err})") from None
        print(f"recorded {len(calls)} calls to {args.transcript}")
