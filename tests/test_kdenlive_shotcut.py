"""The MLT project (Shotcut) and the Kdenlive document held to the rules their loaders apply, so a
regression shows without the applications (tools/check_in_apps.py opens them for real), and both
rendered by ``melt``: cuts on the planned frames, off-rate in-points on the source frame planned."""
import json
import math
import shutil
import subprocess
from fractions import Fraction

import numpy as np
import pytest
from colour_media import clip_index_per_frame, colour_clips, expected_per_frame
from melt_render import melt

from montage_ai.export.kdenlive import build_kdenlive, write_kdenlive
from montage_ai.export.mlt import build_mlt, write_mlt
from montage_ai.plan.planner import PlanSettings, plan_montage
from montage_ai.timebase import Rate
from montage_ai.video.probe import probe_clip

needs_melt = pytest.mark.skipif(shutil.which("melt") is None, reason="melt (Debian package 'melt') not installed")


def _prop(el, name):
    return el.findtext(f"property[@name='{name}']")


def _by_id(root):
    return {el.get("id"): el for el in root if el.get("id")}


def test_shotcut_background_track_and_main_bin(plan):
    root = build_mlt(plan)
    ids = _by_id(root)
    assert root.get("producer") == "main_bin" and ids["main_bin"].tag == "playlist"
    tractor = [el for el in root if el.tag == "tractor"][-1]
    tracks = [t.get("producer") for t in tractor.findall("track")]
    # Shotcut stretches the first clip of track 0 over the project (adjustBackgroundDuration): black only there
    background = ids[tracks[0]]
    assert tracks[0] == "background" and len(background.findall("entry")) == 1
    black = ids[background.find("entry").get("producer")]
    assert _prop(black, "mlt_service") == "color" and int(background.find("entry").get("out")) == plan.frames - 1
    video, audio = ids[tracks[1]], ids[tracks[2]]
    assert _prop(video, "shotcut:video") == "1" and _prop(audio, "shotcut:audio") == "1"
    assert len(video.findall("entry")) == len(plan.cuts)
    for entry in video.findall("entry") + audio.findall("entry"):
        producer = ids[entry.get("producer")]  # lengths stated: Shotcut gives a producer without one length 0
        assert int(entry.get("out")) < int(_prop(producer, "length"))
    assert int(tractor.get("out")) == plan.frames - 1


def test_kdenlive_bin_references_tracks_and_guides(plan):
    root = build_kdenlive(plan)
    ids = _by_id(root)
    main_bin = ids["main_bin"]
    assert _prop(main_bin, "kdenlive:docproperties.version") == "1.04"
    bin_ids = {_prop(ids[e.get("producer")], "kdenlive:id") for e in main_bin.findall("entry")}
    assert len(bin_ids) == len(plan.clips) + 1 and None not in bin_ids
    main = [el for el in root if el.tag == "tractor"][-1]
    tracks = [ids[t.get("producer")] for t in main.findall("track")]
    assert tracks[0].get("id") == "black_track"
    entries = []
    for track in tracks[1:]:  # every track: a tractor of two playlists
        playlists = [ids[t.get("producer")] for t in track.findall("track")]
        assert track.tag == "tractor" and len(playlists) == 2 and all(p.tag == "playlist" for p in playlists)
        entries += [e for p in playlists for e in p.findall("entry")]
    assert len(entries) == len(plan.cuts) + 1  # the cuts and the music
    for e in entries:  # "Timeline clip ... without bin reference found and removed" otherwise
        assert _prop(e, "kdenlive:id") == _prop(ids[e.get("producer")], "kdenlive:id") in bin_ids
    audio = [t for t in tracks[1:] if _prop(t, "kdenlive:audio_track") == "1"]
    assert len(audio) == 1
    guides = json.loads(_prop(main_bin, "kdenlive:docproperties.guides"))
    assert [(g["pos"], g["comment"]) for g in guides] == [(m.frame, m.name) for m in plan.markers]


def _render(project, out):
    return melt(project, out, "vcodec=ffv1", "an=1")


@needs_melt
@pytest.mark.parametrize("fps", ["24000/1001", "30000/1001"])
def test_melt_renders_the_kdenlive_document_frame_exact(music, tmp_path, fps):
    clips = colour_clips(tmp_path, [fps, fps, "25", fps, fps, fps])
    plan = plan_montage(music, clips, PlanSettings(fps=Rate.parse(fps), music_start=20.0, duration=12.0, style="hype"))
    write_kdenlive(plan, tmp_path / "montage.kdenlive")
    per_frame = clip_index_per_frame(_render(tmp_path / "montage.kdenlive", tmp_path / "render.mkv"))
    assert np.array_equal(per_frame, expected_per_frame(plan))


def _numbered_clip(path, rate, seconds=9):
    """Frame n of the clip has luma (n mod 32) x 8: the rendered frame tells which source frame it is."""
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"color=c=black:s=64x36:r={rate}:d={seconds},format=gray,geq=lum='mod(N,32)*8'",
                    "-c:v", "ffv1", "-pix_fmt", "gray", str(path)], check=True)
    return probe_clip(path)


def _luma(video):
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(video), "-f", "rawvideo", "-pix_fmt", "gray", "-"],
                         check=True, capture_output=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, 36 * 64).mean(axis=1)


@needs_melt
@pytest.mark.parametrize("fps, other", [("24000/1001", "25"), ("25", "24000/1001"), ("60000/1001", "30000/1001"),
                                        ("30000/1001", "25")])
@pytest.mark.parametrize("write", [write_mlt, write_kdenlive])
def test_off_rate_cuts_start_on_the_planned_source_frame(music, tmp_path, fps, other, write):
    """MLT shows source frame floor(position / fps x clip fps + 0.5): in-points rounded to nearest, not up.
    Media with more frames per second than the timeline has frames no position shows; a cut planned
    on one starts on the next frame, never on an earlier one."""
    clips = [_numbered_clip(tmp_path / "same.mkv", fps), _numbered_clip(tmp_path / "other.mkv", other)]
    plan = plan_montage(music, clips, PlanSettings(fps=Rate.parse(fps), music_start=20.0, duration=12.0, style="hype"))
    project = tmp_path / "project.mlt"
    write(plan, project)
    luma = _luma(_render(project, tmp_path / "render.mkv"))
    shown = [round(luma[c.record_start] / 8) % 32 for c in plan.cuts]
    reachable = [c.clip.rate <= plan.rate or any(
        math.floor(Fraction(p) * c.clip.rate.fps / plan.rate.fps + Fraction(1, 2)) == c.source_in
        for p in range(c.source_in_nearest(plan.rate) - 2, c.source_in_nearest(plan.rate) + 3)) for c in plan.cuts]
    expected = [(c.source_in + (0 if ok else 1)) % 32 for c, ok in zip(plan.cuts, reachable)]
    # the planner prefers a clip whose whole frames fill a cut (Resolve's floored append): at 59.94 the 29.97
    # clip takes the even-length cuts only
    assert sum(c.clip.rate != plan.rate for c in plan.cuts) >= 2
    assert shown == expected
