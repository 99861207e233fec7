"""Re-read a montage's exports with readers we did not write and compare every cut to ``report.json``.

Each format declares its readers and sync check (:mod:`montage_ai.export`, ``FORMATS``): OpenTimelineIO
(native ``.otio``), OTIO's cmx_3600 adapter and pycmx (EDL, every part of a split EDL), OTIO's fcp_xml
adapter (FCP7 XML), the Kdenlive community's OTIO adapter (``.kdenlive``), the maintained OTIO AAF
adapter (pyaaf2 underneath), the csv module and ElementTree (CSV, MLT). Record frames are compared for
every reader; source in-points where the format carries them in a comparable unit. Media are compared by
full path where the format carries one (else by name). Sync checks compare what the cut list does not
show: the music's place and in-point, the timeline's start timecode, source out-points; every export
report.json lists must exist.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Callable

from .errors import InputError
from .export import FORMATS
from .export.format import CLIP, EDL, GRID, MLT, Expected
from .timebase import Rate


@dataclass
class Check:
    export: str
    reader: str
    cuts_read: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def edl_source_frame(source_in: int, clip_rate: Rate, clip_start: int, rate: Rate) -> int:
    """The source timecode (as a frame number at the EDL's rate) of a clip frame: the same frame
    number when rates match, else the EDL frame containing that frame's start time."""
    frame = clip_start + source_in
    return frame if clip_rate == rate else clip_rate.rescale(frame, rate)


def load_expected(folder: Path) -> Expected:
    path = folder / "report.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        rate = Rate.parse(data["fps"])
        clips = {c["path"]: (Rate.parse(c["fps"]), c["start_frame"]) for c in data["clips"]}
        return Expected(rate, int(data["start_timecode_frame"]),
                        [(c["record_start_frame"], c["record_end_frame"], c["source_path"], c["source_in_frame"])
                         for c in data["cuts"]],
                        [edl_source_frame(c["source_in_frame"], *clips[c["source_path"]], rate) for c in data["cuts"]],
                        [clips[c["source_path"]][0].rescale_up(c["source_in_frame"], rate) for c in data["cuts"]],
                        [clips[c["source_path"]][0].first_rounding_to(c["source_in_frame"], rate) for c in data["cuts"]],
                        int(data["frames"]), int(data["music"]["in_frame"]), str(data["music"]["path"]),
                        [str(n) for n in data.get("outputs", [])], [int(c["source_out_frame"]) for c in data["cuts"]],
                        any(c.get("crop") for c in data["cuts"]))
    except FileNotFoundError:
        raise InputError(path, "no report.json here: is this a montage-ai output folder?") from None
    except (ValueError, KeyError, TypeError) as err:
        raise InputError(path, f"not a Montage AI report ({type(err).__name__}: {err})") from None


def _compare(got, exp: Expected, unit: str) -> list[str]:
    problems = []
    if len(got) != len(exp.cuts):
        problems.append(f"{len(got)} cuts read, {len(exp.cuts)} planned")
    sources = {CLIP: [c[3] for c in exp.cuts], EDL: exp.edl_source_in, GRID: exp.grid_source_in,
               MLT: exp.mlt_source_in}[unit]
    for i, ((a, b, name, src), (ea, eb, epath, _), esrc) in enumerate(zip(got, exp.cuts, sources)):
        if (a, b) != (ea, eb):
            problems.append(f"cut {i}: record {a}-{b}, planned {ea}-{eb}")
        if name and (name != epath if Path(name).is_absolute() else name != Path(epath).name):
            problems.append(f"cut {i}: media {name!r}, planned {epath if Path(name).is_absolute() else Path(epath).name!r}")
        if src is not None and src != esrc:
            problems.append(f"cut {i}: source in {src}, planned {esrc}")
    return problems


def crop_problems(folder: Path) -> list[str]:
    """Every crop window report.json gives (each key, with the window's size) inside its source's
    displayed frame; the windows have the deliverable's shape."""
    data = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    clips = {c["path"]: (c["height"], c["width"]) if c.get("rotation", 0) % 180 == 90 else (c["width"], c["height"])
             for c in data["clips"]}
    shape = Fraction(int(data["width"]), int(data["height"]))
    problems = []
    for cut in data["cuts"]:
        crop = cut.get("crop")
        if not crop:
            continue
        w, h = clips[cut["source_path"]]
        cw, ch = crop["width"], crop["height"]
        if abs(cw / ch / float(shape) - 1) > 0.01:
            problems.append(f"cut {cut['index']}: crop {cw:g}x{ch:g} is not the frame's shape {data['width']}x{data['height']}")
        for frame, x, y in crop["keys"]:
            if x < -0.01 or y < -0.01 or x + cw > w + 0.01 or y + ch > h + 0.01:
                problems.append(f"cut {cut['index']} frame {frame}: crop {cw:g}x{ch:g}+{x:g}+{y:g} outside its "
                                f"{w}x{h} source")
    return problems


def first_set_problems(folder: Path, exp: Expected) -> list[str] | None:
    """For another aspect's set (``OUT/9x16``), its cuts against the first set's (``OUT/report.json``):
    the same frames, media and in-points; None when ``folder`` is not such a set."""
    data = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    if str(data.get("aspect", "")).replace(":", "x") != folder.name or not (folder.parent / "report.json").is_file():
        return None
    first = load_expected(folder.parent)
    if len(first.cuts) != len(exp.cuts):
        return [f"{len(exp.cuts)} cuts, the first set ({folder.parent / 'report.json'}) has {len(first.cuts)}"]
    return [f"cut {i}: {mine}, the first set has {theirs}" for i, (mine, theirs) in enumerate(zip(exp.cuts, first.cuts))
            if mine != theirs]


def _run_check(name: str, label: str, check: Callable[[], tuple[int, list[str]]]) -> Check:
    try:
        count, problems = check()
        return Check(name, label, count, problems)
    except Exception as err:  # a reader rejecting our file is a finding, not a crash
        return Check(name, label, 0, [f"reader failed: {type(err).__name__}: {err}"])


def validate(folder: str | Path) -> list[Check]:
    """One :class:`Check` per (export present in ``folder``, reader)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(folder, "not a folder; give the output folder of montage-ai make"
                         if folder.exists() else "folder not found")
    exp = load_expected(folder)
    checks = [Check(name, "report.json", 0, ["listed in report.json but missing"])
              for name in exp.outputs if not (folder / name).is_file()]
    if exp.reframed:
        checks.append(_run_check("report.json", "crop windows inside the source",
                                 lambda: (len(exp.cuts), crop_problems(folder))))
    if (problems := first_set_problems(folder, exp)) is not None:
        checks.append(_run_check("report.json", "same cuts as ../report.json", lambda: (len(exp.cuts), problems)))
    for fmt in FORMATS.values():
        path = folder / fmt.file_name
        if not path.exists():
            continue
        for reader in fmt.readers:
            def compare(reader=reader):
                got = reader.read(path, exp)
                return len(got), _compare(got, exp, reader.unit)
            checks.append(_run_check(fmt.file_name, reader.label, compare))
        if fmt.sync is not None:
            checks.append(_run_check(fmt.file_name, fmt.sync.label, lambda: (len(exp.cuts), fmt.sync.check(path, exp))))
    return checks


def format_table(checks: list[Check]) -> str:
    rows = [("export", "reader", "cuts", "result")]
    rows += [(c.export, c.reader, str(c.cuts_read), "ok" if c.ok else f"{len(c.problems)} problem(s): "
              + "; ".join(c.problems[:3])) for c in checks]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return "\n".join(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]}" for r in rows)
