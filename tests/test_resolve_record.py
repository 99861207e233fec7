"""Record/replay: a push recorded call by call plays back as a stand-in for Resolve."""
import argparse
import json

import opentimelineio as otio
import pytest

from fake_resolve import example
from fake_resolve.harness import dvr, stock_pool  # noqa: F401 (fixture)
from montage_ai.errors import InputError
from montage_ai.export.otio_export import write_otio
from montage_ai.plugin.resolve import commands
from montage_ai.plugin.resolve.connect import connect
from montage_ai.plugin.resolve.record import Replay, ReplayMismatch
from montage_ai.plugin.resolve.writer import push_timeline


def test_the_example_transcript_replays_the_push():
    replay = Replay(example.TRANSCRIPT)
    result = push_timeline(connect(replay.app), otio.adapters.read_from_file(str(example.OTIO)))
    assert replay.finished and (result.name, result.route, result.clips, result.markers) == ("Example", "append", 4, 2)
    calls = json.loads(example.TRANSCRIPT.read_text())["calls"]
    appended = next(c for c in calls if c["method"] == "AppendToTimeline")["args"][0]
    starts = [dict(info["dict"]) for info in appended]
    assert [(s["recordFrame"], s["startFrame"], s["endFrame"]) for s in starts][:2] == [(90000, 10, 33), (90023, 33, 34)]


def test_the_example_transcript_is_current(tmp_path):
    """The committed transcript is what the bridge does today (regenerate: python -m fake_resolve.example)."""
    assert otio.adapters.read_from_file(str(example.OTIO)).to_json_string() == \
        example.example_timeline().to_json_string()
    example.record(tmp_path / "now.json")
    assert json.loads((tmp_path / "now.json").read_text()) == json.loads(example.TRANSCRIPT.read_text())


def test_replay_refuses_a_call_the_transcript_does_not_have():
    replay = Replay(example.TRANSCRIPT)
    with pytest.raises(ReplayMismatch, match="asked .*GetProductName"):
        replay.app.GetProductName()


def _record(*argv: str) -> None:
    parser = argparse.ArgumentParser()
    commands.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["resolve", "record", *argv])
    args.func(args)


def test_record_command_writes_every_call_and_answer(dvr, plan, tmp_path, capsys):
    stock_pool(dvr, plan)
    write_otio(plan, tmp_path / "montage.otio")
    with pytest.raises(InputError, match="the folder for the transcript does not exist"):
        _record(str(tmp_path / "no" / "t.json"), str(tmp_path / "montage.otio"))
    _record(str(tmp_path / "t.json"), str(tmp_path / "montage.otio"))
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"timeline '{plan.name}': {len(plan.cuts) + 1} clips") and "recorded" in out[-1]
    dvr.APP.project.timelines.clear()  # replaying needs none of the fake's state
    replay = Replay(tmp_path / "t.json")
    result = push_timeline(connect(replay.app), otio.adapters.read_from_file(str(tmp_path / "montage.otio")))
    assert replay.finished and result.clips == len(plan.cuts) + 1
