"""melt renders of MLT projects for the tests, with a time limit: melt has been seen to hang, idle, at the end
of a render, and a hung render must fail its test, not stall the whole run."""
from __future__ import annotations

import subprocess
from pathlib import Path

TIMEOUT_SECONDS = 300


def melt(project: Path, out: Path, *properties: str) -> Path:
    """Render ``project`` into ``out`` with melt's avformat consumer (``properties``: its settings)."""
    subprocess.run(["melt", "-quiet", str(project), "-consumer", f"avformat:{out}", *properties], check=True,
                   capture_output=True, timeout=TIMEOUT_SECONDS)
    return out
