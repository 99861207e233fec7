"""The director turns an editor's prompt into a :class:`Directive`.

:func:`read_prompt` is the deterministic rule director: it reads a style from the prompt's words and,
clause by clause, which phase should be slower or faster, longer or shorter, and which clips to
favour or avoid. :func:`direct` runs the LLM director when a model is given and falls back to the
rules when there is none or it fails; it returns the directive and a record of what ran.
"""
from __future__ import annotations

import difflib
import math
import re
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace

from ..model import Phase
from ..selects import stem
from .directive import LENGTH, PACE, Directive, DirectiveError, material_words

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
    Phase.INTRO: ("start", "beginning", "begin", "intro", "opening", "open", "first shot"),
    Phase.BUILD: ("build", "rise", "rising", "middle"),
    Phase.CLIMAX: ("drop", "climax", "peak", "chorus", "explode", "explodes", "explosion"),
    Phase.SUSTAIN: ("sustain", "after the drop", "afterwards"),
    Phase.OUTRO: ("end", "ending", "outro", "finish", "finale", "close", "last shot"),
}
SLOWER = ("slow", "slower", "calm", "gentle", "linger", "lingering", "long shots", "relaxed", "soft", "dreamy")
FASTER = ("fast", "faster", "quick", "rapid", "explode", "explodes", "punchy", "frantic", "hard", "energetic")
LONGER = ("longer", "long build", "extend", "stretch", "lengthen")
SHORTER = ("shorter", "short", "brief", "cut short")
#: "short" of the cuts is pace, not a phase's length.
SHORT_CUTS = ("short cuts", "short shots", "short clips")
FAVOUR = ("favour", "favor", "more of", "more", "feature", "focus on", "use", "show", "lots of", "plenty of",
          "prefer", "mostly", "heavy on")
AVOID = ("avoid", "without", "no", "skip", "not", "drop the", "leave out", "cut out", "exclude", "none of",
         "less", "don't use", "dont use", "never")
#: Words that turn a pace word around ("no fast cuts" is slower): looked for just before it in its clause.
NEGATION = ("no", "not", "never", "without", "don't", "dont", "avoid", "less", "nothing", "isn't", "not too",
            "instead of", "rather than")
#: Words that name material for the phase of their clause ("open on the drone shots", "end with faces").
MATERIAL = ("on", "with", "from", "using", "use", "show", "feature", "of")
#: Words of a prompt that are never a clip's or tag's name.
COMMON = frozenset("""a an the and or of on in at to for with from by is it its this that these those my our your
    shot shots clip clips footage material video videos take takes scene scenes cut cuts edit more less some all
    start end open close use show make keep give put let them then very really bit lot lots part parts
    mov mp4 mxf mkv""".split())
#: Words that leave the pace to the LLM when the rules read none (else every phase is pinned to "same").
PACE_HINTS = ("pace", "paced", "pacing", "tempo", "rhythm", "energy", "speed", "cutting", "feel", "vibe", "mood",
              "tension", "breathe", "punch", "drive", "driving")
#: Words that leave the beat level to the LLM (else it is the style's).
BEAT_WORDS = ("beat", "beats", "half", "double", "eighth", "eighths", "every")


def _has(text: str, words: tuple[str, ...]) -> list[str]:
    return [w for w in words if re.search(rf"(?<![\w'-]){re.escape(w)}(?![\w'-])", text)]


def _plain(text: str) -> str:
    """Case-folded, accents dropped ("Möwe" -> "mowe"), so editors' spellings meet file names."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(ch))


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", _plain(text))


def _negated(clause: str, word: str) -> bool:
    """Whether ``word`` follows a negation within three words of its clause ("no fast cuts", "not too slow")."""
    m = re.search(rf"(?<![\w']){re.escape(word)}(?![\w'])", clause)
    before = clause[:m.start()].split()[-3:] if m else []
    return any(w.strip(".,!") in NEGATION for w in before) or any(
        " ".join(before[i:]).endswith(n) for n in NEGATION if " " in n for i in range(len(before)))


@dataclass
class Reading:
    """What the rules read in a prompt: the directive and, per field, the words that set it."""

    directive: Directive
    prompt: str = ""
    cues: dict[str, str] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        return "; ".join(f"{k} from {v!r}" for k, v in self.cues.items()) or "prompt names nothing the rules know"


def _fuzzy(a: str, b: str) -> bool:
    return a == b or (min(len(a), len(b)) >= 4 and difflib.SequenceMatcher(None, a, b).ratio() >= 0.85)


def _without(text: str, words) -> str:
    for w in words:
        text = re.sub(rf"(?<![\w-]){re.escape(w)}s?(?![\w-])", " ", text)
    return text


def _name_words(name: str) -> list[str]:
    """The words of a clip's name without its extension ("city_lights.mp4" -> city, lights)."""
    return re.findall(r"[a-z0-9]+", _plain(re.sub(r"\.[A-Za-z0-9]{2,4}$", "", name)))


def named_material(clause: str, clip_names: list[str], tags: list[str]) -> tuple[list[str], list[str]]:
    """The clips and tags ``clause`` names. A clip named outright (its whole name, or a word of it with a
    digit: "A001", "drone_02") wins over tags; then tags, singular or plural ("establishing shots"); then a
    word only one clip's name has, exactly or nearly ("drohne", "Anna", "city lights"), unless it is a
    tag's word. A tag that is a word of such a clip's name describes the clip ("the Jonas interview")."""
    said = " ".join(re.findall(r"[a-z0-9_]+(?:-[a-z0-9]+)*", _plain(clause)))
    words = {n: _name_words(n) for n in clip_names}
    spaced = said.replace("_", " ")
    strong = [n for n, ws in words.items() if ws and (
        re.search(rf"(?<![\w-]){re.escape(' '.join(ws))}(?![\w-])", spaced) or
        any(any(ch.isdigit() for ch in w) and not w.isdigit() and len(w) >= 3 and
            re.search(rf"(?<![\w-]){re.escape(w)}", said) for w in ws))]
    if strong:
        return strong, []
    stemmed = " ".join(stem(w) for w in said.replace("_", " ").split())
    found_tags = [t for t in tags if _words(t) and re.search(
        rf"(?<![\w-]){re.escape(' '.join(stem(w) for w in _words(t)))}(?![\w-])", stemmed)]
    rest = [w for w in _without(stemmed, [" ".join(stem(x) for x in _words(t)) for t in found_tags]).split()
            if w not in COMMON]
    counts = Counter(w for ws in words.values() for w in set(ws))
    own = {n: [w for w in ws if counts[w] == 1 and w not in COMMON and len(w) >= 3 and not w.isdigit()]
           for n, ws in words.items()}
    exact = {x for x in rest if any(stem(w) == x for ws in own.values() for w in ws)}
    weak = [n for n, ws in own.items() if any(stem(w) == x or (x not in exact and _fuzzy(stem(w), x))
                                             for w in ws for x in rest)]
    described = {t for t in found_tags for n in weak if set(map(stem, _words(t))) <= set(map(stem, words[n]))}
    return weak, [t for t in found_tags if t not in described]


def _phases(clause: str) -> list[Phase]:
    """The phases ``clause`` names ("after the drop" is the sustain, not the drop)."""
    found = []
    for phase, words in PHASE_WORDS.items():
        hits = _has(clause, words)
        if hits:
            found.append(phase)
            if phase is Phase.SUSTAIN:
                clause = clause.replace("after the drop", " ")
    if Phase.SUSTAIN in found and Phase.CLIMAX in found and not _has(clause, PHASE_WORDS[Phase.CLIMAX]):
        found.remove(Phase.CLIMAX)
    return found


def read_prompt(prompt: str, style: str, clip_names: list[str], styles: list[str],
                tags: list[str] | tuple[str, ...] = ()) -> Reading:
    """The rule director: ``style`` unless the prompt's words name another one of ``styles``; per clause,
    the pace, length and material of the phases it names (the whole edit when it names none). Material is
    a clip (by a fuzzy part of its name) or one of ``tags``; named after a phase it is what that phase takes
    first ("open on the drone shots", "climax on action"), else favoured or avoided over the whole edit."""
    text = prompt.lower()
    cues: dict[str, str] = {}
    d = Directive(style)
    favour: list[str] = []
    avoid: list[str] = []
    material: dict[Phase, list[str]] = {}
    shun: dict[Phase, list[str]] = {}
    named: set[tuple[str, Phase]] = set()
    rest = []  # the clauses without the names of clips and tags (for style and pace words)
    last: tuple[list[Phase], bool] | None = None  # the phases and avoiding of the previous clause's material
    parts = re.split(r"[,;.!:]|\bthen\b|\bbut\b|\band\b|\bwhile\b|\bwith\b(?= a\b)", text)
    for k in range(len(parts) - 1):  # "soft and gentle intro": a word or two alone describe the next part
        if len(parts[k].split()) == 1 and not _phases(parts[k]) and _phases(parts[k + 1]):
            parts[k + 1], parts[k] = f"{parts[k]} {parts[k + 1]}", ""
    clauses = [(c, _phases(c)) for c in parts if c.strip()]
    for clause, phases in clauses:
        clips, hit_tags = named_material(clause, clip_names, list(tags))
        plain = clause
        for w in [*(t for t in hit_tags), *(x for n in clips for x in _words(n))]:
            plain = re.sub(rf"\b{re.escape(w)}s?\b", " ", plain)
        rest.append((plain, phases))
        if not clips and not hit_tags:
            continue
        against = bool(_has(clause, AVOID))
        asks = against or bool(phases) or bool(_has(clause, FAVOUR) or _has(clause, MATERIAL))
        if not asks and last:
            phases, against, asks = *last, True  # "focus on city_lights and crowd_jump": the verb carries over
        last = (phases, against)
        if phases:
            for p in phases:
                (shun if against else material).setdefault(p, []).extend([*clips, *hit_tags])
                cues[f"{'shun' if against else 'material'}.{p}"] = clause.strip()
        elif against:
            avoid.extend(clips)
            d = replace(d, avoid_tags=tuple(dict.fromkeys((*d.avoid_tags, *hit_tags))))
            cues["clips"] = clause.strip()
        elif asks:
            favour.extend(clips)
            d = replace(d, favour_tags=tuple(dict.fromkeys((*d.favour_tags, *hit_tags))))
            cues["clips"] = clause.strip()
    plain_text = " , ".join(c for c, _ in rest)
    for name, words in STYLE_WORDS.items():
        hits = _has(plain_text, words)
        if hits and name in styles:
            style, cues["style"] = name, ", ".join(hits)
            break
    d = replace(d, style=style)
    for clause, phases in sorted(rest, key=lambda cp: bool(cp[1])):  # overall pace first, named parts after
        targets = phases or list(Phase)
        for key, words, factor, back in (("pacing", SLOWER, PACE["slower"], PACE["faster"]),
                                         ("pacing", FASTER, PACE["faster"], PACE["slower"]),
                                         ("arc", LONGER, LENGTH["longer"], LENGTH["shorter"]),
                                         ("arc", SHORTER, LENGTH["shorter"], LENGTH["longer"])):
            hits = _has(clause, words)
            if key == "arc" and _has(clause, SHORT_CUTS):
                hits = [h for h in hits if h != "short"]
            if hits and (phases or key == "pacing"):
                turned = all(_negated(clause, h) for h in hits)
                for p in targets:
                    if phases and (key, p) not in named:  # a named part overrides the overall pace
                        named.add((key, p))
                        d = replace(d, **{key: {**getattr(d, key), p: 1.0}})
                    d = d.with_phase(key, p, back if turned else factor)
                    cues[f"{key}.{p}"] = clause.strip()
    favour = [n for n in favour if n not in avoid]
    if favour or avoid:
        cues["clips"] = ", ".join([*(f"+{n}" for n in favour), *(f"-{n}" for n in avoid)])
    d = replace(d, favour=tuple(dict.fromkeys(favour)), avoid=tuple(dict.fromkeys(avoid)))
    d = d.with_material("material", {p: tuple(v) for p, v in material.items()})
    return Reading(d.with_material("shun", {p: tuple(v) for p, v in shun.items()}), text, cues)


def pins(reading: Reading, style_given: bool, materials: list[str] | None = None) -> dict[str, str]:
    """Schema fields the prompt (or the editor's ``--style``) states plainly, as the LLM's words: the model
    may not answer otherwise there (a small model ignores meaning easily). What the prompt does not speak of
    is pinned to "same" or "none" (a 135M model otherwise fills it at random): phase lengths, the clip (the
    words name every clip they mean, so the model never adds one), opening
    and closing material, and every phase's pace unless the prompt speaks of pace in words the rules do not
    read ("more energy", "the rhythm of a heartbeat")."""
    d, out = reading.directive, {}
    if style_given or "style" in reading.cues:
        out["style"] = d.style
    read = any(k.startswith("pacing.") for k in reading.cues)  # the words gave the pace: the rest is "same"
    for p in Phase:
        if read or not _has(reading.prompt, PACE_HINTS):
            out[p.value.lower()] = min(PACE, key=lambda w: abs(math.log(PACE[w] / d.pacing[p])))
        if f"arc.{p}" in reading.cues:
            out.setdefault("length", f"{'longer' if d.arc[p] > 1 else 'shorter'} {p.value.lower()}")
    out.setdefault("length", "same")
    said = [*(f"favour {n}" for n in d.favour), *(f"avoid {n}" for n in d.avoid)]
    out["clip"] = said[0] if said else "none"  # the rules read every clip the words name
    for key, phase in (("open", Phase.INTRO), ("close", Phase.OUTRO)):
        said = [w for w in d.wanted(phase) if materials is None or w in materials]
        out[key] = said[0] if said else "none"
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
    material = {p: d.material.get(p) or answer.material.get(p, ()) for p in Phase}
    return replace(answer, arc=arc, pacing=pacing, favour=favour, avoid=avoid,
                   material={p: v for p, v in material.items() if v}, shun=d.shun,
                   favour_tags=d.favour_tags, avoid_tags=d.avoid_tags)


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
    said = reading.directive
    for name in set(directive.favour) & set(said.avoid):
        return f"favours {name} but the prompt says {reading.cues.get('clips', 'avoid it')!r}"
    for name in set(directive.avoid) & set(said.favour):
        return f"avoids {name} but the prompt says {reading.cues.get('clips', 'favour it')!r}"
    for p, words in directive.material.items():
        shunned = set(words) & set(said.shunned(p))
        if shunned:
            return f"{p} on {sorted(shunned)[0]} but the prompt says {reading.cues.get(f'shun.{p}', 'avoid it')!r}"
        if said.wanted(p) and not set(said.wanted(p)) & set(words):
            return f"{p} on {words[0]} but the prompt says {reading.cues.get(f'material.{p}', '')!r}"
    return ""


def direct(prompt: str, style: str, style_given: bool, styles: list[str], clip_names: list[str],
           llm: str = "", tags: list[str] | tuple[str, ...] = ()) -> tuple[Directive, dict]:
    """The directive for ``prompt`` and the record of the director that ran (for report.json).

    ``tags`` are the editor's tags on the footage (selects, folders, Resolve), words the prompt may use.
    With ``llm`` (a GGUF path) the LLM director answers what the rules leave open; an unusable model, or
    nonsense or a contradiction of the prompt's words on every try, falls back to the rules, and the
    record says why.
    """
    start = time.perf_counter()
    reading = read_prompt(prompt, style, clip_names, styles, tags)
    record: dict = {"prompt": prompt, "style_source": "user" if style_given else "director"}
    if style_given:
        reading.directive = replace(reading.directive, style=style)
    directive, record["director"], record["reason"] = reading.directive, "rules", reading.reason
    if llm and prompt:
        from .llm import LlmUnavailable, llm_directive
        try:
            answer, attempts = llm_directive(llm, prompt, styles, clip_names,
                                             lambda d: contradiction(d, reading, style_given),
                                             pins(reading, style_given, material_words(clip_names, list(tags))),
                                             tags=list(tags))
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
