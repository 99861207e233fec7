"""The director turns an editor's prompt into a :class:`Directive`.

:func:`read_prompt` is the deterministic rule director: it reads a style from the prompt's words and,
clause by clause, which phase should be slower or faster, longer or shorter, and which clips to
favour or avoid. :func:`direct` runs the LLM director when a model is given and falls back to the
rules when there is none or it fails; it returns the directive and a record of what ran.
"""
from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field, replace

from ..model import Phase
from .directive import LENGTH, PACE, Directive, DirectiveError

#: Words that point to a style, checked in order (first style with a hit wins).
STYLE_WORDS = {
    "hype": ("hype", "energetic", "intense", "aggressive", "explosive", "party"),
    "sports": ("sport", "highlight", "game", "match", "action"),
    "trailer": ("trailer", "teaser", "epic"),
    "wedding": ("wedding", "romantic", "love", "bride"),
    "documentary": ("documentary", "observational", "interview", "contemplative", "nature"),
    "minimal": ("minimal", "sparse", "meditative", "quiet"),
    "vlog": ("vlog", "travel", "diary", "day in"),
    "music_video": ("music video", "performance", "band", "clip for"),
    "cinematic": ("cinematic", "film", "emotional", "dramatic", "moody"),
    "dynamic": ("dynamic", "upbeat", "fun"),
}
#: Words naming a phase of the arc.
PHASE_WORDS = {
    Phase.INTRO: ("start", "beginning", "intro", "opening", "open"),
    Phase.BUILD: ("build", "rise", "rising", "middle"),
    Phase.CLIMAX: ("drop", "climax", "peak", "chorus", "explode", "explodes", "explosion"),
    Phase.SUSTAIN: ("sustain", "after the drop", "afterwards"),
    Phase.OUTRO: ("end", "ending", "outro", "finish", "finale", "close"),
}
SLOWER = ("slow", "slower", "calm", "gentle", "linger", "lingering", "long shots", "relaxed", "soft", "dreamy")
FASTER = ("fast", "faster", "quick", "rapid", "explode", "explodes", "punchy", "frantic", "hard", "energetic")
LONGER = ("longer", "long build", "extend", "stretch", "lengthen")
SHORTER = ("shorter", "short intro", "short ending", "brief", "cut short")
FAVOUR = ("favour", "favor", "more of", "feature", "focus on", "use")
AVOID = ("avoid", "without", "no", "skip", "not", "drop the")
#: Words that leave the beat level to the LLM (else it is the style's).
BEAT_WORDS = ("beat", "beats", "half", "double", "eighth", "eighths", "every")

def _has(text: str, words: tuple[str, ...]) -> list[str]:
    return [w for w in words if re.search(rf"\b{re.escape(w)}\b", text)]


@dataclass
class Reading:
    """What the rules read in a prompt: the directive and, per field, the words that set it."""

    directive: Directive
    prompt: str = ""
    cues: dict[str, str] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        return "; ".join(f"{k} from {v!r}" for k, v in self.cues.items()) or "prompt names nothing the rules know"


def _clip_cue(clause: str, clip_names: list[str], verbs: tuple[str, ...]) -> list[str]:
    """Clips named after one of ``verbs`` in ``clause`` (a clip matches by its file name or stem)."""
    if not _has(clause, verbs):
        return []
    stems = {n: re.sub(r"\.[^.]+$", "", n).lower() for n in clip_names}
    return [n for n, stem in stems.items() if re.search(rf"\b{re.escape(stem)}\b", clause)]


def read_prompt(prompt: str, style: str, clip_names: list[str], styles: list[str]) -> Reading:
    """The rule director: ``style`` unless the prompt's words name another one of ``styles``."""
    text = prompt.lower()
    cues: dict[str, str] = {}
    for name, words in STYLE_WORDS.items():
        hits = _has(text, words)
        if hits and name in styles:
            style, cues["style"] = name, ", ".join(hits)
            break
    d = Directive(style)
    favour: list[str] = []
    avoid: list[str] = []
    named: set[tuple[str, Phase]] = set()
    clauses = [(c, [p for p, words in PHASE_WORDS.items() if _has(c, words)])
               for c in re.split(r"[,;.]|\bthen\b|\bbut\b|\band\b|\bwith\b", text)]
    for clause, phases in sorted(clauses, key=lambda cp: bool(cp[1])):  # overall pace first, named parts after
        targets = phases or list(Phase)
        avoided = _clip_cue(clause, clip_names, AVOID)
        favour += [n for n in _clip_cue(clause, clip_names, FAVOUR) if n not in avoided]
        avoid += avoided
        if avoided:
            continue
        for key, words, factor in (("pacing", SLOWER, PACE["slower"]), ("pacing", FASTER, PACE["faster"]),
                                   ("arc", LONGER, LENGTH["longer"]), ("arc", SHORTER, LENGTH["shorter"])):
            hits = _has(clause, words)
            if hits and (phases or key == "pacing"):
                for p in targets:
                    if phases and (key, p) not in named:  # a named part overrides the overall pace
                        named.add((key, p))
                        d = replace(d, **{key: {**getattr(d, key), p: 1.0}})
                    d = d.with_phase(key, p, factor)
                    cues[f"{key}.{p}"] = clause.strip()
    if favour or avoid:
        cues["clips"] = ", ".join([*(f"+{n}" for n in favour), *(f"-{n}" for n in avoid)])
    return Reading(replace(d, favour=tuple(dict.fromkeys(favour)), avoid=tuple(dict.fromkeys(avoid))), text, cues)


def pins(reading: Reading, style_given: bool) -> dict[str, str]:
    """Schema fields the prompt (or the editor's ``--style``) states plainly, as the LLM's words: the model
    may not answer otherwise there (a small model ignores meaning easily). A prompt that names no phase
    length and no clip pins those to "same" and "none": a 135M model otherwise fills them at random."""
    d, out = reading.directive, {}
    if style_given or "style" in reading.cues:
        out["style"] = d.style
    for p in Phase:
        if f"pacing.{p}" in reading.cues:
            out[p.value.lower()] = min(PACE, key=lambda w: abs(math.log(PACE[w] / d.pacing[p])))
        if f"arc.{p}" in reading.cues:
            out.setdefault("length", f"{'longer' if d.arc[p] > 1 else 'shorter'} {p.value.lower()}")
    out.setdefault("length", "same")
    if "clips" not in reading.cues:
        out["clip"] = "none"
    if not _has(reading.prompt, BEAT_WORDS):
        out["beat_level"] = "style"
    return out


def overlay(answer: Directive, reading: Reading) -> Directive:
    """The model's ``answer`` with every field the prompt states plainly taken from the rules' ``reading``
    (a schema field holds one phase length and one clip; the prompt may name more)."""
    d = reading.directive
    arc = {p: d.arc[p] if f"arc.{p}" in reading.cues else v for p, v in answer.arc.items()}
    pacing = {p: d.pacing[p] if f"pacing.{p}" in reading.cues else v for p, v in answer.pacing.items()}
    avoid = tuple(dict.fromkeys((*d.avoid, *(n for n in answer.avoid if n not in d.favour))))
    favour = tuple(dict.fromkeys((*d.favour, *(n for n in answer.favour if n not in avoid))))
    return replace(answer, arc=arc, pacing=pacing, favour=favour, avoid=avoid)


def contradiction(directive: Directive, reading: Reading, style_given: bool) -> str:
    """Why ``directive`` contradicts what the prompt says plainly ("" when it does not): the check that
    sends an LLM's answer back."""
    if not style_given and "style" in reading.cues and directive.style != reading.directive.style:
        return f"style {directive.style} but the prompt says {reading.cues['style']!r}"
    for key in ("pacing", "arc"):
        for p in Phase:
            want = getattr(reading.directive, key)[p]
            got = getattr(directive, key)[p]
            if f"{key}.{p}" in reading.cues and (want - 1) * (got - 1) <= 0 and abs(math.log(want)) > 0.1:
                return f"{key} {p} = {got:g} but the prompt says {reading.cues[f'{key}.{p}']!r}"
    return ""


def direct(prompt: str, style: str, style_given: bool, styles: list[str], clip_names: list[str],
           llm: str = "") -> tuple[Directive, dict]:
    """The directive for ``prompt`` and the record of the director that ran (for report.json).

    With ``llm`` (a GGUF path) the LLM director answers; an unusable model or nonsense on every try
    falls back to the rules, and the record says why.
    """
    start = time.perf_counter()
    reading = read_prompt(prompt, style, clip_names, styles)
    record: dict = {"prompt": prompt, "style_source": "user" if style_given else "director"}
    if style_given:
        reading.directive = replace(reading.directive, style=style)
    directive, record["director"], record["reason"] = reading.directive, "rules", reading.reason
    if llm and prompt:
        from .llm import LlmUnavailable, llm_directive
        try:
            answer, attempts = llm_directive(llm, prompt, styles, clip_names,
                                             lambda d: contradiction(d, reading, style_given),
                                             pins(reading, style_given))
            record["attempts"] = attempts
            if answer is not None:
                directive = overlay(replace(answer, style=style) if style_given else answer, reading)
                record.update(director=f"llm ({llm})", reason="model answer, checked against the prompt's words")
            else:
                record["fallback"] = "every model answer was rejected; rules used"
        except LlmUnavailable as err:
            record["fallback"] = f"{err}; rules used"
    try:
        directive.validate(styles, clip_names)
    except DirectiveError as err:  # a bug in a director, never the editor's fault
        raise AssertionError(f"director produced an invalid directive: {err}") from None
    record["directive"] = directive.as_dict()
    record["seconds"] = round(time.perf_counter() - start, 3)
    return directive, record
