"""Bad options and environment variables: exit 2 and one line naming the option, before any work."""
import pytest

from hostile_helpers import one_line, run_cli

BAD_OPTIONS = {
    "duration negative": (["--duration", "-5"], "--duration", "negative"),
    "duration nan": (["--duration", "nan"], "--duration", "finite"),
    "duration inf": (["--duration", "inf"], "--duration", "finite"),
    "duration text": (["--duration", "soon"], "--duration", "not a number"),
    "music-start nan": (["--music-start", "nan"], "--music-start", "finite"),
    "music-end nan": (["--music-end", "nan"], "--music-end", "finite"),
    "music-end before start": (["--music-start", "8", "--music-end", "3"], "--music-end", "not after"),
    "fps 0.4": (["--fps", "0.4"], "--fps", "not a timeline rate"),
    "fps 1000": (["--fps", "1000"], "--fps", "not a timeline rate"),
    "fps 12.5": (["--fps", "12.5"], "--fps", "not a timeline rate"),
    "fps 100 (EDL readers refuse it)": (["--fps", "100"], "--fps", "not a timeline rate"),
    "fps zero denominator": (["--fps", "30/0"], "--fps", "not a frame rate"),
    "seed 40 digits": (["--seed", "1" * 40], "--seed", "out of range"),
    "seed negative": (["--seed", "-1"], "--seed", "out of range"),
    "beat offset 1e9": (["--beat-offset-ms", "1e9"], "--beat-offset-ms", "too far"),
    "beat offset nan": (["--beat-offset-ms", "nan"], "--beat-offset-ms", "finite"),
    "empty out": (["--out="], "--out", "empty path"),
    "unknown style": (["--style", "loud"], "--style", "unknown style 'loud'"),
    "unknown format": (["--formats", "otio,avi"], "--formats", "unknown format"),
    "unknown option": (["--colour", "red"], "unrecognized arguments", "--colour"),
}


@pytest.mark.parametrize("case", sorted(BAD_OPTIONS))
def test_bad_option_is_one_line_exit_2(case, tiny_song, tiny_clips, tmp_path, capsys):
    extra, option, problem = BAD_OPTIONS[case]
    out = tmp_path / "out"
    code, _, err = run_cli("make", "--music", tiny_song, "--footage", tiny_clips[0], "--out", out, *extra,
                           capsys=capsys)
    assert code == 2
    line = one_line(err, option, problem)
    assert line.startswith("montage-ai: ")
    assert not out.exists()


def test_missing_required_option_is_one_line(capsys):
    code, _, err = run_cli("make", "--music", "x.wav", capsys=capsys)
    assert code == 2
    one_line(err, "required", "--footage")


@pytest.mark.parametrize("name,value,problem", [("TARGET_DURATION", "nan", "finite"), ("TARGET_DURATION", "-5", "negative"),
                                                 ("MUSIC_START", "inf", "finite"), ("MUSIC_END", "later", "not a number")])
def test_bad_environment_is_one_line_naming_the_variable(name, value, problem, tiny_song, tiny_clips, tmp_path,
                                                         capsys, monkeypatch):
    monkeypatch.setenv(name, value)
    code, _, err = run_cli("make", "--music", tiny_song, "--footage", tiny_clips[0], "--out", tmp_path / "o",
                           "--no-preview", capsys=capsys)
    assert code == 2
    one_line(err, f"${name}", problem)


def test_option_beats_environment_and_good_values_run(tiny_song, tiny_clips, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TARGET_DURATION", "nan")  # not read: the option is given
    code, out, err = run_cli("make", "--music", tiny_song, "--footage", *tiny_clips, "--out", tmp_path / "o",
                             "--no-preview", "--duration", "6", "--fps", "47.952", "--seed", str(2**32 - 1),
                             "--beat-offset-ms", "-40", capsys=capsys)
    assert code == 0, err
    assert "288 frames at 48000/1001 fps" in out
