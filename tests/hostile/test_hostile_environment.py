"""The environment as a careless or unlucky user leaves it: unreadable or looping paths, an out path
that is a file, a read-only parent, a full disk or $TMPDIR, two runs into one folder, a second
run with other formats, an out folder inside the footage folder, ``| head``."""
import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hostile_helpers import one_line, run_cli, run_proc

ROOT = os.geteuid() == 0
#: As root, permissions are tested as user nobody (root reads everything).
AS_NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if ROOT else []


@contextlib.contextmanager
def mounted_tmpfs(path: Path, size: str, read_only: bool = False):
    """A small tmpfs at ``path`` (root only; the test is skipped otherwise)."""
    path.mkdir(parents=True, exist_ok=True)
    opts = f"size={size}" + (",ro" if read_only else "")
    if subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(path)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@pytest.fixture
def open_dir():
    """A scratch folder every user may enter (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="hostile-"))
    path.chmod(0o777)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_unreadable_music_exit_2(tiny_song, tiny_clips, open_dir):
    music = open_dir / "locked.wav"
    shutil.copy(tiny_song, music)
    music.chmod(0o000)
    clip = open_dir / "clip.mp4"
    shutil.copy(tiny_clips[0], clip)
    clip.chmod(0o644)
    cache = open_dir / "cache"
    proc = subprocess.run([*AS_NOBODY, sys.executable, "-m", "montage_ai.cli", "make", "--music", str(music),
                           "--footage", str(clip), "--out", str(open_dir / "out"), "--no-preview"],
                          capture_output=True, text=True, env={**os.environ, "MONTAGE_AI_CACHE_DIR": str(cache)})
    assert proc.returncode == 2, proc.stderr
    one_line(proc.stderr, "locked.wav", "ermission denied")


def test_symlink_loops_exit_2(tiny_song, tiny_clips, tmp_path, capsys):
    loop = tmp_path / "loop.wav"
    loop.symlink_to(loop)
    code, _, err = run_cli("make", "--music", loop, "--footage", tiny_clips[0], "--out", tmp_path / "o", capsys=capsys)
    assert code == 2
    one_line(err, "loop.wav")
    (tmp_path / "clips").symlink_to(tmp_path / "clips")
    code, _, err = run_cli("make", "--music", tiny_song, "--footage", tmp_path / "clips", "--out", tmp_path / "o",
                           capsys=capsys)
    assert code == 2
    one_line(err, "clips")


def test_out_path_that_is_a_file_is_refused_before_analysis(tmp_path, tiny_clips, capsys):
    target = tmp_path / "taken.txt"
    target.write_text("mine")
    # The music does not exist: had analysis run first, the error would name it.
    code, _, err = run_cli("make", "--music", tmp_path / "never-read.wav", "--footage", tiny_clips[0], "--out",
                           target, capsys=capsys)
    assert code == 2
    one_line(err, "taken.txt", "not a folder")
    code, _, err = run_cli("demo", "--out", target, capsys=capsys)
    assert code == 2
    one_line(err, "taken.txt", "not a folder")
    code, _, err = run_cli("validate", target, capsys=capsys)
    assert code == 2
    one_line(err, "taken.txt", "not a folder")
    assert target.read_text() == "mine"


def test_writable_out_folder_under_read_only_parent(tiny_song, tiny_clips, tmp_path, capsys):
    parent = tmp_path / "ro"
    if ROOT:
        with mounted_tmpfs(parent, "1m"):
            (parent / "out").mkdir()
            subprocess.run(["mount", "-o", "remount,ro", str(parent)], check=True)
            with mounted_tmpfs(parent / "out", "4m"):
                code, _, err = run_cli("make", "--music", tiny_song, "--footage", tiny_clips[0], "--out",
                                       parent / "out", "--no-preview", capsys=capsys)
                assert code == 0, err
                assert (parent / "out" / "report.json").is_file()
    else:
        (parent / "out").mkdir(parents=True)
        parent.chmod(0o555)
        try:
            code, _, err = run_cli("make", "--music", tiny_song, "--footage", tiny_clips[0], "--out", parent / "out",
                                   "--no-preview", capsys=capsys)
            assert code == 0, err
        finally:
            parent.chmod(0o755)


@pytest.mark.parametrize("preview", [False, True], ids=["exports", "preview"])
def test_full_disk_names_the_out_folder(preview, tiny_song, tiny_clips, tmp_path, capsys):
    disk = tmp_path / "disk"
    with mounted_tmpfs(disk, "256k" if preview else "16k"):  # 256k: the exports fit, the preview does not
        out = disk / "out"
        args = ["make", "--music", tiny_song, "--footage", tiny_clips[0], "--out", out]
        code, _, err = run_cli(*args, *([] if preview else ["--no-preview"]), capsys=capsys)
        assert code == 2
        line = one_line(err, str(out), "No space left on device")
        assert ".montage-ai-stage" not in line
        assert not out.exists() and not list(disk.iterdir())


def test_full_tmpdir_does_not_matter(tiny_song, tiny_clips, tmp_path):
    tmp = tmp_path / "tmp"
    with mounted_tmpfs(tmp, "4k"):
        with contextlib.suppress(OSError):
            (tmp / "filler").write_bytes(b"x" * 65536)  # fill it up
        proc = run_proc("make", "--music", tiny_song, "--footage", tiny_clips[0], "--out", tmp_path / "out",
                        "--duration", "2", env={"TMPDIR": str(tmp)})
        assert proc.returncode == 0 or ("TMPDIR" in one_line(proc.stderr) and proc.returncode == 2), proc.stderr
        assert (tmp_path / "out" / "preview.mp4").is_file()


def test_concurrent_runs_into_one_folder(tiny_song, tiny_clips, tmp_path):
    """The first run holds the folder from before its analysis to its last file; a second run started
    meanwhile stops at once with one line, and the folder holds the first run's plan only."""
    out = tmp_path / "out"

    def start(clip, *extra):
        return subprocess.Popen([sys.executable, "-m", "montage_ai.cli", "make", "--music", str(tiny_song),
                                 "--footage", str(clip), "--out", str(out), *extra],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    first = start(tiny_clips[0])  # with a preview: it holds the folder for seconds
    while not out.exists() and first.poll() is None:
        time.sleep(0.01)
    second = start(tiny_clips[1], "--no-preview")
    assert second.wait(timeout=120) == 2
    one_line(second.stderr.read(), str(out), "another montage-ai run")
    assert first.wait(timeout=300) == 0, first.stderr.read()
    report = json.loads((out / "report.json").read_text())
    assert {c["source_path"] for c in report["cuts"]} == {str(tiny_clips[0])}  # one plan, not two mixed


def test_locked_folder_refused_at_once(tiny_song, tiny_clips, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    fd = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        code, _, err = run_cli("make", "--music", tiny_song, "--footage", tiny_clips[0], "--out", out, capsys=capsys)
    finally:
        os.close(fd)
    assert code == 2
    one_line(err, "another montage-ai run")


def test_second_run_replaces_the_set(tiny_song, tiny_clips, tmp_path, capsys):
    out = tmp_path / "out"
    code, _, err = run_cli("make", "--music", tiny_song, "--footage", tiny_clips[0], "--out", out, "--no-preview",
                           capsys=capsys)
    assert code == 0, err
    (out / "notes.txt").write_text("the editor's own file")
    code, _, err = run_cli("make", "--music", tiny_song, "--footage", tiny_clips[1], "--out", out, "--no-preview",
                           "--formats", "otio", capsys=capsys)
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["montage.otio", "notes.txt", "report.html", "report.json"]
    assert json.loads((out / "report.json").read_text())["outputs"] == ["montage.otio", "report.html", "report.json"]


def test_out_folder_inside_footage_folder_is_not_footage(tiny_song, tiny_clips, tmp_path, capsys):
    footage = tmp_path / "footage"
    footage.mkdir()
    shutil.copy(tiny_clips[0], footage / "shot.mp4")
    for _ in range(2):
        code, _, err = run_cli("make", "--music", tiny_song, "--footage", footage, "--out", footage / "cut",
                               "--formats", "csv", "--duration", "2", capsys=capsys)
        assert code == 0, err
    report = json.loads((footage / "cut" / "report.json").read_text())
    assert [Path(c["path"]).name for c in report["clips"]] == ["shot.mp4"]


def test_broken_pipe_exits_quietly(tiny_song, tiny_clips, tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "montage_ai.cli", "make", "--music", str(tiny_song), "--footage",
                             str(tiny_clips[0]), "--out", str(tmp_path / "out"), "--no-preview"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # like `| head` that has stopped reading
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert err == "" and (tmp_path / "out" / "report.json").is_file()


def test_environment_errors_name_tmpdir_or_the_file():
    import errno

    from montage_ai.cli import _os_problem
    tmp = tempfile.gettempdir()
    full = OSError(errno.ENOSPC, "No space left on device", os.path.join(tmp, "tmpk3j2"))
    assert _os_problem(full) == f"$TMPDIR ({tmp}): No space left on device"
    none = FileNotFoundError(errno.ENOENT, f"No usable temporary directory found in ['{tmp}']")
    assert _os_problem(none).startswith(f"$TMPDIR ({tmp}): ")
    mine = PermissionError(errno.EACCES, "Permission denied", "/srv/project/out")
    assert _os_problem(mine) == "/srv/project/out: Permission denied"
