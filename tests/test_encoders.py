"""Encoder selection: the logic on recorded ``ffmpeg -encoders`` listings and test-encode outcomes of
each platform, and the real test encode on this machine (no GPU here: listed hardware encoders fail)."""
from __future__ import annotations

from pathlib import Path

import pytest

from montage_ai import encoders
from montage_ai.encoders import SOFTWARE, choose, listed_encoders, requested, select_encoder, trial_encode
from montage_ai.errors import InputError

LISTINGS = Path(__file__).parent / "data" / "ffmpeg_encoders"


def listing(name: str) -> set[str]:
    return listed_encoders((LISTINGS / name).read_text(encoding="utf-8"))


def outcomes(**results: str | None):
    """A tester answering with a recorded outcome per codec; records which codecs were tried."""
    tried: list[str] = []

    def tester(encoder):
        tried.append(encoder.codec)
        return results[encoder.codec]
    tester.tried = tried
    return tester


NO_DEVICE = "Error while opening encoder for output stream #0:0"


def test_listing_parse_reads_video_encoders_only():
    names = listing("debian12_ffmpeg5.1_nogpu.txt")
    assert {"libx264", "h264_nvenc", "h264_vaapi", "h264_qsv", "prores_ks", "dnxhd"} <= names
    assert "aac" not in names and "=" not in names


@pytest.mark.parametrize("name, system, results, chosen, tried", [
    # Debian's ffmpeg lists NVENC, VAAPI and QSV on a machine with no GPU: all fail, libx264 remains.
    ("debian12_ffmpeg5.1_nogpu.txt", "linux",
     {"h264_nvenc": NO_DEVICE, "h264_vaapi": "Error parsing global options", "h264_qsv": NO_DEVICE},
     "libx264", ["h264_nvenc", "h264_vaapi", "h264_qsv"]),
    # NVIDIA box: NVENC first and it works; nothing else is tried.
    ("debian12_ffmpeg5.1_nogpu.txt", "linux", {"h264_nvenc": None}, "h264_nvenc", ["h264_nvenc"]),
    # AMD box with the same build: NVENC listed but fails, VAAPI works.
    ("debian12_ffmpeg5.1_nogpu.txt", "linux", {"h264_nvenc": NO_DEVICE, "h264_vaapi": None},
     "h264_vaapi", ["h264_nvenc", "h264_vaapi"]),
    # A build without NVENC goes straight to VAAPI.
    ("linux_static_nonvenc_excerpt.txt", "linux", {"h264_vaapi": None}, "h264_vaapi", ["h264_vaapi"]),
    ("macos_ffmpeg7_excerpt.txt", "darwin", {"h264_videotoolbox": None}, "h264_videotoolbox", ["h264_videotoolbox"]),
    # Windows with an AMD card: NVENC and QSV are listed by the full build and fail; AMF works.
    ("windows_ffmpeg7_excerpt.txt", "win32", {"h264_nvenc": NO_DEVICE, "h264_qsv": NO_DEVICE, "h264_amf": None},
     "h264_amf", ["h264_nvenc", "h264_qsv", "h264_amf"]),
])
def test_auto_takes_the_first_encoder_that_passes(name, system, results, chosen, tried):
    tester = outcomes(**results)
    selection = choose("auto", listing(name), system, {}, tester)
    assert selection.encoder.codec == chosen
    assert tester.tried == tried
    if chosen == "libx264":
        assert not selection.hardware and "failed a test encode" in selection.note
        assert all(selection.verdicts[c] for c in tried)


def test_cached_verdicts_are_not_tested_again():
    verdicts = {"h264_nvenc": NO_DEVICE, "h264_vaapi": None}
    tester = outcomes()
    selection = choose("auto", listing("debian12_ffmpeg5.1_nogpu.txt"), "linux", verdicts, tester)
    assert selection.encoder.codec == "h264_vaapi" and tester.tried == []


def test_a_named_backend_must_pass_or_the_run_stops():
    with pytest.raises(InputError, match="--hwaccel nvenc: h264_nvenc failed a test encode"):
        choose("nvenc", listing("debian12_ffmpeg5.1_nogpu.txt"), "linux", {}, outcomes(h264_nvenc=NO_DEVICE))
    with pytest.raises(InputError, match="no h264_videotoolbox encoder"):
        choose("videotoolbox", listing("debian12_ffmpeg5.1_nogpu.txt"), "linux", {}, outcomes())
    assert choose("none", set(), "linux", {}, outcomes()).encoder == SOFTWARE


def test_choice_from_option_or_environment(monkeypatch):
    monkeypatch.setenv("FFMPEG_HWACCEL", "VAAPI")
    assert requested(None) == "vaapi"
    assert requested("none") == "none"
    monkeypatch.setenv("FFMPEG_HWACCEL", "cuda")
    with pytest.raises(InputError, match="FFMPEG_HWACCEL 'cuda'"):
        requested(None)


def test_real_selection_on_this_machine(monkeypatch, tmp_path):
    """The real test encodes: whatever ffmpeg lists, the chosen encoder really encodes, every listed
    hardware encoder has a verdict, and the verdicts are reused from the cache."""
    monkeypatch.setenv("MONTAGE_AI_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("FFMPEG_HWACCEL", raising=False)
    selection = select_encoder("auto")
    assert trial_encode(selection.encoder) is None
    listed = listed_encoders((LISTINGS / "debian12_ffmpeg5.1_nogpu.txt").read_text())
    assert set(selection.verdicts) <= listed
    calls = []
    monkeypatch.setattr(encoders, "trial_encode", lambda enc: calls.append(enc) or "should not run")
    again = select_encoder("auto")
    assert again.encoder == selection.encoder and calls == []


def test_a_broken_encoder_fails_its_test_encode():
    broken = encoders.Encoder("bogus", "libx264", upload_filter="hwupload")  # no device to upload to
    assert trial_encode(broken)


def test_hevc_masters_choose_among_the_hevc_encoders():
    """The same choice for HEVC: hevc_* backends in the same order, libx265 as the fallback, and the
    H.264 verdicts of the same build do not count as HEVC failures."""
    names = listing("debian12_ffmpeg5.1_nogpu.txt")
    tester = outcomes(hevc_nvenc=NO_DEVICE, hevc_vaapi=None)
    chosen = choose("auto", names, "linux", {"h264_nvenc": NO_DEVICE}, tester, family="hevc")
    assert chosen.encoder.codec == "hevc_vaapi" and tester.tried == ["hevc_nvenc", "hevc_vaapi"]
    assert "-tag:v" in chosen.encoder.output_args(20, 50)
    fallback = choose("auto", names, "linux", {"h264_nvenc": NO_DEVICE}, outcomes(hevc_nvenc=NO_DEVICE,
                      hevc_vaapi=NO_DEVICE, hevc_qsv=NO_DEVICE), family="hevc")
    assert fallback.encoder.codec == "libx265" and "h264_nvenc" not in fallback.note and "hevc_qsv" in fallback.note
