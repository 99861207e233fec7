"""The editor's selects steer the edit: selects timelines (OTIO, FCP7 XML, EDL), folders, Resolve's media
pool logging (through the stand-in), marked ranges as hard limits, tags per phase, favourites."""
import json
from collections import Counter
from pathlib import Path

import opentimelineio as otio
import pytest

from fake_resolve.harness import clip_props, dvr  # noqa: F401 (fixture)
from montage_ai.cli import main
from montage_ai.model import Phase
from montage_ai.pipeline import Inputs, analyze_inputs, build_plan
from montage_ai.plan.directive import Directive
from montage_ai.plan.planner import PlanSettings, plan_montage
from montage_ai.plan.selection import _largest_gap
from montage_ai.plugin.resolve.connect import connect
from montage_ai.plugin.resolve.media_pool import read_folder
from montage_ai.selects import Mark, Selects, folder_tags, read_selects
from montage_ai.settings import parse_phase_tags
from montage_ai.timebase import Rate

#: clip -> (start s, end s, marker names, track): the editor's selects of the demo footage
SELECTS = {
    "city_lights.mp4": (0.5, 10.5, ("establishing",), "Wide"),
    "gradient_wash.mp4": (1.0, 10.0, ("establishing", "favourite"), "Wide"),
    "zoom_fractal.mp4": (0.5, 9.5, ("action",), "V2"),
    "cell_rain.mp4": (0.0, 8.0, ("action",), "V2"),
    "life_game.mp4": (2.0, 9.0, ("faces", "action"), "V3"),
}


def _frames(clip, seconds: float) -> int:
    return round(seconds * float(clip.rate.fps))


def expected_ranges(clips) -> dict[str, tuple[int, int]]:
    """Each clip's selected range in its own frames from its first frame."""
    return {c.name: (_frames(c, SELECTS[c.name][0]), _frames(c, SELECTS[c.name][1])) for c in clips}


def write_selects_otio(path: Path, clips) -> Path:
    """A selects timeline as Resolve exports it: source ranges in the media's own timecode
    (``available_range`` starts at the clip's start timecode), one track per kind of shot."""
    timeline = otio.schema.Timeline("Selects")
    tracks: dict[str, otio.schema.Track] = {}
    for clip in clips:
        start, end, markers, track = SELECTS[clip.name]
        rate = float(clip.rate.fps)
        ref = otio.schema.ExternalReference(str(clip.path), otio.opentime.TimeRange(
            otio.opentime.RationalTime(clip.start_frame, rate), otio.opentime.RationalTime(clip.frames, rate)))
        first, last = (clip.start_frame + _frames(clip, t) for t in (start, end))
        item = otio.schema.Clip(clip.name, ref, otio.opentime.TimeRange(
            otio.opentime.RationalTime(first, rate), otio.opentime.RationalTime(last - first, rate)))
        for name in markers:
            item.markers.append(otio.schema.Marker(name, otio.opentime.TimeRange(
                otio.opentime.RationalTime(first, rate), otio.opentime.RationalTime(1, rate)),
                color=otio.schema.MarkerColor.GREEN))
        if track not in tracks:
            tracks[track] = otio.schema.Track(track)
            timeline.tracks.append(tracks[track])
        tracks[track].append(item)
    otio.adapters.write_to_file(timeline, str(path))
    return path


def _inside(report: dict, ranges: dict[str, tuple[int, int]]) -> list[dict]:
    """Cuts outside their clip's selected range."""
    return [c for c in report["cuts"] if not ranges[Path(c["source_path"]).name][0] <= c["source_in_frame"]
            < c["source_out_frame"] <= ranges[Path(c["source_path"]).name][1]]


def untagged_while_unused(report: dict, clips, phase: str, name: str) -> list[int]:
    """Cuts of ``phase`` whose range lacks the tag ``name`` although a shot's part inside a range tagged so
    still had an unused stretch as long as the cut (``clips`` carry the analysed shots)."""
    by_path = {str(c.path): c for c in clips}
    rate = Rate.parse(report["fps"])
    tagged = {c.name: expected_ranges([c])[c.name] for c in clips if name in SELECTS[c.name][2]}
    used: dict[str, list] = {}
    bad = []
    for cut in report["cuts"]:
        clip = by_path[cut["source_path"]]
        if cut["phase"] == phase and name not in cut["tags"]:
            for other in clips:
                if other.name not in tagged:
                    continue
                lo, hi = tagged[other.name]
                for shot in other.shots:
                    a, b = max(lo, shot.start), min(hi, shot.end)
                    gap = _largest_gap(a, b, [u for u in used.get(other.name, []) if u[0] < b and u[1] > a]) \
                        if b > a else 0
                    if gap * rate.fps / other.rate.fps >= cut["record_end_frame"] - cut["record_start_frame"]:
                        bad.append(cut["index"])
        used.setdefault(clip.name, []).append((cut["source_in_frame"], cut["source_out_frame"]))
    return sorted(set(bad))


def test_selects_otio_gives_each_clip_its_range_and_tags(tmp_path, clips):
    selects = read_selects(write_selects_otio(tmp_path / "selects.otio", clips))
    by_name = {p.name: s for p, s in selects.for_clips(clips).items()}
    for clip in clips:
        (r,) = by_name[clip.name].ranges
        assert (r.start, r.end) == expected_ranges(clips)[clip.name], clip.name
        track = SELECTS[clip.name][3]
        assert r.tags == {*SELECTS[clip.name][2], "green", *([track.lower()] if track == "Wide" else [])}
        assert r.source == "selects.otio"
    assert by_name["gradient_wash.mp4"].ranges[0].favourite and not by_name["cell_rain.mp4"].ranges[0].favourite


def test_fcp7_xml_and_edl_selects_give_the_same_ranges(tmp_path, clips):
    timeline = otio.adapters.read_from_file(str(write_selects_otio(tmp_path / "selects.otio", clips)))
    otio.adapters.write_to_file(timeline, str(tmp_path / "selects.xml"), adapter_name="fcp_xml")
    want = expected_ranges(clips)
    got = {p.name: (s.ranges[0].start, s.ranges[0].end)
           for p, s in read_selects(tmp_path / "selects.xml").for_clips(clips).items()}
    assert got == want
    city = next(c for c in clips if c.name == "city_lights.mp4")  # 23.976, TC 01:00:00:00
    edl = ("TITLE: selects\nFCM: NON-DROP FRAME\n\n"
           "001  AX       V     C        01:00:00:12 01:00:10:12 01:00:00:00 01:00:10:00\n"
           "* FROM CLIP NAME: city_lights.mp4\n* LOC: 01:00:00:12 RED     establishing\n")
    (tmp_path / "selects.edl").write_text(edl)
    selects = read_selects(tmp_path / "selects.edl", [city.path])
    (r,) = selects.for_clips(clips)[city.path].ranges
    assert (r.start, r.end) == (12, 12 + 240) and "establishing" in r.tags


def test_a_selects_file_that_cannot_be_read_is_one_line(tmp_path, song, capsys):
    bad = tmp_path / "selects.otio"
    bad.write_text("{not json")
    code = main(["make", "--music", str(song.path), "--selects", str(bad), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "selects.otio" in err[0] and not (tmp_path / "o").exists()
    with pytest.raises(SystemExit) as stop:  # argparse's own check: one of --footage, --selects
        main(["make", "--music", str(song.path), "--out", str(tmp_path / "o")])
    assert stop.value.code == 2 and "required: --footage" in capsys.readouterr().err


def test_sub_folders_are_tags(tmp_path):
    files = [tmp_path / "shoot" / "Establishing" / "a.mp4", tmp_path / "shoot" / "Action" / "Drone" / "b.mp4",
             tmp_path / "shoot" / "c.mp4"]
    for f in files:
        f.parent.mkdir(parents=True, exist_ok=True)
        f.touch()
    selects = folder_tags([tmp_path / "shoot"], files)
    tags = {Path(k).name: v for k, v in selects.clip_tags.items()}
    assert tags == {"a.mp4": {"establishing"}, "b.mp4": {"action", "drone"}}


def test_phase_tags_option_is_checked():
    assert parse_phase_tags("INTRO=establishing,climax=Action+drone,INTRO=wide") == {
        Phase.INTRO: ("establishing", "wide"), Phase.CLIMAX: ("action", "drone")}
    for bad in ("BRIDGE=x", "INTRO", "INTRO=", ""):
        with pytest.raises(ValueError):
            parse_phase_tags(bad)


def test_marked_ranges_are_hard_limits_and_phases_take_their_tags(tmp_path, music, clips):
    selects = read_selects(write_selects_otio(tmp_path / "selects.otio", clips)).for_clips(clips)
    directive = Directive("dynamic", material={Phase.INTRO: ("establishing",), Phase.CLIMAX: ("action",)})
    plan = plan_montage(music, clips, PlanSettings(), directive, selects)
    want = expected_ranges(clips)
    for cut in plan.cuts:
        lo, hi = want[cut.clip.name]
        assert lo <= cut.source_in < cut.source_out <= hi, cut
        assert cut.range_source == "selects.otio"
    assert all("establishing" in c.tags for c in plan.cuts if c.phase is Phase.INTRO)
    assert all("action" in c.tags for c in plan.cuts if c.phase is Phase.CLIMAX)
    # without a phase's tag the same footage spreads: the tag is what put it there
    free = plan_montage(music, clips, PlanSettings(), Directive("dynamic"), selects)
    assert not all("establishing" in c.tags for c in free.cuts if c.phase is Phase.INTRO)
    uses = Counter(c.clip.name for c in free.cuts)  # the range marked favourite is used most
    assert uses.most_common(1)[0][0] == "gradient_wash.mp4" and uses["gradient_wash.mp4"] >= 1.5 * len(free.cuts) / 5


def test_a_clip_whose_marks_all_miss_it_is_not_used(music, clips):
    """A selects file made against a transcode with another start timecode: its mark lies outside the clip.
    The clip is then not used at all (never whole), and the editor is told."""
    city, other = (next(c for c in clips if c.name == n) for n in ("city_lights.mp4", "cell_rain.mp4"))
    selects = Selects([Mark(city.path, city.frames + 100, city.frames + 200, city.rate, 0, frozenset({"wide"}),
                            "selects.otio")])
    selects.add_tags(other.path, ["action"], "folder")
    warnings: list[str] = []
    by_clip = selects.for_clips(clips, warnings)
    assert by_clip[city.path].usable(city.frames) == () and by_clip[other.path].usable(other.frames)
    assert any("city_lights.mp4: none of its ranges" in w for w in warnings)
    plan = plan_montage(music, clips, PlanSettings(), Directive("dynamic"), by_clip)
    assert plan.cuts and not any(c.clip.name == "city_lights.mp4" for c in plan.cuts)


def _make(tmp_path, song, out, *args) -> dict:
    code = main(["make", "--music", str(song.path), "--out", str(tmp_path / out), "--no-preview",
                 "--formats", "otio", "--quiet", *args])
    assert code == 0
    return json.loads((tmp_path / out / "report.json").read_text())


def test_make_with_selects_and_phase_tags_and_the_same_said_in_words(tmp_path, song, clips):
    otio_path = write_selects_otio(tmp_path / "selects.otio", clips)
    tagged = _make(tmp_path, song, "tags", "--selects", str(otio_path), "--phase-tags",
                   "INTRO=establishing,CLIMAX=action,OUTRO=sunset")
    assert _inside(tagged, expected_ranges(clips)) == []
    analysed = analyze_inputs(song.path, [], selects=[otio_path]).clips
    for phase, name in (("INTRO", "establishing"), ("CLIMAX", "action")):
        cuts = [c for c in tagged["cuts"] if c["phase"] == phase]
        assert cuts and untagged_while_unused(tagged, analysed, phase, name) == [], phase
        assert sum(name in c["tags"] for c in cuts) >= 0.75 * len(cuts), phase
    assert all(c["range_source"] == "selects.otio" for c in tagged["cuts"])
    assert {"tag": "sunset", "asked": "material OUTRO"} in tagged["selects"]["unmatched"]
    assert any("'sunset'" in w for w in tagged["warnings"])
    assert {"establishing", "action", "faces", "favourite"} <= set(tagged["selects"]["tags"])
    words = _make(tmp_path, song, "words", "--selects", str(otio_path), "--prompt",
                  "open on establishing shots, climax on action")
    assert words["directive"]["material"] == {"INTRO": ["establishing"], "CLIMAX": ["action"]}
    assert [(c["phase"], c["source_path"], c["tags"]) for c in words["cuts"]] == \
        [(c["phase"], c["source_path"], c["tags"]) for c in tagged["cuts"]]


def test_more_of_a_clip_survives_refine(music, clips):
    plan, run = build_plan(Inputs(music, clips), PlanSettings(), "more of city_lights.mp4", True)
    uses = Counter(c.clip.name for c in plan.cuts)
    assert uses["city_lights.mp4"] >= 1.5 * len(plan.cuts) / len(uses), uses
    assert run.details["directive"]["favour"][:1] == ["city_lights.mp4"]


def _pool_like_selects(dvr, clips):
    """A bin logged in Resolve as the selects OTIO says: In/Out on two clips, ranged markers on two, a
    keyword on one, a flag and a colour (flagged = favourite) on one."""
    pool = dvr.APP.project.media_pool
    root = pool.GetRootFolder()
    bin_ = pool.AddSubFolder(root, "Selects")
    for clip in clips:
        item = bin_.add(dvr.MediaPoolItem(clip_props(dvr, clip)))
        lo, hi = expected_ranges([clip])[clip.name]
        tags = SELECTS[clip.name][2]
        if clip.name in ("city_lights.mp4", "gradient_wash.mp4"):
            item.marks["video"] = {"in": lo, "out": hi - 1}  # as SetMarkInOut keeps them (out inclusive)
            item.SetMetadata("Keywords", "establishing")
            if "favourite" in tags:
                item.AddFlag("Green")
        else:
            item.AddMarker(lo, "Green", tags[0], tags[1] if len(tags) > 1 else "", hi - lo)
        if clip.name == "life_game.mp4":
            item.SetClipColor("Orange")
    pool.SetCurrentFolder(bin_)
    return connect().media_pool


def test_a_logged_resolve_bin_plans_as_the_equivalent_selects_otio(tmp_path, dvr, song, clips):  # noqa: F811
    contents = read_folder(_pool_like_selects(dvr, clips))
    by_name = {p.name: s for p, s in contents.selects.for_clips(clips).items()}
    assert by_name["gradient_wash.mp4"].tags == {"establishing", "green", "flagged", "selects"}
    assert by_name["life_game.mp4"].tags == {"orange", "selects"}
    assert by_name["zoom_fractal.mp4"].ranges[0].tags >= {"action", "green"}
    settings = PlanSettings(phase_tags=((Phase.INTRO, ("establishing",)), (Phase.CLIMAX, ("action",))))
    from_pool = analyze_inputs(song.path, [], pool_selects=contents.selects)
    plan, _ = build_plan(from_pool, settings)
    # the same logging as a selects timeline: the flag is a 'favourite' marker there, so mark it the same
    otio_path = write_selects_otio(tmp_path / "selects.otio", clips)
    from_otio = analyze_inputs(song.path, [], selects=[otio_path])
    other, _ = build_plan(from_otio, settings)
    key = lambda p: [(c.clip.name, c.source_in, c.source_out, c.record_start, c.record_end) for c in p.cuts]  # noqa
    assert key(plan) == key(other)
    assert _inside({"cuts": [{"source_path": str(c.clip.path), "source_in_frame": c.source_in,
                              "source_out_frame": c.source_out} for c in plan.cuts]}, expected_ranges(clips)) == []
    assert {c.range_source for c in plan.cuts} <= {"resolve in/out", "resolve marker"}


@pytest.mark.parametrize("dvr", ["resolve_18_6_5"], indirect=True)
def test_an_older_build_without_mark_in_out_is_read_without_it(dvr, clips):  # noqa: F811
    contents = read_folder(_pool_like_selects(dvr, clips))
    by_name = {p.name: s for p, s in contents.selects.for_clips(clips).items()}
    assert not by_name["city_lights.mp4"].ranges and by_name["zoom_fractal.mp4"].ranges
    assert len(contents.clips) == len(clips)


def test_selects_merge_and_know_their_files(tmp_path, clips):
    a = read_selects(write_selects_otio(tmp_path / "selects.otio", clips))
    both = a.merged(folder_tags([], []))
    assert sorted(p.name for p in both.files) == sorted(c.name for c in clips) and isinstance(both, Selects)


def test_resolve_make_cuts_the_logged_bin(tmp_path, dvr, song, clips):  # noqa: F811
    _pool_like_selects(dvr, clips)
    code = main(["resolve", "make", "--music", str(song.path), "--bin", "Selects", "--out", str(tmp_path / "o"),
                 "--no-preview", "--formats", "otio", "--quiet", "--phase-tags", "INTRO=establishing"])
    assert code == 0
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    assert _inside(report, expected_ranges(clips)) == []
    assert {c["range_source"] for c in report["cuts"]} <= {"resolve in/out", "resolve marker"}
    assert report["directive"]["material"] == {"INTRO": ["establishing"]}
