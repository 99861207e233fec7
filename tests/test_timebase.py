from fractions import Fraction

import opentimelineio as otio
import pytest

from montage_ai.timebase import Rate


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
