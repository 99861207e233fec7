"""A generated clip with a subject moving across the frame, and where the subject is at any time."""
from __future__ import annotations

from pathlib import Path

from montage_ai import ffmpeg_cmd

#: The subject: a white square of SIDE pixels on a dark, still, slightly noisy background.
SIDE = 100
#: It waits at X0, moves right at SPEED px/s from MOVE_FROM to MOVE_TO seconds, then waits again.
X0, SPEED, MOVE_FROM, MOVE_TO = 100, 160, 2.0, 8.0
Y = 300


def subject_x(t: float) -> float:
    """The subject's left edge (source pixels) at clip time ``t``."""
    return X0 + SPEED * min(max(t - MOVE_FROM, 0.0), MOVE_TO - MOVE_FROM)


def moving_subject(path: Path, seconds: float = 10.0, size: tuple[int, int] = (1280, 720), rate: str = "25") -> Path:
    """Render the clip (H.264, ``rate`` fps) to ``path``."""
    w, h = size
    x = f"{X0}+{SPEED}*min(max(t-{MOVE_FROM},0),{MOVE_TO - MOVE_FROM})"
    graph = (f"color=c=0x283848:s={w}x{h}:r={rate},noise=alls=6:allf=t[bg];"
             f"color=c=white:s={SIDE}x{SIDE}:r={rate}[fg];[bg][fg]overlay=x='{x}':y={Y}:shortest=1")
    ffmpeg_cmd.run(["-y", "-f", "lavfi", "-i", graph, "-t", str(seconds), "-pix_fmt", "yuv420p", "-c:v", "libx264",
                    "-preset", "ultrafast", "-g", "25", str(path)], path)
    return path
