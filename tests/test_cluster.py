"""The Dask side of the task interface, on a real LocalCluster: same results as the process pool,
a worker killed mid-batch costs nothing, an input failure is reported by file and not retried, and
paths map between the editor's machine and the workers."""
from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest

from montage_ai.cluster import Failed, PathMap, dask_executor, parse_scheduler, run_mapped
from montage_ai.errors import InputError

pytest.importorskip("distributed")


def digest(path: Path) -> tuple[str, int]:
    """A pure task: the file's name and byte sum."""
    return path.name, sum(path.read_bytes())


def die_once(path: Path) -> tuple[str, int]:
    """Kills its worker process the first time it sees ``path`` (a marker file remembers)."""
    marker = path.with_suffix(".died")
    if path.name == "f3.bin" and not marker.exists():
        marker.write_text("x")
        os._exit(1)
    return digest(path)


def refuse(path: Path) -> None:
    """Fails for its input, counting its attempts beside the file."""
    count = path.with_suffix(".tries")
    count.write_text(str(int(count.read_text()) + 1 if count.exists() else 1))
    raise InputError(path, "not a media file ffmpeg can read")


@pytest.fixture()
def files(tmp_path) -> list[Path]:
    out = []
    for i in range(8):
        f = tmp_path / f"f{i}.bin"
        f.write_bytes(os.urandom(1000 + i))
        out.append(f)
    return out


def test_scheduler_forms():
    assert parse_scheduler("local:2") == ("local", 2)
    assert parse_scheduler("tcp://10.0.0.5:8786") == ("remote", "tcp://10.0.0.5:8786")
    for bad in ("local:0", "local:x", "10.0.0.5:8786", "tcp://host", "http://h:1"):
        with pytest.raises(InputError, match="--scheduler"):
            parse_scheduler(bad)


@dataclass(frozen=True)
class Result:
    path: Path
    shots: list


def test_path_mapping_both_ways():
    paths = PathMap.parse("/Volumes/Rushes=/mnt/nfs-montage/input; /Volumes/Rushes/B-cam=/mnt/b")
    assert paths.to_worker("/Volumes/Rushes/day 1/a.mov") == "/mnt/nfs-montage/input/day 1/a.mov"
    assert paths.to_worker("/Volumes/Rushes/B-cam/x.mov") == "/mnt/b/x.mov"  # longest prefix wins
    assert paths.to_worker("/Volumes/RushesOld/a.mov") == "/Volumes/RushesOld/a.mov"
    assert paths.to_editor("/mnt/nfs-montage/input/day 1/a.mov") == "/Volumes/Rushes/day 1/a.mov"
    windows = PathMap.parse(r"D:\Rushes=/mnt/nfs-montage/input")
    assert windows.to_worker(r"D:\Rushes\day1\a.mov") == "/mnt/nfs-montage/input/day1/a.mov"
    back = paths.back(Result(Path("/mnt/b/x.mov"), [{"thumb": Path("/mnt/b/x.jpg")}]))
    assert back == Result(Path("/Volumes/Rushes/B-cam/x.mov"), [{"thumb": Path("/Volumes/Rushes/B-cam/x.jpg")}])
    with pytest.raises(InputError, match="EDITOR_FOLDER=WORKER_FOLDER"):
        PathMap.parse("/Volumes/Rushes")


def test_input_error_survives_pickling():
    err = pickle.loads(pickle.dumps(InputError("/a/b.mov", "truncated")))
    assert (err.path, err.problem, str(err)) == ("/a/b.mov", "truncated", "/a/b.mov: truncated")


def test_local_cluster_matches_the_process_pool_and_survives_a_dead_worker(files):
    with ProcessPoolExecutor(2) as pool:
        expected = list(pool.map(digest, files))
    with dask_executor("local:2") as executor:
        assert list(executor.map(digest, files)) == expected
        # a worker dies in the middle of the batch: Dask reschedules its task, every result comes back
        assert list(executor.map(die_once, files)) == expected
    assert files[3].with_suffix(".died").exists()


def test_input_failures_come_back_by_name_once(files, tmp_path):
    paths = PathMap.parse(f"/Volumes/Rushes={tmp_path}")
    editor = [f"/Volumes/Rushes/{f.name}" for f in files[:2]] + ["/Volumes/Rushes/missing.mov"]
    with dask_executor("local:2") as executor:
        results = list(executor.map(partial(run_mapped, refuse, paths=paths), editor))
    assert results[:2] == [Failed(e, "not a media file ffmpeg can read") for e in editor[:2]]
    assert results[2].path == "/Volumes/Rushes/missing.mov" and "not visible on worker" in results[2].problem
    assert [f.with_suffix(".tries").read_text() for f in files[:2]] == ["1", "1"]


def test_unreachable_scheduler_is_one_line():
    with pytest.raises(InputError, match="cannot reach the Dask scheduler"):
        with dask_executor("tcp://127.0.0.1:9"):
            pass


def test_footage_analysis_on_a_local_cluster_equals_the_process_pool(tmp_path):
    """The real batch (footage analysis, through the CLI) on a LocalCluster of 2 workers: identical JSON;
    a path mapping hands the workers another folder name, results come back under the editor's."""
    from footage_media import encode, source

    media = tmp_path / "media"
    media.mkdir()
    for i, kind in enumerate(("sharp", "fractal", "bars")):
        encode(media / f"clip {i}.mp4", f"{source(kind, 30)}[v]")
    editor = tmp_path / "Volumes" / "Rushes"
    editor.mkdir(parents=True)
    shutil.copy(media / "clip 0.mp4", editor)  # the editor's copy of what the workers see under media/

    def analyse(*extra: str, code: int = 0) -> dict | str:
        cache = tmp_path / f"cache{len(list(tmp_path.glob('cache*')))}"  # a fresh cache: every run analyses
        proc = subprocess.run([sys.executable, "-m", "montage_ai.cli", "analyze-footage", "--json", *extra],
                              capture_output=True, text=True, env={**os.environ, "MONTAGE_AI_CACHE_DIR": str(cache)})
        assert proc.returncode == code, proc.stderr
        return json.loads(proc.stdout) if code == 0 else proc.stderr

    pool = analyse(str(media))
    dask = analyse(str(media), "--scheduler", "local:2")
    assert dask == pool and len(pool["clips"]) == 3 and all(c["shots"] for c in pool["clips"])
    mapped = analyse(str(editor / "clip 0.mp4"), "--scheduler", "local:2", "--path-map", f"{editor}={media}")
    assert mapped["clips"][0]["path"] == str(editor / "clip 0.mp4")
    assert mapped["clips"][0]["shots"] == pool["clips"][0]["shots"]
    unseen = analyse(str(editor / "clip 0.mp4"), "--scheduler", "local:2", "--path-map", f"{editor}=/nowhere", code=2)
    assert unseen.strip().splitlines()[-1].startswith(f"montage-ai: {editor / 'clip 0.mp4'}: not visible on worker")
    local = analyse(str(media / "clip 0.mp4"), "--path-map", f"{media}=/nowhere")  # no cluster: nothing to map
    assert local["clips"][0]["shots"] == pool["clips"][0]["shots"]


def test_scheduler_and_path_map_come_from_the_config_file(tmp_path, monkeypatch):
    from montage_ai.cluster import executor_for, path_map
    monkeypatch.setenv("MONTAGE_AI_CONFIG_DIR", str(tmp_path))
    monkeypatch.delenv("MONTAGE_AI_SCHEDULER", raising=False)
    monkeypatch.delenv("MONTAGE_AI_PATH_MAP", raising=False)
    (tmp_path / "config.toml").write_text('scheduler = "local:1"\npath_map = "/Volumes/Rushes=/mnt/in"\n')
    assert path_map().to_worker("/Volumes/Rushes/a.mov") == "/mnt/in/a.mov"
    monkeypatch.setenv("MONTAGE_AI_PATH_MAP", "/Volumes/Rushes=/mnt/env")  # the environment wins
    assert path_map().to_worker("/Volumes/Rushes/a.mov") == "/mnt/env/a.mov"
    with executor_for(None) as executor:
        assert type(executor).__name__ == "ClientExecutor"
        assert executor.submit(sum, [1, 2]).result() == 3
    (tmp_path / "config.toml").write_text("scheduler = 8786\n")
    with pytest.raises(InputError, match="key 'scheduler': expected tcp://HOST:PORT or local:N"):
        with executor_for(None):
            pass


def slow_mark(path: Path) -> str:
    """Marks that it ran, then takes a while."""
    import time
    path.with_suffix(".ran").write_text("x")
    time.sleep(0.5)
    return path.name


def test_cancel_stops_handing_out_cluster_tasks(files):
    import threading

    from montage_ai.errors import Cancelled
    from montage_ai.tasks import map_with_progress
    cancel = threading.Event()
    many = files * 4  # 32 tasks of 0.5 s on 2 workers: 8 s if none were stopped
    with dask_executor("local:2") as executor:
        with pytest.raises(Cancelled):
            map_with_progress(slow_mark, many, executor, lambda done: cancel.set(), cancel)
    ran = [f for f in files if f.with_suffix(".ran").exists()]
    assert len(ran) < len(files)  # queued tasks were dropped, not run


def test_subject_tracks_run_on_the_cluster_through_the_path_map(tmp_path, monkeypatch):
    """Reframing's subject tracking is a batch on the same executor: on a LocalCluster, through a path
    mapping, the track equals the one made here, under the editor's path."""
    from subject_media import subject_clip
    from montage_ai.video.subject import subject_tracks, track_subject

    monkeypatch.setenv("MONTAGE_AI_CACHE_DIR", str(tmp_path / "cache"))
    media, editor = tmp_path / "media", tmp_path / "Volumes" / "Rushes"
    media.mkdir()
    editor.mkdir(parents=True)
    subject_clip(media / "walk.mp4", seconds=3.0, size=(640, 360))
    shutil.copy(media / "walk.mp4", editor)
    with dask_executor("local:1") as executor:
        tracks = subject_tracks([editor / "walk.mp4"], executor=executor,
                                path_map=PathMap.parse(f"{editor}={media}"))
    assert tracks == {editor / "walk.mp4": track_subject(media / "walk.mp4")}


def test_one_make_with_aspects_starts_one_local_cluster(song, tmp_path, monkeypatch):
    """The analysis and the reframing of one make share its ``local:N`` cluster: it starts once, and the
    cropped set is still written."""
    import distributed
    from subject_media import subject_clip
    from montage_ai.pipeline import make
    from montage_ai.plan.planner import PlanSettings
    from montage_ai.settings import parse_aspects

    started = []

    class Counted(distributed.LocalCluster):
        def __init__(self, *args, **kwargs):
            started.append(kwargs.get("n_workers"))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(distributed, "LocalCluster", Counted)
    monkeypatch.setenv("MONTAGE_AI_CACHE_DIR", str(tmp_path / "cache"))
    clip = subject_clip(tmp_path / "walk.mp4", seconds=3.0, size=(640, 360))
    out = tmp_path / "out"
    make(song.path, [clip], out, PlanSettings(duration=6.0), preview=False, scheduler="local:1",
         aspects=parse_aspects("16:9,9:16"))
    assert started == [1]
    assert json.loads((out / "9x16" / "report.json").read_text())["aspect"] == "9:16"
