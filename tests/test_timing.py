"""Phone and camera timing: the rate a variable-rate clip is analysed and placed at is the one its
timestamps show the camera meant (generated clips with every frame's timestamp set by ``setpts``)."""
from __future__ import annotations

import numpy as np
import pytest

from montage_ai.timebase import Rate
from montage_ai.video.footage import analyze_footage
from montage_ai.video.probe import probe_clip
from montage_ai.video.timing import chosen_rate, common_interval
from tests.footage_media import ffmpeg


def timed_clip(path, rate: int, pts: str, *extra, seconds: float = 4):
    """testsrc2 frames at ``rate`` whose presentation times (seconds) are the expression ``pts`` of N."""
    ffmpeg("-f", "lavfi", "-i", f"testsrc2=s=160x90:r={rate}:d={seconds}", "-vf", f"settb=1/90000,setpts='({pts})/TB'",
           "-fps_mode", "passthrough", "-enc_time_base", "1/90000", "-c:v", "libx264", "-preset", "ultrafast", *extra,
           path)
    return path


PHONE = "-video_track_timescale", "600"  # iPhone's track time base


@pytest.mark.parametrize("kind, rate, pts, extra, chosen", [
    ("steady 30 with jitter", 30, "N/30+0.004*sin(N*1.7)", PHONE, "30"),
    ("29.97 with jitter", 30, "N*1001/30000+0.006*sin(N*1.7)+0.003*cos(N*5.1)", (), "30000/1001"),
    ("30 with low-light drops", 30, "(N+floor(N/4))/30", PHONE, "30"),
    ("60 with jitter", 60, "N/60+0.002*sin(N*1.7)", PHONE, "60"),
    ("slow motion 120", 120, "N/120+0.0008*sin(N*1.7)", ("-metadata", "com.android.capture.fps=120"), "120"),
    ("slow motion 240", 240, "N/240+0.0004*sin(N*1.7)", ("-metadata", "com.android.capture.fps=240"), "240"),
    ("30 ending in a stretch at 24 (motion photo)", 30, "if(lt(N,80),N/30,80/30+(N-80)/24)", PHONE, "30"),
    ("low light 10.5", 11, "N/10.5+0.01*sin(N*1.7)", PHONE, "21/2"),
    ("low light 10.5, some 1/30", 11, "N/10.5-floor(N/7)*(1/10.5-1/30)+0.004*sin(N*1.7)", PHONE, "21/2"),
])
def test_variable_rate_clips_get_the_rate_the_camera_meant(tmp_path, kind, rate, pts, extra, chosen):
    path = timed_clip(tmp_path / "phone.mp4", rate, pts, *extra)
    clip = probe_clip(path)
    assert clip.rate == Rate.parse(chosen), kind
    assert clip.common_fps == pytest.approx(float(Rate.parse(chosen).fps), rel=0.02)


def test_a_low_light_clip_is_analysed_at_its_own_rate_and_reported(tmp_path):
    path = timed_clip(tmp_path / "low light.mp4", 11, "N/10.5+0.01*sin(N*1.7)", *PHONE, seconds=3)
    result = analyze_footage([path], use_cache=False)[0]
    clip = result.clip
    assert clip.rate == Rate.parse("21/2") and clip.frames in (31, 32, 33)  # 3 s at 10.5, not 144 at 47.952
    assert clip.measured_fps == pytest.approx(10.5, abs=0.3) and clip.common_fps == pytest.approx(10.5, abs=0.1)
    assert not any("conformed" in w for w in result.warnings)
    assert len(clip.shots) == 1


def test_common_interval_ignores_drops_and_jitter():
    rng = np.random.default_rng(1)
    d = np.where(rng.random(300) < 0.3, 2 / 30, 1 / 30) + rng.normal(0, 0.0005, 300)
    assert 1 / common_interval(d) == pytest.approx(30, rel=0.005)
    assert common_interval(np.zeros(3)) == 0.0


def test_chosen_rate_prefers_the_declared_then_the_steady_average():
    assert chosen_rate(29.985, 29.97, None) == Rate.parse("30000/1001")  # half way: the steady average decides
    assert chosen_rate(29.985, 30.0, None) == Rate.parse("30")
    assert chosen_rate(30.008, 29.877, None) == Rate.parse("30")  # an average pulled by a stretch at 24 fps
    assert chosen_rate(29.99, 24.0, Rate.parse("30000/1001").fps) == Rate.parse("30000/1001")  # drops: not steady
    assert chosen_rate(29.99, 24.0, None) == Rate.parse("30")
    assert chosen_rate(10.47, 10.4, None) == Rate.parse("21/2")


def test_a_clip_with_frames_half_a_minute_apart_is_conformed_to_one_fps(tmp_path):
    """Frames at 0, 30, 90 and 150 s measure 1/30 fps: the clip is placed at 1 fps, not at a rate of 0."""
    assert chosen_rate(1 / 30, 4 / 180, None) == Rate.parse("1")
    path = timed_clip(tmp_path / "sparse.mp4", 4, "gt(N,0)*30+gt(N,1)*60+gt(N,2)*60", *PHONE, seconds=1)
    assert probe_clip(path).rate == Rate.parse("1")


def test_a_steady_clip_declared_at_no_camera_rate_is_conformed_to_the_one_its_frames_keep(tmp_path):
    """A phone's constant 24 fps on a 90 kHz clock declares 90000/3749 (24.006 fps): no timeline runs at that;
    the clip is placed at 24, as conformed, and says so."""
    path = timed_clip(tmp_path / "8k.mp4", 24, "N*3749/90000", seconds=2)
    warnings = []
    clip = probe_clip(path, warnings)
    assert clip.rate == Rate.parse("24") and clip.frames == 48 and clip.variable_rate
    assert any("no camera's" in w and "conformed to 24 fps" in w for w in warnings)


@pytest.mark.parametrize("kind, pts, seconds", [
    ("a slow-motion clip's pause of 9.8 frames after its first", "N/30+gt(N,0)*0.292", 0.25),
    ("a first gap of 1.55 frames and a drop", "N/30+gt(N,0)*0.0184+gt(N,15)*(2/30)", 1),
])
def test_a_short_clip_with_a_gap_of_no_whole_frames_keeps_its_rate(tmp_path, kind, pts, seconds):
    """Phones' short clips: a gap that is no whole number of frames is not counted as steps (it pulled 30 to 30.5)."""
    clip = probe_clip(timed_clip(tmp_path / "phone.mp4", 30, pts, *PHONE, seconds=seconds))
    assert clip.rate == Rate.parse("30") and clip.common_fps == pytest.approx(30, abs=0.05), kind
