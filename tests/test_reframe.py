"""Reframing: aspects, crop windows that follow the subject, and the sets written per aspect."""
from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import numpy as np
import opentimelineio as otio
import pytest
from subject_media import SUBJECT_SIDE as SIDE, subject_clip as moving_subject

from montage_ai import ffmpeg_cmd
from montage_ai.export.report import read_report
from montage_ai.model import Aspect, Clip, Cut, Phase
from montage_ai.pipeline import make
from montage_ai.plan.planner import PlanSettings
from montage_ai.plan.reframe import (DEAD_ZONE, MAX_SPEED, crop_size, cut_crop, follow, frame_size)
from montage_ai.settings import parse_aspects
from montage_ai.timebase import Rate
from montage_ai.validate import validate
from montage_ai.video.subject import SubjectTrack



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


def test_the_face_cascade_ships_in_the_installed_opencv():
    from montage_ai.video.subject import _face_detector
    assert not _face_detector().empty()  # opencv-python-headless 5.x has no CascadeClassifier: pinned < 5


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


def _visible(frame: np.ndarray, area: float) -> bool:
    return np.count_nonzero(frame > 200) >= 0.9 * area


def _gray_frames(video: Path, size: tuple[int, int], *args: str) -> np.ndarray:
    raw = ffmpeg_cmd.run(["-i", str(video), *args, "-f", "rawvideo", "-pix_fmt", "gray", "-"], video)
    return np.frombuffer(raw, np.uint8).reshape(-1, size[1], size[0])


@pytest.fixture(scope="module")
def sets(song, tmp_path_factory):
    """A 10-s montage of a square walking across a 1280x720 clip, in 16:9, 9:16 and 1:1."""
    tmp = tmp_path_factory.mktemp("reframe")
    clip = moving_subject(tmp / "walk.mp4")
    out = tmp / "out"
    plan, files = make(song.path, [clip], out, PlanSettings(duration=10.0), aspects=parse_aspects("16:9,9:16,1:1"),
                       preview_quality="draft")
    return plan, files, out


def test_9x16_set_follows_a_moving_subject_and_reads_back(sets):
    plan, files, out = sets
    assert files.report["aspect"] == "16:9" and "crop" not in files.report["cuts"][0]
    portrait = json.loads((out / "9x16" / "report.json").read_text())
    assert (portrait["aspect"], portrait["width"], portrait["height"]) == ("9:16", 720, 1280)
    cuts = [(c["record_start_frame"], c["record_end_frame"], c["source_in_frame"]) for c in portrait["cuts"]]
    assert cuts == [(c["record_start_frame"], c["record_end_frame"], c["source_in_frame"])
                    for c in files.report["cuts"]]
    for folder in (out, out / "9x16", out / "1x1"):
        checks = validate(folder)
        assert all(c.ok for c in checks), [c for c in checks if not c.ok]
        assert any(c.reader == "crop windows inside the source" for c in checks) == (folder != out)
        assert any(c.reader == "same cuts as ../report.json" for c in checks) == (folder != out)
    # the crop's speed never exceeds the bound
    for c in portrait["cuts"]:
        keys = c["crop"]["keys"]
        for (f0, x0, _), (f1, x1, _) in zip(keys, keys[1:]):
            assert abs(x1 - x0) / (f1 - f0) * 25 <= MAX_SPEED * c["crop"]["width"] + 1e-6
    # the subject is inside the 9:16 preview's frame in at least 98 % of frames
    frames = _gray_frames(out / "9x16" / "preview.mp4", (360, 640))
    inside = np.mean([_visible(f, (SIDE * 640 / 720) ** 2) for f in frames])
    assert len(frames) == plan.frames and inside >= 0.98, inside


def test_every_export_carries_the_crop_as_editable_data(sets):
    plan, _, out = sets
    folder = out / "9x16"
    report = json.loads((folder / "report.json").read_text())
    crops = [c["crop"] for c in report["cuts"]]
    seq = ET.parse(folder / "montage.xml").getroot().find("sequence")
    assert (seq.findtext("media/video/format/samplecharacteristics/width"),
            seq.findtext("media/video/format/samplecharacteristics/height")) == ("720", "1280")
    motions = [i.find("filter/effect") for i in seq.findall("media/video/track/clipitem")]
    assert all(m.findtext("name") == "Basic Motion" for m in motions)
    for motion, crop in zip(motions, crops):
        scale = float(motion.find("parameter[parameterid='scale']/value").text)
        assert scale == pytest.approx(100 * 1280 / 720, abs=1e-3)  # the window's height fills the sequence's
        keys = motion.findall("parameter[parameterid='center']/keyframe")
        assert len(keys) == (len(crop["keys"]) if len(crop["keys"]) > 1 else 0)
    root = ET.parse(folder / "montage.mlt").getroot()
    assert (root.find("profile").get("width"), root.find("profile").get("height")) == ("720", "1280")
    rects = [e.find("filter/property[@name='rect']").text for e in root.iter("entry") if e.find("filter") is not None]
    assert [len(r.split(";")) for r in rects] == [len(c["keys"]) for c in crops]
    kdenlive = ET.parse(folder / "montage.kdenlive").getroot()
    assert len(kdenlive.findall(".//entry/filter[property='qtblend']")) == len(crops)
    timeline = otio.adapters.read_from_file(str(folder / "montage.otio"))
    assert timeline.metadata["montage_ai"]["aspect"] == "9:16"
    assert [[list(k) for k in c.metadata["montage_ai"]["crop"]["keys"]]
            for c in timeline.video_tracks()[0].find_clips()] == [c["keys"] for c in crops]
    edl = (folder / "montage.edl").read_text()
    assert edl.count("* MONTAGE_AI CROP: 405x720") == len(crops)
    again = read_report(folder / "report.json")  # what `montage-ai resolve push --plan` rebuilds
    assert again.aspect == "9:16" and [[list(k) for k in c.keys] for c in again.crops] == [c["keys"] for c in crops]


@pytest.mark.skipif(not shutil.which("xvfb-run") or not shutil.which("melt"), reason="needs melt and xvfb-run")
def test_melt_renders_the_mlt_crop_as_the_preview_shows_it(sets, tmp_path):
    """The qtblend filter (Qt: melt needs a display) puts the subject where the preview has it."""
    _, _, out = sets
    render = tmp_path / "melt.mp4"
    subprocess.run(["xvfb-run", "-a", "melt", "-quiet", str(out / "9x16" / "montage.mlt"), "in=0", "out=124",
                    "-consumer", f"avformat:{render}", "vcodec=libx264", "preset=ultrafast", "an=1", "s=360x640"],
                   check=True, timeout=300, capture_output=True)
    ours = _gray_frames(render, (360, 640))
    preview = _gray_frames(out / "9x16" / "preview.mp4", (360, 640))[:len(ours)]
    assert len(ours) == 125

    def centre_x(frames):
        return np.array([np.nonzero(f > 200)[1].mean() if (f > 200).any() else np.nan for f in frames])

    assert np.nanmax(np.abs(centre_x(ours) - centre_x(preview))) < 6  # pixels of a 360-wide frame


def test_bad_aspects_on_the_command_line_exit_2(capsys):
    from montage_ai.cli import main
    with pytest.raises(SystemExit) as stop:
        main(["make", "--music", "m.wav", "--footage", "f.mp4", "--out", "o", "--aspects", "21:9"])
    assert stop.value.code == 2
    assert "--aspects" in capsys.readouterr().err


def test_validate_finds_a_crop_window_outside_its_source(sets, tmp_path):
    _, _, out = sets
    folder = tmp_path / "9x16"
    shutil.copytree(out / "9x16", folder)
    report = json.loads((folder / "report.json").read_text())
    report["cuts"][1]["crop"]["keys"][0][1] = 1280 - 405 + 3  # 3 px past the right edge
    (folder / "report.json").write_text(json.dumps(report))
    bad = [c for c in validate(folder) if not c.ok]
    assert [c.reader for c in bad] == ["crop windows inside the source"]
    assert "cut 1 frame 0" in bad[0].problems[0] and "outside its 1280x720 source" in bad[0].problems[0]


def test_validate_finds_a_set_whose_cuts_left_the_first_sets(sets, tmp_path):
    _, _, out = sets
    shutil.copy(out / "report.json", tmp_path / "report.json")
    folder = tmp_path / "1x1"
    shutil.copytree(out / "1x1", folder)
    first = json.loads((tmp_path / "report.json").read_text())
    first["cuts"][2]["source_in_frame"] += 1  # the 16:9 set edited after the 1:1 one was made
    (tmp_path / "report.json").write_text(json.dumps(first))
    bad = [c for c in validate(folder) if not c.ok]
    assert [c.reader for c in bad] == ["same cuts as ../report.json"] and bad[0].problems[0].startswith("cut 2:")
