"""The Resolve bridge as the panel sees it: the few names it calls, imported from the modules that hold them
(:mod:`.build`, :mod:`.connect`, :mod:`.media_pool`, :mod:`.proxies`, :mod:`.versions`, :mod:`.writer`), so an
edge reaches Resolve through one module."""
from __future__ import annotations

from .build import Build, detect, export_for_import, import_steps
from .connect import connect
from .media_pool import read_folder
from .proxies import link_proxies, unlink_proxies
from .versions import undo_push
from .writer import push_timeline

__all__ = ["Build", "connect", "detect", "export_for_import", "import_steps", "link_proxies", "push_timeline",
           "read_folder", "undo_push", "unlink_proxies"]
