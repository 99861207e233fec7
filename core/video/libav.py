"""Decode footage in this process with PyAV (FFmpeg's libraries): no ffmpeg process to start per file.

A short phone or camera clip costs less to decode than the ffmpeg process that decodes it takes to start
(~70 ms: it links some 200 shared libraries), so the software path of :mod:`.frames` opens the file here,
demuxes and decodes it with the decoder options of its ffmpeg command (``-skip_loop_filter all``,
``-skip_frame nokey`` for key frames alone, an accurate input seek) and runs the same libavfilter chain,
so the frames are those the ffmpeg command gives. :func:`packet_rows` demuxes the packet table :mod:`.timing`
reads without an ffprobe run. Both return None where PyAV is missing or cannot open the file: the caller
runs ffmpeg or ffprobe then, which also word the error.
"""
from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..ffmpeg_cmd import check_stopped

try:
    import av
    import av.filter
except ImportError:  # an install without PyAV decodes through the ffmpeg process
    av = None


#: Pictures of more pixels are decoded by frame threads (decoding is most of the work: every core decodes);
#: smaller ones in one thread, which costs about a tenth less CPU and, with the blocks made ahead in their own
#: thread (:mod:`montage_ai.read_ahead`), keeps a core decoding while another measures (a pool analysing
#: several files at once keeps the others busy).
FRAME_THREADS_PIXELS = 1_000_000


#: Containers without a seek index (MPEG transport and program streams): a seek there can land past the key frame
#: before the target, so a window starting inside the file is read by the ffmpeg command instead.
INEXACT_SEEK_FORMATS = frozenset({"mpegts", "mpeg", "mpegvideo"})


def open_video(path: Path, seeking: bool = False):
    """The open container of ``path`` when PyAV can read its first video stream (and, ``seeking``, when a seek in
    it lands on the key frame before its target: not one of :data:`INEXACT_SEEK_FORMATS`), else None."""
    if av is None:
        return None
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError, ValueError):
        return None
    if not container.streams.video or seeking and INEXACT_SEEK_FORMATS & set(container.format.name.split(",")):
        container.close()
        return None
    return container


def packet_rows(path: Path) -> tuple[Fraction, list[tuple[int, int, bool]]] | None:
    """The first video stream's time base and (pts, bytes, key frame) of each timestamped packet that is shown
    (not one an edit list discards), demuxed (nothing decoded); None when PyAV cannot open or read the file to its
    end."""
    container = open_video(path)
    if container is None:
        return None
    with contextlib.closing(container):
        stream = container.streams.video[0]
        try:
            rows = [(p.pts, p.size, p.is_keyframe) for p in container.demux(stream) if p.pts is not None
                    and not p.is_discard]
        except av.error.FFmpegError:
            return None
        return Fraction(stream.time_base), rows


def _graph(stream, chain: list[str]):
    """A configured filter graph: ``stream``'s frames through the ``chain`` (``name=args`` each) into a sink."""
    graph = av.filter.Graph()
    graph.threads = 1  # frames of ~160x90: slice threads cost more than they share (a quarter of the scaling's CPU)
    nodes = [graph.add_buffer(template=stream)]
    for step in chain:
        name, _, args = step.partition("=")
        nodes.append(graph.add(name, args or None))
    nodes.append(graph.add("buffersink"))
    for a, b in zip(nodes, nodes[1:]):
        a.link_to(b)
    graph.configure()
    return graph


def _decoded(container, stream, from_seconds: float | None) -> Iterator:
    """``stream``'s decoded frames; from ``from_seconds`` (from the container's start) when given: a
    seek to the key frame at or before it, the frames before it dropped (ffmpeg's accurate ``-ss``)."""
    if from_seconds is not None:
        origin = (container.start_time or 0) / av.time_base
        target = origin + from_seconds
        container.seek(int(target / stream.time_base), stream=stream, backward=True)
    packets = container.demux(stream)
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            return
        except av.error.FFmpegError:  # a read error ends the input, as in ffmpeg's command
            packet = None
        try:
            frames = packet.decode() if packet is not None else stream.codec_context.decode(None)
        except av.error.FFmpegError:  # a packet that does not decode: ffmpeg's command reports it and goes on
            continue
        for frame in frames:
            if from_seconds is None or frame.time is None or frame.time >= target:
                yield frame
        if packet is None:
            return


def frames_yuv(container, chain: list[str], start_seconds: float | None = None, count: int | None = None,
               keys_only: bool = False) -> Iterator:
    """yuv420p frames (PyAV's) of ``container``'s first video stream through ``chain``:
    every frame, or ``count`` from ``start_seconds``, or ``keys_only``. Closes the container at the end;
    InputError naming the file when the filters refuse its frames."""
    with contextlib.closing(container):
        try:
            yield from _filtered(container, chain, start_seconds, count, keys_only)
        except av.error.FFmpegError as err:
            raise InputError(Path(container.name), f"decoding failed ({err})") from None


def _filtered(container, chain: list[str], start_seconds: float | None, count: int | None,
              keys_only: bool) -> Iterator:
    """:func:`frames_yuv` of an open container."""
    stream = container.streams.video[0]
    context = stream.codec_context
    context.thread_type = "AUTO" if context.width * context.height > FRAME_THREADS_PIXELS else "SLICE"
    context.options = {"skip_loop_filter": "all"}
    if keys_only:
        context.skip_frame = "NONKEY"
    graph = _graph(stream, chain)
    made = 0

    def pulled() -> Iterator:
        while True:
            try:
                yield graph.vpull()
            except (av.error.BlockingIOError, av.error.EOFError):
                return

    for frame in itertools.chain(_decoded(container, stream, start_seconds), [None]):  # None: flush
        check_stopped()  # a stopped run ends the decode at the next frame, in whichever thread it runs
        graph.vpush(frame)
        for out in pulled():
            yield out
            made += 1
            if count is not None and made >= count:
                return


def blocks(frames: Iterator, size: int, frame_bytes: int) -> Iterator[np.ndarray]:
    """``frames`` (yuv420p, ``frame_bytes`` each) packed plane after plane, as the ffmpeg command's pipe delivers
    them, in flat uint8 blocks of ``size`` frames (the last may be shorter): each plane's rows copied once, straight
    from the frame's buffer into the block."""
    block = np.empty((size, frame_bytes), np.uint8)
    k = 0
    for frame in frames:
        at = 0
        for plane in frame.planes:
            rows, width = plane.height, plane.width
            source = np.frombuffer(plane, np.uint8, rows * plane.line_size).reshape(rows, plane.line_size)
            block[k, at: at + rows * width].reshape(rows, width)[:] = source[:, :width]
            at += rows * width
        k += 1
        if k == size:
            yield block.reshape(-1)
            block, k = np.empty((size, frame_bytes), np.uint8), 0
    if k:
        yield block[:k].reshape(-1)
