"""montage-ai render: the master shows every planned source frame (segments joined frame-exact), carries the
mix at the target loudness, and leaves nothing behind on bad input or cancel."""
from __future__ import annotations

import concurrent.futures
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from colour_media import colour_clips, expected_codes, frame_codes
from processes import cmdline, left, marked

from montage_ai.cluster import Failed
from montage_ai.errors import Cancelled, InputError
from montage_ai.pipeline import write_outputs
from montage_ai.plan.planner import PlanSettings, plan_montage
from montage_ai.render import loudness
from montage_ai.render.master import master_size, render_master
from montage_ai.render.segments import split
from montage_ai.tasks import make_executor
from montage_ai.timebase import Rate


@pytest.fixture(scope="module")
def coded_plan(music, tmp_path_factory):
    """A 12-s plan over coded clips at mixed rates, written as a make run's folder (report.json)."""
    folder = tmp_path_factory.mktemp("render")
    clips = colour_clips(folder, ["30000/1001", "60000/1001", "25", "24000/1001"], coded=True, seconds=7)
    plan = plan_montage(music, clips, PlanSettings(fps=Rate.parse("30000/1001"), music_start=8, duration=12,
                                                   style="hype"))
    write_outputs(plan, folder / "out", formats=("csv",), preview=False)
    return plan, folder / "out"


def _frames_and_sound(path):
    info = json.loads(subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-count_frames", "-of", "json",
                                      str(path)], capture_output=True, check=True).stdout)
    video = next(s for s in info["streams"] if s["codec_type"] == "video")
    audio = next(s for s in info["streams"] if s["codec_type"] == "audio")
    return int(video["nb_read_frames"]), float(video["duration"]), float(audio["duration"]), video


def test_split_covers_every_cut_in_segments_of_about_equal_length(coded_plan):
    plan, _ = coded_plan
    ranges = split(plan, 4, min_seconds=2)
    assert ranges[0][0] == 0 and ranges[-1][1] == len(plan.cuts)
    assert all(a < b for a, b in ranges) and all(ranges[i][1] == ranges[i + 1][0] for i in range(len(ranges) - 1))
    assert len(ranges) == 4
    assert split(plan, 4) == [(0, len(plan.cuts))]  # 12 s: no segment under 8 s


def test_master_is_frame_exact_across_segments_with_sound_at_the_target(coded_plan):
    plan, out = coded_plan
    steps = []
    # four segments on a pool of two: the joined file shows each planned source frame in order
    import montage_ai.render.segments as segments
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(segments, "MIN_SEGMENT_SECONDS", 2.0)
        master = render_master(out, target=-16, executor=make_executor(2),
                               progress=lambda stage, f: steps.append((stage, f)))
    assert master.path == out / "master.mp4" and master.path.is_file()
    report = json.loads((out / "master.json").read_text())
    assert len(report["tasks"]) == 4 and report["frames"] == plan.frames
    assert {t["encoder"] for t in report["tasks"]} == {"libx264"} and all(t["node"] for t in report["tasks"])
    frames, video_s, audio_s, video = _frames_and_sound(master.path)
    assert frames == plan.frames and video["width"] == plan.width and video["r_frame_rate"] == "30000/1001"
    assert abs(audio_s - video_s) < 1 / 29.97
    colours, numbers = frame_codes(master.path)
    want_colours, want_numbers = expected_codes(plan)
    assert np.array_equal(colours, want_colours) and np.array_equal(numbers, want_numbers)
    assert abs(loudness.integrated(master.path) - -16) <= 1.0
    assert report["loudness"]["target"] == -16 and abs(report["loudness"]["output"] + 16) <= 1.0
    assert [s for s, _ in steps][-1] == "join" and ("render", 1.0) in steps
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging, no partial file


def test_prores_master_and_size(coded_plan, tmp_path):
    plan, out = coded_plan
    assert master_size(plan, "1080p") == (1920, 1080) and master_size(plan, "source") == (plan.width, plan.height)
    master = render_master(out, codec="prores", executor=make_executor(1))
    frames, _, _, video = _frames_and_sound(master.path)
    assert master.path.suffix == ".mov" and video["codec_name"] == "prores" and frames == plan.frames


def test_cancel_leaves_no_partial_file(coded_plan):
    _, out = coded_plan
    before = sorted(p.name for p in out.iterdir())
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        render_master(out, codec="hevc", cancel=cancel)
    assert sorted(p.name for p in out.iterdir()) == before


def test_cancel_after_the_first_segment_kills_the_pool_and_leaves_nothing(coded_plan, few_segments):
    _, out = coded_plan
    before = sorted(p.name for p in out.iterdir())
    cancel = threading.Event()
    with pytest.raises(Cancelled):
        render_master(out, codec="prores", cancel=cancel, executor=None,
                      progress=lambda stage, f: cancel.set() if stage == "render" and f > 0 else None)
    assert sorted(p.name for p in out.iterdir()) == before


def test_bad_input_is_one_line_and_exit_2(coded_plan, tmp_path):
    _, out = coded_plan
    with pytest.raises(InputError, match="report.json: file not found"):
        render_master(tmp_path)
    cli = [sys.executable, "-m", "montage_ai.cli"]
    for args, phrase in [(["render", str(tmp_path)], "file not found"),
                         (["render", str(out), "--loudness", "3"], "a target from -70 to -5 LUFS"),
                         (["render", str(out), "--codec", "vp9"], "--codec: invalid choice")]:
        done = subprocess.run([*cli, *args], capture_output=True, text=True)
        assert done.returncode == 2 and done.stderr.count("\n") == 1 and phrase in done.stderr, done.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds the run's processes in /proc")
@pytest.mark.parametrize("when", ["pool starting", "segments done"])
def test_sigterm_mid_render_leaves_nothing(coded_plan, when):
    """SIGTERM as the pool's fork server starts, or once the segments are done: exit 143 with one line, the
    render's output pipes closed, every process it started gone within seconds, nothing written."""
    _, out = coded_plan
    before = sorted(p.name for p in out.iterdir())
    mark = uuid.uuid4().hex
    proc = subprocess.Popen([sys.executable, "-m", "montage_ai.cli", "render", str(out), "--codec", "prores"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "RENDER_MARK": mark})
    if when == "segments done":
        for line in proc.stdout:  # plain progress lines: the first comes as the one segment is done
            if line.startswith("Rendering master"):
                break
    else:
        while proc.poll() is None and not any(b"forkserver" in cmdline(pid) for pid in marked(mark, proc.pid)):
            time.sleep(0.005)
    proc.terminate()
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        left(mark, 0, timeout=0)  # the render and everything it started
        pytest.fail("the render, or a process holding its stdout or stderr, did not end")
    assert not left(mark, proc.pid), "processes outlived the render"
    assert proc.returncode == 128 + 15 and err.count("\n") == 1 and "nothing written" in err, err
    assert sorted(p.name for p in out.iterdir()) == before


# --- on a Dask cluster -------------------------------------------------------------------------------------------

LISTINGS = Path(__file__).parent / "data" / "ffmpeg_encoders"
REAL_FFMPEG = shutil.which("ffmpeg")


def fake_ffmpeg(folder: Path, listing: str, nvenc: str = "") -> Path:
    """A folder whose ``ffmpeg`` prints the recorded ``-encoders`` ``listing`` and otherwise runs the real one;
    ``nvenc="works"`` encodes h264_nvenc's jobs with libx264 (a GPU node), ``"fails mid-task"`` does so for the
    test encode only and fails on a render's piped frames, as a GPU that falls over during a job."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "ffmpeg"
    script.write_text(f"""#!{sys.executable}
import os, sys
args = sys.argv[1:]
if "-encoders" in args:
    sys.stdout.write(open({str(LISTINGS / listing)!r}).read())
    sys.exit(0)
if "h264_nvenc" in args:
    if {nvenc!r} == "fails mid-task" and "pipe:0" in args:
        sys.stderr.write("[h264_nvenc] CUDA_ERROR_LAUNCH_FAILED: the GPU fell over\\n")
        sys.exit(1)
    swap = {{"h264_nvenc": "libx264", "p4": "ultrafast", "-cq": "-crf", "-rc": None, "vbr": None, "-b:v": None}}
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
            continue
        if a in swap and swap[a] is None:
            skip = a == "-b:v"
            continue
        out.append(swap.get(a, a))
    args = out
os.execv({REAL_FFMPEG!r}, ["ffmpeg", *args])
""")
    script.chmod(0o755)
    return folder


@pytest.fixture()
def few_segments(monkeypatch):
    import montage_ai.render.segments as segments
    monkeypatch.setattr(segments, "MIN_SEGMENT_SECONDS", 2.0)


def _start_workers(address: str, envs: list[dict]) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
                              "--no-dashboard", "--name", f"node-{i}"], env={**os.environ, **env},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for i, env in enumerate(envs)]


def test_each_worker_chooses_its_own_encoder_and_a_gpu_failing_mid_task_renders_in_software(coded_plan, tmp_path,
                                                                                           few_segments):
    """Two workers started beforehand with different ffmpeg builds: one lists no NVENC (its VAAPI fails the
    test encode: libx264), one lists NVENC, which passes the test encode and then fails on the job."""
    from distributed import Client, LocalCluster
    plan, out = coded_plan
    paths = {"node-0": fake_ffmpeg(tmp_path / "cpu", "linux_static_nonvenc_excerpt.txt"),
             "node-1": fake_ffmpeg(tmp_path / "gpu", "debian12_ffmpeg5.1_nogpu.txt", nvenc="fails mid-task")}
    with LocalCluster(n_workers=0, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        workers = _start_workers(cluster.scheduler_address, [
            {"PATH": f"{paths[n]}:{os.environ['PATH']}", "MONTAGE_AI_CACHE_DIR": str(tmp_path / n / "cache"),
             "FFMPEG_HWACCEL": "auto" if n == "node-0" else "nvenc"}  # node-1's overlay names its GPU
            for n in ("node-0", "node-1")])
        try:
            client.wait_for_workers(2, timeout=120)
            names = {a: w["name"] for a, w in client.scheduler_info()["workers"].items()}
            render_master(out, scheduler=cluster.scheduler_address, hwaccel="auto")
        finally:
            for w in workers:
                w.terminate()
                w.wait(30)
    report = json.loads((out / "master.json").read_text())
    assert report["where"] == "dask" and len(report["tasks"]) == 4
    for task in report["tasks"]:
        if names[task["worker"]] == "node-0":
            assert task["encoder"] == "libx264" and "h264_vaapi" in task["why"] and task["retried"] is None
        else:
            assert task["encoder"] == "libx264" and "h264_nvenc (passed a test encode)" in task["why"]
            assert "CUDA_ERROR_LAUNCH_FAILED" in task["retried"]
    assert {names[t["worker"]] for t in report["tasks"]} == {"node-0", "node-1"}
    colours, numbers = frame_codes(out / "master.mp4")
    assert np.array_equal(numbers, expected_codes(plan)[1])


def test_a_node_whose_gpu_works_uses_it(coded_plan, tmp_path, monkeypatch):
    from montage_ai.render.segments import render_segment, segments as make_segments
    plan, _ = coded_plan
    monkeypatch.setenv("PATH", f"{fake_ffmpeg(tmp_path / 'gpu', 'debian12_ffmpeg5.1_nogpu.txt', 'works')}:"
                               f"{os.environ['PATH']}")
    monkeypatch.setenv("MONTAGE_AI_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("FFMPEG_HWACCEL", "vaapi")  # the node's own choice fails its test: auto finds NVENC
    first = make_segments(plan, [(0, 2)], tmp_path, (plan.width, plan.height), "h264", "auto")[0]
    result = render_segment(first)
    assert result.encoder == "h264_nvenc" and result.retried is None and result.out.is_file()
    assert "this node's FFMPEG_HWACCEL: --hwaccel vaapi: h264_vaapi failed a test encode" in result.why


def test_a_worker_killed_mid_render_does_not_stop_it(coded_plan, few_segments):
    """Dask runs a lost worker's segment elsewhere; the master is still frame-exact."""
    from distributed import Client, LocalCluster
    plan, out = coded_plan
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        pids = client.run(os.getpid)
        killed = []

        def kill_when_busy() -> None:
            while not killed:
                busy = [w for w, keys in client.processing().items() if keys]
                if busy:
                    os.kill(pids[busy[0]], signal.SIGKILL)
                    killed.append(busy[0])
                time.sleep(0.05)

        killer = threading.Thread(target=kill_when_busy, daemon=True)
        killer.start()
        render_master(out, scheduler=cluster.scheduler_address, hwaccel="auto")
        killer.join(5)
    assert killed
    report = json.loads((out / "master.json").read_text())
    assert report["frames"] == plan.frames and len(report["tasks"]) == 4
    colours, numbers = frame_codes(out / "master.mp4")
    assert np.array_equal(colours, expected_codes(plan)[0]) and np.array_equal(numbers, expected_codes(plan)[1])


def test_a_gpu_failing_on_a_segment_is_tested_again_and_a_bad_source_is_not_retried(coded_plan, tmp_path,
                                                                                     monkeypatch):
    """NVENC passes its (cached) test, then fails on the segment: it is test-encoded again and the segment
    renders in software; a source that fails to decode fails the segment at once, naming the source."""
    from montage_ai.render import segments as seg
    plan, _ = coded_plan
    monkeypatch.setenv("PATH", f"{fake_ffmpeg(tmp_path / 'gpu', 'debian12_ffmpeg5.1_nogpu.txt', 'fails mid-task')}:"
                               f"{os.environ['PATH']}")
    monkeypatch.setenv("MONTAGE_AI_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("FFMPEG_HWACCEL", "nvenc")
    first = seg.segments(plan, [(0, 2)], tmp_path, (plan.width, plan.height), "h264", "auto")[0]
    tests = []
    monkeypatch.setattr("montage_ai.encoders.trial_encode", lambda e: tests.append(e.codec))
    result = seg.render_segment(first)
    assert tests == ["h264_nvenc", "h264_nvenc"] and result.encoder == "libx264" and result.out.is_file()
    assert "CUDA_ERROR_LAUNCH_FAILED" in result.retried and "passed its test again" in result.retried
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not video")
    cuts = [replace(c, clip=replace(c.clip, path=bad)) for c in first.plan.cuts]
    encodes = []
    real = seg._encode
    monkeypatch.setattr(seg, "_encode", lambda s, e: encodes.append(e.codec) or real(s, e))
    failed = seg.render_segment(replace(first, plan=replace(first.plan, cuts=cuts)))
    assert isinstance(failed, Failed) and failed.path == str(bad) and encodes == ["h264_nvenc"]


def test_loudness_that_does_not_converge_keeps_the_last_measured_gain_and_ceiling(monkeypatch, tmp_path):
    """Five rounds under the limiter never reach the target: the master gets the gain and ceiling of the
    last measurement, and ``expected`` is what that measurement found."""
    filters = []

    def measure(path, chain=""):
        filters.append(chain)
        return (-30.0, 0.0) if not chain else (-17.0 - len(filters), -0.5)  # loud peaks; limited: always short

    monkeypatch.setattr(loudness, "measure", measure)
    done = loudness.normalise(tmp_path / "mix.wav", -16.0)
    assert len(filters) == 1 + loudness.ROUNDS
    assert loudness.gain_filter(done["gain_db"], done["ceiling_db"]) == filters[-1]
    assert done["expected"] == [-17.0 - len(filters), -0.5]


def test_the_editors_own_hwaccel_is_not_sent_to_other_machines(coded_plan, monkeypatch, tmp_path):
    """The editor's FFMPEG_HWACCEL=videotoolbox (a Mac) is no requirement for workers elsewhere: they get
    auto and fall back from that preference when it fails on them; an explicit --hwaccel is sent as named."""
    import montage_ai.render.segments as seg
    plan, out = coded_plan
    sent = []
    real = seg.node_encoder
    monkeypatch.setattr(seg, "node_encoder", lambda s: sent.append(s.hwaccel) or real(s))
    monkeypatch.setenv("FFMPEG_HWACCEL", "videotoolbox")
    monkeypatch.setenv("MONTAGE_AI_CACHE_DIR", str(tmp_path / "cache"))
    master = render_master(out, executor=concurrent.futures.ThreadPoolExecutor(1))
    assert set(sent) == {"auto"} and "this node's FFMPEG_HWACCEL: --hwaccel videotoolbox" in master.report["tasks"][0]["why"]
    sent.clear()
    with pytest.raises(InputError, match="videotoolbox"):
        render_master(out, hwaccel="videotoolbox", executor=concurrent.futures.ThreadPoolExecutor(1))
    assert set(sent) == {"videotoolbox"}


def test_a_given_executor_sees_the_files_through_the_configured_path_map(coded_plan, monkeypatch, tmp_path):
    """Workers of a given executor are other machines as a scheduler's are: the configured map applies."""
    _, out = coded_plan
    monkeypatch.setenv("MONTAGE_AI_PATH_MAP", f"{out}={tmp_path / 'on-the-workers'}")
    with pytest.raises(InputError, match="not visible on worker"):
        render_master(out, codec="prores", executor=concurrent.futures.ThreadPoolExecutor(1))
