"""preview.mp4 shows each cut's clip exactly on the planned frames, and runs as long as the timeline."""
import subprocess
import threading
from dataclasses import replace

import numpy as np
import pytest
from colour_media import clip_index_per_frame, colour_clips, expected_codes, expected_per_frame, frame_codes

from montage_ai.encoders import Encoder, Selection
from montage_ai.errors import Cancelled, InputError
from montage_ai.render.preview import plan_reads, preview_size, render_preview, write_frames
from montage_ai.model import Shot
from montage_ai.plan.planner import PlanSettings, plan_montage
from montage_ai.timebase import Rate


def test_preview_cuts_on_planned_frames(music, tmp_path):
    clips = colour_clips(tmp_path, ["30000/1001", "30000/1001", "25", "30000/1001", "24000/1001"])
    plan = plan_montage(music, clips, PlanSettings(fps=Rate.parse("29.97"), music_start=20, duration=10, style="hype"))
    out = tmp_path / "preview.mp4"
    render_preview(plan, out, quality="draft")
    per_frame = clip_index_per_frame(out)
    assert len(per_frame) == plan.frames
    assert np.array_equal(per_frame, expected_per_frame(plan))


@pytest.mark.parametrize("fps", ["30000/1001", "25"])
def test_preview_shows_each_planned_source_frame_at_mixed_rates(music, tmp_path, fps):
    """Clips slower and faster than the timeline: every timeline frame shows the source frame playing at
    that moment (read from a frame-number code burnt into the clips), and sources are decoded once per
    forward run, not once per cut."""
    clips = colour_clips(tmp_path, ["30000/1001", "60000/1001", "25", "24000/1001", "50", "30000/1001"], coded=True)
    plan = plan_montage(music, clips, PlanSettings(fps=Rate.parse(fps), music_start=8, duration=12, style="hype"))
    assert {c.clip.rate for c in plan.cuts} - {plan.rate}, "the plan must mix rates"
    out = tmp_path / "preview.mp4"
    steps = []
    render_preview(plan, out, quality="draft", progress=steps.append)
    colours, numbers = frame_codes(out)
    want_colours, want_numbers = expected_codes(plan)
    assert len(numbers) == plan.frames
    assert np.array_equal(colours, want_colours)
    assert np.array_equal(numbers, want_numbers)
    assert steps == sorted(steps) and steps[-1] == 1.0
    _assert_music_aligned(out, plan)
    reads, served_by = plan_reads(plan)
    assert len(reads) < len(plan.cuts) and len(served_by) == len(plan.cuts)


def _pcm(*args) -> np.ndarray:
    raw = subprocess.run(["ffmpeg", "-v", "error", *map(str, args), "-map", "0:a:0", "-ac", "1", "-ar", "8000",
                          "-f", "s16le", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.int16).astype(float)


def _assert_music_aligned(video, plan):
    """The preview's sound is the music from the timeline's first frame, as long as the timeline."""
    got = _pcm("-i", video)
    want = _pcm("-ss", f"{plan.music_start_time:.6f}", "-i", plan.music.path)
    aac_frame = 1024 / 44100  # decoders keep the last AAC frame whole
    seconds, half_frame = plan.frames / float(plan.rate.fps), 0.5 / float(plan.rate.fps)
    assert len(got) / 8000 == pytest.approx(seconds, abs=half_frame + aac_frame)
    n, reach = 4 * 8000, 400  # correlate 4 s, lags up to 50 ms
    lags = range(-reach, reach + 1)
    score = [np.dot(got[reach:n], want[reach + lag:n + lag]) for lag in lags]
    assert abs(lags[int(np.argmax(score))]) <= 8  # within 1 ms


def test_preview_size_follows_the_plan(plan):
    assert preview_size(plan, "full")[1] == min(540, plan.height)
    assert preview_size(plan, "draft")[1] == min(360, plan.height)
    portrait = type(plan)(**{**plan.__dict__, "width": 1080, "height": 1920})
    assert preview_size(portrait, "full") == (540, 960)


def test_cancel_stops_and_leaves_nothing(plan, tmp_path):
    out = tmp_path / "preview.mp4"
    cancel = threading.Event()
    with pytest.raises(Cancelled):
        render_preview(plan, out, quality="draft", progress=lambda f: cancel.set(), cancel=cancel)
    assert list(tmp_path.iterdir()) == []


def test_source_shorter_than_probed_holds_its_last_frame(music, tmp_path):
    """A container that promises more frames than it holds: the preview still has every timeline frame."""
    short = colour_clips(tmp_path, ["25"], seconds=1, coded=True)[0]
    promised = replace(short, frames=short.frames * 4, shots=[Shot(0, short.frames * 4)])
    plan = plan_montage(music, [promised], PlanSettings(fps=Rate.parse("25"), music_start=8, duration=3.5))
    plan = replace(plan, cuts=[replace(plan.cuts[0], source_in=0, source_out=plan.frames, record_start=0,
                                       record_end=plan.frames)])
    out = tmp_path / "preview.mp4"
    render_preview(plan, out, quality="draft")
    _, numbers = frame_codes(out)
    assert len(numbers) == plan.frames and numbers.max() == short.frames - 1


def test_a_failing_encoder_leaves_no_preview(plan, tmp_path):
    """The preview goes through the selected encoder: one whose device is missing fails with ffmpeg's
    reason and leaves nothing behind."""
    broken = Selection(Encoder("bogus", "libx264", upload_filter="hwupload"), "test")
    out = tmp_path / "preview.mp4"
    with pytest.raises(InputError, match="ffmpeg failed"):
        render_preview(plan, out, quality="draft", encoder=broken)
    assert list(tmp_path.iterdir()) == []


def test_variable_rate_clip_keeps_its_frames_after_a_gap(plan, tmp_path):
    """A 30 fps phone clip missing frames 20-40: analysis numbers its frames on the conformed 30 fps grid,
    so a read of (10, 12) and (55, 56) shows frames 10, 11 and 55, not the 76th frame the file holds."""
    path = tmp_path / "gap.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=black:s=64x64:r=30:d=2,geq=lum=N*4:cb=128:cr=128",
                    "-vf", "select='not(between(n,20,40))'", "-fps_mode", "passthrough", "-c:v", "libx264", "-qp", "0",
                    "-pix_fmt", "yuv420p", str(path)], check=True)
    clip = replace(plan.cuts[0].clip, path=path, rate=Rate.parse("30"), frames=60, width=64, height=64,
                   variable_rate=True, rotation=0)
    cut = plan.cuts[0]
    cuts = [replace(cut, index=0, clip=clip, source_in=10, source_out=12, record_start=0, record_end=2, dissolve=0),
            replace(cut, index=1, clip=clip, source_in=55, source_out=56, record_start=2, record_end=3, dissolve=0)]
    short = replace(plan, rate=Rate.parse("30"), cuts=cuts, frames=3, width=64, height=64, crops=())
    frames = []
    write_frames(short, (64, 64), frames.append)
    lumas = [np.frombuffer(f, np.uint8)[:64 * 64].mean() / 4 for f in frames]
    assert np.round(lumas).tolist() == [10, 11, 55]
