"""Damaged, still, rotated, variable-rate and oddly named footage: a correct result with a warning,
or exit 2 and one line; never a one-frame cut, an odd timeline rate or a traceback."""
import json
import os
import shutil
import subprocess
from dataclasses import replace

import pytest
from hostile_helpers import ffmpeg, lavfi_clip, one_line, run_cli

from montage_ai.audio.analyze import analyze_music
from montage_ai.errors import InputError
from montage_ai.plan.planner import PlanSettings, check_cut_lengths, plan_montage
from montage_ai.timebase import STANDARD_RATES, Rate
from montage_ai.validate import validate
from montage_ai.video.probe import UnusableClip, probe_clip


def video_frames(path) -> tuple[int, int, int]:
    """(decoded frames, width, height) of the first video stream, as ffprobe counts them."""
    out = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                          "stream=nb_read_frames,width,height", "-of", "json", str(path)],
                         capture_output=True, text=True, check=True).stdout
    s = json.loads(out)["streams"][0]
    return int(s["nb_read_frames"]), int(s["width"]), int(s["height"])


@pytest.fixture(scope="module")
def truncated(hostile_dir):
    full = lavfi_clip(hostile_dir / "full300.mp4", "30", 10, extra=("-movflags", "+faststart"))
    data = full.read_bytes()
    cut = hostile_dir / "truncated.mp4"
    cut.write_bytes(data[:len(data) // 3])
    return cut


def test_truncated_mp4_uses_only_frames_that_decode(truncated, tiny_song, tmp_path, capsys):
    warnings = []
    clip = probe_clip(truncated, warnings)
    decodable = video_frames(truncated)[0]
    assert clip.frames <= decodable < 300
    assert any("frames decode" in w for w in warnings)
    out = tmp_path / "out"
    code, _, err = run_cli("make", "--music", tiny_song, "--footage", truncated, "--out", out, "--duration", "4",
                           capsys=capsys)
    assert code == 0, err
    assert "damaged footage: 1" in err or "truncated.mp4: only" in err
    report = json.loads((out / "report.json").read_text())
    assert any("truncated.mp4: only" in w for w in report["warnings"])
    assert max(c["source_out_frame"] for c in report["cuts"]) <= decodable
    assert video_frames(out / "preview.mp4")[0] == report["frames"]
    assert all(c.ok for c in validate(out))


def test_still_image_and_one_frame_video_are_skipped(tiny_song, tiny_clips, tmp_path, capsys):
    still = tmp_path / "poster.png"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=160x90", "-frames:v", "1", still)
    single = lavfi_clip(tmp_path / "one.mp4", "25", 0.04)
    for path, why in ((still, "still image"), (single, "frame")):
        with pytest.raises(UnusableClip, match=why):
            probe_clip(path)
    out = tmp_path / "out"
    code, _, err = run_cli("make", "--music", tiny_song, "--footage", still, single, tiny_clips[0], "--out", out,
                           "--no-preview", capsys=capsys)
    assert code == 0, err
    assert "unusable footage: 2" in err
    report = json.loads((out / "report.json").read_text())
    assert any("poster.png: a still image" in w for w in report["warnings"])
    assert any("one.mp4: only 1 frame" in w for w in report["warnings"])
    assert {c["path"] for c in report["clips"]} == {str(tiny_clips[0])}
    assert min(c["record_end_frame"] - c["record_start_frame"] for c in report["cuts"]) >= 3
    code, _, err = run_cli("make", "--music", tiny_song, "--footage", single, "--out", tmp_path / "o2", capsys=capsys)
    assert code == 2
    one_line(err, "one.mp4", "frame")


def test_plan_with_flash_cuts_is_refused(tiny_song, tiny_clips):
    plan = plan_montage(analyze_music(tiny_song), [probe_clip(c) for c in tiny_clips], PlanSettings(duration=10))
    check_cut_lengths(plan)
    first = plan.cuts[0]
    plan.cuts[0] = replace(first, record_end=first.record_start + 1)
    with pytest.raises(InputError, match="1 frame"):
        check_cut_lengths(plan)


def test_rotated_clip_is_portrait_and_so_is_the_preview(tiny_song, tiny_clips, tmp_path, capsys):
    rotated = tmp_path / "phone.mp4"
    ffmpeg("-i", tiny_clips[0], "-c", "copy", "-metadata:s:v:0", "rotate=90", rotated)
    clip = probe_clip(rotated)
    assert (clip.width, clip.height, clip.rotation, clip.display_size) == (160, 90, 90, (90, 160))
    out = tmp_path / "out"
    code, _, err = run_cli("make", "--music", tiny_song, "--footage", rotated, "--out", out, "--duration", "2",
                           "--formats", "fcp7", capsys=capsys)
    assert code == 0, err
    _, w, h = video_frames(out / "preview.mp4")
    assert h > w


def test_variable_rate_phone_clip_is_conformed_to_its_nominal_rate(tiny_song, tmp_path, capsys):
    phone = tmp_path / "phone_vfr.mp4"  # 30 fps with every 20th frame dropped: avg 28.5
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=160x90:r=30:d=4", "-vf", r"select=not(eq(mod(n\,20)\,7))",
           "-vsync", "vfr", "-c:v", "libx264", "-preset", "ultrafast", phone)
    warnings = []
    clip = probe_clip(phone, warnings)
    assert clip.variable_rate and clip.rate == Rate.parse("30")
    assert any("conformed to 30 fps" in w for w in warnings)
    out = tmp_path / "out"
    code, _, err = run_cli("make", "--music", tiny_song, "--footage", phone, "--out", out, "--no-preview",
                           capsys=capsys)
    assert code == 0, err
    assert "variable frame rate" in err
    report = json.loads((out / "report.json").read_text())
    assert report["fps"] == "30/1" and any("conformed to 30 fps" in w for w in report["warnings"])
    assert all(c.ok for c in validate(out))


def test_mixed_30_15_60_never_gives_an_odd_rate(tiny_song, tmp_path, capsys):
    parts = [lavfi_clip(tmp_path / f"p{r}.mp4", r, 2) for r in ("30", "15", "60")]
    listing = tmp_path / "list.txt"
    listing.write_text("".join(f"file '{p}'\n" for p in parts))
    mixed = tmp_path / "mixed.mp4"
    ffmpeg("-f", "concat", "-safe", "0", "-i", listing, "-c", "copy", mixed)
    assert probe_clip(mixed).rate in STANDARD_RATES
    for footage in ([mixed], parts):
        out = tmp_path / f"out{len(footage)}"
        code, _, err = run_cli("make", "--music", tiny_song, "--footage", *footage, "--out", out, "--no-preview",
                               capsys=capsys)
        assert code == 0, err
        report = json.loads((out / "report.json").read_text())
        assert Rate.parse(report["fps"]) in STANDARD_RATES
        assert all(c.ok for c in validate(out))


def test_file_name_with_byte_ff_is_skipped_with_a_warning(tiny_song, tiny_clips, tmp_path, capsys):
    folder = tmp_path / "clips"
    folder.mkdir()
    bad = folder / os.fsdecode(b"bad\xff.mp4")
    shutil.copy(tiny_clips[0], bad)
    shutil.copy(tiny_clips[1], folder / "good.mp4")
    out = tmp_path / "out"
    code, stdout, err = run_cli("make", "--music", tiny_song, "--footage", folder, "--out", out, "--no-preview",
                                capsys=capsys)
    assert code == 0, err
    assert "unusable footage" in err or "bad\\xff.mp4: file name is not valid UTF-8" in err
    report = json.loads((out / "report.json").read_bytes().decode("utf-8"))
    assert any("bad\\xff.mp4: file name is not valid UTF-8" in w for w in report["warnings"])
    assert [c["path"] for c in report["clips"]] == [str(folder / "good.mp4")]
    code, _, err = run_cli("make", "--music", tiny_song, "--footage", bad, "--out", tmp_path / "o2", capsys=capsys)
    assert code == 2
    one_line(err, "bad\\xff.mp4", "not valid UTF-8")
    song = tmp_path / os.fsdecode(b"song\xff.wav")
    shutil.copy(tiny_song, song)
    code, _, err = run_cli("make", "--music", song, "--footage", tiny_clips[0], "--out", tmp_path / "o3", capsys=capsys)
    assert code == 2
    one_line(err, "song\\xff.wav", "not valid UTF-8")


def test_newline_in_a_name_keeps_csv_otio_xml_mlt_valid(tiny_song, tiny_clips, tmp_path, capsys):
    odd = tmp_path / "take\none.mp4"
    shutil.copy(tiny_clips[0], odd)
    out = tmp_path / "out"
    code, _, err = run_cli("make", "--music", tiny_song, "--footage", odd, "--out", out, "--no-preview",
                           "--formats", "otio,fcp7,csv,mlt", capsys=capsys)
    assert code == 0, err
    checks = validate(out)
    assert {c.export for c in checks} == {"montage.otio", "montage.xml", "montage.csv", "montage.mlt"}
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]


def test_video_shorter_than_its_audio_counts_only_video_frames(tmp_path):
    """Matroska has no per-stream duration field: the file's duration (the longer audio) must not
    lend the video frames it does not have, nor call the file damaged."""
    mkv = tmp_path / "talk.mkv"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=160x90:r=25:d=3", "-f", "lavfi", "-i", "sine=d=5", "-c:v", "libx264",
           "-preset", "ultrafast", "-c:a", "aac", mkv)
    warnings = []
    assert probe_clip(mkv, warnings).frames == video_frames(mkv)[0] == 75
    assert not warnings
