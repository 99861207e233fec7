"""Read ahead: items of an iterator made in a thread while the caller works on the ones before.

Footage analysis decodes (ffmpeg's pipe or PyAV, both outside the GIL) and measures (numpy) in turns; with
the next block made while the caller measures this one, both cores work. Memory stays at ``depth`` + 1 items.
"""
from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")

_END = object()


def read_ahead(items: Iterator[T], depth: int = 2, name: str = "read-ahead",
               interrupt: Callable[[], None] | None = None) -> Iterator[T]:
    """``items`` in order, up to ``depth`` of them made ahead in a thread. An exception raised making one is
    raised here after the items before it. A caller that stops early stops the thread: ``interrupt`` is called
    first (to unblock an item being made, e.g. kill the process it reads), then the thread ends at its next
    item and the iterator is closed in it."""
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def make() -> None:
        try:
            for item in items:
                if stop.is_set():
                    break
                ready.put(item)
        except BaseException as err:  # raised to the caller in turn
            ready.put(err)
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()
            ready.put(_END)

    maker = threading.Thread(target=make, name=name, daemon=True)
    maker.start()
    try:
        while (item := ready.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        if maker.is_alive() and interrupt is not None:
            interrupt()
        while maker.is_alive():  # free its place in the queue until it has seen the stop
            try:
                ready.get(timeout=0.05)
            except queue.Empty:
                pass
        maker.join()
