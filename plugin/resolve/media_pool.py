"""Read Resolve's media pool: video items become :class:`~montage_ai.model.Clip`, the rest is skipped with a reason.

``MediaPoolItem.GetClipProperty()`` returns a dict of (mostly) strings; ``"FPS"`` may be a number.
Every value is parsed defensively: a clip that cannot be read is skipped, never guessed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from montage_ai.errors import InputError
from montage_ai.model import Clip, Shot
from montage_ai.selects import Mark, Selects, path_key, tag
from montage_ai.timebase import Rate

VIDEO_TYPES = ("video", "video + audio")
SKIP_REASONS = {
    "audio": "audio only",
    "still": "still image",
    "timeline": "timeline",
    "compound": "compound clip",
    "multicam": "multicam clip",
    "generator": "generator",
    "fusion title": "title",
    "title": "title",
    "fusion composition": "Fusion composition",
    "subtitle": "subtitle",
}


@dataclass
class PoolContents:
    """Video clips of a bin, the items skipped as ``(name, reason)``, each clip's MediaPoolItem, and the
    editor's logging on them as :class:`~montage_ai.selects.Selects` (:func:`add_item_selects`)."""

    clips: list[Clip] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    items: dict[Path, Any] = field(default_factory=dict)
    selects: Selects = field(default_factory=Selects)


def _folder_tree(folder: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``(path, folder)`` for ``folder`` and every bin below it; paths look like ``Master/Footage/Day 1``."""
    path = f"{prefix}/{folder.GetName()}" if prefix else str(folder.GetName())
    yield path, folder
    for sub in folder.GetSubFolderList() or []:
        yield from _folder_tree(sub, path)


def all_folders(media_pool: Any) -> list[Any]:
    """Every bin of the pool, root first."""
    return [f for _, f in _folder_tree(media_pool.GetRootFolder())]


def _items(folder: Any, recursive: bool) -> Iterator[Any]:
    yield from (item for _, item in _items_in_bins(folder, recursive))


def _items_in_bins(folder: Any, recursive: bool) -> Iterator[tuple[str, Any]]:
    """``(bin path, item)`` for the items of ``folder`` (and the bins below it when ``recursive``)."""
    for path, f in (_folder_tree(folder) if recursive else [(str(folder.GetName()), folder)]):
        for item in f.GetClipList() or []:
            yield path, item


def _call(item: Any, method: str, *args) -> Any:
    """``item.method(*args)``, or None when this Resolve build has no such call (older releases)."""
    func = getattr(item, method, None)
    return func(*args) if callable(func) else None


def add_item_selects(selects: Selects, item: Any, clip: Clip, bins: list[str]) -> None:
    """Adds to ``selects`` the editor's logging on one source clip: In/Out (``GetMarkInOut``, out inclusive) and markers with a
    duration are usable ranges (a marker's name, colour and note are its range's tags; a marker without
    a duration tags the clip); flags (a flagged clip is a favourite), clip colour, keywords and the names
    of the ``bins`` it sits in tag the clip. A call this build lacks is skipped."""
    marks = (_call(item, "GetMarkInOut") or {}).get("video") or {}
    if isinstance(marks, dict) and marks.get("in") is not None and marks.get("out") is not None:
        selects.marks.append(Mark(clip.path, int(marks["in"]), int(marks["out"]) + 1, clip.rate, 0, frozenset(),
                                  "resolve in/out"))
    words: list[str] = []
    for frame, marker in sorted((_call(item, "GetMarkers") or {}).items(), key=lambda fm: float(fm[0])):
        said = [str(marker.get(k) or "") for k in ("name", "color", "note")]
        duration = int(float(marker.get("duration") or 0))
        if duration > 1:
            selects.marks.append(Mark(clip.path, int(float(frame)), int(float(frame)) + duration, clip.rate, 0,
                                      frozenset(t for t in map(tag, said) if t), "resolve marker"))
        else:
            words += said
    flags = _call(item, "GetFlagList") or []
    words += [*flags, *(["flagged"] if flags else []), str(_call(item, "GetClipColor") or "")]
    words += str(_call(item, "GetMetadata", "Keywords") or "").split(",")
    words += bins
    selects.add_tags(clip.path, words, "resolve")


def find_folder(media_pool: Any, spec: str | None = None) -> Any:
    """The current bin (``spec`` None), or the bin named ``spec``: a name, or a path like ``Footage/Day 1``."""
    if not spec:
        folder = media_pool.GetCurrentFolder()
        if not folder:
            raise InputError(None, "Resolve reports no current media pool bin: select a bin and try again")
        return folder
    tree = list(_folder_tree(media_pool.GetRootFolder()))
    root = tree[0][0]
    want = "/".join(p for p in spec.replace("\\", "/").split("/") if p).casefold()
    found = [f for path, f in tree if path.casefold() in (want, f"{root}/{want}".casefold())
             or ("/" not in want and path.rsplit("/", 1)[-1].casefold() == want)]
    if len(found) != 1:
        problem = "no media pool bin" if not found else "more than one media pool bin"
        raise InputError(None, f"{problem} matches {spec!r}; bins: {', '.join(p for p, _ in tree)}")
    return found[0]


def _text(props: dict, key: str) -> str:
    value = props.get(key)
    return "" if value is None else str(value).strip()


def _count(text: str) -> int:
    try:
        return int(float(text))
    except ValueError:
        return 0


def clip_from_properties(props: dict) -> Clip:
    """A :class:`Clip` from a ``GetClipProperty()`` dict; ``ValueError(reason)`` when it is not usable video."""
    kind = _text(props, "Type")
    if kind.casefold() not in VIDEO_TYPES:
        raise ValueError(SKIP_REASONS.get(kind.casefold(), f"not a video clip (type {kind or 'unknown'})"))
    path = _text(props, "File Path")
    if not path:
        raise ValueError("no file path")
    if _text(props, "Online Status").casefold() == "offline":
        raise ValueError("media offline")
    try:
        rate = Rate.parse(_text(props, "FPS"))
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"frame rate unknown ({_text(props, 'FPS') or 'empty'})") from None
    frames = _count(_text(props, "Frames")) or _timecode_frames(_text(props, "Duration"), rate)
    if frames <= 0:
        raise ValueError("length unknown")
    tc = _text(props, "Start TC")
    drop = rate.drop_frame_capable and (_text(props, "Drop frame") == "1" or ";" in tc)
    if drop and ";" not in tc:
        tc = ";".join(tc.rsplit(":", 1))
    width, _, height = _text(props, "Resolution").partition("x")
    return Clip(path=Path(path), rate=rate, frames=frames, width=_count(width), height=_count(height),
                start_frame=_timecode_frames(tc, rate), drop_frame=drop,
                has_audio=kind.casefold() == "video + audio" or _count(_text(props, "Audio Ch")) > 0,
                shots=[Shot(0, frames)])


def _timecode_frames(tc: str, rate: Rate) -> int:
    try:
        return rate.parse_timecode(tc)
    except ValueError:
        return 0


def read_folder(media_pool: Any, folder: str | None = None, recursive: bool = True) -> PoolContents:
    """Video clips of the current bin (or the bin ``folder``), including sub-bins when ``recursive``."""
    contents = PoolContents()
    chosen = find_folder(media_pool, folder)
    at_root = str(chosen.GetName()) == str(media_pool.GetRootFolder().GetName())  # the pool's root is no tag
    seen: set[str] = set()
    for bin_path, item in _items_in_bins(chosen, recursive):
        name = str(item.GetName() or "?")
        try:
            clip = clip_from_properties(item.GetClipProperty() or {})
        except ValueError as why:
            contents.skipped.append((name, str(why)))
            continue
        key = path_key(clip.path)
        if key in seen:
            contents.skipped.append((name, "same file as another clip"))
            continue
        seen.add(key)
        contents.clips.append(clip)
        contents.items[clip.path] = item
        add_item_selects(contents.selects, item, clip, bin_path.split("/")[at_root:])
        contents.selects.add_file(clip.path)
    return contents


def index_by_path(media_pool: Any) -> dict[str, Any]:
    """Every item of the pool that has a file, keyed by :func:`path_key` (first one wins)."""
    index: dict[str, Any] = {}
    for item in _items(media_pool.GetRootFolder(), recursive=True):
        path = _text(item.GetClipProperty() or {}, "File Path")
        if path:
            index.setdefault(path_key(path), item)
    return index


def find_audio(media_pool: Any, name: str) -> tuple[Path, Any]:
    """The audio-only item whose clip name, file name or file stem is ``name`` (case-insensitive)."""
    want = name.casefold()
    matches: dict[str, tuple[Path, Any]] = {}
    for item in _items(media_pool.GetRootFolder(), recursive=True):
        props = item.GetClipProperty() or {}
        path = _text(props, "File Path")
        if _text(props, "Type").casefold() != "audio" or not path:
            continue
        names = {str(item.GetName() or "").casefold(), Path(path).name.casefold(), Path(path).stem.casefold()}
        if want in names:
            matches.setdefault(path_key(path), (Path(path), item))
    if len(matches) != 1:
        problem = "no audio clip" if not matches else "more than one audio clip"
        found = "" if not matches else f": {', '.join(str(p) for p, _ in matches.values())}"
        raise InputError(None, f"{problem} named {name!r} in the Resolve media pool{found}")
    return next(iter(matches.values()))
