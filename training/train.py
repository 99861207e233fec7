"""Train the beat model on the songs of training/make_data.py and write ``core/audio/beat_model.npz``.

    nice -n 5 python training/train.py --data training/data --minutes 40 --seed 1

The network is :func:`montage_ai.audio.beat_model.forward` written in torch (same layer names);
inputs are :func:`montage_ai.audio.beat_model.network_input` of the stored mel spectra. Targets: 1 on
the frame of each beat (downbeat), 0.5 on the frames either side. Loss: binary cross-entropy, beats
and downbeats weighted equally. Songs whose seed ends in 0 are held out for validation (the loss on the first 16 picks the checkpoint). Also writes
the fixture ``tests/data/beat_model_fixture.npz`` (an input and this model's torch output) that the
tests compare numpy inference against.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from montage_ai.audio.beat_model import WEIGHTS, network_input
from montage_ai.audio.onsets import HOP

ROOT = Path(__file__).resolve().parents[1]
FPS = 22050 / HOP
CHANNELS = 32
DILATIONS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
CROP = 1280  # frames per training example (14.9 s)


class Block(nn.Module):
    def __init__(self, dilation: int) -> None:
        super().__init__()
        self.dilation = dilation
        self.dil = nn.Conv1d(CHANNELS, CHANNELS, 5, dilation=dilation, padding=2 * dilation)
        self.mix = nn.Conv1d(CHANNELS, CHANNELS, 1)
        self.drop = nn.Dropout(0.1)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return h + self.mix(self.drop(nn.functional.elu(self.dil(h))))


class BeatNet(nn.Module):
    def __init__(self, bands: int) -> None:
        super().__init__()
        self.in0 = nn.Conv1d(2 * bands, CHANNELS, 3, padding=1)
        self.in1 = nn.Conv1d(CHANNELS, CHANNELS, 3, padding=1)
        self.tcn = nn.ModuleList(Block(d) for d in DILATIONS)
        self.out = nn.Conv1d(CHANNELS, 2, 1)
        self.drop = nn.Dropout(0.1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = nn.functional.elu(self.in0(self.drop(x)))
        h = nn.functional.elu(self.in1(h))
        for block in self.tcn:
            h = block(h)
        return self.out(nn.functional.elu(h))

    def numpy_weights(self) -> dict[str, np.ndarray]:
        out = {k.replace("tcn.", "tcn"): v.detach().numpy().astype(np.float32) for k, v in self.state_dict().items()}
        for i, d in enumerate(DILATIONS):
            out[f"tcn{i}.dilation"] = np.array(d, dtype=np.int32)
        return out


def targets(times: np.ndarray, frames: int) -> np.ndarray:
    t = np.zeros(frames, dtype=np.float32)
    idx = np.round(np.asarray(times) * FPS).astype(int)
    for d, v in ((-1, 0.5), (1, 0.5), (0, 1.0)):
        j = idx + d
        j = j[(j >= 0) & (j < frames)]
        t[j] = np.maximum(t[j], v)
    return t


def load(folder: Path, train: list, valid: list, seen: set) -> None:
    """Add the songs in ``folder`` not ``seen`` yet to ``train`` or ``valid`` (training may start
    while make_data.py is still writing songs)."""
    for f in sorted(folder.glob("song*.npz")):
        if f.name in seen:
            continue
        seen.add(f.name)
        with np.load(f) as d:
            x = network_input(d["mel_db"].astype(np.float32))
            y = np.stack([targets(d["beats"], x.shape[1]), targets(d["downbeats"], x.shape[1])])
        (valid if int(f.stem[4:]) % 10 == 0 else train).append((x, y))


def batch(rng: np.random.Generator, songs: list, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    xs, ys = [], []
    for i in rng.integers(0, len(songs), size):
        x, y = songs[i]
        a = int(rng.integers(0, max(1, x.shape[1] - CROP)))
        xs.append(x[:, a:a + CROP])
        ys.append(y[:, a:a + CROP])
    n = min(x.shape[1] for x in xs)
    return torch.from_numpy(np.stack([x[:, :n] for x in xs])), torch.from_numpy(np.stack([y[:, :n] for y in ys]))


def evaluate(model: BeatNet, songs: list) -> float:
    model.eval()
    loss = 0.0
    with torch.no_grad():
        for x, y in songs:
            out = model(torch.from_numpy(x)[None])
            loss += float(nn.functional.binary_cross_entropy_with_logits(out, torch.from_numpy(y)[None]))
    model.train()
    return loss / max(1, len(songs))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT / "training" / "data")
    ap.add_argument("--minutes", type=float, default=40.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=6)
    ap.add_argument("--out", type=Path, default=WEIGHTS)
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    train, valid, seen = [], [], set()
    load(args.data, train, valid, seen)
    print(f"{len(train)} training songs, {len(valid)} validation", flush=True)
    model = BeatNet(train[0][0].shape[0] // 2)
    print(f"{sum(p.numel() for p in model.parameters())} parameters", flush=True)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    start, step, best = time.time(), 0, np.inf
    deadline = start + 60 * args.minutes
    while time.time() < deadline:
        x, y = batch(rng, train, args.batch)
        loss = nn.functional.binary_cross_entropy_with_logits(model(x), y, pos_weight=torch.tensor([[4.0], [8.0]]))
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step % 100 == 0:
            load(args.data, train, valid, seen)
            print(f"{len(train)} training songs, {len(valid)} validation", flush=True)
        if step % 100 == 0:
            elapsed = (time.time() - start) / 60
            for group in opt.param_groups:  # cosine decay over the time budget
                group["lr"] = 3e-3 * (0.05 + 0.95 * 0.5 * (1 + np.cos(np.pi * min(1.0, elapsed / args.minutes))))
            v = evaluate(model, valid[:16])
            print(f"step {step} {elapsed:.1f} min train {float(loss):.4f} valid {v:.4f}", flush=True)
            if v < best:
                best = v
                save(model, args.out, valid[0][0])
    print(f"best validation loss {best:.4f}")


def save(model: BeatNet, out: Path, example: np.ndarray) -> None:
    weights = model.numpy_weights()
    np.savez_compressed(out, **weights)
    model.eval()
    x = example[:, :400]
    with torch.no_grad():
        y = model(torch.from_numpy(x)[None])[0].numpy()
    model.train()
    (ROOT / "tests" / "data").mkdir(exist_ok=True)
    np.savez_compressed(ROOT / "tests" / "data" / "beat_model_fixture.npz", x=x, logits=y)


if __name__ == "__main__":
    main()
