"""Assemble the second set of annotated real recordings (measuring only, never committed) into a folder.

    python benchmarks/real_music_extra/fetch.py [DIR (default benchmarks/real_music_extra/media)]
        [--mirror MIRROR (default /work/.mirror)] [--online]

Every file in ``sources.json`` (repository, commit, path) is read with ``git show COMMIT:PATH`` from the
git directory ``MIRROR/<owner>+<name>/repo`` that the session's ``fetch`` tool left on disk; with
``--online``, a repository missing there is read from raw.githubusercontent.com at that commit instead.
Audio is written byte for byte (checked against its sha256) as ``DIR/<name>.<ext>``, each annotation as
``DIR/<name>.beats`` (one beat a line: seconds, then the beat-in-bar number where the source has one),
moved by the track's ``offset_ms`` and cut to its ``duration_s``, and ``DIR/TRACKS.tsv`` lists name,
category and what, so that ``python benchmarks/real_music.py --folder DIR`` measures the set unchanged.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent


def read_source(repo: str, commit: str, path: str, mirror: Path, online: bool) -> bytes:
    git_dir = mirror / repo.replace("/", "+") / "repo"
    if git_dir.is_dir():
        return subprocess.run(["git", "--git-dir", str(git_dir), "show", f"{commit}:{path}"],
                              capture_output=True, check=True).stdout
    if not online:
        raise SystemExit(f"{git_dir}: no snapshot of {repo} (fetch it, or pass --online)")
    url = f"https://raw.githubusercontent.com/{repo}/{commit}/{urllib.request.quote(path)}"
    with urllib.request.urlopen(url, timeout=120) as reply:
        return reply.read()


def beats_text(raw: str, offset_s: float, duration_s: float) -> str:
    """The annotation moved by ``offset_s`` as "seconds[ beat-in-bar]" lines, without beats outside the audio."""
    lines = []
    for line in raw.splitlines():
        fields = line.split()
        if fields and 0 <= float(fields[0]) + offset_s < duration_s:
            lines.append(" ".join([f"{float(fields[0]) + offset_s:.6f}", *(f"{int(float(f))}" for f in fields[1:2])]))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path, nargs="?", default=HERE / "media")
    ap.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    ap.add_argument("--online", action="store_true", help="download what the mirror lacks from GitHub")
    args = ap.parse_args(argv)
    spec = json.loads((HERE / "sources.json").read_text(encoding="utf-8"))
    repos = spec["repositories"]
    args.folder.mkdir(parents=True, exist_ok=True)
    rows = ["# name\tcategory\tdescription"]
    for track in spec["tracks"]:
        audio, note = track["audio"], track["annotation"]
        data = read_source(audio["repo"], repos[audio["repo"]]["commit"], audio["path"], args.mirror, args.online)
        if hashlib.sha256(data).hexdigest() != audio["sha256"]:
            raise SystemExit(f"{audio['path']}: sha256 differs from sources.json")
        target = args.folder / f"{track['name']}{Path(audio['path']).suffix.lower()}"
        target.write_bytes(data)
        raw = read_source(note["repo"], repos[note["repo"]]["commit"], note["path"], args.mirror, args.online)
        text = beats_text(raw.decode("utf-8"), track["offset_ms"] / 1000, track["duration_s"])
        if len(text.splitlines()) != track["beats"]:
            raise SystemExit(f"{note['path']}: {len(text.splitlines())} beats, sources.json says {track['beats']}")
        (args.folder / f"{track['name']}.beats").write_text(text, encoding="utf-8")
        rows.append(f"{track['name']}\t{track['category']}\t{track['what']}")
        print(target)
    (args.folder / "TRACKS.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
