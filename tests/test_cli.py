"""The ``montage-ai`` contracts, run as a user runs them (subprocess, real ffmpeg)."""
import json
import shutil
import os
import subprocess
import sys

import pytest

SIX_FILES = {"montage.otio", "montage.edl", "montage.xml", "montage.csv", "preview.mp4", "report.json"}
BAR = 4 * 60 / 124  # the demo song's bar, seconds


def ends_on_the_last_bar_within(report: dict, seconds: float) -> bool:
    """``--duration seconds`` ends on the last bar start within it: less than a bar short of it."""
    return round((seconds - BAR) * 24000 / 1001) < report["frames"] <= round(seconds * 24000 / 1001)


def run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "montage_ai.cli", *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


def ffprobe_streams(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-show_entries",
                          "stream=codec_type,nb_read_frames,duration", "-of", "json", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)["streams"]


@pytest.fixture(scope="module")
def made(song, footage, tmp_path_factory):
    out = tmp_path_factory.mktemp("made") / "out"
    proc = run("make", "--music", song.path, "--footage", *footage, "--out", out, "--duration", "30")
    assert proc.returncode == 0, proc.stderr
    return out


def test_make_writes_all_six_files(made):
    assert SIX_FILES <= {p.name for p in made.iterdir()}
    assert not json.loads((made / "report.json").read_text())["not_written"]  # mixed rates: the EDL too
    assert not (made / "montage.aaf").exists()  # the AAF is written when asked for (--formats ...,aaf)
    assert not [p for p in made.parent.iterdir() if p.name.endswith(".partial")]


def test_report_contract(made):
    report = json.loads((made / "report.json").read_text())
    assert report["fps"] == "24000/1001"
    assert ends_on_the_last_bar_within(report, 30)
    assert set(report["timings"]) >= {"analyze_music", "probe_footage", "plan", "export", "preview"}
    keys = {"record_start_frame", "record_end_frame", "source_path", "source_in_frame", "source_out_frame",
            "beat_time", "phase"}
    assert report["cuts"] and all(keys <= set(c) for c in report["cuts"])
    assert report["cuts"][-1]["record_end_frame"] == report["frames"]
    assert all(c["measured_fps"] > 0 and c["common_fps"] > 0 for c in report["clips"])


def test_report_names_the_preview_encoder(made):
    """The encoder selection of proxies also writes the preview; its choice and any failed test encode
    are in report.json (on a machine without a GPU: libx264)."""
    encoder = json.loads((made / "report.json").read_text())["preview_encoder"]
    assert encoder["codec"] in {"libx264", "h264_nvenc", "h264_vaapi", "h264_qsv", "h264_videotoolbox", "h264_amf"}
    assert encoder["codec"] in encoder["note"] and all(encoder["failed"].values())


def test_a_named_hwaccel_that_cannot_work_stops_before_any_work(song, footage, tmp_path):
    backend = "nvenc" if sys.platform == "darwin" else "videotoolbox"  # an encoder this platform's ffmpeg lacks
    proc = run("make", "--music", song.path, "--footage", footage[0], "--out", tmp_path / "out", "--hwaccel", backend)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and f"--hwaccel {backend}" in lines[0]
    assert not (tmp_path / "out").exists()


def test_preview_is_frame_exact_with_audio(made):
    report = json.loads((made / "report.json").read_text())
    streams = ffprobe_streams(made / "preview.mp4")
    video = next(s for s in streams if s["codec_type"] == "video")
    audio = next(s for s in streams if s["codec_type"] == "audio")
    assert int(video["nb_read_frames"]) == report["frames"]
    assert float(audio["duration"]) == pytest.approx(report["duration_seconds"], abs=0.5 * 1001 / 24000)


def test_env_vars_are_defaults(song, footage, tmp_path):
    out = tmp_path / "env"
    proc = run("make", "--music", song.path, "--footage", footage[0], footage[1], "--out", out, "--no-preview",
               env={"TARGET_DURATION": "12", "MUSIC_START": "20", "MUSIC_END": "50"})
    assert proc.returncode == 0, proc.stderr
    report = json.loads((out / "report.json").read_text())
    assert ends_on_the_last_bar_within(report, 12)
    assert 20.0 <= report["music"]["start_time"] < 21.0
    assert not (out / "preview.mp4").exists()
    proc = run("make", "--music", song.path, "--footage", footage[0], "--out", tmp_path / "x", "--no-preview",
               env={"TARGET_DURATION": "soon"})
    assert proc.returncode == 2 and "TARGET_DURATION" in proc.stderr


def test_analyze_music_json(song):
    proc = run("analyze-music", song.path, "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert {"duration", "tempo_bpm", "beats", "downbeats", "sections"} <= set(data)
    assert abs(data["tempo_bpm"] - 124) < 0.5 and len(data["beats"]) == len(song.beats)
    assert all({"start", "end", "phase", "energy"} <= set(s) for s in data["sections"])


def test_beat_engine_is_used_and_named(song, footage, tmp_path):
    proc = run("analyze-music", song.path, "--json", "--beat-engine", "learned")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["beat_engine"] == "learned" and abs(data["tempo_bpm"] - 124) < 1
    out = tmp_path / "engine"
    proc = run("make", "--music", song.path, "--footage", footage[0], "--out", out, "--no-preview", "--formats", "csv",
               "--duration", "8", "--beat-engine", "dsp")
    assert proc.returncode == 0, proc.stderr
    assert json.loads((out / "report.json").read_text())["music"]["beat_engine"] == "dsp"


def test_tempo_hint_and_beats_per_bar_are_used_and_recorded(song, footage, tmp_path):
    out = tmp_path / "hinted"
    proc = run("make", "--music", song.path, "--footage", footage[0], "--out", out, "--no-preview", "--formats", "csv",
               "--duration", "8", "--tempo-hint", "62", "--beats-per-bar", "3")
    assert proc.returncode == 0, proc.stderr
    music = json.loads((out / "report.json").read_text())["music"]
    assert music["overrides"] == {"tempo_hint": 62.0, "beats_per_bar": 3} and music["beats_per_bar"] == 3
    assert abs(music["tempo_bpm"] - 62) < 1


@pytest.mark.parametrize("option, value", [("--tempo-hint", "fast"), ("--tempo-hint", "900"),
                                           ("--beats-per-bar", "0"), ("--beats-per-bar", "3.5"),
                                           ("--beat-engine", "oracle")])
def test_bad_tempo_hint_or_beats_per_bar_exit_2_naming_the_option(song, tmp_path, option, value):
    for command in (["analyze-music", song.path], ["make", "--music", song.path, "--footage", song.path,
                                                   "--out", tmp_path / "out"]):
        proc = run(*command, option, value)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        assert option in proc.stderr.strip().splitlines()[-1] and value in proc.stderr
        assert not (tmp_path / "out").exists()


def _bad_cases(song, footage, tmp):
    (tmp / "empty").mkdir()
    (tmp / "empty" / "notes.txt").write_text("no video here")
    broken = tmp / "broken.mp4"
    broken.write_bytes(b"\x00not a video" * 100)
    return {
        "missing music": (["--music", tmp / "nope.wav", "--footage", footage[0]], "nope.wav"),
        "unreadable footage": (["--music", song.path, "--footage", broken], "broken.mp4"),
        "folder without video": (["--music", song.path, "--footage", tmp / "empty"], "empty"),
        "start past end": (["--music", song.path, "--footage", footage[0], "--music-start", "999"], "past the end"),
        "range too short": (["--music", song.path, "--footage", footage[0], "--music-end", "0.5"],
                            "--music-end 0.5 s is too short for a montage"),
    }


@pytest.mark.parametrize("case", ["missing music", "unreadable footage", "folder without video", "start past end",
                                  "range too short"])
def test_bad_input_exits_2_with_one_line_and_no_output(song, footage, tmp_path, case):
    args, needle = _bad_cases(song, footage, tmp_path)[case]
    out = tmp_path / "out"
    proc = run("make", *args, "--out", out)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in proc.stderr
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_a_bad_song_is_named_before_the_footage_is_read(tmp_path):
    """Music that is no audio file: the one line names it, even when the footage is bad too (the song is
    checked before footage analysis, which can take minutes)."""
    song, clip = tmp_path / "song.mp3", tmp_path / "clip.mov"
    song.write_text("not audio")
    clip.write_text("not video")
    proc = run("make", "--music", song, "--footage", clip, "--out", tmp_path / "out", "--no-preview")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and str(song) in proc.stderr, proc.stderr
    assert "Analysing footage" not in proc.stdout and not (tmp_path / "out").exists()


def test_validate_reads_a_non_ascii_song_name_back_from_the_edl(song, footage, tmp_path):
    """The EDL percent-encodes what is not ASCII in its comments; validate decodes it to compare."""
    music = tmp_path / "sång é.wav"
    shutil.copy(song.path, music)
    out = tmp_path / "out"
    proc = run("make", "--music", music, "--footage", footage[0], "--out", out, "--no-preview", "--formats", "edl")
    assert proc.returncode == 0, proc.stderr
    assert "%C3%A5" in (out / "montage.edl").read_text()
    proc = run("validate", out)
    assert proc.returncode == 0, proc.stdout


def test_selects_abbreviated_makes_footage_optional():
    """argparse takes ``--sel`` for ``--selects``; footage is optional then too."""
    from montage_ai.cli import build_parser
    args = build_parser().parse_args(["make", "--music", "m.wav", "--sel", "x.otio", "--out", "o"])
    assert [str(p) for p in args.selects] == ["x.otio"] and not args.footage


def test_interrupted_with_a_file_as_out_says_nothing_written(tmp_path):
    """Ctrl-C before the output folder is checked: ``--out`` naming a file gives the interrupted line, not a traceback."""
    from montage_ai.output import committed
    (tmp_path / "f").write_text("x")
    assert committed(tmp_path / "f") is False
