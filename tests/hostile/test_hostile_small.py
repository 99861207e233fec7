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
