"""Decode footage once into small frames for analysis: ffmpeg scales in the decoder, numpy reads the pipe.

Frames come out in blocks of :class:`Frames` (8-bit luma plus half-size chroma planes, ~160x90), one
block per ffmpeg read, so memory stays the same for a 10-second clip and an hour-long one.
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .. import ffmpeg_cmd
from ..decoders import decode_args as hardware_decode_args
from ..model import Clip
from ..read_ahead import read_ahead
from . import libav

#: Pixels per analysis frame (160x90 at 16:9); the shape follows the coded aspect ratio.
ANALYSIS_PIXELS = 160 * 90
#: Frames per block read from ffmpeg.
BLOCK_FRAMES = 128


@dataclass(frozen=True)
class Frames:
    """A block of consecutive frames from ``first`` (clip frame index): ``luma`` (n, h, w) and
    ``chroma`` (n, 2, h/2, w/2), uint8 in the coded (video-range) values."""

    first: int
    luma: np.ndarray
    chroma: np.ndarray

    def __len__(self) -> int:
        return self.luma.shape[0]


def analysis_size(width: int, height: int) -> tuple[int, int]:
    """(w, h), both even, of about :data:`ANALYSIS_PIXELS` pixels with the coded aspect ratio."""
    aspect = width / height if width > 0 and height > 0 else 16 / 9
    w = max(16, 2 * round(math.sqrt(ANALYSIS_PIXELS * aspect) / 2))
    h = max(16, 2 * round(w / aspect / 2))
    return w, h


def filter_chain(clip: Clip, size: tuple[int, int]) -> list[str]:
    """The filters from decoded frames to analysis frames: the average rate for variable-rate footage, then the
    size, in video range, with one colour matrix in and out (the coded values are kept, whatever the colour space
    and the libavfilter version: newer ones convert BT.2020 footage to BT.709 otherwise)."""
    w, h = size
    scale = f"scale={w}:{h}:flags=area:out_range=tv:in_color_matrix=bt709:out_color_matrix=bt709"
    return [*([f"fps={clip.rate}"] if clip.variable_rate else []), scale]


def _seek_seconds(clip: Clip, start: int) -> float:
    """Where a decode from frame ``start`` begins: half a frame before it (frames before it are dropped)."""
    return float(clip.rate.seconds(start)) - 0.5 / float(clip.rate.fps)


def decode_args(clip: Clip, size: tuple[int, int], start: int = 0, count: int | None = None,
                keys_only: bool = False) -> list[str]:
    """ffmpeg arguments for ``clip``'s first video stream as raw yuv420p at ``size``: every frame, or
    ``count`` frames from frame ``start`` (an input seek: ffmpeg decodes from the key frame at or before
    it and drops the frames before ``start``), or ``keys_only`` (``-skip_frame nokey``: the key frames
    alone, nothing else decoded).

    Hardware decoding where a test decode proved it works (:func:`montage_ai.decoders.decode_args`).
    Rotation metadata is ignored (measures do not depend on orientation); variable-rate footage
    is resampled to its average rate so frame ``i`` is the one an NLE shows at ``i / rate``. The
    decoder skips its deblocking filter (H.264/HEVC decode about a quarter faster; the blocking it
    leaves is averaged away at analysis size).
    """
    seek = ["-ss", f"{_seek_seconds(clip, start):.6f}"] if start > 0 else []
    only = ["-skip_frame", "nokey"] if keys_only else []
    frames = ["-frames:v", str(count)] if count is not None else []
    return [*hardware_decode_args(), *seek, *only, "-noautorotate", "-skip_loop_filter", "all", "-i", str(clip.path),
            "-map", "0:v:0", "-an", "-sn", "-dn", "-vsync", "cfr" if clip.variable_rate else "passthrough",
            *frames, "-vf", ",".join(filter_chain(clip, size)), "-pix_fmt", "yuv420p", "-f", "rawvideo", "-"]


def read_frames(clip: Clip, size: tuple[int, int] | None = None, start: int = 0, count: int | None = None,
                keys_only: bool = False) -> Iterator[Frames]:
    """Blocks of ``clip``'s frames at ``size`` (default :func:`analysis_size`), all of them or those
    :func:`decode_args` selects (``first`` counts from ``start``; for ``keys_only`` it counts key frames);
    InputError naming the file when ffmpeg fails part-way (the frames read before are yielded first);
    Cancelled once the run is stopped (:func:`montage_ai.ffmpeg_cmd.stop_all`)."""
    w, h = size or analysis_size(clip.width, clip.height)
    frame_bytes = w * h * 3 // 2
    first = start
    # variable-rate footage stays with the command: its -vsync cfr fills the first slots of a stream that starts
    # late with the first frame, the in-process fps filter does not (its frames came one slot late)
    in_process = not hardware_decode_args() and not clip.variable_rate
    container = libav.open_video(clip.path, seeking=start > 0) if in_process else None
    if container is not None:
        frames = libav.frames_yuv(container, [*filter_chain(clip, (w, h)), "format=yuv420p"],
                                  _seek_seconds(clip, start) if start > 0 else None, count, keys_only)
        blocks = read_ahead(libav.blocks(frames, BLOCK_FRAMES, frame_bytes), name="decoder")
    else:
        blocks = ffmpeg_cmd.stream(decode_args(clip, (w, h), start, count, keys_only), clip.path,
                                   BLOCK_FRAMES * frame_bytes)
    for raw in blocks:
        ffmpeg_cmd.check_stopped()  # a stopped run ends the in-process decode as it kills ffmpeg
        n = len(raw) // frame_bytes
        if n == 0:
            continue
        planes = np.frombuffer(raw, np.uint8, n * frame_bytes).reshape(n, frame_bytes)
        luma = planes[:, : w * h].reshape(n, h, w)
        chroma = planes[:, w * h:].reshape(n, 2, h // 2, w // 2)
        yield Frames(first, luma, chroma)
        first += n
