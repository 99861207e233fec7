"""The Scripts-menu launcher under every Python on this machine, as Resolve would run it: installed from this
environment's Python, run by another interpreter with no site-packages and only Resolve's globals, headless.
Each run opens the panel (in-process when the Python matches the install, else in the installed
interpreter) or prints one actionable line; never a traceback."""
import glob
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from fake_resolve.harness import FAKE_DIR

PYTHONS = {f"3.{minor}": sorted(glob.glob(f"/root/.pyenv/versions/3.{minor}.*/bin/python3"))
           for minor in range(6, 14)}
HERE = f"{sys.version_info.major}.{sys.version_info.minor}"
RUNNER = """
import runpy, sys
sys.path.append(sys.argv[2])  # the (fake) DaVinciResolveScript, as Resolve's Modules folder provides it

def _app():
    import DaVinciResolveScript
    return DaVinciResolveScript.scriptapp("Resolve")

class Lazy:  # the `resolve` global (the fake needs the environment's OpenTimelineIO, so it loads late)
    def __getattr__(self, name):
        return getattr(_app(), name)

class Bmd:
    def scriptapp(self, name):
        return _app()

class App:
    def GetResolve(self):
        return _app()

scope = {"resolve": {"resolve": Lazy()}, "bmd": {"bmd": Bmd()}, "app": {"app": App()}}[sys.argv[3]]
runpy.run_path(sys.argv[1], init_globals=scope)
"""
BLOCK_PYSIDE = "raise ModuleNotFoundError(\"No module named 'PySide6'\", name='PySide6')\n"


def _install(python: str, scripts: Path) -> Path:
    code = "from montage_ai.plugin.resolve.install import install; print(install()[0])"
    run = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "MONTAGE_AI_RESOLVE_SCRIPTS_DIR": str(scripts)})
    assert run.returncode == 0, run.stderr
    return Path(run.stdout.strip())


@pytest.fixture(scope="module")
def launchers(tmp_path_factory):
    """``{"full": launcher, "no PySide6": launcher}``: installed from this environment, and from an
    environment of the same Python that has everything but PySide6."""
    root = tmp_path_factory.mktemp("matrix")
    bare = root / "no-pyside"
    venv.EnvBuilder(with_pip=False).create(bare)
    site_dir = next((bare / "lib").glob("python3.*/site-packages"))
    (root / "block" / "PySide6").mkdir(parents=True)
    (root / "block" / "PySide6" / "__init__.py").write_text(BLOCK_PYSIDE)
    here = next(p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir())
    (site_dir / "montage_env.pth").write_text(f"{root / 'block'}\nimport site; site.addsitedir({here!r})\n")
    return {"full": _install(sys.executable, root / "full"),
            "no PySide6": _install(str(bare / "bin" / "python"), root / "bare")}


def _run_as_resolve(python: str, launcher: Path, scope: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "RESOLVE_"))}
    env.update(QT_QPA_PLATFORM="offscreen", MONTAGE_AI_PANEL_SMOKE="1", PYTHONPATH=str(FAKE_DIR))
    return subprocess.run([python, "-I", "-S", "-c", RUNNER, str(launcher), str(FAKE_DIR), scope],
                          capture_output=True, text=True, env=env, timeout=120)


CASES = [*((v, "full", "resolve") for v in PYTHONS), *((HERE, "full", g) for g in ("bmd", "app")),
         *((v, "no PySide6", "resolve") for v in PYTHONS)]


@pytest.mark.parametrize("version, env, scope", CASES, ids=[f"py{v}-{e}-{g}" for v, e, g in CASES])
def test_launcher_opens_the_panel_or_says_why(launchers, version, env, scope):
    if not PYTHONS[version]:
        pytest.skip(f"no Python {version} on this machine")
    run = _run_as_resolve(PYTHONS[version][-1], launchers[env], scope)
    assert run.returncode == 0 and "Traceback" not in run.stderr + run.stdout, run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == 1, run.stdout + run.stderr
    if env == "full":  # the panel opens: in this Python when it matches the install, else in the installed one
        assert lines[0] == f"Montage AI: panel open (Python {HERE}, Resolve connected)"
    else:
        assert lines[0].startswith("Montage AI: the panel needs PySide6") and "pip install" in lines[0]
