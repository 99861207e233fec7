"""Reach the running DaVinci Resolve: the Scripts-menu ``resolve`` global, else ``DaVinciResolveScript``.

Every failure is an :class:`~montage_ai.errors.InputError` whose one-line message says what to do.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from montage_ai.errors import InputError

MODULE = "DaVinciResolveScript"

NOT_REACHABLE = (
    "DaVinci Resolve is not reachable: start Resolve, set Preferences > System > General > "
    "External scripting using: Local and restart Resolve; recent free (non-Studio) editions refuse "
    "external scripting, so run Montage AI from Workspace > Scripts > Utility inside Resolve instead")
NO_PROJECT = "no project is open in DaVinci Resolve: open or create a project, then try again"


@dataclass
class Session:
    """The Resolve app and the open project's media pool (Resolve scripting objects)."""

    resolve: Any
    project: Any
    media_pool: Any


def default_api_dir() -> Path:
    """Where Resolve's installer puts ``Developer/Scripting`` on this OS."""
    if sys.platform == "darwin":
        return Path("/Library/Application Support/Blackmagic Design/DaVinci Resolve/Developer/Scripting")
    if sys.platform.startswith(("win", "cygwin")):
        program_data = os.environ.get("PROGRAMDATA", r"C:\ProgramData")
        return Path(program_data) / "Blackmagic Design" / "DaVinci Resolve" / "Support" / "Developer" / "Scripting"
    return Path("/opt/resolve/Developer/Scripting")


def api_dirs() -> list[Path]:
    """``RESOLVE_SCRIPT_API`` (when set) then the OS default, without duplicates."""
    env = os.environ.get("RESOLVE_SCRIPT_API", "").strip()
    dirs = [Path(env)] if env else []
    default = default_api_dir()
    return dirs + ([default] if default not in dirs else [])


def load_script_module() -> ModuleType:
    """Import ``DaVinciResolveScript`` from ``sys.path``, else from ``<api dir>/Modules`` (added to ``sys.path``)."""
    tried: list[str] = []
    for api in [None, *api_dirs()]:
        if api is not None:
            modules = api / "Modules"
            tried.append(str(modules))
            if not (modules / f"{MODULE}.py").is_file():
                continue
            if str(modules) not in sys.path:
                sys.path.insert(0, str(modules))
                importlib.invalidate_caches()
        try:
            return importlib.import_module(MODULE)
        except ModuleNotFoundError as err:
            if err.name != MODULE:
                raise _load_failed(err) from None
        except ImportError as err:  # found, but fusionscript (RESOLVE_SCRIPT_LIB) did not load
            raise _load_failed(err) from None
        except Exception as err:  # a broken module file: a syntax error, an exception while it loads
            spec = importlib.util.find_spec(MODULE)
            raise InputError(spec.origin if spec and spec.origin else MODULE,
                             f"Resolve's scripting module does not load ({type(err).__name__}: {err}); "
                             "reinstall DaVinci Resolve or point RESOLVE_SCRIPT_API at a working one") from None
    raise InputError(None, f"DaVinci Resolve's scripting module {MODULE} was not found (tried sys.path, "
                           f"{', '.join(tried)}); install DaVinci Resolve or set RESOLVE_SCRIPT_API to its "
                           "Developer/Scripting folder")


def _load_failed(err: ImportError) -> InputError:
    return InputError(None, f"{MODULE} was found but could not load Resolve's scripting library ({err}); set "
                            "RESOLVE_SCRIPT_LIB to the fusionscript.so/.dll of your Resolve install "
                            f"(Python {sys.version_info.major}.{sys.version_info.minor} must be supported "
                            "by your Resolve version)")


def connect(resolve: Any = None) -> Session:
    """The open project of ``resolve`` (the Scripts-menu global), else of ``scriptapp("Resolve")``."""
    app = resolve if resolve is not None else load_script_module().scriptapp("Resolve")
    if app is None:
        raise InputError(None, NOT_REACHABLE)
    manager = app.GetProjectManager()
    if not manager:
        raise InputError(None, "DaVinci Resolve returned no project manager: open the Project Manager, "
                               "connect a project library, then try again")
    project = manager.GetCurrentProject()
    if not project:
        raise InputError(None, NO_PROJECT)
    pool = project.GetMediaPool()
    if not pool:
        raise InputError(None, "the open Resolve project has no media pool: reopen the project and try again")
    return Session(app, project, pool)
