"""Solid-colour test clips and a reader that tells, for each rendered frame, which clip it shows."""
import subprocess

import numpy as np

from montage_ai.video.probe import probe_clip

COLOURS = {"red": (255, 0, 0), "lime": (0, 255, 0), "blue": (0, 0, 255), "yellow": (255, 255, 0),
           "magenta": (255, 0, 255), "cyan": (0, 255, 255)}
W, H = 32, 18


def colour_clips(folder, rates, seconds=9):
    """One clip per rate, each a different colour; the first has start timecode 01:00:00:00."""
    clips = []
    for i, (name, rate) in enumerate(zip(COLOURS, rates)):
        path = folder / f"{name} clip #{i}.mov"
        tc = ["-timecode", "01:00:00:00"] if i == 0 else []
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"color=c={name}:s=320x180:r={rate}:d={seconds}",
                        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", *tc, str(path)], check=True)
        clips.append(probe_clip(path))
    return clips


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
