"""The one task interface for batch work (footage analysis now; proxies and renders later).

Work is handed to a :class:`concurrent.futures.Executor`: a process pool by default, in-process for
a single task, and any other executor with the same interface (Dask's ``Client.get_executor()``
runs the same code on a cluster). Tasks are pure functions of their input, importable by name.
"""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from typing import TypeVar

from .errors import Cancelled, InputError

T = TypeVar("T")
R = TypeVar("R")

#: Modules the process pool's fork server imports once, so every worker starts with them loaded
#: (:mod:`.pool_server` first: the server's own set-up).
PRELOAD = ["montage_ai.pool_server", "montage_ai.video.footage"]
#: The pid a pool process's parent must have (set by each generation for the next).
POOL_PARENT = "MONTAGE_AI_POOL_PARENT"
#: How often the fork server looks whether its parent is still there.
WATCH_SECONDS = 0.25
#: ``prctl`` option: the signal this process gets when the thread that started it ends (Linux).
PR_SET_PDEATHSIG = 1


class InlineExecutor(Executor):
    """Runs each task at submit time in the calling process (one task, or no pool wanted)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as err:  # handed to the caller through the future, as a pool would
            future.set_exception(err)
        return future


def default_workers() -> int:
    """Worker processes for a local pool: ``$MONTAGE_AI_WORKERS`` (InputError naming it unless a whole
    number from 1 to 1024) or the number of CPUs."""
    raw = os.environ.get("MONTAGE_AI_WORKERS", "").strip()
    if not raw:
        return os.cpu_count() or 1
    if not raw.isdigit() or not 1 <= int(raw) <= 1024:
        raise InputError("$MONTAGE_AI_WORKERS", f"{raw!r} is not a number of worker processes (1 to 1024)")
    return int(raw)


def join_pool(watch: bool = False) -> None:
    """Set-up of a pool process (fork server, worker): Ctrl-C is ignored (the run stops its pool itself,
    with no traceback from each process), its stdout and stderr go to the null device (:func:`_off_the_run`)
    and, on Linux, the process ends when its parent dies, even by SIGKILL: a worker by
    ``prctl(PR_SET_PDEATHSIG)`` (its parent, the fork server, forks from its one thread), the fork
    server (``watch``) by a thread that sees it handed to another parent within
    ``WATCH_SECONDS`` (the death signal would follow the thread that started it, e.g. one of the panel's
    pool threads, not the process). A parent gone before that (its pid is handed down in
    ``$MONTAGE_AI_POOL_PARENT``) ends it at once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _off_the_run()
    if not sys.platform.startswith("linux"):
        return
    parent = os.environ.get(POOL_PARENT, str(os.getppid()))
    if not watch:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if str(os.getppid()) != parent:
        os._exit(1)
    os.environ[POOL_PARENT] = str(os.getpid())
    if watch:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="parent-watch").start()


def _off_the_run() -> None:
    """A pool process writes nothing on the run's stdout and stderr (``$MONTAGE_AI_DEBUG`` keeps stderr) and
    does not hold them open: a worker the fork server starts as the run ends would print its failed start-up
    under the run's one line, and a reader of the run's output waits for every process that holds it. The
    tasks' errors reach the run through the pool."""
    null = os.open(os.devnull, os.O_WRONLY)
    for fd in (1,) if os.environ.get("MONTAGE_AI_DEBUG") else (1, 2):
        os.dup2(null, fd)
    os.close(null)


def _watch_parent(parent: str) -> None:
    while str(os.getppid()) == parent:
        time.sleep(WATCH_SECONDS)
    os._exit(1)


def make_executor(workers: int | None = None) -> Executor:
    """A process pool of ``workers`` (default :func:`default_workers`); in-process for one worker.

    Workers come from a fork server (safe inside threaded hosts such as the panel) where available.
    """
    workers = workers or default_workers()
    if workers <= 1:
        return InlineExecutor()
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if "forkserver" in methods:
        context.set_forkserver_preload(PRELOAD)
    os.environ[POOL_PARENT] = str(os.getpid())
    return _Pool(workers, context)


class _Recording:
    """A multiprocessing context that keeps every process it makes (the pool's workers), before they start."""

    def __init__(self, context) -> None:
        self._context = context
        self.made: list[multiprocessing.process.BaseProcess] = []

    def Process(self, *args, **kwargs):  # the context's name for it
        process = self._context.Process(*args, **kwargs)
        self.made.append(process)
        return process

    def __getattr__(self, name: str):
        return getattr(self._context, name)


class _Pool(ProcessPoolExecutor):
    """A process pool that knows every worker it has made, also one whose start a stop signal cut short
    after it began (the pool had not recorded it yet: left waiting for work, it kept this process's exit
    waiting for it, since multiprocessing joins its children at exit)."""

    def __init__(self, workers: int, context) -> None:
        self._recording = _Recording(context)
        super().__init__(max_workers=workers, mp_context=self._recording, initializer=join_pool)

    def kill(self) -> None:
        """Kill every worker made (their ffmpeg children die with them)."""
        for process in self._recording.made:
            if process.pid is not None:
                process.kill()


def stop_pool(executor: Executor, finished: bool = False) -> None:
    """Shut ``executor`` down: wait for it when the work ``finished``; else (an interrupted or failed run, or
    a stop signal while waiting) drop its queued work and, for a process pool, kill its workers instead of
    letting tasks whose results nobody will read run on."""
    if finished:
        try:
            executor.shutdown(wait=True)
            return
        except BaseException:
            stop_pool(executor)
            raise
    executor.shutdown(wait=False, cancel_futures=True)
    if isinstance(executor, _Pool):
        executor.kill()


def map_with_progress(fn: Callable[[T], R], items: Sequence[T], executor: Executor | None = None,
                      progress: Callable[[float], None] | None = None,
                      cancel: threading.Event | None = None) -> list[R]:
    """``[fn(item) for item in items]`` on ``executor`` (default: a pool as wide as the work).

    Results keep the order of ``items``; ``progress`` gets the fraction done as tasks finish; a set
    ``cancel`` stops handing out work and raises :class:`Cancelled`. A task's exception is raised here.
    """
    if executor is None:
        own = make_executor(min(len(items), default_workers()) if items else 1)
        finished = False
        try:
            results = map_with_progress(fn, items, own, progress, cancel)
            finished = True
            return results
        finally:  # on cancel, error or a signal: drop queued work, stop running tasks
            stop_pool(own, finished)
    results: list = [None] * len(items)
    # two tasks per pool worker in flight; an executor of unknown width (Dask's queues on its
    # scheduler, which knows the cluster) gets every task at once
    width = 1 if isinstance(executor, InlineExecutor) else 2 * getattr(executor, "_max_workers", 0) or len(items)
    pending: dict[Future, int] = {}
    queued = iter(enumerate(items))
    done = 0
    try:
        while True:
            while len(pending) < width and (nxt := next(queued, None)) is not None:
                if cancel is not None and cancel.is_set():
                    raise Cancelled()
                pending[executor.submit(fn, nxt[1])] = nxt[0]
            if not pending:
                return results
            finished, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for future in finished:
                results[pending.pop(future)] = future.result()
                done += 1
                if progress:
                    progress(done / len(items))
            if cancel is not None and cancel.is_set():
                raise Cancelled()
    finally:
        for future in pending:
            future.cancel()
