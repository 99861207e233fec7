"""Scripts-menu launcher, install/uninstall/status, and the ``resolve`` subcommands."""
import argparse
import os
import runpy
import subprocess
import sys
import types
from importlib import resources

import pytest

from fake_resolve.harness import FAKE_DIR, MODULE, dvr, stock_pool  # noqa: F401 (fixture)
from montage_ai.errors import InputError
from montage_ai.export.otio_export import write_otio
from montage_ai.export.report import write_report
from montage_ai.plugin.resolve import commands
from montage_ai.plugin.resolve.install import ENV_SCRIPTS_DIR, LAUNCHER, install, status, uninstall

PACKAGED = resources.files("montage_ai.resolve_scripts").joinpath(LAUNCHER)


@pytest.fixture
def scripts(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV_SCRIPTS_DIR, str(tmp_path / "Scripts"))
    return tmp_path / "Scripts"


def test_install_and_uninstall(scripts):
    target = install()
    assert target == scripts / "Utility" / LAUNCHER
    text = target.read_text(encoding="utf-8")
    assert "INSTALL = {'site_dirs': [" in text and "INSTALL = {}" not in text
    compile(text, str(target), "exec")
    assert install(system=True) == target  # the override serves both; reinstalling replaces
    assert [p.name for p in target.parent.iterdir()] == [LAUNCHER]
    assert uninstall() == target and not target.exists()
    assert uninstall() is None


def test_install_refused_says_so(scripts):
    scripts.write_text("a file where the folder should be")
    with pytest.raises(InputError, match="cannot write here.*administrator rights"):
        install(system=True)


def test_status_sees_launcher_module_and_resolve(scripts, dvr):
    install()
    lines = status()
    assert lines[0].startswith("launcher (this user): installed")
    assert len(lines) == 3  # one launcher line: the override serves user and system alike
    assert lines[1] == f"DaVinciResolveScript: found ({FAKE_DIR / (MODULE + '.py')})"
    assert lines[2] == "Resolve: reachable (DaVinci Resolve Studio 19.1.3.7), project 'Montage Test' at 23.976 fps"
    dvr.APP = None
    assert status()[2].startswith("Resolve: DaVinci Resolve is not reachable")


def test_status_without_the_scripting_module(scripts, dvr, monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p != str(FAKE_DIR)])
    monkeypatch.delitem(sys.modules, MODULE)
    monkeypatch.setenv("RESOLVE_SCRIPT_API", str(tmp_path / "nowhere"))
    lines = status()
    assert lines[0].startswith("launcher (this user): not installed") and len(lines) == 2
    assert lines[1].startswith("DaVinciResolveScript: DaVinci Resolve's scripting module DaVinciResolveScript was "
                               "not found")


def _run_launcher(monkeypatch, panel: types.ModuleType) -> None:
    monkeypatch.setitem(sys.modules, "montage_ai.plugin.panel", panel)
    runpy.run_path(str(PACKAGED), init_globals={"resolve": "the resolve global"})


def test_launcher_opens_the_panel_with_the_resolve_global(monkeypatch):
    panel = types.ModuleType("montage_ai.plugin.panel")
    panel.launch = lambda resolve=None: calls.append(resolve)
    calls = []
    _run_launcher(monkeypatch, panel)
    assert calls == ["the resolve global"]


REAL_PANEL = """
import runpy, sys
sys.path.insert(0, sys.argv[2])
import DaVinciResolveScript
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

def report():
    shown = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    print("WINDOWS", [(w.windowTitle(), w.session is not None, w.status.text()) for w in shown])
    QApplication.quit()

real_exec = QApplication.exec
QApplication.exec = lambda *_: (QTimer.singleShot(0, report), real_exec())[1]
runpy.run_path(sys.argv[1], init_globals={"resolve": DaVinciResolveScript.scriptapp("Resolve")})
print("RETURNED")
"""


def test_launcher_opens_the_real_panel_connected_to_resolve():
    """As the Scripts menu runs it: only the ``resolve`` global; no QApplication yet, so the launcher runs the
    event loop until the window closes."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    run = subprocess.run([sys.executable, "-c", REAL_PANEL, str(PACKAGED), str(FAKE_DIR)], env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    windows, returned = run.stdout.splitlines()[-2:]
    assert windows.startswith("WINDOWS [('Montage AI") and ", True, " in windows and returned == "RETURNED"


ISOLATED = [sys.executable, "-I", "-S", "-c"]  # no site-packages: montage_ai only through the launcher's record
FAKE_PANEL = ("import runpy, sys, types; m = types.ModuleType('montage_ai.plugin.panel'); "
              "m.launch = lambda resolve=None: print('PANEL', resolve); sys.modules[m.__name__] = m; "
              "runpy.run_path(sys.argv[1], init_globals={'resolve': 'R'})")


def test_installed_launcher_finds_montage_ai_from_another_python(scripts):
    assert subprocess.run([*ISOLATED, "import montage_ai"], capture_output=True).returncode != 0
    run = subprocess.run([*ISOLATED, FAKE_PANEL, str(install())], capture_output=True, text=True, timeout=60)
    assert (run.returncode, run.stdout, run.stderr) == (0, "PANEL R\n", "")


def test_uninstalled_launcher_explains(tmp_path):
    run = subprocess.run([*ISOLATED, FAKE_PANEL, str(PACKAGED)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout.startswith("Montage AI: cannot import montage_ai (")
    assert "montage-ai resolve install" in run.stdout and run.stdout.count("\n") == 1


# -- the resolve subcommand ---------------------------------------------------------------------------------

def _run(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="montage-ai")
    commands.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    args.func(args)


def test_cli_install_status_uninstall(scripts, dvr, capsys):
    _run(["resolve", "install"])
    _run(["resolve", "status"])
    _run(["resolve", "uninstall"])
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"installed {scripts / 'Utility' / LAUNCHER}; restart Resolve, then open Workspace > Scripts > " \
                     "Utility > Montage AI"
    assert "Resolve: reachable" in out[-2] and out[-1] == f"removed {scripts / 'Utility' / LAUNCHER}"


def test_cli_push_otio_and_report(dvr, plan, tmp_path, capsys):
    stock_pool(dvr, plan)
    write_otio(plan, tmp_path / "montage.otio")
    write_report(plan, tmp_path / "report.json")
    _run(["resolve", "push", str(tmp_path / "montage.otio")])
    _run(["resolve", "push", "--plan", str(tmp_path / "report.json"), "--name", "From report"])
    out = capsys.readouterr().out.splitlines()
    markers = len({m.frame for m in plan.markers})
    assert out == [f"timeline '{plan.name}': {len(plan.cuts) + 1} clips, {markers} markers (imported from OTIO)",
                   f"timeline 'From report': {len(plan.cuts) + 1} clips, {markers} markers (imported from OTIO)"]


def test_cli_push_bad_input(dvr, tmp_path):
    with pytest.raises(InputError, match="file not found"):
        _run(["resolve", "push", str(tmp_path / "missing.otio")])
    (tmp_path / "bad.otio").write_text("not json")
    with pytest.raises(InputError, match="not a readable OTIO file"):
        _run(["resolve", "push", str(tmp_path / "bad.otio")])
    with pytest.raises(SystemExit):
        _run(["resolve", "push"])  # needs a file or --plan
