"""Voice isolation engines behind one interface: ``isolate(source, out)`` writes the voice of
``source``'s first audio stream to the WAV ``out``, or raises :class:`IsolationFailed`.

- :class:`Demucs`: Meta's Hybrid Transformer Demucs (``htdemucs``), its "vocals" source. Weights are
  never downloaded: they come from ``--separator-model`` (a serialized model ``.th``, or a folder
  holding ``htdemucs.yaml``/``.th`` files as Demucs's ``--repo``) or from the user's torch hub cache,
  where ``demucs`` itself keeps them. Needs the ``separation`` extra (``demucs``, ``torch``).
- :class:`RNNoise`: Xiph's RNNoise (a small recurrent network trained on speech against noise and
  music, its weights inside the library) through ``pyrnnoise`` (the ``rnnoise`` extra): -27 dB of a
  music bed and -36 dB of noise with the speech within 2 dB (``benchmarks/dialogue.py``).
- :class:`FfmpegDenoise`: always available (ffmpeg's own filters, no model file): speech band-pass
  and FFT denoising that follows the background's noise floor. It lowers steady noise and hum well
  and a music bed only a little; the verification decides whether the result is used.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Protocol

import numpy as np

from .. import ffmpeg_cmd
from ..audio.wav import write_wav
from ..errors import InputError

#: Demucs's published htdemucs weights: the file ``demucs`` caches under ``<torch hub>/checkpoints``.
HTDEMUCS_FILE = "955717e8-8726e21a.th"


class IsolationFailed(Exception):
    """The engine could not isolate the voice (message: why, in words)."""


class Engine(Protocol):
    name: str

    def isolate(self, source: Path, out: Path) -> None: ...


class FfmpegDenoise:
    """Speech band (90 Hz-7.5 kHz) and ``afftdn`` with noise-floor tracking, 48 kHz mono WAV."""

    name = "ffmpeg-denoise"
    FILTER = "highpass=f=90,lowpass=f=7500,afftdn=nr=40:nf=-30:tn=1:gs=10"

    def isolate(self, source: Path, out: Path) -> None:
        try:
            ffmpeg_cmd.run(["-y", "-i", str(source), "-vn", "-map", "0:a:0", "-ac", "1", "-ar", "48000",
                            "-af", self.FILTER, "-c:a", "pcm_s16le", str(out)], source)
        except InputError as err:
            raise IsolationFailed(f"ffmpeg failed ({err.problem})") from None


class RNNoise:
    """RNNoise on 10 ms frames of 48 kHz mono, one state for the whole clip."""

    name = "rnnoise"

    def isolate(self, source: Path, out: Path) -> None:
        try:
            from pyrnnoise.rnnoise import FRAME_SIZE, SAMPLE_RATE, create, destroy, process_mono_frame
        except ImportError:
            raise IsolationFailed("pyrnnoise is not installed (pip install 'montage-ai[rnnoise]')") from None
        try:
            raw = ffmpeg_cmd.run(["-i", str(source), "-vn", "-map", "0:a:0", "-ac", "1", "-ar", str(SAMPLE_RATE),
                                  "-f", "s16le", "-"], source)
        except InputError as err:
            raise IsolationFailed(f"cannot read the clip's audio ({err.problem})") from None
        x = np.frombuffer(raw, "<i2")
        frames = np.pad(x, (0, -len(x) % FRAME_SIZE)).reshape(-1, FRAME_SIZE)
        state = create()
        try:
            voice = np.concatenate([process_mono_frame(state, f.copy())[0] for f in frames])[:len(x)]
        finally:
            destroy(state)
        write_wav(out, voice / 32768.0, SAMPLE_RATE)


def torch_hub_dir() -> Path:
    """Where torch keeps downloaded weights (``$TORCH_HOME/hub``, default ``~/.cache/torch/hub``), read
    without importing torch."""
    home = os.environ.get("TORCH_HOME") or os.path.join(os.environ.get("XDG_CACHE_HOME") or "~/.cache", "torch")
    return Path(home).expanduser() / "hub"


def demucs_weights(model: Path | None = None) -> Path | None:
    """The htdemucs weights to load: ``model`` when given, else the cached file, else None."""
    if model is not None:
        return model
    cached = torch_hub_dir() / "checkpoints" / HTDEMUCS_FILE
    return cached if cached.is_file() else None


class Demucs:
    """htdemucs from ``weights`` (a ``.th`` model file or a Demucs model folder), run on the CPU."""

    name = "demucs"

    def __init__(self, weights: Path) -> None:
        self.weights = weights

    def load(self):
        """The separation model; :class:`IsolationFailed` when the extra or the weights are missing or bad."""
        try:
            from demucs.pretrained import get_model
            from demucs.states import load_model
        except ImportError:
            raise IsolationFailed("demucs is not installed (pip install 'montage-ai[separation]')") from None
        if not self.weights.exists():
            raise IsolationFailed(f"{self.weights}: model not found")
        try:
            model = get_model("htdemucs", repo=self.weights) if self.weights.is_dir() else load_model(self.weights)
        except BaseException as err:  # Demucs reports a bad repo with SystemExit
            raise IsolationFailed(f"{self.weights}: not a Demucs model ({type(err).__name__}: {err})") from None
        if "vocals" not in model.sources:
            raise IsolationFailed(f"{self.weights}: the model has no vocals source ({', '.join(model.sources)})")
        return model.eval()

    def isolate(self, source: Path, out: Path) -> None:
        model = self.load()  # first: IsolationFailed when Demucs (and with it torch) is not installed
        import torch
        from demucs.apply import apply_model

        rate, channels = int(model.samplerate), int(model.audio_channels)
        try:
            raw = ffmpeg_cmd.run(["-i", str(source), "-vn", "-map", "0:a:0", "-ac", str(channels), "-ar", str(rate),
                                  "-f", "f32le", "-"], source)
        except InputError as err:
            raise IsolationFailed(f"cannot read the clip's audio ({err.problem})") from None
        wav = torch.from_numpy(np.frombuffer(raw, "<f4").reshape(-1, channels).T.copy())
        ref = wav.mean(0)
        mean, std = ref.mean(), ref.std() + 1e-8
        with torch.no_grad():
            sources = apply_model(model, ((wav - mean) / std)[None], device="cpu", progress=False)[0]
        voice = sources[model.sources.index("vocals")] * std + mean
        write_wav(out, voice.numpy().T, rate)


def choose_engine(model: Path | None = None) -> Engine:
    """Demucs when weights are given or cached, else RNNoise when installed, else the ffmpeg engine."""
    weights = demucs_weights(model)
    if weights is not None:
        return Demucs(weights)
    return RNNoise() if importlib.util.find_spec("pyrnnoise") else FfmpegDenoise()
