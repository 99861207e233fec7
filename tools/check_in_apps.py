"""Open a montage's Kdenlive and Shotcut projects in the real applications under Xvfb.

    python tools/check_in_apps.py OUT_DIR [OUT_DIR ...] [--img-dir docs/img] [--settle 20]

For each folder (a ``montage-ai make`` output with ``report.json``) and each application that is
installed (Debian packages ``kdenlive``, ``shotcut``; plus ``xvfb``, ``xdotool``, ``imagemagick``,
``dbus``): start the application on the project in its own X server and D-Bus session with a fresh
home folder, wait for its main window, maximise it, save a screenshot as
``IMG_DIR/<folder name>_<app>.png``, then ask the application to save the project (Ctrl+S) into a
scratch copy and re-read what it saved: every cut must be where ``report.json`` puts it. A reframed
set (``make --aspects``: a sub-folder such as ``9x16``, screenshots named ``<parent>_9x16_<app>.png``)
must be saved at its frame size with every cut's crop filter still on it.

Fails (exit 1) when an application shows any window besides its main window (an error or warning
dialog), prints a warning about the project on stderr (noise of a headless machine -- no sound
card, no GPU encoders, no udisks -- is ignored), shows a title with another project name, or saves
back cuts that differ from the plan. Look at the screenshots too: the tool checks files, a person
checks that the timeline looks right.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

APPS = {"kdenlive": "montage.kdenlive", "shotcut": "montage.mlt"}
#: stderr lines that name a problem with the project ...
PROBLEM = re.compile(r"warning|error|\[bug\]|fail|invalid|missing|cannot|can't|not found|removed|corrupt", re.I)
#: ... unless they are about the headless machine, not the project.
NOISE = re.compile(r"ALSA|alsa|SDL|sdl2|audio|PCM|pulse|DeckLink|NVENC|VAAPI|vaapi|QSV|AMF|dbus|DBus|udisks|UDisks|"
                   r"XCB error|QXcbConnection|libEGL|MESA|mesa|GLX|glx|OpenGL|fd limit|kf\.|kde|KDE|icon|Icon|"
                   r"QStandardPaths|qt\.|QFont|font|Font|XDG|xdg|locale|Locale|frei0r|ladspa|lv2|LV2|vidstab|"
                   r"jack|Jack|movit|Movit|rtaudio|RtAudio|opencv|glaxnimate|Gstreamer|gstreamer|sox|plugin|SPEECH|"
                   r"speech|vosk|Leap Motion",
                   re.I)


def _run(*args: str, env: dict) -> str:
    return subprocess.run(args, env=env, capture_output=True, text=True).stdout


def _windows(env: dict) -> dict[str, str]:
    ids = _run("xdotool", "search", "--onlyvisible", "--name", ".", env=env).split()
    return {w: _run("xdotool", "getwindowname", w, env=env).strip() for w in ids}


def _main_window(env: dict, app: str, timeout: float) -> str | None:
    end = time.time() + timeout
    while time.time() < end:
        for wid, name in _windows(env).items():
            if name.lower().endswith(app):
                return wid
        time.sleep(1)
    return None


def _save(env: dict, main: str, project: Path, before: float) -> Path | None:
    """Make the application save the project: Ctrl+S, else (Kdenlive saves only modified projects)
    Save As into ``saved`` + suffix beside it. Returns the file it wrote, or None."""
    _run("xdotool", "windowfocus", "--sync", main, env=env)
    _run("xdotool", "key", "ctrl+s", env=env)
    time.sleep(5)
    if project.stat().st_mtime != before:
        return project
    target = project.with_name("saved" + project.suffix)
    _run("xdotool", "key", "ctrl+shift+s", env=env)
    time.sleep(4)
    dialog = next((w for w, n in _windows(env).items() if w != main and n.lower().startswith("save")), None)
    if dialog is None:
        return None
    _run("xdotool", "windowfocus", "--sync", dialog, env=env)
    _run("xdotool", "key", "ctrl+a", env=env)
    _run("xdotool", "type", "--delay", "20", str(target), env=env)
    _run("xdotool", "key", "Return", env=env)
    time.sleep(6)
    return target if target.exists() else None


def _saved(app: str, path: Path) -> tuple[list[tuple[int, int]], tuple[int, int]]:
    """Record frames of every cut, and (music in-point, length) of the music, in the project an application saved."""
    from montage_ai.export.kdenlive import read_kdenlive
    from montage_ai.export.mlt import read_mlt, read_mlt_music
    from montage_ai.validate import load_expected
    exp = load_expected(path.parent)
    reader = read_kdenlive if app == "kdenlive" else read_mlt
    cuts = [(a, b) for a, b, _, _ in reader(path, exp)]
    return cuts, read_mlt_music(path)


def _framing(path: Path) -> tuple[tuple[int, int], int]:
    """The saved project's frame size and how many timeline entries carry a crop (a ``qtblend`` with a rect)."""
    import xml.etree.ElementTree as ET
    root = ET.parse(path).getroot()
    profile = root.find("profile")
    crops = sum(1 for e in root.iter("entry") for f in e.iter("filter")
                if any(p.get("name") == "mlt_service" and p.text == "qtblend" for p in f.iter("property"))
                and any(p.get("name") == "rect" for p in f.iter("property")))
    return (int(profile.get("width")), int(profile.get("height"))), crops


def _shot_name(folder: Path, report: dict) -> str:
    """``<folder>``, or ``<parent>_<folder>`` for another aspect's set (``out_9x16``)."""
    aspect = str(report.get("aspect", "")).replace(":", "x")
    return f"{folder.parent.name}_{folder.name}" if folder.name == aspect else folder.name


def check(folder: Path, app: str, img_dir: Path, settle: float, display: str) -> list[str]:
    """Open ``folder``'s project in ``app``; returns the problems found (empty when it opened right)."""
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix=f"montage-{app}-") as tmp:
        home = Path(tmp)
        project = home / APPS[app]
        shutil.copy(folder / APPS[app], project)
        shutil.copy(folder / "report.json", home / "report.json")
        before = project.stat().st_mtime
        env = {**os.environ, "DISPLAY": display, "HOME": str(home), "XDG_RUNTIME_DIR": str(home),
               "XDG_CONFIG_HOME": str(home / ".config"), "SDL_AUDIODRIVER": "dummy", "QT_QPA_PLATFORM": "xcb"}
        log = open(home / "stderr.log", "w+")
        proc = subprocess.Popen(["dbus-run-session", "--", app, str(project)], env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            if _main_window(env, app, 90) is None:
                return [f"{app}: no main window within 90 s"]
            time.sleep(settle)
            main = _main_window(env, app, 30)  # again: a window shown while loading may have gone
            _run("xdotool", "windowsize", main, "100%", "100%", env=env)
            time.sleep(4)
            others = {w: n for w, n in _windows(env).items() if w != main and n}
            problems += [f"{app}: window besides the main one: {n!r}" for n in others.values()]
            title = _windows(env).get(main, "")
            if "montage" not in title:
                problems.append(f"{app}: main window title {title!r} does not name the project")
            shot = img_dir / f"{_shot_name(folder, report)}_{app}.png"
            subprocess.run(["import", "-window", "root", "-resize", "75%", "+dither", "-colors", "64", f"PNG8:{shot}"],
                           env=env, check=True)
            saved_path = _save(env, main, project, before)
            if saved_path is None:
                problems.append(f"{app}: did not save the project (Ctrl+S, Save As); cuts not re-read")
            else:
                saved, music = _saved(app, saved_path)
                planned = [(c["record_start_frame"], c["record_end_frame"]) for c in report["cuts"]]
                if saved != planned:
                    wrong = next(i for i, (a, b) in enumerate(zip(saved + [None] * len(planned), planned)) if a != b)
                    problems.append(f"{app}: saved {len(saved)} cuts, planned {len(planned)}; first difference "
                                    f"at cut {wrong}")
                if music != (report["music"]["in_frame"], report["frames"]):
                    problems.append(f"{app}: music saved from frame {music[0]} for {music[1]} frames, planned "
                                    f"{report['music']['in_frame']} for {report['frames']}")
                size, crops = _framing(saved_path)
                if size != (report["width"], report["height"]):
                    problems.append(f"{app}: saved at {size[0]}x{size[1]}, planned {report['width']}x{report['height']}")
                planned_crops = sum(1 for c in report["cuts"] if c.get("crop"))
                if crops != planned_crops:
                    problems.append(f"{app}: saved {crops} cuts with a crop, planned {planned_crops}")
                print(f"  saved by {app}: {size[0]}x{size[1]} ({report.get('aspect', '')}), {crops} cuts cropped "
                      f"(report.json: {planned_crops})")
                n = len(report["cuts"])
                picks = (0, n // 2, n - 1)
                print(f"  saved by {app}: cuts 1, {n // 2 + 1}, {n} at record frames {[saved[i][0] for i in picks]} "
                      f"(report.json: {[planned[i][0] for i in picks]}); "
                      f"music from frame {music[0]} for {music[1]} frames")
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            log.seek(0)
            lines = [ln.strip() for ln in log if PROBLEM.search(ln) and not NOISE.search(ln)]
            log.close()
        problems += [f"{app} stderr: {ln}" for ln in dict.fromkeys(lines)]
        print(f"{folder.name} in {app}: {len(report['cuts'])} cuts planned, {report['frames']} frames; "
              f"screenshot {shot}; {'ok' if not problems else f'{len(problems)} problem(s)'}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--img-dir", type=Path, default=ROOT / "docs" / "img")
    parser.add_argument("--settle", type=float, default=20, help="seconds to let the application load media")
    parser.add_argument("--apps", default=",".join(APPS), help="comma-separated: kdenlive,shotcut")
    args = parser.parse_args(argv)
    needed = ["Xvfb", "xdotool", "import", "dbus-run-session"]
    missing = [t for t in needed if shutil.which(t) is None]
    if missing:
        print(f"check_in_apps: missing {', '.join(missing)} (apt-get install xvfb xdotool imagemagick dbus)",
              file=sys.stderr)
        return 2
    apps = [a for a in args.apps.split(",") if shutil.which(a)]
    args.img_dir.mkdir(parents=True, exist_ok=True)
    display = f":{90 + os.getpid() % 100}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
                            stderr=subprocess.DEVNULL)
    time.sleep(1)
    problems = []
    try:
        for folder in args.folders:
            for app in apps:
                if (folder / APPS[app]).exists():
                    problems += check(folder.resolve(), app, args.img_dir, args.settle, display)
    finally:
        xvfb.terminate()
        xvfb.wait()
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
