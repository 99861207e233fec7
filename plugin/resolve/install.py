"""Install the launcher into Resolve's Scripts menu (Workspace > Scripts > Utility > Montage AI).

The Scripts folder is per OS (user or all users); ``MONTAGE_AI_RESOLVE_SCRIPTS_DIR`` overrides it.
"""
from __future__ import annotations

import os
import site
import sys
import sysconfig
from importlib import resources
from pathlib import Path

from montage_ai.errors import InputError

from .connect import connect, load_script_module

ENV_SCRIPTS_DIR = "MONTAGE_AI_RESOLVE_SCRIPTS_DIR"
LAUNCHER = "Montage AI.py"
MENU = "Utility"  # the Scripts submenu shown on every page
PLACEHOLDER = "INSTALL = {}"


def scripts_dir(system: bool = False) -> Path:
    """Resolve's ``Fusion/Scripts`` folder for this user (or all users when ``system``)."""
    override = os.environ.get(ENV_SCRIPTS_DIR, "").strip()
    if override:
        return Path(override)
    home = Path.home()
    if sys.platform == "darwin":
        base = Path("/Library") if system else home / "Library"
        return base / "Application Support" / "Blackmagic Design" / "DaVinci Resolve" / "Fusion" / "Scripts"
    if sys.platform.startswith(("win", "cygwin")):
        if system:
            root = Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / "Blackmagic Design" / "DaVinci Resolve"
        else:
            appdata = Path(os.environ.get("APPDATA", home / "AppData" / "Roaming"))
            root = appdata / "Blackmagic Design" / "DaVinci Resolve" / "Support"
        return root / "Fusion" / "Scripts"
    return Path("/opt/resolve/Fusion/Scripts") if system else home / ".local/share/DaVinciResolve/Fusion/Scripts"


def launcher_path(system: bool = False) -> Path:
    return scripts_dir(system) / MENU / LAUNCHER


def install_record() -> dict:
    """Where this interpreter keeps montage_ai, for the launcher running under Resolve's Python."""
    dirs = [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    if site.ENABLE_USER_SITE and os.path.isdir(site.getusersitepackages()):
        dirs.append(site.getusersitepackages())
    return {"site_dirs": list(dict.fromkeys(dirs)), "python": "%d.%d" % sys.version_info[:2]}


def launcher_text() -> str:
    """The packaged launcher with this installation recorded in it."""
    text = resources.files("montage_ai.resolve_scripts").joinpath(LAUNCHER).read_text(encoding="utf-8")
    if text.count(PLACEHOLDER) != 1:
        raise RuntimeError(f"{LAUNCHER} must contain the line {PLACEHOLDER!r} exactly once")
    return text.replace(PLACEHOLDER, f"INSTALL = {install_record()!r}")


def _denied(path: Path, err: OSError, system: bool) -> InputError:
    hint = "; the all-users folder needs administrator rights (or drop --system)" if system else ""
    return InputError(path, f"cannot write here ({err.strerror or err}){hint}")


def install(system: bool = False) -> Path:
    """Write the launcher into the Scripts/Utility folder (replacing an older one); its path."""
    target = launcher_path(system)
    staged = target.with_name(f".{LAUNCHER}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staged.write_text(launcher_text(), encoding="utf-8")
        os.replace(staged, target)
    except OSError as err:
        raise _denied(target, err, system) from None
    return target


def uninstall(system: bool = False) -> Path | None:
    """Remove the launcher; its former path, or None when it was not installed."""
    target = launcher_path(system)
    if not target.is_file():
        return None
    try:
        target.unlink()
    except OSError as err:
        raise _denied(target, err, system) from None
    return target


def status() -> list[str]:
    """One line per thing the bridge needs: launcher(s), the scripting module, a reachable Resolve."""
    targets: dict[Path, str] = {}
    for system, who in ((False, "this user"), (True, "all users")):
        targets.setdefault(launcher_path(system), who)
    lines = [f"launcher ({who}): {'installed' if t.is_file() else 'not installed'} ({t})" for t, who in targets.items()]
    try:
        module = load_script_module()
    except InputError as err:
        return [*lines, f"DaVinciResolveScript: {err}"]
    lines.append(f"DaVinciResolveScript: found ({getattr(module, '__file__', None) or 'built in'})")
    try:
        session = connect()
    except InputError as err:
        return [*lines, f"Resolve: {err}"]
    app, project = session.resolve, session.project
    lines.append(f"Resolve: reachable ({app.GetProductName()} {app.GetVersionString()}), project "
                 f"{project.GetName()!r} at {project.GetSetting('timelineFrameRate')} fps")
    return lines
