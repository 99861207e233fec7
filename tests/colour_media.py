"""Solid-colour test clips and a reader that tells, for each rendered frame, which clip it shows."""
import subprocess
from fractions import Fraction

import numpy as np

from montage_ai.video.probe import probe_clip

COLOURS = {"red": (255, 0, 0), "lime": (0, 255, 0), "blue": (0, 0, 255), "yellow": (255, 255, 0),
           "magenta": (255, 0, 255), "cyan": (0, 255, 255)}
W, H = 32, 18


CODE_BITS = 16  # cells in a coded clip's top band (2/9 of its height): frame number, then clip index << 12


def colour_clips(folder, rates, seconds=9, coded=False, size="320x180", moving=False, gop=50):
    """One clip per rate, each a different colour; the first has start timecode 01:00:00:00.
    ``coded`` clips carry ``clip index << 12 | frame number`` in a band of black/white cells across the
    top (least significant bit left); ``moving`` ones show ffmpeg's moving test pattern instead of a colour.
    ``gop``: frames from one keyframe to the next."""
    clips = []
    width, height = map(int, size.split("x"))
    for i, (name, rate) in enumerate(zip(COLOURS, rates)):
        path = folder / f"{name} clip #{i}.mov"
        tc = ["-timecode", "01:00:00:00"] if i == 0 else []
        source = f"{'testsrc2=' if moving else f'color=c={name}:'}s={size}:r={rate}:d={seconds}"
        if coded:
            source += (f"[bg];color=c=black:s={CODE_BITS}x1:r={rate}:d={seconds},format=gray,"
                       f"geq=lum='255*mod(floor((N+{i << 12})/pow(2\\,X))\\,2)',"
                       f"scale={width}:{height * 2 // 9}:flags=neighbor,format=yuv420p[code];[bg][code]overlay=0:0")
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", source, "-g", str(gop),
                        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", *tc, str(path)], check=True)
        clips.append(probe_clip(path))
    return clips


def frame_codes(video) -> tuple[np.ndarray, np.ndarray]:
    """Per decoded frame of ``video`` (made from coded clips): the clip index and frame number in its code."""
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(video), "-vf", f"scale={CODE_BITS}:9:flags=area,format=gray",
                          "-f", "rawvideo", "-pix_fmt", "gray", "-"], check=True, capture_output=True).stdout
    bits = np.frombuffer(raw, np.uint8).reshape(-1, 9, CODE_BITS)[:, 0] > 128
    code = (bits * (1 << np.arange(CODE_BITS))).sum(axis=1)
    return code >> 12, code & 0xFFF


def clip_index_per_frame(video) -> np.ndarray:
    """Index (into COLOURS) of the colour nearest to each decoded frame of ``video``."""
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(video), "-vf", f"scale={W}:{H}", "-f", "rawvideo",
                          "-pix_fmt", "rgb24", "-"], check=True, capture_output=True).stdout
    frames = np.frombuffer(raw, np.uint8).reshape(-1, H * W, 3).mean(axis=1)
    palette = np.array(list(COLOURS.values()), float)
    return np.argmin(((frames[:, None, :] - palette[None]) ** 2).sum(axis=2), axis=1)


def expected_per_frame(plan) -> np.ndarray:
    names = list(COLOURS)
    return np.concatenate([[names.index(c.clip.path.name.split()[0])] * c.record_frames for c in plan.cuts])


def expected_codes(plan) -> tuple[np.ndarray, np.ndarray]:
    """Per timeline frame: index of the cut's clip and the source frame shown, playing the clip in
    real time from the start of ``source_in`` (frame k shows ``source_in + floor(k * clip_fps / fps)``)."""
    numbers = [c.source_in + int(k * Fraction(c.clip.rate.fps) / plan.rate.fps)
               for c in plan.cuts for k in range(c.record_frames)]
    return expected_per_frame(plan), np.array(numbers)
