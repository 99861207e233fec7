"""Proxies on generated footage: every proxy keeps its original's rate, frame count, timecode, audio
channels and rotation (ffprobe), a second run skips them, a killed run leaves no broken proxy."""
from __future__ import annotations

import json
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from montage_ai.errors import InputError
from montage_ai.proxies import make_proxies, read_manifest
from montage_ai.proxy_check import check_proxy, describe
from montage_ai.proxy_encode import partial_path, proxy_size, remove_dead_partials
from montage_ai.video.timing import frame_times

#: name -> (lavfi size, rate, seconds, timecode, audio channels, rotation tag)
CLIPS = {
    "a 23976 stereo.mp4": ("1280x720", "24000/1001", 1.5, None, 2, 0),
    "b 25 tc.mov": ("320x180", "25", 1.0, "10:00:00:00", 0, 0),
    "c 2997 df mono.mov": ("320x180", "30000/1001", 1.0, "01:00:00;00", 1, 0),
    "d 5994.mp4": ("320x180", "60000/1001", 1.0, None, 2, 0),
    "e portrait.mp4": ("320x180", "30", 1.0, None, 0, 90),
    "f ünï côdé.mov": ("320x180", "24", 1.0, "23:59:59:00", 2, 0),
    "one/clip.mp4": ("320x180", "25", 0.6, None, 0, 0),
    "two/clip.mp4": ("320x180", "50", 0.6, None, 0, 0),
}


def make_clip(path: Path, size: str, rate: str, seconds: float, tc: str | None, channels: int, rotation: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    cmd = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}"]
    if channels:
        cmd += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}", "-ac", str(channels)]
    cmd += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    cmd += ["-timecode", tc] if tc else []
    subprocess.run([*cmd, str(path)], check=True)
    if rotation:  # the display rotation is set by a remux (an encode would rotate the pixels instead)
        rotated = path.with_name("rotated " + path.name)
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(path), "-c", "copy", "-metadata:s:v:0",
                        f"rotate={rotation}", str(rotated)], check=True)
        rotated.replace(path)


@pytest.fixture(scope="module")
def footage(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("proxy footage")
    for name, spec in CLIPS.items():
        make_clip(root / name, *spec)
    (root / "broken.mp4").write_bytes(os.urandom(4096))
    return root


@pytest.mark.parametrize("width, height, short, expected", [
    (1920, 1080, 540, (960, 540)), (3840, 2160, 540, (960, 540)), (1280, 720, 540, (640, 360)),
    (1080, 1920, 540, (540, 960)), (720, 480, 540, (720, 480)), (1998, 1080, 540, (666, 360)),
    (4096, 2160, 720, (1024, 540)), (1920, 1080, 720, (960, 540)), (1282, 721, 540, (960, 540)),
])
def test_proxy_size_divides_the_original(width, height, short, expected):
    assert proxy_size(width, height, short) == expected


def test_proxies_keep_what_an_nle_matches_on(footage, tmp_path):
    out = tmp_path / "proxies"
    batch = make_proxies([footage], out, "h264-540p", hwaccel="none")
    by_name = {r.source.relative_to(footage).as_posix(): r for r in batch.results}
    assert by_name["broken.mp4"].status == "failed" and by_name["broken.mp4"].reason
    for name, (size, rate, seconds, tc, channels, rotation) in CLIPS.items():
        result = by_name[name]
        assert result.status == "made", (name, result.reason)
        src, proxy = describe(footage / name), describe(result.proxy)
        assert (proxy.rate, proxy.frames, proxy.timecode, proxy.audio_channels, proxy.rotation) == \
               (src.rate, src.frames, src.timecode, src.audio_channels, src.rotation), name
        assert src.timecode == tc and src.rotation == rotation and len(src.audio_channels) == (1 if channels else 0)
        assert result.proxy.name.endswith("_Proxy.mp4")
    assert (describe(by_name["a 23976 stereo.mp4"].proxy).width, describe(by_name["a 23976 stereo.mp4"].proxy).height) \
        == (640, 360)
    # same file name in two folders: the folders are mirrored, nothing is overwritten
    assert by_name["one/clip.mp4"].proxy == out / "one" / "clip_Proxy.mp4"
    assert by_name["two/clip.mp4"].proxy == out / "two" / "clip_Proxy.mp4"
    manifest = json.loads((out / "proxies.json").read_text())
    assert manifest["proxies"][str(footage / "b 25 tc.mov")] == str(out / "b 25 tc_Proxy.mp4")
    assert not list(out.rglob(".*partial*"))

    again = make_proxies([footage], out, "h264-540p", hwaccel="none")
    assert [r.status for r in again.results if r.status != "failed"] == ["skipped"] * len(CLIPS)


def test_the_manifest_merges_runs_and_a_damaged_one_starts_afresh(footage, tmp_path):
    """proxies.json is read back (the folder or the file) by the one reader the Resolve bridge uses too."""
    out = tmp_path / "proxies"
    first = make_proxies([footage / "b 25 tc.mov"], out, hwaccel="none").results[0]
    second = make_proxies([footage / "d 5994.mp4"], out, hwaccel="none").results[0]
    both = {str(first.source): str(first.proxy), str(second.source): str(second.proxy)}
    assert read_manifest(out) == read_manifest(out / "proxies.json") == both
    (out / "proxies.json").write_text("{", encoding="utf-8")
    with pytest.raises(InputError, match="not a proxies.json"):
        read_manifest(out)
    again = make_proxies([footage / "b 25 tc.mov"], out, hwaccel="none").results[0]
    assert again.status == "skipped" and read_manifest(out) == {str(first.source): str(first.proxy)}


@pytest.mark.parametrize("profile", ["prores-proxy", "dnxhr-lb"])
def test_intermediate_profiles(footage, tmp_path, profile):
    batch = make_proxies([footage / "c 2997 df mono.mov", footage / "e portrait.mp4"], tmp_path, profile)
    for result in batch.results:
        assert result.status == "made" and result.proxy.suffix == ".mov", result.reason
        src, proxy = describe(result.source), describe(result.proxy)
        assert (proxy.rate, proxy.frames, proxy.timecode, proxy.audio_channels, proxy.rotation) == \
               (src.rate, src.frames, src.timecode, src.audio_channels, src.rotation)


def _montage_ai() -> list[str]:
    return [sys.executable, "-m", "montage_ai.cli"]


def test_killed_run_leaves_no_broken_proxy(tmp_path):
    long_clip = tmp_path / "long.mov"
    make_clip(long_clip, "1280x720", "25", 4.0, "01:00:00:00", 2, 0)
    out = tmp_path / "out"
    proc = subprocess.Popen([*_montage_ai(), "proxies", str(long_clip), "--out", str(out), "--profile", "prores-proxy"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list(out.glob(".*.partial.mov")) and time.monotonic() < deadline:
        time.sleep(0.05)
    partials = list(out.glob(".*.partial.mov"))
    assert partials, "the encode never started"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    time.sleep(1.0)  # the encoder gets SIGKILL with its parent (PR_SET_PDEATHSIG)
    busy = subprocess.run(["pgrep", "-f", partials[0].name], capture_output=True, text=True).stdout.split()
    assert busy == [], "an orphaned encoder is still writing"
    assert not (out / "long_Proxy.mov").exists()
    done = subprocess.run([*_montage_ai(), "proxies", str(long_clip), "--out", str(out), "--profile", "prores-proxy"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert not list(out.glob(".*.partial.*")), "the dead run's partial file was not cleaned up"
    assert describe(out / "long_Proxy.mov").frames == describe(long_clip).frames == 100


def test_cli_bad_input_is_one_line(tmp_path):
    done = subprocess.run([*_montage_ai(), "proxies", str(tmp_path / "missing.mov"), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1 and "missing.mov" in done.stderr
    done = subprocess.run([*_montage_ai(), "proxies", str(tmp_path), "--out", str(tmp_path / "o"), "--hwaccel", "cuda"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "--hwaccel 'cuda'" in done.stderr


def phone_clip(path: Path, rate: int, pts: str, seconds: float) -> Path:
    """A variable-rate phone-like clip: testsrc2 frames whose timestamps (s) are the expression ``pts`` of N,
    on a 1/600 track time base as an iPhone writes, with mono audio."""
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=s=320x180:r={rate}:d={seconds}",
                    "-f", "lavfi", "-i", f"sine=d={seconds}", "-vf", f"settb=1/90000,setpts='({pts})/TB'",
                    "-fps_mode", "passthrough", "-enc_time_base", "1/90000", "-c:v", "libx264", "-preset", "ultrafast",
                    "-c:a", "aac", "-video_track_timescale", "600", str(path)], check=True)
    return path


def test_phone_footage_proxies_keep_every_timestamp_rotation_and_hdr_tags(tmp_path):
    """Variable-rate phone clips (low light at ~10.5 fps, 30 with drops and jitter, turned 90°) and a 6-frame
    HDR clip each get a proxy whose frames sit at the original's times, with its rotation and colour tags."""
    src = tmp_path / "phone"
    src.mkdir()
    phone_clip(src / "low light.mp4", 11, "N/10.5-floor(N/7)*(1/10.5-1/30)+0.004*sin(N*1.7)", 3)
    upright = phone_clip(tmp_path / "upright.mp4", 30, "(N+floor(N/4))/30+0.003*sin(N*1.3)", 2)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(upright), "-c", "copy", "-metadata:s:v:0", "rotate=90",
                    str(src / "drops.mp4")], check=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=320x180:r=30,trim=end_frame=6",
                    "-c:v", "libx265", "-pix_fmt", "yuv420p10le", "-x265-params",
                    "log-level=error:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc", "-tag:v", "hvc1",
                    str(src / "six frames hdr.mov")], check=True)
    batch = make_proxies([src], tmp_path / "proxies", hwaccel="none")
    for result in batch.results:
        assert result.status == "made", (result.source.name, result.reason)
        original, proxy = describe(result.source), describe(result.proxy)
        assert (proxy.frames, proxy.rotation, proxy.colour) == (original.frames, original.rotation, original.colour)
        ours, theirs = frame_times(result.source), frame_times(result.proxy)
        assert np.abs((theirs - theirs[0]) - (ours - ours[0])).max() < 1e-3, result.source.name
    by_name = {r.source.name: describe(r.source) for r in batch.results}
    assert by_name["low light.mp4"].variable_rate and by_name["drops.mp4"].rotation == 90
    assert by_name["six frames hdr.mov"].frames == 6 and ("-color_trc", "smpte2084") in by_name["six frames hdr.mov"].colour

    # the check compares timestamps: the same frames re-timed to a constant rate no longer match
    steady = tmp_path / "steady.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(src / "drops.mp4"), "-vf", "settb=1/30,setpts=N",
                    "-fps_mode", "passthrough", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "copy",
                    "-metadata:s:v:0", "rotate=90", str(steady)], check=True)
    assert "instead of" in check_proxy(describe(src / "drops.mp4"), steady)


def test_proxies_on_a_dask_cluster_equal_the_local_ones(footage, tmp_path):
    """One task per original on two Dask workers that see the footage under another folder (a path map):
    each proxy keeps what the local one keeps; the manifest names the editor's paths."""
    from montage_ai.cluster import PathMap, dask_executor
    local = make_proxies([footage], tmp_path / "local", hwaccel="none")
    worker_view = tmp_path / "nfs"
    worker_view.symlink_to(footage)
    with dask_executor("local:2") as executor:
        batch = make_proxies([footage], tmp_path / "cluster", hwaccel="auto", executor=executor,
                             mapping=PathMap.parse(f"{footage}={worker_view}"))
    made = {r.source: r for r in batch.results}
    for r in local.results:
        there = made[r.source]
        assert there.status == r.status, (r.source, there.reason)
        if r.status == "made":
            assert there.node and there.encoder == "libx264" and there.proxy.is_relative_to(tmp_path / "cluster")
            mine, theirs = describe(r.proxy), describe(there.proxy)
            assert (theirs.rate, theirs.frames, theirs.timecode, theirs.audio_channels, theirs.rotation,
                    theirs.width, theirs.height) == \
                (mine.rate, mine.frames, mine.timecode, mine.audio_channels, mine.rotation, mine.width, mine.height)
    assert set(read_manifest(tmp_path / "cluster")) == set(read_manifest(tmp_path / "local"))
    assert not list((tmp_path / "cluster").rglob(".*partial*"))


def test_only_this_machines_dead_partials_are_removed(tmp_path):
    """Dask workers on other pods often have the pid of a process gone here: their partials are left alone."""
    dead = subprocess.Popen(["true"])
    dead.wait()
    mine = partial_path(tmp_path / "a_Proxy.mov")
    dead_here = mine.with_name(mine.name.replace(f".{os.getpid()}.", f".{dead.pid}."))
    elsewhere = dead_here.with_name(dead_here.name.replace(f".{platform.node()}.", ".worker-pod-7."))
    for p in (mine, dead_here, elsewhere):
        p.write_bytes(b"")
    assert mine != partial_path(tmp_path / "a_Proxy.mov")  # two tasks of one pid never share a name
    assert remove_dead_partials(tmp_path) == [dead_here]
    assert mine.exists() and elsewhere.exists()


def test_a_cluster_chooses_encoders_on_its_nodes_not_here(tmp_path, monkeypatch):
    """``proxies --scheduler … --hwaccel nvenc`` on a laptop without a GPU: the nodes test NVENC, the laptop
    does not; without --hwaccel the laptop's own FFMPEG_HWACCEL stays home and the nodes get auto."""
    from concurrent.futures import ThreadPoolExecutor

    import montage_ai.proxies as proxies
    import montage_ai.proxy_encode as proxy_encode
    from montage_ai.encoders import SOFTWARE, Selection

    def no_gpu_here(choice, family="h264"):
        raise InputError(None, f"--hwaccel {choice}: this ffmpeg has no h264_nvenc encoder")

    asked = []
    monkeypatch.setattr(proxies, "select_encoder", no_gpu_here)
    monkeypatch.setattr(proxy_encode, "select_on_node", lambda choice: asked.append(choice) or Selection(SOFTWARE, "node"))
    make_clip(tmp_path / "in" / "a.mov", "320x180", "25", 0.4, None, 0, 0)
    monkeypatch.setenv("FFMPEG_HWACCEL", "videotoolbox")
    for hwaccel, sent in (("nvenc", "nvenc"), (None, "auto")):
        with ThreadPoolExecutor(1) as executor:
            batch = make_proxies([tmp_path / "in"], tmp_path / f"out-{sent}", hwaccel=hwaccel, executor=executor)
        assert asked.pop() == sent and batch.results[0].status == "made"
        assert batch.selection.encoder.codec == "libx264" and f"--hwaccel {sent}" in batch.selection.note


def test_a_clip_whose_edit_list_hides_frames_gets_a_proxy_of_the_frames_shown(tmp_path):
    """A stream copy cut inside a GOP (as phones' trims and iPhone clips write) keeps the packets before its first
    shown frame, which its edit list discards: the container counts 60, players and NLEs show 45. The proxy has
    the 45 and its check counts those (it asked for 60 and refused every such proxy)."""
    whole, src = tmp_path / "whole.mp4", tmp_path / "phone" / "trimmed.mov"
    src.parent.mkdir()
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=320x180:r=30:d=3", "-c:v",
                    "libx264", "-preset", "ultrafast", "-g", "30", str(whole)], check=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-ss", "0.5", "-i", str(whole), "-t", "1.5", "-c", "copy", str(src)],
                   check=True)
    assert describe(src).frames == 45 and len(frame_times(src)) == 45
    (result,) = make_proxies([src.parent], tmp_path / "proxies", hwaccel="none").results
    assert result.status == "made", result.reason
    assert describe(result.proxy).frames == 45 and check_proxy(describe(src), result.proxy) is None
