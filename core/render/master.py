"""``montage-ai render OUT_DIR``: the plan in ``OUT_DIR/report.json`` rendered to ``OUT_DIR/master.mp4``
(``master.mov`` for ProRes) at full quality, frame-exact, with the dialogue mix and the music's ducking,
loudness normalised to a target by EBU R128 measurement.

The picture is rendered in segments at cut boundaries, as tasks on the one task interface
(:mod:`.segments`; this machine's process pool, or a Dask cluster for ``--scheduler``); meanwhile the
sound is mixed once here (:func:`montage_ai.dialogue.mix.mix_dialogue`) and measured (:mod:`.loudness`).
One last ffmpeg joins the segments without re-encoding (concat demuxer), applies the loudness gain and
muxes the sound. Everything is written in a staging folder inside ``OUT_DIR`` and renamed into place
when whole, with ``master.json`` (per task: node, worker, encoder and why, seconds); an interruption
or failure leaves no partial file (a killed run's staging folder is removed by the next run).
"""
from __future__ import annotations

import json
import os
import shutil
import threading
import time
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable, Iterator

from .. import ffmpeg_cmd, tasks
from ..cluster import Failed, PathMap, executor_for, executor_width, worker_paths
from ..dialogue.mix import mix_dialogue
from ..encoders import requested
from ..errors import InputError
from ..export.report import read_report
from ..model import Plan
from ..output import REPORT, new_stage, output_folder, write_atomic
from . import loudness
from .segments import CODECS, SEGMENTS_PER_WORKER, SegmentResult, render_segment, segments, split

#: ``--size`` values: the plan's frame size, or scaled to this shorter side.
SIZES = {"source": 0, "1080p": 1080, "2160p": 2160}
#: The master's report, beside it.
MASTER_REPORT = "master.json"
#: Sound of the master per container.
AUDIO = {".mp4": ("-c:a", "aac", "-b:a", "320k"), ".mov": ("-c:a", "pcm_s24le")}

Progress = Callable[[str, float], None]


def master_size(plan: Plan, size: str) -> tuple[int, int]:
    """Even ``(width, height)`` of the master: the plan's, or scaled so its shorter side is ``size``'s."""
    if size not in SIZES:
        raise InputError(None, f"--size {size!r}: choose one of {', '.join(SIZES)}")
    short = SIZES[size]
    if not short:
        return plan.width, plan.height
    scale = short / min(plan.width, plan.height)
    return 2 * round(plan.width * scale / 2), 2 * round(plan.height * scale / 2)


def _check_media(plan: Plan, report: Path) -> None:
    """Every source the plan reads is still there (one line naming the first that is not)."""
    for path in [plan.music.path, *(c.path for c in plan.clips), *(e.path for e in plan.dialogue)]:
        if not path.is_file():
            raise InputError(path, f"not found (named by {report})")


@dataclass
class Master:
    """The rendered master, its plan and what ``master.json`` says about it."""

    path: Path
    plan: Plan
    report: dict


def _count_frames(path: Path) -> int:
    out = ffmpeg_cmd.run(["-i", str(path), "-map", "0:v:0", "-c", "copy", "-f", "null", "-"], path, log=True)
    frames = [line for line in out.decode("utf-8", "replace").splitlines() if line.startswith("frame=")]
    return int(frames[-1].split("=")[1].split()[0]) if frames else 0


def _join(plan: Plan, parts: list[Path], sound: Path, normalised: dict, out: Path) -> None:
    """One ffmpeg: the segments joined as they are, the sound brought to its loudness and muxed."""
    listing = out.with_name("segments.txt")
    listing.write_text("".join(f"file '{p.name}'\n" for p in parts), encoding="utf-8")
    seconds = plan.frames / float(plan.rate.fps)
    ffmpeg_cmd.run(["-f", "concat", "-safe", "0", "-i", str(listing), "-i", str(sound), "-map", "0:v:0",
                    "-map", "1:a:0", "-c:v", "copy", "-af", loudness.final_filter(normalised, seconds),
                    *AUDIO[out.suffix], "-ar", str(loudness.SAMPLE_RATE),
                    "-video_track_timescale", str(plan.rate.fps.numerator), "-movflags", "+faststart", "-y",
                    str(out)], out)


def _sound(plan: Plan, stage: Path, target: float) -> tuple[Path, dict]:
    """The mix (music ducked under the dialogue, the dialogue laid in) brought to ``target`` LUFS."""
    mix = stage / "mix.wav"
    mix_dialogue(plan, mix)
    return mix, loudness.normalise(mix, target)


def _task_json(r: SegmentResult, ranges: list[tuple[int, int]]) -> dict:
    return {"segment": r.index, "cuts": list(ranges[r.index]), "frames": r.frames, "node": r.node,
            "worker": r.worker, "encoder": r.encoder, "why": r.why, "retried": r.retried, "seconds": r.seconds}


def render_master(out_dir: str | Path, codec: str = "h264", size: str = "source", target: float = -14.0,
                  scheduler: str | None = None, path_map: PathMap | None = None, hwaccel: str | None = None,
                  progress: Progress | None = None, cancel: threading.Event | None = None,
                  executor: Executor | None = None) -> Master:
    """Render the plan of ``out_dir``'s report.json to ``master.mp4`` (``.mov`` for ``codec="prores"``).

    Segments run on ``executor``, else :func:`.cluster.executor_for` ``(scheduler)`` (this machine's pool
    without one); other workers than that pool's see the files through :func:`.cluster.worker_paths`
    (``path_map``, default the configured one).
    ``progress("render", f)`` follows the segments done, ``progress("join", f)`` the join. InputError for
    bad input; :class:`~montage_ai.errors.Cancelled` when ``cancel`` is set; nothing is left behind either way."""
    if codec not in CODECS:
        raise InputError(None, f"--codec {codec!r}: choose one of {', '.join(CODECS)}")
    loudness.check_target(target)
    choice = requested(hwaccel)
    out = Path(out_dir).expanduser().absolute()
    report_path = out / REPORT
    if not out.is_dir():
        raise InputError(out, "not a folder (give the --out folder of a make run)")
    plan = read_report(report_path)
    if not plan.cuts:
        raise InputError(report_path, "the plan has no cuts")
    _check_media(plan, report_path)
    frame = master_size(plan, size)
    target_file = out / f"master{CODECS[codec].extension}"
    started = time.perf_counter()
    with output_folder(out) as held:
        stage = new_stage(held)
        try:
            with ThreadPoolExecutor(1, thread_name_prefix="render-sound") as sound_pool:
                sound = sound_pool.submit(_sound, plan, stage, target)
                with _segment_executor(executor, scheduler) as (run_on, width, where):
                    ranges = split(plan, SEGMENTS_PER_WORKER * width)
                    mapping = worker_paths(None if where == "local pool" else run_on, path_map)
                    # other machines get only an explicit backend; else each its own preference (select_on_node)
                    node_choice = choice if hwaccel or where == "local pool" else "auto"
                    results = tasks.map_with_progress(
                        partial(render_segment, paths=mapping), segments(plan, ranges, stage, frame, codec, node_choice),
                        run_on, (lambda f: progress("render", f)) if progress else None, cancel)
                sound_file, normalised = sound.result()
            failed = next((r for r in results if isinstance(r, Failed)), None)
            if failed:
                raise InputError(Path(failed.path), failed.problem)
            if progress:
                progress("join", 0.0)
            partial_master = stage / target_file.name
            _join(plan, [r.out for r in results], sound_file, normalised, partial_master)
            frames = _count_frames(partial_master)
            if frames != plan.frames:
                raise InputError(target_file, f"joined segments hold {frames} frames, the plan {plan.frames}")
            report = {"master": target_file.name, "codec": codec, "width": frame[0], "height": frame[1],
                      "fps": str(plan.rate), "frames": frames, "seconds": round(time.perf_counter() - started, 3),
                      "where": where, "loudness": {"target": target, **normalised,
                                                   **dict(zip(("output", "true_peak"), loudness.measure(partial_master)))},
                      "tasks": [_task_json(r, ranges) for r in results]}
            write_atomic(stage / MASTER_REPORT, json.dumps(report, indent=1))
            os.replace(partial_master, target_file)
            os.replace(stage / MASTER_REPORT, out / MASTER_REPORT)
        finally:
            shutil.rmtree(stage, ignore_errors=True)
    if progress:
        progress("join", 1.0)
    return Master(target_file, plan, report)


@contextmanager
def _segment_executor(executor: Executor | None, scheduler: str | None) -> Iterator[tuple[Executor, int, str]]:
    """``(executor, workers, where)`` for the segments: ``executor`` as given; else a Dask executor for
    ``scheduler`` (or the configured one); else a process pool as wide as this machine, whose workers are
    killed on the way out when the render stops early (a cancel must not leave encodes running)."""
    if executor is not None:
        yield executor, executor_width(executor), "given executor"
        return
    with executor_for(scheduler) as dask:
        if dask is not None:
            yield dask, executor_width(dask), "dask"
            return
        pool = tasks.make_executor()
        finished = False
        try:
            yield pool, executor_width(pool), "local pool"
            finished = True
        finally:
            tasks.stop_pool(pool, finished)
