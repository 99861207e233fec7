"""One output frame size for every export: the displayed size most footage shares (rotation applied),
or ``--size``; MLT, FCP7 XML, OTIO metadata, report and the preview all follow the plan's."""
import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from montage_ai.export.fcp7 import build_xmeml
from montage_ai.export.mlt import build_mlt
from montage_ai.export.otio_export import build_timeline
from montage_ai.render.preview import preview_size
from montage_ai.plan.planner import PlanSettings, dominant_size, plan_montage
from montage_ai.video.probe import probe_clip


def _clip(folder, name, size, seconds, rotate=None):
    path = folder / f"{name}.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=s={size}:r=25:d={seconds}",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)], check=True)
    if rotate is not None:  # ffmpeg 5 writes the rotation only when copying
        turned = folder / f"{name} turned.mp4"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(path), "-c", "copy",
                        "-metadata:s:v:0", f"rotate={rotate}", str(turned)], check=True)
        path = turned
    return probe_clip(path)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """Two landscape clips (7 s), one portrait clip (3 s), one phone clip stored landscape but turned (2 s)."""
    folder = tmp_path_factory.mktemp("sizes")
    return [_clip(folder, "land a", "320x180", 4), _clip(folder, "land b", "320x180", 3),
            _clip(folder, "portrait", "180x320", 3), _clip(folder, "phone", "320x180", 2, rotate=90)]


def test_rotation_counts_as_displayed(mixed):
    phone = mixed[3]
    assert (phone.width, phone.height, phone.rotation % 180) == (320, 180, 90)
    assert phone.display_size == (180, 320)
    assert dominant_size(mixed) == (320, 180)  # 7 s landscape against 5 s displayed portrait
    assert dominant_size([mixed[0], mixed[2], mixed[3]]) == (180, 320)  # 4 s against 5 s


def test_every_export_uses_the_plan_size(music, mixed):
    plan = plan_montage(music, mixed, PlanSettings(duration=8))
    assert {c.clip.name for c in plan.cuts} >= {"portrait.mp4"}
    assert (plan.width, plan.height) == (320, 180)
    profile = build_mlt(plan).find("profile")
    assert (profile.get("width"), profile.get("height")) == ("320", "180")
    assert (profile.get("display_aspect_num"), profile.get("display_aspect_den")) == ("16", "9")
    chars = build_xmeml(plan).find("sequence/media/video/format/samplecharacteristics")
    assert (chars.findtext("width"), chars.findtext("height")) == ("320", "180")
    timeline = build_timeline(plan)
    meta = timeline.metadata["montage_ai"]
    assert (meta["width"], meta["height"]) == (320, 180)
    assert preview_size(plan) == (320, 180)  # never scaled up
    given = plan_montage(music, mixed, PlanSettings(duration=8, size=(1080, 1920)))
    assert build_mlt(given).find("profile").get("width") == "1080" and preview_size(given) == (540, 960)


def _make(*args, out):
    return subprocess.run([sys.executable, "-m", "montage_ai.cli", "make", *map(str, args), "--out", str(out),
                           "--no-preview", "--formats", "mlt,fcp7"], capture_output=True, text=True)


def test_size_option(song, mixed, tmp_path):
    out = tmp_path / "given"
    proc = _make("--music", song.path, "--footage", *[c.path for c in mixed], "--duration", "6", "--size", "1280x720",
                 out=out)
    assert proc.returncode == 0, proc.stderr
    assert ET.parse(out / "montage.mlt").find("profile").get("width") == "1280"
    assert ET.parse(out / "montage.xml").findtext("sequence/media/video/format/samplecharacteristics/height") == "720"
    assert json.loads((out / "report.json").read_text())["width"] == 1280


@pytest.mark.parametrize("bad", ["1280", "1280x", "wide", "1281x720", "0x0", "99999x720"])
def test_bad_size_exits_2(song, mixed, tmp_path, bad):
    out = tmp_path / "bad"
    proc = _make("--music", song.path, "--footage", mixed[0].path, "--size", bad, out=out)
    assert proc.returncode == 2 and "--size" in proc.stderr and bad in proc.stderr.splitlines()[-1]
    assert "Traceback" not in proc.stderr and not out.exists()
