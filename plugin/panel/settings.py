"""What the panel remembers between runs, as JSON under the user config dir."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from montage_ai.audio.hints import DEFAULT_BEAT_ENGINE
from montage_ai.config import config_dir
from montage_ai.output import write_atomic


def config_path() -> Path:
    """``panel.json`` in the user config dir (``$MONTAGE_AI_CONFIG_DIR`` or the platform's)."""
    return config_dir() / "panel.json"


@dataclass
class PanelSettings:
    music: str = ""
    footage: list[str] = field(default_factory=list)
    export_dir: str = ""
    proxy_dir: str = ""
    style: str = ""
    duration: float = 0.0
    music_start: float = 0.0
    music_end: float = 0.0
    beat_offset_ms: float = 0.0
    beat_level: str = "beat"
    tempo_hint: float = 0.0  # BPM; 0 = analysed
    beats_per_bar: int = 0  # 0 = analysed
    beat_engine: str = DEFAULT_BEAT_ENGINE  # audio.hints.BEAT_ENGINES
    seed: int = 0
    prompt: str = ""
    llm: str = ""  # GGUF model for the LLM director; "" = rules
    scheduler: str = ""  # Dask scheduler for footage analysis; "" = this machine's process pool

    @classmethod
    def load(cls) -> "PanelSettings":
        """Saved settings; defaults for anything missing or unreadable."""
        try:
            data = json.loads(config_path().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        known = {f.name for f in fields(cls)}
        try:
            return cls(**{k: v for k, v in data.items() if k in known})
        except TypeError:
            return cls()

    def save(self) -> None:
        path = config_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, json.dumps(asdict(self), indent=2))
        except OSError:
            pass  # settings are a convenience; never fail the panel over them
