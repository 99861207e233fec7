"""What the panel remembers between runs, as JSON under the user config dir."""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from montage_ai import api


def config_path() -> Path:
    """``panel.json`` in the user config dir (``$MONTAGE_AI_CONFIG_DIR`` or the platform's)."""
    return api.config_dir() / "panel.json"


@dataclass
class Remembered:
    """The form's choices kept between runs (see :class:`.controller.Choices` for their meaning)."""

    music: str = ""
    footage: list[str] = field(default_factory=list)
    style: str = ""  # "" = from the prompt
    duration: float = 0.0
    music_start: float = 0.0
    music_end: float = 0.0
    beat_offset_ms: float = 0.0
    beat_level: str = "beat"
    tempo_hint: float = 0.0  # BPM; 0 = analysed
    beats_per_bar: int = 0  # 0 = analysed
    beat_engine: str = api.DEFAULT_BEAT_ENGINE  # api.BEAT_ENGINES
    seed: int = 0
    prompt: str = ""
    llm: str = ""  # GGUF model for the LLM director; "" = rules
    scheduler: str = ""  # Dask scheduler for footage analysis, proxies and renders; "" = this machine's process pool


@dataclass
class PanelSettings(Remembered):
    export_dir: str = ""
    proxy_dir: str = ""
    notes: list[str] = field(default_factory=list, compare=False)  # what load ignored; never saved

    @classmethod
    def load(cls) -> "PanelSettings":
        """Saved settings; a field of the wrong type is ignored with a note (``notes``), an unreadable file
        gives the defaults with a note; a missing file gives the defaults."""
        path = config_path()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as err:
            return cls(notes=[f"{path}: unreadable ({type(err).__name__}: {err}); using the defaults"])
        if not isinstance(data, dict):
            return cls(notes=[f"{path}: not a JSON object; using the defaults"])
        kept, notes = {}, []
        for f in fields(cls):
            if f.name in data and f.name != "notes":
                if _fits(data[f.name], f.type):
                    kept[f.name] = data[f.name]
                else:
                    notes.append(f"{path}: ignored {f.name!r} ({json.dumps(data[f.name])[:40]} is not {f.type})")
        return cls(**kept, notes=notes)

    def save(self) -> None:
        path = config_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            saved = {k: v for k, v in asdict(self).items() if k != "notes"}
            api.write_atomic(path, json.dumps(saved, indent=2))
        except OSError:
            pass  # settings are a convenience; never fail the panel over them


def _fits(value: object, kind: str) -> bool:
    """Whether a JSON ``value`` fits a field declared ``kind`` (annotations are strings here)."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    checks = {"str": lambda: isinstance(value, str), "bool": lambda: isinstance(value, bool),
              "int": lambda: number and isinstance(value, int) and abs(value) < 2 ** 31,
              "float": lambda: number and math.isfinite(value),
              "list[str]": lambda: isinstance(value, list) and all(isinstance(v, str) for v in value)}
    return kind in checks and checks[kind]()
