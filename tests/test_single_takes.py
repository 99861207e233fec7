"""No false shots in single camera takes: each thing that changes the picture a lot without a new
shot (whip pan, a pan gathering speed as the take ends, exposure and white-balance jumps and ramps,
focus hunting, flicker, a flash, moving objects, a counter, a shrinking element) leaves one shot; real
cuts and dissolves between takes are still found to the frame."""
from __future__ import annotations

import pytest

from montage_ai.video.footage import analyze_footage
from tests.footage_media import ffmpeg
from tests.take_media import DISTURBANCES, take


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("takes")


@pytest.mark.parametrize("kind, rate", [(k, "25") for k in DISTURBANCES] + [("fire flicker", "21/2")])
def test_a_single_take_is_one_shot(folder, kind, rate):
    clip = analyze_footage([take(folder, kind, rate=rate)], use_cache=False)[0].clip
    assert [(s.start, s.end) for s in clip.shots] == [(0, clip.frames)], kind
    if kind == "flash":
        assert clip.marks.get("flash") and all(50 <= a and b <= 53 for a, b in clip.marks["flash"])


def test_cuts_and_dissolves_between_takes_are_still_found(folder):
    """Two takes of other parts of the world on a nearly still camera: joined by a hard cut, then by a cross-fade."""
    a, b = take(folder, "steady", at=100, shake=0.2), take(folder, "white balance ramp", at=400, shake=0.2)
    joined = folder / "joined.mp4"
    ffmpeg("-i", a, "-i", b, "-i", a, "-filter_complex",
           "[0:v][1:v]concat=n=2:v=1:a=0,settb=1/25,setpts=N[ab];[2:v]settb=1/25,setpts=N[c];"
           "[ab][c]xfade=transition=fade:duration=0.64:offset=5.36,settb=1/25,setpts=N[v]",
           "-map", "[v]", "-r", "25", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", joined)
    clip = analyze_footage([joined], use_cache=False)[0].clip
    starts = [s.start for s in clip.shots[1:]]
    assert len(starts) == 2, starts
    assert starts[0] == 75  # the hard cut, to the frame
    assert 134 <= starts[1] <= 150  # inside the 16-frame cross-fade from frame 134


def test_a_clip_opening_on_a_few_frames_of_another_shot_has_that_cut(folder):
    """An edit that opens on 6 frames of one take and cuts to another (as a trailer's first shot): the cut at
    frame 6 is a boundary, so no cut of the plan takes those 6 frames with the next shot (8 were needed)."""
    a, b = take(folder, "steady", at=100, shake=0.2), take(folder, "steady", at=700, shake=0.2)
    joined = folder / "six frames first.mp4"
    ffmpeg("-i", a, "-i", b, "-filter_complex", "[0:v]trim=end_frame=6[a];[a][1:v]concat=n=2:v=1:a=0,settb=1/25,"
           "setpts=N[v]", "-map", "[v]", "-r", "25", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
           joined)
    clip = analyze_footage([joined], use_cache=False)[0].clip
    assert [s.start for s in clip.shots] == [0, 6]
