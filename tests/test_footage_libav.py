"""Footage decoded in this process (PyAV, :mod:`montage_ai.video.libav`) gives the analysis the frames the
ffmpeg command gives: every frame, the key frames alone, a window from a seek; 8-bit H.264, 10-bit BT.2020
HEVC (which newer libavfilter would convert to BT.709 unless told not to); a variable-rate phone clip goes to
the command, whose -vsync cfr the in-process fps filter does not match when the video starts late."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from montage_ai import ffmpeg_cmd
from montage_ai.errors import Cancelled, InputError
from montage_ai.model import Clip, Shot
from montage_ai.timebase import Rate
from montage_ai.video import frames, libav
from montage_ai.video.probe import probe_clip
from tests.footage_media import ffmpeg

CLIPS = {
    "h264": ("-f", "lavfi", "-i", "testsrc2=s=320x180:r=25:d=3", "-c:v", "libx264", "-preset", "ultrafast", "-g", "20"),
    "10-bit BT.2020 HEVC": ("-f", "lavfi", "-i", "testsrc2=s=320x180:r=25:d=3", "-c:v", "libx265", "-preset",
                            "ultrafast", "-pix_fmt", "yuv420p10le", "-x265-params", "log-level=error:keyint=20:"
                            "colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc", "-tag:v", "hvc1"),
    "variable rate": ("-f", "lavfi", "-i", "testsrc2=s=320x180:r=30:d=3", "-vf",
                      "settb=1/90000,setpts='((N+floor(N/4))/30)/TB'", "-fps_mode", "passthrough", "-enc_time_base",
                      "1/90000", "-c:v", "libx264", "-preset", "ultrafast", "-video_track_timescale", "600"),
}


def by_command(clip, size, *selection) -> bytes:
    frame_bytes = size[0] * size[1] * 3 // 2
    return b"".join(ffmpeg_cmd.stream(frames.decode_args(clip, size, *selection), clip.path, 64 * frame_bytes))


def in_process(clip, size, *selection) -> bytes:
    return b"".join(np.concatenate([b.luma.reshape(len(b), -1), b.chroma.reshape(len(b), -1)], 1).tobytes()
                    for b in frames.read_frames(clip, size, *selection))


@pytest.mark.parametrize("case", CLIPS)
def test_in_process_frames_equal_the_ffmpeg_commands(tmp_path, monkeypatch, case):
    path = tmp_path / "clip.mov"
    ffmpeg(*CLIPS[case], path)
    clip = probe_clip(path)
    assert clip.variable_rate == (case == "variable rate")
    size = frames.analysis_size(clip.width, clip.height)
    selections = [(0, None, False), (0, None, True)] + ([] if clip.variable_rate else [(30, 12, False)])
    expected = [by_command(clip, size, *s) for s in selections]
    if not clip.variable_rate:  # variable-rate footage is decoded by the command (its -vsync cfr fills slot 0)
        monkeypatch.setattr(frames.ffmpeg_cmd, "stream", None)  # the in-process path starts no ffmpeg
    for selection, want in zip(selections, expected):
        got = in_process(clip, size, *selection)
        assert len(got) == len(want) > 0 and got == want, (case, selection)


def test_a_file_pyav_cannot_open_goes_to_ffmpeg_which_names_it(tmp_path):
    path = tmp_path / "not video.mov"
    path.write_bytes(b"\0" * 4096)
    assert libav.open_video(path) is None and libav.packet_rows(path) is None
    fake = Clip(path=path, rate=Rate.parse("25"), frames=50, width=320, height=180, shots=[Shot(0, 50)])
    with pytest.raises(InputError) as err:
        list(frames.read_frames(fake))
    assert str(path) in str(err.value)


def test_a_stopped_run_ends_the_in_process_decode(tmp_path, monkeypatch):
    path = tmp_path / "clip.mov"
    ffmpeg(*CLIPS["h264"], path)
    clip = probe_clip(path)
    monkeypatch.setattr(ffmpeg_cmd, "_refusing", False)  # the stop refuses new ffmpeg runs; undone after
    blocks = frames.read_frames(clip)
    ffmpeg_cmd.stop_all(refuse_new=True)
    with pytest.raises(Cancelled):
        next(blocks)


def test_a_stop_ends_the_decoder_thread_reading_ahead(tmp_path, monkeypatch):
    """The decoder makes blocks ahead in its own thread: a stop while the caller measures ends it at its next
    frame (Cancelled, raised to the caller), so no decoding goes on after the run ends."""
    path = tmp_path / "long.mov"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=320x180:r=25:d=24", "-c:v", "libx264", "-preset", "ultrafast", path)
    clip = probe_clip(path)
    monkeypatch.setattr(ffmpeg_cmd, "_refusing", False)
    blocks = frames.read_frames(clip)
    assert len(next(blocks)) == frames.BLOCK_FRAMES
    assert any(t.name == "decoder" for t in threading.enumerate())
    ffmpeg_cmd.stop_all(refuse_new=True)
    with pytest.raises(Cancelled):
        for _ in blocks:  # at most the blocks already made before the stop
            pass
    assert not any(t.name == "decoder" for t in threading.enumerate())


def test_frames_the_filters_refuse_are_an_input_error_naming_the_file(tmp_path):
    path = tmp_path / "clip.mov"
    ffmpeg(*CLIPS["h264"], path)
    with pytest.raises(InputError) as err:
        list(libav.frames_yuv(libav.open_video(path), ["crop=9999:9999"]))  # larger than the picture
    assert str(path) in str(err.value)


def test_a_window_of_a_transport_stream_is_the_window_asked_for(tmp_path):
    """A seek in an MPEG transport stream (no index) can land a key frame late: a window from inside one is
    read by the command, and holds the frames a full decode has there."""
    path = tmp_path / "clip.mts"
    ffmpeg("-f", "lavfi", "-i", "testsrc=s=640x360:r=25:d=6", "-c:v", "libx264", "-g", "50",
           "-f", "mpegts", path)
    clip = probe_clip(path)
    size = frames.analysis_size(clip.width, clip.height)
    frame_bytes = size[0] * size[1] * 3 // 2
    whole = in_process(clip, size, 0, None, False)
    assert in_process(clip, size, 50, 5, False) == whole[50 * frame_bytes: 55 * frame_bytes]
