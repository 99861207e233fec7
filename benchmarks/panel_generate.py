"""Panel Generate time on the demo media (the whole song): from the click to the plan shown with its
preview rendered, and to every cut's thumbnail shown; with a cold and then a warm thumbnail cache.

Runs the panel offscreen in this process. To measure another revision, put its package first on the
path (e.g. ``git archive REV core plugin | tar -x -C DIR``, link ``DIR/core/plugin -> ../plugin`` and
``PKG/montage_ai -> DIR/core``, then ``PYTHONPATH=PKG python benchmarks/panel_generate.py``).

    python benchmarks/panel_generate.py [--media DIR]
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["MONTAGE_AI_CONFIG_DIR"] = tempfile.mkdtemp(prefix="montage-ai-bench-config-")
os.environ["MONTAGE_AI_CACHE_DIR"] = tempfile.mkdtemp(prefix="montage-ai-bench-cache-")

from PySide6.QtCore import QEventLoop  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from montage_ai.demo_media import synth_footage, synth_song  # noqa: E402
from montage_ai.plugin.panel.settings import PanelSettings  # noqa: E402
from montage_ai.plugin.panel.window import PanelWindow  # noqa: E402


FAILURES: list[str] = []


def wait(app: QApplication, done, timeout: float = 900.0) -> None:
    end = time.perf_counter() + timeout
    while not done():
        if FAILURES:
            raise RuntimeError(FAILURES[0])
        if time.perf_counter() > end:
            raise TimeoutError("the panel did not finish")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


def generate(app: QApplication, window: PanelWindow) -> tuple[float, float]:
    """Seconds from the Generate click to ``generated``, and to all cut thumbnails shown."""
    fired = []
    window.generated.connect(lambda: fired.append(time.perf_counter()))
    start = time.perf_counter()
    window.generate_btn.click()
    wait(app, lambda: fired)
    wait(app, lambda: len(window.strip.thumbnails) == len(window.plan.cuts))
    return fired[0] - start, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--media", type=Path, default=Path(tempfile.gettempdir()) / "montage-ai-bench-panel")
    args = parser.parse_args()
    args.media.mkdir(parents=True, exist_ok=True)
    song = synth_song(args.media / "demo_song.wav")
    footage = sorted((args.media / "footage").glob("*.mp4")) or synth_footage(args.media / "footage")
    app = QApplication.instance() or QApplication([])
    window = PanelWindow(settings=PanelSettings())
    window.show()
    window.set_music(song.path)
    window.add_footage(footage)
    analysed = []
    window.analyzed.connect(lambda: analysed.append(True))
    window.failed.connect(FAILURES.append)
    window.analyze_btn.click()
    wait(app, lambda: analysed)
    for cache in ("cold", "warm"):
        shown, thumbs = generate(app, window)
        print(f"Generate ({cache} thumbnail cache, {len(window.plan.cuts)} cuts, {window.plan.frames} frames): "
              f"plan and preview ready after {shown:.1f} s, all thumbnails shown after {thumbs:.1f} s")
    window.close()


if __name__ == "__main__":
    main()
