"""Montage AI in DaVinci Resolve's Workspace > Scripts menu.

``montage-ai resolve install`` copies this file into Resolve's Scripts/Utility folder and records
there where Montage AI is installed (its site-packages and its interpreter). Resolve runs it with its
own Python and a ``resolve`` global (or only ``bmd``/``app``). When that Python is the one Montage AI
was installed for, the panel opens in-process; otherwise (another minor version, compiled modules
that do not load, PySide6 missing) the panel starts in the installed environment's own interpreter,
which reaches Resolve through ``DaVinciResolveScript``. Whatever happens it prints at most one line,
never a traceback. Keep it Python 3.6 compatible: Resolve may use an older interpreter.
"""
import os
import subprocess
import sys

INSTALL = {}  # written by the installer: {"site_dirs": [...], "python": "3.11", "executable": "..."}
CHECK = "MONTAGE_AI_LAUNCHER_CHECK"  # set: say how the panel would open, open nothing


def _python():
    return "%d.%d" % sys.version_info[:2]


def resolve_app(scope):
    """The Resolve app from the Scripts-menu globals: ``resolve``, else ``bmd.scriptapp``, else ``app``."""
    app = scope.get("resolve")
    bmd, fusion_app = scope.get("bmd"), scope.get("app")
    if app is None and bmd is not None and callable(getattr(bmd, "scriptapp", None)):
        app = bmd.scriptapp("Resolve")
    if app is None and fusion_app is not None:
        get = getattr(fusion_app, "GetResolve", None)
        app = get() if callable(get) else fusion_app
    return app


def in_process_problem():
    """None when this Python can run the panel itself, else why not (never imports a compiled module
    built for another Python: a mismatched PySide6 can crash the interpreter)."""
    if INSTALL.get("python") and INSTALL["python"] != _python():
        return "Resolve runs Python %s, Montage AI is installed for Python %s" % (_python(), INSTALL["python"])
    import importlib
    import site
    for site_dir in INSTALL.get("site_dirs", []):
        site.addsitedir(site_dir)
    try:
        for name in ("montage_ai", "opentimelineio", "PySide6.QtWidgets", "montage_ai.plugin.resolve.host"):
            importlib.import_module(name)
    except ImportError as err:
        return "cannot import %s here (%s)" % (getattr(err, "name", None) or "montage_ai", err)
    return None


def child_env():
    """The environment for the panel in the installed interpreter: how to reach Resolve's scripting module
    (RESOLVE_SCRIPT_API/LIB, its Modules folder on PYTHONPATH), without Resolve's own PYTHONHOME."""
    env = dict(os.environ)
    env.pop("PYTHONHOME", None)
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    for name, key in (("DaVinciResolveScript", "RESOLVE_SCRIPT_API"), ("fusionscript", "RESOLVE_SCRIPT_LIB")):
        found = getattr(sys.modules.get(name), "__file__", None)
        if found and key not in env:
            env[key] = os.path.dirname(os.path.dirname(found)) if key == "RESOLVE_SCRIPT_API" else found
    if env.get("RESOLVE_SCRIPT_API"):
        paths.insert(0, os.path.join(env["RESOLVE_SCRIPT_API"], "Modules"))
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return env


def main(scope):
    """Open the panel, or print in one line why it cannot open."""
    problem = in_process_problem()
    if problem is None:
        from montage_ai.plugin.resolve.host import open_panel
        if os.environ.get(CHECK):
            print("Montage AI: opens in Resolve's Python %s" % _python())
            return
        open_panel(resolve_app(scope))
        return
    exe = INSTALL.get("executable")
    if not exe or not os.path.isfile(exe):
        print("Montage AI: %s, and the Python it was installed with is gone%s. Run `montage-ai resolve install` from "
              "the environment where Montage AI is installed, then restart Resolve."
              % (problem, " (%s)" % exe if exe else ""))
        return
    if os.environ.get(CHECK):
        print("Montage AI: %s; opens in %s" % (problem, exe))
        return
    subprocess.Popen([exe, "-m", "montage_ai.plugin.resolve.host"], env=child_env(), close_fds=True)


try:
    main(globals())
except BaseException as err:  # never a traceback in Resolve's console
    print("Montage AI: could not start (%s: %s); run `montage-ai resolve status` in a terminal for details"
          % (type(err).__name__, err))
