"""The ``montage-ai`` commands: each turns its options into calls of :mod:`montage_ai.api` and prints the
result (progress on the console through :mod:`montage_ai.terminal`)."""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

from .. import api
from ..terminal import console_progress


def warning_summary(warnings: list[str]) -> str:
    """One console line for ``warnings``: the warning itself when alone, else counts by kind."""
    if len(warnings) == 1:
        return f"warning: {warnings[0]} (also in report.json)"
    kinds = Counter(api.WARNING_KINDS[api.warning_kind(w)] for w in warnings)
    counts = ", ".join(f"{kind}: {n}" for kind, n in kinds.most_common())
    return f"{len(warnings)} warnings ({counts}); details in report.json"


def _print_result(plan: api.Plan, files, as_json: bool = False, sets: dict[str, Path] | None = None) -> None:
    """The run's summary; ``sets``: the other aspects' folders by aspect name."""
    warnings = files.warnings  # the run's, and what its export added (voice isolation)
    seconds = plan.frames / float(plan.rate.fps)
    if as_json:
        print(json.dumps({"cuts": len(plan.cuts), "frames": plan.frames, "fps": str(plan.rate),
                          "seconds": round(seconds, 6), "style": plan.style, "outputs": [str(f) for f in files],
                          **({"aspect_sets": {k: str(v) for k, v in sets.items()}} if sets else {}),
                          "warnings": files.report["warnings"]}))
        return
    print(f"{len(plan.cuts)} cuts, {plan.frames} frames at {plan.rate} fps ({seconds:.2f} s), style {plan.style}")
    for f in files:
        print(f)
    for name, folder in (sets or {}).items():
        print(f"{folder}{os.sep} ({name}: the same files)")
    if warnings:
        sys.stdout.flush()  # a log that takes both streams shows the summary after the result
        print(warning_summary(warnings), file=sys.stderr)


def _preview_note(report: dict) -> str | None:
    """report.json's note on the preview's encoder when it fell back from hardware that failed its test."""
    encoder = report.get("preview_encoder")
    return f"preview.mp4: {encoder['note']}" if encoder and encoder["failed"] else None


def make_job(args: argparse.Namespace) -> api.Job:
    """``make``'s options (also ``resolve make``'s, with its media pool's ``pool_selects``) as the api's job."""
    return api.job(music=args.music, footage=args.footage, selects=args.selects, out=args.out, style=args.style,
                   prompt=args.prompt, duration=args.duration, music_start=args.music_start, music_end=args.music_end,
                   fps=args.fps, seed=args.seed, beat_level=args.beat_level, beat_offset_ms=args.beat_offset_ms,
                   tempo_hint=args.tempo_hint, beats_per_bar=args.beats_per_bar, beat_engine=args.beat_engine,
                   size=args.size, dialogue=args.dialogue, separator_model=args.separator_model,
                   phase_tags=args.phase_tags, llm=args.llm, refine=args.refine, formats=args.formats,
                   aspects=args.aspects, preview=not args.no_preview, preview_quality=args.preview,
                   scheduler=args.scheduler, path_map=args.path_map, hwaccel=args.hwaccel,
                   pool_selects=getattr(args, "pool_selects", None))


def cmd_make(args: argparse.Namespace) -> None:
    job = make_job(args)
    with console_progress(quiet=args.quiet or args.json) as progress:
        plan, files = api.make(job, progress)
    out = Path(args.out).expanduser().resolve()
    _print_result(plan, files, as_json=args.json, sets={a.name: out / a.folder for a in job.aspects[1:]})
    note = None if args.json else _preview_note(files.report)
    if note:
        print(note)


def cmd_styles(args: argparse.Namespace) -> None:
    styles = api.styles()
    width = max(len(s.name) for s in styles)
    for style in styles:
        print(f"{style.name:<{width}}  {style.description}\n{'':<{width}}  {style.source}")


def cmd_analyze_music(args: argparse.Namespace) -> None:
    music = api.analyze_music(args.file, args.tempo_hint, args.beats_per_bar, args.beat_engine)
    data = api.to_json(music)
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
    api.use_hwaccel(args.hwaccel, encodes=False)
    api.check_pool_settings(args.path_map)
    with console_progress(quiet=args.json and not sys.stderr.isatty()) as progress:  # JSON alone on stdout
        results, skipped = api.analyze_footage(args.paths, progress, not args.no_cache, args.scheduler, args.path_map)
    data = [api.to_json(r, thumbnails=args.thumbnails) for r in results]
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
    plan, files = api.demo(args.out, preview=not args.no_preview, progress=console_progress, said=print)
    _print_result(plan, files)


def cmd_proxies(args: argparse.Namespace) -> int:
    with console_progress(quiet=args.json) as progress:
        batch = api.proxies(args.paths, args.out, args.profile, args.hwaccel, args.jobs, progress,
                            scheduler=args.scheduler, path_map=args.path_map)
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
        raise api.InputError(results[0].source, f"no proxy made ({results[0].reason})")
    return 0


def cmd_render(args: argparse.Namespace) -> None:
    api.use_hwaccel(args.hwaccel, encodes=False)  # each node tests its encoder itself (the cluster's may have GPUs)
    with console_progress(quiet=args.quiet or args.json) as progress:
        master = api.render(args.dir, args.codec, args.size, args.loudness, args.scheduler, args.path_map,
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
    checks = api.validate(args.dir)
    if not checks:
        raise api.InputError(args.dir, f"no exports to validate ({', '.join(api.formats().values())})")
    print(api.validation_table(checks))
    return 0 if all(c.ok for c in checks) else 1
