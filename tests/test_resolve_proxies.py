"""``montage-ai resolve link-proxies``: real proxies of generated clips linked to the fake pool's items,
refusals (wrong rate, missing file) reported by clip name, unlink undoes it."""
from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

import pytest

from fake_resolve.harness import clip_props, dvr  # noqa: F401  (fixture)
from montage_ai.errors import InputError
from montage_ai.plugin.resolve.commands import cmd_link_proxies
from montage_ai.proxies import make_proxies
from montage_ai.video.probe import probe_clip


def _clip(path: Path, rate: str, tc: str) -> Path:
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size=320x180:rate={rate}:duration=1",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-timecode", tc, str(path)],
                   check=True)
    return path


@pytest.fixture()
def pool_with_proxies(dvr, tmp_path):  # noqa: F811
    footage = tmp_path / "footage"
    footage.mkdir()
    clips = [_clip(footage / "a 25.mov", "25", "10:00:00:00"), _clip(footage / "b df.mov", "30000/1001", "01:00:00;00"),
             _clip(footage / "c.mov", "24", "00:00:00:00")]
    pool = dvr.APP.GetProjectManager().GetCurrentProject().GetMediaPool()
    for path in clips:
        dvr.LIBRARY[str(path)] = clip_props(dvr, probe_clip(path))
    assert len(pool.ImportMedia([str(p) for p in clips[:2]])) == 2  # c.mov stays out of the pool
    out = tmp_path / "proxies"
    assert all(r.status == "made" for r in make_proxies([footage], out, hwaccel="none").results)
    return dvr, pool, out, clips


def _args(folder: Path, unlink: bool = False) -> argparse.Namespace:
    return argparse.Namespace(proxies=folder, unlink=unlink)


def test_link_then_unlink(pool_with_proxies, capsys):
    dvr, pool, out, clips = pool_with_proxies
    assert cmd_link_proxies(_args(out), resolve=dvr.APP) == 0
    printed = capsys.readouterr().out
    items = {i.GetName(): i for i in pool.GetRootFolder().GetClipList()}
    assert items["a 25.mov"].GetClipProperty("Proxy Media Path") == str(out / "a 25_Proxy.mp4")
    assert items["b df.mov"].GetClipProperty("Proxy Media Path") == str(out / "b df_Proxy.mp4")
    assert "1 original(s) not in the media pool" in printed and "c.mov" in printed
    cmd_link_proxies(_args(out / "proxies.json", unlink=True), resolve=dvr.APP)
    assert "unlinked  a 25.mov" in capsys.readouterr().out
    assert all(not i.GetClipProperty("Proxy Media Path") for i in items.values())


def test_refusals_are_named(pool_with_proxies, capsys, tmp_path):
    dvr, pool, out, clips = pool_with_proxies
    wrong = _clip(tmp_path / "wrong rate.mov", "50", "10:00:00:00")  # Resolve refuses another rate
    manifest = json.loads((out / "proxies.json").read_text())
    manifest["proxies"][str(clips[0])] = str(wrong)
    manifest["proxies"][str(clips[1])] = str(tmp_path / "deleted.mp4")
    (out / "proxies.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError, match="Resolve linked no proxy"):
        cmd_link_proxies(_args(out), resolve=dvr.APP)
    printed = capsys.readouterr().out
    assert "refused a 25.mov: Resolve refused the proxy" in printed
    assert "refused b df.mov: proxy file missing" in printed


def test_missing_manifest_is_one_line(dvr, tmp_path):  # noqa: F811
    with pytest.raises(InputError, match="make proxies first"):
        cmd_link_proxies(_args(tmp_path), resolve=dvr.APP)
