"""Small generated clips with known content for footage-analysis tests (never committed)."""
from __future__ import annotations

import subprocess
from pathlib import Path


def ffmpeg(*args) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *map(str, args)], check=True)


def encode(path: Path, graph: str, *extra, rate: str = "25") -> Path:
    """Render the lavfi filter ``graph`` (its output labelled [v]) into ``path`` (H.264, small)."""
    ffmpeg("-filter_complex", graph, "-map", "[v]", "-r", rate, "-c:v", "libx264", "-preset", "ultrafast",
           "-pix_fmt", "yuv420p", *extra, path)
    return path


def source(kind: str, frames: int, rate: str = "25", size: str = "320x180") -> str:
    """A lavfi chain of ``frames`` frames: sharp, blurred, black, dark, still or moving pictures."""
    chains = {
        "sharp": f"testsrc2=s={size}:r={rate}",
        "fractal": f"mandelbrot=s={size}:r={rate}",
        "blurred": f"testsrc2=s={size}:r={rate},gblur=sigma=12",
        "black": f"color=c=black:s={size}:r={rate}",
        "dark": f"testsrc2=s={size}:r={rate},eq=brightness=-0.45",
        "bars": f"smptehdbars=s={size}:r={rate},noise=alls=3:allf=t",
        "pan": f"testsrc2=s=640x360:r={rate},crop={size.replace('x', ':')}:x='t*120':y='40+20*sin(t*3)'",
    }
    return f"{chains[kind]},trim=end_frame={frames},settb=1/({rate}),setpts=N,format=yuv420p"
