"""The ``montage-ai`` command: stop signals are handled from its first instant, so Ctrl-C while the
CLI's modules import (about a second: numpy, OpenTimelineIO) is one line and exit 130, as at any
later moment."""
from __future__ import annotations

import sys

from . import signals
from .errors import Interrupted


def main() -> int:
    previous = signals.install()
    try:
        from .cli import main as run
        return run()  # the CLI installs its own handlers once its parser is built (edges import more)
    except (Interrupted, ImportError) as err:  # while the modules or the parser's edge commands were loading
        stop = err if isinstance(err, Interrupted) else signals.stopped()  # numpy's C part swallows it
        if stop is None:
            raise
        print(f"montage-ai: interrupted ({stop.name}); nothing written", file=sys.stderr)
        return 128 + stop.signum
    finally:
        signals.restore(previous, ignore=True)  # the command has ended: a late signal changes nothing


if __name__ == "__main__":
    sys.exit(main())
