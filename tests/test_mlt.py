"""MLT export rendered by ``melt`` (an independent renderer): cuts land on the planned frames, ±0.

Each clip is a solid colour, so every rendered frame tells which clip it came from.
"""
import shutil

import numpy as np
import pytest
from colour_media import clip_index_per_frame, colour_clips, expected_per_frame
from melt_render import melt

from montage_ai.export.mlt import write_mlt
from montage_ai.plan.planner import PlanSettings, plan_montage
from montage_ai.timebase import Rate

pytestmark = pytest.mark.skipif(shutil.which("melt") is None, reason="melt (Debian package 'melt') not installed")

@pytest.mark.parametrize("fps", ["24000/1001", "24", "25", "30000/1001", "30", "50", "60000/1001", "60"])
def test_melt_renders_cuts_on_planned_frames(music, tmp_path, fps):
    rate = Rate.parse(fps)
    other = "25" if fps != "25" else "30000/1001"
    clips = colour_clips(tmp_path, [fps, fps, other, fps, fps, fps])  # one clip at another rate
    plan = plan_montage(music, clips, PlanSettings(fps=rate, music_start=20.0, duration=12.0, style="hype"))
    mlt = tmp_path / "montage.mlt"
    write_mlt(plan, mlt)
    render = tmp_path / "render.mkv"
    melt(mlt, render, "vcodec=ffv1", "an=1")
    per_frame = clip_index_per_frame(render)
    assert len(per_frame) == plan.frames
    boundaries = np.flatnonzero(np.diff(per_frame)) + 1
    assert list(boundaries) == [c.record_start for c in plan.cuts[1:]]
    assert np.array_equal(per_frame, expected_per_frame(plan))
