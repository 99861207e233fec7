"""Montage AI in DaVinci Resolve's Workspace > Scripts menu.

``montage-ai resolve install`` copies this file into Resolve's Scripts/Utility folder and records
there where Montage AI is installed, so Resolve's Python can import it. Resolve runs it with a
``resolve`` global. Keep it Python 3.6 compatible: Resolve may use an older interpreter.
"""
import importlib
import site
import sys

INSTALL = {}  # written by the installer: {"site_dirs": [...], "python": "3.11"}


def _python():
    return "%d.%d" % sys.version_info[:2]


def find_montage_ai():
    """None when montage_ai imports (from this Python, else from the recorded install), else why not."""
    for site_dir in [None] + list(INSTALL.get("site_dirs", [])):
        if site_dir:
            site.addsitedir(site_dir)
        try:
            importlib.import_module("montage_ai")
            return None
        except ImportError as err:
            problem = str(err)
    hint = ""
    if INSTALL.get("python") and INSTALL["python"] != _python():
        hint = " Resolve runs Python %s, Montage AI was installed for Python %s." % (_python(), INSTALL["python"])
    return ("cannot import montage_ai (%s).%s Run `montage-ai resolve install` from the Python environment "
            "where Montage AI is installed, then restart Resolve." % (problem, hint))


def main(resolve_app):
    """Open the Montage AI panel on ``resolve_app``, or print in one line why it cannot open."""
    problem = find_montage_ai()
    if problem:
        print("Montage AI: " + problem)
        return
    try:
        panel = importlib.import_module("montage_ai.plugin.panel")
    except ImportError as err:
        print("Montage AI: the panel cannot load (%s); install PySide6-Essentials with the pip of the environment "
              "Montage AI is installed in (see docs/install.md), then restart Resolve." % err)
        return
    panel.launch(resolve=resolve_app)


main(globals().get("resolve"))
