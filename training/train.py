"""Train the beat model on the songs of training/make_data.py and write ``core/audio/beat_model.npz``.

    OMP_NUM_THREADS=1 python training/train.py --data training/data --minutes 70 --seed 1
    OMP_NUM_THREADS=1 python training/train.py --init core/audio/beat_model.npz --lr 1e-3 --minutes 60 --seed 3

The network is :func:`montage_ai.audio.beat_model.forward` written in torch (same layer names);
inputs are :func:`montage_ai.audio.beat_model.network_input` of the stored mel spectra. Each example is a
random crop, stretched in time (tempo 0.8-1.25 times, the labels follow) and with a random band range
muted. Targets: 1 on the frame of each beat (downbeat), 0.5 on the frames either side. Loss: binary
cross-entropy. ``--init`` continues from given weights (blocks they lack start with a zero output mix).
Songs whose seed ends in 0 are held out: every ``--check`` steps the running average of the weights is
scored on those present at the start (beats and bar starts decoded by :mod:`montage_ai.audio.bar_pointer`,
mir_eval F), and the best mean of beat F and bar-start F is kept (``--snapshots DIR`` keeps every
checked average too, to choose on other songs). Also writes the fixture
``tests/data/beat_model_fixture.npz`` (an input and this model's torch output) that the tests compare numpy
inference against.
"""
from __future__ import annotations

import argparse
import copy
import time
from pathlib import Path

import mir_eval
import numpy as np
import torch
from torch import nn

from montage_ai.audio import bar_pointer
from montage_ai.audio.beat_model import WEIGHTS, network_input
from montage_ai.audio.onsets import HOP

ROOT = Path(__file__).resolve().parents[1]
FPS = 22050 / HOP
CHANNELS = 40
DILATIONS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
CROP = 2560  # frames per training example after stretching (29.7 s: as long as the 30-s songs allow)
WARMUP = 250  # steps of linearly rising learning rate (Adam starts without moment estimates)
EMA = 0.999  # the checked and saved model is the running average of the weights (over about 1 000 steps)
STRETCH = (0.8, 1.25)  # tempo factors of the time-stretch augmentation (log-uniform)
MASK_BANDS = 16  # at most this many adjacent mel bands muted in an example
POS_WEIGHT = (3.0, 3.0)  # beat, downbeat


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
    def __init__(self, bands: int, dilations: tuple[int, ...] = DILATIONS) -> None:
        super().__init__()
        self.dilations = dilations
        self.in0 = nn.Conv1d(2 * bands, CHANNELS, 3, padding=1)
        self.in1 = nn.Conv1d(CHANNELS, CHANNELS, 3, padding=1)
        self.tcn = nn.ModuleList(Block(d) for d in dilations)
        self.out = nn.Conv1d(CHANNELS, 2, 1)
        self.drop = nn.Dropout(0.1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = nn.functional.elu(self.in0(self.drop(x)))
        h = nn.functional.elu(self.in1(h))
        for block in self.tcn:
            h = block(h)
        return self.out(nn.functional.elu(h))

    def warm_start(self, path: Path) -> None:
        """Start from the weights at ``path`` (numpy names); blocks they lack get a zero output mix, so the
        network computes exactly what those weights did until training moves it."""
        with np.load(path) as data:
            given = {k.replace("tcn", "tcn.", 1) if k.startswith("tcn") else k: torch.from_numpy(data[k])
                     for k in data.files if not k.endswith("dilation")}
        state = self.state_dict()
        for block in range(len(self.dilations)):
            if f"tcn.{block}.mix.weight" not in given:
                given[f"tcn.{block}.dil.weight"] = state[f"tcn.{block}.dil.weight"]
                given[f"tcn.{block}.dil.bias"] = state[f"tcn.{block}.dil.bias"]
                given[f"tcn.{block}.mix.weight"] = torch.zeros_like(state[f"tcn.{block}.mix.weight"])
                given[f"tcn.{block}.mix.bias"] = torch.zeros_like(state[f"tcn.{block}.mix.bias"])
        self.load_state_dict(given)

    def numpy_weights(self) -> dict[str, np.ndarray]:
        out = {k.replace("tcn.", "tcn"): v.detach().numpy().astype(np.float32) for k, v in self.state_dict().items()}
        for i, d in enumerate(self.dilations):
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
    """Add the songs in ``folder`` not ``seen`` yet to ``train`` or ``valid`` as (input, beat times,
    downbeat times) (training may start while make_data.py is still writing songs)."""
    for f in sorted(folder.glob("song*.npz")):
        if f.name in seen:
            continue
        seen.add(f.name)
        with np.load(f) as d:
            song = (network_input(d["mel_db"].astype(np.float32)), d["beats"].copy(), d["downbeats"].copy())
        (valid if int(f.stem[4:]) % 10 == 0 else train).append(song)


def example(rng: np.random.Generator, song: tuple) -> tuple[np.ndarray, np.ndarray]:
    """A random crop of ``song`` played ``speed`` times as fast (linear interpolation between frames) with
    a random band range muted, and its targets."""
    x, beats, downbeats = song
    speed = float(np.exp(rng.uniform(*np.log(STRETCH)))) if rng.random() < 0.7 else 1.0
    frames = min(CROP, int((x.shape[1] - 1) / speed))
    start = float(rng.uniform(0, max(0.0, x.shape[1] - 1 - frames * speed)))
    pos = start + speed * np.arange(frames)
    i = np.minimum(pos.astype(int), x.shape[1] - 2)
    w = (pos - i).astype(np.float32)
    out = x[:, i] * (1 - w) + x[:, i + 1] * w
    if rng.random() < 0.5:
        bands = x.shape[0] // 2
        lo = int(rng.integers(0, bands))
        width = int(rng.integers(1, MASK_BANDS + 1))
        out[lo:lo + width] = 0.0  # the level channel: as quiet as the floor
        out[bands + lo:bands + lo + width] = 0.0  # and no rises
    shift = lambda t: (np.asarray(t) - start / FPS) / speed  # noqa: E731 - seconds in the stretched crop
    return out, np.stack([targets(shift(beats), frames), targets(shift(downbeats), frames)])


def batch(rng: np.random.Generator, songs: list, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    pairs = [example(rng, songs[i]) for i in rng.integers(0, len(songs), size)]
    n = min(x.shape[1] for x, _ in pairs)
    return (torch.from_numpy(np.stack([x[:, :n] for x, _ in pairs])),
            torch.from_numpy(np.stack([y[:, :n] for _, y in pairs])))


def evaluate(model: BeatNet, songs: list) -> tuple[float, float]:
    """Mean beat F and bar-start F (mir_eval, 70 ms) of the decoded activations on ``songs``."""
    model.eval()
    f_beat, f_bar = [], []
    with torch.no_grad():
        for x, beats, downbeats in songs:
            p = torch.sigmoid(model(torch.from_numpy(x)[None]))[0].numpy()
            times, bars, _ = bar_pointer.decode(p[0], p[1], FPS)
            f_beat.append(mir_eval.beat.f_measure(mir_eval.beat.trim_beats(beats), mir_eval.beat.trim_beats(times)))
            f_bar.append(mir_eval.beat.f_measure(mir_eval.beat.trim_beats(downbeats),
                                                 mir_eval.beat.trim_beats(times[bars]) if len(bars) else np.zeros(0)))
    model.train()
    return float(np.mean(f_beat)), float(np.mean(f_bar))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT / "training" / "data")
    ap.add_argument("--minutes", type=float, default=40.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=6)
    ap.add_argument("--out", type=Path, default=WEIGHTS)
    ap.add_argument("--fixture", type=Path, default=ROOT / "tests" / "data" / "beat_model_fixture.npz")
    ap.add_argument("--check", type=int, default=250, help="steps between checkpoint evaluations")
    ap.add_argument("--init", type=Path, help="weights (.npz) to continue training from (warm start)")
    ap.add_argument("--lr", type=float, default=3e-3, help="peak learning rate (cosine decay to 5 %%)")
    ap.add_argument("--snapshots", type=Path,
                    help="also write the averaged weights of every check here (step<N>.npz), to choose on other songs")
    ap.add_argument("--blocks", type=int, default=len(DILATIONS), choices=range(1, len(DILATIONS) + 1),
                    help="residual blocks, the first of DILATIONS (9: take 2's network, context ±11.9 s)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    train, valid, seen = [], [], set()
    load(args.data, train, valid, seen)
    print(f"{len(train)} training songs, {len(valid)} validation", flush=True)
    model, best = BeatNet(train[0][0].shape[0] // 2, DILATIONS[:args.blocks]), -1.0
    print(f"{sum(p.numel() for p in model.parameters())} parameters", flush=True)
    if args.init:
        model.warm_start(args.init)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr / WARMUP)
    average = copy.deepcopy(model)
    if args.init:
        f_beat, f_bar = evaluate(average, valid)
        best = (f_beat + f_bar) / 2
        print(f"start: held-out beat F {f_beat:.3f} bar F {f_bar:.3f}", flush=True)
    pos_weight = torch.tensor(POS_WEIGHT)[:, None]
    start, step = time.time(), 0
    deadline = start + 60 * args.minutes
    while time.time() < deadline:
        x, y = batch(rng, train, args.batch)
        loss = nn.functional.binary_cross_entropy_with_logits(model(x), y, pos_weight=pos_weight)
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            for mean, p in zip(average.parameters(), model.parameters()):
                mean.mul_(EMA).add_(p, alpha=1 - EMA)
        step += 1
        if step <= WARMUP:
            for group in opt.param_groups:
                group["lr"] = args.lr * step / WARMUP
        if step % args.check == 0:
            load(args.data, train, [], seen)  # new held-out songs wait for evaluate.py: the checkpoint set stays fixed
            elapsed = (time.time() - start) / 60
            for group in opt.param_groups:  # cosine decay over the time budget
                group["lr"] = args.lr * (0.05 + 0.95 * 0.5 * (1 + np.cos(np.pi * min(1.0, elapsed / args.minutes))))
            f_beat, f_bar = evaluate(average, valid)
            if args.snapshots:
                args.snapshots.mkdir(parents=True, exist_ok=True)
                np.savez_compressed(args.snapshots / f"step{step}.npz", **average.numpy_weights())
            print(f"step {step} {elapsed:.1f} min train loss {loss.item():.4f} held-out beat F {f_beat:.3f} "
                  f"bar F {f_bar:.3f} ({len(train)} training songs, {len(valid)} held out)", flush=True)
            if (f_beat + f_bar) / 2 > best:
                best = (f_beat + f_bar) / 2
                save(average, args.out, valid[0][0], args.fixture)
    print(f"best held-out mean of beat F and bar F {best:.3f}")


def save(model: BeatNet, out: Path, sample: np.ndarray, fixture: Path) -> None:
    weights = model.numpy_weights()
    np.savez_compressed(out, **weights)
    model.eval()
    x = sample[:, :400]
    with torch.no_grad():
        y = model(torch.from_numpy(x)[None])[0].numpy()
    model.train()
    fixture.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(fixture, x=x, logits=y)


if __name__ == "__main__":
    main()
