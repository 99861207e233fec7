"""Every export at every frame rate, with timecoded media and hostile file names, re-read by
independent readers (``montage_ai.validate``): record and source frames equal the plan."""
import subprocess

import pytest

from montage_ai.model import Music
from montage_ai.pipeline import make
from montage_ai.plan.planner import PlanSettings, plan_montage
from montage_ai.timebase import Rate
from montage_ai.validate import format_table, validate
from montage_ai.video.probe import probe_clip

RATES = ["24000/1001", "24", "25", "30000/1001", "30", "50", "60000/1001", "60"]
NAMES = ["it's a #1 100% & ünïcode clip.mov", "two  spaces [v2].mp4", "plain.mkv"]


def _clip(path, rate, seconds, timecode=None):
    tc = ["-timecode", timecode] if timecode else []
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=s=160x90:r={rate}:d={seconds}",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", *tc, str(path)], check=True)
    return path


@pytest.mark.parametrize("fps", RATES)
def test_every_export_reads_back_exactly(song, tmp_path, fps):
    rate = Rate.parse(fps)
    df = rate.drop_frame_capable
    folder = tmp_path / "média folder #2"
    folder.mkdir()
    tcs = ["01:00:00;00" if df else "01:00:00:00", "00:59:58" + (";" if df else ":") + "12", None]
    files = [_clip(folder / n, fps, 8, tc) for n, tc in zip(NAMES, tcs)]
    files.append(_clip(folder / "other rate.mp4", "25" if fps != "25" else "24", 8, "10:00:00:00"))
    out = tmp_path / "out"
    plan, _ = make(song.path, files, out, PlanSettings(fps=rate, music_start=18.0, duration=14.0, style="hype"),
                   preview=False)
    assert {c.clip.path.name for c in plan.cuts} >= set(NAMES)
    checks = validate(out)
    assert {c.export for c in checks} == {"montage.otio", "montage.edl", "montage.xml", "montage.csv", "montage.mlt"}
    assert all(c.ok for c in checks), format_table(checks)


def test_ten_minutes_of_2997_drop_frame_do_not_drift(tmp_path):
    """A 10-minute 29.97 DF timeline: the last event's record-out timecode equals the frame count."""
    import pycmx
    from montage_ai.export.edl import write_edl

    rate = Rate.parse("29.97")
    clip = probe_clip(_clip(tmp_path / "long take.mov", "30000/1001", 70, "01:00:00;00"))
    beats = [0.25 + k * 0.5 for k in range(1300)]
    music = Music(tmp_path / "song.wav", 660.0, 22050, 120.0, beats, beats[::4], [])
    plan = plan_montage(music, [clip, probe_clip(_clip(tmp_path / "b.mov", "30000/1001", 70))],
                        PlanSettings(fps=rate, duration=600.0, style="documentary"))
    assert plan.frames == 17982 and plan.drop_frame
    path = tmp_path / "long.edl"
    write_edl(plan, path)
    with open(path, encoding="utf-8") as f:
        edits = [e for ev in pycmx.parse_cmx3600(f).events for e in ev.edits if e.channels.video]
    assert edits[-1].record_out == "01:10:00;00"
    assert rate.parse_timecode(edits[-1].record_out) - plan.start_timecode == plan.frames
    for edit, cut in zip(edits, plan.cuts):
        assert rate.parse_timecode(edit.record_in) - plan.start_timecode == cut.record_start
