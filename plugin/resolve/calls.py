"""Resolve's scripting API as it behaves: calls that read as None instead of raising, its version, and rates
and frames as Resolve spells them (``"29.97 DF"``, floats for frame numbers)."""
from __future__ import annotations

from typing import Any

from montage_ai.timebase import Rate

#: Track kinds and their ``mediaType`` numbers in ``AppendToTimeline``'s clipInfo.
MEDIA_TYPES = {"video": 1, "audio": 2}


def resolve_rate_text(rate: Rate) -> str:
    """A rate as Resolve's project setting spells it: ``"23.976"``, ``"25"``, ``"29.97"``."""
    return f"{float(rate.fps):.3f}".rstrip("0").rstrip(".")


def parse_resolve_rate(text: Any) -> Rate | None:
    """``"23.976"``, ``"29.97 DF"``, ``24.0`` -> Rate; None when empty or unreadable."""
    words = str(text or "").split()
    try:
        return Rate.parse(words[0]) if words else None
    except (ValueError, ZeroDivisionError):
        return None


def file_path(item: Any) -> str:
    """The media file path of a MediaPoolItem (``""`` when it has none)."""
    return str(item.GetClipProperty("File Path") or "")


def as_int(value: Any) -> int | None:
    """A frame number Resolve returned (int, float or None) as an int."""
    return None if value is None else round(float(value))


def call(obj: Any, method: str, *args: Any) -> Any:
    """``obj.method(*args)``, or None when Resolve has no such method (it reads as None, never raises)."""
    func = getattr(obj, method, None)
    return func(*args) if callable(func) else None


def resolve_version(app: Any) -> tuple[int, ...]:
    """``GetVersion()`` as a tuple of ints (``(19, 1, 3, 7)``); ``()`` when unreadable."""
    fields = call(app, "GetVersion") or []
    return tuple(int(f) for f in fields[:4] if isinstance(f, (int, float)) or str(f).isdigit())

