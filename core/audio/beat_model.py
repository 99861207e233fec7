"""The learned beat model: beat and downbeat activations per onset frame, numpy only.

Input: the mel spectrum in dB that :class:`~.onsets.OnsetBuilder` already computes (96 Slaney mel
bands, ``HOP`` = 256 samples at 22.05 kHz, 86 frames/s), made into :func:`network_input` (levels
under the loudest and their rises). Network: two convolutions over time mixing the bands, then a
stack of residual dilated temporal convolutions (kernel 5, dilations doubling from 1: to 256 in the
shipped weights, about 12 s of context either side), then two sigmoid outputs: the probability that a
frame holds a beat and a bar start.
Trained on synthesized songs (training/, MODEL_CARD.md); the weights ship as ``beat_model.npz``.
The same :func:`network_input` is used for training, so features match to the bit.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from .onsets import TOP_DB

WEIGHTS = Path(__file__).with_name("beat_model.npz")
#: Frames run through the network at a time (5.8 min): with the context either side, memory stays that of a
#: few minutes however long the file.
CHUNK = 30_000
#: Rises of a band's level (dB per frame) are divided by this to sit in about [0, 1].
FLUX_SCALE = 10.0


def network_input(mel_db: np.ndarray, loudest: float | None = None) -> np.ndarray:
    """Channels x frames: each band's level under the loudest (0 = ``TOP_DB`` under it, 1 = loudest;
    ``loudest`` in dB, else ``mel_db``'s own maximum) and its rise since the previous frame."""
    mel_db = np.asarray(mel_db, dtype=np.float32)
    level = (mel_db - (mel_db.max() if loudest is None else np.float32(loudest))) / TOP_DB + 1.0
    rise = np.maximum(0.0, np.diff(mel_db, axis=1, prepend=mel_db[:, :1])) / FLUX_SCALE
    return np.concatenate([level, rise]).astype(np.float32)


def conv1d(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, dilation: int = 1) -> np.ndarray:
    """Same-length 1-D convolution (cross-correlation, as torch's Conv1d with zero padding
    ``dilation * (k - 1) // 2``): ``x`` channels x frames, ``weight`` out x in x k."""
    k = weight.shape[2]
    pad = dilation * (k - 1) // 2
    xp = np.pad(x, ((0, 0), (pad, pad)))
    n = x.shape[1]
    taps = np.concatenate([xp[:, j * dilation:j * dilation + n] for j in range(k)])  # contiguous: fast matmul
    return weight.transpose(0, 2, 1).reshape(weight.shape[0], -1) @ taps + bias[:, None]


def elu(x: np.ndarray) -> np.ndarray:
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))


@lru_cache(maxsize=1)
def load_weights(path: Path = WEIGHTS) -> dict[str, np.ndarray]:
    with np.load(path) as data:
        return {k: data[k].astype(np.float32) for k in data.files}


def forward(x: np.ndarray, weights: dict[str, np.ndarray]) -> np.ndarray:
    """The network on ``x`` (:func:`network_input`): 2 x frames logits (beat, downbeat)."""
    h = elu(conv1d(x, weights["in0.weight"], weights["in0.bias"]))
    h = elu(conv1d(h, weights["in1.weight"], weights["in1.bias"]))
    block = 0
    while f"tcn{block}.dil.weight" in weights:
        d = int(weights[f"tcn{block}.dilation"])
        y = elu(conv1d(h, weights[f"tcn{block}.dil.weight"], weights[f"tcn{block}.dil.bias"], d))
        h = h + conv1d(y, weights[f"tcn{block}.mix.weight"], weights[f"tcn{block}.mix.bias"])
        block += 1
    return conv1d(elu(h), weights["out.weight"], weights["out.bias"])


def reach(weights: dict[str, np.ndarray]) -> int:
    """Frames either side of a frame that its output depends on (the zero padding of every layer)."""
    layers = [(weights[k].shape[2], 1) for k in ("in0.weight", "in1.weight")]
    block = 0
    while f"tcn{block}.dil.weight" in weights:
        layers.append((weights[f"tcn{block}.dil.weight"].shape[2], int(weights[f"tcn{block}.dilation"])))
        block += 1
    return sum(d * (k - 1) // 2 for k, d in layers)


def activations(mel_db: np.ndarray, weights: dict[str, np.ndarray] | None = None,
                chunk: int = CHUNK) -> tuple[np.ndarray, np.ndarray]:
    """Beat and downbeat probabilities (0..1) per frame of ``mel_db`` (:attr:`OnsetBands.mel_db`), run
    ``chunk`` frames at a time with :func:`reach` frames of context either side (equal to one run over all;
    the network's input is made chunk by chunk too, so an hour's file never holds it whole)."""
    weights = weights or load_weights()
    mel_db = np.asarray(mel_db, dtype=np.float32)
    n, context, loudest = mel_db.shape[1], reach(weights), float(mel_db.max()) if mel_db.size else 0.0
    logits = np.empty((2, n), dtype=np.float32)
    for start in range(0, n, chunk):
        lo, end = max(0, start - context), min(n, start + chunk)
        before = max(0, lo - 1)  # the frame before the window, for the first frame's rise
        x = network_input(mel_db[:, before:min(n, end + context)], loudest)[:, lo - before:]
        logits[:, start:end] = forward(x, weights)[:, start - lo:end - lo]
    p = 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))
    return p[0], p[1]
