"""Whether Qt will find a screen, asked before ``QApplication`` exists: without one Qt aborts the process
with several lines ("could not connect to display", "no Qt platform plugin could be initialized")."""
from __future__ import annotations

import os
import sys
from pathlib import Path

#: Platform plugins that need a display server, and the variable naming it.
NEEDS = {"xcb": "DISPLAY", "wayland": "WAYLAND_DISPLAY", "wayland-egl": "WAYLAND_DISPLAY"}
WITHOUT_SCREEN = "set QT_QPA_PLATFORM=offscreen for a window without a screen"


def _plugins() -> set[str] | None:
    """Names of the platform plugins this PySide6 ships (None when the folder cannot be read)."""
    from PySide6.QtCore import QLibraryInfo
    folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms"
    try:
        return {p.name.split(".")[0].removeprefix("lib").removeprefix("q") for p in folder.iterdir()}
    except OSError:
        return None


def _x_server_up(display: str) -> bool:
    """A local ``:N`` display has its socket; a remote one is taken on trust."""
    host, _, number = display.partition(":")
    if host not in ("", "unix") or not number:
        return True
    socket = Path(f"/tmp/.X11-unix/X{number.split('.')[0]}")
    return socket.exists()


def _usable(name: str) -> bool:
    need = NEEDS.get(name)
    if need is None:
        return True
    value = os.environ.get(need, "")
    return bool(value) and (need != "DISPLAY" or _x_server_up(value))


def display_problem() -> str | None:
    """None when Qt can open a window here, else one line saying why not and what to do (Linux and other
    X11/Wayland systems; macOS and Windows always have their screen)."""
    if sys.platform in ("darwin", "win32", "cygwin"):
        return None
    asked = os.environ.get("QT_QPA_PLATFORM", "")
    names = [n.split(":")[0] for n in asked.split(";") if n.strip()] or ["wayland", "xcb"]
    plugins = _plugins()
    if asked and plugins is not None and not any(n in plugins for n in names):
        return f"the panel cannot open: QT_QPA_PLATFORM={asked} names no Qt platform plugin of this PySide6 " \
               f"({', '.join(sorted(plugins))}); {WITHOUT_SCREEN}"
    if any(_usable(n) for n in names if plugins is None or n in plugins):
        return None
    shown = f"DISPLAY={os.environ.get('DISPLAY', '')!r}, WAYLAND_DISPLAY={os.environ.get('WAYLAND_DISPLAY', '')!r}"
    return f"the panel cannot open: no usable display ({shown}): run it in a desktop session, or {WITHOUT_SCREEN}"
