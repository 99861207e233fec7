from fractions import Fraction

import itertools
import math

import numpy as np
import opentimelineio as otio
import pytest

from montage_ai.timebase import CAMERA_RATES, Rate, floored_length, floored_lengths


@pytest.mark.parametrize("text, fps", [
    ("24000/1001", Fraction(24000, 1001)), ("23.976", Fraction(24000, 1001)), ("23.98", Fraction(24000, 1001)),
    ("29.97", Fraction(30000, 1001)), ("59.94", Fraction(60000, 1001)), ("2997/100", Fraction(30000, 1001)),
    ("25", Fraction(25)), ("30/1", Fraction(30)), (50.0, Fraction(50)), ("12.5", Fraction(25, 2)),
])
def test_parse_exact(text, fps):
    assert Rate.parse(text).fps == fps


@pytest.mark.parametrize("bad", ["", "abc", "0", "-25", "1/2/3"])
def test_parse_rejects(bad):
    with pytest.raises((ValueError, ZeroDivisionError)):
        Rate.parse(bad)


def test_frame_at_is_the_frame_containing_the_time():
    r = Rate.parse("24000/1001")
    assert r.frame_at(r.seconds(100)) == 100
    assert r.frame_at(r.seconds(100) - Fraction(1, 10**9)) == 99
    assert r.frame_at(1.0) == 23  # 1 s falls inside frame 23 (0.959..1.001 s)


@pytest.mark.parametrize("rate, df", [("24000/1001", False), ("25", False), ("30000/1001", True),
                                      ("30000/1001", False), ("60000/1001", True), ("60", False)])
def test_timecode_matches_opentimelineio(rate, df):
    r = Rate.parse(rate)
    for frames in (0, 1, 1799, 1800, 17981, 17982, 86399, 107892, 215783, 1234567):
        ours = r.timecode(frames, df)
        theirs = otio.opentime.to_timecode(otio.opentime.RationalTime(frames, float(r.fps)), float(r.fps), df)
        assert ours == theirs, (frames, ours, theirs)
        assert r.parse_timecode(ours) == frames


def test_drop_frame_ten_minutes_is_17982_frames():
    r = Rate.parse("29.97")
    one_hour = r.parse_timecode("01:00:00;00")
    assert one_hour == 107892
    assert r.timecode(one_hour + 17982, drop_frame=True) == "01:10:00;00"


def test_timecode_past_24_hours_does_not_wrap_when_asked():
    rate = Rate.parse("24")
    day = 24 * 3600 * 24
    assert rate.timecode(day + 48) == "00:00:02:00"
    assert rate.timecode(day + 48, wrap=False) == "24:00:02:00"
    assert rate.parse_timecode("24:00:02:00") == day + 48
    df = Rate.parse("29.97")
    assert df.parse_timecode(df.timecode(2_600_000, True, wrap=False)) == 2_600_000


PAIRS = list(itertools.product(CAMERA_RATES, CAMERA_RATES))


def test_cross_rate_frames_against_real_time():
    """``rescale``/``rescale_up``: the frames at the other rate whose start is at or before / at or after the
    start of the given frame, by exact times; the same frame at the same rate."""
    for (a, b), n in itertools.product(PAIRS, (0, 1, 2, 23, 24, 25, 1001, 86399)):
        start = a.seconds(n)
        down, up = a.rescale(n, b), a.rescale_up(n, b)
        assert b.seconds(down) <= start < b.seconds(down + 1)
        assert b.seconds(up - 1) < start <= b.seconds(up)
        if a == b:
            assert down == up == n


def test_first_rounding_to_is_the_first_position_mlt_shows_the_frame_at():
    """MLT's avformat producer shows source frame ``floor(p / fps x source fps + 0.5)`` at position ``p``, in
    floating point: at an exact tie it may show the frame before, so a tie does not count."""
    for (src, tl), n in itertools.product(PAIRS, (0, 1, 7, 24, 100, 1001)):
        shown = lambda p: math.ceil(Fraction(p) * src.fps / tl.fps + Fraction(1, 2)) - 1  # noqa: E731
        first = src.first_rounding_to(n, tl)
        assert shown(first) >= n and (first == 0 or shown(first - 1) < n)
        if src == tl:
            assert first == n


def test_frames_covering_rounds_a_duration_up():
    r = Rate.parse("25")
    assert [r.frames_covering(s) for s in (0, Fraction(1, 25), Fraction(1, 25) + Fraction(1, 10**9), 2)] == [0, 1, 2, 50]


def test_floored_lengths_equal_floored_length_for_each_row():
    rates = sorted(set(CAMERA_RATES))
    which = np.arange(len(rates)).repeat(5)
    frames = np.tile([0, 1, 24, 1001, 10**6], len(rates))
    for timeline in CAMERA_RATES:
        got = floored_lengths(frames, rates, which, timeline)
        assert got.tolist() == [floored_length(int(f), rates[w], timeline) for f, w in zip(frames, which)]
