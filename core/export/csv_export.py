"""CSV cut list: one row per cut, for spreadsheets and review."""
from __future__ import annotations

import csv
from pathlib import Path

from ..model import Plan

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
