"""Montage AI core: music-driven editing that lands in a real NLE.

Pure library: no Qt, no Resolve. See docs/architecture.md for the data flow.
"""
__version__ = "0.1.0"
