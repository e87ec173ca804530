"""Pictures for the site, as geometry for SVG templates (made at build time, no scripts, no CDN).

Each function returns plain numbers and texts; the templates draw them with
escaping, so a label from a source can never become markup.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from cndkg.namespaces import CNDKG
from cndkg.publish.sitedata import SiteData


def session_timeline(data: SiteData, path: str) -> dict[str, Any] | None:
    """Return a bar chart of texts in the corpus per session (the timeline), or None if empty."""
    counts: Counter[str] = Counter()
    for iri in data.resolved:
        session = data.first(iri, str(CNDKG.session))
        if session:
            counts[session] += 1
    if not counts:
        return None
    sessions = sorted(counts, key=lambda s: int(data.first(s, str(CNDKG.sessionNumber)) or 0))
    width, height, bottom = max(320, 36 * len(sessions) + 40), 160, 130
    top = max(counts.values())
    step = (width - 40) / len(sessions)
    bars = []
    for index, session in enumerate(sessions):
        bar_height = (bottom - 20) * counts[session] / top
        bars.append(
            {
                "x": round(30 + index * step, 1),
                "y": round(bottom - bar_height, 1),
                "width": round(step * 0.7, 1),
                "height": round(bar_height, 1),
                "label": data.first(session, str(CNDKG.sessionNumber)) or "?",
                "value": counts[session],
                "href": data.href(path, session),
                "title": data.label(session),
            }
        )
    return {
        "width": width,
        "height": height,
        "bars": bars,
        "bottom": bottom,
        "caption": "Texts in the corpus per session (session number below each bar)",
    }


def bar_chart(data: SiteData, path: str, ranked: list[tuple[str, int]]) -> dict[str, Any] | None:
    """Return a horizontal bar chart of the most-cited entities (label, count, link), or None if empty."""
    if not ranked:
        return None
    top = max(count for _, count in ranked)
    rows = []
    for index, (iri, count) in enumerate(ranked):
        label = data.label(iri)
        rows.append(
            {
                "y": 8 + index * 26,
                "width": round(220 * count / top, 1),
                "value": count,
                "label": label if len(label) <= 70 else label[:67] + "...",
                "title": label,
                "href": data.href(path, iri),
            }
        )
    return {"width": 640, "height": 16 + 26 * len(rows), "rows": rows}


def citation_network(data: SiteData, iri: str, path: str, limit: int = 10) -> dict[str, Any] | None:
    """Return a small network: what a text cites (left) and what cites it (right), around it."""
    item = data.resolved.get(iri)
    cites = sorted({c.target for c in item.citations if data.kind(c.target) != "Session"}) if item else []
    cited_by = sorted({b.source for b in data.backlinks.get(iri, [])} - {iri})
    if not cites and not cited_by:
        return None
    width, height = 760, max(160, 28 * max(len(cites[:limit]), len(cited_by[:limit]), 1) + 40)
    centre_x, centre_y = width / 2, height / 2
    centre = {"x": centre_x, "y": centre_y, "label": _short(data.label(iri)), "title": data.label(iri)}
    nodes, edges = [], []
    for side, group, x in (("cites", cites[:limit], 150), ("cited-by", cited_by[:limit], width - 150)):
        for index, target in enumerate(group):
            y = _spread(index, len(group), height)
            nodes.append(
                {
                    "x": x,
                    "y": y,
                    "label": _short(data.label(target)),
                    "title": data.label(target),
                    "href": data.href(path, target),
                    "side": side,
                    "kind": data.kind(target),
                }
            )
            edges.append(
                {
                    "x1": centre_x + (-70 if side == "cites" else 70),
                    "y1": centre_y,
                    "x2": x + (70 if side == "cites" else -70),
                    "y2": y,
                    "side": side,
                }
            )
    return {
        "width": width,
        "height": height,
        "centre": centre,
        "nodes": nodes,
        "edges": edges,
        "more_cites": max(0, len(cites) - limit),
        "more_cited_by": max(0, len(cited_by) - limit),
    }


def _spread(index: int, count: int, height: float) -> float:
    """Return the y of the ``index``-th of ``count`` nodes spread over the height."""
    if count == 1:
        return height / 2
    return round(24 + index * (height - 48) / (count - 1), 1)


def _short(label: str, size: int = 26) -> str:
    """Return a label cut to fit a node."""
    return label if len(label) <= size else label[: size - 1] + "…"
