"""preview.mp4 shows each cut's clip exactly on the planned frames, and runs as long as the timeline."""
import numpy as np
from colour_media import clip_index_per_frame, colour_clips, expected_per_frame

from montage_ai.export.preview import render_preview
from montage_ai.plan.planner import PlanSettings, plan_montage
from montage_ai.timebase import Rate


def test_preview_cuts_on_planned_frames(music, tmp_path):
    clips = colour_clips(tmp_path, ["30000/1001", "30000/1001", "25", "30000/1001", "24000/1001"])
    plan = plan_montage(music, clips, PlanSettings(fps=Rate.parse("29.97"), music_start=20, duration=10, style="hype"))
    out = tmp_path / "preview.mp4"
    render_preview(plan, out, height=180)
    per_frame = clip_index_per_frame(out)
    assert len(per_frame) == plan.frames
    assert np.array_equal(per_frame, expected_per_frame(plan))
