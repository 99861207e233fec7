"""Decoder selection for analysis: the logic on recorded ``ffmpeg -hwaccels`` listings and test-decode
outcomes, and the real test decode on this machine (no GPU here: every listed method fails)."""
from __future__ import annotations

from pathlib import Path

import pytest

from montage_ai import decoders
from montage_ai.decoders import SOFTWARE, Decoder, choose_decoder, listed_methods, select_decoder, trial_decode

LISTINGS = Path(__file__).parent / "data" / "ffmpeg_hwaccels"
#: Failures recorded on this machine (Debian 12, ffmpeg 5.1, no GPU) by ``trial_decode``.
NO_CUDA = "Device setup failed for decoder on input stream #0:0 : Operation not permitted"
NO_VAAPI = "Device setup failed for decoder on input stream #0:0 : Invalid argument"
NO_QSV = "Device setup failed for decoder on input stream #0:0 : Generic error in an external library"


def listing(name: str) -> set[str]:
    return listed_methods((LISTINGS / name).read_text(encoding="utf-8"))


def outcomes(**results: str | None):
    """A tester answering with a recorded outcome per method; records which methods were tried."""
    tried: list[str] = []

    def tester(decoder: Decoder):
        tried.append(decoder.method)
        return results[decoder.method]
    tester.tried = tried
    return tester


def test_listing_parse():
    assert listing("debian12_ffmpeg5.1_nogpu.txt") == {"vdpau", "cuda", "vaapi", "qsv", "drm", "opencl", "vulkan"}
    assert listing("macos_ffmpeg7_shape.txt") == {"videotoolbox"}


@pytest.mark.parametrize("name, system, results, chosen, tried", [
    # This machine: Debian lists CUDA, VAAPI and QSV without a GPU; all fail, software remains.
    ("debian12_ffmpeg5.1_nogpu.txt", "linux", {"cuda": NO_CUDA, "vaapi": NO_VAAPI, "qsv": NO_QSV}, "",
     ["cuda", "vaapi", "qsv"]),
    # NVIDIA box: CUDA first and it works.
    ("debian12_ffmpeg5.1_nogpu.txt", "linux", {"cuda": None}, "cuda", ["cuda"]),
    # AMD/Intel box with the same build: CUDA fails, VAAPI works.
    ("debian12_ffmpeg5.1_nogpu.txt", "linux", {"cuda": NO_CUDA, "vaapi": None}, "vaapi", ["cuda", "vaapi"]),
    ("macos_ffmpeg7_shape.txt", "darwin", {"videotoolbox": None}, "videotoolbox", ["videotoolbox"]),
    ("windows_ffmpeg7_shape.txt", "win32", {"cuda": NO_CUDA, "d3d11va": None}, "d3d11va", ["cuda", "d3d11va"]),
])
def test_auto_takes_the_first_method_that_passes(name, system, results, chosen, tried):
    tester = outcomes(**results)
    selection = choose_decoder("auto", listing(name), system, {}, tester)
    assert selection.decoder.method == chosen and tester.tried == tried
    if not chosen:
        assert selection.decoder == SOFTWARE and "failed a test decode" in selection.note
        assert selection.decoder.input_args() == []
    else:
        assert selection.decoder.input_args()[:2] == ["-hwaccel", chosen]


def test_a_named_backend_decodes_with_its_method_or_falls_back():
    debian = listing("debian12_ffmpeg5.1_nogpu.txt")
    assert choose_decoder("vaapi", debian, "linux", {}, outcomes(vaapi=None)).decoder.method == "vaapi"
    failed = choose_decoder("nvenc", debian, "linux", {}, outcomes(cuda=NO_CUDA))
    assert failed.decoder == SOFTWARE and "cuda" in failed.note
    missing = choose_decoder("videotoolbox", debian, "linux", {}, outcomes())
    assert missing.decoder == SOFTWARE and "no videotoolbox" in missing.note
    assert choose_decoder("none", debian, "linux", {}, outcomes()).decoder == SOFTWARE


def test_cached_verdicts_are_not_tested_again():
    tester = outcomes()
    selection = choose_decoder("auto", listing("debian12_ffmpeg5.1_nogpu.txt"), "linux",
                               {"cuda": NO_CUDA, "vaapi": None}, tester)
    assert selection.decoder.method == "vaapi" and tester.tried == []


def test_a_silent_software_fallback_fails_the_test_decode():
    """Debian's Vulkan decodes H.264 in software without a word (exit 0) on a machine with no GPU;
    keeping the frames on the device exposes it."""
    assert trial_decode(Decoder("vulkan", "vulkan"))
    assert trial_decode(decoders.hardware_decoders()["cuda"])


def test_real_selection_on_this_machine(monkeypatch, tmp_path):
    """Whatever ffmpeg lists, the chosen method really decodes; the verdicts are reused from the cache."""
    monkeypatch.setenv("MONTAGE_AI_CACHE_DIR", str(tmp_path))
    selection = select_decoder("auto")
    assert selection.decoder == SOFTWARE or trial_decode(selection.decoder) is None
    calls = []
    monkeypatch.setattr(decoders, "trial_decode", lambda d: calls.append(d) or "should not run")
    assert select_decoder("auto").decoder == selection.decoder and calls == []


def test_footage_decoders_take_the_cached_choice(monkeypatch, tmp_path):
    """The analysis decoder's arguments follow the selection: the tested one (software here); a method
    whose cached verdict says it passed (as on a machine where it did) goes before ``-i``."""
    from montage_ai.encoders import ffmpeg_build, store_verdicts
    from montage_ai.model import Clip, Shot
    from montage_ai.timebase import Rate
    from montage_ai.video.frames import decode_args as frame_args
    monkeypatch.setenv("MONTAGE_AI_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("FFMPEG_HWACCEL", "nvenc")
    clip = Clip(path=tmp_path / "a.mov", rate=Rate.parse("25"), frames=50, width=320, height=240, shots=[Shot(0, 50)])
    decoders.decode_args.cache_clear()
    try:
        tested = select_decoder("nvenc").decoder.input_args()  # CUDA fails its test decode here: []
        assert frame_args(clip, (160, 120))[:len(tested) + 1] == [*tested, "-noautorotate"]
        store_verdicts(ffmpeg_build("-hwaccels")[0] + "-hwaccels", {"cuda": None})
        decoders.decode_args.cache_clear()
        args = frame_args(clip, (160, 120))
        assert args[:2] == ["-hwaccel", "cuda"] and args.index("-hwaccel") < args.index("-i")
    finally:
        decoders.decode_args.cache_clear()
