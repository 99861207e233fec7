"""An interrupted ``make``: real signals while real ffmpeg children render the preview.

After SIGINT/SIGTERM/SIGHUP: exit 128+N with one line, no ffmpeg child left, no staging folder, no
temporary files, the previous set of exports untouched. After SIGKILL: the children die with the
run (parent-death signal) and the next run removes the dead run's staging folder."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile_helpers import lavfi_clip, one_line, run_cli

from montage_ai.output import STAGE_PREFIX


@pytest.fixture(scope="module")
def big_clip(hostile_dir):
    """Large enough that each preview segment takes a moment to encode."""
    return lavfi_clip(hostile_dir / "big.mp4", "25", 6, "1280x720")


def _ffmpeg_children(marker: str) -> list[int]:
    """Pids of processes whose command line mentions ``marker`` (the out folder)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if marker in cmd and "ffmpeg" in cmd:
                pids.append(int(entry.name))
    return pids


def _start(song, clip, out, tmpdir, *extra):
    env = {**os.environ, "TMPDIR": str(tmpdir)}
    return subprocess.Popen([sys.executable, "-m", "montage_ai.cli", "make", "--music", str(song), "--footage",
                             str(clip), "--out", str(out), *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)


def _wait_for_children(proc, out) -> list[int]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        kids = _ffmpeg_children(str(out / STAGE_PREFIX))
        if kids:
            return kids
        time.sleep(0.02)
    pytest.fail(f"no ffmpeg child seen rendering the preview (exit {proc.poll()}: {proc.stderr.read()})")


def _gone(pids, timeout=5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = [p for p in pids if Path(f"/proc/{p}").exists() and "Z" not in _state(p)]
        if not alive:
            return True
        time.sleep(0.05)
    return False


def _state(pid) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name)
def test_signal_leaves_nothing_and_keeps_previous_set(sig, tiny_song, big_clip, tmp_path, capsys):
    out, tmpdir = tmp_path / "out", tmp_path / "tmp"
    tmpdir.mkdir()
    code, _, err = run_cli("make", "--music", tiny_song, "--footage", big_clip, "--out", out, "--no-preview",
                           "--formats", "otio,csv", capsys=capsys)
    assert code == 0, err
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    proc = _start(tiny_song, big_clip, out, tmpdir)
    kids = _wait_for_children(proc, out)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + sig, err
    one_line(err, "interrupted", sig.name)
    assert _gone(kids), "ffmpeg children still running"
    assert not _ffmpeg_children(str(out))
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no staging folder, old set intact
    assert not list(tmpdir.iterdir())


def test_sigkill_children_die_and_next_run_cleans_up(tiny_song, big_clip, tmp_path):
    out, tmpdir = tmp_path / "out", tmp_path / "tmp"
    tmpdir.mkdir()
    proc = _start(tiny_song, big_clip, out, tmpdir)
    kids = _wait_for_children(proc, out)
    proc.kill()
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert _gone(kids), "ffmpeg children outlived a SIGKILLed run"
    stale = list(out.glob(STAGE_PREFIX + "*"))
    assert stale, "expected the killed run's staging folder"

    nxt = _start(tiny_song, big_clip, out, tmpdir, "--no-preview")
    _, err = nxt.communicate(timeout=60)
    assert nxt.returncode == 0, err
    assert not list(out.glob(".*")), "stale staging folder survived the next run"
    assert (out / "report.json").is_file() and not (out / "preview.mp4").exists()
    assert not list(tmpdir.iterdir())
