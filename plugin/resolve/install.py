"""Install the launcher into Resolve's Scripts menu (Workspace > Scripts > Utility > Montage AI).

The Scripts folder is per OS (user or all users; on macOS also the Mac App Store build's container);
``MONTAGE_AI_RESOLVE_SCRIPTS_DIR`` overrides it. ``status`` says what Resolve will see: the Python it
runs Scripts-menu scripts with (``MONTAGE_AI_RESOLVE_PYTHON`` overrides the guess), whether that Python
can open the panel, and the edition's limits.
"""
from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import sysconfig
from importlib import resources
from pathlib import Path

from montage_ai.errors import InputError

from .build import Build, detect
from .connect import connect, load_script_module

ENV_SCRIPTS_DIR = "MONTAGE_AI_RESOLVE_SCRIPTS_DIR"
ENV_PYTHON = "MONTAGE_AI_RESOLVE_PYTHON"
APP_STORE = "Library/Containers/com.blackmagic-design.DaVinciResolveLite/Data/Library/Application Support"
EDITION_LIMITS = ("the free edition allows no external scripting (`montage-ai resolve push` from a terminal needs "
                  "Studio; open Montage AI from Workspace > Scripts instead) and from 21.1 runs no Python from the "
                  "Scripts menu (then import montage.otio / montage.xml with File > Import > Timeline)")
LAUNCHER = "Montage AI.py"
MENU = "Utility"  # the Scripts submenu shown on every page
PLACEHOLDER = "INSTALL = {}"


def scripts_dirs(system: bool = False) -> list[Path]:
    """Resolve's ``Fusion/Scripts`` folders for this user (or all users when ``system``): on macOS the Mac
    App Store build's container too, when that build is installed."""
    override = os.environ.get(ENV_SCRIPTS_DIR, "").strip()
    if override:
        return [Path(override)]
    home = Path.home()
    if sys.platform == "darwin":
        tail = Path("Blackmagic Design") / "DaVinci Resolve" / "Fusion" / "Scripts"
        if system:
            return [Path("/Library/Application Support") / tail]
        store = home / APP_STORE
        return [home / "Library" / "Application Support" / tail,
                *([store / tail] if store.parent.parent.parent.is_dir() else [])]
    if sys.platform.startswith(("win", "cygwin")):
        if system:
            root = Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / "Blackmagic Design" / "DaVinci Resolve"
        else:
            appdata = Path(os.environ.get("APPDATA", home / "AppData" / "Roaming"))
            root = appdata / "Blackmagic Design" / "DaVinci Resolve" / "Support"
        return [root / "Fusion" / "Scripts"]
    return [Path("/opt/resolve/Fusion/Scripts") if system else home / ".local/share/DaVinciResolve/Fusion/Scripts"]


def launcher_paths(system: bool = False) -> list[Path]:
    return [d / MENU / LAUNCHER for d in scripts_dirs(system)]


def install_record() -> dict:
    """Where this interpreter keeps montage_ai, for the launcher running under Resolve's Python."""
    dirs = [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    if site.ENABLE_USER_SITE and os.path.isdir(site.getusersitepackages()):
        dirs.append(site.getusersitepackages())
    return {"site_dirs": list(dict.fromkeys(dirs)), "python": "%d.%d" % sys.version_info[:2],
            "executable": sys.executable}


def launcher_text() -> str:
    """The packaged launcher with this installation recorded in it."""
    text = resources.files("montage_ai.resolve_scripts").joinpath(LAUNCHER).read_text(encoding="utf-8")
    if text.count(PLACEHOLDER) != 1:
        raise RuntimeError(f"{LAUNCHER} must contain the line {PLACEHOLDER!r} exactly once")
    return text.replace(PLACEHOLDER, f"INSTALL = {install_record()!r}")


def resolve_python() -> tuple[Path | None, str]:
    """The Python Resolve runs Scripts-menu scripts with, and how Resolve finds it (None: none found)."""
    override = os.environ.get(ENV_PYTHON, "").strip()
    if override:
        return Path(override), f"{ENV_PYTHON}"
    if sys.platform == "darwin":
        home = os.environ.get("PYTHON3HOME", "").strip()
        found = Path(home) / "bin" / "python3" if home else Path("/usr/local/bin/python3")
        how = "PYTHON3HOME" if home else "/usr/local/bin/python3 (Resolve looks only there when PYTHON3HOME is unset)"
        return (found if found.is_file() else None), how
    bundled = sorted(Path("/opt/resolve/libs").glob("python3*/bin/python3")) if sys.platform.startswith("linux") else []
    if bundled:
        return bundled[-1], "bundled with Resolve (21.1+)"
    system = shutil.which("python3") or shutil.which("python")
    return (Path(system) if system else None), "the system Python (or the one set in Fusion's preferences)"


def _can_open(python: Path, launcher: Path) -> str:
    """What the installed launcher says it would do under ``python`` (one line)."""
    try:
        run = subprocess.run([str(python), str(launcher)], env={**os.environ, "MONTAGE_AI_LAUNCHER_CHECK": "1"},
                             capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"cannot run it ({err})"
    lines = (run.stdout or run.stderr).strip().splitlines()
    return lines[-1].removeprefix("Montage AI: ") if lines else f"no answer (exit {run.returncode})"


def _denied(path: Path, err: OSError, system: bool) -> InputError:
    hint = "; the all-users folder needs administrator rights (or drop --system)" if system else ""
    return InputError(path, f"cannot write here ({err.strerror or err}){hint}")


def install(system: bool = False) -> list[Path]:
    """Write the launcher into every Scripts/Utility folder (replacing an older one); their paths."""
    text = launcher_text()
    for target in (targets := launcher_paths(system)):
        staged = target.with_name(f".{LAUNCHER}.tmp")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            staged.write_text(text, encoding="utf-8")
            os.replace(staged, target)
        except OSError as err:
            raise _denied(target, err, system) from None
    return targets


def uninstall(system: bool = False) -> list[Path]:
    """Remove the launcher; the paths it was removed from (empty when it was not installed)."""
    removed = []
    for target in launcher_paths(system):
        if target.is_file():
            try:
                target.unlink()
            except OSError as err:
                raise _denied(target, err, system) from None
            removed.append(target)
    return removed


def status() -> list[str]:
    """One line per thing the bridge needs: launcher(s), Resolve's Python and whether it can open the panel,
    the scripting module, a reachable Resolve and its edition's limits."""
    targets: dict[Path, str] = {}
    for system, who in ((False, "this user"), (True, "all users")):
        for target in launcher_paths(system):
            targets.setdefault(target, who)
    lines = [f"launcher ({who}): {'installed' if t.is_file() else 'not installed'} ({t})" for t, who in targets.items()]
    python, how = resolve_python()
    installed = next((t for t in targets if t.is_file()), None)
    if python is None:
        lines.append(f"Resolve's Python: none found ({how}); install Python 3 there, else the Scripts-menu entry "
                     "never appears")
    else:
        lines.append(f"Resolve's Python: {python} ({how})" +
                     (f": {_can_open(python, installed)}" if installed else ""))
    try:
        module = load_script_module()
    except InputError as err:
        return [*lines, f"DaVinciResolveScript: {err}", f"edition: {EDITION_LIMITS}", f"route: {Build().route()}"]
    lines.append(f"DaVinciResolveScript: found ({getattr(module, '__file__', None) or 'built in'})")
    app = module.scriptapp("Resolve")
    build = detect(app)
    try:
        session = connect(app)
    except InputError as err:
        reached = f"reachable ({build}): " if build.reached else ""
        return [*lines, f"Resolve: {reached}{err}", f"edition: {'free: ' if build.reached and not build.studio else ''}{EDITION_LIMITS}",
                f"route: {build.route()}"]
    app, project = session.resolve, session.project
    product = str(app.GetProductName() or "DaVinci Resolve")
    lines.append(f"Resolve: reachable ({product} {app.GetVersionString()}), project "
                 f"{project.GetName()!r} at {project.GetSetting('timelineFrameRate')} fps")
    lines.append("edition: Studio, external scripting and the Scripts menu both work" if "Studio" in product
                 else f"edition: free: {EDITION_LIMITS}")
    return [*lines, f"route: {build.route()}"]
