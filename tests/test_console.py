"""What ``montage-ai`` shows on the console: progress on a terminal (driven through a pty), plain lines in
a pipe, nothing with --quiet/--json, one warning summary, --version and the bare command."""
import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time

import pytest

from montage_ai.demo_media import synth_song

#: 4:02 at 64 BPM (256 beats), as in benchmarks/long_audio.py.
FOUR_MINUTES = (("intro", 8, 0.3), ("build", 16, 0.6), ("climax", 16, 1.0), ("sustain", 16, 0.7), ("outro", 8, 0.4))
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def cli(*args) -> list[str]:
    return [sys.executable, "-m", "montage_ai.cli", *map(str, args)]


def run_on_a_terminal(argv: list[str], env: dict) -> tuple[int, list[tuple[float, bytes]]]:
    """Run ``argv`` with stdout and stderr on a pty (120x40); return its exit code and each chunk it
    wrote with the time it arrived."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    chunks = []
    while True:
        if select.select([master], [], [], 0.05)[0]:
            try:
                data = os.read(master, 65536)
            except OSError:  # the child closed the pty
                break
            if not data:
                break
            chunks.append((time.monotonic(), data))
        elif proc.poll() is not None:
            break
    os.close(master)
    return proc.wait(), chunks


@pytest.fixture(scope="module")
def four_minute_song(tmp_path_factory):
    return synth_song(tmp_path_factory.mktemp("four") / "four_minutes.wav", bpm=64, arc=FOUR_MINUTES)


@pytest.mark.slow
def test_make_on_a_4_minute_song_shows_progress_at_least_every_second(four_minute_song, footage, tmp_path):
    env = {**os.environ, "MONTAGE_AI_CACHE_DIR": str(tmp_path / "cache"), "TERM": "xterm-256color"}
    code, chunks = run_on_a_terminal(cli("make", "--music", four_minute_song.path, "--footage", *footage,
                                         "--out", tmp_path / "out", "--no-preview"), env)
    text = ANSI.sub("", b"".join(c for _, c in chunks).decode("utf-8", "replace"))
    assert code == 0, text[-2000:]
    times = [t for t, _ in chunks]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert len(times) > 2 and max(gaps) <= 1.0, f"longest silence {max(gaps):.2f} s"  # however fast the machine
    # the music stage reports from inside the analysis, not only at its end
    analysis = {int(p) for p in re.findall(r"Analysing music\s+\S+\s+(\d+)%", text)}
    assert len(analysis - {0, 100}) >= 3, sorted(analysis)
    assert "ETA" in text and all(label in text for label in ("Reading footage", "Planning cuts", "Writing exports"))
    assert "cuts," in text and "montage.otio" in text


@pytest.fixture(scope="module")
def small_make(song, footage, tmp_path_factory):
    """``make`` over the demo song and its mixed-rate footage with stderr in a pipe."""
    def run(*extra):
        out = tmp_path_factory.mktemp("small") / "out"
        proc = subprocess.run(cli("make", "--music", song.path, "--footage", *footage, "--out", out, "--duration", "12",
                                  "--no-preview", *extra), capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        return proc, json.loads((out / "report.json").read_text())
    return run


def test_plain_lines_when_not_a_terminal_and_one_warning_summary(small_make):
    proc, report = small_make()
    lines = proc.stdout.splitlines()
    assert "\x1b" not in proc.stdout + proc.stderr
    for label in ("Reading footage", "Analysing music", "Planning cuts", "Writing exports"):
        assert f"{label}…" in lines and any(line.startswith(f"{label}: done in ") for line in lines)
    assert lines[-1].endswith("report.json")
    mixed = [w for w in report["warnings"] if "real-time speed" in w]
    assert len(mixed) >= 2 and len(report["warnings"]) == len(mixed)
    assert proc.stderr.splitlines() == [f"{len(mixed)} warnings (mixed frame rates: {len(mixed)}); details in report.json"]


def test_quiet_and_json_add_nothing(small_make):
    quiet, report = small_make("--quiet")
    assert len(quiet.stderr.splitlines()) == 1 and "warnings (" in quiet.stderr
    assert "…" not in quiet.stdout and quiet.stdout.splitlines()[0].startswith(f"{len(report['cuts'])} cuts")
    as_json, report = small_make("--json")
    assert as_json.stderr == ""
    summary = json.loads(as_json.stdout)
    assert summary["frames"] == report["frames"] and summary["warnings"] == report["warnings"]
    assert summary["outputs"][-1].endswith("report.json")


def test_version_and_bare_command():
    from montage_ai import __version__
    version = subprocess.run(cli("--version"), capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.strip() == f"montage-ai {__version__}"
    bare = subprocess.run(cli(), capture_output=True, text=True)
    assert bare.returncode == 0 and bare.stdout.startswith("usage: montage-ai") and "make" in bare.stdout
    assert bare.stderr == ""
