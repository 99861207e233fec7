"""Hardware decoding for footage analysis: a ``-hwaccel`` method proven by a real test decode before
use, software decoding otherwise.

``ffmpeg -hwaccels`` lists methods the build knows, not ones this machine can run, and ffmpeg quietly
decodes in software when a method cannot handle a stream (Debian's Vulkan on a machine without a GPU
exits 0). So the test decode keeps the frames in the device's memory and downloads them
(``hwdownload``): a decode that fell back to software has nothing to download and fails. Verdicts are
cached per machine and ffmpeg build, beside the encoders'. The method chosen is then used leniently
(frames downloaded by ffmpeg, software decoding for a stream the device cannot take).
"""
from __future__ import annotations

import functools
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .encoders import cached_selection, test_again, vaapi_device
from .ffmpeg_cmd import last_line

#: Size and frames of the test clip (small, but above every decoder's minimum size).
TEST_SIZE, TEST_FRAMES = (320, 240), 12


@dataclass(frozen=True)
class Decoder:
    """One ``-hwaccel`` method: its device arguments and the pixel format its frames have on the device."""

    method: str
    device_format: str
    device_args: tuple[str, ...] = ()

    def input_args(self) -> list[str]:
        """Arguments before ``-i`` for hardware decoding (frames handed to filters in system memory)."""
        return ["-hwaccel", self.method, *self.device_args] if self.method else []

    def trial_args(self) -> list[str]:
        """Arguments before ``-i`` that keep the decoded frames on the device (no software fallback)."""
        return [*self.input_args(), "-hwaccel_output_format", self.device_format]


SOFTWARE = Decoder("", "")


def hardware_decoders() -> dict[str, Decoder]:
    """Decoders by ``-hwaccel`` method (VAAPI bound to this machine's first render node)."""
    return {
        "cuda": Decoder("cuda", "cuda"),
        "vaapi": Decoder("vaapi", "vaapi", ("-hwaccel_device", vaapi_device())),
        "qsv": Decoder("qsv", "qsv"),
        "videotoolbox": Decoder("videotoolbox", "videotoolbox_vld"),
        "d3d11va": Decoder("d3d11va", "d3d11"),
    }


#: The decode method that goes with each ``--hwaccel`` encoder backend.
FOR_BACKEND = {"nvenc": "cuda", "vaapi": "vaapi", "qsv": "qsv", "videotoolbox": "videotoolbox", "amf": "d3d11va"}
#: Order in which ``auto`` tries the methods on each platform (``sys.platform`` prefix).
PREFERENCE = {
    "darwin": ("videotoolbox",),
    "win32": ("cuda", "d3d11va", "qsv"),
    "linux": ("cuda", "vaapi", "qsv"),
}


def listed_methods(hwaccels_text: str) -> set[str]:
    """Methods named by ``ffmpeg -hwaccels`` (one per line after its heading)."""
    lines = hwaccels_text.splitlines()
    start = next((i + 1 for i, line in enumerate(lines) if line.strip().endswith("methods:")), len(lines))
    return {m.group(0) for line in lines[start:] if (m := re.fullmatch(r"\w+", line.strip()))}


@dataclass
class DecodeSelection:
    """The decoder chosen, why, and every test-decode verdict behind the choice (``None`` = passed)."""

    decoder: Decoder
    note: str
    verdicts: dict[str, str | None] = field(default_factory=dict)


def choose_decoder(choice: str, listed: set[str], system: str, verdicts: dict[str, str | None],
                   tester: Callable[[Decoder], str | None]) -> DecodeSelection:
    """Pure selection logic: the decoder for ``choice`` (a ``--hwaccel`` value) among the ``listed``
    methods on ``system``. ``verdicts`` (method -> None or failure reason) is consulted first and filled
    in by ``tester``. Software decoding always remains: a failed or missing method is a note, not an
    error (analysis is correct either way)."""
    if choice == "none":
        return DecodeSelection(SOFTWARE, "software decoding (--hwaccel none)", verdicts)
    order = next((names for prefix, names in PREFERENCE.items() if system.startswith(prefix)), ())
    wanted = order if choice == "auto" else (FOR_BACKEND[choice],)
    decoders = hardware_decoders()
    for method in (m for m in wanted if m in listed and m in decoders):
        if method not in verdicts:
            verdicts[method] = tester(decoders[method])
        if verdicts[method] is None:
            return DecodeSelection(decoders[method], f"hardware decoding {method} (passed a test decode)", verdicts)
    failed = [m for m, why in verdicts.items() if why and m in wanted]
    if failed:
        return DecodeSelection(SOFTWARE, f"software decoding ({', '.join(failed)} listed by ffmpeg but failed a "
                                         f"test decode)", verdicts)
    return DecodeSelection(SOFTWARE, f"software decoding (this ffmpeg has no {' or '.join(wanted) or 'hardware'} "
                                     f"decoding for this platform)", verdicts)


def trial_decode(decoder: Decoder) -> str | None:
    """Decode a ``TEST_FRAMES``-frame H.264 clip with ``decoder``, frames kept on the device and
    downloaded: None when every frame arrives, else the reason (ffmpeg's last error line)."""
    w, h = TEST_SIZE
    with tempfile.TemporaryDirectory(prefix="montage-ai-hwdecode-") as tmp:
        clip = Path(tmp) / "test.mp4"
        try:
            made = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
                                   f"testsrc2=size={w}x{h}:rate=25", "-frames:v", str(TEST_FRAMES), "-c:v", "libx264",
                                   "-pix_fmt", "yuv420p", str(clip)], capture_output=True, timeout=60, check=False)
            if made.returncode != 0:
                return f"test clip not written: {last_line(made.stderr)}"
            done = subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", *decoder.trial_args(),
                                   "-i", str(clip), "-vf", "hwdownload,format=nv12", "-f", "rawvideo", "pipe:1"],
                                  capture_output=True, timeout=60, check=False)
        except subprocess.TimeoutExpired:
            return "test decode timed out"
    if done.returncode != 0:
        return last_line(done.stderr)
    frames = len(done.stdout) / (w * h * 3 // 2)
    return None if frames == TEST_FRAMES else f"test clip decodes to {frames:g} frames of {TEST_FRAMES}"


def select_decoder(choice: str | None = None) -> DecodeSelection:
    """The decoder for ``--hwaccel choice`` (or ``$FFMPEG_HWACCEL``) on this machine, with test-decode
    verdicts cached per machine and ffmpeg build."""
    return cached_selection(choice, "-hwaccels", listed_methods, choose_decoder, trial_decode)


@functools.cache
def decode_args(choice: str | None = None) -> tuple[str, ...]:
    """The input arguments (before ``-i``) with which footage decoders decode on this machine: the
    hardware method of :func:`select_decoder` (once per process), else none (software)."""
    return tuple(select_decoder(choice).decoder.input_args())


def retest() -> str | None:
    """The hardware decoding in use (its cached verdict said it passed) failed in a run: it is tested
    again and the verdict stored; with a failure (returned), this process decodes in software from now
    on, and so do new pool workers. None when there was no hardware decoding or it passed again."""
    decoder = select_decoder().decoder
    if not decoder.method:
        return None
    verdict = test_again("-hwaccels", decoder.method, trial_decode, decoder)
    decode_args.cache_clear()
    return verdict
