"""The issue's 'must show', end to end: ``montage-ai make`` at 23.976, 25, 29.97 and 50 fps over mixed
23.976/25/29.97/59.94 footage, then ``montage-ai resolve push`` into the fake in its most realistic profile
by every route, and a failing push; prints one row per run. ``cd tests && python -m fake_resolve.must_show``.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from montage_ai.demo_media import DEMO_CLIPS, synth_footage, synth_song
from montage_ai.errors import InputError
from montage_ai.export.report import read_report
from montage_ai.plugin.resolve import commands

from .harness import REALISTIC, assert_matches_plan, load_fake, stock_pool

RATES = ("23.976", "25", "29.97", "50")
EXTRA = ("fast_5994.mp4", "testsrc2=size=320x180:rate={rate}", "60000/1001", 8, None, False)


def _push(otio_path: Path, route: str) -> None:
    parser = argparse.ArgumentParser()
    commands.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["resolve", "push", str(otio_path), "--route", route])
    args.func(args)


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="montage-ai-must-show-"))
    song = synth_song(work / "song.wav").path
    footage = synth_footage(work / "footage", (*DEMO_CLIPS, EXTRA))
    exe = Path(sys.executable).with_name("montage-ai")
    print("fps     route         cuts  clip rates                 pieces>1  frac.end  exact  offline  music  markers  "
          "failed push leaves")
    for fps in RATES:
        out = work / f"out_{fps}"
        subprocess.run([str(exe), "make", "--music", str(song), "--footage", *map(str, footage), "--out", str(out),
                        "--fps", fps, "--no-preview"], check=True, capture_output=True)
        plan = read_report(out / "report.json")
        rates = sorted({str(c.clip.rate) for c in plan.cuts})
        for how in ("append", "import", "import fails"):
            dvr = load_fake(REALISTIC)
            project = dvr.APP.project
            project.settings["timelineFrameRate"] = fps
            stock_pool(dvr, plan)
            project.media_pool.import_mode = "fail" if how == "import fails" else "ok"
            _push(out / "montage.otio", "append" if how == "append" else "import")
            [timeline] = project.timelines
            through = assert_matches_plan(timeline, plan)
            fractional = sum(1 for i in timeline.GetItemListInTrack("video", 1) if isinstance(i.source_end, float))
            offline = sum(1 for k in ("video", "audio") for i in timeline.GetItemListInTrack(k, 1)
                          if i.GetMediaPoolItem() is None)
            dvr = load_fake(REALISTIC)  # a push that fails half-way: Resolve drops clips
            project = dvr.APP.project
            project.settings["timelineFrameRate"] = "24"  # no timelines yet: the push sets the rate
            stock_pool(dvr, plan)
            project.media_pool.append_limit = 5
            try:
                _push(out / "montage.otio", "append" if how == "append" else "import")
            except InputError:
                pass
            left = f"{len(project.timelines)} timelines, rate {project.settings['timelineFrameRate']}"
            print(f"{fps:7} {how:13} {len(plan.cuts):4}  {','.join(rates):26} {through:8}  {fractional:8}  yes    {offline:7}  "
                  f"yes    {len(timeline.GetMarkers()):7}  {left}")


if __name__ == "__main__":
    main()
