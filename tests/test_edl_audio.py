"""The EDL: the music as an A1+A2 event over the whole timeline, ASCII lines whatever the file
names, the media's own timecode past 24 hours, and mixed-rate edits refused; read by pycmx and OTIO."""
import io
import subprocess
from dataclasses import replace

import opentimelineio as otio
import pycmx
import pytest

from montage_ai.export.edl import ascii_text, build_edls, reel_names, write_edl
from montage_ai.plan.planner import PlanSettings, plan_montage
from montage_ai.timebase import Rate
from montage_ai.video.probe import probe_clip


def _clip(path, rate="24000/1001", seconds=6, timecode=None):
    tc = ["-timecode", timecode] if timecode else []
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=s=160x90:r={rate}:d={seconds}",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", *tc, str(path)], check=True)
    return probe_clip(path)


@pytest.fixture(scope="module")
def single_rate(music, tmp_path_factory):
    """A 23.976 edit of clips with hostile names: a newline, a byte that is not UTF-8, the same name in
    two folders, and a start timecode of 23:59:59:00 (the clip runs past 24 hours)."""
    tmp = tmp_path_factory.mktemp("edl")
    (tmp / "a").mkdir()
    (tmp / "b").mkdir()
    odd = tmp / "bad\udcff byte.mov"  # surrogate-escaped byte 0xFF, as Python names such a file
    plain = _clip(tmp / "odd.mov")  # probe refuses a non-UTF-8 name; the EDL writer must still cope with one
    plain.path.rename(odd)
    clips = [_clip(tmp / "a" / "same.mov", timecode="01:00:00:00"), _clip(tmp / "b" / "same.mov"),
             _clip(tmp / "line\nbreak.mov"), replace(plain, path=odd),
             _clip(tmp / "midnight.mov", timecode="23:59:59:00")]
    return plan_montage(music, clips, PlanSettings(music_start=20.0, duration=12.0, style="hype"))


def test_music_event_covers_the_timeline(single_rate, tmp_path):
    plan = single_rate
    path = tmp_path / "montage.edl"
    assert write_edl(plan, path) == [path]
    with open(path, encoding="ascii") as f:
        edits = [e for ev in pycmx.parse_cmx3600(f).events for e in ev.edits]
    audio = [e for e in edits if e.channels.audio]
    assert len(audio) == 1 and audio[0].channels.a1 and audio[0].channels.a2
    tc = plan.rate.parse_timecode
    assert tc(audio[0].record_in) == plan.start_timecode
    assert tc(audio[0].record_out) - tc(audio[0].record_in) == plan.frames
    assert tc(audio[0].source_in) == plan.music_in
    assert audio[0].clip_name == plan.music.path.name
    tl = otio.adapters.read_from_file(str(path), adapter_name="cmx_3600", rate=float(plan.rate.fps))
    assert tl.audio_tracks() and tl.audio_tracks()[0].duration().to_frames() == plan.frames
    assert [c.name for c in tl.video_tracks()[0].find_clips()] == [ascii_text(c.clip.name) for c in plan.cuts]


def test_lines_stay_ascii_and_whole_whatever_the_file_names(single_rate):
    plan = single_rate
    text = build_edls(plan)[0]
    assert text.isascii()
    events = [ln for ln in text.splitlines() if ln[:3].isdigit()]
    assert len(events) == len(plan.cuts) + 1 and all(len(ln.split()) == 8 for ln in events)
    comments = [ln for ln in text.splitlines() if ln.startswith("*")]
    assert len(comments) == 2 * len(events)  # a newline in a name never starts a line of its own
    assert "line%0Abreak.mov" in text and "bad%FF byte.mov" in text


def test_same_name_in_two_folders_gets_two_reels(single_rate):
    reels = reel_names([c.path for c in single_rate.clips])
    same = [reels[c.path] for c in single_rate.clips if c.path.name == "same.mov"]
    assert len(same) == 2 and same[0] != same[1]
    assert all(len(r) <= 8 and r.replace("_", "").isalnum() and r.isascii() for r in reels.values())


def test_source_timecode_is_the_media_s_own_and_does_not_wrap_at_24_hours(single_rate):
    plan = single_rate
    edl = pycmx.parse_cmx3600(io.StringIO(build_edls(plan)[0]))
    with_edits = list(zip((e for ev in edl.events for e in ev.edits if e.channels.video), plan.cuts))
    tc = plan.rate.parse_timecode
    for edit, cut in with_edits:
        assert tc(edit.source_in) == cut.clip.start_frame + cut.source_in
        assert tc(edit.source_out) - tc(edit.source_in) == cut.record_frames
    crossing = [e for e, c in with_edits if c.clip.name == "midnight.mov" and c.source_in + c.record_frames > 24]
    assert crossing and all(e.source_out.startswith("24:00:") for e in crossing)


def test_mixed_rate_edit_puts_off_rate_sources_on_the_timeline_grid(single_rate, tmp_path):
    """A 25 fps clip on a 23.976 timeline: its source timecode is the timeline frame holding the start of
    its in-frame (as single-rate readers take an EDL), its duration the record's, its real rate named."""
    first = single_rate.cuts[0]
    other = replace(first.clip, rate=Rate.parse("25"), start_frame=90000, drop_frame=False)  # 01:00:00:00 at 25
    cuts = [replace(first, clip=other, source_in=251), *single_rate.cuts[1:]]
    written = write_edl(replace(single_rate, cuts=cuts), tmp_path / "x.edl")
    text = written[0].read_text()
    edit = next(e for ev in pycmx.parse_cmx3600(io.StringIO(text)).events for e in ev.edits if e.channels.video)
    tl = single_rate.rate
    # 01:00:10:01 at 25 fps starts at 3610.04 s: timeline frame floor(3610.04 x 24000/1001) = 86554
    assert tl.parse_timecode(edit.source_in) == Rate.parse("25").rescale(90000 + 251, tl) == 86554
    assert tl.parse_timecode(edit.source_out) - tl.parse_timecode(edit.source_in) == first.record_frames
    assert "* SOURCE FPS: 25 (source timecode on the timeline's grid)" in text.split("\n\n")[1]


def test_dialogue_of_an_off_rate_clip_is_on_the_timeline_grid_like_its_picture(single_rate, tmp_path):
    """A3 events follow the same source-timecode rule as the V events of the same clip."""
    from montage_ai.model import DialogueEvent
    first = single_rate.cuts[0]
    other = replace(first.clip, rate=Rate.parse("25"), start_frame=90000, drop_frame=False)
    cut = replace(first, clip=other, source_in=251)
    said = DialogueEvent(0, cut.record_start, cut.record_end, other.path, 251, other.rate)
    text = build_edls(replace(single_rate, cuts=[cut, *single_rate.cuts[1:]], dialogue=[said]))[0]
    edits = [e for ev in pycmx.parse_cmx3600(io.StringIO(text)).events for e in ev.edits]
    video = next(e for e in edits if e.channels.video)
    voice = next(e for e in edits if 3 in e.channels.channels)
    assert voice.source_in == video.source_in and text.count("* SOURCE FPS: 25 ") == 2


def test_dialogue_inside_an_off_rate_cut_stays_in_sync_with_its_picture(single_rate):
    """A phrase 10 timeline frames into a cut of 25 fps footage on the 23.976 timeline: EDL, FCP7 XML and MLT
    start the voice at the picture's in-point (on their grid) plus 10, not at the event's clip frame re-rounded."""
    from montage_ai.export.fcp7 import build_xmeml
    from montage_ai.export.mlt import build_mlt
    from montage_ai.model import DialogueEvent
    first = single_rate.cuts[0]
    other = replace(first.clip, rate=Rate.parse("25"), start_frame=90000, drop_frame=False)
    cut = replace(first, clip=other, source_in=251)
    tl = single_rate.rate
    heard = 251 + (10 * other.rate.fps // tl.fps)  # the event's own clip frame, as dialogue_events finds it
    said = DialogueEvent(0, cut.record_start + 10, cut.record_end, other.path, int(heard), other.rate)
    plan = replace(single_rate, cuts=[cut], dialogue=[said])  # FCP7 needs file URLs: no undecodable name here
    edits = [e for ev in pycmx.parse_cmx3600(io.StringIO(build_edls(plan)[0])).events for e in ev.edits]
    video = next(e for e in edits if e.channels.video)
    voice = next(e for e in edits if 3 in e.channels.channels)
    assert tl.parse_timecode(voice.source_in) == tl.parse_timecode(video.source_in) + 10
    xml = build_xmeml(plan)
    items = {i.get("id"): int(i.findtext("in")) for i in xml.iter("clipitem")}
    assert items["dialogue-1"] == items["clipitem-1"] + 10 == cut.source_in_at(tl) + 10
    a2 = next(p for p in build_mlt(plan).iter("playlist") if p.get("id") == "playlist2")
    assert int(a2.find("entry").get("in")) == cut.source_in_nearest(tl) + 10
