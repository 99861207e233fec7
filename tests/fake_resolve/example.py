"""The example transcript: a small mixed-rate push recorded on the fake in its most realistic profile.

``python -m fake_resolve.example`` (from ``tests/``) rewrites ``transcripts/example.otio`` and
``transcripts/example_push.json``; a test checks they are current and replays them.
"""
from __future__ import annotations

from pathlib import Path

import opentimelineio as otio

from .harness import REALISTIC, load_fake

HERE = Path(__file__).parent
OTIO = HERE / "transcripts" / "example.otio"
TRANSCRIPT = HERE / "transcripts" / "example_push.json"
#: media path, rate, frames, start frame (media TC), source in, cut length (timeline frames at 25)
CUTS = [("/media/A001_2398.mov", 24000 / 1001, 240, 86400, 10, 24),
        ("/media/B001_5994.mov", 60000 / 1001, 600, 0, 100, 30),
        ("/media/C001_25.mov", 25.0, 250, 0, 0, 20)]
MUSIC = ("/media/song.wav", 25 * 60)


def example_timeline() -> otio.schema.Timeline:
    """A 25 fps timeline: a 23.976 cut that no single append can place, a 59.94 cut, a 25 cut, music, markers."""
    rt = otio.opentime.RationalTime
    timeline = otio.schema.Timeline(name="Example", global_start_time=rt(90000, 25))
    timeline.metadata["montage_ai"] = {"fps": "25/1"}
    video = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    for path, rate, frames, start, source_in, length in CUTS:
        ref = otio.schema.ExternalReference(target_url=path, available_range=otio.opentime.TimeRange(
            rt(start, rate), rt(frames, rate)))
        video.append(otio.schema.Clip(name=Path(path).name, media_reference=ref, source_range=otio.opentime.TimeRange(
            rt(start + source_in, rate), rt(length, 25))))
    total = sum(c[-1] for c in CUTS)
    audio = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio)
    ref = otio.schema.ExternalReference(target_url=MUSIC[0], available_range=otio.opentime.TimeRange(
        rt(0, 25), rt(MUSIC[1], 25)))
    audio.append(otio.schema.Clip(name="song.wav", media_reference=ref,
                                  source_range=otio.opentime.TimeRange(rt(12, 25), rt(total, 25))))
    timeline.tracks.extend([video, audio])
    for frame, name in ((0, "INTRO"), (24, "Bar 2")):
        timeline.tracks.markers.append(otio.schema.Marker(name=name, marked_range=otio.opentime.TimeRange(
            rt(frame, 25), rt(1, 25)), color=otio.schema.MarkerColor.GREEN))
    return timeline


def record(path: Path = TRANSCRIPT) -> list:
    """Push :func:`example_timeline` into a fresh realistic fake while recording; the calls."""
    from montage_ai.plugin.resolve.connect import connect
    from montage_ai.plugin.resolve.record import Recorder, save
    from montage_ai.plugin.resolve.writer import push_timeline
    dvr = load_fake(REALISTIC)
    dvr.APP.project.settings["timelineFrameRate"] = "25"
    pool = dvr.APP.project.media_pool
    for media, rate, frames, start, *_ in CUTS:
        tc = dvr._tc(start, dvr.fps(rate))
        pool.GetRootFolder().add(dvr.MediaPoolItem(dvr.video_props(media, round(rate, 3), frames, tc)))
    pool.GetRootFolder().add(dvr.MediaPoolItem(dvr.wav_at(dvr.audio_props(MUSIC[0], MUSIC[1] / 25), "25")))
    calls: list = []
    push_timeline(connect(Recorder(dvr.APP, calls, [])), otio.adapters.read_from_file(str(OTIO)))
    save(calls, path)
    return calls


if __name__ == "__main__":
    otio.adapters.write_to_file(example_timeline(), str(OTIO), adapter_name="otio_json")
    print(f"{len(record())} calls recorded to {TRANSCRIPT}")
