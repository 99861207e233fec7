"""A generated long-GOP camera take (never committed): two hand-held views joined by one hard cut, sensor
grain, and a small bright element shrinking smoothly across the cut; HEVC 10-bit at a camera's bit rate
with a key frame every ``gop`` frames and no extra key frame at the cut (so the cut sits inside a GOP).
The benchmark renders it at 3840x2160; the tests at a small size."""
from __future__ import annotations

from pathlib import Path

from tests.footage_media import ffmpeg

#: Bits per second of a 4K 30p HEVC camera recording (consumer cameras and phones write 40-100 Mbit/s).
CAMERA_BITS = 50_000_000


def long_take(path: Path, size: tuple[int, int] = (3840, 2160), seconds: float = 20.0, cut: int = 311,
              gop: int = 30, rate: int = 30, back: int | None = None) -> Path:
    """Render the take into ``path`` (reused when it exists); its boundary is frame ``cut`` (and frame ``back``,
    where the first view comes back, when given). The bit rate is a 4K camera's (:data:`CAMERA_BITS` per
    second at 3840x2160, in proportion to the pixels below), so the grain is coded in every frame, not in
    the key frames alone."""
    if path.exists():
        return path
    w, h = size
    ww, wh = w + w // 8, h + h // 8  # the world each view films: room for the hand-held shake
    s = f"{ww // 4}x{wh // 4}"  # drawn small, scaled up, then detailed with a grid
    views = []
    for k, view in enumerate((f"mandelbrot=s={s}:start_scale=1.5,hue=h=40",
                              f"cellauto=s={s}:rule=110:random_seed=3,hue=h=200:s=2")):
        views.append(path.with_name(f"{path.stem}.view{k}.png"))
        ffmpeg("-filter_complex", f"{view},scale={ww}:{wh}:flags=bicubic,drawgrid=w={w // 24}:h={h // 12}:t=2"
               f":c=white@0.5,format=rgb24", "-frames:v", 1, views[-1])
    frames = round(seconds * rate)
    box = (max(8, w // 12), max(6, h // 12))
    shake = f"x='{w // 16}+{w / 160:.1f}*sin(t*5)+{w / 320:.1f}*sin(t*13)':y='{h // 16}+{h / 180:.1f}*cos(t*7)'"
    edges = [0, cut, *([back] if back else []), frames]
    parts = len(edges) - 1
    graph = [f"[{k % 2}:v]format=yuv420p,loop=loop={b - a - 1}:size=1,setpts=N/({rate}*TB),crop={w}:{h}:{shake}[v{k}]"
             for k, (a, b) in enumerate(zip(edges, edges[1:]))]  # each view decoded once, repeated in memory
    graph.append(f"{''.join(f'[v{k}]' for k in range(parts))}concat=n={parts}[c];"
                 f"color=c=white:s={box[0]}x{box[1]}:r={rate},"
                 f"scale=w='max(2,{box[0]}*(1-clip((t-2)/14,0,1)))':h='max(2,{box[1]}*(1-clip((t-2)/14,0,1)))'"
                 f":eval=frame[e];[c][e]overlay=x=(W-w)/2:y=(H-h)/3:shortest=1,noise=alls=5:allf=t[v]")
    inputs = [a for v in views for a in ("-i", v)]
    part = path.with_suffix(".part.mp4")
    ffmpeg(*inputs, "-filter_complex", ";".join(graph), "-map", "[v]", "-frames:v", frames, "-r", rate,
           "-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le", "-tag:v", "hvc1",
           "-b:v", round(CAMERA_BITS * w * h / (3840 * 2160)),
           "-x265-params", f"log-level=error:keyint={gop}:min-keyint={gop}:scenecut=0", part)
    part.replace(path)
    return path
