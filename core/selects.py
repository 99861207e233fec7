"""The editor's selects: per clip, the usable ranges (frames of the clip at its own rate) and the tags on
clips and ranges.

Every source says the same two things, so they all end in one :class:`Selects`: a **mark** is a usable
range of a media file as its source numbers it (a selects timeline's clip in the media's own timecode,
Resolve's In/Out or a marker with a duration), a **clip tag** is a word on the whole file (a sub-folder,
a clip colour, a keyword, a flag, a bin). :meth:`Selects.for_clips` turns the marks into
:class:`ClipSelects` once the clips are probed (their rate and start timecode are known then).
A clip with marks is never used outside them; a clip without marks is usable whole.

Readers here: selects timelines (OTIO, FCP7 XML, CMX3600 EDL through OpenTimelineIO's adapters) and
footage folders. Resolve's media pool is read at the edge (``plugin/resolve/media_pool.py``) into the
same model.
"""
from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from .errors import InputError, RunWarning
from .model import Clip
from .timebase import Rate

#: Tags that make a range or clip a favourite (it is used about twice as often).
FAVOURITE_TAGS = frozenset({"favourite", "favorite", "fav", "best", "circled", "flagged"})
#: Selects timeline formats by file suffix -> OTIO adapter name.
ADAPTERS = {".otio": "otio_json", ".xml": "fcp_xml", ".edl": "cmx_3600"}
#: Track names NLEs give by default; they say nothing about the footage.
_DEFAULT_TRACK = re.compile(r"^(v|a|video|audio|track)\s*\d*$", re.IGNORECASE)
#: EDL timecode is read at this rate (any frame label up to 59 parses) and re-read at the media's own.
_EDL_READ_RATE = 60


def tag(text: str) -> str:
    """A tag as compared: case-folded, accents kept, inner white space single; "" for an empty one."""
    return " ".join(unicodedata.normalize("NFC", str(text)).casefold().split())


def stem(word: str) -> str:
    """A word without a plural s (tags and prompts match singular and plural)."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def tag_matches(want: str, tags: frozenset[str] | set[str]) -> bool:
    """Whether the asked tag ``want`` is among ``tags`` (singular and plural alike: "faces" finds "face")."""
    want = " ".join(stem(w) for w in tag(want).split())
    return any(" ".join(stem(w) for w in t.split()) == want for t in tags)


def names_clip(words, clip: Clip) -> bool:
    """Whether one of ``words`` (clip names or tags, any case) names ``clip``: its file name or its stem."""
    names = {tag(w) for w in words}
    return tag(clip.name) in names or tag(clip.path.stem) in names


def path_key(path: str | Path) -> str:
    """One spelling of a media path (selects files, Resolve and the footage list may differ)."""
    try:
        path = Path(path).expanduser().resolve()
    except (OSError, RuntimeError):
        path = Path(os.path.abspath(path))
    return os.path.normcase(str(path))


@dataclass(frozen=True)
class Mark:
    """A usable range of the media at ``path`` as its source wrote it: frames ``[start, end)`` at ``rate``
    counted from ``origin`` (the media's first frame as that source numbers it; None: the media's own
    start timecode, known once it is probed); or, for an EDL, the timecodes ``timecode`` read at the
    media's own rate."""

    path: Path
    start: int
    end: int
    rate: Rate | None
    origin: int | None
    tags: frozenset[str]
    source: str
    timecode: tuple[str, str] | None = None

    def clip_frames(self, clip: Clip) -> tuple[int, int]:
        """``[start, end)`` in ``clip``'s frames from its first frame: the whole clip frames inside the mark."""
        if self.timecode is not None:
            start, end = (clip.rate.parse_timecode(tc) - clip.start_frame for tc in self.timecode)
        else:
            origin = (Fraction(self.origin) / self.rate.fps if self.origin is not None
                      else clip.rate.seconds(clip.start_frame))
            start, end = clip.rate.inner_frames(self.rate.seconds(self.start) - origin,
                                                self.rate.seconds(self.end) - origin)
        return max(0, start), min(clip.frames, end)


@dataclass(frozen=True)
class SelectRange:
    """A usable range of a clip, ``[start, end)`` frames at the clip's rate, with its tags (the clip's
    own included) and where it came from (``source``: a file name, "resolve in/out", "folder"...)."""

    start: int
    end: int
    tags: frozenset[str]
    source: str

    @property
    def favourite(self) -> bool:
        return bool(self.tags & FAVOURITE_TAGS)


@dataclass(frozen=True)
class ClipSelects:
    """What the editor said of one clip: its tags and its usable ranges (empty: the whole clip, unless
    ``marked``: the clip had marks, none holding a frame of it)."""

    tags: frozenset[str] = frozenset()
    ranges: tuple[SelectRange, ...] = ()
    source: str = ""
    marked: bool = False

    def usable(self, frames: int) -> tuple[SelectRange, ...]:
        """The ranges the planner may use: the marks, else (no marks at all) the whole clip with the clip's tags."""
        if self.ranges or self.marked:
            return self.ranges
        return (SelectRange(0, frames, self.tags, self.source or "whole clip"),)


@dataclass
class Selects:
    """Marks and clip tags from any number of sources (see the module text)."""

    marks: list[Mark] = field(default_factory=list)
    clip_tags: dict[str, set[str]] = field(default_factory=dict)  # path_key -> tags
    tag_sources: dict[str, str] = field(default_factory=dict)  # path_key -> where its tags came from
    files: list[Path] = field(default_factory=list)  # media named by the selects, in order
    _file_keys: set[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._file_keys = {path_key(p) for p in self.files}

    def add_file(self, path: Path) -> None:
        key = path_key(path)
        if key not in self._file_keys:
            self._file_keys.add(key)
            self.files.append(path)

    def add_tags(self, path: Path, tags, source: str) -> None:
        tags = {t for t in map(tag, tags) if t}
        if tags:
            self.clip_tags.setdefault(path_key(path), set()).update(tags)
            self.tag_sources.setdefault(path_key(path), source)

    def merged(self, other: "Selects") -> "Selects":
        out = Selects(self.marks + other.marks, {k: set(v) for k, v in self.clip_tags.items()},
                      dict(self.tag_sources), list(self.files))
        for key, tags in other.clip_tags.items():
            out.clip_tags.setdefault(key, set()).update(tags)
            out.tag_sources.setdefault(key, other.tag_sources.get(key, ""))
        for path in other.files:
            out.add_file(path)
        return out

    def __bool__(self) -> bool:
        return bool(self.marks or self.clip_tags)

    def for_clips(self, clips: list[Clip], warnings: list[str] | None = None) -> dict[Path, ClipSelects]:
        """Each clip's :class:`ClipSelects` (clips the selects do not name are absent). A mark that holds no
        whole frame of its clip (outside it, or shorter than a frame) is dropped with a warning; a clip whose
        marks all are is not used."""
        by_key = {path_key(c.path): c for c in clips}
        ranges: dict[str, list[SelectRange]] = {}
        marked: set[str] = set()
        for mark in self.marks:
            key = path_key(mark.path)
            clip = by_key.get(key)
            if clip is None:
                continue
            marked.add(key)
            try:
                start, end = mark.clip_frames(clip)
            except ValueError:  # an EDL timecode the clip's rate cannot hold
                start, end = 0, 0
            clip_tags = frozenset(self.clip_tags.get(key, ()))
            if end > start:
                ranges.setdefault(key, []).append(SelectRange(start, end, mark.tags | clip_tags,
                                                                              mark.source))
            elif warnings is not None:
                warnings.append(RunWarning("selects",
                                        f"{clip.name}: a range from {mark.source} holds no frame of the clip; ignored"))
        out: dict[Path, ClipSelects] = {}
        for key, clip in by_key.items():
            tags = frozenset(self.clip_tags.get(key, ()))
            if key in marked or tags:
                out[clip.path] = ClipSelects(tags, tuple(sorted(ranges.get(key, ()), key=lambda r: r.start)),
                                             self.tag_sources.get(key, ""), key in marked)
            if key in marked and key not in ranges and warnings is not None:
                warnings.append(RunWarning("selects", f"{clip.name}: none of its ranges holds a frame of the clip; "
                                                   "the clip is not used"))
        return out

    def all_tags(self) -> set[str]:
        return {t for m in self.marks for t in m.tags} | {t for tags in self.clip_tags.values() for t in tags}


def folder_tags(footage: list[str | Path], files: list[Path]) -> Selects:
    """Sub-folder names between a ``--footage`` folder and each file below it, as clip tags."""
    selects = Selects()
    for raw in footage:
        root = Path(raw).expanduser().resolve()
        if not root.is_dir():
            continue
        for f in files:
            try:
                parts = f.relative_to(root).parts[:-1]
            except ValueError:
                continue
            selects.add_tags(f, parts, "folder")
    return selects


def _colour(metadata) -> list[str]:
    """Clip colours NLEs keep in OTIO metadata (Resolve's ``Clip Color``, FCP7's ``label2``)."""
    found: list[str] = []
    if hasattr(metadata, "items"):
        for key, value in metadata.items():
            if str(key).casefold() in ("clip color", "clip colour", "clip_color", "label2", "color") \
                    and isinstance(value, str):
                found.append(value)
            else:
                found += _colour(value)
    return found


def _media_path(clip, selects_file: Path, names: dict[str, Path]) -> Path | None:
    """The media of a selects clip: its reference's path (relative to the selects file), else a footage
    file or a file beside the selects file with the clip's name."""
    ref = clip.media_reference
    url = getattr(ref, "target_url", "") or ""
    if url:
        from urllib.parse import unquote, urlparse
        parsed = urlparse(url)
        raw = unquote(parsed.path) if parsed.scheme == "file" else url
        path = Path(raw)
        return path if path.is_absolute() else selects_file.parent / path
    for name in (clip.name, getattr(ref, "name", "")):
        if name and tag(name) in names:
            return names[tag(name)]
        if name and (selects_file.parent / name).is_file():
            return selects_file.parent / name
    return None


#: A timecode with a drop-frame separator (``;``, ``,`` or ``.`` before the frames), as an EDL writes it.
_DROP_FRAME_TC = re.compile(r"\b(\d\d:\d\d:\d\d)[;,.](\d\d)\b")


def _edl_text(path: Path) -> tuple[str, bool]:
    """An EDL's text with drop-frame timecodes written with ``:`` (OpenTimelineIO's reader refuses ``;`` at
    any rate but 29.97/59.94, and the labels are read here at one rate for all media), and whether it used
    drop-frame: its ``FCM: DROP FRAME`` line or a ``;`` in an event's timecodes. The labels are re-read at
    each media's own rate, as drop-frame where the EDL said so (:meth:`Mark.clip_frames`)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    drop = bool(re.search(r"^\s*FCM:\s*DROP\s+FRAME", text, re.I | re.M)) or bool(_DROP_FRAME_TC.search(text))
    return _DROP_FRAME_TC.sub(r"\1:\2", text), drop


def _drop_frame_label(tc: str, drop_frame: bool) -> str:
    """``tc`` (HH:MM:SS:FF) with the drop-frame separator when ``drop_frame``."""
    return f"{tc[:8]};{tc[9:]}" if drop_frame else tc


def read_selects(path: Path, footage_files: list[Path] = ()) -> Selects:
    """The marks of a selects timeline (OTIO, FCP7 XML or CMX3600 EDL): each clip on it is a usable range of
    its media in the media's own timecode as NLEs write it; marker names and colours, clip colours and track
    names are tags. ``footage_files`` name media an EDL only gives by clip name. InputError when the file
    cannot be read or names no media."""
    import opentimelineio as otio

    adapter = ADAPTERS.get(path.suffix.lower())
    if adapter is None:
        raise InputError(path, f"not a selects timeline; use one of {', '.join(sorted(ADAPTERS))}")
    if not path.is_file():
        raise InputError(path, "file not found")
    drop_frame = False
    try:
        if adapter == "cmx_3600":
            text, drop_frame = _edl_text(path)
            # the record side is not used: its durations only match the source's at the timeline's own rate
            timeline = otio.adapters.read_from_string(text, adapter_name=adapter, rate=_EDL_READ_RATE,
                                                      ignore_timecode_mismatch=True)
        else:
            timeline = otio.adapters.read_from_file(str(path), adapter_name=adapter)
    except Exception as err:  # noqa: BLE001 - the adapters raise many types for unreadable input
        raise InputError(path, f"not a readable selects timeline ({type(err).__name__}: {err})") from None
    names = {tag(f.name): f for f in footage_files} | {tag(f.stem): f for f in footage_files}
    selects, missing = Selects(), []
    tracks = timeline.tracks if isinstance(timeline, otio.schema.Timeline) else [timeline]
    for track in tracks:
        if getattr(track, "kind", "") == otio.schema.TrackKind.Audio:
            continue
        track_tags = [] if _DEFAULT_TRACK.match(track.name or "") else [track.name]
        for clip in track.find_clips():
            media = _media_path(clip, path, names)
            if media is None:
                missing.append(clip.name)
                continue
            words = [*track_tags, *_colour(clip.metadata)]
            for marker in clip.markers:
                words += [marker.name, str(marker.color or "")]
            tags = frozenset(t for t in map(tag, words) if t)
            rng = clip.source_range or clip.trimmed_range()
            start, end = rng.start_time, rng.end_time_exclusive()
            if adapter == "cmx_3600":
                tcs = tuple(_drop_frame_label(otio.opentime.to_timecode(t, _EDL_READ_RATE), drop_frame)
                            for t in (start, end))
                selects.marks.append(Mark(media, 0, 0, None, None, tags, path.name, tcs))
            else:
                rate = Rate.parse(Fraction(start.rate).limit_denominator(1001))
                avail = getattr(clip.media_reference, "available_range", None)
                origin = round(avail.start_time.rescaled_to(start.rate).value) if avail is not None else None
                selects.marks.append(Mark(media, round(start.value), round(end.rescaled_to(start.rate).value),
                                          rate, origin, tags, path.name))
            selects.add_file(media)
    if not selects.marks:
        why = f"no clip's media found ({', '.join(missing[:3])})" if missing else "no video clip on it"
        raise InputError(path, f"selects timeline has {why}")
    return selects


def found_tags(selects: dict[Path, ClipSelects]) -> list[str]:
    """Every tag on the clips and their ranges, sorted."""
    return sorted({t for s in selects.values() for t in s.tags} | {t for s in selects.values() for r in s.ranges
                                                                   for t in r.tags})


def unmatched(asked: list[tuple[str, str]], clips: list[Clip], selects: dict[Path, ClipSelects]) -> list[dict]:
    """The asked ``(word, where)`` pairs that name no clip and no tag, as ``{"tag", "asked"}``."""
    tags = set(found_tags(selects))
    names = {tag(c.name) for c in clips} | {tag(c.path.stem) for c in clips}
    return [{"tag": w, "asked": a} for w, a in asked if tag(w) not in names and not tag_matches(w, tags)]
