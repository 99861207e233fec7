"""Footage analysis on generated clips: boundaries, marks, scores, the cache, bad files and odd formats."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from montage_ai.video import cache
from montage_ai.video.footage import analyze_file, analyze_footage

from footage_media import encode, ffmpeg, source


@pytest.fixture(scope="module")
def known(tmp_path_factory):
    """bars 50 | hard cut | sharp 56 | 12-frame cross-fade (frames 94..105) | fractal 66 (a 2-frame flash at 138)
    | hard cut at 160 | black 30: 190 frames."""
    path = tmp_path_factory.mktemp("known") / "known cut ü.mp4"
    graph = (f"{source('bars', 50)}[a];{source('sharp', 56)}[b];{source('fractal', 66)},"
             "drawbox=c=white:t=fill:enable='between(n,44,45)'[c];"
             f"{source('black', 30)}[d];[a][b]concat=n=2,settb=1/25,setpts=N[ab];"
             "[ab][c]xfade=transition=fade:duration=0.48:offset=3.76,settb=1/25,setpts=N[abc];"
             "[abc][d]concat=n=2[v]")
    return analyze_file(encode(path, graph))


def test_hard_cuts_and_cross_fade_found_within_a_frame(known):
    starts = [s.start for s in known.clip.shots]
    assert starts[0] == 0 and len(starts) == 4, starts
    assert abs(starts[1] - 50) <= 1  # hard cut
    assert 94 - 1 <= starts[2] <= 105 + 1  # inside the cross-fade
    assert abs(starts[3] - 160) <= 1  # cut to black
    assert known.clip.shots[-1].end == known.clip.frames == 190


def test_flash_is_marked_not_a_boundary_and_black_scores_poorly(known):
    flashes = known.clip.marks["flash"]
    assert any(a <= 138 < b for a, b in flashes)
    assert known.clip.shots[2].flashes >= 1
    black = known.clip.shots[3]
    assert black.black > 0.9 and black.quality < 0.1
    assert all(s.quality > 0.5 for s in known.clip.shots[:3])
    for s in known.clip.shots:
        assert s.start <= s.thumbnail < s.end and s.start <= s.window[0] < s.window[1] <= s.end


def test_sharp_blurred_dark_and_motion_scores(tmp_path):
    clips = {k: analyze_file(encode(tmp_path / f"{k}.mp4", f"{source(k, 50)}[v]")).clip.shots[0]
             for k in ("sharp", "blurred", "dark", "bars", "pan")}
    assert clips["sharp"].sharpness > 0.8 > 0.3 > clips["blurred"].sharpness
    assert clips["dark"].exposure < 0.3 < 0.9 < clips["sharp"].exposure
    assert clips["pan"].camera_motion > 5 * max(clips["bars"].camera_motion, 0.01)
    assert clips["pan"].motion > clips["bars"].motion


def test_cache_only_new_files_are_analysed_and_nothing_is_written_beside_media(tmp_path, monkeypatch):
    monkeypatch.setenv("MONTAGE_AI_CACHE_DIR", str(tmp_path / "cache"))
    media = tmp_path / "media"
    media.mkdir()
    paths = [encode(media / f"c{i}.mp4", f"{source('sharp', 20 + i)}[v]") for i in range(2)]
    paths.append(encode(media / "c2.mov", f"{source('sharp', 22)}[v];sine=r=48000:d=1[a]", "-map", "[a]",
                        "-c:a", "pcm_s24le"))
    before = sorted(os.listdir(media))
    first = analyze_footage(paths)
    assert [r.cached for r in first] == [False] * 3
    paths.append(encode(media / "new one.mp4", f"{source('fractal', 25)}[v]"))
    second = analyze_footage(paths)
    assert [r.cached for r in second] == [True, True, True, False]
    assert [r.clip for r in second[:3]] == [r.clip for r in first]  # every field survives the cache
    assert second[2].clip.audio.bits == 24
    assert sorted(os.listdir(media)) == sorted(before + ["new one.mp4"])
    assert len(list((tmp_path / "cache" / "footage").glob("*.json"))) == 4
    paths[0].write_bytes(paths[0].read_bytes() + b"\0")  # changed file: analysed again
    assert [r.cached for r in analyze_footage(paths[:1])] == [False]


def test_bad_files_are_skipped_with_a_named_warning_and_the_batch_completes(tmp_path):
    good = encode(tmp_path / "good.mp4", f"{source('sharp', 40)}[v]")
    faststart = encode(tmp_path / "long.mp4", f"{source('sharp', 250)}[v]", "-movflags", "+faststart")
    data = faststart.read_bytes()
    bad = {"zero-length": tmp_path / "zero.mp4", "truncated": tmp_path / "cut short.mp4",
           "corrupt": tmp_path / "corrupt.mov", "no video": tmp_path / "voice.m4a"}
    bad["zero-length"].write_bytes(b"")
    bad["truncated"].write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])  # moov at the end: unreadable
    bad["corrupt"].write_bytes(os.urandom(4000))
    ffmpeg("-f", "lavfi", "-i", "sine=d=1", bad["no video"])
    partial = tmp_path / "partial.mp4"
    partial.write_bytes(data[: len(data) // 2])  # index first, half the frames
    results = analyze_footage([good, *bad.values(), partial])
    assert results[0].clip is not None and not results[0].warnings
    for result, path in zip(results[1:5], bad.values()):
        assert result.clip is None and len(result.warnings) == 1 and str(path) in result.warnings[0]
    last = results[-1]
    assert last.clip is not None and 0 < last.clip.frames < 250
    assert str(partial) in last.warnings[0] and "frames decode" in last.warnings[0]


@pytest.mark.parametrize("case", ["29.97 drop-frame", "59.94", "50", "23.976", "10-bit HDR", "rotated", "vfr"])
def test_camera_formats_analyse(tmp_path, case):
    path = tmp_path / f"{case}.mov"
    rates = {"29.97 drop-frame": "30000/1001", "59.94": "60000/1001", "50": "50", "23.976": "24000/1001"}
    if case in rates:
        encode(path, f"{source('sharp', 60, rates[case])}[v]", "-timecode", "01:00:00;00" if "drop" in case else
               "00:00:00:00", rate=rates[case])
    elif case == "10-bit HDR":
        ffmpeg("-f", "lavfi", "-i", "testsrc2=s=320x180:r=25:d=2", "-c:v", "libx265", "-preset", "ultrafast",
               "-pix_fmt", "yuv420p10le", "-x265-params", "log-level=error:colorprim=bt2020:transfer=smpte2084:"
               "colormatrix=bt2020nc", "-tag:v", "hvc1", path)
    elif case == "rotated":
        src = encode(tmp_path / "src.mp4", f"{source('sharp', 50)}[v]")
        ffmpeg("-i", src, "-c", "copy", "-metadata:s:v:0", "rotate=90", path)
    else:
        parts = [encode(tmp_path / f"p{r}.mp4", f"{source('sharp', 40, r)}[v]", rate=r) for r in ("24", "60")]
        (tmp_path / "l.txt").write_text("".join(f"file '{p}'\n" for p in parts))
        ffmpeg("-f", "concat", "-safe", "0", "-i", tmp_path / "l.txt", "-c", "copy", path)
    result = analyze_footage([path])[0]
    assert result.clip is not None, result.warnings
    clip = result.clip
    assert clip.shots[0].start == 0 and clip.shots[-1].end == clip.frames > 0
    assert clip.shots[0].sharpness > 0.5 and clip.shots[0].exposure > 0.5
    if case == "vfr":
        assert clip.variable_rate and len(clip.shots) <= 2


def test_cli_analyze_footage_json_and_bad_input(tmp_path, known):
    run = lambda *a: subprocess.run([sys.executable, "-m", "montage_ai.cli", "analyze-footage", *map(str, a)],  # noqa: E731
                                    capture_output=True, text=True)
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video" * 50)
    proc = run(known.path, broken, "--json")
    assert proc.returncode == 0, proc.stderr
    clips = json.loads(proc.stdout)["clips"]
    first = clips[0]
    assert first["fps"] == "25/1" and first["frames"] == 190 and first["path"] == str(known.path)
    assert first["measured_fps"] == first["common_fps"] == 25.0  # what the timestamps say, beside the chosen rate
    assert [s["start_frame"] for s in first["shots"]] == [s.start for s in known.clip.shots]
    assert first["shots"][1]["start"] == pytest.approx(first["shots"][1]["start_frame"] / 25)
    assert {"motion", "quality", "sharpness", "exposure", "shake", "black"} <= set(first["shots"][0]["scores"])
    assert clips[1]["skipped"] and "broken.mp4" in clips[1]["warnings"][0]
    assert "broken.mp4" in proc.stderr
    for args in ([tmp_path / "missing.mp4"], [broken]):
        proc = run(*args, "--json")
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == 2 and len(lines) == 1 and "Traceback" not in proc.stderr and not proc.stdout


def test_identity_key_follows_size_mtime_and_head(tmp_path):
    f = tmp_path / "a.mp4"
    f.write_bytes(b"x" * 100)
    k = cache.identity_key(f)
    os.utime(f, ns=(1, 2))
    assert cache.identity_key(f) != k
