"""A rendered preview of the plan: H.264 with the music, exactly ``plan.frames`` frames.

Frame ``k`` of a cut (counted from its first timeline frame) shows source frame
``source_in + floor(k * clip_fps / timeline_fps)``: the clip plays in real time from the start of
frame ``source_in``, each timeline frame showing the source frame on screen when it starts.

One encoder (ffmpeg reading raw frames on stdin, the music range muxed under them; H.264 through
the encoder selection of :mod:`montage_ai.encoders`, so a hardware encoder that passed its test
encode, else libx264) and a few decoders. A decoder seeks once into one source, keeps only the frames its cuts show (``select``)
and scales them to the preview size; it serves every later cut of that source that starts at or
after where it stands and at most ``REUSE_GAP_SECONDS`` further on, so a source played through by
several cuts is decoded once. The next decoders are started ahead while the encoder works. A reframed
deliverable (``plan.crops``) decodes a cropped clip's whole picture at the scale its crop window needs
and cuts the window out of each frame as the crop moves.
"""
from __future__ import annotations

import contextlib
import math
import threading
from collections import OrderedDict
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from .. import ffmpeg_cmd
from ..dialogue.mix import mix_dialogue
from ..encoders import Encoder, Selection, retest, select_encoder
from ..errors import Cancelled, InputError
from ..model import Clip, Crop, Cut, Plan


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
    return [plan.rate.rescale(k, cut.clip.rate) for k in range(cut.record_frames)]


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


def whole_size(clip: Clip, crop: Crop, size: tuple[int, int]) -> tuple[int, int]:
    """The even size the whole displayed source is scaled to so that ``crop``'s window becomes ``size``."""
    scale = size[0] / crop.width
    w, h = clip.display_size
    return max(size[0], 2 * math.ceil(w * scale / 2)), max(size[1], 2 * math.ceil(h * scale / 2))


def cut_out(frame: bytes, whole: tuple[int, int], size: tuple[int, int], crop: Crop, at: float) -> bytes:
    """``size`` of a yuv420p ``frame`` of ``whole`` size: ``crop``'s window at cut frame ``at``, on even pixels."""
    (W, H), (w, h) = whole, size
    x, y, _, _ = crop.window(at)
    scale = w / crop.width
    left = min(W - w, max(0, 2 * round(x * scale / 2)))
    top = min(H - h, max(0, 2 * round(y * scale / 2)))
    data = np.frombuffer(frame, np.uint8)
    luma = data[:W * H].reshape(H, W)[top:top + h, left:left + w]
    u, v = (data[W * H + i * (W * H // 4):W * H + (i + 1) * (W * H // 4)].reshape(H // 2, W // 2)
            [top // 2:(top + h) // 2, left // 2:(left + w) // 2] for i in (0, 1))
    return b"".join(np.ascontiguousarray(p).tobytes() for p in (luma, u, v))


def _decode_args(read: _Read, size: tuple[int, int], whole: bool = False) -> list[str]:
    """A read's decode: each kept frame fitted into ``size`` (padded), or, ``whole``, scaled to ``size``
    (a reframed clip's whole picture, cut out per frame by :func:`cut_out`)."""
    w, h = size
    seek = max(0.0, (read.start - 0.5) / float(read.clip.rate.fps))  # keep frame ``start``, drop the one before
    keep = "+".join(f"between(n,{a - read.start},{b - 1 - read.start})" for a, b in read.ranges)
    fit = f"scale={w}:{h}" if whole else \
        f"scale={w}:{h}:force_original_aspect_ratio=decrease,pad={w}:{h}:(ow-iw)/2:(oh-ih)/2"
    conform = f"fps={read.clip.rate}," if read.clip.variable_rate else ""  # count frames as analysis did
    vf = f"{conform}select='{keep}',{fit},setsar=1,format=yuv420p"
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

    def __init__(self, reads: list[_Read], sizes: list[tuple[tuple[int, int], bool]]) -> None:
        self.reads, self.sizes = reads, sizes  # per read: decode size, whole picture (reframed) or fitted
        self.streams: dict[int, Iterator[bytes]] = {}
        self.first: dict[int, Future] = {}
        self.last: dict[int, bytes] = {}
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="preview-open")

    def frame_bytes(self, index: int) -> int:
        (w, h), _ = self.sizes[index]
        return w * h * 3 // 2

    def start(self, index: int) -> None:
        """Start read ``index`` (its first frame decodes in the background)."""
        if index not in self.streams:
            read = self.reads[index]
            stream = ffmpeg_cmd.stream(_decode_args(read, *self.sizes[index]), read.clip.path, self.frame_bytes(index))
            self.streams[index] = stream
            self.first[index] = self.pool.submit(next, stream, None)

    def next_frame(self, index: int) -> bytes | None:
        """The read's next frame; its last one again when the source ended early (shorter than probed)."""
        self.start(index)
        first = self.first.pop(index, None)
        frame = first.result() if first is not None else next(self.streams[index], None)
        if frame is not None and len(frame) == self.frame_bytes(index):
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
    """Decode the frames ``plan`` shows, scaled to ``size`` (yuv420p; a reframed cut's window cut out of
    its whole picture, :func:`cut_out`), and hand each to ``write`` in timeline order: ``plan.frames``
    calls. ``progress`` gets 0..0.99; ``cancel`` raises :class:`Cancelled`. The preview and the master's
    segments (:mod:`montage_ai.render`) both render through here."""
    reads, served_by = plan_reads(plan)
    last_use = {index: i for i, index in enumerate(served_by)}
    crops = [plan.crop(cut) for cut in plan.cuts]
    sizes = [(size, False)] * len(reads)
    for index, crop, cut in zip(served_by, crops, plan.cuts):
        if crop is not None:  # every cut of a read shows one clip, so one crop size
            sizes[index] = (whole_size(cut.clip, crop, size), True)
    decoders = _Decoders(reads, sizes)
    written = 0
    try:
        for i, cut in enumerate(plan.cuts):
            for ahead in served_by[i:i + 1 + LOOKAHEAD_CUTS]:
                decoders.start(ahead)
            index, frame, at, crop = served_by[i], None, -1, crops[i]
            for k, offset in enumerate(shown_frames(cut, plan)):
                if cancel is not None and cancel.is_set():
                    raise Cancelled()
                while at < offset:
                    frame = decoders.next_frame(index)
                    at += 1
                if frame is None:
                    raise InputError(cut.clip.path, f"no frame decodable from frame {cut.source_in}")
                write(frame if crop is None else cut_out(frame, sizes[index][0], size, crop, k))
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
    :class:`Cancelled` (and, like any failure, leaves no ``out``). A hardware encoder chosen here that
    passed its test (maybe a cached verdict) but fails now is tested again (:func:`.encoders.retest`)
    and the preview rendered in software; an ``encoder`` given is used as it is."""
    selection = encoder or select_encoder()
    try:
        return _render(plan, out, quality, progress, cancel, selection)
    except InputError as err:
        if encoder is not None or not selection.hardware or err.path != str(out):
            raise
        return _render(plan, out, quality, progress, cancel, retest(selection, err.problem))


def _render(plan: Plan, out: Path, quality: str, progress: Callable[[float], None] | None,
            cancel: threading.Event | None, selection: Selection) -> Selection:
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
