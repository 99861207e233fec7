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
    except Interrupted as err:
        signals.restore(previous, ignore=True)
        print(f"montage-ai: interrupted ({err.name}); nothing written", file=sys.stderr)
        return 128 + err.signum
    signals.restore(previous, ignore=False)
    return run()


if __name__ == "__main__":
    sys.exit(main())
