"""A rendered preview of the plan: H.264 at 540p with the music, exactly ``plan.frames`` frames.

Each cut is rendered to its own raw H.264 segment (seek, conform to the timeline rate, scale/pad,
exact frame count, no B-frames); the segments are joined byte for byte and muxed at the timeline
rate, so frame k has timestamp k/fps exactly; then the music is laid under them.
"""
from __future__ import annotations

import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

from .. import ffmpeg_cmd
from ..errors import Cancelled
from ..model import Cut, Plan

PREVIEW_HEIGHT = 540


def preview_size(plan: Plan, height: int = PREVIEW_HEIGHT) -> tuple[int, int]:
    """Even ``(width, height)`` at ``height`` with the aspect of the largest source."""
    big = max(plan.clips, key=lambda c: c.width * c.height)
    aspect = big.width / big.height if big.width and big.height else 16 / 9
    return 2 * round(height * aspect / 2), height


def _segment(cut: Cut, plan: Plan, size: tuple[int, int], out: Path) -> None:
    w, h = size
    seek = max(0.0, (cut.source_in - 0.5) / float(cut.clip.rate.fps))  # keep frame source_in, drop the one before
    vf = (f"fps={plan.rate},scale={w}:{h}:force_original_aspect_ratio=decrease,"
          f"pad={w}:{h}:(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p,tpad=stop=-1:stop_mode=clone")
    ffmpeg_cmd.run(["-y", "-ss", f"{seek:.6f}", "-i", str(cut.clip.path), "-an", "-vf", vf,
                    "-frames:v", str(cut.record_frames), "-c:v", "libx264", "-preset", "veryfast",
                    "-crf", "23", "-bf", "0", "-g", "48", "-f", "h264", str(out)], cut.clip.path)


def render_preview(plan: Plan, out: Path, height: int = PREVIEW_HEIGHT,
                   progress: Callable[[float], None] | None = None,
                   cancel: threading.Event | None = None, workers: int = 2, work_dir: Path | None = None) -> None:
    """Render ``plan`` to ``out`` (MP4). ``progress`` gets 0..1; ``cancel`` aborts with :class:`Cancelled`.
    Segments go to a temporary folder in ``work_dir`` (default: ``$TMPDIR``)."""
    size = preview_size(plan, height)
    with tempfile.TemporaryDirectory(prefix="montage-preview-", dir=work_dir) as tmp:
        segments = [Path(tmp) / f"cut{cut.index:05d}.h264" for cut in plan.cuts]
        done = 0
        lock = threading.Lock()

        def render(item: tuple[Cut, Path]) -> None:
            nonlocal done
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            _segment(item[0], plan, size, item[1])
            with lock:
                done += 1
                if progress:
                    progress(0.95 * done / len(segments))

        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(render, zip(plan.cuts, segments)))
        joined = Path(tmp) / "video.h264"
        with open(joined, "wb") as dst:
            for seg in segments:
                dst.write(seg.read_bytes())
        seconds = plan.frames / float(plan.rate.fps)
        ffmpeg_cmd.run(["-y", "-framerate", str(plan.rate), "-f", "h264", "-i", str(joined),
                        "-ss", f"{plan.music_in / float(plan.rate.fps):.6f}", "-i", str(plan.music.path),
                        "-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy", "-c:a", "aac", "-b:a", "192k",
                        "-af", f"apad,atrim=duration={seconds:.6f}", "-frames:v", str(plan.frames),
                        "-movflags", "+faststart", str(out)], out)
    if progress:
        progress(1.0)
