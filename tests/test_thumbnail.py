"""The one thumbnail cache: files named by the footage's identity, frame and height in the user cache,
shared by ``analyze-footage --thumbnails`` and the panel."""
import os

from montage_ai.video.footage import analyze_footage, result_json
from montage_ai.video.probe import probe_clip
from montage_ai.video.thumbnail import HEIGHT, cached_thumbnail, thumbnail_file, thumbnail_folder


def test_thumbnails_are_cached_by_file_identity(footage, tmp_path):
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(footage[0].read_bytes())
    rate = probe_clip(clip).rate
    first = cached_thumbnail(clip, 12, rate, 60).read_bytes()
    stored = thumbnail_file(clip, 12, 60)
    assert stored.parent == thumbnail_folder() and stored.read_bytes() == first and first[:2] == b"\xff\xd8"
    assert thumbnail_file(clip, 13, 60) != stored and thumbnail_file(clip, 12, 90) != stored
    os.utime(clip, ns=(0, 0))  # the file changed: another key
    assert thumbnail_file(clip, 12, 60) != stored


def test_analyze_footage_thumbnails_are_the_cache_files(footage):
    """``--thumbnails`` paths are the files :func:`cached_thumbnail` gives for the shots' frames (the
    panel's footage list reads the same ones)."""
    result = analyze_footage(footage[:1])[0]
    shots = result_json(result, thumbnails=True)["shots"]
    clip = result.clip
    for entry, shot in zip(shots, clip.shots):
        assert entry["thumbnail"] == str(thumbnail_file(clip.path, shot.thumbnail, HEIGHT))
        assert cached_thumbnail(clip.path, shot.thumbnail, clip.rate) == thumbnail_file(clip.path, shot.thumbnail)
    assert len(shots) == len(clip.shots) and all(os.path.getsize(e["thumbnail"]) > 0 for e in shots)
