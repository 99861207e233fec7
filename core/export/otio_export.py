"""OpenTimelineIO export: a video track of cuts, the music on an audio track, beat/phase markers.

Media references carry plain absolute paths (``file://`` URLs fail to link in Resolve) and an
``available_range`` starting at the clip's embedded start timecode; source in-points live in that
space, at the media's own rate. Durations are whole timeline frames at the timeline rate, so every
cut sits on exact frames even when its media runs at another rate (a fractional media-rate
duration would make readers floor record frames one short).
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from ..dialogue.ducking import duck_keyframes
from ..model import Phase, Plan
from .format import CLIP, Expected, Format, Reader, SyncCheck, music_problems
from .otio_read import frames, media_name, media_offset, otio_cuts, read_timeline

if TYPE_CHECKING:
    import opentimelineio as otio

#: Marker colours (``otio.schema.MarkerColor`` values).
PHASE_COLORS = {Phase.INTRO: "BLUE", Phase.BUILD: "CYAN", Phase.CLIMAX: "RED", Phase.SUSTAIN: "ORANGE",
                Phase.OUTRO: "PURPLE"}
DOWNBEAT_COLOR = "GREEN"


def _rt(value: int | Fraction, fps: Fraction) -> otio.opentime.RationalTime:
    import opentimelineio as otio
    return otio.opentime.RationalTime(float(value), float(fps))


def build_timeline(plan: Plan) -> otio.schema.Timeline:
    """The plan as an OTIO timeline (read-only use of the plan)."""
    import opentimelineio as otio
    fps = plan.rate.fps
    timeline = otio.schema.Timeline(name=plan.name, global_start_time=_rt(plan.start_timecode, fps))
    timeline.metadata["montage_ai"] = {"style": plan.style, "fps": str(plan.rate), "seed": plan.seed,
                                       "music_in_frame": plan.music_in, "width": plan.width, "height": plan.height,
                                       "aspect": plan.aspect_name}
    video = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    for cut in plan.cuts:
        clip, cfps = cut.clip, cut.clip.rate.fps
        ref = otio.schema.ExternalReference(
            target_url=str(clip.path),
            available_range=otio.opentime.TimeRange(_rt(clip.start_frame, cfps), _rt(clip.frames, cfps)))
        item = otio.schema.Clip(
            name=clip.name, media_reference=ref,
            source_range=otio.opentime.TimeRange(_rt(clip.start_frame + cut.source_in, cfps),
                                                 _rt(cut.record_frames, fps)))
        item.metadata["montage_ai"] = {"cut": cut.index, "phase": cut.phase.value, "beat_time": cut.beat_time,
                                       "on_beat": cut.on_beat, "record_start_frame": cut.record_start}
        crop = plan.crop(cut)
        if crop is not None:  # docs/nle.md: source pixels, keys [frame from the clip's start, left, top]
            item.metadata["montage_ai"]["crop"] = {"width": crop.width, "height": crop.height,
                                                   "keys": [list(k) for k in crop.keys],
                                                   "source_size": list(clip.display_size)}
        video.append(item)
    music = plan.music
    audio = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio)
    music_ref = otio.schema.ExternalReference(
        target_url=str(music.path),
        available_range=otio.opentime.TimeRange(_rt(0, fps), _rt(plan.rate.frame_at(music.duration), fps)))
    audio.append(otio.schema.Clip(
        name=music.path.name, media_reference=music_ref,
        source_range=otio.opentime.TimeRange(_rt(plan.music_in, fps), _rt(plan.frames, fps))))
    timeline.tracks.extend([video, audio])
    if plan.dialogue:
        audio[0].metadata["montage_ai"] = {
            "ducking": [{"frame": f, "gain_db": g} for f, g in duck_keyframes(plan)]}
        timeline.tracks.append(dialogue_track(plan))
    for m in plan.markers:
        marker = otio.schema.Marker(
            name=m.name, marked_range=otio.opentime.TimeRange(_rt(m.frame, fps), _rt(1, fps)),
            color=PHASE_COLORS[m.phase] if m.kind == "phase" else DOWNBEAT_COLOR)
        marker.metadata["montage_ai"] = {"kind": m.kind, "phase": m.phase.value}
        timeline.tracks.markers.append(marker)
    return timeline


def dialogue_track(plan: Plan) -> otio.schema.Track:
    """A2: each dialogue event at its record frames (gaps between), from the clip itself (its timecode
    space, as on V1) or from its isolated voice (a WAV counted from 0 at the clip's rate)."""
    import opentimelineio as otio
    fps = plan.rate.fps
    track = otio.schema.Track(name="A2", kind=otio.schema.TrackKind.Audio)
    at = 0
    for e in plan.dialogue:
        clip = plan.cuts[e.cut].clip
        start = clip.start_frame if e.path == clip.path else 0
        ref = otio.schema.ExternalReference(
            target_url=str(e.path),
            available_range=otio.opentime.TimeRange(_rt(start, e.rate.fps), _rt(clip.frames, e.rate.fps)))
        if e.record_start > at:
            track.append(otio.schema.Gap(
                source_range=otio.opentime.TimeRange(_rt(0, fps), _rt(e.record_start - at, fps))))
        item = otio.schema.Clip(name=e.path.name, media_reference=ref, source_range=otio.opentime.TimeRange(
            _rt(start + e.source_in, e.rate.fps), _rt(e.record_frames, fps)))
        item.metadata["montage_ai"] = {"dialogue_of_cut": e.cut, "record_start_frame": e.record_start}
        track.append(item)
        at = e.record_end
    return track


def write_otio(plan: Plan, path: Path) -> None:
    import opentimelineio as otio
    otio.adapters.write_to_file(build_timeline(plan), str(path), adapter_name="otio_json")


def read_otio(path: Path, exp: Expected):
    return otio_cuts(read_timeline(path), exp, media_offset)


def sync_otio(path: Path, exp: Expected) -> list[str]:
    """The timeline's start timecode; the one music clip where and from where planned."""
    timeline = read_timeline(path)
    rate = float(exp.rate.fps)
    problems = []
    start = frames(timeline.global_start_time, rate) if timeline.global_start_time else 0
    if start != exp.start_tc:
        problems.append(f"timeline starts at {exp.rate.timecode(start)}, planned {exp.rate.timecode(exp.start_tc)}")
    music = [c for track in timeline.audio_tracks() for c in track.find_clips()
             if "dialogue_of_cut" not in (c.metadata.get("montage_ai") or {})]
    if len(music) != 1:
        return problems + [f"{len(music)} music clips, planned 1"]
    clip = music[0]
    span = clip.range_in_parent()
    return problems + music_problems((frames(span.start_time, rate), frames(span.end_time_exclusive(), rate)),
                                     frames(clip.source_range.start_time, rate), media_name(clip), exp)


FORMAT = Format("otio", "montage.otio", write_otio, (Reader("opentimelineio", read_otio, CLIP),),
                SyncCheck("opentimelineio: music, start", sync_otio))
