"""The installed package is the source tree: a wheel built from the checkout (what the Docker image and a
non-editable install get) holds every module of core/, plugin/ and resolve_scripts/ and the data files the
code loads. An editable install hides a package missing from pyproject's list."""
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TREES = {"core": "montage_ai", "plugin": "montage_ai/plugin", "resolve_scripts": "montage_ai/resolve_scripts"}
DATA = ("montage_ai/audio/beat_model.npz", "montage_ai/plan/style_files/")


def test_a_wheel_of_the_checkout_holds_every_module_and_data_file(tmp_path):
    source = tmp_path / "source"  # a copy: setuptools' build/ folder in the checkout would hide what is missing
    source.mkdir()
    for name in ("pyproject.toml", "README.md", *TREES):
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy
        copy(ROOT / name, source / name, **({"ignore": shutil.ignore_patterns("__pycache__")}
                                            if (ROOT / name).is_dir() else {}))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(source)],
                   check=True, capture_output=True)
    (wheel,) = tmp_path.glob("montage_ai-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    want = {f"{TREES[tree]}/{p.relative_to(ROOT / tree).as_posix()}"
            for tree in TREES for p in (ROOT / tree).rglob("*.py") if "__pycache__" not in p.parts}
    assert not want - names, f"modules missing from the wheel: {sorted(want - names)[:10]}"
    for data in DATA:
        assert any(n.startswith(data) for n in names), data
