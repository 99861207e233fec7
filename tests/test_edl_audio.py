"""The EDL carries the music as an A1+A2 event over the whole timeline, readable by pycmx and OTIO."""
import opentimelineio as otio
import pycmx

from montage_ai.export.edl import write_edl


def test_music_event_covers_the_timeline(plan, tmp_path):
    path = tmp_path / "montage.edl"
    write_edl(plan, path)
    with open(path, encoding="utf-8") as f:
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
    assert [c.name for c in tl.video_tracks()[0].find_clips()] == [c.clip.name for c in plan.cuts]
