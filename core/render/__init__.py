"""Renderers that read media (the master and its segments, loudness); the NLE-file exporters are in export/."""
