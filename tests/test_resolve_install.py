"""Scripts-menu launcher, install/uninstall/status, and the ``resolve`` subcommands."""
import argparse
import dataclasses
import os
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from fake_resolve.harness import FREE, FAKE_DIR, MODULE, dvr, stock_pool  # noqa: F401 (fixture)
from montage_ai.errors import InputError
from montage_ai.export.otio_export import write_otio
from montage_ai.export.report import write_report
from montage_ai.plugin.resolve import commands
from montage_ai.plugin.resolve.install import (APP_STORE, ENV_PYTHON, ENV_SCRIPTS_DIR, LAUNCHER, install,
                                               resolve_python, scripts_dirs, status, uninstall)

PACKAGED = resources.files("montage_ai.resolve_scripts").joinpath(LAUNCHER)


@pytest.fixture
def scripts(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV_SCRIPTS_DIR, str(tmp_path / "Scripts"))
    return tmp_path / "Scripts"


def test_install_and_uninstall(scripts):
    [target] = install()
    assert target == scripts / "Utility" / LAUNCHER
    text = target.read_text(encoding="utf-8")
    assert "INSTALL = {'site_dirs': [" in text and "INSTALL = {}" not in text
    assert f"'executable': {sys.executable!r}" in text
    compile(text, str(target), "exec")
    assert install(system=True) == [target]  # the override serves both; reinstalling replaces
    assert [p.name for p in target.parent.iterdir()] == [LAUNCHER]
    assert uninstall() == [target] and not target.exists()
    assert uninstall() == []


def test_install_refused_says_so(scripts):
    scripts.write_text("a file where the folder should be")
    with pytest.raises(InputError, match="cannot write here.*administrator rights"):
        install(system=True)


@pytest.mark.parametrize("platform, system, env, want", [
    ("linux", False, {}, ["~/.local/share/DaVinciResolve/Fusion/Scripts"]),
    ("linux", True, {}, ["/opt/resolve/Fusion/Scripts"]),
    ("win32", False, {"APPDATA": "C:/Users/u/AppData/Roaming"},
     ["C:/Users/u/AppData/Roaming/Blackmagic Design/DaVinci Resolve/Support/Fusion/Scripts"]),
    ("win32", True, {"PROGRAMDATA": "C:/ProgramData"},
     ["C:/ProgramData/Blackmagic Design/DaVinci Resolve/Fusion/Scripts"]),
    ("darwin", False, {}, ["~/Library/Application Support/Blackmagic Design/DaVinci Resolve/Fusion/Scripts",
                           f"~/{APP_STORE}/Blackmagic Design/DaVinci Resolve/Fusion/Scripts"]),
    ("darwin", True, {}, ["/Library/Application Support/Blackmagic Design/DaVinci Resolve/Fusion/Scripts"]),
])
def test_scripts_folders_per_os(monkeypatch, tmp_path, platform, system, env, want):
    monkeypatch.delenv(ENV_SCRIPTS_DIR, raising=False)
    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.setattr(Path, "home", lambda: tmp_path)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    (tmp_path / APP_STORE).mkdir(parents=True)  # the Mac App Store build is installed
    assert [str(p) for p in scripts_dirs(system)] == [w.replace("~", str(tmp_path)) for w in want]
    shutil.rmtree(tmp_path / "Library" / "Containers")
    assert len(scripts_dirs(system)) == 1


@pytest.mark.parametrize("home, want", [("", "/usr/local/bin/python3"), ("/opt/py", "/opt/py/bin/python3")])
def test_macos_resolve_python_is_python3home_then_usr_local(monkeypatch, home, want):
    monkeypatch.delenv(ENV_PYTHON, raising=False)
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setenv("PYTHON3HOME", home)
    monkeypatch.setattr(Path, "is_file", lambda self: str(self) == want)
    assert resolve_python()[0] == Path(want)


def test_status_sees_launcher_python_module_resolve_and_edition(scripts, dvr, monkeypatch):
    monkeypatch.setenv(ENV_PYTHON, sys.executable)
    install()
    lines = status()
    assert lines[0].startswith("launcher (this user): installed")
    assert lines[1] == f"Resolve's Python: {sys.executable} ({ENV_PYTHON}): opens in Resolve's Python " \
                       f"{sys.version_info.major}.{sys.version_info.minor}"
    assert lines[2] == f"DaVinciResolveScript: found ({FAKE_DIR / (MODULE + '.py')})"
    assert lines[3] == "Resolve: reachable (DaVinci Resolve Studio 19.1.3.7), project 'Montage Test' at 23.976 fps"
    assert lines[4] == "edition: Studio, external scripting and the Scripts menu both work"
    assert lines[5] == "route: push works here (Create timeline in Resolve, `montage-ai resolve push`)"
    dvr.PROFILE = dataclasses.replace(dvr.PROFILE, product="DaVinci Resolve", version=(21, 1, 0, 0))
    assert status()[4].startswith("edition: free: the free edition allows no external scripting")
    dvr.APP = None
    lines = status()
    assert lines[3].startswith("Resolve: DaVinci Resolve is not reachable") and "21.1" in lines[4]


@pytest.mark.parametrize("dvr", [FREE], indirect=True)
def test_status_names_a_free_build_without_scripting_and_the_import_route(scripts, dvr):
    lines = status()
    assert lines[3].startswith("Resolve: reachable (DaVinci Resolve 21.1.0.0, scripting refused): ")
    assert lines[4].startswith("edition: free: ")
    assert lines[5] == ("route: the free edition from 21.1 runs no scripts: Export for Resolve import, then "
                        "File > Import > Timeline (montage_resolve.otio)")


def test_status_without_the_scripting_module(scripts, dvr, monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p != str(FAKE_DIR)])
    monkeypatch.delitem(sys.modules, MODULE)
    monkeypatch.setenv("RESOLVE_SCRIPT_API", str(tmp_path / "nowhere"))
    monkeypatch.setenv(ENV_PYTHON, str(tmp_path / "no-python"))
    lines = status()
    assert lines[0].startswith("launcher (this user): not installed") and len(lines) == 5
    assert lines[4].startswith("route: push needs DaVinci Resolve Studio") and "File > Import > Timeline" in lines[4]
    assert lines[1] == f"Resolve's Python: {tmp_path / 'no-python'} ({ENV_PYTHON})"
    assert lines[2].startswith("DaVinciResolveScript: DaVinci Resolve's scripting module DaVinciResolveScript was "
                               "not found")


ISOLATED = [sys.executable, "-I", "-S", "-c"]  # no site-packages: montage_ai only through the launcher's record
RUN_LAUNCHER = "import runpy, sys; runpy.run_path(sys.argv[1], init_globals={'resolve': 'R'})"


def test_uninstalled_launcher_explains(tmp_path):
    run = subprocess.run([*ISOLATED, RUN_LAUNCHER, str(PACKAGED)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout.startswith("Montage AI: cannot import montage_ai here (")
    assert "montage-ai resolve install" in run.stdout and run.stdout.count("\n") == 1 and not run.stderr


def test_launcher_check_mode_from_this_python(scripts):
    [launcher] = install()
    env = {**os.environ, "MONTAGE_AI_LAUNCHER_CHECK": "1"}
    run = subprocess.run([*ISOLATED, RUN_LAUNCHER, str(launcher)], capture_output=True, text=True, env=env, timeout=60)
    assert (run.stdout, run.stderr) == (f"Montage AI: opens in Resolve's Python {sys.version_info.major}."
                                        f"{sys.version_info.minor}\n", "")


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
    assert "Resolve: reachable" in out[-4] and out[-2].startswith("route: push works") and out[-1] == f"removed {scripts / 'Utility' / LAUNCHER}"


def test_cli_push_otio_and_report(dvr, plan, tmp_path, capsys):
    stock_pool(dvr, plan)
    write_otio(plan, tmp_path / "montage.otio")
    write_report(plan, tmp_path / "report.json")
    _run(["resolve", "push", str(tmp_path / "montage.otio")])
    _run(["resolve", "push", "--plan", str(tmp_path / "report.json"), "--name", "From report"])
    out = capsys.readouterr().out.splitlines()
    markers = len({m.frame for m in plan.markers})
    assert out == [f"timeline '{plan.name}': {len(plan.cuts) + 1} clips, {markers} markers (built clip by clip)",
                   f"timeline 'From report': {len(plan.cuts) + 1} clips, {markers} markers (built clip by clip)"]


def test_cli_push_bad_input(dvr, tmp_path):
    with pytest.raises(InputError, match="file not found"):
        _run(["resolve", "push", str(tmp_path / "missing.otio")])
    (tmp_path / "bad.otio").write_text("not json")
    with pytest.raises(InputError, match="not a readable OTIO file"):
        _run(["resolve", "push", str(tmp_path / "bad.otio")])
    with pytest.raises(SystemExit):
        _run(["resolve", "push"])  # needs a file or --plan
