"""Helpers of the hostile suite: run ``montage-ai`` as a user does and check its one-line errors."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from montage_ai.cli import main


def ffmpeg(*args) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", *map(str, args)], check=True)


def lavfi_clip(path: Path, rate="25", seconds=3, size="160x90", extra=()) -> Path:
    ffmpeg("-f", "lavfi", "-i", f"testsrc2=s={size}:r={rate}:d={seconds}", "-c:v", "libx264", "-preset",
           "ultrafast", "-g", str(round(float(rate))), *extra, path)
    return path


def run_cli(*args, capsys) -> tuple[int, str, str]:
    """``montage-ai ARGS`` in this process: exit code, stdout, stderr."""
    try:
        code = main([str(a) for a in args])
    except SystemExit as stop:  # argparse
        code = stop.code
    out, err = capsys.readouterr()
    return code, out, err


def run_proc(*args, env=None, **kwargs) -> subprocess.CompletedProcess:
    """``montage-ai ARGS`` as a separate process."""
    return subprocess.run([sys.executable, "-m", "montage_ai.cli", *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, **kwargs)


def one_line(err: str, *needles: str) -> str:
    """Assert ``err`` is one line, no traceback, naming every needle; return it."""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and "internal error" not in err, err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]
