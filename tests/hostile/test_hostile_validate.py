"""``validate`` is the user's proof that the files are right: each tampering below must be caught."""
import json
import re
import shutil

import opentimelineio as otio
import pytest
from hostile_helpers import run_cli

from montage_ai.validate import validate


@pytest.fixture(scope="module")
def made(tiny_song, tiny_clips, tmp_path_factory):
    out = tmp_path_factory.mktemp("validate") / "out"
    from montage_ai.cli import main
    # one rate only: a mixed-rate edit gets no EDL (see docs/nle.md), and the EDL tamperings need one
    assert main(["make", "--music", str(tiny_song), "--footage", str(tiny_clips[0]), "--out", str(out),
                 "--no-preview"]) == 0
    assert all(c.ok for c in validate(out))
    return out


def _edl_music_shift(text: str) -> str:
    """Shift the AA event's source timecodes by 2 s (the music out of sync, record untouched)."""
    def shift(m):
        src = [tc.split(":") for tc in m.group(2, 3)]
        moved = [f"{h}:{mi}:{int(s) + 2:02d}:{f}" for h, mi, s, f in src]
        return f"{m.group(1)}{moved[0]} {moved[1]} "
    return re.sub(r"^(\d{3}  \S+\s+AA\s+C\s+)(\S+) (\S+) ", shift, text, flags=re.M)


def _otio(edit):
    def tamper(path):
        tl = otio.adapters.read_from_file(str(path))
        edit(tl)
        otio.adapters.write_to_file(tl, str(path))
    return tamper


def _otio_music_plus_48(tl):
    clip = tl.audio_tracks()[0].find_clips()[0]
    sr = clip.source_range
    clip.source_range = otio.opentime.TimeRange(sr.start_time + otio.opentime.RationalTime(48, sr.start_time.rate),
                                                sr.duration)


def _otio_start_plus_hour(tl):
    rate = tl.global_start_time.rate
    tl.global_start_time = tl.global_start_time + otio.opentime.RationalTime(3600 * rate, rate)


def _otio_media_elsewhere(tl):
    clip = tl.video_tracks()[0].find_clips()[0]
    clip.media_reference.target_url = "/elsewhere/" + clip.media_reference.target_url.rsplit("/", 1)[1]


def _text(edit):
    def tamper(path):
        path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    return tamper


def _xml_music(text: str) -> str:
    item = text.index('<clipitem id="clipitem-', text.index("<audio>"))
    head, tail = text[:item], text[item:]
    tail = re.sub(r"<in>(\d+)</in>", lambda m: f"<in>{int(m.group(1)) + 24}</in>", tail, count=1)
    tail = re.sub(r"<out>(\d+)</out>", lambda m: f"<out>{int(m.group(1)) + 24}</out>", tail, count=1)
    return head + tail


def _first(pattern, repl):
    return lambda text: re.sub(pattern, repl, text, count=1, flags=re.M)


def _csv_source_out(text: str) -> str:
    lines = text.splitlines(keepends=True)
    cells = lines[1].split(",")
    cells[7] = str(int(cells[7]) + 5)  # source_out_frame
    lines[1] = ",".join(cells)
    return "".join(lines)


def _edl_source_out(text: str) -> str:
    return re.sub(r"^(001  \S+\s+V\s+C\s+\S+ )(\d\d:\d\d:)(\d\d)", lambda m: f"{m.group(1)}{m.group(2)}"
                  f"{int(m.group(3)) + 1:02d}", text, count=1, flags=re.M)


CASES = {
    "edl music AA shifted 2 s": ("montage.edl", _text(_edl_music_shift)),
    "otio music +48 frames": ("montage.otio", _otio(_otio_music_plus_48)),
    "xml music in/out": ("montage.xml", _text(_xml_music)),
    "edl source out alone": ("montage.edl", _text(_edl_source_out)),
    "xml source out alone": ("montage.xml", _text(_first(r"<out>(\d+)</out>", lambda m: f"<out>{int(m.group(1)) + 3}</out>"))),
    "csv source out alone": ("montage.csv", _text(_csv_source_out)),
    "otio media in another folder": ("montage.otio", _otio(_otio_media_elsewhere)),
    "csv media in another folder": ("montage.csv", _text(_first(r",/[^,]*/(c\d\d\.mp4),", r",/elsewhere/\1,"))),
    "mlt media in another folder": ("montage.mlt", _text(_first(r">/[^<]*/(c\d\d\.mp4)<", r">/elsewhere/\1<"))),
    "xml media in another folder": ("montage.xml", _text(_first(r"localhost/[^<]*/(c\d\d\.mp4)<",
                                                                 r"localhost/elsewhere/\1<"))),
    "edl media in another folder": ("montage.edl", _text(_first(r"^\* SOURCE FILE: /.*/(c\d\d\.mp4)$",
                                                                 r"* SOURCE FILE: /elsewhere/\1"))),
    "otio global_start_time +1 h": ("montage.otio", _otio(_otio_start_plus_hour)),
    "export deleted": ("montage.mlt", lambda path: path.unlink()),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_validate_catches(case, made, tmp_path, capsys):
    name, tamper = CASES[case]
    folder = tmp_path / "copy"
    shutil.copytree(made, folder)
    before = (folder / name).read_bytes()
    tamper(folder / name)
    assert not (folder / name).exists() or (folder / name).read_bytes() != before, "tampering changed nothing"
    failed = [c for c in validate(folder) if not c.ok]
    assert failed and all(c.export == name for c in failed), failed
    code, out, _ = run_cli("validate", folder, capsys=capsys)
    assert code == 1 and "problem" in out


def test_report_outputs_are_the_written_files(made):
    listed = json.loads((made / "report.json").read_text())["outputs"]
    assert sorted(listed) == sorted(p.name for p in made.iterdir())
