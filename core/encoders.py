"""H.264 (and, for masters, HEVC) encoder selection: hardware encoders (NVENC, VAAPI, QSV, VideoToolbox,
AMF) proven by a real test encode before use, with libx264 (libx265) as the always-working fallback.

A listed encoder is never trusted: ffmpeg builds list NVENC, VAAPI and QSV on machines without the
hardware. Each candidate encodes a tiny clip and the result is decoded back; only a clip that
decodes to every frame makes the encoder usable. Verdicts are cached per machine and ffmpeg build.
"""
from __future__ import annotations

import functools
import glob
import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .cache import cache_root, read_json, write_json
from .errors import InputError
from .ffmpeg_cmd import last_line

#: Values of ``--hwaccel`` / ``FFMPEG_HWACCEL``.
HWACCEL_CHOICES = ("auto", "nvenc", "vaapi", "qsv", "videotoolbox", "amf", "none")
#: Frames of the test encode (and of its decode check).
TEST_FRAMES = 12


@dataclass(frozen=True)
class Encoder:
    """One way to encode H.264 or HEVC: the ffmpeg encoder plus the arguments it needs around it.

    ``quality`` is a constant-quality value on libx264's CRF scale (lower is better); each backend
    maps it to its own rate control.
    """

    name: str
    codec: str
    device_args: tuple[str, ...] = ()
    upload_filter: str = ""

    def input_args(self) -> list[str]:
        """Arguments that go before ``-i`` (hardware device set-up)."""
        return list(self.device_args)

    def video_filter(self, filters: str) -> str:
        """``filters`` (software, may be empty) followed by the upload to the encoder's memory."""
        return ",".join(f for f in (filters, self.upload_filter) if f)

    def output_args(self, quality: int, gop: int, preset: str = "veryfast") -> list[str]:
        """Codec, rate control and GOP arguments for the output (``preset``: libx264's speed preset)."""
        rc = {
            "software": ["-preset", preset, "-crf", str(quality), "-pix_fmt", "yuv420p"],
            "nvenc": ["-preset", "p4", "-rc", "vbr", "-cq", str(quality), "-b:v", "0", "-pix_fmt", "yuv420p"],
            "vaapi": ["-rc_mode", "CQP", "-qp", str(quality)],
            "qsv": ["-global_quality", str(quality)],
            "videotoolbox": ["-q:v", str(max(1, min(100, 100 - 2 * quality)))],
            "amf": ["-rc", "cqp", "-qp_i", str(quality), "-qp_p", str(quality)],
        }["software" if self.codec.startswith("lib") else self.codec.split("_", 1)[1]]
        tag = ["-tag:v", "hvc1"] if self.family == "hevc" else []  # plays in QuickTime and Apple's players
        return ["-c:v", self.codec, *rc, "-g", str(gop), *tag]

    @property
    def family(self) -> str:
        """``h264`` or ``hevc``."""
        return "hevc" if self.codec in ("libx265",) or self.codec.startswith("hevc_") else "h264"


SOFTWARE = Encoder("none", "libx264")
#: The software encoder of each codec family (``SOFTWARE`` is H.264's).
SOFTWARE_BY_FAMILY = {"h264": SOFTWARE, "hevc": Encoder("none", "libx265")}


def vaapi_device() -> str:
    """The first DRM render node (where VAAPI runs)."""
    nodes = sorted(glob.glob("/dev/dri/renderD*"))
    return nodes[0] if nodes else "/dev/dri/renderD128"


def hardware_encoders(family: str = "h264") -> dict[str, Encoder]:
    """The hardware backends of ``family`` (``h264``, ``hevc``) by ``--hwaccel`` name (VAAPI bound to this
    machine's first render node)."""
    return {
        "nvenc": Encoder("nvenc", f"{family}_nvenc"),
        "vaapi": Encoder("vaapi", f"{family}_vaapi", ("-vaapi_device", vaapi_device()), "format=nv12,hwupload"),
        "qsv": Encoder("qsv", f"{family}_qsv", (), "format=nv12"),
        "videotoolbox": Encoder("videotoolbox", f"{family}_videotoolbox"),
        "amf": Encoder("amf", f"{family}_amf"),
    }


#: Order in which ``auto`` tries the backends on each platform (``sys.platform`` prefix).
PREFERENCE = {
    "darwin": ("videotoolbox",),
    "win32": ("nvenc", "qsv", "amf"),
    "linux": ("nvenc", "vaapi", "qsv"),
}


def listed_encoders(encoders_text: str) -> set[str]:
    """Names of the video encoders in the output of ``ffmpeg -encoders``."""
    return {m.group(1) for m in re.finditer(r"^ ?V[A-Z.]{5} +(\w+) ", encoders_text, re.MULTILINE)}


def candidates(listed: set[str], system: str, family: str = "h264") -> list[Encoder]:
    """Hardware encoders of ``family`` worth a test encode on ``system``: listed by this ffmpeg, in preference order."""
    order = next((names for prefix, names in PREFERENCE.items() if system.startswith(prefix)), ())
    backends = hardware_encoders(family)
    return [backends[n] for n in order if backends[n].codec in listed]


def trial_encode(encoder: Encoder) -> str | None:
    """Encode ``TEST_FRAMES`` frames with ``encoder`` and decode them back: None when every frame
    decodes, else the reason (ffmpeg's last error line)."""
    with tempfile.TemporaryDirectory(prefix="montage-ai-hwtest-") as tmp:
        out = Path(tmp) / "test.mp4"
        encode = ["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", *encoder.input_args(),
                  "-f", "lavfi", "-i", f"testsrc2=size=320x240:rate=25:duration={TEST_FRAMES / 25}",
                  "-frames:v", str(TEST_FRAMES)]
        vf = encoder.video_filter("")
        encode += (["-vf", vf] if vf else []) + encoder.output_args(23, 25) + ["-y", str(out)]
        try:
            done = subprocess.run(encode, capture_output=True, timeout=60, check=False)
            if done.returncode != 0 or not out.exists():
                return last_line(done.stderr)
            count = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                                    "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", str(out)],
                                   capture_output=True, timeout=60, check=False)
        except subprocess.TimeoutExpired:
            return "test encode timed out"
        frames = count.stdout.decode(errors="replace").strip()
        if count.returncode != 0 or frames != str(TEST_FRAMES):
            return f"test clip decodes to {frames or 'no'} frames of {TEST_FRAMES}"
    return None


@dataclass
class Selection:
    """The encoder chosen, why, and every test-encode verdict behind the choice (``None`` = passed)."""

    encoder: Encoder
    note: str
    verdicts: dict[str, str | None] = field(default_factory=dict)

    @property
    def hardware(self) -> bool:
        return self.encoder.name != SOFTWARE.name

    def summary(self) -> dict:
        """The choice as report.json records it: codec, note, and each failed test encode's reason."""
        return {"codec": self.encoder.codec, "note": self.note,
                "failed": {codec: why for codec, why in self.verdicts.items() if why}}


def requested(choice: str | None) -> str:
    """``choice`` or ``$FFMPEG_HWACCEL`` or ``auto``, checked against :data:`HWACCEL_CHOICES`."""
    value = (choice or os.environ.get("FFMPEG_HWACCEL") or "auto").strip().lower()
    if value not in HWACCEL_CHOICES:
        source = "--hwaccel" if choice else "FFMPEG_HWACCEL"
        raise InputError(None, f"{source} {value!r}: choose one of {', '.join(HWACCEL_CHOICES)}")
    return value


def ffmpeg_build(listing: str = "-encoders") -> tuple[str, str]:
    """``(fingerprint, output of ffmpeg listing)`` of the ffmpeg on PATH (``-encoders``, ``-hwaccels``)."""
    exe = shutil.which("ffmpeg")
    if exe is None:
        raise InputError(None, "ffmpeg not found on PATH: install ffmpeg (e.g. apt-get install ffmpeg)")
    real = os.path.realpath(exe)
    stat = os.stat(real)
    listed = subprocess.run([exe, "-hide_banner", listing], capture_output=True, check=False)
    text = listed.stdout.decode("utf-8", "replace")
    key = f"{platform.node()}|{real}|{stat.st_size}|{stat.st_mtime_ns}|{sorted(glob.glob('/dev/dri/renderD*'))}"
    return hashlib.blake2b(key.encode(), digest_size=12).hexdigest(), text


#: The verdicts' file, ``encoders.json`` at the top of the user cache (beside ``music/``).
_VERDICTS = "encoders"


def load_verdicts(build: str) -> dict[str, str | None]:
    data = read_json(cache_root(), _VERDICTS)
    verdicts = data.get(build) if isinstance(data, dict) else None
    if not isinstance(verdicts, dict):
        return {}
    return {k: v for k, v in verdicts.items() if isinstance(k, str) and (v is None or isinstance(v, str))}


def store_verdicts(build: str, verdicts: dict[str, str | None]) -> None:
    """Add ``build``'s verdicts to the file; an unwritable cache only costs a test encode next time."""
    data = read_json(cache_root(), _VERDICTS)
    data = data if isinstance(data, dict) else {}
    data[build] = verdicts
    write_json(cache_root(), _VERDICTS, data)


def choose(choice: str, listed: set[str], system: str, verdicts: dict[str, str | None],
           tester: Callable[[Encoder], str | None], family: str = "h264") -> Selection:
    """Pure selection logic: ``choice`` among the ``listed`` encoders of ``family`` on ``system``.

    ``verdicts`` (codec -> None or failure reason) is consulted first and filled in with every
    ``tester`` call. ``auto`` takes the first candidate that passes, else libx264 (libx265) with a note; a
    named backend that fails or is not built in is an :class:`InputError` (the user asked for it).
    """
    software = SOFTWARE_BY_FAMILY[family]
    if choice == "none":
        return Selection(software, f"software encoder {software.codec} (--hwaccel none)", verdicts)
    if choice == "auto":
        pool = candidates(listed, system, family)
    else:
        encoder = hardware_encoders(family)[choice]
        if encoder.codec not in listed:
            raise InputError(None, f"--hwaccel {choice}: this ffmpeg has no {encoder.codec} encoder")
        pool = [encoder]
    for encoder in pool:
        if encoder.codec not in verdicts:
            verdicts[encoder.codec] = tester(encoder)
        if verdicts[encoder.codec] is None:
            return Selection(encoder, f"hardware encoder {encoder.codec} (passed a test encode)", verdicts)
    if choice != "auto":
        raise InputError(None, f"--hwaccel {choice}: {pool[0].codec} failed a test encode "
                               f"({verdicts[pool[0].codec]})")
    failed = [codec for codec, why in verdicts.items() if why and codec.startswith(family)]
    note = f"software encoder {software.codec}"
    if failed:
        note += f" ({', '.join(failed)} listed by ffmpeg but failed a test encode)"
    elif not pool:
        note += f" (no hardware {'H.264' if family == 'h264' else 'HEVC'} encoder in this ffmpeg build for this platform)"
    return Selection(software, note, verdicts)


def _verdicts_key(listing: str) -> tuple[str, str]:
    """The verdicts' key of this ffmpeg build for ``listing`` and the listing's text."""
    build, text = ffmpeg_build(listing)
    return build + ("" if listing == "-encoders" else listing), text  # the encoders' key as it always was


def test_again(listing: str, name: str, tester: Callable, subject: Any) -> str | None:
    """A hardware path whose cached verdict says it passed failed in a run: ``subject`` is tested again
    (``tester``), and the new verdict replaces ``name``'s in the cache and is returned (None = passed)."""
    build, _ = _verdicts_key(listing)
    verdicts = load_verdicts(build)
    verdicts[name] = tester(subject)
    store_verdicts(build, verdicts)
    return verdicts[name]


def cached_selection(choice: str | None, listing: str, parse: Callable[[str], set[str]], chooser: Callable,
                     tester: Callable) -> Any:
    """``chooser(value, parse(ffmpeg <listing>), platform, verdicts, tester)`` for the checked ``choice``,
    with the verdicts cached per machine, ffmpeg build and ``listing``."""
    value = requested(choice)
    if value == "none":
        return chooser(value, set(), sys.platform, {}, tester)
    build, text = _verdicts_key(listing)
    verdicts = load_verdicts(build)
    known = dict(verdicts)
    selection = chooser(value, parse(text), sys.platform, verdicts, tester)
    if selection.verdicts != known:
        store_verdicts(build, selection.verdicts)
    return selection


def retest(selection: Selection, why: str) -> Selection:
    """``selection``'s hardware encoder passed its test (maybe on another day: a cached verdict) but
    failed in a run (``why``): its verdict is dropped and it is tested again; the run goes on in
    software (of the encoder's family) either way, the note saying why."""
    codec, software = selection.encoder.codec, SOFTWARE_BY_FAMILY[selection.encoder.family]
    verdict = test_again("-encoders", codec, trial_encode, selection.encoder)
    again = "failed its test again" if verdict else "passed its test again"
    return Selection(software, f"software encoder {software.codec} ({codec} failed in this run: {why}; {again})",
                     {**selection.verdicts, codec: verdict or f"failed in this run: {why}"})


def select_encoder(choice: str | None = None, family: str = "h264") -> Selection:
    """The H.264 (``family="hevc"``: HEVC) encoder to use on this machine for ``--hwaccel choice`` (see
    :func:`choose`), with test-encode verdicts cached per machine and ffmpeg build."""
    return cached_selection(choice, "-encoders", listed_encoders, functools.partial(choose, family=family),
                            trial_encode)


def select_on_node(choice: str, family: str = "h264") -> Selection:
    """The encoder a cluster worker uses for the editor's checked ``choice``: a named backend as asked; for
    ``auto``, this node's own ``$FFMPEG_HWACCEL`` (its overlay's GPU) when set, else auto. A node backend that
    fails its test encode falls back to auto (the next that passes, else software), saying why in the note."""
    if choice != "auto":
        return select_encoder(choice, family)
    try:
        return select_encoder(None, family)
    except InputError as err:
        selection = select_encoder("auto", family)
        selection.note += f"; this node's FFMPEG_HWACCEL: {err.problem}"
        return selection
