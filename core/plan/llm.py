"""The LLM director: a local GGUF model (llama-cpp-python, in process) answers a prompt with a :class:`Directive`.

The answer is constrained by the directive's JSON schema (llama-cpp turns it into a grammar), so it
always parses and every value is in range; it is then checked against what the prompt says plainly
and asked again (another seed, warmer) when it contradicts it. Nothing here is needed without ``--llm``.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable

from ..model import Phase
from .directive import MAX_NAMED_CLIPS, PACE, Directive, DirectiveError, directive_from_json, directive_schema

TRIES = 3
#: ``complete(messages, schema, attempt) -> text``: one model answer.
Complete = Callable[[list[dict], dict, int], str]

_models: dict[str, object] = {}


class LlmUnavailable(Exception):
    """No usable model: llama-cpp-python missing, or the file is not a loadable GGUF."""


def _model(path: str):
    if path not in _models:
        try:
            from llama_cpp import Llama
        except ImportError:
            raise LlmUnavailable("llama-cpp-python is not installed (pip install 'montage-ai[llm]')") from None
        if not Path(path).is_file():
            raise LlmUnavailable(f"{path}: model file not found")
        try:
            # one thread: a small model gains little from more, and busy-waiting threads on a shared CPU lose a lot
            _models[path] = Llama(model_path=str(path), n_ctx=2048, n_threads=1, verbose=False)
        except (ValueError, RuntimeError, OSError) as err:
            raise LlmUnavailable(f"{path}: cannot load the model ({err})") from None
    return _models[path]


def model_complete(path: str) -> Complete:
    """A :data:`Complete` over the GGUF model at ``path`` (loaded once per process)."""
    llm = _model(path)

    def complete(messages: list[dict], schema: dict, attempt: int) -> str:
        out = llm.create_chat_completion(messages=messages, response_format={"type": "json_object", "schema": schema},
                                         temperature=0.2 + 0.3 * attempt, seed=attempt, max_tokens=160)
        return out["choices"][0]["message"]["content"] or ""
    return complete


def _messages(prompt: str, styles: list[str], clip_names: list[str], tags: list[str] = ()) -> list[dict]:
    phases = ", ".join(p.value.lower() for p in Phase)
    clips = f" Clips: {', '.join(clip_names)}." if clip_names and len(clip_names) <= MAX_NAMED_CLIPS else ""
    system = (f"You plan a video edit cut to music. Answer in JSON. style: one of {', '.join(styles)}. "
              f"For each part of the song ({phases}) say how the cutting should change: {', '.join(PACE)} "
              "(slower = longer shots). longer/shorter: the part to make longer or shorter, or none. "
              f"beat_level: style, half, beat or double.{clips} favour/avoid: a clip the editor asks for or "
              "against, else none."
              + (f" Tags on the footage: {', '.join(tags)}." if tags else "")
              + " open/close: the tag or clip the edit opens or ends on, else none.")
    return [{"role": "system", "content": system}, {"role": "user", "content": prompt}]


def llm_directive(path: str, prompt: str, styles: list[str], clip_names: list[str],
                  check: Callable[[Directive], str], pins: dict[str, str] | None = None,
                  complete: Complete | None = None, tries: int = TRIES,
                  tags: list[str] = ()) -> tuple[Directive | None, list[dict]]:
    """The model's directive for ``prompt`` (None when all ``tries`` answers were invalid or rejected by
    ``check``, which returns why a directive contradicts the prompt) and a record of every attempt.
    ``pins`` fixes schema fields the prompt states plainly (see :func:`directive_schema`); ``tags`` are the
    footage's tags the answer may name."""
    complete = complete or model_complete(path)
    schema = directive_schema(styles, clip_names, pins, tags)
    messages = _messages(prompt, styles, clip_names, tags)
    attempts = []
    for attempt in range(tries):
        start = time.perf_counter()
        text = ""
        try:
            text = complete(messages, schema, attempt)
            directive = directive_from_json(text, styles, clip_names, tags)
            problem = check(directive)
        except DirectiveError as err:
            directive, problem = None, str(err)
        except Exception as err:  # noqa: BLE001 - the model's runtime failing is a reason to fall back
            directive, problem = None, f"model failed: {type(err).__name__}: {err}"
        attempts.append({"answer": _short(text), "seconds": round(time.perf_counter() - start, 3),
                         "accepted": not problem, **({"rejected": problem} if problem else {})})
        if not problem:
            return directive, attempts
    return None, attempts


def _short(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return text[:300]
