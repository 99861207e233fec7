"""Every export at every frame rate, with timecoded media and hostile file names, re-read by
independent readers (``montage_ai.validate``): record and source frames equal the plan.

Single-rate edits get every format; mixed-rate edits get every format but the EDL and the AAF,
whose absence ``report.json`` explains."""
import json
import subprocess

import pycmx
import pytest

from montage_ai.export.edl import edl_parts, write_edl
from montage_ai.export import FORMATS
from montage_ai.model import Music
from montage_ai.pipeline import make
from montage_ai.plan.planner import PlanSettings, plan_montage
from montage_ai.timebase import Rate
from montage_ai.validate import format_table, validate
from montage_ai.video.probe import probe_clip

RATES = ["24000/1001", "24", "25", "30000/1001", "30", "50", "60000/1001", "60"]
NAMES = ["it's a #1 100% & ünïcode clip.mov", "two  spaces [v2].mp4", "plain.mkv", "near midnight.mov"]
ALL = {"montage.otio", "montage.edl", "montage.xml", "montage.csv", "montage.mlt", "montage.kdenlive", "montage.aaf"}


def _clip(path, rate, seconds, timecode=None):
    tc = ["-timecode", timecode] if timecode else []
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=s=160x90:r={rate}:d={seconds}",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", *tc, str(path)], check=True)
    return path


def _tc(text, rate):
    """``text`` with a drop-frame separator when ``rate`` is 29.97 or 59.94."""
    return f"{text[:8]};{text[9:]}" if Rate.parse(rate).drop_frame_capable else text


@pytest.mark.parametrize("fps", RATES)
def test_every_export_reads_back_exactly(song, tmp_path, fps):
    folder = tmp_path / "média folder #2"
    folder.mkdir()
    tcs = ["01:00:00:00", "00:59:58:12", None, "23:59:55:00"]  # the last one runs past 24 h
    files = [_clip(folder / n, fps, 8, tc and _tc(tc, fps)) for n, tc in zip(NAMES, tcs)]
    out = tmp_path / "out"
    plan, _ = make(song.path, files, out, PlanSettings(fps=Rate.parse(fps), music_start=18.0, duration=14.0,
                                                       style="hype"), formats=tuple(FORMATS), preview=False)
    assert {c.clip.path.name for c in plan.cuts} >= set(NAMES)
    checks = validate(out)
    assert {c.export for c in checks} == ALL
    assert all(c.ok for c in checks), format_table(checks)


@pytest.mark.parametrize("fps", ["24000/1001", "25", "30000/1001", "60000/1001"])
def test_mixed_rate_exports_read_back_and_say_why_edl_and_aaf_are_absent(song, tmp_path, fps):
    others = [r for r in ("24000/1001", "25", "30000/1001", "60000/1001") if r != fps]
    files = [_clip(tmp_path / "same rate.mov", fps, 8, _tc("01:00:00:00", fps))]
    files += [_clip(tmp_path / f"other {i}.mov", r, 8, _tc(tc, r))
              for i, (r, tc) in enumerate(zip(others, ["10:00:00:00", "00:59:58:12", "23:59:55:00"]))]
    out = tmp_path / "out"
    plan, written = make(song.path, files, out, PlanSettings(fps=Rate.parse(fps), music_start=18.0, duration=14.0,
                                                             style="hype"), formats=tuple(FORMATS), preview=False)
    assert {c.clip.rate for c in plan.cuts} > {plan.rate}
    checks = validate(out)
    assert {c.export for c in checks} == ALL - {"montage.aaf"}  # the EDL's off-rate sources on the timeline grid
    assert all(c.ok for c in checks), format_table(checks)
    report = json.loads((out / "report.json").read_text())
    assert json.loads(json.dumps(written.report)) == report  # what the CLI's notes read, without reading the file
    assert set(report["not_written"]) == {"montage.aaf"}
    assert all("mixes frame rates" in why and "\n" not in why for why in report["not_written"].values())
    assert (out / "montage.edl").exists() and (out / "montage.xml").exists()


def _long_plan(tmp_path, rate, seconds, style, beats_per_second=2):
    clips = [probe_clip(_clip(tmp_path / "long take.mov", str(rate), 70, _tc("01:00:00:00", str(rate)))),
             probe_clip(_clip(tmp_path / "b.mov", str(rate), 70))]
    beats = [0.25 + k / beats_per_second for k in range(int((seconds + 60) * beats_per_second))]
    music = Music(tmp_path / "song.wav", seconds + 60, 22050, 60.0 * beats_per_second, beats, beats[::4], [])
    return plan_montage(music, clips, PlanSettings(fps=rate, duration=seconds, style=style))


def _edits(path):
    parts = []
    for part in edl_parts(path):
        with open(part, encoding="ascii") as f:
            parts.append(list(pycmx.parse_cmx3600(f).events))
    return parts


def test_ten_minutes_of_2997_drop_frame_do_not_drift(tmp_path):
    """A 10-minute 29.97 DF timeline: the last event's record-out timecode equals the frame count."""
    rate = Rate.parse("29.97")
    plan = _long_plan(tmp_path, rate, 600.0, "documentary")
    assert plan.frames == 17982 and plan.drop_frame
    write_edl(plan, tmp_path / "long.edl")
    edits = [e for part in _edits(tmp_path / "long.edl") for ev in part for e in ev.edits if e.channels.video]
    assert edits[-1].record_out == "01:10:00;00"
    assert rate.parse_timecode(edits[-1].record_out) - plan.start_timecode == plan.frames
    for edit, cut in zip(edits, plan.cuts):
        assert rate.parse_timecode(edit.record_in) - plan.start_timecode == cut.record_start


def test_ten_minute_hype_edit_splits_into_edls_of_at_most_999_events(tmp_path):
    """More than 999 cuts: montage.edl, montage_part2.edl ... each <= 999 events (cuts + its music event),
    record timecode running on from part to part, every cut once."""
    rate = Rate.parse("24000/1001")
    plan = _long_plan(tmp_path, rate, 600.0, "hype", beats_per_second=4)
    assert len(plan.cuts) > 999
    written = write_edl(plan, tmp_path / "montage.edl")
    assert [p.name for p in written][:2] == ["montage.edl", "montage_part2.edl"]
    parts = _edits(tmp_path / "montage.edl")
    assert len(parts) == len(written) and all(len(events) <= 999 for events in parts)
    tc = rate.parse_timecode
    video = [e for events in parts for ev in events for e in ev.edits if e.channels.video]
    assert [(tc(e.record_in), tc(e.record_out)) for e in video] == [
        (plan.start_timecode + c.record_start, plan.start_timecode + c.record_end) for c in plan.cuts]
    music = [e for events in parts for ev in events for e in ev.edits if e.channels.audio]
    assert len(music) == len(parts)
    assert all(tc(a.record_out) == tc(b.record_in) for a, b in zip(music, music[1:]))  # continuous
    assert tc(music[0].record_in) == plan.start_timecode
    assert tc(music[-1].record_out) == plan.start_timecode + plan.frames
    assert all(tc(m.source_in) - plan.music_in == tc(m.record_in) - plan.start_timecode for m in music)
