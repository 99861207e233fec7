"""The final move of ``make`` is a transaction: a target that cannot be replaced (a folder, an immutable
file) or a stop signal while the set is swapped leaves the previous set exactly as it was, says so, and
leaves no staging folder; a run killed half-way through the swap is undone by the next run."""
import errno
import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from hostile_helpers import one_line, run_cli

from montage_ai.errors import InputError, Interrupted
from montage_ai.output import JOURNAL, PREVIOUS, STAGE_PREFIX, previous_set, remove_stale_stages, staged_output


def _files(out):
    return {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}


@pytest.fixture
def previous(tiny_song, tiny_clips, tmp_path, capsys):
    """An output folder holding a first set (otio, csv, mlt, xml) and its bytes."""
    out = tmp_path / "out"
    code, _, err = run_cli("make", "--music", tiny_song, "--footage", *tiny_clips, "--out", out, "--no-preview",
                           "--formats", "otio,csv,mlt,fcp7", capsys=capsys)
    assert code == 0, err
    return out, _files(out)


def _second_run(tiny_song, tiny_clips, out, capsys):
    return run_cli("make", "--music", tiny_song, "--footage", *tiny_clips, "--out", out, "--no-preview", "--seed", 7,
                   "--formats", "otio,edl,csv,mlt,fcp7", capsys=capsys)


def test_target_made_a_folder_keeps_the_previous_set(previous, tiny_song, tiny_clips, capsys):
    out, before = previous
    (out / "montage.xml").unlink()
    (out / "montage.xml").mkdir()
    (out / "montage.xml" / "mine.txt").write_text("the editor's")
    del before["montage.xml"]
    code, _, err = _second_run(tiny_song, tiny_clips, out, capsys)
    assert code == 2
    one_line(err, "montage.xml", "folder", "previous set kept")
    assert _files(out) == before
    assert (out / "montage.xml" / "mine.txt").read_text() == "the editor's"
    assert not list(out.glob(STAGE_PREFIX + "*"))


@contextmanager
def _immutable(path):
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
        pytest.skip("chattr +i not possible here (needs root and ext4/xfs)")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def test_immutable_file_half_way_restores_the_previous_set(previous, tiny_song, tiny_clips, capsys):
    out, before = previous
    with _immutable(out / "montage.mlt"):  # moved after report.json, otio, csv: the swap is half done
        code, _, err = _second_run(tiny_song, tiny_clips, out, capsys)
    assert code == 2
    one_line(err, "montage.mlt", "previous set kept")
    assert _files(out) == before
    assert not list(out.glob(STAGE_PREFIX + "*"))


def test_dead_runs_half_swap_is_undone_by_the_next_run(previous):
    out, before = previous
    stage = out / f"{STAGE_PREFIX}dead"
    (stage / PREVIOUS).mkdir(parents=True)
    (stage / "pid").write_text("999999999")
    (stage / JOURNAL).write_text(json.dumps(["montage.otio", "montage.csv", "report.json"]))
    for name in ("report.json", "montage.otio", "montage.csv"):  # killed after moving two new files in
        os.replace(out / name, stage / PREVIOUS / name)
    for name in ("montage.otio",):
        (out / name).write_text("new")
    (stage / "montage.csv").write_text("new, not yet moved")
    (stage / "report.json").write_text("{}")
    assert remove_stale_stages(out) == [stage]
    assert _files(out) == before


def _make(song, clips, out, *extra):
    return subprocess.Popen([sys.executable, "-m", "montage_ai.cli", "make", "--music", str(song), "--footage",
                             *map(str, clips), "--out", str(out), "--preview", "draft", "--formats", "otio,csv,mlt",
                             *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("delay_ms", [0, 2, 4, 8])
def test_sigterm_after_the_preview_keeps_one_whole_set(delay_ms, tiny_song, tiny_clips, tmp_path):
    out = tmp_path / "out"
    first = _make(tiny_song, tiny_clips, out)
    assert first.wait(60) == 0, first.stderr.read()
    before = _files(out)
    proc = _make(tiny_song, tiny_clips, out, "--seed", "3")
    for line in proc.stdout:
        if line.startswith("Rendering preview: done"):
            time.sleep(delay_ms / 1000)
            proc.send_signal(signal.SIGTERM)
            break
    _, err = proc.communicate(timeout=30)
    after = _files(out)
    assert not list(out.glob(".*")), "staging folder left behind"
    if proc.returncode == 0:  # the run ended before the signal came
        assert after != before
        return
    assert proc.returncode == 128 + signal.SIGTERM, err
    line = one_line(err, "interrupted (SIGTERM)")
    if "previous set kept" in line:
        assert after == before
    else:
        assert "new set written" in line, line
        report = json.loads(after["report.json"])
        assert sorted(report["outputs"]) == sorted(after)


def test_every_aspect_set_is_kept_when_one_cannot_be_replaced(tiny_song, tiny_clips, tmp_path, capsys):
    """The other aspects' sets (sub-folders) are swapped in the same transaction as the main one: a main
    set that cannot be replaced keeps the old 9:16 set too."""
    out = tmp_path / "out"
    first = ("make", "--music", tiny_song, "--footage", *tiny_clips, "--out", out, "--no-preview",
             "--formats", "otio,csv,fcp7", "--aspects", "16:9,9:16")
    code, _, err = run_cli(*first, capsys=capsys)
    assert code == 0, err
    before, sub_before = _files(out), _files(out / "9x16")
    assert "report.json" in sub_before
    (out / "montage.xml").unlink()
    (out / "montage.xml").mkdir()
    del before["montage.xml"]
    code, _, err = run_cli(*first, "--seed", 7, capsys=capsys)
    assert code == 2
    one_line(err, "montage.xml", "folder", "previous set kept")
    assert _files(out) == before and _files(out / "9x16") == sub_before
    assert not list(out.glob(STAGE_PREFIX + "*"))


def _old_set(out, sub=None):
    """``out`` (or its aspect sub-folder ``sub``) holding an old set: report.json listing a.otio."""
    folder = out / sub if sub else out
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(json.dumps({"outputs": ["a.otio", "report.json"]}))
    (folder / "a.otio").write_text("old")
    return _files(folder)


def _write_new(stage, sub=None):
    folder = stage / sub if sub else stage
    folder.mkdir(exist_ok=True)
    (folder / "a.otio").write_text("new")
    (folder / "report.json").write_text(json.dumps({"outputs": ["a.otio", "report.json"]}))


def _stages(out):
    return list(out.glob(STAGE_PREFIX + "*"))


def test_partial_rollback_says_where_the_old_files_are_and_keeps_them(tmp_path, monkeypatch):
    """os.replace fails moving the new report.json in, then again putting the old a.otio back: the error
    names the folder that holds it, which stays (journal and all) until a later run puts it back."""
    out = tmp_path / "out"
    before = _old_set(out)
    real = os.replace

    def replace(src, dst):
        if str(dst) == str(out / "report.json") and STAGE_PREFIX in str(src) and PREVIOUS not in str(src):
            raise OSError(errno.EIO, "I/O error", str(dst))
        if str(src).endswith(f"{PREVIOUS}/a.otio") and str(dst) == str(out / "a.otio"):
            raise OSError(errno.EIO, "I/O error", str(src))
        return real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(InputError) as caught:
        with staged_output(out) as stage:
            _write_new(stage)
    monkeypatch.setattr(os, "replace", real)
    assert "previous set partly restored, the rest is in" in str(caught.value)
    assert f"{stage / PREVIOUS}" in str(caught.value) and "previous set kept" not in str(caught.value)
    assert (stage / JOURNAL).exists() and (stage / PREVIOUS / "a.otio").read_text() == "old"
    (stage / "pid").write_text("999999999")  # this run is over: the next one finishes the rollback
    assert remove_stale_stages(out) == [stage]
    assert _files(out) == before


def test_kill_between_journals_keeps_the_finished_commit(tmp_path):
    """Killed after the main journal went (the commit point) but before the 9x16 one: the next run keeps
    both new sets instead of undoing 9:16 alone."""
    out = tmp_path / "out"
    _old_set(out)
    _old_set(out, "9x16")
    stage = out / f"{STAGE_PREFIX}dead"
    for folder, dest in ((stage / "9x16", out / "9x16"), (stage, out)):
        (folder / PREVIOUS).mkdir(parents=True)
        for name in ("a.otio", "report.json"):
            os.replace(dest / name, folder / PREVIOUS / name)
            (dest / name).write_text("new " + name)
    (stage / "pid").write_text("999999999")
    (stage / "9x16" / JOURNAL).write_text(json.dumps(["a.otio", "report.json"]))
    assert remove_stale_stages(out) == [stage]
    assert (out / "a.otio").read_text() == (out / "9x16" / "a.otio").read_text() == "new a.otio"


def test_a_later_make_replaces_an_earlier_aspect_set(tmp_path):
    """OUT/9x16 from an earlier ``--aspects 16:9,9:16`` goes with the next set that has no 9:16 (a
    different edit); kept when that set cannot be put in."""
    out = tmp_path / "out"
    _old_set(out)
    sub_before = _old_set(out, "9x16")
    (out / "b.otio").mkdir()  # the new main set cannot go in
    with pytest.raises(InputError, match="previous set kept"):
        with staged_output(out) as stage:
            _write_new(stage)
            (stage / "b.otio").write_text("new")
    assert _files(out / "9x16") == sub_before
    (out / "b.otio").rmdir()
    with staged_output(out) as stage:
        _write_new(stage)
    assert _files(out / "9x16") == {} and (out / "a.otio").read_text() == "new"
    assert not _stages(out)


def test_unreadable_journal_still_restores_the_previous_set(tmp_path):
    out = tmp_path / "out"
    before = _old_set(out)
    stage = out / f"{STAGE_PREFIX}dead"
    (stage / PREVIOUS).mkdir(parents=True)
    (stage / "pid").write_text("999999999")
    (stage / JOURNAL).write_text("[\"a.ot")  # cut short by a power cut
    os.replace(out / "report.json", stage / PREVIOUS / "report.json")
    assert remove_stale_stages(out) == [stage]
    assert _files(out) == before


def test_aspect_folder_that_is_a_file_keeps_the_previous_set(tmp_path):
    """OUT/9x16 is a file: one line naming it; a sub-folder this commit made (1x1) goes again."""
    out = tmp_path / "out"
    before = _old_set(out)
    (out / "9x16").write_text("mine")
    with pytest.raises(InputError) as caught:
        with staged_output(out) as stage:
            _write_new(stage)
            _write_new(stage, "1x1")
            _write_new(stage, "9x16")
    assert str(caught.value) == f"{out / '9x16'}: is a file, not a folder; previous set kept"
    assert not (out / "1x1").exists() and (out / "9x16").read_text() == "mine"
    assert {n: b for n, b in _files(out).items() if n != "9x16"} == before and not _stages(out)


def test_full_disk_names_the_output_folder_not_a_hidden_file(tmp_path, monkeypatch):
    out = tmp_path / "out"
    before = _old_set(out)
    real = Path.mkdir

    def mkdir(self, *args, **kwargs):
        if self.name == PREVIOUS:
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    with pytest.raises(InputError) as caught:
        with staged_output(out) as stage:
            _write_new(stage)
    assert str(caught.value) == f"{out}: cannot replace the output files (No space left on device); previous set kept"
    assert _files(out) == before


def test_stop_signal_with_a_partial_rollback_says_where_the_old_files_are(tmp_path, monkeypatch):
    out = tmp_path / "out"
    _old_set(out)
    real = os.replace

    def replace(src, dst):
        if str(dst) == str(out / "a.otio") and PREVIOUS not in str(src):
            signal.raise_signal(signal.SIGTERM)  # held back while the set is swapped
        if str(src).endswith(f"{PREVIOUS}/a.otio"):
            raise OSError(errno.EIO, "I/O error", str(src))
        return real(src, dst)

    def stop(signum, frame):
        raise Interrupted(signum)

    monkeypatch.setattr(os, "replace", replace)
    handler = signal.signal(signal.SIGTERM, stop)
    try:
        with pytest.raises(Interrupted):
            with staged_output(out) as stage:
                _write_new(stage)
    finally:
        signal.signal(signal.SIGTERM, handler)
    assert previous_set(out) == f"previous set partly restored, the rest is in {stage / PREVIOUS}"
    assert (stage / JOURNAL).exists() and (stage / PREVIOUS / "a.otio").read_text() == "old"
