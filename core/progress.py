"""The ``progress(stage, fraction)`` callback every long job reports through, and its stage names."""
from __future__ import annotations

from typing import Callable

#: ``progress(stage, fraction)`` with fraction in 0..1 of that stage.
Progress = Callable[[str, float], None]
#: The stages ``progress`` names, in order, with the words the CLI and the panel show for them.
STAGES = {"probe_footage": "Reading footage", "analyze_footage": "Analysing footage", "analyze_music": "Analysing music",
          "plan": "Planning cuts", "reframe": "Following subjects", "export": "Writing exports",
          "preview": "Rendering preview", "proxies": "Making proxies", "render": "Rendering master", "join": "Joining master"}
