"""The panel on a logged Resolve bin: the tags found are offered per phase, a phase's pick steers the plan,
and the bin's marks limit every cut."""
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from fake_resolve.harness import dvr  # noqa: E402,F401  (fixture)
from montage_ai.model import Phase  # noqa: E402
from montage_ai.plugin.panel.settings import PanelSettings  # noqa: E402
from montage_ai.plugin.panel.window import PanelWindow  # noqa: E402
from montage_ai.plugin.resolve.connect import connect  # noqa: E402
from test_selects import _pool_like_selects, expected_ranges  # noqa: E402

WAIT_MS = 120_000


def test_panel_offers_the_bins_tags_per_phase(qtbot, dvr, song, clips, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("MONTAGE_AI_CONFIG_DIR", str(tmp_path / "config"))
    _pool_like_selects(dvr, clips)
    w = PanelWindow(session=connect(dvr.APP), settings=PanelSettings())
    qtbot.addWidget(w)
    w.show()
    assert not w.form.phase_tag_boxes[Phase.INTRO].isEnabled()
    w.load_media_pool()
    w.set_music(song.path)
    with qtbot.waitSignal(w.analyzed, timeout=WAIT_MS):
        w.analyze_btn.click()
    intro = w.form.phase_tag_boxes[Phase.INTRO]
    offered = [intro.itemText(i) for i in range(intro.count())]
    assert {"establishing", "action", "faces", "flagged", "selects"} <= set(offered) and offered[0] == ""
    intro.setCurrentText("establishing")
    assert w.plan_settings().phase_tags == ((Phase.INTRO, ("establishing",)),)
    with qtbot.waitSignal(w.generated, timeout=WAIT_MS):
        w.generate_btn.click()
    ranges = expected_ranges(clips)
    for cut in w.plan.cuts:
        assert ranges[cut.clip.name][0] <= cut.source_in < cut.source_out <= ranges[cut.clip.name][1]
    assert all("establishing" in c.tags for c in w.plan.cuts if c.phase is Phase.INTRO)
