"""``report.json``: every cut in frames, the music range, warnings and stage timings.

The report is complete enough to rebuild the plan for exporters (:func:`read_report`), e.g. to
push a finished montage into Resolve without re-analysing anything.
"""
from __future__ import annotations

import json
from pathlib import Path

from .. import __version__
from ..errors import InputError
from ..dialogue.ducking import ATTACK_MS, DUCK_DB, RELEASE_MS, duck_keyframes
from ..model import AudioFormat, Clip, Crop, Cut, DialogueEvent, Marker, Music, Phase, Plan, Shot
from ..timebase import Rate, floored_split

REPORT_VERSION = 1


def _clip_entry(clip: Clip) -> dict:
    return {"path": str(clip.path), "fps": str(clip.rate), "frames": clip.frames, "width": clip.width,
            "height": clip.height, "start_frame": clip.start_frame, "drop_frame": clip.drop_frame,
            "has_audio": clip.has_audio, "variable_rate": clip.variable_rate, "rotation": clip.rotation,
            "measured_fps": clip.measured_fps, "common_fps": clip.common_fps, "audio": _audio_entry(clip.audio)}


def _audio_entry(audio: AudioFormat | None) -> dict | None:
    return None if audio is None else {"channels": audio.channels, "sample_rate": audio.sample_rate,
                                       "bits": audio.bits}


def _audio(entry: dict | None) -> AudioFormat | None:
    return None if not entry else AudioFormat(int(entry["channels"]), int(entry["sample_rate"]), int(entry["bits"]))


def _shot_entry(cut: Cut) -> dict:
    """Which shot of its clip a cut uses (``[start, end)`` source frames) and why it was chosen."""
    if cut.shot is None:
        return {}
    shot = cut.clip.shots[cut.shot]
    return {"shot": {"index": cut.shot, "start_frame": shot.start, "end_frame": shot.end}, "why": cut.why}


def _crop_entry(crop: Crop | None) -> dict:
    """A reframed cut's crop window: size and keys ``[frame from the cut's start, left, top]``, source pixels."""
    return {} if crop is None else {"crop": {"width": crop.width, "height": crop.height,
                                             "keys": [list(k) for k in crop.keys]}}


def _crop(entry: dict | None) -> Crop | None:
    return None if not entry else Crop(entry["width"], entry["height"], tuple(tuple(k) for k in entry["keys"]))


def _dialogue_entry(plan: Plan) -> dict:
    """The dialogue track (A2) and the music's ducking keyframes (timeline frames, dB)."""
    return {"mode": plan.dialogue_mode,
            "events": [{"cut": e.cut, "record_start_frame": e.record_start, "record_end_frame": e.record_end,
                        "path": str(e.path), "source_in_frame": e.source_in, "fps": str(e.rate)}
                       for e in plan.dialogue],
            "ducking": {"depth_db": DUCK_DB, "attack_ms": ATTACK_MS, "release_ms": RELEASE_MS,
                        "keyframes": [{"frame": f, "gain_db": g} for f, g in duck_keyframes(plan)]}}


def build_report(plan: Plan, details: dict | None = None) -> dict:
    """The report as a JSON-ready dict; ``details`` (prompt, director reason, outputs...) are merged in."""
    music = plan.music
    tc = plan.rate.timecode
    report = {
        "report_version": REPORT_VERSION,
        "montage_ai_version": __version__,
        "name": plan.name,
        "fps": str(plan.rate),
        "width": plan.width,
        "height": plan.height,
        "aspect": plan.aspect_name,
        "frames": plan.frames,
        "duration_seconds": round(plan.frames / float(plan.rate.fps), 6),
        "start_timecode": tc(plan.start_timecode, plan.drop_frame),
        "start_timecode_frame": plan.start_timecode,
        "drop_frame": plan.drop_frame,
        "style": plan.style,
        "seed": plan.seed,
        "music": {"path": str(music.path), "duration": music.duration, "tempo_bpm": music.tempo_bpm,
                  "in_frame": plan.music_in, "start_time": round(plan.music_start_time, 6),
                  "beats_found": len(music.beats), "beats_per_bar": music.beats_per_bar,
                  "overrides": music.overrides, "beat_engine": music.beat_engine, "audio": _audio_entry(music.audio)},
        "cuts": [{
            "index": c.index,
            "record_start_frame": c.record_start,
            "record_end_frame": c.record_end,
            "record_in_tc": tc(plan.start_timecode + c.record_start, plan.drop_frame),
            "source_path": str(c.clip.path),
            "source_in_frame": c.source_in,
            "source_out_frame": c.source_out,
            "source_fps": str(c.clip.rate),
            "beat_time": c.beat_time,
            "phase": c.phase.value,
            "on_beat": c.on_beat,
            "dissolve_frames": c.dissolve,
            "tags": list(c.tags),
            "range_source": c.range_source,
            **_shot_entry(c),
            **_crop_entry(plan.crop(c)),
        } for c in plan.cuts],
        "sections": [{"start": round(float(s.start), 6), "end": round(float(s.end), 6), "phase": s.phase.value,
                      "energy": s.energy} for s in plan.sections],
        "markers": [{"frame": m.frame, "name": m.name, "kind": m.kind, "phase": m.phase.value} for m in plan.markers],
        "clips": [_clip_entry(c) for c in plan.clips],
        "dialogue": _dialogue_entry(plan),
        "warnings": [*music.warnings, *plan.warnings],
        "timings": {},  # the run's (pipeline), not the plan's
        "resolve_one_frame_short": floor_short_cuts(plan),
    }
    report.update(details or {})
    return report


def floor_short_cuts(plan: Plan) -> list[int]:
    """Indexes of the cuts no whole number of their clip's frames fills exactly where an NLE floors appended
    lengths (Resolve's append, docs/resolve.md § "Exact append"): a push places them one frame short."""
    return [c.index for c in plan.cuts
            if floored_split(c.record_end - c.record_start, c.clip.rate, plan.rate) is None]


def report_timings(timings: dict[str, float]) -> dict[str, float]:
    """A run's stage timings as report.json keeps them (seconds, to the millisecond)."""
    return {k: round(v, 3) for k, v in timings.items()}


def save_report(report: dict, path: Path) -> None:
    """Write ``report`` (a :func:`build_report` dict) as report.json."""
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_report(plan: Plan, path: Path, details: dict | None = None) -> None:
    save_report(build_report(plan, details), path)


def read_report(path: str | Path) -> Plan:
    """Rebuild the :class:`Plan` a ``report.json`` describes (analysis curves are not kept)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        rate = Rate.parse(data["fps"])
        clips = {c["path"]: Clip(Path(c["path"]), Rate.parse(c["fps"]), c["frames"], c["width"], c["height"],
                                 c["start_frame"], c["drop_frame"], c["has_audio"], c["variable_rate"],
                                 [Shot(0, c["frames"])], c.get("rotation", 0), audio=_audio(c.get("audio")),
                                 measured_fps=c.get("measured_fps", 0.0), common_fps=c.get("common_fps", 0.0))
                 for c in data["clips"]}
        m = data["music"]
        music = Music(Path(m["path"]), m["duration"], 0, m["tempo_bpm"], [], [], [], audio=_audio(m.get("audio")))
        cuts = [Cut(c["index"], clips[c["source_path"]], c["source_in_frame"], c["source_out_frame"],
                    c["record_start_frame"], c["record_end_frame"], c["beat_time"], Phase(c["phase"]), c["on_beat"],
                    dissolve=c.get("dissolve_frames", 0), tags=tuple(c.get("tags", ())),
                    range_source=c.get("range_source", ""))
                for c in data["cuts"]]
        markers = [Marker(k["frame"], k["name"], k["kind"], Phase(k["phase"])) for k in data["markers"]]
        dialogue = data.get("dialogue") or {}
        events = [DialogueEvent(e["cut"], e["record_start_frame"], e["record_end_frame"], Path(e["path"]),
                                e["source_in_frame"], Rate.parse(e["fps"])) for e in dialogue.get("events", [])]
        return Plan(data["name"], rate, music, m["in_frame"], data["frames"], cuts, markers, data["style"],
                    data["start_timecode_frame"], data["drop_frame"], data["seed"], list(data["warnings"]),
                    width=data.get("width", 1920), height=data.get("height", 1080),
                    dialogue_mode=dialogue.get("mode", "off"), dialogue=events, aspect=data.get("aspect", ""),
                    crops=tuple(_crop(c.get("crop")) for c in data["cuts"]) if any("crop" in c for c in data["cuts"])
                    else ())
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except (ValueError, KeyError, TypeError) as err:
        raise InputError(path, f"not a Montage AI report ({type(err).__name__}: {err})") from None
