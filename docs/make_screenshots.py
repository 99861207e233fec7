"""Refresh docs/img/panel_*.png: run the panel tests in a real X server (Xvfb), saving screenshots here.

    python docs/make_screenshots.py        (needs Debian's xvfb: apt-get install xvfb)
"""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "MONTAGE_AI_ARTEFACTS": str(ROOT / "docs" / "img")}
    sys.exit(subprocess.call(["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable, "-m", "pytest",
                              "-q", str(ROOT / "tests" / "test_panel.py")], env=env, cwd=ROOT))
