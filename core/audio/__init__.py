"""Music analysis: decode, beats, downbeats, energy and arc sections."""
