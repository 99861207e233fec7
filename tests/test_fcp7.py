"""FCP7 XML details Premiere depends on, checked in the XML itself and through OTIO's fcp_xml reader."""
import xml.etree.ElementTree as ET
from urllib.parse import unquote, urlparse

import opentimelineio as otio
import pytest

from montage_ai.export.fcp7 import build_xmeml, file_url, write_fcp7
from montage_ai.plan.planner import PlanSettings, plan_montage
from montage_ai.timebase import Rate


@pytest.mark.parametrize("fps, timebase, ntsc", [("24000/1001", "24", "TRUE"), ("25", "25", "FALSE"),
                                                 ("30000/1001", "30", "TRUE"), ("60000/1001", "60", "TRUE"),
                                                 ("30", "30", "FALSE")])
def test_sequence_rate_and_start_timecode(music, clips, fps, timebase, ntsc):
    plan = plan_montage(music, clips, PlanSettings(fps=Rate.parse(fps), duration=10))
    seq = build_xmeml(plan).find("sequence")
    assert seq.findtext("rate/timebase") == timebase and seq.findtext("rate/ntsc") == ntsc
    assert seq.findtext("timecode/string") == ("01:00:00;00" if plan.drop_frame else "01:00:00:00")
    assert seq.findtext("timecode/displayformat") == ("DF" if plan.drop_frame else "NDF")
    assert int(seq.findtext("duration")) == plan.frames


def test_every_clipitem_is_complete_and_files_are_described_once(plan):
    seq = build_xmeml(plan).find("sequence")
    items = seq.findall("media/video/track/clipitem")
    assert len(items) == len(plan.cuts)
    for item, cut in zip(items, plan.cuts):
        for tag in ("name", "duration", "rate", "start", "end", "in", "out", "file", "sourcetrack"):
            assert item.find(tag) is not None, (tag, item.get("id"))
        assert (int(item.findtext("start")), int(item.findtext("end"))) == (cut.record_start, cut.record_end)
    full = [f for f in seq.iter("file") if f.find("pathurl") is not None]
    assert len(full) == len({c.clip.path for c in plan.cuts}) + 1  # each clip once, plus the music
    with_tc = next(f for f in full if f.findtext("name") == "city_lights.mp4")
    assert with_tc.findtext("timecode/string") == "01:00:00:00" and with_tc.findtext("timecode/frame") == "86400"


def test_music_is_an_audio_clipitem_over_the_whole_sequence(plan, tmp_path):
    path = tmp_path / "montage.xml"
    write_fcp7(plan, path)
    assert path.read_bytes().startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE xmeml>')
    audio = ET.parse(path).getroot().find("sequence/media/audio/track/clipitem")
    assert audio.findtext("sourcetrack/mediatype") == "audio"
    assert (int(audio.findtext("start")), int(audio.findtext("end"))) == (0, plan.frames)
    assert int(audio.findtext("in")) == plan.music_in
    tl = otio.adapters.read_from_file(str(path), adapter_name="fcp_xml")
    assert tl.audio_tracks()[0].duration().to_frames() == plan.frames
    markers = [m.name for m in tl.tracks.markers]
    assert markers[:1] == ["INTRO"] and "CLIMAX" in markers


@pytest.mark.parametrize("path, url", [
    ("/media/it's a #1 100% & ünï.mov", "file://localhost/media/it%27s%20a%20%231%20100%25%20%26%20%C3%BCn%C3%AF.mov"),
    ("C:\\Media\\a b.mov", "file://localhost/C%3a/Media/a%20b.mov"),
    ("D:/Footage/x.mp4", "file://localhost/D%3a/Footage/x.mp4"),
])
def test_pathurl_encoding(path, url):
    assert file_url(path) == url
    if not path[1:2] == ":":
        assert unquote(urlparse(url).path) == path


def test_files_declare_their_real_audio_and_the_music_is_exploded_stereo(music, tmp_path):
    """Premiere links a file only when the XML's channel count matches it (auto-editor #325): mono
    44.1 kHz 24-bit camera audio is declared as such; the stereo music sits on two exploded tracks."""
    import subprocess
    from dataclasses import replace

    from montage_ai.video.probe import probe_audio, probe_clip

    cam = tmp_path / "camera mono.mov"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=160x90:r=25:d=6", "-f", "lavfi",
                    "-i", "sine=d=6:sample_rate=44100", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "pcm_s24le",
                    "-shortest", str(cam)], check=True)
    clip = probe_clip(cam)
    assert (clip.audio.channels, clip.audio.sample_rate, clip.audio.bits) == (1, 44100, 24)
    plan = plan_montage(replace(music, audio=probe_audio(music.path)), [clip], PlanSettings(duration=6))
    seq = build_xmeml(plan).find("sequence")
    declared = seq.find(".//file[pathurl]/media/audio")
    assert (declared.findtext("channelcount"), declared.findtext("samplecharacteristics/samplerate"),
            declared.findtext("samplecharacteristics/depth")) == ("1", "44100", "24")
    assert seq.find(".//file[pathurl]/media/video/samplecharacteristics/pixelaspectratio").text == "square"
    assert all(item.findtext("masterclipid") for item in seq.iter("clipitem"))
    assert seq.get("explodedTracks") == "true"
    tracks = seq.findall("media/audio/track")
    assert [(t.get("premiereTrackType"), t.get("currentExplodedTrackIndex"), t.findtext("outputchannelindex"),
             t.findtext("clipitem/sourcetrack/trackindex")) for t in tracks] == [("Stereo", "0", "1", "1"),
                                                                                ("Stereo", "1", "2", "2")]
    items = [t.find("clipitem") for t in tracks]
    assert all(i.get("premiereChannelType") == "stereo" for i in items)
    assert {ln.findtext("linkclipref") for ln in items[0].findall("link")} == {i.get("id") for i in items}
    music_file = items[0].find("file/media/audio")
    assert music_file.findtext("channelcount") == "2"


def test_report_keeps_the_audio_formats_for_later_exports(plan, tmp_path):
    """An XML written from report.json (panel, Resolve bridge) declares the same audio as one written at once."""
    from dataclasses import replace

    from montage_ai.export.report import read_report, write_report
    from montage_ai.model import AudioFormat

    plan = replace(plan, music=replace(plan.music, audio=AudioFormat(1, 44100, 24)))
    write_report(plan, tmp_path / "report.json")
    again = read_report(tmp_path / "report.json")
    assert again.music.audio == AudioFormat(1, 44100, 24)
    assert [c.audio for c in again.clips] == [c.audio for c in plan.clips]
    assert ET.tostring(build_xmeml(again)) == ET.tostring(build_xmeml(plan))
