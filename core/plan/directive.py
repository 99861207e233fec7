"""What a director tells the planner, as data: the :class:`Directive` and its JSON schema.

Every director (rules, LLM, the refine loop) returns a ``Directive``; the planner never sees text.
The LLM answers in the words of :data:`PACE` and :data:`LENGTH` (a JSON schema with enums, so its
output always parses and every value is in range); :func:`directive_from_json` validates it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

from ..model import Phase
from .selection import SelectionWeights
from .styles import BEAT_LEVELS

#: Cut-length factor for each word an LLM may use for a phase's pace.
PACE = {"much slower": 2.0, "slower": 1.5, "same": 1.0, "faster": 0.67, "much faster": 0.5}
#: Relative phase length (share of the arc) for each word.
LENGTH = {"shorter": 0.6, "same": 1.0, "longer": 1.6}
#: Value ranges every directive is held to, whoever wrote it.
PACE_RANGE, LENGTH_RANGE = (0.25, 4.0), (0.25, 4.0)
MAX_NAMED_CLIPS = 40


class DirectiveError(ValueError):
    """A directive that is not valid (unknown style, value out of range, unknown clip...)."""


@dataclass(frozen=True)
class Directive:
    """Planning choices: style, relative phase lengths (arc weights), cut-length factor per phase (pacing),
    beat level ("" = the style's), clips to favour or avoid (file names), selection weights (None = the
    style's) and, from the refine loop, cuts whose clip is swapped: ``(cut index, file name to avoid there)``.

    The editor's material per phase: ``material`` (clip names or tags a phase takes first while they have
    unused footage: INTRO's is the opening material, OUTRO's the closing), ``shun`` (clip names or tags
    a phase uses only when nothing else fits); ``favour_tags`` / ``avoid_tags`` hold over the whole edit.
    Tags need not match anything (the planner warns, naming them); clip names must."""

    style: str
    arc: dict[Phase, float] = field(default_factory=lambda: {p: 1.0 for p in Phase})
    pacing: dict[Phase, float] = field(default_factory=lambda: {p: 1.0 for p in Phase})
    beat_level: str = ""
    favour: tuple[str, ...] = ()
    avoid: tuple[str, ...] = ()
    weights: SelectionWeights | None = None
    swaps: tuple[tuple[int, str], ...] = ()
    material: dict[Phase, tuple[str, ...]] = field(default_factory=dict)
    shun: dict[Phase, tuple[str, ...]] = field(default_factory=dict)
    favour_tags: tuple[str, ...] = ()
    avoid_tags: tuple[str, ...] = ()

    def validate(self, styles: list[str], clip_names: list[str]) -> "Directive":
        """``self`` when every value is allowed, else :class:`DirectiveError` naming the first bad one."""
        if self.style not in styles:
            raise DirectiveError(f"style {self.style!r} is not one of {', '.join(styles)}")
        for key, values, (lo, hi) in (("arc", self.arc, LENGTH_RANGE), ("pacing", self.pacing, PACE_RANGE)):
            if set(values) != set(Phase):
                raise DirectiveError(f"{key} must give every phase")
            bad = [f"{p}={v!r}" for p, v in values.items() if not lo <= v <= hi]
            if bad:
                raise DirectiveError(f"{key} {bad[0]} is outside {lo:g}..{hi:g}")
        if self.beat_level and self.beat_level not in BEAT_LEVELS:
            raise DirectiveError(f"beat level {self.beat_level!r} is not one of {', '.join(BEAT_LEVELS)}")
        unknown = [n for n in (*self.favour, *self.avoid, *(n for _, n in self.swaps)) if n not in clip_names]
        if unknown:
            raise DirectiveError(f"no clip named {unknown[0]!r}")
        if set(self.favour) & set(self.avoid):
            raise DirectiveError("a clip is both favoured and avoided")
        for key in ("material", "shun"):
            if not set(getattr(self, key)) <= set(Phase):
                raise DirectiveError(f"{key} names a phase that does not exist")
        return self

    def wanted(self, phase: Phase) -> tuple[str, ...]:
        """What ``phase`` takes first (clip names and tags)."""
        return self.material.get(phase, ())

    def shunned(self, phase: Phase) -> tuple[str, ...]:
        """What ``phase`` uses only when nothing else fits (its own and the whole edit's tags)."""
        return tuple(dict.fromkeys((*self.shun.get(phase, ()), *self.avoid_tags)))

    def with_material(self, key: str, phase_words: dict[Phase, tuple[str, ...]]) -> "Directive":
        """A copy with ``phase_words`` added to ``material`` or ``shun``."""
        values = {p: tuple(v) for p, v in getattr(self, key).items()}
        for p, words in phase_words.items():
            values[p] = tuple(dict.fromkeys((*values.get(p, ()), *words)))
        return replace(self, **{key: {p: v for p, v in values.items() if v}})

    def asked_tags(self) -> list[tuple[str, str]]:
        """``(tag or clip word, where it was asked)`` for every material word of the directive."""
        out = [(w, f"{key} {p}") for key in ("material", "shun") for p, ws in getattr(self, key).items()
               for w in ws]
        return out + [(w, "favour") for w in self.favour_tags] + [(w, "avoid") for w in self.avoid_tags]

    def as_dict(self) -> dict:
        """JSON-ready form for report.json."""
        out = {"style": self.style, "arc": {p.value: v for p, v in self.arc.items()},
               "pacing": {p.value: v for p, v in self.pacing.items()}, "beat_level": self.beat_level,
               "favour": list(self.favour), "avoid": list(self.avoid)}
        if self.weights is not None:
            out["weights"] = vars(self.weights)
        for key in ("material", "shun"):
            if getattr(self, key):
                out[key] = {p.value: list(v) for p, v in getattr(self, key).items()}
        for key in ("favour_tags", "avoid_tags"):
            if getattr(self, key):
                out[key] = list(getattr(self, key))
        if self.swaps:
            out["swaps"] = [{"cut": i, "avoid": n} for i, n in self.swaps]
        return out

    def with_phase(self, key: str, phase: Phase, factor: float) -> "Directive":
        """A copy with ``arc`` or ``pacing`` of ``phase`` multiplied by ``factor`` (kept in range)."""
        lo, hi = LENGTH_RANGE if key == "arc" else PACE_RANGE
        values = dict(getattr(self, key))
        values[phase] = round(min(max(values[phase] * factor, lo), hi), 3)
        return replace(self, **{key: values})


def material_words(clip_names: list[str], tags: list[str]) -> list[str]:
    """The words an LLM may name as opening or closing material: tags, and clip names when few."""
    return [*tags, *(clip_names if len(clip_names) <= MAX_NAMED_CLIPS else ())][:MAX_NAMED_CLIPS * 2]


def directive_schema(styles: list[str], clip_names: list[str], pins: dict[str, str] | None = None,
                     tags: list[str] = ()) -> dict:
    """The JSON schema an LLM answers in: flat and enums only (few tokens for a small model; every parse in range).

    One pace word per phase, one phase to make longer or shorter ("longer build"), the beat level, and
    (with at most :data:`MAX_NAMED_CLIPS` clips) one clip to favour or avoid ("avoid city.mp4"). Paired
    choices are single fields because a small model copies one field's value into the next. ``open`` and
    ``close`` name the material (a tag or clip) the edit opens and ends on. ``pins`` fixes fields to one
    word (what the prompt says plainly), leaving the model the rest.
    """
    word = lambda words: {"type": "string", "enum": list(words)}  # noqa: E731
    phases = [p.value.lower() for p in Phase]
    props: dict = {"style": word(styles), **{p: word(PACE) for p in phases},
                   "length": word(("same", *(f"{w} {p}" for p in phases for w in ("longer", "shorter")))),
                   "beat_level": word(("style", *BEAT_LEVELS))}
    if 0 < len(clip_names) <= MAX_NAMED_CLIPS:
        props["clip"] = word(("none", *(f"{w} {n}" for n in clip_names for w in ("favour", "avoid"))))
    materials = material_words(clip_names, list(tags))
    if materials:
        props.update({"open": word(("none", *materials)), "close": word(("none", *materials))})
    props.update({k: word((v,)) for k, v in (pins or {}).items() if k in props})
    return {"type": "object", "properties": props, "required": list(props)}


def directive_from_json(text: str, styles: list[str], clip_names: list[str], tags: list[str] = ()) -> Directive:
    """Parse and validate an LLM's answer (schema :func:`directive_schema`); :class:`DirectiveError` if not valid."""
    try:
        data = json.loads(text)
        level = data.get("beat_level", "style")
        arc = {p: 1.0 for p in Phase}
        if data.get("length", "same") != "same":
            word, phase = data["length"].split(" ", 1)
            arc[Phase(phase.upper())] = LENGTH[word]
        clip = {"favour": (), "avoid": ()}
        if data.get("clip", "none") != "none":
            verb, name = data["clip"].split(" ", 1)
            clip[verb if verb in clip else "?"] = (name,)
        materials = material_words(clip_names, list(tags))
        ends = {phase: data.get(key, "none") for key, phase in (("open", Phase.INTRO), ("close", Phase.OUTRO))}
        if any(w != "none" and w not in materials for w in ends.values()):
            raise ValueError(f"open/close names no tag or clip: {ends}")
        directive = Directive(
            style=data["style"],
            pacing={p: PACE[data[p.value.lower()]] for p in Phase},
            arc=arc,
            beat_level="" if level == "style" else level,
            favour=clip["favour"], avoid=clip["avoid"],
            material={p: (w,) for p, w in ends.items() if w != "none"})
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise DirectiveError(f"not a directive ({type(err).__name__}: {err})") from None
    return directive.validate(styles, clip_names)
