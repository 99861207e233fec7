"""Generated footage of a subject walking across the frame at known positions (reframing tests and
benchmarks; never committed)."""
from __future__ import annotations

from pathlib import Path

from montage_ai import ffmpeg_cmd


#: The walking subject of :func:`subject_clip`: a white square of this many pixels, SUBJECT_Y from the top.
SUBJECT_SIDE, SUBJECT_Y = 100, 300


def subject_x(t: float, width: int = 1280, speed: float = 160.0, wait: float = 2.0) -> float:
    """The subject's left edge (pixels) at clip time ``t``: it waits ``wait`` s 100 px from the left
    edge, walks right at ``speed`` px/s and waits again 100 px from the right edge."""
    travel = width - 200 - SUBJECT_SIDE
    return 100 + min(max(t - wait, 0.0) * speed, travel)


def subject_clip(path: Path, seconds: float = 10.0, size: tuple[int, int] = (1280, 720), rate: str = "25",
                 speed: float = 160.0, wait: float = 2.0) -> Path:
    """A clip of :func:`subject_x`'s subject on a dark, still, slightly noisy background (H.264)."""
    w, h = size
    travel = w - 200 - SUBJECT_SIDE
    x = f"100+min(max(t-{wait},0)*{speed},{travel})"
    graph = (f"color=c=0x283848:s={w}x{h}:r={rate},noise=alls=6:allf=t[bg];"
             f"color=c=white:s={SUBJECT_SIDE}x{SUBJECT_SIDE}:r={rate}[fg];"
             f"[bg][fg]overlay=x='{x}':y={SUBJECT_Y}:shortest=1")
    ffmpeg_cmd.run(["-y", "-f", "lavfi", "-i", graph, "-t", str(seconds), "-pix_fmt", "yuv420p", "-c:v", "libx264",
                    "-preset", "ultrafast", "-g", "25", str(path)], path)
    return path
