"""Record every call the bridge makes on a real Resolve, and its answer, to a JSON transcript; replay a
transcript as a stand-in for Resolve in tests (the first real run becomes a regression test).

A transcript is ``{"montage_ai_transcript": 1, "calls": [{"ref", "method", "args", "result"}...]}``:
Resolve objects are ``{"ref": n}`` (the app is 0), dicts are ``{"dict": [[key, value]...]}`` (Resolve
keys markers by float frames), a method Resolve does not have is ``"missing": true``. Paths inside the
bridge's temporary folder are written as ``<tmp>/name``.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

TMP = re.compile(r"^.*montage-ai-resolve-[^/\\]*[/\\]")
PRIMITIVES = (type(None), bool, int, float, str)


class ReplayMismatch(AssertionError):
    """The bridge asked something the transcript did not record at this point."""


def _plain(value: Any) -> Any:
    return TMP.sub("<tmp>/", value) if isinstance(value, str) else value


class Recorder:
    """Stands in front of one Resolve object and writes every method call and answer to ``calls``."""

    def __init__(self, target: Any, calls: list, refs: list) -> None:
        self._target, self._calls, self._refs = target, calls, refs
        self._ref = len(refs)
        refs.append(self)

    def _encode(self, value: Any) -> Any:
        if isinstance(value, Recorder):
            return {"ref": value._ref}
        if isinstance(value, PRIMITIVES):
            return _plain(value)
        if isinstance(value, (list, tuple)):
            return [self._encode(v) for v in value]
        if isinstance(value, dict):
            return {"dict": [[self._encode(k), self._encode(v)] for k, v in value.items()]}
        return {"ref": Recorder(value, self._calls, self._refs)._ref}

    def _unwrap(self, value: Any) -> Any:
        if isinstance(value, Recorder):
            return value._target
        if isinstance(value, (list, tuple)):
            return [self._unwrap(v) for v in value]
        if isinstance(value, dict):
            return {k: self._unwrap(v) for k, v in value.items()}
        return value

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._target, name, None)
        if not callable(method):
            self._calls.append({"ref": self._ref, "method": name, "missing": True})
            return None

        def recorded(*args: Any) -> Any:
            entry = {"ref": self._ref, "method": name, "args": self._encode(list(args))}
            self._calls.append(entry)
            result = method(*self._unwrap(list(args)))
            entry["result"] = self._encode(result)
            return self._decode(entry["result"])
        return recorded

    def _decode(self, value: Any) -> Any:
        if isinstance(value, dict) and "ref" in value:
            return self._refs[value["ref"]]
        if isinstance(value, dict):
            return {self._decode(k): self._decode(v) for k, v in value["dict"]}
        if isinstance(value, list):
            return [self._decode(v) for v in value]
        return value


def save(calls: list, path: Path) -> None:
    path.write_text(json.dumps({"montage_ai_transcript": 1, "calls": calls}, indent=1) + "\n", encoding="utf-8")


class Replay:
    """Resolve as a transcript recorded it: answers each call in order, refuses any other call."""

    def __init__(self, path: Path) -> None:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        self.calls, self.position = data["calls"], 0
        self.app = _Replayed(self, 0)

    def answer(self, ref: int, method: str, args: list | None) -> Any:
        if self.position >= len(self.calls):
            raise ReplayMismatch(f"call {method} on object {ref} after the transcript ended")
        entry = self.calls[self.position]
        self.position += 1
        asked = {"ref": ref, "method": method, **({"missing": True} if args is None else {"args": args})}
        recorded = {k: entry[k] for k in ("ref", "method", "missing", "args") if k in entry}
        if asked != recorded:
            raise ReplayMismatch(f"call {self.position}: asked {asked}, the transcript has {recorded}")
        return entry.get("result")

    @property
    def finished(self) -> bool:
        return self.position == len(self.calls)

    def decode(self, value: Any) -> Any:
        if isinstance(value, dict) and "ref" in value:
            return _Replayed(self, value["ref"])
        if isinstance(value, dict):
            return {self.decode(k): self.decode(v) for k, v in value["dict"]}
        if isinstance(value, list):
            return [self.decode(v) for v in value]
        return value


class _Replayed:
    def __init__(self, replay: Replay, ref: int) -> None:
        self._replay, self._ref = replay, ref

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Replayed) and other._ref == self._ref

    def __hash__(self) -> int:
        return hash(self._ref)

    def __getattr__(self, name: str) -> Any:
        entry = self._replay.calls[self._replay.position] if not self._replay.finished else {}
        if entry.get("missing") and entry.get("method") == name and entry.get("ref") == self._ref:
            self._replay.answer(self._ref, name, None)
            return None
        return lambda *args: self._replay.decode(self._replay.answer(self._ref, name, _encode_args(list(args))))


def _encode_args(value: Any) -> Any:
    if isinstance(value, _Replayed):
        return {"ref": value._ref}
    if isinstance(value, PRIMITIVES):
        return _plain(value)
    if isinstance(value, (list, tuple)):
        return [_encode_args(v) for v in value]
    if isinstance(value, dict):
        return {"dict": [[_encode_args(k), _encode_args(v)] for k, v in value.items()]}
    raise ReplayMismatch(f"cannot compare an argument of type {type(value).__name__}")
