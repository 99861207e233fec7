"""What an editor may set in place of the analysis (``--tempo-hint``, ``--beats-per-bar``, the
panel's fields): the tempo they count, in BPM, and the beats in a bar. No imports, so the panel
can show the ranges without loading numpy."""

TEMPO_HINT_RANGE = (30.0, 300.0)
BEATS_PER_BAR_RANGE = (1, 12)
