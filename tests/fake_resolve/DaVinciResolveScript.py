"""A fake ``DaVinciResolveScript`` for tests: real method names, argument shapes and failure returns.

Methods in CamelCase mirror the Resolve scripting API (the README.txt Resolve ships; see
docs/resolve.md for every assumption and its source): failures return None/False/[] instead of
raising, ``GetClipProperty()`` returns strings (``"FPS"`` may be a float). Lower-case attributes are
test controls and inspection, never API. ``APP`` is what ``scriptapp("Resolve")`` returns (None =
Resolve not reachable); ``LIBRARY`` maps files "on disk" to the clip properties an import would read.

``PROFILE`` (see :data:`PROFILES`, :func:`use_profile`) switches the habits measured on real installs on and
off; each habit names its source in docs/resolve.md § "The fake".
"""
from __future__ import annotations

import itertools
import math
import os
import subprocess
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio

MARKER_COLORS = {"Blue", "Cyan", "Green", "Yellow", "Red", "Pink", "Purple", "Fuchsia", "Rose", "Lavender",
                 "Sky", "Mint", "Lemon", "Sand", "Cocoa", "Cream"}
RESOLVE_RATES = {"16", "18", "23.976", "24", "25", "29.97", "30", "47.952", "48", "50", "59.94", "60", "72",
                 "95.904", "96", "100", "119.88", "120"}
TIMELINE_EXTENSIONS = (".aaf", ".edl", ".xml", ".fcpxml", ".drt", ".adl", ".otio")
VIDEO_TYPES = {"Video", "Video + Audio"}
AUDIO_TYPES = {"Audio", "Video + Audio"}
_ids = itertools.count(1)


@dataclass(frozen=True)
class Profile:
    """Which of Resolve's habits the fake shows (docs/resolve.md § "The fake" ties each to its source).

    ``floors_fractions``: what a build does with a fractional ``endFrame`` is not measured anywhere (the
    team's shared README, ../shared/README.md § "DaVinci Resolve scripting": "Not measured anywhere we know
    of: what a build does with a fractional endFrame; code must survive either answer"). The other
    profiles keep the fraction (the 19.1 README's "float/int"); ``studio_19_1_3_floors`` drops it, as
    Resolve floors every mixed-rate length, so the bridge is tested against both answers."""

    name: str
    version: tuple = (19, 1, 3, 7)
    product: str = "DaVinci Resolve Studio"
    otio_import_offline: bool = True  # importSourceClips=False: every OTIO item arrives offline
    otio_shape_strict: bool = True  # an OTIO whose source ranges are not in available_range space -> None
    phantom_items: bool = True  # a dropped clipInfo still yields a (phantom) item in the returned list
    end_inclusive: bool = False  # endFrame counted inclusive (reported for 19.1.x)
    missing_is_none: bool = True  # an unknown method name reads as None instead of raising AttributeError
    wav_project_rate: bool = True  # a WAV takes the project's rate at import (else 24)
    floors_fractions: bool = False  # a fractional startFrame/endFrame is floored to whole media frames
    scripting: bool = True  # False: the app names its product and version, but gives no project manager

    def at_least(self, *version: int) -> bool:
        return tuple(self.version[:len(version)]) >= version


#: ``lenient`` is the stand-in the bridge was first written against; ``studio_19_1_3`` is the most
#: realistic (measured on Studio 19.1.3.7); the others switch on one reported habit or version gate each.
PROFILES = {
    "lenient": Profile("lenient", otio_import_offline=False, otio_shape_strict=False, phantom_items=False, missing_is_none=False, wav_project_rate=False),
    "studio_19_1_3": Profile("studio_19_1_3"),
    "resolve_19_1_inclusive_end": Profile("resolve_19_1_inclusive_end", version=(19, 1, 0, 0), end_inclusive=True),
    "resolve_18_6_5": Profile("resolve_18_6_5", version=(18, 6, 5, 0)),
    "resolve_18_5": Profile("resolve_18_5", version=(18, 5, 0, 0)),
    "studio_21_0": Profile("studio_21_0", version=(21, 0, 2, 4)),
    "studio_19_1_3_floors": Profile("studio_19_1_3_floors", floors_fractions=True),
    # not a push profile: a free build that refuses scripting (from 21.1 it runs no Python at all)
    "free_21_1": Profile("free_21_1", version=(21, 1, 0, 0), product="DaVinci Resolve", scripting=False),
}
PROFILE = PROFILES["lenient"]
#: Methods that appear with a release (before it, getattr gives None like any unknown name).
GATES = {"AddTrack": (18, 5), "GetMarkInOut": (19, 1), "SetMarkInOut": (19, 1)}  # README "New in 19.1.0"


def use_profile(name: str) -> Profile:
    """Switch the fake's habits (tests call this before building objects)."""
    global PROFILE
    PROFILE = PROFILES[name]
    return PROFILE


class _Api:
    """Resolve objects answer an unknown method name with None (no AttributeError), and have no method
    before the release that added it."""

    def __getattribute__(self, name):
        gate = GATES.get(name)
        if gate and PROFILE.missing_is_none and not PROFILE.at_least(*gate):
            return None
        return object.__getattribute__(self, name)

    def __getattr__(self, name):
        if name[:1].isupper() and PROFILE.missing_is_none:
            return None
        raise AttributeError(name)


def fps(value) -> Fraction:
    """``"23.976"``, ``29.97``, ``"29.97 DF"``, ``25`` -> exact rate (x/1001 for the NTSC rates)."""
    value = float(str(value).split()[0])
    nominal = round(value)
    if value != nominal and abs(value - nominal * 1000 / 1001) < 0.01:
        return Fraction(nominal * 1000, 1001)
    return Fraction(value).limit_denominator(1001)


def _tc(frames: int, rate: Fraction) -> str:
    base = round(rate)
    return f"{frames // (base * 3600) % 24:02d}:{frames // (base * 60) % 60:02d}:{frames // base % 60:02d}:" \
           f"{frames % base:02d}"


def _props(name: str, kind: str, **extra) -> dict:
    props = {"Clip Name": name, "File Name": "", "File Path": "", "Type": kind, "FPS": 24.0, "Frames": "0",
             "Start TC": "00:00:00:00", "Drop frame": "0", "Resolution": "", "Audio Ch": "0",
             "Online Status": "Online", "Proxy Media Path": "", "Proxy": "None"}
    props.update(extra)
    return props


def video_props(path, fps_value, frames: int, start_tc: str = "00:00:00:00", *, drop: bool = False,
                audio: bool = False, resolution: str = "1920x1080") -> dict:
    """Properties of a video file as ``GetClipProperty()`` reports them (strings; FPS as given)."""
    path = Path(path)
    return _props(path.name, "Video + Audio" if audio else "Video", **{
        "File Name": path.name, "File Path": str(path), "FPS": fps_value, "Frames": str(frames),
        "Duration": _tc(frames, fps(fps_value)), "Start TC": start_tc, "Drop frame": "1" if drop else "0",
        "Resolution": resolution, "Audio Ch": "2" if audio else "0"})


def audio_props(path, seconds: float) -> dict:
    """An audio file: Resolve counts a WAV at 24 fps whatever the timeline rate."""
    path, frames = Path(path), round(seconds * 24)
    return _props(path.name, "Audio", **{"File Name": path.name, "File Path": str(path), "Frames": str(frames),
                                         "Duration": _tc(frames, Fraction(24)), "Audio Ch": "2"})


def wav_at(props: dict, rate) -> dict:
    """An audio item's properties once Resolve froze its rate at ``rate`` (the project's, at import)."""
    seconds = Fraction(int(props["Frames"])) / fps(props["FPS"])
    frames = math.floor(seconds * fps(rate))
    return {**props, "FPS": float(str(rate).split()[0]), "Frames": str(frames), "Duration": _tc(frames, fps(rate))}


def _resolve_shaped(clip) -> bool:
    """Resolve imports an OTIO clip only when its source range lies in its reference's ``available_range``."""
    avail, source = clip.media_reference.available_range, clip.source_range
    if avail is None or source is None:
        return False
    rate = avail.start_time.rate
    start, length = source.start_time.value_rescaled_to(rate), avail.duration.value_rescaled_to(rate)
    return avail.start_time.value - 1e-6 <= start < avail.start_time.value + length


def _ffprobe(path, entries: str) -> list[str] | None:
    done = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", entries,
                           "-of", "default=nw=1:nk=1", str(path)], capture_output=True, text=True, check=False)
    return done.stdout.split() if done.returncode == 0 and done.stdout.strip() else None


def _probe_video(path) -> tuple[Fraction, int, str] | None:
    """(rate, frames, start TC) of a media file as Resolve compares them when linking a proxy."""
    if not os.path.isfile(str(path)):
        return None
    rate = _ffprobe(path, "stream=r_frame_rate")
    frames = _ffprobe(path, "stream=nb_frames")
    tc = _ffprobe(path, "stream_tags=timecode:format_tags=timecode")
    if not rate or not frames or not frames[0].isdigit():
        return None
    return fps(float(Fraction(rate[0]))), int(frames[0]), (tc[0] if tc else "00:00:00:00")


def _probe_size(path) -> tuple[int, int]:
    size = _ffprobe(path, "stream=width,height") or ["0", "0"]
    return int(size[0]), int(size[1])


def still_props(path) -> dict:
    path = Path(path)
    return _props(path.name, "Still", **{"File Name": path.name, "File Path": str(path), "Frames": "1",
                                         "Resolution": "4000x3000"})


class MediaPoolItem(_Api):
    """A source clip with the editor's logging: In/Out marks (``{"video": {"in", "out"}}``, frames from the
    clip's first frame, out inclusive), markers (``{frame: {color, duration, name, note, customData}}``),
    flags, clip colour and metadata (``Keywords``), as the API README describes them."""

    def __init__(self, props: dict) -> None:
        self.props = dict(props)
        self.uid = str(next(_ids))
        self.marks: dict = {}
        self.markers: dict = {}
        self.flags: list = []
        self.colour = ""
        self.metadata: dict = {}

    def GetMarkInOut(self):
        return {k: dict(v) for k, v in self.marks.items()}

    def SetMarkInOut(self, mark_in, mark_out, type="all"):  # noqa: A002 - the API's own name
        for kind in (("video", "audio") if type == "all" else (type,)):
            self.marks[kind] = {"in": int(mark_in), "out": int(mark_out)}
        return True

    def GetMarkers(self):
        return {f: dict(m) for f, m in self.markers.items()}

    def AddMarker(self, frameId, color, name, note, duration, customData=""):
        if frameId in self.markers:
            return False
        self.markers[frameId] = {"color": color, "duration": duration, "name": name, "note": note,
                                 "customData": customData}
        return True

    def GetFlagList(self):
        return list(self.flags)

    def AddFlag(self, color):
        self.flags.append(color)
        return True

    def GetClipColor(self):
        return self.colour

    def SetClipColor(self, colorName):
        self.colour = colorName
        return True

    def GetMetadata(self, metadataType=None):
        return dict(self.metadata) if metadataType is None else self.metadata.get(metadataType, "")

    def SetMetadata(self, metadataType, metadataValue):
        self.metadata[metadataType] = metadataValue
        return True

    def GetName(self):
        return self.props.get("Clip Name", "")

    def GetClipProperty(self, propertyName=None):
        return dict(self.props) if not propertyName else self.props.get(propertyName, "")

    def GetMediaId(self):
        return self.uid

    def GetUniqueId(self):
        return self.uid

    def LinkProxyMedia(self, proxyMediaFilePath):
        """True and the proxy linked only when the file's rate, frame count and start timecode match the clip."""
        found = _probe_video(proxyMediaFilePath)
        if found is None or found != (self.rate, self.frames, self.props.get("Start TC") or "00:00:00:00"):
            return False
        width, height = _probe_size(proxyMediaFilePath)
        self.props.update({"Proxy Media Path": str(proxyMediaFilePath), "Proxy": f"{width}x{height}"})
        return True

    def UnlinkProxyMedia(self):
        if not self.props.get("Proxy Media Path"):
            return False
        self.props.update({"Proxy Media Path": "", "Proxy": "None"})
        return True

    @property
    def rate(self) -> Fraction:
        return fps(self.props["FPS"])

    @property
    def frames(self) -> int:
        return int(self.props["Frames"])


class Folder(_Api):
    def __init__(self, name: str) -> None:
        self.name, self.uid = name, str(next(_ids))
        self.clips: list = []
        self.subfolders: list[Folder] = []

    def GetName(self):
        return self.name

    def GetClipList(self):
        return list(self.clips)

    def GetSubFolderList(self):
        return list(self.subfolders)

    def GetIsFolderStale(self):
        return False

    def GetUniqueId(self):
        return self.uid

    def add(self, item):
        self.clips.append(item)
        return item

    def tree(self):
        yield self
        for sub in self.subfolders:
            yield from sub.tree()


class TimelineItem(_Api):
    """A clip placed on a track: record frames ``[start, end)`` absolute, source frames ``[source_start,
    source_end)`` of the media at its own rate; ``media`` None = offline."""

    def __init__(self, timeline, kind, track, name, media, start, end, source_start, source_end) -> None:
        self.timeline, self.kind, self.track, self.name, self.media = timeline, kind, track, name, media
        self.start, self.end, self.source_start, self.source_end = start, end, source_start, source_end
        self.uid = str(next(_ids))
        self.properties: dict[str, float] = {}

    def GetUniqueId(self):
        return self.uid

    def GetName(self):
        return self.name

    def GetStart(self):
        return self.start

    def GetEnd(self):
        return self.end

    def GetDuration(self):
        return self.end - self.start

    def GetMediaPoolItem(self):
        return self.media

    def GetLeftOffset(self):
        """Video: the startFrame sent (media frames); audio: timeline frames (mcp ledger, GetSourceStartFrame
        entries). The lenient profile counts both in timeline frames."""
        if self.media is None:
            return None
        if self.kind == "video" and PROFILE.name != "lenient":
            return self.source_start
        return math.floor(self.source_start * self.timeline.rate / self.media.rate)

    def GetRightOffset(self):
        if self.media is None:
            return None
        return math.floor((self.media.frames - self.source_end) * self.timeline.rate / self.media.rate)

    def GetTrackTypeAndIndex(self):
        return [self.kind, self.track]

    #: Inspector properties a script may set (README: one value per item, no keyframes) and their ranges.
    PROPERTIES = {"ZoomX": (0.0, 100.0), "ZoomY": (0.0, 100.0), "Pan": (-16384.0, 16384.0),
                  "Tilt": (-16384.0, 16384.0), "RotationAngle": (-360.0, 360.0)}

    def SetProperty(self, propertyKey, propertyValue):
        low, high = self.PROPERTIES.get(propertyKey, (1.0, 0.0))
        if isinstance(propertyValue, bool) or not isinstance(propertyValue, (int, float)) or \
                not low <= propertyValue <= high:
            return False
        self.properties[propertyKey] = float(propertyValue)
        return True

    def GetProperty(self, propertyKey=None):
        values = {k: self.properties.get(k, 1.0 if k.startswith("Zoom") else 0.0) for k in self.PROPERTIES}
        return values if propertyKey is None else values.get(propertyKey)


class Timeline(_Api):
    def __init__(self, project, name: str, start_frame: int | None = None) -> None:
        self.project, self.name, self.uid = project, name, str(next(_ids))
        self.rate_text = project.settings["timelineFrameRate"]
        self.size = {k: project.settings[k] for k in ("timelineResolutionWidth", "timelineResolutionHeight")}
        self.start_frame = 3600 * round(self.rate) if start_frame is None else start_frame
        self.tracks = {"video": [[]], "audio": [[]], "subtitle": []}
        self.markers: dict[float, dict] = {}
        self.pool_item = MediaPoolItem(_props(name, "Timeline", FPS=float(self.rate)))

    @property
    def rate(self) -> Fraction:
        return fps(self.rate_text)

    def GetName(self):
        return self.name

    def SetName(self, timelineName):
        if not timelineName or self.project.timeline_named(timelineName) or self.project.media_pool.refuse_delete is True:
            return False  # a refused delete (locked / wrong page) refuses a rename too unless rename_ok
        self.name = timelineName
        return True

    def GetStartFrame(self):
        return self.start_frame

    def GetEndFrame(self):
        return self.start_frame + self.duration()

    def GetStartTimecode(self):
        return _tc(self.start_frame, self.rate)

    def GetSetting(self, settingName=None):
        settings = {"timelineFrameRate": self.rate_text, **self.size}  # the project's when the timeline was made
        return dict(settings) if not settingName else settings.get(settingName, "")

    def GetTrackCount(self, trackType):
        return len(self.tracks.get(trackType, []))

    def AddTrack(self, trackType, subTrackType=None):
        if trackType not in self.tracks or (subTrackType is not None and trackType != "audio"):
            return False
        self.tracks[trackType].append([])
        return True

    def GetItemListInTrack(self, trackType, index):
        tracks = self.tracks.get(trackType, [])
        return list(tracks[index - 1]) if 1 <= index <= len(tracks) else None

    def AddMarker(self, frameId, color, name, note, duration, customData=""):
        frame = float(frameId)
        if (color not in MARKER_COLORS or frame in self.markers or duration < 1 or frame < 0
                or frame + duration > self.duration() or not isinstance(customData, str)):
            return False
        self.markers[frame] = {"color": color, "duration": float(duration), "note": note, "name": name,
                               "customData": customData}
        return True

    def GetMarkers(self):
        return {f: dict(m) for f, m in self.markers.items()}

    def DeleteMarkerAtFrame(self, frameNum):
        return self.markers.pop(float(frameNum), None) is not None

    def GetUniqueId(self):
        return self.uid

    def duration(self) -> int:
        ends = [i.end for tracks in self.tracks.values() for track in tracks for i in track]
        return max(ends, default=self.start_frame) - self.start_frame

    def place(self, item: TimelineItem) -> bool:
        """Put ``item`` on its track unless it overlaps a clip there (the fake never overwrites)."""
        track = self.tracks[item.kind][item.track - 1]
        if any(item.start < other.end and other.start < item.end for other in track):
            return False
        track.append(item)
        track.sort(key=lambda i: i.start)
        return True


class MediaPool(_Api):
    """Controls: ``import_mode`` "ok" | "fail" (ImportTimelineFromFile returns None) | "incomplete" (drops the
    last V1 clip); ``import_markers`` (the import also brings OTIO markers); ``append_limit`` (AppendToTimeline
    places at most that many clips); ``refuse_delete`` (DeleteTimelines returns False; "rename_ok" still lets
    Timeline.SetName rename)."""

    def __init__(self, project) -> None:
        self.project = project
        self.root = self.current = Folder("Master")
        self.import_mode = "ok"
        self.import_markers = False
        self.append_limit: int | None = None
        self.refuse_delete: bool | str = False

    def GetRootFolder(self):
        return self.root

    def GetCurrentFolder(self):
        return self.current

    def SetCurrentFolder(self, folder):
        if folder not in self.folders():
            return False
        self.current = folder
        return True

    def AddSubFolder(self, folder, name):
        if folder not in self.folders() or not name:
            return None
        sub = Folder(name)
        folder.subfolders.append(sub)
        return sub

    def CreateEmptyTimeline(self, name):
        if not name or self.project.timeline_named(name):
            return None
        return self._add_timeline(Timeline(self.project, name))

    def AppendToTimeline(self, *clips):
        timeline = self.project.current
        infos = clips[0] if len(clips) == 1 and isinstance(clips[0], list) else list(clips)
        if timeline is None or not all(isinstance(i, dict) for i in infos):
            return None  # the fake supports only the clipInfo form, on the current timeline
        placed = []
        for info in infos:
            if self.append_limit is not None and len(placed) >= self.append_limit:
                break
            item = self._append_one(timeline, info)
            if item is not None and item.timeline is timeline:
                placed.append(item)
            elif item is not None and PROFILE.phantom_items:
                placed.append(item)  # dropped, yet returned: an item that is on no track
        return placed

    def _append_one(self, timeline: Timeline, info: dict):
        media, first, end = info.get("mediaPoolItem"), info.get("startFrame"), info.get("endFrame")
        kind = {1: "video", 2: "audio"}.get(info.get("mediaType"))
        track, record = info.get("trackIndex", 1), info.get("recordFrame")
        if not PROFILE.at_least(18, 5):  # trackIndex/recordFrame arrived in 18.5: appended at the end of V1/A1
            track, record = 1, None
        number = (int, float) if PROFILE.at_least(19, 1) else (int,)  # floats accepted from 19.1
        if record is None:
            record = timeline.start_frame + timeline.duration()
        end = end + 1 if PROFILE.end_inclusive and isinstance(end, number) else end
        if PROFILE.floors_fractions:  # the unmeasured answer: the fraction dropped (see Profile)
            first, end = (math.floor(v) if isinstance(v, float) else v for v in (first, end))
        if (media not in self.items() or kind is None or not isinstance(first, number)
                or not isinstance(end, number) or not 0 <= first < end <= media.frames
                or not isinstance(record, number) or not 1 <= track <= timeline.GetTrackCount(kind)
                or media.props["Type"] not in (VIDEO_TYPES if kind == "video" else AUDIO_TYPES)):
            return None
        # Appended length in timeline frames: floored from the media-frame count (mcp ledger "duration floor").
        length = math.floor(Fraction(end - first) * timeline.rate / media.rate)  # every profile
        record = math.floor(record)
        item = TimelineItem(timeline, kind, track, media.GetName(), media, record, record + length, first, end)
        if timeline.place(item):  # overlapping an item already there: the earlier one wins
            return item
        item.timeline, item.uid = None, ""
        return item

    def ImportTimelineFromFile(self, filePath, importOptions=None):
        options = dict(importOptions or {})
        name = options.get("timelineName") or Path(filePath).stem
        folders = options.get("sourceClipsFolders", [])
        otio_file = str(filePath).lower().endswith(".otio")
        if (self.import_mode == "fail" or not os.path.isfile(filePath)
                or not str(filePath).lower().endswith(TIMELINE_EXTENSIONS) or self.project.timeline_named(name)
                or not all(f in self.folders() for f in folders) or (otio_file and not PROFILE.at_least(18, 6, 5))):
            return None
        try:
            source = otio.adapters.read_from_file(str(filePath))
        except Exception:
            return None
        if PROFILE.otio_shape_strict and not all(_resolve_shaped(c) for c in source.find_clips()):
            return None  # not shaped like Resolve's own export: no timeline, no error
        if otio_file and PROFILE.otio_import_offline and not options.get("importSourceClips", True):
            search = []  # measured on 18.6 and 19.1.3.7: not linked to pool clips of the same path
        elif options.get("importSourceClips", True):
            search = self.items()
            self.ImportMedia([c.media_reference.target_url for c in source.find_clips()
                              if not self._find(search, c.media_reference.target_url)])
            search = self.items()
        else:
            search = [i for f in [self.current, *folders] for i in f.clips]
        rate = fps(self.project.settings["timelineFrameRate"])
        start = source.global_start_time
        timeline = Timeline(self.project, name, None if start is None else round(start.value_rescaled_to(float(rate))))
        for kind, otio_kind in (("video", otio.schema.TrackKind.Video), ("audio", otio.schema.TrackKind.Audio)):
            tracks = [t for t in source.tracks if t.kind == otio_kind]
            timeline.tracks[kind] = [[] for _ in tracks] or [[]]
            for n, track in enumerate(tracks, 1):
                for clip in (c for c in track if isinstance(c, otio.schema.Clip)):
                    timeline.place(self._imported_item(timeline, kind, n, clip, search, rate))
        if self.import_mode == "incomplete" and timeline.tracks["video"][0]:
            timeline.tracks["video"][0].pop()
        if self.import_markers:
            for m in source.tracks.markers:
                frame = float(round(m.marked_range.start_time.value_rescaled_to(float(rate))))
                timeline.markers[frame] = {"color": "Blue", "duration": 1.0, "note": "", "name": m.name,
                                           "customData": ""}
        return self._add_timeline(timeline)

    def _imported_item(self, timeline, kind, track, clip, search, rate) -> TimelineItem:
        """Resolve links by file path; a ``file://`` URL does not link (offline item)."""
        media = self._find(search, clip.media_reference.target_url)
        placed, source, avail = clip.range_in_parent(), clip.source_range, clip.media_reference.available_range
        a = avail.start_time.rate
        first = round(source.start_time.value_rescaled_to(a)) - round(avail.start_time.value_rescaled_to(a))
        media_rate = media.rate if media else fps(a)
        first = math.floor(first * media_rate / fps(a))
        start = timeline.start_frame + round(placed.start_time.value_rescaled_to(float(rate)))
        end = timeline.start_frame + round(placed.end_time_exclusive().value_rescaled_to(float(rate)))
        length = math.ceil((end - start) * media_rate / rate)
        return TimelineItem(timeline, kind, track, clip.name, media, start, end, first, first + length)

    @staticmethod
    def _find(items, url: str):
        if "://" in url:
            return None
        return next((i for i in items if os.path.normpath(i.props["File Path"]) == os.path.normpath(url)), None)

    def DeleteTimelines(self, timelines):
        project = self.project
        if self.refuse_delete or not timelines or not all(t in project.timelines for t in timelines):
            return False
        for t in timelines:
            project.timelines.remove(t)
            self._remove(t.pool_item)
            if project.current is t:
                project.current = None
        return True

    def ImportMedia(self, items):
        """Files this fake "can decode" are the ``LIBRARY`` entries that exist on disk."""
        created = []
        for entry in items:
            path = entry.get("FilePath", "") if isinstance(entry, dict) else str(entry)
            if os.path.isfile(path) and os.path.normpath(path) in LIBRARY:
                props = dict(LIBRARY[os.path.normpath(path)])
                if props["Type"] == "Audio" and PROFILE.wav_project_rate:  # frozen at the project's rate
                    props = wav_at(props, self.project.settings["timelineFrameRate"])
                created.append(self.current.add(MediaPoolItem(props)))
        return created

    def DeleteClips(self, clips):
        if not clips or not all(c in self.items() for c in clips):
            return False
        for c in clips:
            self._remove(c)
        return True

    def folders(self) -> list[Folder]:
        return list(self.root.tree())

    def items(self) -> list:
        return [i for f in self.folders() for i in f.clips]

    def _remove(self, item) -> None:
        for f in self.folders():
            if item in f.clips:
                f.clips.remove(item)

    def _add_timeline(self, timeline: Timeline) -> Timeline:
        self.project.timelines.append(timeline)
        self.current.add(timeline.pool_item)
        return timeline


class Project(_Api):
    def __init__(self, name: str = "Montage Test", rate: str = "23.976") -> None:
        self.name = name
        self.settings = {"timelineFrameRate": rate, "timelineResolutionWidth": "1920",
                         "timelineResolutionHeight": "1080"}
        self.refused_settings: set[str] = set()  # settings SetSetting refuses (a test's locked project)
        self.timelines: list[Timeline] = []
        self.current: Timeline | None = None
        self.media_pool = MediaPool(self)

    def GetName(self):
        return self.name

    def GetMediaPool(self):
        return self.media_pool

    def GetTimelineCount(self):
        return len(self.timelines)

    def GetTimelineByIndex(self, idx):
        return self.timelines[idx - 1] if 1 <= idx <= len(self.timelines) else None

    def GetCurrentTimeline(self):
        return self.current

    def SetCurrentTimeline(self, timeline):
        if timeline not in self.timelines:
            return False
        self.current = timeline
        return True

    def GetSetting(self, settingName=None):
        return dict(self.settings) if not settingName else self.settings.get(settingName, "")

    def SetSetting(self, settingName, settingValue):
        if settingName not in self.settings or not isinstance(settingValue, str):
            return False
        if settingName in self.refused_settings:
            return False
        if settingName == "timelineFrameRate" and (self.timelines or settingValue.split(" DF")[0] not in RESOLVE_RATES):
            return False  # only before the project has timelines, and only a rate Resolve offers
        self.settings[settingName] = settingValue
        return True

    def timeline_named(self, name: str):
        return next((t for t in self.timelines if t.name == name), None)


class ProjectManager(_Api):
    def __init__(self, project: Project | None) -> None:
        self.current = project

    def GetCurrentProject(self):
        return self.current


class MediaStorage(_Api):
    def __init__(self, resolve) -> None:
        self.resolve = resolve

    def GetMountedVolumeList(self):
        return [os.path.abspath(os.sep)]

    def GetSubFolderList(self, folderPath):
        return sorted(str(p) for p in Path(folderPath).iterdir() if p.is_dir()) if os.path.isdir(folderPath) else []

    def GetFileList(self, folderPath):
        return sorted(str(p) for p in Path(folderPath).iterdir() if p.is_file()) if os.path.isdir(folderPath) else []

    def AddItemListToMediaPool(self, *items):
        project = self.resolve.manager.current
        paths = items[0] if len(items) == 1 and isinstance(items[0], list) else list(items)
        return project.media_pool.ImportMedia(paths) if project else []


class Resolve(_Api):
    def __init__(self, project: Project | None = None) -> None:
        self.manager = ProjectManager(project)
        self.storage = MediaStorage(self)

    def GetProjectManager(self):
        return self.manager if PROFILE.scripting else None

    def GetMediaStorage(self):
        return self.storage

    def GetProductName(self):
        return PROFILE.product

    def GetVersionString(self):
        return ".".join(str(v) for v in PROFILE.version)

    def GetVersion(self):
        return [*PROFILE.version, ""]

    @property
    def project(self) -> Project | None:
        return self.manager.current


def demo_pool(pool: MediaPool, media_dir: Path) -> None:
    """A pool with nested bins and every kind of item the reader must handle."""
    root = pool.GetRootFolder()
    root.add(MediaPoolItem(video_props(media_dir / "A001_2398.mov", 23.976, 240, "01:00:00:00")))
    root.add(MediaPoolItem(_props("Solid Color", "Generator")))
    footage = pool.AddSubFolder(root, "Footage")
    footage.add(MediaPoolItem(video_props(media_dir / "B001_25.mp4", "25", 250, "00:10:00:00", audio=True)))
    day2 = pool.AddSubFolder(footage, "Day 2")
    day2.add(MediaPoolItem(video_props(media_dir / "C001_2997.mov", 29.97, 300, "00:59:59;28", drop=True)))
    day2.add(MediaPoolItem(_props("broken.mov", "Video", **{"File Path": str(media_dir / "broken.mov"), "FPS": ""})))
    day2.add(MediaPoolItem(still_props(media_dir / "poster.png")))
    music = pool.AddSubFolder(root, "Music")
    music.add(MediaPoolItem(audio_props(media_dir / "song.wav", 61.2)))
    edits = pool.AddSubFolder(root, "Edits")
    for name, kind in (("Old Cut", "Timeline"), ("Compound Clip 1", "Compound"), ("Multicam 1", "Multicam")):
        edits.add(MediaPoolItem(_props(name, kind)))


LIBRARY: dict[str, dict] = {}
APP: Resolve | None = Resolve(Project())


def scriptapp(app_name):
    return APP if app_name == "Resolve" else None
