"""The issues' 'must show', end to end: ``montage-ai make`` at 23.976, 25, 29.97 and 50 fps over mixed
23.976/25/29.97/59.94 footage, then a push (``montage-ai resolve push``'s code) into the fake in its most
realistic profile and in the one that floors a fractional endFrame, by every route, and a failing push;
prints one row per run (``short``: clips placed one frame short, ``exact``: the rest, in %).
``cd tests && python -m fake_resolve.must_show``.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from montage_ai.demo_media import DEMO_CLIPS, synth_footage, synth_song
from montage_ai.errors import InputError
from montage_ai.export.report import read_report
from montage_ai.plugin.resolve import commands

from montage_ai.plugin.resolve.connect import connect
from montage_ai.plugin.resolve.writer import push_timeline

from .harness import REALISTIC, assert_matches_plan, load_fake, stock_pool

PROFILES = (REALISTIC, "studio_19_1_3_floors")

RATES = ("23.976", "25", "29.97", "50")
EXTRA = ("fast_5994.mp4", "testsrc2=size=320x180:rate={rate}", "60000/1001", 8, None, False)


def _push(otio_path: Path, route: str):
    return push_timeline(connect(), commands.load_timeline(otio_path, None), route=route)


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="montage-ai-must-show-"))
    song = synth_song(work / "song.wav").path
    footage = synth_footage(work / "footage", (*DEMO_CLIPS, EXTRA))
    exe = Path(sys.executable).with_name("montage-ai")
    print("profile               fps     route         cuts  clip rates                 pieces>1  frac.end  short  "
          "exact  offline  music  markers  failed push leaves")
    for fps in RATES:
        out = work / f"out_{fps}"
        subprocess.run([str(exe), "make", "--music", str(song), "--footage", *map(str, footage), "--out", str(out),
                        "--fps", fps, "--no-preview"], check=True, capture_output=True)
        plan = read_report(out / "report.json")
        rates = sorted({str(c.clip.rate) for c in plan.cuts})
        for profile, how in ((p, h) for p in PROFILES for h in ("append", "import", "import fails")):
            dvr = load_fake(profile)
            project = dvr.APP.project
            project.settings["timelineFrameRate"] = fps
            stock_pool(dvr, plan)
            project.media_pool.import_mode = "fail" if how == "import fails" else "ok"
            result = _push(out / "montage.otio", "append" if how == "append" else "import")
            [timeline] = project.timelines
            through = assert_matches_plan(timeline, plan, result.short)
            fractional = sum(1 for i in timeline.GetItemListInTrack("video", 1) if isinstance(i.source_end, float))
            offline = sum(1 for k in ("video", "audio") for i in timeline.GetItemListInTrack(k, 1)
                          if i.GetMediaPoolItem() is None)
            dvr = load_fake(profile)  # a push that fails half-way: Resolve drops clips
            project = dvr.APP.project
            project.settings["timelineFrameRate"] = "24"  # no timelines yet: the push sets the rate
            stock_pool(dvr, plan)
            project.media_pool.append_limit = 5
            try:
                _push(out / "montage.otio", "append" if how == "append" else "import")
            except InputError:
                pass
            left = f"{len(project.timelines)} timelines, rate {project.settings['timelineFrameRate']}"
            exact = 100 * (1 - len(result.short) / len(plan.cuts))
            print(f"{profile:21} {fps:7} {how:13} {len(plan.cuts):4}  {','.join(rates):26} {through:8}  {fractional:8}  "
                  f"{len(result.short):5}  {exact:5.1f}  {offline:7}  yes    {len(timeline.GetMarkers()):7}  {left}")


if __name__ == "__main__":
    main()
