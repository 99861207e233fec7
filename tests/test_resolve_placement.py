"""The source-frames rule and exact placement over every rate pair Resolve offers for video and many cut
lengths, under Resolve's floor: ``L`` media frames at ``m`` fps span ``floor(L·t/m)`` timeline frames."""
import itertools
from fractions import Fraction

import pytest

from montage_ai.plugin.resolve.placement import place
from montage_ai.timebase import Rate, floored_length as appended_length, source_frames_for

RATES = [Rate.parse(r) for r in ("23.976", "24", "25", "29.97", "30", "50", "59.94", "60")]
PAIRS = list(itertools.product(RATES, RATES))
LENGTHS = [*range(1, 130), *range(130, 1500, 37)]


@pytest.mark.parametrize("media, timeline", PAIRS, ids=[f"{m}-on-{t}" for m, t in PAIRS])
def test_source_frames_rule_is_the_only_count_that_can_be_exact(media, timeline):
    for n in LENGTHS:
        count = source_frames_for(n, media, timeline)
        assert appended_length(count, media, timeline) >= n > appended_length(count - 1, media, timeline)
        any_exact = any(appended_length(c, media, timeline) == n for c in range(count - 2, count + 3))
        assert (appended_length(count, media, timeline) == n) == any_exact
        if media.fps >= timeline.fps:
            assert appended_length(count, media, timeline) == n


@pytest.mark.parametrize("media, timeline", PAIRS, ids=[f"{m}-on-{t}" for m, t in PAIRS])
def test_every_cut_is_placed_on_its_record_frames(media, timeline):
    for n in LENGTHS:
        found = place(n, 100, media, timeline, floats=True)
        assert [p.record for p in found] == [sum(q.frames for q in found[:i]) for i in range(len(found))]
        assert sum(p.frames for p in found) == n and found[0].start == 100
        for p in found:
            assert appended_length(p.end - p.start, media, timeline) == p.frames
            assert p.start == 100 + -(-Fraction(p.record) * media.fps // timeline.fps)  # real time
        assert found[-1].end <= 100 + source_frames_for(n, media, timeline) + 1
        whole = place(n, 100, media, timeline)
        assert all(isinstance(p.end, int) for p in whole)
        if sum(p.frames for p in whole) != n:  # only where every whole count floors past n: slower media
            assert media.fps < timeline.fps and len(found) == 1 and sum(p.frames for p in whole) == n - 1
            for p in whole:
                assert appended_length(p.end - p.start, media, timeline) == p.frames
