"""The dialogue steps of a run: speech regions of the footage (analysis), then, for ``isolate``, each
clip on the dialogue track isolated, verified, and used only when it passed (else the original audio,
with a warning in the plan: report.json, the CLI's summary, the panel)."""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from ..model import Clip, Plan
from .engines import IsolationFailed, choose_engine
from .verify import verify_isolation
from .vad import speech_regions

#: The phrase every isolation warning carries (the CLI's warning summary counts them by it).
FALLBACK = "using the original audio"


def find_speech(clips: list[Clip]) -> None:
    """Set ``speech`` of every clip that has sound."""
    for clip in clips:
        if clip.has_audio and not clip.speech:
            clip.speech = speech_regions(clip.path)


def _file_name(k: int, clip: Clip) -> str:
    return f"dialogue_{k:02d}_{re.sub(r'[^A-Za-z0-9_.-]+', '_', clip.path.stem)[:40]}.wav"


def isolate_dialogue(plan: Plan, stage: Path, out_dir: Path, model: Path | None = None) -> tuple[list[str], dict]:
    """Isolate the voice of every clip on ``plan``'s dialogue track into ``stage`` (files named for
    ``out_dir``, where the run puts them); the events of clips whose result passed now play it.
    Returns the files written and the report entry (engine, per clip: verdict and figures)."""
    engine = choose_engine(model)
    clips = {c.path: c for c in plan.clips}
    used: dict[Path, Path] = {}
    entries, names = [], []
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
            plan.warnings.append(f"{clip.name}: voice isolation ({engine.name}) failed: {problem}; {FALLBACK}")
    plan.dialogue = [replace(e, path=used.get(e.path, e.path)) for e in plan.dialogue]
    return names, {"engine": engine.name, "clips": entries}
