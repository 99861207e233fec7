"""How a ``montage-ai`` run ends: stop signals (the clean-up first, then exit 128 + the signal), the one line on
stderr for bad input or a failing environment (exit 2) or a bug (exit 1), and a reader of stdout that goes away."""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import traceback
from pathlib import Path

from .. import api, signals
from .parser import EXIT_BAD_INPUT, build_parser


def _what_was_written(args: argparse.Namespace) -> str:
    """The end of the "interrupted" line: whether the output folder holds the new set or the old one."""
    out = getattr(args, "out", None)
    if out is None or args.command == "proxies":
        return "; nothing written"
    return (f"; new set written to {api.shown(out)}" if api.output_committed(out)
            else f"; nothing written, {api.previous_set(out)}")


def _say(problem: str) -> None:
    """The one line on stderr that ends a failed command (a newline inside it, e.g. from a name, escaped)."""
    print(f"montage-ai: {problem}".replace("\r", "\\r").replace("\n", "\\n"), file=sys.stderr)


def _os_problem(err: OSError) -> str:
    """One line for an environment failure (disk full, permissions, a missing temporary folder)."""
    where, tmp = err.filename, tempfile.gettempdir()
    if (where is None and "temporary" in str(err)) or (where is not None and Path(where).parent == Path(tmp)):
        where = f"$TMPDIR ({tmp})"
    problem = err.strerror or str(err)
    return problem if where is None else f"{where}: {problem}"


def _quiet_stdout(stream=None) -> None:
    """The reader of our stdout went away (``| head``): drop what is left instead of failing at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, (stream or sys.stdout).fileno())
    os.close(devnull)


class _ReaderMayLeave:
    """stdout for a run: when its reader stops reading (``make … | head``), the run goes on to the end and
    what it prints later is dropped, instead of the run dying half-way on a broken pipe."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            _quiet_stdout(self._stream)
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            _quiet_stdout(self._stream)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def main(argv: list[str] | None = None) -> int:
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="surrogateescape")  # file names that are not UTF-8 print as their bytes
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # bare ``montage-ai``: what it does and its commands
        parser.print_help()
        return 0
    previous = signals.install(on_stop=api.stop_work)
    stdout, sys.stdout = sys.stdout, _ReaderMayLeave(sys.stdout)
    interrupted = False
    try:
        code = args.func(args)
        sys.stdout.flush()
    except api.InputError as err:
        _say(str(err))
        return EXIT_BAD_INPUT
    except api.Interrupted as err:
        print(f"montage-ai: interrupted ({err.name}){_what_was_written(args)}", file=sys.stderr)
        interrupted = True
        return 128 + err.signum
    except KeyboardInterrupt:
        print("montage-ai: interrupted", file=sys.stderr)
        interrupted = True
        return 130
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    except OSError as err:  # the environment, not the input: disk full, permissions, $TMPDIR
        _say(_os_problem(err))
        return EXIT_BAD_INPUT
    except Exception as err:  # a bug, not bad input: one line, details on request
        if os.environ.get("MONTAGE_AI_DEBUG"):
            traceback.print_exc()
        _say(f"internal error: {type(err).__name__}: {err} (set MONTAGE_AI_DEBUG=1 for details)")
        return 1
    finally:
        # after a stop, or at the end of the command itself, a late signal must not change how it ended: the
        # handlers go first, so one that comes while the children and pools are stopped below is not raised there
        signals.restore(previous, ignore=interrupted or argv is None)
        sys.stdout = stdout
        api.stop_work(refuse_new=False)
    return code or 0
