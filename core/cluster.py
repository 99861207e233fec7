"""Where batch tasks run: this machine's process pool, or a Dask cluster behind the same
:class:`concurrent.futures.Executor` interface (``--scheduler tcp://HOST:8786`` or ``local:N``).

Dask is the engine (its scheduler, retries of tasks whose worker died, cancellation); this module
only opens it, maps paths between the editor's machine and the workers' shared storage, and keeps a
task that fails for its input from being retried: such a failure comes back as a value naming the file.
"""
from __future__ import annotations

import os
import platform
import re
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields, is_dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

from .config import config_entry, configured
from .errors import InputError

#: Inside :func:`one_cluster_per_run`: its exit stack and the executors opened so far, by scheduler.
_RUN: ContextVar[tuple[ExitStack, dict[str, Executor]] | None] = ContextVar("montage_ai_run_executors", default=None)

_SCHEDULER = re.compile(r"^(?:(local):(\d+)|((?:tcp|tls)://[^\s:/]+:\d+))$")


def parse_scheduler(text: str) -> tuple[str, int | str]:
    """``("local", N)`` for ``local:N``, ``("remote", address)`` for ``tcp://HOST:PORT`` / ``tls://…``."""
    m = _SCHEDULER.match(text.strip())
    if not m or (m.group(1) and not 1 <= int(m.group(2)) <= 256):
        raise InputError(None, f"--scheduler {text!r}: expected tcp://HOST:PORT or local:N (N workers, 1-256)")
    return ("local", int(m.group(2))) if m.group(1) else ("remote", m.group(3))


@dataclass(frozen=True)
class PathMap:
    """Pairs of (editor's folder, the same folder on the workers), e.g. ``/Volumes/Rushes`` =
    ``/mnt/nfs-montage/input``; the longest matching prefix wins, unmapped paths pass unchanged."""

    pairs: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, text: str) -> "PathMap":
        """``EDITOR=WORKER[;EDITOR=WORKER…]`` (the ``MONTAGE_AI_PATH_MAP`` form)."""
        pairs = []
        for item in filter(None, (part.strip() for part in text.split(";"))):
            editor, sep, worker = item.partition("=")
            if not sep or not editor.strip() or not worker.strip():
                raise InputError(None, f"path mapping {item!r}: expected EDITOR_FOLDER=WORKER_FOLDER")
            pairs.append((editor.strip().rstrip("/\\") or "/", worker.strip().rstrip("/") or "/"))
        return cls(tuple(pairs))

    @staticmethod
    def _swap(path: str, pairs: list[tuple[str, str]]) -> str:
        for src, dst in sorted(pairs, key=lambda p: -len(p[0])):
            if path == src or path.startswith(src.rstrip("/\\") + "/") or path.startswith(src.rstrip("/\\") + "\\"):
                rest = path[len(src):].replace("\\", "/").lstrip("/")
                return str(PurePosixPath(dst, rest)) if rest else dst
        return path

    def to_worker(self, path: str | Path) -> str:
        return self._swap(str(path), list(self.pairs))

    def to_editor(self, path: str | Path) -> str:
        return self._swap(str(path), [(w, e) for e, w in self.pairs])

    def back(self, value: Any) -> Any:
        """``value`` with every :class:`~pathlib.Path` in it (also inside dataclasses, lists, tuples and
        dicts) turned from the workers' form into the editor's."""
        return self._each_path(value, self.to_editor)

    def there(self, value: Any) -> Any:
        """``value`` with every :class:`~pathlib.Path` in it turned from the editor's form into the workers'
        (a task's input, as :meth:`back` turns its result)."""
        return self._each_path(value, self.to_worker)

    def _each_path(self, value: Any, swap: Callable[[Path], str]) -> Any:
        if isinstance(value, Path):
            return Path(swap(value))
        if is_dataclass(value) and not isinstance(value, type):
            changed = {f.name: self._each_path(getattr(value, f.name), swap) for f in fields(value) if f.init}
            return replace(value, **changed)
        if isinstance(value, (list, tuple)):
            return type(value)(self._each_path(v, swap) for v in value)
        if isinstance(value, dict):
            return {k: self._each_path(v, swap) for k, v in value.items()}
        return value


@dataclass(frozen=True)
class Failed:
    """A task that failed for its input (not retried): the editor's path and the problem."""

    path: str
    problem: str


def run_mapped(fn: Callable[[Path], Any], editor_path: str | Path, paths: PathMap) -> Any:
    """Task body on a worker: ``fn`` on the worker's path of ``editor_path``, its result with the editor's
    paths; a file the worker cannot see, or an :class:`InputError` of ``fn``, comes back as
    :class:`Failed` (Dask would retry an exception)."""
    editor_path = str(editor_path)
    worker_path = paths.to_worker(editor_path)
    if not os.path.exists(worker_path):
        where = f" as {worker_path}" if worker_path != editor_path else ""
        return Failed(editor_path, f"not visible on worker {platform.node()}{where}")
    try:
        result = fn(Path(worker_path))
        return paths.back(result) if paths.pairs else result
    except InputError as err:
        return Failed(editor_path, err.problem)


def path_map(text: str | None = None) -> PathMap:
    """``text`` (``--path-map``), else ``$MONTAGE_AI_PATH_MAP``, else ``path_map`` of ``config.toml``, as
    a :class:`PathMap` (empty: none)."""
    if text is not None:
        return PathMap.parse(text)
    env = os.environ.get("MONTAGE_AI_PATH_MAP", "")
    source, text = ("$MONTAGE_AI_PATH_MAP", env) if env.strip() else (config_entry("config.toml"), configured("path_map"))
    try:
        return PathMap.parse(text)
    except InputError as err:  # name where the bad mapping came from
        raise InputError(source, err.problem) from None


def worker_paths(executor: Executor | None, given: PathMap | None = None) -> PathMap:
    """How ``executor``'s workers see the editor's files: as they are on this machine's own pool (None),
    else ``given``, else :func:`path_map` (the configured one)."""
    return PathMap() if executor is None else given if given is not None else path_map()


@contextmanager
def executor_for(scheduler: str | None) -> Iterator[Executor | None]:
    """Where batch tasks run: None (the callers' own process pool) without ``scheduler``, else
    :func:`dask_executor`; ``$MONTAGE_AI_SCHEDULER``, then ``scheduler`` of ``config.toml``, is the default."""
    scheduler = (scheduler or os.environ.get("MONTAGE_AI_SCHEDULER", "").strip() or configured("scheduler").strip()
                 or None)
    if scheduler is None:
        yield None
        return
    run = _RUN.get()
    if run is None:
        with dask_executor(scheduler) as executor:
            yield executor
        return
    stack, opened = run
    if scheduler not in opened:
        opened[scheduler] = stack.enter_context(dask_executor(scheduler))
    yield opened[scheduler]


@contextmanager
def one_cluster_per_run() -> Iterator[None]:
    """Inside, every :func:`executor_for` of one scheduler gets the same executor, opened at its first use
    and closed on exit: one run's analysis and reframing share a ``local:N`` cluster instead of starting two."""
    with ExitStack() as stack:
        token = _RUN.set((stack, {}))
        try:
            yield
        finally:
            _RUN.reset(token)


def executor_width(executor: Executor) -> int:
    """Tasks ``executor`` runs at once: a process pool's workers, a Dask cluster's worker threads, else 1."""
    client = getattr(executor, "_client", None)  # Dask's ClientExecutor
    if client is not None:
        return max(1, sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()))
    return getattr(executor, "_max_workers", 1)


@contextmanager
def dask_executor(scheduler: str) -> Iterator[Executor]:
    """A Dask ``ClientExecutor`` for ``scheduler`` (a new ``LocalCluster`` of N worker processes for
    ``local:N``), closed on exit; tasks of a worker that dies are rescheduled by Dask itself."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError(None, "--scheduler needs Dask: install montage-ai with the [cluster] extra") from None
    kind, where = parse_scheduler(scheduler)
    cluster = None
    try:
        if kind == "local":
            cluster = LocalCluster(n_workers=int(where), threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = Client(cluster)
        else:
            client = Client(str(where), timeout="10s")
    except (OSError, TimeoutError) as err:
        if cluster is not None:
            cluster.close()
        raise InputError(None, f"--scheduler {scheduler}: cannot reach the Dask scheduler ({err})") from None
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
