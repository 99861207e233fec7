"""MLT export rendered by ``melt`` (an independent renderer): cuts land on the planned frames, ±0.

Each clip is a solid colour, so every rendered frame tells which clip it came from.
"""
import shutil
import subprocess

import numpy as np
import pytest

from montage_ai.export.mlt import write_mlt
from montage_ai.plan.planner import PlanSettings, plan_montage
from montage_ai.timebase import Rate
from montage_ai.video.probe import probe_clip

pytestmark = pytest.mark.skipif(shutil.which("melt") is None, reason="melt (Debian package 'melt') not installed")

COLOURS = {"red": (255, 0, 0), "lime": (0, 255, 0), "blue": (0, 0, 255), "yellow": (255, 255, 0),
           "magenta": (255, 0, 255), "cyan": (0, 255, 255)}
W, H = 32, 18


def colour_clips(folder, rates):
    clips = []
    for i, (name, rate) in enumerate(zip(COLOURS, rates)):
        path = folder / f"{name} clip #{i}.mov"
        tc = ["-timecode", "01:00:00:00"] if i == 0 else []
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"color=c={name}:s=320x180:r={rate}:d=9",
                        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", *tc, str(path)], check=True)
        clips.append(probe_clip(path))
    return clips


def rendered_clip_per_frame(mlt, out):
    subprocess.run(["melt", "-quiet", str(mlt), "-consumer", f"avformat:{out}", "vcodec=ffv1", "an=1"],
                   check=True, capture_output=True)
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(out), "-vf", f"scale={W}:{H}", "-f", "rawvideo",
                          "-pix_fmt", "rgb24", "-"], check=True, capture_output=True).stdout
    frames = np.frombuffer(raw, np.uint8).reshape(-1, H, W, 3).reshape(-1, H * W, 3).mean(axis=1)
    palette = np.array(list(COLOURS.values()), float)
    return np.argmin(((frames[:, None, :] - palette[None]) ** 2).sum(axis=2), axis=1)


@pytest.mark.parametrize("fps", ["24000/1001", "24", "25", "30000/1001", "30", "50", "60000/1001", "60"])
def test_melt_renders_cuts_on_planned_frames(music, tmp_path, fps):
    rate = Rate.parse(fps)
    other = "25" if fps != "25" else "30000/1001"
    clips = colour_clips(tmp_path, [fps, fps, other, fps, fps, fps])  # one clip at another rate
    plan = plan_montage(music, clips, PlanSettings(fps=rate, music_start=20.0, duration=12.0, style="hype"))
    mlt = tmp_path / "montage.mlt"
    write_mlt(plan, mlt)
    per_frame = rendered_clip_per_frame(mlt, tmp_path / "render.mkv")
    assert len(per_frame) == plan.frames
    names = list(COLOURS)
    expected = np.concatenate([[names.index(c.clip.path.name.split()[0])] * c.record_frames for c in plan.cuts])
    boundaries = np.flatnonzero(np.diff(per_frame)) + 1
    assert list(boundaries) == [c.record_start for c in plan.cuts[1:]]
    assert np.array_equal(per_frame, expected)
