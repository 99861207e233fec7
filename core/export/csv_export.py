"""CSV cut list: one row per cut, for spreadsheets and review."""
from __future__ import annotations

import csv
from pathlib import Path

from ..model import Plan
from .format import CLIP, Expected, Format, Reader, SyncCheck

COLUMNS = ("cut", "record_start_frame", "record_end_frame", "record_in_tc", "record_out_tc", "source_path",
           "source_in_frame", "source_out_frame", "source_fps", "beat_time", "phase", "on_beat")


def write_csv(plan: Plan, path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for cut in plan.cuts:
            writer.writerow([
                cut.index, cut.record_start, cut.record_end,
                plan.rate.timecode(plan.start_timecode + cut.record_start, plan.drop_frame),
                plan.rate.timecode(plan.start_timecode + cut.record_end, plan.drop_frame),
                cut.clip.path, cut.source_in, cut.source_out, cut.clip.rate, f"{cut.beat_time:.6f}",
                cut.phase.value, int(cut.on_beat)])


def read_csv(path: Path, exp: Expected):
    with open(path, newline="", encoding="utf-8") as f:
        return [(int(r["record_start_frame"]), int(r["record_end_frame"]), r["source_path"], int(r["source_in_frame"]))
                for r in csv.DictReader(f)]


def sync_csv(path: Path, exp: Expected) -> list[str]:
    with open(path, newline="", encoding="utf-8") as f:
        outs = [int(r["source_out_frame"]) for r in csv.DictReader(f)]
    return [f"cut {i}: source out {got}, planned {want}" for i, (got, want) in enumerate(zip(outs, exp.source_out))
            if got != want]


FORMAT = Format("csv", "montage.csv", write_csv, (Reader("csv", read_csv, CLIP),), SyncCheck("csv: source out", sync_csv))
