"""``python -m montage_ai.cli``: the command line, as the ``montage-ai`` script runs it."""
import sys

from . import main

sys.exit(main())
