"""The long-take scan (core/video/sparse.py) on small long-GOP HEVC takes: the threshold that keeps small
files on the full decode is lowered, and the cuts must equal the full decode's, frame for frame, while
fewer frames are decoded."""
from __future__ import annotations

import subprocess

import pytest

from montage_ai.video import sparse
from montage_ai.video.footage import analyze_file
from montage_ai.video.frames import read_frames
from montage_ai.video.measures import run_measures
from montage_ai.video.probe import probe_clip
from montage_ai.video.structure import StructureMeasure
from tests.long_take_media import long_take


@pytest.mark.parametrize("cut", [97, 90])  # inside a GOP, and on a key frame
def test_scan_finds_the_full_decodes_cut_decoding_less(tmp_path, monkeypatch, cut):
    path = long_take(tmp_path / f"take {cut}.mp4", size=(640, 360), seconds=6, cut=cut, gop=30)
    full = analyze_file(path).clip
    assert [s.start for s in full.shots] == [0, cut]
    clip = probe_clip(path, check_end=False)
    assert sparse.worth_scanning(clip) is None  # 640x360, 180 frames: read whole
    monkeypatch.setattr(sparse, "MIN_PIXELS", 0)
    scan = sparse.worth_scanning(clip)
    assert scan is not None and list(scan.keys) == [0, 30, 60, 90, 120, 150] and scan.frames == 180
    count, keyed = run_measures(read_frames(clip, keys_only=True), [StructureMeasure()])
    assert count == 6
    decoded = sum(n for _, n, _ in sparse.windows(sparse.candidate_gops(keyed, scan), scan, float(clip.rate.fps)))
    assert decoded <= 60  # one GOP and its margin, not 180 frames
    fast = analyze_file(path).clip
    assert [(s.start, s.end) for s in fast.shots] == [(s.start, s.end) for s in full.shots]
    assert fast.frames == full.frames == 180
    assert all(s.start <= s.thumbnail < s.end and s.start <= s.window[0] < s.window[1] <= s.end for s in fast.shots)


def test_short_gop_and_variable_rate_files_are_read_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(sparse, "MIN_PIXELS", 0)
    path = long_take(tmp_path / "short gop.mp4", size=(640, 360), seconds=2, cut=30, gop=6)
    assert sparse.worth_scanning(probe_clip(path, check_end=False)) is None


def test_a_video_that_starts_after_the_file_is_read_whole(tmp_path, monkeypatch):
    """Sound from 0 s, pictures from 0.2 s: a window's seek (from the file's start) would land 5 frames
    off the frames the packets count (from the video's), so the file gets the full decode and its cut."""
    take = long_take(tmp_path / "take.mp4", size=(640, 360), seconds=6, cut=91, gop=30)
    path = tmp_path / "late video.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-itsoffset", "0.2", "-i", str(take), "-f", "lavfi", "-i",
                    "sine=d=6.5", "-map", "0:v", "-map", "1:a", "-c:v", "copy", "-c:a", "aac", "-y", str(path)],
                   check=True)
    monkeypatch.setattr(sparse, "MIN_PIXELS", 0)
    assert sparse.worth_scanning(probe_clip(path, check_end=False)) is None
    assert [s.start for s in analyze_file(path).clip.shots] == [0, 91]


def test_a_cut_and_back_inside_one_gop_is_found_by_the_frame_sizes(tmp_path, monkeypatch):
    """Both key frames around the insert show the first view: only the size of the frame after the cut
    (coded anew) makes that GOP a candidate."""
    path = long_take(tmp_path / "insert.mp4", size=(640, 360), seconds=6, cut=95, back=112, gop=30)
    full = analyze_file(path).clip
    assert [s.start for s in full.shots] == [0, 95, 112]
    monkeypatch.setattr(sparse, "MIN_PIXELS", 0)
    clip = probe_clip(path, check_end=False)
    scan = sparse.worth_scanning(clip)
    count, keyed = run_measures(read_frames(clip, keys_only=True), [StructureMeasure()])
    assert 3 in sparse.candidate_gops(keyed, scan)  # frames 90..119
    assert [(s.start, s.end) for s in analyze_file(path).clip.shots] == [(s.start, s.end) for s in full.shots]
