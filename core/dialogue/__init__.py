"""Dialogue from the footage: speech regions (VAD), voice isolation engines with verification,
the dialogue track (A2) laid under the cuts and the music ducked under it."""
