"""The smaller hostile cases: each is one line and exit 2, or a warning naming the file and the reason,
said before the analysis rather than after it."""
import pytest
from hostile_helpers import one_line, run_cli


@pytest.mark.parametrize("name, value, config, needle", [
    ("MONTAGE_AI_WORKERS", "abc", None, "$MONTAGE_AI_WORKERS"),
    ("MONTAGE_AI_WORKERS", "0", None, "$MONTAGE_AI_WORKERS"),
    ("MONTAGE_AI_PATH_MAP", "no-equals-sign", None, "$MONTAGE_AI_PATH_MAP"),
    (None, None, "path_map = 42\n", "config.toml"),
    (None, None, 'path_map = "/a"\n', "config.toml"),
], ids=["workers abc", "workers 0", "bad path map", "path_map 42", "path_map no target"])
def test_bad_pool_setting_is_one_line_exit_2(name, value, config, needle, tiny_song, tiny_clips, tmp_path, capsys,
                                             monkeypatch):
    monkeypatch.setenv("MONTAGE_AI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("MONTAGE_AI_PATH_MAP", raising=False)
    if name:
        monkeypatch.setenv(name, value)
    if config:
        (tmp_path / "config").mkdir()
        (tmp_path / "config" / "config.toml").write_text(config)
    for command in (["make", "--music", tiny_song, "--footage", *tiny_clips, "--out", tmp_path / "out"],
                    ["analyze-footage", *tiny_clips]):
        code, _, err = run_cli(*command, capsys=capsys)
        assert code == 2, err
        one_line(err, needle)
        assert not (tmp_path / "out").exists()


def test_out_name_not_utf8_is_refused_before_analysis(tiny_song, tiny_clips, tmp_path, capsys):
    out = str(tmp_path) + "/o\udcff"  # the byte 0xFF as Python names it
    code, _, err = run_cli("make", "--music", tiny_song, "--footage", *tiny_clips, "--out", out, capsys=capsys)
    assert code == 2
    one_line(err, "--out", "\\xff", "UTF-8")
    assert not list(tmp_path.iterdir())


def test_newline_in_a_path_stays_on_one_line(tiny_clips, tmp_path, capsys):
    code, _, err = run_cli("make", "--music", tmp_path / "my\nsong.wav", "--footage", *tiny_clips, "--out",
                           tmp_path / "out", capsys=capsys)
    assert code == 2
    one_line(err, "my\\nsong.wav")


def test_full_disk_keeps_the_previous_set_and_leaves_no_staging(tiny_song, tiny_clips, tmp_path, capsys):
    from test_hostile_environment import mounted_tmpfs
    disk = tmp_path / "disk"
    with mounted_tmpfs(disk, "256k"):
        out = disk / "out"
        code, _, err = run_cli("make", "--music", tiny_song, "--footage", tiny_clips[0], "--out", out,
                               "--no-preview", "--formats", "csv", capsys=capsys)
        assert code == 0, err
        before = {p.name: p.read_bytes() for p in out.iterdir()}
        try:
            (disk / "filler").write_bytes(b"x" * (1 << 20))
        except OSError:
            pass  # the disk is full now
        code, _, err = run_cli("make", "--music", tiny_song, "--footage", tiny_clips[0], "--out", out,
                               "--no-preview", "--formats", "csv", "--seed", "5", capsys=capsys)
        assert code == 2
        one_line(err, str(out), "No space left on device")
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no staging folder, old set intact


def test_symlink_loop_and_fifo_in_a_footage_folder_are_warned_about(tiny_clips, tmp_path, capsys):
    import os
    import shutil
    folder = tmp_path / "footage"
    folder.mkdir()
    shutil.copy(tiny_clips[0], folder / "a.mp4")
    os.mkfifo(folder / "pipe.mp4")
    (folder / "loop.mp4").symlink_to(folder / "loop.mp4")
    code, _, err = run_cli("analyze-footage", folder, capsys=capsys)
    assert code == 0, err
    assert "pipe.mp4: a FIFO" in err and "loop.mp4: a symbolic link loop" in err, err


def test_broken_resolve_module_is_one_line(tmp_path, monkeypatch):
    import sys

    from montage_ai.errors import InputError
    from montage_ai.plugin.resolve import connect as connect_module
    modules = tmp_path / "api" / "Modules"
    modules.mkdir(parents=True)
    (modules / f"{connect_module.MODULE}.py").write_text("raise RuntimeError('fusionscript says no')\n")
    monkeypatch.setattr(sys, "path", [p for p in sys.path if "fake_resolve" not in p])
    monkeypatch.delitem(sys.modules, connect_module.MODULE, raising=False)
    monkeypatch.setenv("RESOLVE_SCRIPT_API", str(tmp_path / "api"))
    with pytest.raises(InputError) as err:
        connect_module.load_script_module()
    assert "\n" not in str(err.value)
    assert str(modules / f"{connect_module.MODULE}.py") in str(err.value) and "does not load" in str(err.value)


def test_interrupted_demo_leaves_nothing(tmp_path):
    import signal
    import subprocess
    import sys
    import time
    out = tmp_path / "demo"
    proc = subprocess.Popen([sys.executable, "-m", "montage_ai.cli", "demo", "--out", str(out), "--no-preview"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (out / "media").exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, err
    one_line(err, "interrupted (SIGTERM)", "nothing written")
    assert not out.exists()


def test_wav_claiming_56_hours_is_refused_in_one_line(tmp_path):
    import os
    import struct
    from hostile_helpers import run_proc
    rate, size = 8000, 3 << 30  # 3 GiB of 16-bit mono at 8 kHz: 56 hours
    header = (b"RIFF" + struct.pack("<I", size - 8) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2,
              2, 16) + b"data" + struct.pack("<I", size - 44))
    wav = tmp_path / "long.wav"
    wav.write_bytes(header + b"\0\1" * rate)
    os.truncate(wav, size)  # sparse: no disk used
    proc = run_proc("analyze-music", wav, timeout=60)  # it used to read the 3 GiB at ~23 MB/s
    assert proc.returncode == 2, proc.stderr
    one_line(proc.stderr, "long.wav", "hours of audio")
