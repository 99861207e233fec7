"""Proxy media an NLE can swap for the originals: same timecode, frame timing (the rate, or every
frame's timestamp for variable-rate phone footage), frame count, audio channels, rotation and colour
tags (HDR), a frame size that divides the original's, written under a temporary name and renamed
only after ffprobe has checked it. Any clip with a frame gets one (footage analysis' least length
does not apply).

Names follow Premiere's own proxies (``<name>_Proxy.<ext>``); sub-folders of the footage are
mirrored under the output folder, and ``proxies.json`` maps every original to its proxy.
"""
from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import subprocess
import threading
import time
import uuid
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from fractions import Fraction
from pathlib import Path
from typing import Callable

import numpy as np

from . import ffmpeg_cmd, tasks
from .cluster import PathMap, worker_paths
from .encoders import SOFTWARE, Encoder, Selection, requested, select_encoder, select_on_node
from .errors import Cancelled, InputError
from .output import pid_alive, write_atomic
from .timebase import Rate
from .video.discover import discover_footage
from .video.probe import probe_clip
from .video.timing import frame_times

MANIFEST = "proxies.json"
PROXY_SUFFIX = "_Proxy"


@dataclass(frozen=True)
class Profile:
    """A proxy format: container, short side of the frame at most ``short_side`` pixels, codecs."""

    name: str
    extension: str
    short_side: int
    video: tuple[str, ...] = ()  # empty: H.264 through the selected encoder
    audio: tuple[str, ...] = ("-c:a", "aac", "-b:a", "192k")
    pix_fmt: str = ""

    @property
    def h264(self) -> bool:
        return not self.video


PROFILES: dict[str, Profile] = {p.name: p for p in (
    Profile("h264-540p", ".mp4", 540),
    Profile("h264-720p", ".mp4", 720),
    Profile("prores-proxy", ".mov", 720, ("-c:v", "prores_ks", "-profile:v", "0"),
            ("-c:a", "pcm_s16le"), "yuv422p10le"),
    Profile("dnxhr-lb", ".mov", 720, ("-c:v", "dnxhd", "-profile:v", "dnxhr_lb"), ("-c:a", "pcm_s16le"), "yuv422p"),
)}
DEFAULT_PROFILE = "h264-540p"
#: Quality of H.264 proxies on libx264's CRF scale.
H264_QUALITY = 23
#: ffprobe runs at once while the originals are described (each mostly waits for its process to start).
PROBES_AT_ONCE = 4
#: ffprobe's colour fields of a video stream -> the ffmpeg output option that writes them.
COLOUR_OPTIONS = {"color_primaries": "-color_primaries", "color_transfer": "-color_trc",
                  "color_space": "-colorspace", "color_range": "-color_range"}
#: A variable-rate proxy's frames may sit this fraction of the original's frame interval off its frames.
TIMING_TOLERANCE = 0.25


@dataclass(frozen=True)
class Source:
    """What a proxy must keep of its original (from ffprobe)."""

    path: Path
    rate: Rate
    frames: int
    width: int
    height: int
    timecode: str | None
    rotation: int
    audio_channels: tuple[int, ...]
    variable_rate: bool
    colour: tuple[tuple[str, str], ...] = ()  # (ffmpeg option, value) of the colour tags the stream has


def _video_frames(path: Path, info: dict) -> int:
    """Frames of the first video stream: the container's count, else the packets counted by ffprobe."""
    video = next(s for s in info["streams"] if s.get("codec_type") == "video")
    nb = str(video.get("nb_frames") or "")
    if nb.isdigit() and int(nb) > 0:
        return int(nb)
    out = subprocess.run(["ffprobe", "-v", "error", "-count_packets", "-select_streams", "v:0", "-show_entries",
                          "stream=nb_read_packets", "-of", "csv=p=0", str(path)], capture_output=True, check=False)
    text = out.stdout.decode(errors="replace").strip()
    return int(text) if text.isdigit() else 0


def describe(path: Path) -> Source:
    """The :class:`Source` facts of ``path`` (InputError when it is not a video with a frame)."""
    clip = probe_clip(path, shortest=0)
    info = ffmpeg_cmd.probe(clip.path)
    tc = clip.rate.timecode(clip.start_frame, clip.drop_frame) if clip.start_frame or _has_timecode(info) else None
    video = next(s for s in info["streams"] if s.get("codec_type") == "video")
    colour = tuple((option, str(video[key])) for key, option in COLOUR_OPTIONS.items()
                   if video.get(key) not in (None, "", "unknown", "unspecified", "reserved"))
    return Source(clip.path, clip.rate, _video_frames(clip.path, info) or clip.frames, clip.width, clip.height, tc,
                  clip.rotation, tuple(int(s.get("channels") or 0) for s in info["streams"]
                                          if s.get("codec_type") == "audio"), clip.variable_rate, colour)


def _describe_or_error(path: Path) -> Source | InputError:
    try:
        return describe(path)
    except InputError as err:
        return err


def _has_timecode(info: dict) -> bool:
    return any("timecode" in (s.get("tags") or {}) for s in [info.get("format", {}), *info.get("streams", [])])


def proxy_size(width: int, height: int, short_side: int) -> tuple[int, int]:
    """Frame size of a proxy: the original divided by the smallest whole factor that brings its short
    side to ``short_side`` or less with even sides (Premiere attaches proxies whose size divides the
    original's); an original no factor divides evenly is scaled to that short side keeping its aspect."""
    short = min(width, height)
    for factor in range(1, 17):
        w, h = width / factor, height / factor
        if min(w, h) <= short_side and w == int(w) and h == int(h) and int(w) % 2 == 0 and int(h) % 2 == 0:
            return int(w), int(h)
    scale = Fraction(short_side, short)
    return 2 * round(width * scale / 2), 2 * round(height * scale / 2)


def proxy_paths(sources: list[Path], out_dir: Path, profile: Profile) -> dict[Path, Path]:
    """Where each original's proxy goes: its folder below the sources' common folder mirrored under
    ``out_dir``, named ``<stem>_Proxy<ext>`` (``<stem>.<original ext>_Proxy<ext>`` where two
    originals would share a name)."""
    root = Path(os.path.commonpath([str(p.parent) for p in sources]))
    plain = {src: out_dir / src.parent.relative_to(root) / f"{src.stem}{PROXY_SUFFIX}{profile.extension}"
             for src in sources}
    taken: dict[Path, int] = {}
    for target in plain.values():
        taken[target] = taken.get(target, 0) + 1
    return {src: target if taken[target] == 1 else
            target.with_name(f"{src.stem}{src.suffix}{PROXY_SUFFIX}{profile.extension}")
            for src, target in plain.items()}


def timing_difference(source: Source, proxy: Path) -> str | None:
    """What differs between the frame timestamps of a variable-rate ``source`` and its ``proxy`` (each from its
    first frame), None when every frame sits within :data:`TIMING_TOLERANCE` of a frame interval of the original's."""
    ours, theirs = frame_times(source.path), frame_times(proxy)
    if len(ours) != len(theirs) or not len(ours):
        return f"{len(theirs)} timestamped frames instead of {len(ours)}"
    off = np.abs((theirs - theirs[0]) - (ours - ours[0]))
    worst = int(np.argmax(off))
    if off[worst] > TIMING_TOLERANCE / float(source.rate.fps):
        return f"frame {worst} at {theirs[worst] - theirs[0]:.4f} s instead of {ours[worst] - ours[0]:.4f} s"
    return None


def check_proxy(source: Source, proxy: Path) -> str | None:
    """None when ``proxy`` can stand in for ``source`` as an NLE matches them (frame timing: the rate, or
    every frame's timestamp for a variable-rate original; frame count, timecode, audio channels,
    rotation, frame aspect), else what differs."""
    try:
        found = describe(proxy)
    except InputError as err:
        return err.problem
    if source.variable_rate:
        if (problem := timing_difference(source, proxy)) is not None:
            return problem
    elif found.rate != source.rate:
        return f"frame rate {found.rate} instead of {source.rate}"
    if found.frames != source.frames:
        return f"{found.frames} frames instead of {source.frames}"
    if found.timecode != source.timecode:
        return f"timecode {found.timecode} instead of {source.timecode}"
    if found.audio_channels != source.audio_channels:
        return f"audio channels {list(found.audio_channels)} instead of {list(source.audio_channels)}"
    if found.rotation != source.rotation:
        return f"rotation {found.rotation} instead of {source.rotation}"
    if found.width * source.height != found.height * source.width:
        return f"frame {found.width}x{found.height} does not have the aspect of {source.width}x{source.height}"
    return None


def encode_command(source: Source, target: Path, profile: Profile, encoder: Encoder) -> list[str]:
    """The ffmpeg arguments that write ``source``'s proxy to ``target`` (progress on stdout)."""
    width, height = proxy_size(source.width, source.height, profile.short_side)
    scale = f"scale={width}:{height}" + (f",format={profile.pix_fmt}" if profile.pix_fmt else "")
    gop = max(1, round(source.rate.fps))
    cmd = ["-nostats", "-progress", "pipe:1"]
    cmd += encoder.input_args() if profile.h264 else []
    cmd += ["-noautorotate", "-i", str(source.path), "-map", "0:v:0", "-map", "0:a?", "-map_metadata", "-1",
            "-fps_mode", "passthrough", "-enc_time_base:v", "-1"]  # every timestamp kept, on the original's time base
    if profile.h264:
        cmd += ["-vf", encoder.video_filter(scale), *encoder.output_args(H264_QUALITY, gop)]
    else:
        cmd += ["-vf", scale, *profile.video]
    cmd += [arg for pair in source.colour for arg in pair]
    cmd += list(profile.audio) if source.audio_channels else []
    if source.timecode:
        cmd += ["-timecode", source.timecode]
    if source.rotation:
        cmd += ["-metadata:s:v:0", f"rotate={source.rotation}"]
    return cmd + ["-f", "mov" if profile.extension == ".mov" else "mp4", "-y", str(target)]


@dataclass
class ProxyResult:
    """What happened to one original: ``made``, ``skipped`` (a valid proxy existed) or ``failed``."""

    source: Path
    proxy: Path | None
    status: str
    reason: str = ""
    seconds: float = 0.0
    node: str = ""  # the cluster node that made it, and with which encoder ("" on this machine)
    encoder: str = ""


def _encode(args: list[str], frames: int, on_frames: Callable[[int], None], cancel: threading.Event | None,
            what: Path) -> None:
    """Run the encoder (ffmpeg ``args``), reporting frames done; kill it on cancel; InputError naming
    ``what`` on failure."""
    with contextlib.closing(ffmpeg_cmd.lines(args, what)) as progress:
        for line in progress:
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            if line.startswith(b"frame="):
                on_frames(min(frames, int(line[6:].strip() or 0)))


def partial_path(target: Path) -> Path:
    """The temporary name ``target`` is written under: ``.<name>.<node>.<pid>.<random>.partial.<ext>`` (workers
    on different machines or pods may share a pid)."""
    return target.with_name(f".{target.stem}.{platform.node()}.{os.getpid()}.{uuid.uuid4().hex[:8]}.partial"
                            f"{target.suffix}")


def remove_dead_partials(folder: Path) -> list[Path]:
    """Delete half-written proxies (:func:`partial_path`) of this machine whose writing process is gone
    (another machine's process table says nothing of its writers)."""
    mine = re.compile(rf"^\..+\.{re.escape(platform.node())}\.(\d+)\.[0-9a-f]{{8}}\.partial\.[^.]+$")
    removed = []
    for path in folder.rglob(".*.partial.*") if folder.is_dir() else []:
        m = mine.match(path.name)
        if m and not pid_alive(m.group(1)):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


@dataclass
class ProxyBatch:
    """Every original's outcome, the encoder selection, and the manifest written."""

    results: list[ProxyResult]
    selection: Selection
    manifest: Path | None


def make_proxies(paths: list[str | Path], out_dir: str | Path, profile: str = DEFAULT_PROFILE,
                 hwaccel: str | None = None, jobs: int | None = None,
                 progress: Callable[[str, float], None] | None = None,
                 cancel: threading.Event | None = None, executor: Executor | None = None,
                 mapping: PathMap | None = None) -> ProxyBatch:
    """Proxies of the footage in ``paths`` (files or folders) in ``out_dir``.

    A valid existing proxy is kept; a file that is not usable footage is reported (``failed``) and
    the batch goes on. ``progress("proxies", fraction)`` follows the frames encoded (the proxies done on
    an ``executor``: one task per original on a Dask cluster, whose workers see the files through
    ``mapping`` and choose their own encoder).
    """
    if profile not in PROFILES:
        raise InputError(None, f"--profile {profile!r}: choose one of {', '.join(PROFILES)}")
    chosen = PROFILES[profile]
    choice = requested(hwaccel)
    out = Path(out_dir).expanduser().resolve()
    if out.exists() and not out.is_dir():
        raise InputError(out, "output path exists and is not a folder")
    files = [f for f in discover_footage(paths) if out not in f.parents]
    if not files:
        raise InputError(out, "the only footage found is inside the output folder")
    software = Selection(SOFTWARE, f"{chosen.name}: software encoder")
    # on a cluster each node chooses its own (select_on_node), this machine's GPU or none aside
    selection = select_encoder(choice) if chosen.h264 and executor is None else software
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(out, f"cannot create the output folder ({err.strerror})") from None
    remove_dead_partials(out)
    targets = proxy_paths(files, out, chosen)
    with ThreadPoolExecutor(max_workers=PROBES_AT_ONCE, thread_name_prefix="proxy-probe") as probes:
        sources = dict(zip(files, probes.map(_describe_or_error, files)))
    total = sum(s.frames for s in sources.values() if isinstance(s, Source)) or 1
    done: dict[Path, int] = {}
    lock = threading.Lock()

    def advance(src: Path, frames: int) -> None:
        with lock:
            done[src] = frames
            if progress:
                progress("proxies", min(1.0, sum(done.values()) / total))

    def encode(src: Path) -> ProxyResult | Callable[[], ProxyResult]:
        """The result of a source that needs no encode (or whose encode failed), else its check."""
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        source, target = sources[src], targets[src]
        done_already = _needs_no_encode(src, source, target)
        if done_already is not None:
            advance(src, getattr(source, "frames", 0))
            return done_already
        start = time.perf_counter()
        written = _encode_partial(source, target, chosen, selection.encoder, lambda n: advance(src, n), cancel)
        if isinstance(written, ProxyResult):
            return written
        return lambda: check(src, source, written, target, start)

    def check(src: Path, source: Source, partial: Path, target: Path, start: float) -> ProxyResult:
        """ffprobe the written proxy, then rename it into place (while the next encode runs)."""
        result = _place(source, partial, target, start)
        advance(src, source.frames)
        return result

    if executor is not None:
        node_choice = choice if hwaccel else "auto"  # not this machine's $FFMPEG_HWACCEL: each node's own
        jobs_ = [ProxyJob(f, sources[f], targets[f], chosen.name, node_choice) for f in files]
        task = partial(run_proxy_job, paths=worker_paths(executor, mapping))
        results = tasks.map_with_progress(task, jobs_, executor,
                                          (lambda f: progress("proxies", f)) if progress else None, cancel)
        if chosen.h264:
            used = ", ".join(sorted({r.encoder for r in results if r.encoder})) or "none"
            selection = Selection(Encoder("per node", used), f"chosen on each node for --hwaccel {node_choice}: {used}")
        return ProxyBatch(results, selection, _write_manifest(out, chosen, results))
    workers = max(1, jobs or (2 if selection.hardware else 1))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="proxy") as pool, \
            ThreadPoolExecutor(max_workers=workers, thread_name_prefix="proxy-check") as checks:
        encoded = [pool.submit(encode, f) for f in files]
        finished = [checks.submit(step) if callable(step := e.result()) else step for e in encoded]
        results = [r.result() if isinstance(r, Future) else r for r in finished]
    if cancel is not None and cancel.is_set():
        raise Cancelled()
    return ProxyBatch(results, selection, _write_manifest(out, chosen, results))


def _needs_no_encode(src: Path, source: Source | InputError, target: Path) -> ProxyResult | None:
    """The result of an original that is no footage, or whose valid proxy exists; None: encode it."""
    if isinstance(source, InputError):
        return ProxyResult(src, None, "failed", source.problem)
    if target.exists() and check_proxy(source, target) is None:
        return ProxyResult(src, target, "skipped", "a valid proxy exists")
    return None


def _encode_partial(source: Source, target: Path, profile: Profile, encoder: Encoder,
                    on_frames: Callable[[int], None], cancel: threading.Event | None) -> Path | ProxyResult:
    """Encode ``source``'s proxy under a temporary name beside ``target``; that name, or the failed result."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = partial_path(target)
    try:
        _encode(encode_command(source, partial, profile, encoder), source.frames, on_frames, cancel, source.path)
    except BaseException as err:
        partial.unlink(missing_ok=True)
        if isinstance(err, InputError):
            return ProxyResult(source.path, None, "failed", err.problem)
        if isinstance(err, OSError):  # disk full (ffmpeg_cmd turns ENOSPC into OSError)
            return ProxyResult(source.path, None, "failed", f"cannot write {target.parent}: {err.strerror or err}")
        raise
    return partial


def _place(source: Source, partial: Path, target: Path, start: float) -> ProxyResult:
    """ffprobe the written proxy, then rename it into place."""
    try:
        problem = check_proxy(source, partial)
        if problem:
            return ProxyResult(source.path, None, "failed", f"proxy does not match its original: {problem}")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return ProxyResult(source.path, target, "made", "", time.perf_counter() - start)


@dataclass(frozen=True)
class ProxyJob:
    """One proxy as a task for a cluster worker (:func:`run_proxy_job`)."""

    original: Path
    source: Source | InputError
    target: Path
    profile: str
    hwaccel: str


def run_proxy_job(job: ProxyJob, paths: PathMap = PathMap()) -> ProxyResult:
    """The task body on a worker: the job with the worker's paths, encoded with this node's encoder (its own
    test encode, cached per node and ffmpeg build), checked and renamed into place; the editor's paths back."""
    mapped = paths.there(job) if paths.pairs else job
    node = platform.node()
    if not mapped.original.exists():
        return ProxyResult(job.original, None, "failed", f"not visible on worker {node} as {mapped.original}")
    result = _needs_no_encode(mapped.original, mapped.source, mapped.target)
    if result is None:
        chosen = PROFILES[job.profile]
        try:
            encoder = select_on_node(job.hwaccel).encoder if chosen.h264 else SOFTWARE
            start = time.perf_counter()
            result = _encode_partial(mapped.source, mapped.target, chosen, encoder, lambda n: None, None)
        except (InputError, OSError) as err:
            return ProxyResult(job.original, None, "failed", getattr(err, "problem", None) or str(err), node=node)
        if not isinstance(result, ProxyResult):
            result = _place(mapped.source, result, mapped.target, start)
        result = replace(result, encoder=encoder.codec if chosen.h264 else chosen.name)
    result = replace(result, node=node)
    return paths.back(result) if paths.pairs else result


def read_manifest(path: Path) -> dict[str, str]:
    """original -> proxy from ``proxies.json`` (``path`` is the file or the proxy folder holding it);
    InputError when it is missing or not one :func:`make_proxies` wrote."""
    manifest = path / MANIFEST if path.is_dir() else path
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        proxies = data["proxies"]
        if not isinstance(proxies, dict) or not all(isinstance(v, str) for v in proxies.values()):
            raise TypeError
    except FileNotFoundError:
        raise InputError(manifest, "not found: make proxies first (montage-ai proxies PATH... --out DIR)") from None
    except (OSError, ValueError, KeyError, TypeError):
        raise InputError(manifest, "not a proxies.json written by montage-ai proxies") from None
    return proxies


def _write_manifest(out: Path, profile: Profile, results: list[ProxyResult]) -> Path | None:
    """``proxies.json``: original path -> proxy path for every proxy in the folder (merged with earlier runs)."""
    path = out / MANIFEST
    try:
        known = read_manifest(path)
    except InputError:  # none yet, or unreadable: this run's proxies start it afresh
        known = {}
    for r in results:
        if r.proxy is not None:
            known[str(r.source)] = str(r.proxy)
    known = {src: proxy for src, proxy in known.items() if Path(proxy).exists()}
    write_atomic(path, json.dumps({"profile": profile.name, "proxies": known}, indent=1))
    return path
