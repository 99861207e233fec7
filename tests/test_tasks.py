"""The task interface: a process pool and the in-process executor give the same ordered results."""
import os
import sys
import threading

import pytest

from montage_ai.errors import Cancelled
from montage_ai.tasks import InlineExecutor, make_executor, map_with_progress


def test_pool_and_inline_agree_with_progress_to_one():
    seen = []
    with make_executor(2) as pool:
        pooled = map_with_progress(abs, [-3, 1, -2, 5, -8], pool, progress=seen.append)
    assert pooled == map_with_progress(abs, [-3, 1, -2, 5, -8], InlineExecutor()) == [3, 1, 2, 5, 8]
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) == 5


def test_cancel_stops_and_errors_surface():
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        map_with_progress(abs, [1, 2, 3], InlineExecutor(), cancel=cancel)
    with pytest.raises(TypeError):
        map_with_progress(abs, ["x"], InlineExecutor())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_pool_processes_write_to_the_null_device_not_the_runs_output(monkeypatch):
    """A worker (and the fork server it comes from) never holds the run's stdout or stderr: one that outlives
    the run by a moment neither keeps a reader of its output waiting nor prints under its one line."""
    monkeypatch.delenv("MONTAGE_AI_DEBUG", raising=False)
    with make_executor(2) as pool:
        fds = map_with_progress(os.readlink, ["/proc/self/fd/1", "/proc/self/fd/2"], pool)
    assert fds == [os.devnull, os.devnull]
