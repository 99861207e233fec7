"""A rendered preview of the plan: H.264 with the music, exactly ``plan.frames`` frames.

Frame ``k`` of a cut (counted from its first timeline frame) shows source frame
``source_in + floor(k * clip_fps / timeline_fps)``: the clip plays in real time from the start of
frame ``source_in``, each timeline frame showing the source frame on screen when it starts.

One encoder (ffmpeg reading raw frames on stdin, the music range muxed under them; H.264 through
the encoder selection of :mod:`montage_ai.encoders`, so a hardware encoder that passed its test
encode, else libx264) and a few decoders. A decoder seeks once into one source, keeps only the frames its cuts show (``select``)
and scales them to the preview size; it serves every later cut of that source that starts at or
after where it stands and at most ``REUSE_GAP_SECONDS`` further on, so a source played through by
several cuts is decoded once. The next decoders are started ahead while the encoder works.
"""
from __future__ import annotations

import contextlib
import math
import threading
from collections import OrderedDict
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable

from .. import ffmpeg_cmd
from ..dialogue.mix import mix_dialogue
from ..encoders import Encoder, Selection, select_encoder
from ..errors import Cancelled, InputError
from ..model import Clip, Cut, Plan


@dataclass(frozen=True)
class Quality:
    """Preview size (its shorter side, never above the plan's) and encoder settings."""

    short_side: int
    preset: str
    crf: int
    audio_bitrate: str


#: x264's ultrafast at CRF 26 matches veryfast at CRF 23 in SSIM (0.9956 vs 0.9909 on moving test patterns, 0.9157
#: vs 0.9147 on grainy ones) for a third to a quarter of the encoder's CPU; the file is about twice as large.
QUALITIES = {"full": Quality(540, "ultrafast", 26, "192k"), "draft": Quality(360, "ultrafast", 30, "128k")}
#: A decoder reads on through a gap up to this long rather than a new one seeking (decoding is cheaper).
REUSE_GAP_SECONDS = 2.0
#: Decoders open at once (each holds a few decoded frames).
MAX_OPEN_DECODERS = 6
#: Decoders started ahead of the cut being encoded.
LOOKAHEAD_CUTS = 2
#: Keyframe interval of the preview (libx264's default).
GOP = 250


def preview_size(plan: Plan, quality: str = "full") -> tuple[int, int]:
    """Even ``(width, height)``: the plan's frame size scaled to the quality's shorter side (never up)."""
    scale = min(1.0, QUALITIES[quality].short_side / min(plan.width, plan.height))
    return max(2, 2 * round(plan.width * scale / 2)), max(2, 2 * round(plan.height * scale / 2))


def shown_frames(cut: Cut, plan: Plan) -> list[int]:
    """For each timeline frame of ``cut``, the source frame it shows, counted from ``cut.source_in``."""
    ratio = Fraction(cut.clip.rate.fps) / plan.rate.fps
    return [math.floor(k * ratio) for k in range(cut.record_frames)]


@dataclass
class _Read:
    """One decoder's job: a source read forward from ``start``, keeping frames in ``ranges`` (``[a, b)``)."""

    clip: Clip
    start: int
    ranges: list[tuple[int, int]] = field(default_factory=list)

    @property
    def end(self) -> int:
        return self.ranges[-1][1] if self.ranges else self.start


def plan_reads(plan: Plan) -> tuple[list[_Read], list[int]]:
    """The decoders' jobs and, per cut, the index of the read that serves it."""
    reads: list[_Read] = []
    open_reads: OrderedDict[Path, int] = OrderedDict()  # least recently used first
    served_by = []
    for cut in plan.cuts:
        first, count = cut.source_in, shown_frames(cut, plan)[-1] + 1
        index = open_reads.get(cut.clip.path)
        gap = REUSE_GAP_SECONDS * float(cut.clip.rate.fps)
        if index is None or not reads[index].end <= first <= reads[index].end + gap:
            index = len(reads)
            reads.append(_Read(cut.clip, first))
        reads[index].ranges.append((first, first + count))
        open_reads[cut.clip.path] = index
        open_reads.move_to_end(cut.clip.path)
        if len(open_reads) > MAX_OPEN_DECODERS:
            open_reads.popitem(last=False)
        served_by.append(index)
    return reads, served_by


def _decode_args(read: _Read, size: tuple[int, int]) -> list[str]:
    w, h = size
    seek = max(0.0, (read.start - 0.5) / float(read.clip.rate.fps))  # keep frame ``start``, drop the one before
    keep = "+".join(f"between(n,{a - read.start},{b - 1 - read.start})" for a, b in read.ranges)
    vf = (f"select='{keep}',scale={w}:{h}:force_original_aspect_ratio=decrease,"
          f"pad={w}:{h}:(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p")
    total = sum(b - a for a, b in read.ranges)
    return ["-ss", f"{seek:.6f}", "-i", str(read.clip.path), "-map", "0:v:0", "-vf", vf, "-fps_mode", "passthrough",
            "-frames:v", str(total), "-f", "rawvideo", "-pix_fmt", "yuv420p", "pipe:1"]


def _encode_args(plan: Plan, size: tuple[int, int], quality: Quality, encoder: Encoder, out: Path,
                 mix: Path | None = None) -> list[str]:
    seconds = plan.frames / float(plan.rate.fps)
    upload = encoder.video_filter("")
    sound = ["-i", str(mix)] if mix else ["-ss", f"{plan.music_start_time:.6f}", "-i", str(plan.music.path)]
    return ["-y", *encoder.input_args(), "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{size[0]}x{size[1]}",
            "-framerate", str(plan.rate), "-i", "pipe:0", *sound, "-map", "0:v:0", "-map", "1:a:0",
            *(["-vf", upload] if upload else []),
            *encoder.output_args(quality.crf, GOP, quality.preset), "-c:a", "aac", "-b:a", quality.audio_bitrate,
            "-af", f"apad,atrim=duration={seconds:.6f}", "-movflags", "+faststart", str(out)]


class _Decoders:
    """Runs the reads: each a frame stream started ahead in a worker, closed after its last cut."""

    def __init__(self, reads: list[_Read], size: tuple[int, int]) -> None:
        self.reads, self.size = reads, size
        self.frame_bytes = size[0] * size[1] * 3 // 2
        self.streams: dict[int, Iterator[bytes]] = {}
        self.first: dict[int, Future] = {}
        self.last: dict[int, bytes] = {}
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="preview-open")

    def start(self, index: int) -> None:
        """Start read ``index`` (its first frame decodes in the background)."""
        if index not in self.streams:
            read = self.reads[index]
            stream = ffmpeg_cmd.stream(_decode_args(read, self.size), read.clip.path, self.frame_bytes)
            self.streams[index] = stream
            self.first[index] = self.pool.submit(next, stream, None)

    def next_frame(self, index: int) -> bytes | None:
        """The read's next frame; its last one again when the source ended early (shorter than probed)."""
        self.start(index)
        first = self.first.pop(index, None)
        frame = first.result() if first is not None else next(self.streams[index], None)
        if frame is not None and len(frame) == self.frame_bytes:
            self.last[index] = frame
        return self.last.get(index)

    def finish(self, index: int) -> None:
        """Stop read ``index`` (its ffmpeg exits after its last frame; a failure still raises)."""
        stream = self.streams.pop(index)
        self.last.pop(index, None)
        first = self.first.pop(index, None)
        if first is not None:
            first.result()
        with contextlib.suppress(StopIteration):
            next(stream)
        stream.close()

    def close(self) -> None:
        self.pool.shutdown(wait=True)  # every background read has returned, so no stream runs in a worker
        for stream in self.streams.values():
            # a signal that interrupted a worker thread's start leaves that thread unknown to the pool and
            # maybe still reading; the signal killed its ffmpeg, so the stream ends by itself
            with contextlib.suppress(ValueError):  # "generator already executing"
                stream.close()


def write_frames(plan: Plan, size: tuple[int, int], write: Callable[[bytes], object],
                 progress: Callable[[float], None] | None = None, cancel: threading.Event | None = None) -> None:
    """Decode the frames ``plan`` shows, scaled to ``size`` (yuv420p), and hand each to ``write`` in timeline
    order: ``plan.frames`` calls. ``progress`` gets 0..0.99; ``cancel`` raises :class:`Cancelled`. The preview
    and the master's segments (:mod:`montage_ai.render`) both render through here."""
    reads, served_by = plan_reads(plan)
    last_use = {index: i for i, index in enumerate(served_by)}
    decoders = _Decoders(reads, size)
    written = 0
    try:
        for i, cut in enumerate(plan.cuts):
            for ahead in served_by[i:i + 1 + LOOKAHEAD_CUTS]:
                decoders.start(ahead)
            index, frame, at = served_by[i], None, -1
            for offset in shown_frames(cut, plan):
                if cancel is not None and cancel.is_set():
                    raise Cancelled()
                while at < offset:
                    frame = decoders.next_frame(index)
                    at += 1
                if frame is None:
                    raise InputError(cut.clip.path, f"no frame decodable from frame {cut.source_in}")
                write(frame)
                written += 1
            if last_use[index] == i:
                decoders.finish(index)
            if progress:
                progress(0.99 * written / plan.frames)
    finally:
        decoders.close()


def render_preview(plan: Plan, out: Path, quality: str = "full", progress: Callable[[float], None] | None = None,
                   cancel: threading.Event | None = None, encoder: Selection | None = None) -> Selection:
    """Render ``plan`` to ``out`` (MP4) with ``encoder`` (default: :func:`select_encoder` for
    ``$FFMPEG_HWACCEL``, else auto); return that selection. ``progress`` gets 0..1; ``cancel`` aborts with
    :class:`Cancelled` (and, like any failure, leaves no ``out``)."""
    selection = encoder or select_encoder()
    size = preview_size(plan, quality)
    mix = out.with_name(f".{out.stem}-dialogue.wav") if plan.dialogue else None  # music ducked + dialogue
    try:
        if mix:
            mix_dialogue(plan, mix, staged=out.parent)
        with ffmpeg_cmd.sink(_encode_args(plan, size, QUALITIES[quality], selection.encoder, out, mix),
                             out) as encoder:
            write_frames(plan, size, encoder.write, progress, cancel)
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    finally:
        if mix:
            mix.unlink(missing_ok=True)
    if progress:
        progress(1.0)
    return selection
