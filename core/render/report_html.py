"""``report.html``: the sync report beside report.json, one self-contained file (no network).

The music's waveform with its beats, bar starts and arc phases; the cuts over it coloured by phase,
with a small thumbnail of each (JPEG via ffmpeg, embedded); a table of every cut (record in/out,
source, beat time, the frame holding the beat, the cut's offset from its beat in ms); the director's
directive and every refine round with its scores. Built from the plan and the report dict.
"""
from __future__ import annotations

import base64
import functools
import html
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

import numpy as np

from ..audio.decode import stream_mono
from ..errors import InputError
from ..model import Phase, Plan
from ..plan.evaluate import beat_offset_ms
from ..video.cache import identity_key
from ..video.thumbnail import thumbnail_bytes

COLOURS = {Phase.INTRO: "#4e79a7", Phase.BUILD: "#59a14f", Phase.CLIMAX: "#e15759", Phase.SUSTAIN: "#f28e2b",
           Phase.OUTRO: "#9c755f"}
WIDTH, WAVE_H, CUT_H, THUMB_H = 1400, 140, 22, 40
WAVE_RATE = 2000  # samples per second decoded for the waveform
MAX_THUMBS = 400
CSS = """body{font:13px system-ui,sans-serif;margin:16px;color:#222}h1{font-size:20px}h2{font-size:16px;margin-top:24px}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}
th{background:#eee}td.l{text-align:left}.kept{background:#e6f4e6}.rej{background:#f8e6e6}
.key span{display:inline-block;padding:1px 8px;margin-right:6px;color:#fff;border-radius:3px}svg{border:1px solid #ccc;max-width:100%;height:auto}pre{white-space:pre-wrap}"""


def _esc(value: object) -> str:
    return html.escape(str(value))


def _waveform(plan: Plan, columns: int) -> np.ndarray | None:
    """Peak level per column over the plan's music range (0..1), None when the music cannot be read."""
    start = plan.music_start_time
    seconds = plan.frames / float(plan.rate.fps)
    try:
        y = np.concatenate(list(stream_mono(plan.music.path, WAVE_RATE, WAVE_RATE * 60)) or [np.zeros(1)])
    except InputError:
        return None
    y = np.abs(y[int(start * WAVE_RATE):int((start + seconds) * WAVE_RATE)])
    if y.size < columns:
        return None
    peaks = np.array([c.max() for c in np.array_split(y, columns)])
    return peaks / max(float(peaks.max()), 1e-9)


def _thumbnails(plan: Plan, progress: Callable[[float], None] | None) -> dict[int, str]:
    """Base64 JPEG of each cut's first frame (at most ``MAX_THUMBS`` cuts, spread over the plan), kept in the
    thumbnail cache, so writing the report again (the panel's Export after Generate) decodes nothing."""
    step = max(1, -(-len(plan.cuts) // MAX_THUMBS))
    cuts = plan.cuts[::step]
    key = functools.lru_cache(maxsize=None)(identity_key)  # each file's first MiB read once

    def one(cut):
        try:
            return cut.index, base64.b64encode(thumbnail_bytes(cut.clip.path, cut.source_in, cut.clip.rate,
                                                               THUMB_H, key)).decode()
        except InputError:
            return cut.index, ""
    out = {}
    with ThreadPoolExecutor(4) as pool:
        for index, jpeg in pool.map(one, cuts):
            out[index] = jpeg
            if progress:
                progress(len(out) / len(cuts))
    return out


def _timeline_svg(plan: Plan, thumbs: dict[int, str]) -> str:
    fps = float(plan.rate.fps)
    x = lambda frame: WIDTH * frame / plan.frames  # noqa: E731
    xt = lambda t: x(t * fps - plan.music_in)  # noqa: E731 - music seconds to x
    t0, t1 = plan.music_start_time, plan.music_start_time + plan.frames / fps
    wave_top, cut_top = 16, 16 + WAVE_H + 6
    thumb_top = cut_top + CUT_H + 4
    height = thumb_top + THUMB_H + 4
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}">']
    for s in plan.sections:
        a, b = xt(max(s.start, t0)), xt(min(s.end, t1))
        parts.append(f'<rect x="{a:.1f}" y="0" width="{b - a:.1f}" height="{cut_top - 2}" fill="{COLOURS[s.phase]}" '
                     f'fill-opacity="0.15"/><text x="{a + 3:.1f}" y="12" fill="{COLOURS[s.phase]}">{s.phase.value}'
                     f' ({s.energy:.2f})</text>')
    peaks = _waveform(plan, WIDTH // 2)
    mid = wave_top + WAVE_H / 2
    if peaks is not None:
        xs = np.linspace(0, WIDTH, peaks.size)
        top = " ".join(f"{a:.1f},{mid - p * WAVE_H / 2:.1f}" for a, p in zip(xs, peaks))
        bottom = " ".join(f"{a:.1f},{mid + p * WAVE_H / 2:.1f}" for a, p in zip(xs[::-1], peaks[::-1]))
        parts.append(f'<polygon points="{top} {bottom}" fill="#888" fill-opacity="0.6"/>')
    bars = {round(b, 6) for b in plan.music.downbeats}
    for b in plan.music.beats:
        if t0 <= b < t1:
            look = 'stroke="#222" stroke-width="1"' if round(b, 6) in bars else 'stroke="#666" stroke-width="0.5"'
            top = wave_top if round(b, 6) in bars else wave_top + WAVE_H - 14
            parts.append(f'<line x1="{xt(b):.1f}" x2="{xt(b):.1f}" y1="{top}" y2="{wave_top + WAVE_H}" {look}/>')
    for c in plan.cuts:
        a, w = x(c.record_start), x(c.record_frames)
        title = f"cut {c.index}: {c.clip.name} {c.phase.value}"
        parts.append(f'<rect x="{a:.1f}" y="{cut_top}" width="{max(w - 0.5, 0.5):.1f}" height="{CUT_H}" '
                     f'fill="{COLOURS[c.phase]}"><title>{_esc(title)}</title></rect>')
        if c.dissolve:
            parts.append(f'<polygon points="{a - x(c.dissolve) / 2:.1f},{cut_top + CUT_H} {a:.1f},{cut_top} '
                         f'{a + x(c.dissolve) / 2:.1f},{cut_top + CUT_H}" fill="#fff" fill-opacity="0.7"/>')
        if thumbs.get(c.index):
            parts.append(f'<svg x="{a:.1f}" y="{thumb_top}" width="{max(w - 1, 1):.1f}" height="{THUMB_H}">'
                         f'<image width="{THUMB_H * 16 / 9:.0f}" height="{THUMB_H}" preserveAspectRatio="xMinYMid slice" '
                         f'href="data:image/jpeg;base64,{thumbs[c.index]}"/></svg>')
    parts.append("</svg>")
    return "".join(parts)


def _cut_table(plan: Plan, report: dict) -> str:
    rows = []
    for c, r in zip(plan.cuts, report["cuts"]):
        out_tc = plan.rate.timecode(plan.start_timecode + c.record_end, plan.drop_frame)
        beat_frame = plan.rate.frame_at(c.beat_time) - plan.music_in
        rows.append(f'<tr><td>{c.index}</td><td class="l" style="color:{COLOURS[c.phase]}">{c.phase.value}</td>'
                    f'<td>{_esc(r["record_in_tc"])}</td><td>{_esc(out_tc)}</td><td>{c.record_frames}</td>'
                    f'<td class="l">{_esc(c.clip.name)}</td><td>{c.source_in}–{c.source_out}</td>'
                    f'<td>{c.beat_time:.3f}</td><td>{beat_frame}</td>'
                    f'<td>{beat_offset_ms(plan, c):+.1f}</td><td>{c.dissolve or ""}</td>'
                    f'<td class="l">{_esc(c.range_source)}</td><td class="l">{_esc(", ".join(c.tags))}</td></tr>')
    return ("<table><tr><th>#</th><th>phase</th><th>record in</th><th>record out</th><th>frames</th><th>source</th>"
            "<th>source frames</th><th>beat (s)</th><th>beat frame</th><th>offset (ms)</th><th>dissolve</th>"
            "<th>range from</th><th>tags</th></tr>"
            + "".join(rows) + "</table>")


def _rounds_table(report: dict) -> str:
    rounds = report.get("refine", {}).get("rounds", [])
    keys = [k for k in (rounds[0].get("scores", {}) if rounds else {})]
    rows = []
    for r in rounds:
        scores = r.get("scores", {})
        cls = "kept" if r.get("kept") else "rej"
        verdict = "kept" if r.get("kept") else ("stopped" if r.get("stopped") else "rejected")
        rows.append(f'<tr class="{cls}"><td>{r["round"]}</td><td class="l">{_esc(r["proposal"])}</td>'
                    + "".join(f"<td>{scores[k]:.3f}</td>" if k in scores else "<td></td>" for k in keys)
                    + f"<td>{verdict}</td></tr>")
    head = "".join(f"<th>{_esc(k)}</th>" for k in keys)
    return f"<table><tr><th>round</th><th>proposal</th>{head}<th></th></tr>{''.join(rows)}</table>"


def write_report_html(plan: Plan, path: Path, report: dict, progress: Callable[[float], None] | None = None) -> None:
    """Write ``report.html`` for ``plan`` and its ``report`` (the dict of report.json); ``progress(fraction)``
    follows the thumbnails."""
    director = report.get("director", {})
    fps = float(plan.rate.fps)
    key = "".join(f'<span style="background:{c}">{p.value}</span>' for p, c in COLOURS.items())
    attempts = "".join(f"<li>{_esc(a.get('seconds'))} s: {_esc(a.get('rejected', 'accepted'))}</li>"
                       for a in director.get("attempts", []))
    body = (
        f"<h1>{_esc(plan.name)}</h1>"
        f"<p>{len(plan.cuts)} cuts, {plan.frames} frames at {_esc(plan.rate)} fps ({plan.frames / fps:.2f} s), "
        f"style <b>{_esc(plan.style)}</b>, seed {plan.seed}. Music {_esc(plan.music.path.name)} from "
        f"{plan.music_start_time:.3f} s, {plan.music.tempo_bpm:g} BPM.</p>"
        f'<p class="key">{key} thin lines: beats, tall lines: bar starts, white wedges: dissolves</p>'
        f"{_timeline_svg(plan, _thumbnails(plan, progress))}"
        f"<h2>Director</h2><p>{_esc(director.get('director', ''))}: prompt “{_esc(director.get('prompt', ''))}” — "
        f"{_esc(director.get('reason', ''))} {_esc(director.get('fallback', ''))} ({director.get('seconds', 0)} s)</p>"
        f"{f'<ul>{attempts}</ul>' if attempts else ''}"
        f"<pre>{_esc(json.dumps(report.get('directive', {})))}</pre>"
        f"<h2>Refine rounds</h2>{_rounds_table(report)}"
        f"<h2>Cuts</h2><p>offset = beat time − start of the cut's first frame (positive: the picture is early).</p>"
        f"{_cut_table(plan, report)}")
    path.write_text(f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{_esc(plan.name)}</title>'
                    f"<style>{CSS}</style></head><body>{body}</body></html>\n", encoding="utf-8")
