"""Bars: the meter (2, 3 or 4 beats to the bar) and the beats that start the bars.

Each beat is described by its attack: the level of each mel-band group at the attack and how much
it rose into it (loudness and timbre: an accented click, a kick under a snare, a bell among
woodblocks), and the harmonic change into it. The meter is the grouping that explains most of how
beats differ from their neighbours beyond chance (4 unless 3 or 2 clearly does). The bar start
follows the hierarchy of most popular music: kick and bass on the strong half of the bar, the
snare's backbeat on the other, chords changing on 1 more than on 3; a position that stands out
from all others (an accented click) wins on that. It is chosen over the whole song and moves only
where several bars agree (a 2/4 bar, a pickup).
"""
from __future__ import annotations

import numpy as np

from .onsets import HOP, LEVEL_GROUPS, OnsetBands
from .spectral import segment_medians
from .grid import viterbi

DB_UNIT = 3.0  # a level difference of this many dB counts as one unit of distinctness
HARMONIC_WEIGHT = 2.0  # per unit of chroma cosine distance (a chord change measures 0.3-0.8)
BEFORE_FRAMES = 6  # the "before" level for the rise: 70 ms ahead of the beat, clear of its window
TREND_BEATS = 12  # moving average removed before judging the meter (a multiple of 3 and 4)
MIN_EXPLAINED = 0.15  # share of the beat-to-beat variation a 3/4 grouping must explain (chance: ~0.02)
THREE_OVER_FOUR = 1.5  # ... and how much more of it than a 4/4 grouping
#: A grouping's pattern is real when it explains this many times what patternless beats would.
BEYOND_CHANCE = 2.0
#: Chords change in bars of four when the change into one position of four is more than this many
#: times the change into any other (bars of two change as much on every other beat).
HALF_BAR_CHANGES = 2.0
MIN_BEATS_FOR_METER = 2 * TREND_BEATS
METER_WINDOW = 2 * TREND_BEATS  # beats over which the pattern of the bar positions is judged
WINDOW_BARS = 4  # bars of evidence for the bar-start position around each bar
#: Cost of moving the bar start (a 2/4 bar, a pickup), in typical per-window margins between the
#: best and second-best position; one window's evidence counts at most ``MAX_EVIDENCE`` margins, so
#: a shift must be borne out by several windows (bars), not by one odd passage or a song's tail.
SHIFT_COST = 4.0
MAX_EVIDENCE = 2.0
#: A position stands out alone when it is this many times as distinct as the next (an accent,
#: not the snare and kick that make two positions distinct alike).
UNIQUE = 2.0


def bar_starts(beats: np.ndarray, bands: OnsetBands, meter: int | None = None) -> tuple[np.ndarray, int]:
    """Downbeat times and beats per bar (``meter`` if given, else :func:`choose_meter`)."""
    if len(beats) < 4:
        return beats[:1], meter or 4
    starts, meter = bar_indices(bands, np.floor(np.asarray(beats) * bands.sr / HOP).astype(int), meter)
    return beats[starts], meter


def bar_indices(bands: OnsetBands, frames: np.ndarray, meter: int | None = None) -> tuple[np.ndarray, int]:
    """Indices of the beats (onset ``frames``) that start bars, and beats per bar (``meter`` if given)."""
    harmonic = harmonic_change(bands, frames)
    features = beat_features(bands, frames, harmonic)
    meter = meter or choose_meter(features)
    return bar_start_indices(features, backbone(bands, frames, harmonic), meter), meter


def beat_features(bands: OnsetBands, frames: np.ndarray, harmonic: np.ndarray | None = None) -> np.ndarray:
    """Per beat: its attack shape (in ``DB_UNIT``) and weighted harmonic change into it."""
    harmonic = harmonic_change(bands, frames) if harmonic is None else harmonic
    return np.column_stack([attack_shape(bands, frames) / DB_UNIT, HARMONIC_WEIGHT * harmonic])


def bar_start_indices(features: np.ndarray, support: np.ndarray, meter: int) -> np.ndarray:
    """Indices of the beats that start bars: the best bar-start position (index mod ``meter``) of
    each bar-long step, judged over ``WINDOW_BARS`` bars around it, held unless a shift pays for
    ``SHIFT_COST``. A shift ends the old bars with a short one, as a 2/4 bar does."""
    n = len(features)
    steps = -(-n // meter)
    scores, weights = np.empty((steps, meter)), np.empty((steps, 1))
    for j in range(steps):
        lo, hi = max(0, j - WINDOW_BARS // 2) * meter, min(n, (j + WINDOW_BARS // 2) * meter)
        scores[j] = position_scores(features[lo:hi], support[lo:hi], meter)
        weights[j] = (hi - lo) / (WINDOW_BARS * meter)  # windows cut short by the song's ends count less
    ranked = np.sort(scores, axis=1)
    margin = float(np.median(ranked[:, -1] - ranked[:, -2]))
    if steps < 2 or margin <= 1e-9:
        positions = np.full(steps, int(np.argmax(position_scores(features, support, meter))))
    else:
        evidence = np.maximum((scores - ranked[:, -1:]) / margin, -MAX_EVIDENCE) * weights
        stay = np.where(np.eye(meter, dtype=bool), 0.0, -SHIFT_COST)
        positions = viterbi(evidence.T, stay)
    starts: list[int] = []
    for k in np.arange(steps) * meter + positions:
        while starts and starts[-1] + meter < min(k, n):
            starts.append(starts[-1] + meter)  # the old bars run on until the new position
        if k < n:
            starts.append(int(k))
    return np.asarray(starts, dtype=int)


def position_scores(features: np.ndarray, support: np.ndarray, meter: int) -> np.ndarray:
    """How much each bar position (index mod ``meter``) looks like the bar start.

    The hierarchy of popular and dance music: kick and bass fall on the strong half of the bar, the
    snare on the backbeats, so in an even bar of four the bass-over-snare ``support`` is judged per
    half bar (positions 1 and 3 against 2 and 4) and the harmonic change into the beat (chords
    change on 1 more than on 3) picks the bar start among the strong ones. A position that stands
    out from all the others (an accented click) gains by how far it stands out more than the next;
    in a bar of two, the louder position gains.
    """
    ratio, harmony = _phase_means(support[:, 0], meter), _phase_means(support[:, 1], meter)
    if meter % 2 == 0 and meter > 2:
        ratio = (ratio + np.roll(ratio, -(meter // 2))) / 2
    distinct = distinctness(features, meter)
    unique = np.maximum(0.0, distinct - UNIQUE * np.sort(distinct)[-2])
    if meter == 2:  # two positions stand out from each other alike: the louder one is the strong one
        loudness = _phase_means(features[:, :LEVEL_GROUPS].mean(axis=1), meter)
        unique = loudness - loudness.mean()
    return ratio + HARMONIC_WEIGHT * harmony + unique


def attack_shape(bands: OnsetBands, frames: np.ndarray) -> np.ndarray:
    """Per beat (rows): each band group's level at the attack and its rise into it, in dB."""
    attack = bands.strength(bands.levels, frames)
    before = bands.levels[:, np.clip(frames - BEFORE_FRAMES, 0, bands.levels.shape[1] - 1)]
    return np.vstack([attack, attack - before]).T


def harmonic_change(bands: OnsetBands, frames: np.ndarray) -> np.ndarray:
    """Chroma cosine distance between the beat segment ending at each beat and the one it starts."""
    chroma = segment_medians(bands.chroma, frames)
    if len(frames) and frames[0] <= 0:  # no segment before a beat on the first frame: nothing changes into it
        chroma = np.column_stack([np.zeros(chroma.shape[0]), chroma])
    norm = np.linalg.norm(chroma, axis=0)
    unit = chroma / np.maximum(norm, 1e-9)
    tonal = norm > 1e-3  # a segment without pitch (silence, clicks) has no harmony to change
    change = (1.0 - np.sum(unit[:, 1:] * unit[:, :-1], axis=0)) * (tonal[1:] & tonal[:-1])
    # change[k] is from the segment before beat k to the one it starts
    out = np.zeros(len(frames))
    out[: change.size] = change[: len(frames)]
    return out


def choose_meter(features: np.ndarray) -> int:
    """3 when grouping beats in threes explains clearly more of their variation than fours; 2 when
    alternate beats' accents differ (a pattern beyond chance), fours add no more than chance does
    and the chords change as much every two beats (a march, a polka, 6/8 counted in two); else 4."""
    n = len(features)
    if n < MIN_BEATS_FOR_METER:
        return 4
    kernel = np.ones(TREND_BEATS) / TREND_BEATS
    trend = np.column_stack([np.convolve(f, kernel, mode="valid") for f in features.T])
    half = TREND_BEATS // 2
    detrended = features[half:half + len(trend)] - trend  # a 3- or 4-beat pattern survives intact
    three, four = explained(detrended, 3), explained(detrended, 4)
    if three >= MIN_EXPLAINED and three > THREE_OVER_FOUR * four:
        return 3
    # Two against four on the accents (each band's rise) and harmonic change: the bands' levels
    # follow the chords' pitches, which repeat in any number of beats.
    accents = detrended[:, LEVEL_GROUPS:]
    two, four = explained(accents, 2), explained(accents, 4)
    chance = 1.0 / min(METER_WINDOW, len(detrended))  # share each extra group explains in patternless beats
    harmony = np.sort(_phase_means(features[:, -1], 4))  # chords changing every four beats, not every two
    fours = four - two > 2 * chance or harmony[-1] > HALF_BAR_CHANGES * harmony[-2] + 1e-9
    return 2 if two >= BEYOND_CHANCE * chance and not fours else 4


def explained(values: np.ndarray, meter: int) -> float:
    """Share of the variation of ``values`` (beats x features, mean 0) that the mean of each bar
    position (index mod ``meter``) explains, mean over half-overlapping ``METER_WINDOW``-beat
    windows (a 2/4 bar or a pickup shifts the positions without blurring the pattern on either side)."""
    width = min(METER_WINDOW, len(values))
    starts = sorted({*range(0, len(values) - width + 1, width // 2), len(values) - width})
    shares = []
    for start in starts:
        window = values[start:start + width]
        total = float(np.sum(window ** 2))
        groups = (window[p::meter] for p in range(meter))
        shares.append(sum(len(g) * float(np.sum(g.mean(axis=0) ** 2)) for g in groups) / total if total > 0 else 0.0)
    return float(np.mean(shares))


def distinctness(features: np.ndarray, meter: int) -> np.ndarray:
    """Per bar position: RMS distance (in feature units) from its mean attack to the nearest
    other position's mean attack."""
    means = _phase_means(features, meter)
    dist = np.sqrt(np.mean((means[:, None, :] - means[None, :, :]) ** 2, axis=2))
    np.fill_diagonal(dist, np.inf)
    return dist.min(axis=1)


def backbone(bands: OnsetBands, frames: np.ndarray, harmonic: np.ndarray) -> np.ndarray:
    """Per beat (rows): bass-over-snare weight of the attack (log ratio of the kick band, under the
    chords, to the snare band; relative to the song's mean, unaffected by loudness) and the
    harmonic change into it. Kick, bass notes and chord changes mark bar starts in most popular
    music, the snare the backbeat."""
    low, mid = bands.strength(bands.kick, frames), bands.strength(bands.mid, frames)
    ratio = np.log(low + 0.1 * low.mean() + 1e-12) - np.log(mid + 0.1 * mid.mean() + 1e-12)
    return np.column_stack([ratio - ratio.mean(), harmonic])


def _phase_means(values: np.ndarray, meter: int) -> np.ndarray:
    """Mean of ``values`` (beats on the first axis) at each bar position (index mod ``meter``)."""
    return np.array([values[p::meter].mean(axis=0) for p in range(meter)])
