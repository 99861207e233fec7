"""Speech in the plan: cut ends moved off words onto beats, and the dialogue track (A2) of whole phrases.

A cut's end may move to the nearest beat where its clip is not speaking (holding the cut to finish
the phrase, or ending it before the phrase starts), within ``MAX_HOLD_SECONDS`` and the clip's
shot. The dialogue track takes only phrases that lie whole inside a cut, so no word is ever cut on
it even where no beat could free the cut end.
"""
from __future__ import annotations

from fractions import Fraction

from ..intervals import merge_close
from ..model import Clip, Cut, DialogueEvent
from ..timebase import Rate, source_frames_for

DIALOGUE_MODES = ("off", "keep", "isolate")
#: A cut end moves at most this far (either way) to leave speech.
MAX_HOLD_SECONDS = 4.0
#: Phrases of one cut closer than this share one event on the dialogue track.
JOIN_SECONDS = 1.0


def speaking_at(clip: Clip, seconds: float) -> bool:
    """Whether ``clip`` speaks at ``seconds`` of its own time (region ends are free)."""
    return any(a < seconds < b for a, b in clip.speech)


def _source_seconds(clip: Clip, source_in: int, rate: Rate, pos: int, frame: int) -> Fraction:
    """Clip time (s) playing at the end of timeline frame ``frame - 1`` of a cut at ``pos``."""
    return clip.rate.seconds(source_in) + rate.seconds(frame - pos)


def hold_end(clip: Clip, source_in: int, shot_end: int, pos: int, end: int, beats: list[int], rate: Rate, total: int,
             min_frames: int, stop: int | None = None) -> int:
    """The cut end (timeline frame) for a cut at ``pos`` playing ``clip`` from ``source_in`` (in its shot
    ending at clip frame ``shot_end``): ``end`` when the clip is silent there, else the nearest of ``beats``
    (or ``total``) where it is, which the shot can fill and which leaves this cut and the rest at least
    ``min_frames`` long: one up to ``stop``
    (the next phase change) when there is one, else one past it (finishing the phrase comes first);
    ``end`` when there is none."""
    if not clip.speech or not speaking_at(clip, float(_source_seconds(clip, source_in, rate, pos, end))):
        return end
    reach = rate.frames_in(MAX_HOLD_SECONDS)
    best = None
    for frame in [*beats, total]:
        if frame - pos < min_frames or 0 < total - frame < min_frames or frame > total or abs(frame - end) > reach:
            continue
        if source_frames_for(frame - pos, clip.rate, rate) > shot_end - source_in:
            continue
        if speaking_at(clip, float(_source_seconds(clip, source_in, rate, pos, frame))):
            continue
        rank = (stop is not None and frame > stop, abs(frame - end), -frame)
        if best is None or rank < best[0]:
            best = (rank, frame)
    return end if best is None else best[1]


def _phrases(clip: Clip, start: float, stop: float) -> list[tuple[float, float]]:
    """The clip's speech regions lying whole in ``[start, stop]`` (clip seconds), joined when close."""
    return merge_close([(a, b) for a, b in clip.speech if a >= start and b <= stop], JOIN_SECONDS)


def dialogue_events(cuts: list[Cut], rate: Rate) -> list[DialogueEvent]:
    """The dialogue track: for each cut, its whole phrases at the timeline frames where they play."""
    events = []
    for cut in cuts:
        clip = cut.clip
        if not clip.speech:
            continue
        t0 = clip.rate.seconds(cut.source_in)
        for a, b in _phrases(clip, float(t0), float(t0 + rate.seconds(cut.record_frames))):
            start = cut.record_start + rate.frame_at(Fraction(a) - t0)
            end = min(cut.record_end, cut.record_start + rate.frames_covering(Fraction(b) - t0))
            source_in = cut.source_in + rate.rescale(start - cut.record_start, clip.rate)
            events.append(DialogueEvent(cut.index, start, end, clip.path, source_in, clip.rate))
    return events
