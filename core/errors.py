"""The one exception users see: bad input, told in one line that names the file and the problem."""
from __future__ import annotations

import signal
from pathlib import Path


#: Control characters as escapes, so a name holding a newline stays on its message's one line.
_CONTROL = {**{i: f"\\x{i:02x}" for i in range(32)}, 9: "\\t", 10: "\\n", 13: "\\r", 127: "\\x7f"}


def shown(path: str | Path) -> str:
    """``path`` as printable one-line text: bytes that are not UTF-8 (0xFF) appear as ``\\xff`` escapes,
    control characters (a newline) as ``\\n``."""
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace").translate(_CONTROL)


class InputError(Exception):
    """Bad input. ``str(err)`` is a complete one-line message: ``"<path>: <problem>"``."""

    def __init__(self, path: str | Path | None, problem: str) -> None:
        self.path = None if path is None else str(path)
        self.problem = problem
        super().__init__(problem if path is None else f"{shown(path)}: {problem}")

    def __reduce__(self):  # crosses process boundaries (process pools, Dask workers) intact
        return type(self), (self.path, self.problem)


class Cancelled(Exception):
    """The caller asked to stop (a cancel event was set); nothing was written."""


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal (SIGINT, SIGTERM, SIGHUP); handled like Ctrl-C."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.name = signal.Signals(signum).name
        super().__init__(self.name)


class RunWarning(str):
    """A warning of the run: its text (it *is* the string report.json lists and the console prints) and
    its ``kind``, set where it is raised, which the edges count and test instead of searching the text
    (kinds: ``WARNING_KINDS``; a plain string counts as ``other``)."""

    kind: str

    def __new__(cls, kind: str, text: str) -> "RunWarning":
        if kind not in WARNING_KINDS:
            raise ValueError(f"unknown warning kind {kind!r}")
        made = super().__new__(cls, text)
        made.kind = kind
        return made

    def __reduce__(self):  # crosses process boundaries (process pools, Dask workers) with its kind
        return type(self), (self.kind, str(self))


#: RunWarning kinds -> the words the console summary counts them under.
WARNING_KINDS = {"mixed_rate": "mixed frame rates", "variable_rate": "variable frame rate",
                 "no_beat": "no beat found", "music_range": "music range", "unusable_footage": "unusable footage",
                 "damaged_footage": "damaged footage", "dialogue_fallback": "dialogue isolation failed",
                 "llm_fallback": "LLM director fell back to rules", "tag_unmatched": "tag matches nothing",
                 "selects": "selects", "cache": "cache not used", "decoder": "hardware decoding", "other": "other"}


def warning_kind(warning: str) -> str:
    """``warning``'s kind (``other`` for a plain string)."""
    return getattr(warning, "kind", "other")


def with_kinds(texts: list[str], kinds: object) -> list[str]:
    """Warnings read back from where they were stored as text (caches) with their ``kinds`` beside them, a list of
    :func:`warning_kind` values; plain text where the kinds are missing or do not fit."""
    if not isinstance(kinds, list) or len(kinds) != len(texts):
        return list(texts)
    return [RunWarning(k, t) if k in WARNING_KINDS else t for t, k in zip(texts, kinds)]
