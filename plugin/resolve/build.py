"""Which Resolve build this is (product, version, whether scripting reaches a project) and which route to a
timeline works with it: a push (``resolve push``, the panel's button), the Scripts menu, or File > Import >
Timeline of the files :func:`export_for_import` writes (the free edition: no external scripting from 19.1,
no Python in the Scripts menu from 21.1; ``ynput/ayon-resolve`` PR #111, docs/resolve.md § "Free builds")."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import opentimelineio as otio

from montage_ai.model import Plan

from .timeline_spec import resolve_shaped
from .calls import call, resolve_version

FREE_NO_EXTERNAL = (19, 1)  # free builds from here: no external scripting
FREE_NO_MENU = (21, 1)  # free builds from here: no Python in Workspace > Scripts
OTIO_NAME, XML_NAME = "montage_resolve.otio", "montage_resolve.xml"
IMPORT_STEPS = ("In DaVinci Resolve: File > Import > Timeline… (Ctrl/Cmd+Shift+I), choose {otio} (Resolve 18.6.5 "
                "or later; {xml} on older builds), keep \"Automatically import source clips into media pool\" "
                "ticked, then Ok: the montage opens as a new timeline with its media, music and markers.")


@dataclass(frozen=True)
class Build:
    """``product`` and ``version`` as the app reports them ("" and () when Resolve was not reached);
    ``scripting``: a project could be reached through the API from here."""

    product: str = ""
    version: tuple[int, ...] = ()
    scripting: bool = False

    @property
    def reached(self) -> bool:
        return bool(self.product or self.version)

    @property
    def studio(self) -> bool:
        return "Studio" in self.product

    def __str__(self) -> str:
        if not self.reached:
            return "DaVinci Resolve not reached"
        name = f"{self.product or 'DaVinci Resolve'} {'.'.join(map(str, self.version))}".strip()
        return f"{name}, scripting {'works' if self.scripting else 'refused'}"

    def route(self) -> str:
        """One line: which way to a Resolve timeline works with this build, from here."""
        if self.scripting:
            return "push works here (Create timeline in Resolve, `montage-ai resolve push`)"
        export = f"Export for Resolve import, then File > Import > Timeline ({OTIO_NAME})"
        if self.reached and not self.studio and self.version >= FREE_NO_MENU:
            return f"the free edition from 21.1 runs no scripts: {export}"
        if self.reached and not self.studio and self.version >= FREE_NO_EXTERNAL:
            return ("the free edition allows no external scripting: open Montage AI from Workspace > Scripts > "
                    f"Utility inside Resolve, or {export}")
        return ("push needs DaVinci Resolve Studio with Preferences > System > General > External scripting using: "
                f"Local (or the Scripts menu inside Resolve); otherwise {export}")


def detect(app: Any) -> Build:
    """The build behind ``app`` (a Resolve scripting object, or None when none was reached)."""
    if app is None:
        return Build()
    return Build(str(call(app, "GetProductName") or ""), resolve_version(app), bool(call(app, "GetProjectManager")))


def export_for_import(plan: Plan, folder: Path) -> list[Path]:
    """The montage as Resolve imports it by hand: its OTIO shaped like Resolve's own export, and FCP7 XML."""
    from montage_ai.export.fcp7 import write_fcp7
    from montage_ai.export.otio_export import build_timeline
    folder.mkdir(parents=True, exist_ok=True)
    otio_path, xml_path = folder / OTIO_NAME, folder / XML_NAME
    otio.adapters.write_to_file(resolve_shaped(build_timeline(plan), plan.name), str(otio_path),
                                adapter_name="otio_json")
    write_fcp7(plan, xml_path)
    return [otio_path, xml_path]


def import_steps(files: list[Path]) -> str:
    """The menu steps to import what :func:`export_for_import` wrote."""
    return IMPORT_STEPS.format(otio=files[0], xml=files[1])
