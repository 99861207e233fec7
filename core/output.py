"""All-or-nothing output: files are written in a staging folder and moved in place only on success."""
from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import InputError


@contextmanager
def staged_output(out_dir: Path) -> Iterator[Path]:
    """Yield a staging folder next to ``out_dir``; on success each file in it replaces its namesake
    in ``out_dir`` (created if needed) by an atomic rename; on any error the staging folder is removed
    and ``out_dir`` is left as it was."""
    out_dir = out_dir.expanduser().resolve()
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(out_dir, "output path exists and is not a folder")
    parent = out_dir.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".partial", dir=parent))
    except OSError as err:
        raise InputError(parent, f"cannot write here ({err.strerror})") from None
    try:
        yield stage
        out_dir.mkdir(exist_ok=True)
        for item in sorted(stage.iterdir()):
            os.replace(item, out_dir / item.name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
