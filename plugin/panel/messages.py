"""What the panel says, as text and HTML (no Qt): a footage row and its tooltip, the analysis and plan
summaries, the proxies and Resolve link reports, and the status lines after Export and Render."""
from __future__ import annotations

from pathlib import Path


def clip_row(clip) -> tuple[str, str]:
    """The footage list's row for ``clip`` (name, rate, length, size, timecode, warnings, shots) and its
    tooltip (one line per shot)."""
    notes = [f"{clip.rate} fps", f"{clip.duration:.1f} s", f"{clip.width}x{clip.height}"]
    if clip.start_frame:
        notes.append("TC " + clip.rate.timecode(clip.start_frame, clip.drop_frame))
    if clip.variable_rate:
        notes.append("⚠ variable frame rate")
    notes.append(f"{len(clip.shots)} shot{'s' if len(clip.shots) != 1 else ''}")
    return (f"{clip.name}   ({', '.join(notes)})",
            "\n".join(_shot_line(clip, i, shot) for i, shot in enumerate(clip.shots)))


def _shot_line(clip, index: int, shot) -> str:
    """One shot of the footage list's tooltip: its time range and scores."""
    start, end = (float(clip.rate.seconds(f)) for f in (shot.start, shot.end))
    flags = [name for name, bad in (("black", shot.black > 0.5), ("frozen", shot.frozen > 0.5),
                                    (f"{shot.flashes} flash frames", shot.flashes)) if bad]
    return (f"shot {index + 1}: {start:.2f}-{end:.2f} s  motion {shot.motion:.2f}  quality {shot.quality:.2f}  "
            f"sharp {shot.sharpness:.2f}  exposure {shot.exposure:.2f}" + (f"  ({', '.join(flags)})" if flags else ""))


def analysis_summary(inputs) -> str:
    """The song (length, tempo, beats, bars), the number of clips and every warning of the analysis."""
    music = inputs.music
    warnings = [*music.warnings, *inputs.warnings]
    warn = f"  ⚠ {'; '.join(warnings)}" if warnings else ""
    return (f"<b>{music.path.name}</b>: {music.duration:.1f} s, {music.tempo_bpm:g} BPM, "
            f"{len(music.beats)} beats, {len(music.downbeats)} bars of {music.beats_per_bar}, "
            f"{len(inputs.clips)} clips.{warn}")


def plan_summary(plan, details: dict, warnings: list[str]) -> str:
    """Cuts, style, length, phases, the largest beat error, the director, the refine rounds, the warnings."""
    fps = float(plan.rate.fps)
    early_ms = max(((c.beat_time - plan.music_start_time - c.record_start / fps) * 1000
                    for c in plan.cuts if c.on_beat), default=0.0)
    phases = ", ".join(f"{p}: {n}" for p, n in _count_phases(plan).items())
    return (f"<b>{len(plan.cuts)} cuts</b>, style <b>{plan.style}</b>, {plan.frames} frames at {plan.rate} fps "
            f"({plan.frames / fps:.2f} s).<br>Phases — {phases}. Each cut starts on the frame holding its beat: "
            f"largest beat error {early_ms:.1f} ms early (one frame = {1000 / fps:.1f} ms)."
            + f"<br>Director: {details['director']['director']}. {_refine_line(details)}"
            + (f"<br>⚠ {'<br>⚠ '.join(warnings)}" if warnings else ""))


def isolation_failed(count: int) -> str:
    """The status line (red) when voice isolation fell back to the original sound for ``count`` clips."""
    return (f"<b style='color:#c0392b'>⚠ Voice isolation failed for {count} clip(s): their "
            "original audio is on the dialogue track (see the warnings).</b>")


def _count_phases(plan) -> dict[str, int]:
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


def exported(folder: str | Path, files: list) -> str:
    return f"Exported {len(files)} files to {folder} (Premiere: File ▸ Import montage.xml)."


def rendered(master) -> str:
    r = master.report
    return (f"Rendered {master.path} ({r['frames']} frames, {r['width']}x{r['height']}, "
            f"{r['loudness']['output']:.1f} LUFS).")


def proxies_lines(batch, links) -> list[str]:
    """How many proxies are ready (kept from before), the encoder and folder, each failure (``✗ name:
    reason``), then Resolve's links (``links``: None outside Resolve)."""
    made = [r for r in batch.results if r.proxy is not None]
    lines = [f"{len(made)} of {len(batch.results)} proxies ready ({sum(r.status == 'skipped' for r in made)} "
             f"kept from before)", f"encoder: {batch.selection.note}; folder: {batch.manifest.parent}"]
    lines += [f"✗ {r.source.name}: {r.reason}" for r in batch.results if r.status == "failed"]
    return lines + (link_lines("linked", links) if links is not None else [])


def link_lines(done: str, report) -> list[str]:
    """Resolve's answers per clip name: ``done`` ones, then every refusal (``✗ name: reason``)."""
    return [f"Resolve: {len(report.done)} {done}, {len(report.refused)} refused, "
            f"{len(report.not_in_pool)} not in the media pool",
            *(f"✗ {name}: {why}" for name, why in report.refused)]


def report_status(lines: list[str]) -> tuple[str, str]:
    """A proxies report as the status line (without failures and the encoder) and the red line naming up to
    three refusals ("" when none)."""
    status = ". ".join(line for line in lines if not line.startswith(("✗", "encoder:")))
    refusals = [line for line in lines[1:] if line.startswith("✗")]
    error = (f"{len(refusals)} clip(s) refused: " + "; ".join(r[2:] for r in refusals[:3])) if refusals else ""
    return status, error


def pushed(result) -> str:
    """The status line after a push: the timeline, its clips and markers, the route, notes, short clips."""
    notes = f" ({'; '.join(result.notes)})" if result.notes else ""
    short = (f" {len(result.short)} clips one frame short (whole frames cannot fill them): "
             f"{'; '.join(map(str, result.short))}." if result.short else "")
    return (f"Created timeline “{result.name}” in Resolve: {result.clips} clips, "
            f"{result.markers} markers, via {result.route}.{notes}{short}")


def pool_loaded(contents) -> str:
    skipped = "; ".join(f"{n}: {why}" for n, why in contents.skipped[:5])
    return f"{len(contents.clips)} clips from the media pool" + (f" (skipped {skipped})" if skipped else "")
