"""Time from launching the panel to a usable window (target: at most 1.5 s on a 2-core machine).

Starts a fresh Python per run (as the Resolve menu or `montage-ai panel` does), opens the window,
and stops the clock when the event loop has shown it. Prints the median of several runs.

    python benchmarks/panel_launch.py [--runs 5]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

CHILD = """
import time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from montage_ai.plugin.panel import launch
window = launch(block=False)
QTimer.singleShot(0, lambda: (print("shown", window.isVisible()), app.quit()))
app.exec()
"""


def one_run(env: dict) -> float:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, env=env, check=True).stdout
    assert "shown True" in out, out
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
           "MONTAGE_AI_CONFIG_DIR": tempfile.mkdtemp()}
    one_run(env)  # warm the OS file cache, as a second launch would be
    times = [one_run(env) for _ in range(args.runs)]
    print(f"panel launch to shown window: median {statistics.median(times):.2f} s "
          f"(min {min(times):.2f}, max {max(times):.2f}, {args.runs} runs, includes Python start-up); "
          f"target 1.5 s")


if __name__ == "__main__":
    main()
