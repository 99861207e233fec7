"""Tempo over time and the metrical level to count beats at.

The tempo curve is the most likely smooth path through the tempogram (Viterbi): it follows drift
and holds through passages whose rhythm briefly suggests another tempo (syncopation, quiet
intros), yet switches when a new tempo lasts. The level (half / as tracked / double) is then
the one a listener taps: a tempo prior weighed against where bass, kick and snare fall.
"""
from __future__ import annotations

import numpy as np

from .bars import bar_indices, beat_features, choose_meter
from .grid import viterbi
from .onsets import HOP, OnsetBands

BPM_RANGE = (40.0, 250.0)
TEMPOGRAM_WINDOW = 384  # onset frames (4.5 s), librosa's default
#: Each tempogram window's onset floor (this percentile) is removed first: a steady onset level
#: (a bowed or vibrato pad) adds the same to every lag and would bury the beat's peak.
ONSET_FLOOR_PERCENTILE = 5
STEP_SECONDS = 0.5  # tempo path resolution
#: Prior over tempo: log-normal around 120 BPM, one octave wide (as librosa's tempo estimator).
PRIOR_BPM, PRIOR_OCTAVES = 120.0, 1.0
#: Tempo change per step the path takes freely (octaves, Gaussian width), and the probability of
#: an abrupt jump anywhere (a tempo change must be sustained for several seconds to win).
GLIDE_OCTAVES = 0.01
JUMP_PROBABILITY = 1e-12
#: The level a listener taps: log-normal prior around this tempo, this many octaves wide (tapping
#: studies find the preferred beat near 100-120 BPM; one unit of accent evidence, a natural-log
#: ratio of onset strengths, weighs as much as the prior's log-odds).
LEVEL_PRIOR_BPM, LEVEL_PRIOR_OCTAVES = 110.0, 0.8
#: Kick and snare accents on alternate counts (log ratio at least this): a backbeat, so the counts
#: are the beats; neither halved nor doubled.
BACKBEAT = 0.3
#: A snare-band accent against the kick's pattern counts this many times against halving.
BACKBEAT_WEIGHT = 2.0
MIN_BPM_AFTER_HALVING = 50.0
WINDOW_COUNTS = 16


def tempo_curve(bands: OnsetBands, prior_bpm: float = PRIOR_BPM, prior_octaves: float = PRIOR_OCTAVES) -> np.ndarray:
    """Tempo (BPM) per onset frame: the Viterbi path through the tempogram, weighting each moment
    by how loud its onsets are (quiet passages follow their neighbours); log-normal prior."""
    sr, n = bands.sr, bands.full.size
    step = max(1, round(STEP_SECONDS * sr / HOP))
    tg = np.maximum(block_tempogram(bands.full, step), 0.0)
    bpms = 60.0 * sr / (HOP * np.maximum(np.arange(tg.shape[0]), 1e-9))  # lag 0 never in range
    rows = np.flatnonzero((bpms >= BPM_RANGE[0]) & (bpms <= BPM_RANGE[1]))
    octaves = np.log2(bpms[rows])
    prior = np.exp(-0.5 * ((octaves - np.log2(prior_bpm)) / prior_octaves) ** 2)
    likelihood = metrical_support(tg, rows) * prior[:, None] + 1e-9
    loudness = np.pad(bands.full, (0, tg.shape[1] * step - n), mode="edge").reshape(-1, step).mean(axis=1)
    weight = np.clip(loudness / max(float(np.median(loudness)), 1e-9), 0.0, 1.0) ** 2
    log_like = weight * np.log(likelihood / likelihood.sum(axis=0, keepdims=True))
    # Unnormalised: staying costs nothing at any tempo, whatever the density of tempogram bins there.
    glide = -np.abs(octaves[:, None] - octaves[None, :]) / GLIDE_OCTAVES
    transition = np.maximum(glide, np.log(JUMP_PROBABILITY))
    lags = rows[viterbi(log_like, transition)]
    return np.repeat(60.0 * sr / (HOP * peak_lag(tg, lags)), step)[:n]


def block_tempogram(envelope: np.ndarray, step: int, samples: int = 4, chunk: int = 512) -> np.ndarray:
    """librosa's autocorrelation tempogram (Hann window of ``TEMPOGRAM_WINDOW`` frames, each column
    scaled to peak 1), evaluated at ``samples`` frames of every ``step``-frame block and averaged
    per block: shape (lags, blocks). Far cheaper than one column per frame; computed ``chunk``
    blocks at a time so memory stays flat for hour-long files."""
    n, width = envelope.size, TEMPOGRAM_WINDOW
    blocks = -(-n // step)
    windows = np.lib.stride_tricks.sliding_window_view(
        np.pad(envelope, width // 2, mode="linear_ramp", end_values=0), width)
    offsets = ((np.arange(samples) + 0.5) * step / samples).astype(int)
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(width) / width)
    out = np.empty((width, blocks))
    for first in range(0, blocks, chunk):
        ids = np.arange(first, min(first + chunk, blocks))
        centres = np.minimum((ids[:, None] * step + offsets).ravel(), n - 1)
        frames = windows[centres]
        frames = frames - np.percentile(frames, ONSET_FLOOR_PERCENTILE, axis=1, keepdims=True)
        power = np.abs(np.fft.rfft(frames * hann, n=2 * width, axis=1)) ** 2
        autocorr = np.fft.irfft(power, axis=1)[:, :width]
        autocorr /= np.maximum(np.abs(autocorr).max(axis=1, keepdims=True), 1e-12)
        out[:, ids] = autocorr.reshape(ids.size, samples, width).mean(axis=1).T
    return out


def metrical_support(tempogram: np.ndarray, lags: np.ndarray) -> np.ndarray:
    """Periodicity at each beat lag plus half of it at the half-beat and two-beat lags: a beat is
    subdivided and grouped, so syncopated rhythms whose accents repeat at 3/2 or 2/3 of the beat
    do not win over the pulse that the subdivisions and backbeat agree on."""
    frac = [np.clip(lags * k, 0, tempogram.shape[0] - 1) for k in (0.5, 2.0)]
    below = np.floor(frac[0]).astype(int)
    w = (frac[0] - below)[:, None]
    half = (1 - w) * tempogram[below] + w * tempogram[np.minimum(below + 1, tempogram.shape[0] - 1)]
    return tempogram[lags] + 0.5 * half + 0.5 * tempogram[frac[1].astype(int)]


def peak_lag(tempogram: np.ndarray, lags: np.ndarray) -> np.ndarray:
    """Sub-frame lag of the autocorrelation peak at each column's ``lags`` (parabolic interpolation):
    whole-frame lags are 1-3 % apart at fast tempi, too coarse for the tracker."""
    cols = np.arange(lags.size)
    a, b, c = (tempogram[np.clip(lags + d, 1, tempogram.shape[0] - 1), cols] for d in (-1, 0, 1))
    curvature = a - 2 * b + c
    safe = np.where(curvature < 0, curvature, -1.0)
    return lags + np.where(curvature < 0, np.clip(0.5 * (a - c) / safe, -0.5, 0.5), 0.0)


def choose_level(frames: np.ndarray, bands: OnsetBands) -> np.ndarray:
    """Beat frames at the level a listener taps: the counts of :func:`_binary_level`, or every third
    of them where they group in threes and the prior prefers the group (6/8 counted in two, a fast
    waltz in one)."""
    level, meter = _binary_level(frames, bands)
    if len(level) < 8:
        return level
    meter = _meter(level, bands) if meter is None else meter
    if meter == 3 and _prior_log_odds(beats_bpm(level, bands), 3) > 0:
        return level[bar_indices(bands, level, meter)[0]]
    return level


def _binary_level(frames: np.ndarray, bands: OnsetBands) -> tuple[np.ndarray, int | None]:
    """The tracked counts, every other one, or twice as many: the binary level a listener taps, and
    its meter where choosing it judged that (else None).

    Each step between levels weighs the tempo prior against the accents: bass and kick attacks
    (the low band) stronger on every other count, with the snare band not answering on the others,
    group two counts into one beat; kick and snare alternating (a backbeat) keep the counts. The
    evidence is judged ``WINDOW_COUNTS`` counts at a time (a bar of 2/4 or a loop edit shifts the
    strong counts by one), as is the choice of which counts to keep when halving.
    """
    if len(frames) < 8:
        return frames, None
    backbeat, grouping = _accents(frames, bands)
    if backbeat >= BACKBEAT:
        return frames, None
    doubled = np.sort(np.concatenate([frames, (frames[:-1] + frames[1:]) // 2]))
    meter = _meter(doubled, bands)
    if not _halve(doubled, bands, meter):
        return doubled, meter
    meter = _meter(frames, bands)
    if _halve(frames, bands, meter, grouping) and beats_bpm(frames, bands) / 2 >= MIN_BPM_AFTER_HALVING:
        return _strong_counts(frames, bands), None
    return frames, meter


def has_backbeat(frames: np.ndarray, bands: OnsetBands) -> bool:
    """Whether kick and snare alternate on the counts ``frames`` (:func:`_accents`): then the counts
    are the beats, neither halved nor doubled."""
    return len(frames) >= 8 and _accents(frames, bands)[0] >= BACKBEAT


def _meter(frames: np.ndarray, bands: OnsetBands) -> int:
    """Beats per bar of the counts ``frames`` (:func:`.bars.choose_meter`)."""
    return choose_meter(beat_features(bands, frames))


def beats_bpm(frames: np.ndarray, bands: OnsetBands) -> float:
    """Tempo (BPM) of the beat frames ``frames``: their median spacing."""
    return 60.0 * bands.sr / (HOP * float(np.median(np.diff(frames))))


def _halve(frames: np.ndarray, bands: OnsetBands, meter: int, grouping: float | None = None) -> bool:
    """Is every other count of ``frames`` (``meter`` beats to the bar; ``grouping``: their accents'
    grouping, :func:`_accents`, when known) the beat? Log-odds of the prior plus the accent evidence;
    never when the counts group in threes (a waltz's beats are not paired)."""
    if meter == 3:
        return False
    grouping = _accents(frames, bands)[1] if grouping is None else grouping
    return _prior_log_odds(beats_bpm(frames, bands), 2) + grouping > 0


def _prior_log_odds(bpm: float, group: int) -> float:
    """log p(bpm / group) - log p(bpm) under the level prior (positive: the slower level is likelier)."""
    octaves, shift = np.log2(bpm / LEVEL_PRIOR_BPM), np.log2(group)
    return float((octaves ** 2 - (octaves - shift) ** 2) / (2 * LEVEL_PRIOR_OCTAVES ** 2))


def _accents(frames: np.ndarray, bands: OnsetBands) -> tuple[float, float]:
    """(backbeat, grouping) of the counts, mean over windows of ``WINDOW_COUNTS``: how far kick and
    snare alternate in opposite phase; and the low band's alternation between even and odd counts
    (log ratio) less ``BACKBEAT_WEIGHT`` times the snare band's alternation against it."""
    low, mid = (bands.strength(band, frames) for band in (bands.low, bands.mid))
    floors = [0.1 * float(x.mean()) + 1e-9 for x in (low, mid)]
    backbeats, groupings = [], []
    for i in range(0, max(len(frames) - WINDOW_COUNTS, 0) + 1, WINDOW_COUNTS):
        s_low, s_mid = (np.log((x[i:i + WINDOW_COUNTS:2].mean() + f) / (x[i + 1:i + WINDOW_COUNTS:2].mean() + f))
                        for x, f in zip((low, mid), floors))
        against = max(0.0, -s_mid * np.sign(s_low))
        backbeats.append(min(abs(s_low), against))
        groupings.append(abs(s_low) - BACKBEAT_WEIGHT * against)
    return float(np.mean(backbeats)), float(np.mean(groupings))


def _strong_counts(frames: np.ndarray, bands: OnsetBands) -> np.ndarray:
    """Every other count, the stronger ones (kick and snare bands) locally."""
    low, mid = (bands.strength(band, frames) for band in (bands.low, bands.mid))
    drums = low / max(float(low.mean()), 1e-9) + mid / max(float(mid.mean()), 1e-9)
    same = np.convolve(drums, [1, 0, 1, 0, 1, 0, 1, 0, 1], mode="same") / 5
    other = np.convolve(drums, [0, 1, 0, 1, 0, 1, 0, 1, 0], mode="same") / 4
    keep = np.flatnonzero(same > other)
    # where the strong counts shift, two neighbours may both look strong: keep the stronger
    clash = np.flatnonzero(np.diff(keep) == 1)
    drop = np.where(drums[keep[clash]] >= drums[keep[clash + 1]], clash + 1, clash)
    return frames[np.delete(keep, drop)]
