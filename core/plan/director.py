"""The director turns an editor's prompt into planning choices; this is its deterministic rule fallback."""
from __future__ import annotations

import re

from .styles import DEFAULT_STYLE, STYLES

#: Words that point to a style, checked in order (first style with a hit wins).
STYLE_WORDS = {
    "hype": ("hype", "energetic", "fast", "sport", "action", "intense", "aggressive", "explosive", "party"),
    "documentary": ("documentary", "observational", "interview", "calm", "slow", "contemplative", "nature"),
    "cinematic": ("cinematic", "trailer", "epic", "film", "romantic", "emotional", "dramatic", "moody"),
    "dynamic": ("dynamic", "music video", "upbeat", "travel", "fun"),
}


def style_from_prompt(prompt: str | None, default: str = DEFAULT_STYLE) -> tuple[str, str]:
    """``(style, reason)`` chosen from the words of ``prompt``; ``default`` when nothing matches."""
    if not prompt:
        return default, "no prompt"
    text = prompt.lower()
    for style, words in STYLE_WORDS.items():
        hits = [w for w in words if re.search(rf"\b{re.escape(w)}", text)]
        if hits and style in STYLES:
            return style, f"prompt mentions {', '.join(hits)}"
    return default, "prompt names no known pacing"
