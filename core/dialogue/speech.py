"""The dialogue steps of a run: speech regions of the footage (analysis), then, for ``isolate``, each
clip on the dialogue track isolated, verified, and used only when it passed (else the original audio,
with a warning: report.json, the CLI's summary, the panel). Isolation leaves the plan as it was made:
its result is new dialogue events and warnings, which the run exports with the plan."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import RunWarning
from ..model import Clip, DialogueEvent, Plan
from .engines import IsolationFailed, choose_engine
from .verify import verify_isolation
from .vad import speech_regions

#: The words every isolation warning ends on (its kind: ``dialogue_fallback``).
FALLBACK = "using the original audio"


def find_speech(clips: list[Clip], found: dict[Path, tuple[tuple[float, float], ...]]) -> list[Clip]:
    """``clips`` with their speech regions (those with sound), each clip's regions looked up in ``found`` (the
    analysis' results, keyed by path) or found and added there."""
    for clip in clips:
        if clip.has_audio and clip.path not in found:
            found[clip.path] = tuple(speech_regions(clip.path))
    return [replace(clip, speech=found[clip.path]) if clip.path in found else clip for clip in clips]


def _file_name(k: int, clip: Clip) -> str:
    return f"dialogue_{k:02d}_{re.sub(r'[^A-Za-z0-9_.-]+', '_', clip.path.stem)[:40]}.wav"


@dataclass(frozen=True)
class Isolation:
    """What isolating a plan's dialogue gave: the files written, the report entry (engine, per clip:
    verdict and figures), the dialogue events (those of clips that passed play their isolated voice)
    and a warning per clip that keeps its own sound."""

    files: list[str]
    report: dict
    dialogue: list[DialogueEvent]
    warnings: list[str] = field(default_factory=list)


def isolate_dialogue(plan: Plan, stage: Path, out_dir: Path, model: Path | None = None) -> Isolation:
    """Isolate the voice of every clip on ``plan``'s dialogue track into ``stage`` (files named for
    ``out_dir``, where the run puts them). ``plan`` is not changed."""
    engine = choose_engine(model)
    clips = {c.path: c for c in plan.clips}
    used: dict[Path, Path] = {}
    entries, names, warnings = [], [], []
    for k, path in enumerate(dict.fromkeys(e.path for e in plan.dialogue), start=1):
        clip = clips[path]
        name = _file_name(k, clip)
        try:
            engine.isolate(path, stage / name)
            verdict = verify_isolation(path, stage / name, clip.speech, 1 / float(clip.rate.fps))
            problem, figures = verdict.problem, verdict.figures
        except IsolationFailed as err:
            problem, figures = str(err), {}
        entries.append({"clip": str(path), "engine": engine.name, "ok": problem is None, "problem": problem,
                        "figures": figures, "file": name if problem is None else None})
        if problem is None:
            used[path] = out_dir / name
            names.append(name)
        else:
            (stage / name).unlink(missing_ok=True)
            warnings.append(RunWarning("dialogue_fallback",
                                    f"{clip.name}: voice isolation ({engine.name}) failed: {problem}; {FALLBACK}"))
    return Isolation(names, {"engine": engine.name, "clips": entries},
                     [replace(e, path=used.get(e.path, e.path)) for e in plan.dialogue], warnings)
