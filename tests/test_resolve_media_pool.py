"""Reading Resolve's media pool: video items become Clips, everything else is skipped with a reason."""
import re
from fractions import Fraction
from pathlib import Path

import pytest

from fake_resolve.harness import dvr  # noqa: F401 (fixture)
from montage_ai.errors import InputError
from montage_ai.plugin.resolve.connect import connect
from montage_ai.plugin.resolve.media_pool import clip_from_properties, find_audio, read_folder

MEDIA = Path("/media/shoot")


@pytest.fixture
def pool(dvr):
    pool = dvr.APP.project.media_pool
    dvr.demo_pool(pool, MEDIA)
    return connect().media_pool


def test_reads_video_recursively_and_says_why_the_rest_is_skipped(pool):
    contents = read_folder(pool)
    by_name = {c.name: c for c in contents.clips}
    assert set(by_name) == {"A001_2398.mov", "B001_25.mp4", "C001_2997.mov"}
    a, b, c = by_name["A001_2398.mov"], by_name["B001_25.mp4"], by_name["C001_2997.mov"]
    assert (a.rate.fps, a.frames, a.start_frame, a.drop_frame, a.has_audio) == (Fraction(24000, 1001), 240, 86400,
                                                                                False, False)
    assert (b.rate.fps, b.start_frame, b.has_audio, b.width, b.height) == (25, 15000, True, 1920, 1080)
    assert c.rate.fps == Fraction(30000, 1001) and c.drop_frame
    assert c.start_frame == c.rate.parse_timecode("00:59:59;28") == 107890
    assert dict(contents.skipped) == {
        "Solid Color": "generator", "broken.mov": "frame rate unknown (empty)", "poster.png": "still image",
        "song.wav": "audio only", "Old Cut": "timeline", "Compound Clip 1": "compound clip",
        "Multicam 1": "multicam clip"}
    assert {p: i.GetName() for p, i in contents.items.items()} == {c.path: c.name for c in contents.clips}


@pytest.mark.parametrize("spec, names", [
    ("Day 2", {"C001_2997.mov"}),
    ("Master/Footage/Day 2", {"C001_2997.mov"}),
    ("footage", {"B001_25.mp4", "C001_2997.mov"}),
])
def test_reads_a_chosen_bin(pool, spec, names):
    assert {c.name for c in read_folder(pool, spec).clips} == names


def test_not_recursive_and_current_bin(pool):
    assert {c.name for c in read_folder(pool, "Footage", recursive=False).clips} == {"B001_25.mp4"}
    assert {c.name for c in read_folder(pool, recursive=False).clips} == {"A001_2398.mov"}


def test_unknown_or_ambiguous_bin(pool):
    with pytest.raises(InputError, match=r"no media pool bin matches 'Day 3'; bins: Master, Master/Footage"):
        read_folder(pool, "Day 3")
    pool.AddSubFolder(pool.GetRootFolder(), "Day 2")
    with pytest.raises(InputError, match="more than one media pool bin matches 'Day 2'"):
        read_folder(pool, "Day 2")


@pytest.mark.parametrize("fps, want", [
    (23.976, Fraction(24000, 1001)), ("23.976", Fraction(24000, 1001)), (23.976023976023978, Fraction(24000, 1001)),
    (25.0, 25), ("25", 25), (29.97, Fraction(30000, 1001)), ("59.94", Fraction(60000, 1001)), (24, 24),
])
def test_fps_numbers_and_strings(dvr, fps, want):
    assert clip_from_properties(dvr.video_props("/m/x.mov", fps, 100)).rate.fps == want


def test_defensive_parsing(dvr):
    props = dvr.video_props("/m/x.mov", 25.0, 100, "bad tc", resolution="")
    del props["Frames"]
    clip = clip_from_properties(props)
    assert (clip.frames, clip.start_frame, clip.width, clip.height) == (100, 0, 0, 0)  # frames from "Duration"
    for change, reason in (({"Online Status": "Offline"}, "media offline"), ({"File Path": ""}, "no file path"),
                           ({"Frames": "0", "Duration": ""}, "length unknown"), ({"Type": "Fusion Title"}, "title"),
                           ({"Type": "Subtitle Track"}, "not a video clip (type Subtitle Track)")):
        with pytest.raises(ValueError, match=re.escape(reason)):
            clip_from_properties({**props, **change})


def test_finds_the_music_by_name(pool):
    for name in ("song", "SONG.wav"):
        path, item = find_audio(pool, name)
        assert path == MEDIA / "song.wav" and item.GetClipProperty("Type") == "Audio"
    with pytest.raises(InputError, match="no audio clip named 'A001_2398.mov'"):
        find_audio(pool, "A001_2398.mov")
