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
for _var, _kind in (("MONTAGE_AI_CONFIG_DIR", "config"), ("MONTAGE_AI_CACHE_DIR", "cache")):
    if _var not in os.environ:  # workers import this module again: they keep the panel process's folders
        os.environ[_var] = tempfile.mkdtemp(prefix=f"montage-ai-bench-{_kind}-")

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from montage_ai.demo_media import synth_footage, synth_song  # noqa: E402
from montage_ai.plugin.panel.settings import PanelSettings  # noqa: E402
from montage_ai.plugin.panel.window import PanelWindow  # noqa: E402


FAILURES: list[str] = []


def wait(done, timeout: float = 900.0) -> None:
    """Run the event loop until ``done()`` (checked every 20 ms)."""
    end = time.perf_counter() + timeout
    loop, timer = QEventLoop(), QTimer()

    def check() -> None:
        if done() or FAILURES or time.perf_counter() > end:
            loop.quit()

    timer.timeout.connect(check)
    timer.start(20)
    loop.exec()
    timer.stop()
    if FAILURES or not done():
        raise RuntimeError(FAILURES[0] if FAILURES else "the panel did not finish")


def generate(window: PanelWindow) -> tuple[float, float]:
    """Seconds from the Generate click to ``generated``, and to all cut thumbnails shown."""
    fired: list[float] = []

    def on_generated() -> None:
        fired.append(time.perf_counter())

    window.generated.connect(on_generated)
    start = time.perf_counter()
    window.generate_btn.click()
    wait(lambda: bool(fired))
    wait(lambda: len(window.strip.thumbnails) == len(window.plan.cuts))
    window.generated.disconnect(on_generated)
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
    analysed: list[bool] = []

    def on_analysed() -> None:
        analysed.append(True)

    def on_failed(message: str) -> None:
        FAILURES.append(message)

    window.analyzed.connect(on_analysed)
    window.failed.connect(on_failed)
    window.analyze_btn.click()
    wait(lambda: bool(analysed))
    for cache in ("cold", "warm"):
        shown, thumbs = generate(window)
        print(f"Generate ({cache} thumbnail cache, {len(window.plan.cuts)} cuts, {window.plan.frames} frames): "
              f"plan and preview ready after {shown:.1f} s, all thumbnails shown after {thumbs:.1f} s")
    window.close()
    window.deleteLater()
    app.processEvents()


if __name__ == "__main__":
    main()
