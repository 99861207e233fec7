"""Footage analysis: shots, motion and quality of each file, cached, over a batch of files in parallel.

One file: probe, one decode pass at analysis size feeding every measure (:mod:`.change`,
:mod:`.motion`, :mod:`.quality`, :mod:`.structure`), shot boundaries (:mod:`.shots`), per-shot scores
(:mod:`.scores`); a long long-GOP file is scanned at its key frames first and decoded whole only where a
boundary may be (:mod:`.sparse`).
A batch looks each file up in the cache (:mod:`.cache`) and analyses only the rest, on the task
executor (:mod:`montage_ai.tasks`). A file that cannot be analysed is skipped with a warning.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from .. import tasks
from ..cluster import Failed, PathMap, run_mapped, worker_paths
from ..decoders import retest as retest_decoder
from ..decoders import select_decoder
from ..errors import InputError, RunWarning, shown, warning_kind
from ..intervals import frame_runs
from ..model import Clip
from . import cache
from .change import ChangeMeasure
from .frames import analysis_size, read_frames
from . import sparse
from .measures import Measure, run_measures
from .motion import MotionMeasure
from .probe import probe_clip, usable_frames
from .quality import QualityMeasure
from .scores import frame_scores, marks, score_shot
from .shots import boundaries, spaced
from .structure import StructureMeasure
from .thumbnail import shot_thumbnail

#: Probes run at once checking cached entries against their files.
PROBES = 8
#: Motion features that compare a frame with the one before: meaningless on a shot's first frame.
_ACROSS_CUTS = ("shift_x", "shift_y", "shift_peak", "luma_diff", "residual")


@dataclass
class FootageResult:
    """One file's analysis: ``clip`` with its shots, or None when the file was skipped (see ``warnings``)."""

    path: Path
    clip: Clip | None
    warnings: list[str] = field(default_factory=list)
    cached: bool = False


def analyze_clip(clip: Clip) -> tuple[Clip, list[str]]:
    """``clip`` with its shots, scores and marks, and the problems met (strings without the path).

    Raises :class:`InputError` when no frame decodes.
    """
    size = analysis_size(clip.width, clip.height)
    fps = clip.rate.fps

    def measures() -> list[Measure]:
        return [ChangeMeasure(float(fps)), MotionMeasure(), QualityMeasure(), StructureMeasure()]

    scan = sparse.worth_scanning(clip)
    count, f, found = sparse.analyse(clip, size, scan, measures) if scan else (0, {}, {})
    if count == 0:  # read whole (a short or short-GOP file, or key frames other than the container lists)
        count, f = run_measures(read_frames(clip, size), measures())
        found = None
    if count == 0:
        raise InputError(clip.path, "no video frame decodes")
    frames, problem = usable_frames(clip.path, clip.frames, count, clip.rate)
    problems = [problem] if problem else []
    f = {k: v[:frames] for k, v in f.items()}
    cuts = boundaries(f, frames, float(fps)) if found is None else spaced(found, frames)
    for b in cuts:
        for k in _ACROSS_CUTS:
            if b + 1 < frames:
                f[k][b] = f[k][b + 1]
    m = marks(f, fps)
    s = frame_scores(f, m, fps, size[0])
    edges = [0, *cuts, frames]
    shots = [score_shot(a, b, s, m, f, fps) for a, b in zip(edges, edges[1:])]
    marked = {k: frame_runs(v) for k, v in m.items() if v.any()}
    return replace(clip, frames=frames, shots=shots, marks=marked), problems


def analyze_file(path: str | Path) -> FootageResult:
    """Probe and analyse one file (no cache); InputError when it cannot be read."""
    notes: list[str] = []  # what probing found (variable rate conformed, frames that do not decode)
    clip, problems = analyze_clip(probe_clip(path, notes, check_end=False))  # analysis counts what decodes
    return FootageResult(clip.path, clip, [n.removeprefix(f"{clip.path.name}: ") for n in notes] + problems)


def _task(path: Path) -> FootageResult:
    """The batch task: never raises for a bad file, reports it as a skipped result instead."""
    try:
        return analyze_file(path)
    except InputError as err:
        return FootageResult(path, None, [err.problem])
    except Exception as err:  # an odd file must not stop the batch; the warning names it and the error
        return FootageResult(path, None, [f"analysis failed ({type(err).__name__}: {err})"])


def _against_file(cached: Clip) -> str | None:
    """Where a cached clip disagrees with its file as probed now (see :func:`.cache.against_file`)."""
    try:
        return cache.against_file(cached, probe_clip(cached.path, check_end=False))
    except InputError as err:
        return err.problem


def analyze_footage(paths: list[Path], progress: Callable[[float], None] | None = None,
                    cancel: threading.Event | None = None, executor: Executor | None = None,
                    use_cache: bool = True, path_map: PathMap | None = None) -> list[FootageResult]:
    """Results for ``paths`` in order: cached ones looked up, the others analysed on ``executor``
    (default: this machine's process pool, as wide as the work, after the hardware-decode trial runs
    here once so its workers read the verdict; a Dask cluster's workers see the files through
    ``path_map``, default :func:`.cluster.path_map`, which this machine's pool never needs) and stored.
    Warnings are ``"<file>: <problem>"``, ending in ``"; skipped"`` for a file that yields no clip."""
    results: dict[int, FootageResult] = {}
    notes: dict[int, str] = {}  # why a cache entry was not trusted, for the report
    todo: list[tuple[int, Path, str | None]] = []
    looked_up: list[tuple[int, Path, str, tuple | None, list[str]]] = []
    for i, path in enumerate(paths):
        try:
            key = cache.identity_key(path)
        except OSError as err:
            results[i] = FootageResult(path, None, [f"cannot read ({err.strerror or err})"])
            continue
        doubts: list[str] = []
        looked_up.append((i, path, key, cache.load(path, key, doubts) if use_cache else None, doubts))
    with ThreadPoolExecutor(PROBES) as probes:  # each hit against its file, in parallel
        against = list(probes.map(lambda e: e[3] and _against_file(e[3][0]), looked_up))
    for (i, path, key, hit, doubts), why in zip(looked_up, against):
        if why:
            hit, doubts = None, [why]
        if hit is not None:
            results[i] = FootageResult(path, hit[0], hit[1], cached=True)
        else:
            todo.append((i, path, key))
            if doubts:
                notes[i] = RunWarning("cache", f"cached analysis not used ({doubts[0]}); analysed again")
    base = len(results)

    def step(fraction: float) -> None:
        if progress:
            progress((base + fraction * len(todo)) / max(1, len(paths)))

    step(0.0)
    if executor is None and todo:
        select_decoder()
    task = partial(run_mapped, _task, paths=worker_paths(executor, path_map))
    fresh = tasks.map_with_progress(task, [p for _, p, _ in todo], executor, step, cancel) if todo else []
    failed = [k for k, r in enumerate(fresh) if not isinstance(r, Failed) and r.clip is None]
    if executor is None and failed and (why := retest_decoder()):  # a stale "passed" verdict: software now
        again = tasks.map_with_progress(task, [todo[k][1] for k in failed], None, None, cancel)
        for k, result in zip(failed, again):
            fresh[k] = result
            result.warnings.insert(0, RunWarning("decoder", f"hardware decoding failed in this run and its test again "
                                                         f"({why}); analysed in software"))
    for (i, path, key), result in zip(todo, fresh):
        if isinstance(result, Failed):  # the worker cannot see the file
            result = FootageResult(path, None, [result.problem])
        result.path = path
        if result.clip is not None:
            result.clip = replace(result.clip, path=path)
            cache.store(key, result.clip, result.warnings)
        if i in notes:
            result.warnings.insert(0, notes[i])
        results[i] = result
    out = [results[i] for i in range(len(paths))]
    for r in out:
        skipped = "; skipped" if r.clip is None else ""
        r.warnings = [RunWarning("unusable_footage" if skipped else warning_kind(w), f"{shown(r.path)}: {w}{skipped}")
                      for w in r.warnings]
    return out


def result_json(result: FootageResult, thumbnails: bool = False) -> dict:
    """``analyze-footage --json`` for one file: shots with frames and seconds, scores, marks, warnings;
    ``thumbnails`` writes each shot's thumbnail into the user cache and adds its path."""
    clip = result.clip
    if clip is None:
        return {"path": str(result.path), "skipped": True, "warnings": result.warnings}
    def seconds(frame: int) -> float:
        return round(float(clip.rate.seconds(frame)), 6)

    shots = []
    key = cache.identity_key(clip.path) if thumbnails else None  # one read of the file's head, not one per shot
    for i, shot in enumerate(clip.shots):
        entry = {"index": i, "start_frame": shot.start, "end_frame": shot.end, "start": seconds(shot.start),
                 "end": seconds(shot.end), "scores": shot.scores(), "flashes": shot.flashes,
                 "thumbnail_frame": shot.thumbnail, "window": list(shot.window or ()),
                 "active_window": list(shot.active_window or ())}
        if thumbnails:
            entry["thumbnail"] = str(shot_thumbnail(clip, shot, key))
        shots.append(entry)
    return {"path": str(clip.path), "duration": round(clip.duration, 6), "fps": str(clip.rate), "frames": clip.frames,
            "width": clip.width, "height": clip.height, "variable_rate": clip.variable_rate,
            "measured_fps": clip.measured_fps, "common_fps": clip.common_fps,
            "has_audio": clip.has_audio, "cached": result.cached, "shots": shots,
            "marks": {k: [list(r) for r in v] for k, v in clip.marks.items()}, "warnings": result.warnings}
