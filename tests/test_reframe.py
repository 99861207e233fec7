"""Reframing: aspects, crop windows that follow the subject, and the sets written per aspect."""
from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from montage_ai import ffmpeg_cmd
from montage_ai.model import Aspect, Clip, Crop, Cut, Phase
from montage_ai.pipeline import make
from montage_ai.plan.planner import PlanSettings
from montage_ai.plan.reframe import (DEAD_ZONE, MAX_SPEED, crop_filter, crop_size, cut_crop, follow, frame_size)
from montage_ai.settings import parse_aspects
from montage_ai.timebase import Rate
from montage_ai.validate import validate
from montage_ai.video.subject import SubjectTrack

from subject_media import SIDE, moving_subject


def _clip(w: int, h: int, rotation: int = 0) -> Clip:
    return Clip(Path("/m/a.mp4"), Rate(Fraction(25)), 250, w, h, rotation=rotation)


def test_aspects_are_checked_and_sized_from_the_plan():
    assert [a.folder for a in parse_aspects("16:9, 9:16,1:1,4:5")] == ["16x9", "9x16", "1x1", "4x5"]
    for bad in ("", "3:2", "9:16,9:16", "16x9"):
        with pytest.raises(ValueError):
            parse_aspects(bad)
    assert frame_size(1920, 1080, Aspect(16, 9)) == (1920, 1080)
    assert frame_size(1920, 1080, Aspect(9, 16)) == (1080, 1920)
    assert frame_size(1920, 1080, Aspect(1, 1)) == (1080, 1080)
    assert frame_size(1920, 1080, Aspect(4, 5)) == (1080, 1350)
    assert frame_size(1080, 1920, Aspect(16, 9)) == (1920, 1080)


def test_portrait_footage_in_a_portrait_deliverable_is_used_whole():
    assert crop_size(_clip(1080, 1920), Aspect(9, 16)) is None
    assert crop_size(_clip(1920, 1080, rotation=90), Aspect(9, 16)) is None  # a phone clip stored sideways
    assert crop_size(_clip(1920, 1080), Aspect(9, 16)) == (607.5, 1080.0)
    assert crop_size(_clip(1080, 1920), Aspect(1, 1)) == (1080.0, 1080.0)


def test_the_window_holds_still_subjects_and_moves_within_its_bounds():
    fps, extent, room = 25.0, 400.0, 880.0
    rng = np.random.default_rng(1)
    jitter = 300 + rng.normal(0, DEAD_ZONE * extent / 6, 100)  # a detector's noise around a still subject
    held = follow(jitter, extent, room, fps)
    assert np.ptp(held) == 0
    jump = np.r_[np.full(25, 0.0), np.full(150, room)]  # the subject jumps to the far edge
    moved = follow(jump, extent, room, fps)
    speed = np.abs(np.diff(moved)) * fps
    assert moved.min() >= 0 and moved.max() <= room and room - moved[-1] < DEAD_ZONE * extent / 4
    assert speed.max() <= MAX_SPEED * extent + 1e-6
    assert np.abs(np.diff(speed)).max() * fps < 2 * extent  # eased: no step in speed


def test_a_cut_is_cropped_from_its_own_frames_only():
    clip = _clip(1280, 720)
    cut = Cut(0, clip, 50, 100, 0, 50, 0.0, Phase.INTRO)
    # the subject jumps from the left to the right edge at 4 s (frame 100), after the cut's range
    track = SubjectTrack(tuple(i / 4 for i in range(40)), tuple(0.1 if i < 16 else 0.9 for i in range(40)),
                         (0.5,) * 40, ("motion",) * 40)
    crop = cut_crop(cut, Fraction(25), Aspect(9, 16), track)
    assert crop.width == 405 and crop.height == 720
    assert all(x == 0 for _, x, _ in crop.keys)  # never pans toward what comes after the cut
    assert crop.window(1000) == (0, 0, 405, 720)


def test_crop_filter_is_an_ffmpeg_crop_of_the_window(tmp_path):
    crop = Crop(405.0, 720.0, ((0, 0.0, 0.0), (25, 100.0, 0.0), (50, 100.0, 0.0)))
    src = moving_subject(tmp_path / "s.mp4", seconds=2.0)
    raw = ffmpeg_cmd.run(["-i", str(src), "-vf", f"{crop_filter(crop, Fraction(25))},format=gray", "-f", "rawvideo",
                          "-"], src)
    frames = np.frombuffer(raw, np.uint8).reshape(-1, 720, 405)
    assert len(frames) == 50
    # the subject's left edge is at x=100 in the source: 100 px in at frame 0, at the window's edge by frame 25
    assert frames[0, 350, 102:110].min() > 200 and frames[0, 350, 95] < 120
    assert frames[30, 350, 0:5].mean() > 200


def _visible(frame: np.ndarray, area: float) -> bool:
    return np.count_nonzero(frame > 200) >= 0.9 * area


def test_9x16_set_follows_a_moving_subject_and_reads_back(song, tmp_path):
    clip = moving_subject(tmp_path / "walk.mp4")
    out = tmp_path / "out"
    plan, files = make(song.path, [clip], out, PlanSettings(duration=10.0), aspects=parse_aspects("16:9,9:16,1:1"),
                       preview_quality="draft")
    assert files.report["aspect"] == "16:9" and "crop" not in files.report["cuts"][0]
    portrait = json.loads((out / "9x16" / "report.json").read_text())
    assert (portrait["aspect"], portrait["width"], portrait["height"]) == ("9:16", 720, 1280)
    cuts = [(c["record_start_frame"], c["record_end_frame"], c["source_in_frame"]) for c in portrait["cuts"]]
    assert cuts == [(c["record_start_frame"], c["record_end_frame"], c["source_in_frame"])
                    for c in files.report["cuts"]]
    for folder in (out, out / "9x16", out / "1x1"):
        checks = validate(folder)
        assert all(c.ok for c in checks), [c for c in checks if not c.ok]
        assert any(c.reader == "crop windows inside the source" for c in checks)
    # the crop's speed never exceeds the bound
    for c in portrait["cuts"]:
        keys = c["crop"]["keys"]
        for (f0, x0, _), (f1, x1, _) in zip(keys, keys[1:]):
            assert abs(x1 - x0) / (f1 - f0) * 25 <= MAX_SPEED * c["crop"]["width"] + 1e-6
    # the subject is inside the 9:16 preview's frame in at least 98 % of frames
    w, h = 360, 640
    raw = b"".join(ffmpeg_cmd.stream(["-i", str(out / "9x16" / "preview.mp4"), "-f", "rawvideo", "-pix_fmt", "gray",
                                      "-"], out, 1 << 22))
    frames = np.frombuffer(raw, np.uint8).reshape(-1, h, w)
    area = (SIDE * h / 720) ** 2
    inside = np.mean([_visible(f, area) for f in frames])
    assert len(frames) == plan.frames and inside >= 0.98, inside


def test_bad_aspects_on_the_command_line_exit_2(capsys):
    from montage_ai.cli import main
    with pytest.raises(SystemExit) as stop:
        main(["make", "--music", "m.wav", "--footage", "f.mp4", "--out", "o", "--aspects", "21:9"])
    assert stop.value.code == 2
    assert "--aspects" in capsys.readouterr().err
