"""The master's picture in segments: the plan split at cut boundaries into runs of about equal length, each
a task on the one task interface (this machine's process pool or a Dask worker, :mod:`montage_ai.cluster`).

A segment is a self-contained file with the master's codec settings that starts on a key frame (every
encode starts with one; H.264/HEVC parameter sets are repeated in band, so segments from different
encoders join); :mod:`.master` joins them without re-encoding. Each worker chooses its own encoder by
the same test encode as the local choice (:func:`montage_ai.encoders.select_encoder`, verdicts cached per
node and ffmpeg build) and, when the hardware encoder fails mid-task, renders the segment again in
software on the same node. The frames come from the preview's renderer
(:func:`.preview.write_frames`): decoders that seek once and serve every later cut.
"""
from __future__ import annotations

import os
import platform
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

from .. import ffmpeg_cmd
from ..cluster import Failed, PathMap
from ..encoders import Encoder, Selection, retest, select_on_node
from ..errors import InputError
from .preview import write_frames
from ..model import Plan


@dataclass(frozen=True)
class Codec:
    """A master codec: container extension, quality on libx264's CRF scale, libx264/libx265 speed preset."""

    name: str
    extension: str
    quality: int = 0
    preset: str = ""

    @property
    def family(self) -> str | None:
        """The encoder family chosen per node (None: ProRes, always software)."""
        return None if self.name == "prores" else self.name


#: CRF 18 (H.264) and 20 (HEVC) at the ``fast`` preset: visually lossless at a third of ``slow``'s time.
CODECS = {c.name: c for c in (Codec("h264", ".mp4", 18, "fast"), Codec("hevc", ".mp4", 20, "fast"),
                              Codec("prores", ".mov"))}
#: ProRes 422 HQ, 10-bit, tagged as Apple's own encoder (which some players look for).
PRORES = ("-c:v", "prores_ks", "-profile:v", "3", "-vendor", "apl0", "-pix_fmt", "yuv422p10le")
#: Segments aim at this many per worker (the last ones finish while others still run).
SEGMENTS_PER_WORKER = 2
#: No segment shorter than this unless a single cut is (each costs decoder seeks and encoder start-up).
MIN_SEGMENT_SECONDS = 8.0


@dataclass(frozen=True)
class Segment:
    """One task: the cuts ``first``..``last - 1`` of the master (as a plan of their own), rendered at ``size``
    into ``out`` (on storage the workers share) with ``codec``, the encoder chosen on the node for ``hwaccel``."""

    index: int
    first: int
    last: int
    plan: Plan
    out: Path
    size: tuple[int, int]
    codec: str
    hwaccel: str


@dataclass(frozen=True)
class SegmentResult:
    """What a task did: where and with which encoder (and why), seconds, and the hardware failure that
    made it render again in software (None when it did not)."""

    index: int
    out: Path
    frames: int
    node: str
    worker: str
    encoder: str
    why: str
    retried: str | None
    seconds: float


def split(plan: Plan, parts: int, min_seconds: float | None = None) -> list[tuple[int, int]]:
    """Cut ranges ``[first, last)`` covering ``plan.cuts`` in order: about ``parts`` of about equal frames,
    none shorter than ``min_seconds`` (default ``MIN_SEGMENT_SECONDS``; a plan shorter than that: one range)."""
    total, min_seconds = plan.frames, MIN_SEGMENT_SECONDS if min_seconds is None else min_seconds
    parts = max(1, min(parts, len(plan.cuts), int(total / (min_seconds * float(plan.rate.fps))) or 1))
    ranges, first, done = [], 0, 0
    for i, cut in enumerate(plan.cuts):
        done += cut.record_frames
        if len(ranges) < parts - 1 and done >= total * (len(ranges) + 1) / parts and i + 1 < len(plan.cuts):
            ranges.append((first, i + 1))
            first = i + 1
    return ranges + [(first, len(plan.cuts))]


def segments(plan: Plan, ranges: list[tuple[int, int]], folder: Path, size: tuple[int, int], codec: str,
             hwaccel: str) -> list[Segment]:
    """The tasks for ``ranges``, each writing ``folder/segment-NNNN<ext>``."""
    out = []
    for index, (first, last) in enumerate(ranges):
        cuts = plan.cuts[first:last]
        part = replace(plan, cuts=cuts, frames=sum(c.record_frames for c in cuts), markers=[], dialogue=[],
                       sections=[], warnings=[])
        out.append(Segment(index, first, last, part, folder / f"segment-{index:04d}{CODECS[codec].extension}", size,
                           codec, hwaccel))
    return out


def _video_args(codec: Codec, encoder: Encoder, fps: float) -> list[str]:
    if codec.family is None:
        return list(PRORES)
    gop = max(1, round(2 * fps))  # a key frame every 2 s: the master seeks well in players and NLEs
    return [*encoder.output_args(codec.quality, gop, codec.preset), "-bsf:v", "dump_extra=freq=keyframe"]


def encode_args(segment: Segment, encoder: Encoder, out: Path) -> list[str]:
    """ffmpeg reading the segment's raw frames on stdin and writing ``out`` (video only)."""
    codec, plan = CODECS[segment.codec], segment.plan
    upload = encoder.video_filter("") if codec.family else ""
    w, h = segment.size
    return ["-y", *(encoder.input_args() if codec.family else []), "-f", "rawvideo", "-pix_fmt", "yuv420p",
            "-s", f"{w}x{h}", "-framerate", str(plan.rate), "-i", "pipe:0", "-map", "0:v:0",
            *(["-vf", upload] if upload else []), *_video_args(codec, encoder, float(plan.rate.fps)),
            "-video_track_timescale", str(plan.rate.fps.numerator), "-f", "mov" if codec.extension == ".mov" else "mp4",
            str(out)]


def _encode(segment: Segment, encoder: Encoder) -> None:
    """Render ``segment`` with ``encoder`` under a name of this attempt's own, renamed into place when
    whole (a lost worker's attempt may still be writing when Dask runs the task elsewhere)."""
    partial = segment.out.with_name(f".{segment.out.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.partial"
                                    f"{segment.out.suffix}")
    try:
        with ffmpeg_cmd.sink(encode_args(segment, encoder, partial), segment.out) as sink:
            write_frames(segment.plan, segment.size, sink.write)
        os.replace(partial, segment.out)
    finally:
        partial.unlink(missing_ok=True)


def node_encoder(segment: Segment) -> Selection:
    """This node's encoder for the segment's codec: the test-encoded choice for its ``hwaccel``
    (:func:`montage_ai.encoders.select_on_node`)."""
    family = CODECS[segment.codec].family
    if family is None:
        return Selection(Encoder("none", "prores_ks"), "software encoder prores_ks (ProRes has no hardware path here)")
    return select_on_node(segment.hwaccel, family)


def _worker() -> str:
    """This task's worker: the Dask worker's address, else this process."""
    try:
        from distributed import get_worker
        return get_worker().address
    except (ImportError, ValueError):
        return f"pid {os.getpid()}"


def render_segment(segment: Segment, paths: PathMap = PathMap()) -> SegmentResult | Failed:
    """The task body (on a worker): ``segment`` with the worker's paths (``paths``), rendered by this node's
    encoder, again in software when a hardware encoder fails on it; the result with the editor's paths.
    A file the worker cannot see, or an input failure, comes back as :class:`Failed` (never retried)."""
    start = time.perf_counter()
    mapped = paths.there(segment) if paths.pairs else segment
    for editor, there in [(segment.out.parent, mapped.out.parent),
                          *((c.clip.path, m.clip.path) for c, m in zip(segment.plan.cuts, mapped.plan.cuts))]:
        if not there.exists():
            where = f" as {there}" if there != editor else ""
            return Failed(str(editor), f"not visible on worker {platform.node()}{where}")
    try:
        selection = node_encoder(mapped)
        retried = None
        try:
            _encode(mapped, selection.encoder)
        except InputError as err:
            if not selection.hardware or err.path != str(mapped.out):  # a source's failure is no encoder's
                raise
            fallback = retest(selection, err.problem)
            retried = fallback.note
            selection = replace(fallback, note=selection.note)
            _encode(mapped, selection.encoder)
    except InputError as err:
        return Failed(paths.to_editor(err.path) if err.path else str(segment.out), err.problem)
    result = SegmentResult(segment.index, mapped.out, mapped.plan.frames, platform.node(), _worker(),
                           selection.encoder.codec, selection.note, retried, round(time.perf_counter() - start, 3))
    return paths.back(result) if paths.pairs else result
