"""Each push is a new timeline version and the last one can be undone: ``<name>``, ``<name> v2``, ``<name>
v3``... (an existing timeline is never overwritten); :func:`undo_push` deletes the timeline a push created
and gives the project back the frame rate and timeline resolution that push changed."""
from __future__ import annotations

from typing import Any


def timeline_names(project: Any) -> set[str]:
    """Names of the project's timelines."""
    timelines = (project.GetTimelineByIndex(i) for i in range(1, (project.GetTimelineCount() or 0) + 1))
    return {t.GetName() for t in timelines if t}


def unique_timeline_name(project: Any, base: str) -> str:
    """``base``, or the first free ``base v2``, ``base v3``... when the project has a timeline of that name."""
    names, n, name = timeline_names(project), 1, base
    while name in names:
        n += 1
        name = f"{base} v{n}"
    return name


def undo_push(session: Any, result: Any) -> list[str]:
    """Undo the push that gave ``result`` (a :class:`~.writer.PushResult`): its timeline deleted, the project
    frame rate and timeline resolution it changed set back. Lines saying what was done, or what is left to do
    by hand."""
    project, pool, timeline = session.project, session.media_pool, result.timeline
    lines = []
    if result.name not in timeline_names(project):
        lines.append(f"the timeline {result.name!r} is no longer in the project")
    elif pool.DeleteTimelines([timeline]):
        lines.append(f"deleted the timeline {result.name!r}")
    else:
        lines.append(f"DaVinci Resolve refused to delete the timeline {result.name!r}: delete it by hand")
    if result.previous_rate:
        if project.SetSetting("timelineFrameRate", result.previous_rate):
            lines.append(f"set the project frame rate back to {result.previous_rate}")
        else:
            lines.append(f"the project frame rate stays {project.GetSetting('timelineFrameRate')} (Resolve "
                         f"changes it only without timelines): set {result.previous_rate} by hand if wanted")
    if result.previous_size:
        keys, size = ("timelineResolutionWidth", "timelineResolutionHeight"), "x".join(result.previous_size)
        if all([project.SetSetting(k, v) for k, v in zip(keys, result.previous_size)]):
            lines.append(f"set the project's timeline resolution back to {size}")
        else:
            now = "x".join(str(project.GetSetting(k) or "?") for k in keys)
            lines.append(f"the project's timeline resolution stays {now} (Resolve refused {size}): set {size} in "
                         "Project Settings > Master Settings if wanted")
    return lines
