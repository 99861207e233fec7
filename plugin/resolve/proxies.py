"""Link the proxies of ``montage-ai proxies`` to the clips of Resolve's media pool (and unlink them).

``MediaPoolItem.LinkProxyMedia(path)`` answers only True or False; Resolve links a proxy only when its
frame rate, timecode and length match the clip, so every refusal is reported by clip name with that
reason, and a link Resolve claims but does not show in ``Proxy Media Path`` counts as refused.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .media_pool import index_by_path, path_key
from .calls import call

REFUSED = "Resolve refused the proxy (it links only a proxy with the clip's frame rate, timecode and length)"


@dataclass
class LinkReport:
    """Per clip name: proxies linked (or unlinked), refusals with their reason, originals not in the pool."""

    done: list[tuple[str, str]] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    not_in_pool: list[str] = field(default_factory=list)


def _name(item: Any, source: str) -> str:
    return str(call(item, "GetName") or Path(source).name)


def link_proxies(media_pool: Any, proxies: dict[str, str]) -> LinkReport:
    """Link each original's proxy to the pool item of that file."""
    report, pool = LinkReport(), index_by_path(media_pool)
    for source, proxy in sorted(proxies.items()):
        item = pool.get(path_key(source))
        if item is None:
            report.not_in_pool.append(source)
        elif not Path(proxy).is_file():
            report.refused.append((_name(item, source), f"proxy file missing: {proxy}"))
        elif call(item, "LinkProxyMedia", str(proxy)) and path_key(item.GetClipProperty("Proxy Media Path") or "") \
                == path_key(proxy):
            report.done.append((_name(item, source), proxy))
        else:
            report.refused.append((_name(item, source), REFUSED))
    return report


def unlink_proxies(media_pool: Any, proxies: dict[str, str]) -> LinkReport:
    """Undo :func:`link_proxies` for the originals in ``proxies`` that have a proxy linked."""
    report, pool = LinkReport(), index_by_path(media_pool)
    for source in sorted(proxies):
        item = pool.get(path_key(source))
        if item is None:
            report.not_in_pool.append(source)
        elif not item.GetClipProperty("Proxy Media Path"):
            continue
        elif call(item, "UnlinkProxyMedia"):
            report.done.append((_name(item, source), ""))
        else:
            report.refused.append((_name(item, source), "Resolve refused to unlink the proxy"))
    return report
