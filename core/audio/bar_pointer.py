"""Beats, metre and bar starts from the learned model's activations (:mod:`.beat_model`).

Two hidden Markov models, each decoded with Viterbi:

1. **Beats.** A state is (beat period ``p`` in frames, frames ``j`` since the last beat). Each frame
   ``j`` advances by one; after ``j = p - 1`` comes a beat (``j = 0``) at the same or a nearby
   period (``TEMPO_CHANGE``: the cost grows with the log ratio of the periods). The beat state
   observes the beat activation ``a``, every other state ``(1 - a) / (OBSERVATION_SPREAD - 1)`` (a
   beat is one frame of ``p``; without the weight long periods would be cheaper than short).
2. **Bars.** Over the decoded beats, a state is (beats per bar ``M``, position in the bar). The
   position advances by one each beat; after the last position a bar may start in another metre
   (``METRE_CHANGE``). Position 0 observes the downbeat activation at the beat, others its
   complement; a beat in a bar of two costs ``TWO_COST`` more. Where the caller gives the harmonic
   change into each beat, a beat with more of it than the song's mean is a likelier bar start
   (``HARMONY_WEIGHT``): on recordings unlike its training songs the model often cannot tell beat 1
   from beat 3, and chords change on 1. The metre is the one the path spends most beats in.

Integer periods from ``MIN_BPM`` to ``MAX_BPM`` give about 5000 beat states; decoding a 4-minute song
takes a fraction of a second (see :func:`beat_frames`).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

MIN_BPM, MAX_BPM = 50.0, 220.0
#: Cost per unit of |log(p' / p)| for a tempo change at a beat (about 1 % per beat costs 1 nat).
TEMPO_CHANGE = 100.0
#: Tempo changes at a beat as above reach at most this many periods (frames) either way (at 100 BPM,
#: 8 %); a change to any other period (a new section's tempo) costs ``TEMPO_JUMP`` nats.
BAND = 4
TEMPO_JUMP = 15.0
OBSERVATION_SPREAD = 4.0
#: A log-normal tempo prior around ``PRIOR_BPM`` (``PRIOR_OCTAVES`` wide), in nats per second of
#: music: where the activations fit two metrical levels alike (eighth-note hi-hats), the level
#: listeners tap most often wins.
PRIOR_BPM, PRIOR_OCTAVES, PRIOR_WEIGHT = 120.0, 1.0, 1.0
#: Probability of a bar in another metre after a bar.
METRE_CHANGE = 1e-4
METRES = (2, 3, 4)
#: Nats per beat charged to bars of two: songs in four far outnumber those in two, and where the
#: downbeat activation stands out on beats 1 and 3 alike (the model often cannot tell them apart) four
#: wins; a clear two (0.8 on every other beat) still wins. 0.2 until the activation was read where the
#: model hears a tracker's beats (:func:`lag`): read on its peaks, beat 3 stands out more (MODEL_CARD.md).
TWO_COST = 0.3
#: Log-odds a beat gains as a bar start per unit of harmonic change into it (chroma cosine distance,
#: 0.3-0.8 at a chord change) above the song's mean.
HARMONY_WEIGHT = 16.0
#: The dsp tracker's beats are off the beat when the model's beat activation halfway between them is
#: this many times that on them (an off-beat skank, stabs or hi-hats followed).
OFF_BEAT = 2.0
#: Two beat sequences run at the same tempo, or one at twice the other's, when the ratio of their
#: median spacings falls in these ranges.
SAME, TWICE = (1 / 1.1, 1.1), (1.8, 2.2)
#: Beats of two sequences coincide within this (seconds: the tolerance of the beat F-measure).
COINCIDE = 0.07
#: A grid on the model's tempo is on another phase only if its beats sit, on average (circular mean), at
#: least this fraction of a beat from the model's: a sixteenth note is a quarter beat; less than half of
#: that is the model hearing the same beats early or late (it fires before soft attacks), not other ones.
PHASE_APART = 1 / 8
#: ... and only if that phase holds: the length of the mean of the beats' phase vectors (1: all at one
#: phase, near 0: spread round the beat, as when the two tempi drift apart) must reach one half.
PHASE_HOLDS = 0.5
#: The model's lag against a grid is sought within this fraction of the beat spacing either side of each beat.
LAG_REACH = 1 / 4
#: Beats at the ends whose activation is under this are dropped (silence, a fade): the model
#: says no beat there and the HMM only carried its grid through.
END_ACTIVATION = 0.08
#: Below this median activation at the decoded beats there is no pulse to follow.
MIN_PULSE = 0.12
#: To find beats where the dsp tracker heard no pulse, the model must call most of its beats beats:
#: a median activation of at least one half (speech measures 0.13, songs 0.6-0.8).
SURE = 0.5
EPS = 1e-6


def periods(fps: float, bpm_range: tuple[float, float] = (MIN_BPM, MAX_BPM)) -> np.ndarray:
    """Integer beat periods in frames for the tempo range (BPM)."""
    lo = max(2, int(np.floor(60.0 * fps / bpm_range[1])))
    hi = max(lo, int(np.ceil(60.0 * fps / bpm_range[0])))
    return np.arange(lo, hi + 1)


def beat_frames(activation: np.ndarray, fps: float, bpm_range: tuple[float, float] = (MIN_BPM, MAX_BPM)) -> np.ndarray:
    """Frames of the most likely beats given the beat ``activation`` (0..1 per frame).

    Every path through the (period, phase) states observes ``off`` in all frames but its beats, so
    only beats are scored (``on - off``) and a state's score is that of its last beat: the score
    ``B[t, i]`` of a beat at frame ``t`` followed by period ``i`` is its observation plus the best
    ``B[t - p_k, k] + transition[k, i]`` (plus the tempo prior over the ``p_k`` frames between). Periods are at least ``p_min`` frames, so ``p_min`` frames
    are scored at once."""
    act = np.clip(np.asarray(activation, dtype=np.float64), EPS, 1 - EPS)
    n = act.size
    per = periods(fps, bpm_range)
    if n < 2:
        return np.zeros(0, dtype=int)
    # from period i + o (o in -BAND..BAND) to period i; out of range: impossible
    source = np.arange(per.size)[None, :] + np.arange(-BAND, BAND + 1)[:, None]
    valid = (source >= 0) & (source < per.size)
    source = np.clip(source, 0, per.size - 1)
    transition = np.where(valid, -TEMPO_CHANGE * np.abs(np.log(per[source] / per[None, :])), -np.inf)
    transition -= np.log(np.exp(transition).sum(axis=0, keepdims=True))
    beat = np.log(act) - np.log((1 - act) / (OBSERVATION_SPREAD - 1))
    # the tempo prior, per second of music at each period: charged for the interval before each beat
    octaves = np.log2(60.0 * fps / per / PRIOR_BPM)
    interval_prior = -PRIOR_WEIGHT * octaves ** 2 / (2 * PRIOR_OCTAVES ** 2) * per / fps
    pmin, pmax = int(per.min()), int(per.max())
    ring = pmax + pmin  # the frames a block reads (up to pmax back) and writes (pmin): an hour stays small
    score = np.zeros((ring, per.size))  # frame f's scores in row f % ring; before the song 0 (any phase)
    back = np.zeros((n, per.size), dtype=np.int16)
    columns = np.arange(per.size)
    for t0 in range(0, n, pmin):
        t = np.arange(t0, min(n, t0 + pmin))
        previous = score[(t[:, None] - per[None, :]) % ring, columns[None, :]] + interval_prior[None, :]
        candidates = previous[:, source] + transition[None]  # frames x offset x to-period
        best = candidates.argmax(axis=1)
        back[t] = source[best, columns[None, :]]
        now = candidates.max(axis=1)
        jump = previous.max(axis=1) - TEMPO_JUMP  # any other period, at a fixed cost
        jumps = jump[:, None] > now
        back[t] = np.where(jumps, previous.argmax(axis=1)[:, None], back[t])
        score[t % ring] = np.maximum(now, jump[:, None]) + beat[t, None]
    # the song ends less than one period after the last beat
    last = np.arange(max(0, n - pmax), n)
    end = np.where(last[:, None] >= n - per[None, :], score[last % ring], -np.inf)
    k, i = np.unravel_index(int(np.argmax(end)), end.shape)
    t = int(last[k])
    beats = []
    while t >= 0:
        beats.append(int(t))
        k = int(back[t, i])
        t, i = t - int(per[k]), k
    return np.array(beats[::-1], dtype=int)


def peak_times(activation: np.ndarray, frames: np.ndarray, fps: float) -> np.ndarray:
    """Each beat frame moved to the activation's peak within one frame either side, with a parabola
    through the peak and its neighbours (sub-frame), in seconds."""
    a = np.asarray(activation, dtype=np.float64)
    out = []
    for f in frames:
        lo, hi = max(0, f - 1), min(a.size, f + 2)
        k = lo + int(np.argmax(a[lo:hi]))
        shift = 0.0
        if 0 < k < a.size - 1:
            y0, y1, y2 = a[k - 1], a[k], a[k + 1]
            denom = y0 - 2 * y1 + y2
            shift = 0.5 * (y0 - y2) / denom if denom < 0 else 0.0
        out.append((k + float(np.clip(shift, -0.5, 0.5))) / fps)
    return np.array(out)


def at_frames(activation: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """The activation at each of ``frames``: its maximum within one frame either side."""
    a = np.asarray(activation)
    return np.array([a[max(0, f - 1):f + 2].max() for f in frames]) if len(frames) else np.zeros(0)


def off_beat(activation: np.ndarray, frames: np.ndarray) -> bool:
    """Whether the beat ``activation`` stands ``OFF_BEAT`` times higher halfway between ``frames``
    than on them."""
    if len(frames) < 4:
        return False
    between = at_frames(activation, (frames[:-1] + frames[1:]) // 2).mean()
    return bool(between >= OFF_BEAT * max(float(at_frames(activation, frames).mean()), EPS))


def tempo_ratio(grid: np.ndarray, own: np.ndarray) -> float:
    """The tempo of the beat times ``own`` over that of the beat times ``grid`` (their median spacings'
    inverse ratio); 0 when either has fewer than two beats."""
    if len(grid) < 2 or len(own) < 2:
        return 0.0
    return float(np.median(np.diff(grid)) / np.median(np.diff(own)))


def twice_as_fast(grid: np.ndarray, own: np.ndarray) -> bool:
    """Whether the beat times ``own`` (seconds) run at twice the tempo of the beat times ``grid``."""
    return TWICE[0] < tempo_ratio(grid, own) < TWICE[1]


def other_phase(grid: np.ndarray, own: np.ndarray) -> bool:
    """Whether the beat times ``own`` run at the tempo of ``grid`` but on another phase: fewer than
    half of ``grid``'s beats within ``own``'s span (where both have beats) have one of ``own``'s
    within ``COINCIDE``, and they hold a phase (``PHASE_HOLDS``) ``PHASE_APART`` of a beat or more from
    ``own``'s (:func:`phase_offset`)."""
    if not SAME[0] < tempo_ratio(grid, own) < SAME[1]:
        return False
    grid = grid[(grid >= own[0] - COINCIDE) & (grid <= own[-1] + COINCIDE)]
    if len(grid) < 4:
        return False
    nearest = np.clip(np.searchsorted(own, grid), 1, len(own) - 1)
    gap = np.minimum(np.abs(grid - own[nearest - 1]), np.abs(grid - own[nearest]))
    if np.mean(gap <= COINCIDE) >= 0.5:
        return False
    offset, holds = phase_offset(grid, own)
    return holds >= PHASE_HOLDS and abs(offset) >= PHASE_APART


def phase_offset(grid: np.ndarray, own: np.ndarray) -> tuple[float, float]:
    """Where the beat times ``grid`` within ``own``'s span fall between ``own``'s beats: the circular
    mean of their phases (in beats from -1/2 to 1/2; 0 = on them) and its length (1 = every beat at
    that phase, near 0 = phases spread round the beat); (0, 0) when none falls there."""
    grid = grid[(grid >= own[0]) & (grid < own[-1])]
    if len(grid) == 0:
        return 0.0, 0.0
    k = np.searchsorted(own, grid, side="right") - 1
    mean = np.exp(2j * np.pi * (grid - own[k]) / (own[k + 1] - own[k])).mean()
    return float(np.angle(mean) / (2 * np.pi)), float(abs(mean))


def lag(beat_act: np.ndarray, frames: np.ndarray) -> int:
    """Frames by which the model hears the beats at ``frames`` late (negative: early): the median
    offset of its beat activation's peak within ``LAG_REACH`` of the beat spacing of each beat, over
    the beats with a peak there (a maximum at the window's edge is the flank of a peak outside it:
    the model hears that grid beat as no beat)."""
    frames = np.asarray(frames, dtype=int)
    if len(frames) < 4:
        return 0
    reach = max(1, int(np.median(np.diff(frames)) * LAG_REACH))
    offsets = []
    for f in frames:
        lo, hi = max(0, f - reach), min(beat_act.size, f + reach + 1)
        k = lo + int(np.argmax(beat_act[lo:hi])) if lo < hi else lo
        if lo < k < hi - 1:
            offsets.append(k - f)
    return int(np.round(np.median(offsets))) if offsets else 0


def bar_index(downbeat_act: np.ndarray, frames: np.ndarray, beats_per_bar: int | None = None,
              harmony: Callable[[np.ndarray], np.ndarray] | None = None,
              heard_late: int = 0) -> tuple[np.ndarray, int]:
    """Indices of the beats at ``frames`` that start bars, and the metre (``beats_per_bar`` if given),
    from the downbeat activation at each beat (read ``heard_late`` frames after it: where the model
    hears another tracker's beats, :func:`lag`) and, with ``harmony`` (beat frames -> harmonic change
    into each beat), the chords' changes."""
    frames = np.asarray(frames, dtype=int)
    d = np.clip(at_frames(downbeat_act, np.clip(frames + heard_late, 0, len(downbeat_act) - 1)), EPS, 1 - EPS)
    if harmony is not None and len(frames):
        change = harmony(frames)
        d = 1 / (1 + np.exp(-(np.log(d) - np.log1p(-d) + HARMONY_WEIGHT * (change - change.mean()))))
    positions, metre = bar_positions(d, (beats_per_bar,) if beats_per_bar else METRES)
    return np.flatnonzero(positions == 0), metre


def bar_positions(downbeat: np.ndarray, metres: tuple[int, ...] = METRES) -> tuple[np.ndarray, int]:
    """Position in the bar (0 = bar start) of each beat whose downbeat activation is ``downbeat``,
    and the metre (beats per bar) the most beats are in."""
    d = np.clip(np.asarray(downbeat, dtype=np.float64), EPS, 1 - EPS)
    if d.size == 0:
        return np.zeros(0, dtype=int), metres[-1] if 4 not in metres else 4
    metre_of = np.concatenate([[m] * m for m in metres])
    pos_of = np.concatenate([np.arange(m) for m in metres])
    starts = np.flatnonzero(pos_of == 0)
    ends = np.flatnonzero(pos_of == metre_of - 1)
    n = metre_of.size
    stay, switch = np.log(1 - METRE_CHANGE), np.log(METRE_CHANGE / max(1, len(metres) - 1))
    prior = np.where(metre_of == 2, -TWO_COST, 0.0)
    obs = lambda k: np.where(pos_of == 0, np.log(d[k]), np.log(1 - d[k])) + prior  # noqa: E731
    delta = -np.log(n) + obs(0)
    back = np.zeros((d.size, n), dtype=np.int16)
    for k in range(1, d.size):
        new = np.full(n, -np.inf)
        prev = np.arange(n) - 1  # the next position follows the one before it in the same metre
        inner = pos_of > 0
        new[inner] = delta[prev[inner]]
        back[k, inner] = prev[inner]
        for s, m in zip(starts, metres):
            cand = delta[ends] + np.where(metre_of[ends] == m, stay, switch)
            j = int(np.argmax(cand))
            new[s], back[k, s] = cand[j], ends[j]
        delta = new + obs(k)
    state = int(np.argmax(delta))
    path = [state]
    for k in range(d.size - 1, 0, -1):
        state = int(back[k, state])
        path.append(state)
    path = np.array(path[::-1])
    counts = {m: int(np.sum(metre_of[path] == m)) for m in metres}
    return pos_of[path], max(metres, key=lambda m: (counts[m], m == 4))


def trim_ends(frames: np.ndarray, activation: np.ndarray) -> np.ndarray:
    """``frames`` without leading and trailing beats whose activation (max within a frame) is under
    ``END_ACTIVATION``."""
    keep = np.flatnonzero(at_frames(activation, frames) >= END_ACTIVATION)
    return frames[keep[0]:keep[-1] + 1] if keep.size else frames[:0]


def heard_beats(beat_act: np.ndarray, fps: float, tempo_hint: float | None = None,
                hint_octaves: float = 0.15) -> np.ndarray:
    """Frames of the beats the model hears (:func:`beat_frames`, silent ends trimmed).

    ``tempo_hint`` (BPM) limits the tempo to ``hint_octaves`` either side of it (a pulse is then
    followed however weak). No pulse (the activations stay low, :func:`pulse` under ``MIN_PULSE``):
    no beats."""
    bpm_range = (MIN_BPM, MAX_BPM)
    if tempo_hint:
        bpm_range = (tempo_hint * 2 ** -hint_octaves, tempo_hint * 2 ** hint_octaves)
    frames = trim_ends(beat_frames(beat_act, fps, bpm_range), beat_act)
    if frames.size < 4 or (not tempo_hint and pulse(beat_act, frames) < MIN_PULSE):
        return frames[:0]
    return frames


def pulse(beat_act: np.ndarray, frames: np.ndarray) -> float:
    """How surely the model hears beats at ``frames``: its median beat activation there."""
    return float(np.median(beat_act[frames])) if len(frames) else 0.0


def without_bars(beats: np.ndarray, beats_per_bar: int | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """``beats`` with no bar starts found, and the metre (``beats_per_bar``, else four): what the decoders
    return where there are too few beats to find bars."""
    return beats, np.zeros(0, dtype=int), beats_per_bar or 4


def decode(beat_act: np.ndarray, downbeat_act: np.ndarray, fps: float, tempo_hint: float | None = None,
           beats_per_bar: int | None = None, hint_octaves: float = 0.15,
           harmony: Callable[[np.ndarray], np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """Beat times (s) of :func:`heard_beats`, each on its activation peak, the index of each beat that
    starts a bar (:func:`bar_index`, with ``harmony``), and the metre (``beats_per_bar`` fixes it)."""
    frames = heard_beats(beat_act, fps, tempo_hint, hint_octaves)
    if frames.size == 0:
        return without_bars(np.zeros(0), beats_per_bar)
    return (peak_times(beat_act, frames, fps),) + bar_index(downbeat_act, frames, beats_per_bar, harmony)
