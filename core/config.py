"""Where the user's configuration lives: ``$MONTAGE_AI_CONFIG_DIR`` or the platform's user config dir.

``config.toml`` there may name the LLM director's model (``llm = "/path/model.gguf"``); ``styles/``
holds the user's own styles.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import appdirs

from .errors import InputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


def config_dir() -> Path:
    return Path(os.environ.get("MONTAGE_AI_CONFIG_DIR") or appdirs.user_config_dir("montage-ai"))


def config_entry(name: str) -> Path | None:
    """``name`` in the config dir, or None when it does not exist or the dir cannot be looked into
    (a ``$HOME`` the user may not read counts as no configuration)."""
    path = config_dir() / name
    try:
        return path if path.exists() else None
    except OSError:
        return None


#: The keys of ``config.toml`` and what each holds (all strings).
KEYS = {"llm": "a path to a .gguf file", "scheduler": "tcp://HOST:PORT or local:N",
        "path_map": "EDITOR_FOLDER=WORKER_FOLDER[;...]"}


def configured(key: str) -> str:
    """The string ``key`` (one of :data:`KEYS`) from ``config.toml`` ("" when not set or no file)."""
    path = config_entry("config.toml")
    if path is None:
        return ""
    try:
        value = tomllib.loads(path.read_text(encoding="utf-8")).get(key, "")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise InputError(path, f"not valid TOML: {err}") from None
    if not isinstance(value, str):
        raise InputError(path, f"key {key!r}: expected {KEYS[key]}, got {value!r}")
    return value
