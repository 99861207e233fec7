"""Footage probing on generated media: rates, timecodes, VFR, audio, and the errors users see."""
import subprocess
from pathlib import Path

import pytest

from montage_ai.errors import InputError
from montage_ai.plan.planner import PlanSettings, plan_montage
from montage_ai.timebase import STANDARD_RATES, Rate
from montage_ai.video.discover import discover_footage
from montage_ai.video.probe import UnusableClip, probe_clip, usable_frames


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-v", "error", "-y", *map(str, args)], check=True)


def test_usable_frames_one_rule_for_probe_and_analysis():
    """Never more frames than decode; a warning only past 2 frames or 1 % short; too short is unusable."""
    path, rate = Path("clip.mov"), Rate.parse("25")
    assert usable_frames(path, 76, 75, rate) == (75, None)
    assert usable_frames(path, 100, 98, rate) == (98, None)
    assert usable_frames(path, 100, 97, rate) == (97, "only 97 of 100 frames decode (damaged or truncated file); "
                                                      "using those")
    assert usable_frames(path, 1000, 990, rate) == (990, None)
    assert usable_frames(path, 1000, 989, rate)[1] is not None
    assert usable_frames(path, 100, 120, rate) == (100, None)
    with pytest.raises(UnusableClip, match="only 5 frame.s. of video decode; footage needs at least 0.25 s"):
        usable_frames(path, 100, 5, rate)


def test_drop_frame_timecode_and_rate(tmp_path):
    path = tmp_path / "df.mov"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=160x90:r=30000/1001:d=2", "-timecode", "00:59:59;28", path)
    clip = probe_clip(path)
    assert clip.rate == Rate.parse("29.97") and clip.drop_frame
    assert clip.start_frame == Rate.parse("29.97").parse_timecode("00:59:59;28") == 107890
    assert clip.frames == 60 and not clip.has_audio


def test_variable_frame_rate_is_conformed_to_a_standard_rate_and_warns(tmp_path, music):
    parts = []
    for rate in (24, 60):
        parts.append(tmp_path / f"p{rate}.mp4")
        ffmpeg("-f", "lavfi", "-i", f"testsrc2=s=160x90:r={rate}:d=3", "-c:v", "libx264", "-preset", "ultrafast",
               parts[-1])
    listing = tmp_path / "list.txt"
    listing.write_text("".join(f"file '{p}'\n" for p in parts))
    vfr = tmp_path / "phone clip.mp4"
    ffmpeg("-f", "concat", "-safe", "0", "-i", listing, "-c", "copy", vfr)
    warnings = []
    clip = probe_clip(vfr, warnings)
    assert clip.variable_rate
    assert clip.rate in STANDARD_RATES and 24 < float(clip.rate) < 60
    assert any("variable frame rate" in w and "conformed" in w for w in warnings)
    plan = plan_montage(music, [clip, probe_clip(parts[0])], PlanSettings(duration=8))
    assert plan.rate in STANDARD_RATES


def test_errors_name_the_file(tmp_path):
    audio_only = tmp_path / "voice.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=d=1", audio_only)
    with pytest.raises(InputError, match="no video stream") as err:
        probe_clip(audio_only)
    assert str(audio_only) in str(err.value)
    with pytest.raises(InputError, match="file or folder not found"):
        discover_footage([tmp_path / "missing"])
    (tmp_path / "docs").mkdir()
    with pytest.raises(InputError, match="no video files"):
        discover_footage([tmp_path / "docs"])


def test_discovery_recurses_skips_hidden_and_dedupes(tmp_path):
    for rel in ("a/one.MP4", "a/b/two.mov", ".hidden/three.mp4", "a/notes.txt"):
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x")
    found = discover_footage([tmp_path, tmp_path / "a" / "one.MP4"])
    assert [p.name for p in found] == ["two.mov", "one.MP4"]


def test_in_process_probe_matches_ffprobe(tmp_path, monkeypatch):
    """PyAV's fields give the clip ffprobe's give (rotation, timecode, PCM depth, Matroska durations, a cover
    picture, a variable rate); a FLAC in 32-bit samples (24 or 32 bits?) is left to ffprobe."""
    from montage_ai.video import libav_probe, probe
    src = tmp_path / "src.mov"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=320x180:r=30000/1001:d=1", "-f", "lavfi", "-i", "sine=r=48000:d=1",
           "-c:v", "libx264", "-c:a", "pcm_s24le", "-timecode", "01:00:00:00", src)
    rotated, mkv, cover, flac = (tmp_path / n for n in ("rotated.mov", "clip.mkv", "cover.mp4", "flac.mkv"))
    ffmpeg("-i", src, "-c", "copy", "-metadata:s:v:0", "rotate=270", rotated)
    ffmpeg("-i", src, "-c:v", "copy", "-c:a", "aac", mkv)
    ffmpeg("-i", src, "-frames:v", "1", tmp_path / "still.png")
    ffmpeg("-i", mkv, "-i", tmp_path / "still.png", "-map", "0", "-map", "1", "-c", "copy", "-disposition:v:1",
           "attached_pic", cover)
    ffmpeg("-i", src, "-c:v", "copy", "-c:a", "flac", "-sample_fmt", "s32", flac)
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=160x90:r=24:d=1", "-c:v", "libx264", tmp_path / "a.mp4")
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=160x90:r=60:d=1", "-c:v", "libx264", tmp_path / "b.mp4")
    (tmp_path / "list.txt").write_text(f"file '{tmp_path / 'a.mp4'}'\nfile '{tmp_path / 'b.mp4'}'\n")
    ffmpeg("-f", "concat", "-safe", "0", "-i", tmp_path / "list.txt", "-c", "copy", tmp_path / "vfr.mp4")
    paths = [rotated, mkv, cover, tmp_path / "vfr.mp4"]
    assert all(libav_probe.probe_info(p) is not None for p in paths) and libav_probe.probe_info(flac) is None
    ours = [probe_clip(p, [], check_end=False) for p in paths]
    monkeypatch.setattr(probe, "probe_info", lambda path: None)  # ffprobe answers from here on
    assert ours == [probe_clip(p, [], check_end=False) for p in paths]
    assert ours[0].rotation == 270 and ours[0].start_frame == 108000 and ours[0].audio.bits == 24
    assert ours[3].variable_rate and ours[2].width == 320


def test_in_process_probe_reads_a_containers_timecode_and_a_dv_streams_rate(tmp_path):
    """MXF and DV keep their timecode on the container, not on a stream; PyAV gives a raw DV stream its clock
    (60000/1) as the average rate: the clip still starts at its timecode and is steady, with no warning."""
    from montage_ai.video import libav_probe
    mxf, dv = tmp_path / "tc.mxf", tmp_path / "tc.dv"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:d=2", "-c:v", "mpeg2video", "-timecode",
           "01:02:03:04", mxf)
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=720x576:rate=25:d=2", "-c:v", "dvvideo", "-pix_fmt", "yuv420p",
           "-timecode", "01:02:03:04", dv)
    for path in (mxf, dv):
        assert libav_probe.probe_info(path) is not None  # read in this process
        warnings = []
        clip = probe_clip(path, warnings, check_end=False)
        assert (clip.start_frame, clip.variable_rate, warnings) == (((1 * 60 + 2) * 60 + 3) * 25 + 4, False, []), path
