"""Proxy media an NLE can swap for the originals: same timecode, frame timing (the rate, or every
frame's timestamp for variable-rate phone footage), frame count, audio channels, rotation and colour
tags (HDR), a frame size that divides the original's, written under a temporary name and renamed
only after ffprobe has checked it. Any clip with a frame gets one (footage analysis' least length
does not apply).

Names follow Premiere's own proxies (``<name>_Proxy.<ext>``); sub-folders of the footage are
mirrored under the output folder, and ``proxies.json`` maps every original to its proxy.

This module is the batch (which originals, where their proxies go, the encodes, the manifest); one proxy's
encode is :mod:`.proxy_encode`, its check against the original :mod:`.proxy_check`.
"""
from __future__ import annotations

import json
import os
import threading
import time
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable

from . import tasks
from .cluster import PathMap, worker_paths
from .encoders import SOFTWARE, Encoder, Selection, requested, select_encoder
from .errors import Cancelled, InputError
from .output import write_atomic
from .proxy_check import Source, describe_or_error
from .proxy_encode import (DEFAULT_PROFILE, PROFILES, Profile, ProxyJob, ProxyResult, encode_partial, needs_no_encode,
                           place, remove_dead_partials, run_proxy_job)
from .video.discover import discover_footage

MANIFEST = "proxies.json"
PROXY_SUFFIX = "_Proxy"
#: ffprobe runs at once while the originals are described (each mostly waits for its process to start).
PROBES_AT_ONCE = 4


def proxy_paths(sources: list[Path], out_dir: Path, profile: Profile) -> dict[Path, Path]:
    """Where each original's proxy goes: its folder below the sources' common folder mirrored under
    ``out_dir``, named ``<stem>_Proxy<ext>`` (``<stem>.<original ext>_Proxy<ext>`` where two
    originals would share a name)."""
    root = Path(os.path.commonpath([str(p.parent) for p in sources]))
    plain = {src: out_dir / src.parent.relative_to(root) / f"{src.stem}{PROXY_SUFFIX}{profile.extension}"
             for src in sources}
    taken: dict[Path, int] = {}
    for target in plain.values():
        taken[target] = taken.get(target, 0) + 1
    return {src: target if taken[target] == 1 else
            target.with_name(f"{src.stem}{src.suffix}{PROXY_SUFFIX}{profile.extension}")
            for src, target in plain.items()}


@dataclass
class ProxyBatch:
    """Every original's outcome, the encoder selection, and the manifest written."""

    results: list[ProxyResult]
    selection: Selection
    manifest: Path | None


def make_proxies(paths: list[str | Path], out_dir: str | Path, profile: str = DEFAULT_PROFILE,
                 hwaccel: str | None = None, jobs: int | None = None,
                 progress: Callable[[str, float], None] | None = None,
                 cancel: threading.Event | None = None, executor: Executor | None = None,
                 mapping: PathMap | None = None) -> ProxyBatch:
    """Proxies of the footage in ``paths`` (files or folders) in ``out_dir``.

    A valid existing proxy is kept; a file that is not usable footage is reported (``failed``) and
    the batch goes on. ``progress("proxies", fraction)`` follows the frames encoded (the proxies done on
    an ``executor``: one task per original on a Dask cluster, whose workers see the files through
    ``mapping`` and choose their own encoder).
    """
    if profile not in PROFILES:
        raise InputError(None, f"--profile {profile!r}: choose one of {', '.join(PROFILES)}")
    chosen = PROFILES[profile]
    choice = requested(hwaccel)
    out = Path(out_dir).expanduser().resolve()
    if out.exists() and not out.is_dir():
        raise InputError(out, "output path exists and is not a folder")
    files = [f for f in discover_footage(paths) if out not in f.parents]
    if not files:
        raise InputError(out, "the only footage found is inside the output folder")
    software = Selection(SOFTWARE, f"{chosen.name}: software encoder")
    # on a cluster each node chooses its own (select_on_node), this machine's GPU or none aside
    selection = select_encoder(choice) if chosen.h264 and executor is None else software
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(out, f"cannot create the output folder ({err.strerror})") from None
    remove_dead_partials(out)
    targets = proxy_paths(files, out, chosen)
    with ThreadPoolExecutor(max_workers=PROBES_AT_ONCE, thread_name_prefix="proxy-probe") as probes:
        sources = dict(zip(files, probes.map(describe_or_error, files)))
    total = sum(s.frames for s in sources.values() if isinstance(s, Source)) or 1
    done: dict[Path, int] = {}
    lock = threading.Lock()

    def advance(src: Path, frames: int) -> None:
        with lock:
            done[src] = frames
            if progress:
                progress("proxies", min(1.0, sum(done.values()) / total))

    def encode(src: Path) -> ProxyResult | Callable[[], ProxyResult]:
        """The result of a source that needs no encode (or whose encode failed), else its check."""
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        source, target = sources[src], targets[src]
        done_already = needs_no_encode(src, source, target)
        if done_already is not None:
            advance(src, getattr(source, "frames", 0))
            return done_already
        start = time.perf_counter()
        written = encode_partial(source, target, chosen, selection.encoder, lambda n: advance(src, n), cancel)
        if isinstance(written, ProxyResult):
            return written
        return lambda: check(src, source, written, target, start)

    def check(src: Path, source: Source, partial: Path, target: Path, start: float) -> ProxyResult:
        """ffprobe the written proxy, then rename it into place (while the next encode runs)."""
        result = place(source, partial, target, start)
        advance(src, source.frames)
        return result

    if executor is not None:
        node_choice = choice if hwaccel else "auto"  # not this machine's $FFMPEG_HWACCEL: each node's own
        jobs_ = [ProxyJob(f, sources[f], targets[f], chosen.name, node_choice) for f in files]
        task = partial(run_proxy_job, paths=worker_paths(executor, mapping))
        results = tasks.map_with_progress(task, jobs_, executor,
                                          (lambda f: progress("proxies", f)) if progress else None, cancel)
        if chosen.h264:
            used = ", ".join(sorted({r.encoder for r in results if r.encoder})) or "none"
            selection = Selection(Encoder("per node", used), f"chosen on each node for --hwaccel {node_choice}: {used}")
        return ProxyBatch(results, selection, _write_manifest(out, chosen, results))
    workers = max(1, jobs or (2 if selection.hardware else 1))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="proxy") as pool, \
            ThreadPoolExecutor(max_workers=workers, thread_name_prefix="proxy-check") as checks:
        encoded = [pool.submit(encode, f) for f in files]
        finished = [checks.submit(step) if callable(step := e.result()) else step for e in encoded]
        results = [r.result() if isinstance(r, Future) else r for r in finished]
    if cancel is not None and cancel.is_set():
        raise Cancelled()
    return ProxyBatch(results, selection, _write_manifest(out, chosen, results))


def read_manifest(path: Path) -> dict[str, str]:
    """original -> proxy from ``proxies.json`` (``path`` is the file or the proxy folder holding it);
    InputError when it is missing or not one :func:`make_proxies` wrote."""
    manifest = path / MANIFEST if path.is_dir() else path
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        proxies = data["proxies"]
        if not isinstance(proxies, dict) or not all(isinstance(v, str) for v in proxies.values()):
            raise TypeError
    except FileNotFoundError:
        raise InputError(manifest, "not found: make proxies first (montage-ai proxies PATH... --out DIR)") from None
    except (OSError, ValueError, KeyError, TypeError):
        raise InputError(manifest, "not a proxies.json written by montage-ai proxies") from None
    return proxies


def _write_manifest(out: Path, profile: Profile, results: list[ProxyResult]) -> Path | None:
    """``proxies.json``: original path -> proxy path for every proxy in the folder (merged with earlier runs)."""
    path = out / MANIFEST
    try:
        known = read_manifest(path)
    except InputError:  # none yet, or unreadable: this run's proxies start it afresh
        known = {}
    for r in results:
        if r.proxy is not None:
            known[str(r.source)] = str(r.proxy)
    known = {src: proxy for src, proxy in known.items() if Path(proxy).exists()}
    write_atomic(path, json.dumps({"profile": profile.name, "proxies": known}, indent=1))
    return path
