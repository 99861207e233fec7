"""Runs of a mask and merging of close intervals (shared by shot, speech and ducking code)."""
import numpy as np

from montage_ai.intervals import frame_runs, merge_close


def test_frame_runs_are_half_open_and_in_order():
    assert frame_runs(np.array([1, 1, 0, 0, 1, 0, 1], bool)) == [(0, 2), (4, 5), (6, 7)]
    assert frame_runs(np.zeros(3, bool)) == [] and frame_runs(np.zeros(0, bool)) == []


def test_merge_close_joins_within_the_gap_and_keeps_the_farthest_end():
    assert merge_close([(0.0, 1.0), (1.5, 2.0), (2.6, 3.0)], 0.5) == [(0.0, 2.0), (2.6, 3.0)]
    assert merge_close([(0.0, 5.0), (1.0, 2.0), (5.5, 6.0)], 0.5) == [(0.0, 6.0)]
    assert merge_close([], 1.0) == []
