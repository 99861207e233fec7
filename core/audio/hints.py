"""What an editor may set in place of the analysis (``--tempo-hint``, ``--beats-per-bar``,
``--beat-engine``, the panel's fields): the tempo they count, in BPM, the beats in a bar, and which
beat tracker runs. No imports, so the panel can show the ranges without loading numpy."""

TEMPO_HINT_RANGE = (30.0, 300.0)
BEATS_PER_BAR_RANGE = (1, 12)
#: Beat trackers: the learned model (:mod:`.learned`), the signal-processing tracker (:mod:`.beats`) and
#: the hybrid of both (the dsp tracker's beats checked by the model, the model's bars: ``learned.check_grid``).
BEAT_ENGINES = ("learned", "dsp", "hybrid")
DEFAULT_BEAT_ENGINE = "hybrid"
