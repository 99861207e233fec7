"""Fetch the real footage of the shot benchmark into a folder (never committed) and make its edits.

    python benchmarks/real_footage/fetch.py DIR [--clone owner/name=PATH ...]

Every source in ``sources.json`` (repository, commit, path, licence) is read from a local clone of its
repository when ``--clone`` names one (``git show COMMIT:PATH``), else downloaded from
raw.githubusercontent.com at that commit. The edits are pieces of those takes (640x360, 30 fps,
letterboxed) joined by hard cuts or cross-fades; their boundaries go to ``DIR/edits.json`` in the
form of ``annotations.json`` (a cut: the first frame of the new shot; a cross-fade: its first and
last frame), counted from the pieces as rendered.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
RATE = 30
SIZE = (640, 360)


def fetch_source(source: dict, folder: Path, clones: dict[str, Path]) -> Path:
    target = folder / source["file"]
    if target.exists():
        return target
    if source["repository"] in clones:
        data = subprocess.run(["git", "-C", str(clones[source["repository"]]), "show",
                               f"{source['commit']}:{source['path']}"], capture_output=True, check=True).stdout
    else:
        url = f"https://raw.githubusercontent.com/{source['repository']}/{source['commit']}/{source['path']}"
        with urllib.request.urlopen(url, timeout=60) as reply:
            data = reply.read()
    target.with_suffix(".part").write_bytes(data)
    target.with_suffix(".part").replace(target)
    return target


def _frames(path: Path) -> int:
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets", "-show_entries",
                          "stream=nb_read_packets", "-of", "csv=p=0", str(path)], capture_output=True, text=True)
    return int(out.stdout.strip())


def _piece(source: Path, first: int, frames: int, target: Path) -> int:
    w, h = SIZE
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(source), "-an", "-vf",
                    f"trim=start_frame={first}:end_frame={first + frames},setpts=PTS-STARTPTS,fps={RATE},"
                    f"scale={w}:{h}:force_original_aspect_ratio=decrease,pad={w}:{h}:(ow-iw)/2:(oh-ih)/2,setsar=1,"
                    "format=yuv420p", "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", str(target)], check=True)
    return _frames(target)


def make_edit(name: str, recipe: dict, folder: Path) -> dict:
    """Render one edit; its annotation (cuts or gradual transitions)."""
    parts, lengths = [], []
    for i, (file, first, frames) in enumerate(recipe["pieces"]):
        parts.append(folder / f".{Path(name).stem}_{i}.mp4")
        lengths.append(_piece(folder / file, first, frames, parts[-1]))
    inputs = [a for p in parts for a in ("-i", str(p))]
    tb = f"settb=1/{RATE},setpts=N"
    note: dict = {"single_take": False, "cuts": [], "gradual": []}
    if recipe["join"] == "cut":
        graph = "".join(f"[{i}:v]" for i in range(len(parts))) + f"concat=n={len(parts)}:v=1:a=0,{tb}[v]"
        at = 0
        for n in lengths[:-1]:
            at += n
            note["cuts"].append(at)
    else:
        fade = recipe["fade_frames"]
        graph = "".join(f"[{i}:v]{tb}[p{i}];" for i in range(len(parts)))  # xfade needs one time base
        chain, length = "p0", lengths[0]
        for i in range(1, len(parts)):
            offset = length - fade
            graph += f"[{chain}][p{i}]xfade=transition=fade:duration={fade / RATE}:offset={offset / RATE},{tb}[c{i}];"
            note["gradual"].append([offset, offset + fade - 1])
            chain, length = f"c{i}", length + lengths[i] - fade
        graph = graph.rstrip(";").rsplit("[", 1)[0] + "[v]"
    subprocess.run(["ffmpeg", "-v", "error", "-y", *inputs, "-filter_complex", graph, "-map", "[v]", "-r", str(RATE),
                    "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p",
                    str(folder / name)], check=True)
    for p in parts:
        p.unlink()
    return note


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--clone", action="append", default=[], help="owner/name=PATH of a local clone")
    args = ap.parse_args(argv)
    clones = {k: Path(v) for k, v in (c.split("=", 1) for c in args.clone)}
    args.folder.mkdir(parents=True, exist_ok=True)
    spec = json.loads((HERE / "sources.json").read_text(encoding="utf-8"))
    for source in spec["sources"]:
        print(fetch_source(source, args.folder, clones))
    notes = {name: make_edit(name, recipe, args.folder) for name, recipe in spec["edits"].items()}
    (args.folder / "edits.json").write_text(json.dumps(notes, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
