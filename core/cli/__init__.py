"""``montage-ai`` command line: a thin edge over :mod:`montage_ai.api`, split by job: :mod:`.parser` (options,
one-line argparse errors), :mod:`.commands` (one function per command), :mod:`.process` (``main``: signals,
exit codes, the one line that ends a failed run).

Bad input ends with one line on stderr (``montage-ai: <file>: <problem>``) and exit code 2.
"""
from __future__ import annotations

from .commands import cmd_make, make_job, warning_summary
from .parser import EXIT_BAD_INPUT, _add_make_options, build_parser
from .process import _os_problem, main

__all__ = ["EXIT_BAD_INPUT", "_add_make_options", "_os_problem", "build_parser", "cmd_make", "main", "make_job",
           "warning_summary"]
