"""One proxy made: the formats (:data:`PROFILES`), its frame size, the ffmpeg command, the encode under a
temporary name (:func:`partial_path`; a dead run's are removed), the check against the original, the rename;
and the same as a cluster worker's task (:class:`ProxyJob`)."""
from __future__ import annotations

import contextlib
import os
import platform
import re
import threading
import time
import uuid
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Callable

from . import ffmpeg_cmd
from .cluster import PathMap
from .encoders import SOFTWARE, Encoder, select_on_node
from .errors import Cancelled, InputError
from .output import pid_alive
from .proxy_check import Source, check_proxy


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


def needs_no_encode(src: Path, source: Source | InputError, target: Path) -> ProxyResult | None:
    """The result of an original that is no footage, or whose valid proxy exists; None: encode it."""
    if isinstance(source, InputError):
        return ProxyResult(src, None, "failed", source.problem)
    if target.exists() and check_proxy(source, target) is None:
        return ProxyResult(src, target, "skipped", "a valid proxy exists")
    return None


def encode_partial(source: Source, target: Path, profile: Profile, encoder: Encoder,
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


def place(source: Source, partial: Path, target: Path, start: float) -> ProxyResult:
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
    result = needs_no_encode(mapped.original, mapped.source, mapped.target)
    if result is None:
        chosen = PROFILES[job.profile]
        try:
            encoder = select_on_node(job.hwaccel).encoder if chosen.h264 else SOFTWARE
            start = time.perf_counter()
            result = encode_partial(mapped.source, mapped.target, chosen, encoder, lambda n: None, None)
        except (InputError, OSError) as err:
            return ProxyResult(job.original, None, "failed", getattr(err, "problem", None) or str(err), node=node)
        if not isinstance(result, ProxyResult):
            result = place(mapped.source, result, mapped.target, start)
        result = replace(result, encoder=encoder.codec if chosen.h264 else chosen.name)
    result = replace(result, node=node)
    return paths.back(result) if paths.pairs else result
