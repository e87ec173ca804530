"""Pictures for the site, as plain data for the templates (made at build time, no scripts, no CDN).

Each function returns plain numbers and texts; the templates draw them (SVG for the
timeline, HTML for the bar charts and the citation network, whose labels must wrap on a
phone) with escaping, so a label from a source can never become markup.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from cndkg.namespaces import CNDKG, DCTERMS, ELI
from cndkg.publish.sitedata import SiteData

TICK_GAP = 28
"""Fewest SVG units between two session numbers under the timeline (fewer: label every 5th or 10th)."""


def session_timeline(data: SiteData, path: str) -> dict[str, Any] | None:
    """Return a bar chart of texts in the corpus per CND session, every session in the span, or None if empty.

    The chart has a natural size (``width`` x ``height``, drawn at that size and only ever
    scaled down); with many sessions it labels every 5th or 10th session number only.
    """
    counts = _texts_per_session(data)
    if not counts:
        return None
    numbers = range(min(counts), max(counts) + 1)
    width, height, bottom = min(760, max(320, 44 * len(numbers) + 40)), 150, 120
    top = max(counts.values())
    step = (width - 40) / len(numbers)
    every = 1 if step >= TICK_GAP else 5 if step * 5 >= TICK_GAP else 10
    bars = []
    for index, number in enumerate(numbers):
        count = counts.get(number, 0)
        session = data.minter.session("Commission on Narcotic Drugs", number)
        bar_height = (bottom - 22) * count / top
        x = round(30 + index * step + step * 0.15, 1)
        bars.append(
            {
                "x": x,
                "y": round(bottom - bar_height, 1),
                "width": round(step * 0.7, 1),
                "middle": round(x + step * 0.35, 1),
                "height": round(bar_height, 1),
                "label": str(number) if number % every == 0 or every == 1 else "",
                "value": count if step >= TICK_GAP and count else "",
                "href": data.href(path, session) if count else None,
                "title": f"{data.label(session)}: {count} text(s)",
            }
        )
    return {"width": width, "height": height, "bars": bars, "bottom": bottom, "caption": TIMELINE_CAPTION}


TIMELINE_CAPTION = "Texts in the corpus per session of the Commission (session number below each bar)"


def _texts_per_session(data: SiteData) -> dict[int, int]:
    """Return how many texts of the corpus belong to each numbered CND session."""
    prefix = data.minter.session("Commission on Narcotic Drugs", 1)[:-1]
    counts: Counter[int] = Counter()
    for iri in data.texts:
        session = data.first(iri, str(CNDKG.session)) or ""
        number = data.first(session, str(CNDKG.sessionNumber)) or ""
        if session.startswith(prefix) and number.isdigit():
            counts[int(number)] += 1
    return dict(counts)


def bar_chart(data: SiteData, path: str, ranked: list[tuple[str, int]]) -> list[dict[str, Any]]:
    """Return rows of a horizontal bar chart of the most-cited entities (drawn in HTML, so labels wrap)."""
    top = max((count for _, count in ranked), default=1)
    return [
        {
            "label": data.label(iri),
            "href": data.href(path, iri),
            "value": count,
            "percent": round(100 * count / top),
        }
        for iri, count in ranked
    ]


def citation_network(data: SiteData, iri: str, path: str, limit: int = 20) -> dict[str, Any] | None:
    """Return the neighbourhood of a text: what it cites and what cites it, at most ``limit`` of each.

    Drawn in HTML as a bracket diagram (cites -> this text -> cited by), so labels wrap on a phone.
    """
    item = data.texts.get(iri)
    cites = sorted({c.target for c in item.citations if data.kind(c.target) != "Session"}) if item else []
    cited_by = sorted({b.source for b in data.backlinks.get(iri, [])} - {iri})
    if not cites and not cited_by:
        return None
    return {
        "centre": short_label(data, iri, 40),
        "cites": sorted((_node(data, target, path) for target in cites), key=_node_order)[:limit],
        "cited_by": sorted((_node(data, source, path) for source in cited_by), key=_node_order)[:limit],
        "more_cites": max(0, len(cites) - limit),
        "more_cited_by": max(0, len(cited_by) - limit),
    }


def _node(data: SiteData, iri: str, path: str) -> dict[str, Any]:
    """Return one node of the network: short label, full label, link and kind."""
    return {
        "label": short_label(data, iri),
        "title": data.label(iri),
        "href": data.href(path, iri),
        "kind": data.kind(iri),
    }


def _node_order(node: dict[str, Any]) -> tuple[str, str]:
    """Sort key of network nodes: by kind, then by label."""
    return (node["kind"], node["label"])


def short_label(data: SiteData, iri: str, size: int = 90) -> str:
    """Return a short name: ``CND 54/5`` for a resolution, ``Draft (67th session)``, else the label cut to ``size``."""
    symbol = data.first(iri, str(DCTERMS.identifier))
    body = data.first(iri, str(ELI.passed_by))
    session = data.first(iri, str(CNDKG.session))
    if symbol and body and data.kind(iri) == "Resolution":
        return f"{body.rstrip('/').rsplit('/', 1)[-1].upper()} {symbol}"
    if data.kind(iri) == "Draft resolution" and len(data.label(iri)) > size:
        if symbol:
            return f"Draft {symbol}"
        return f"Draft ({data.label(session).rsplit(', ', 1)[-1]})" if session else "Draft"
    label = data.label(iri)
    return label if len(label) <= size else label[: size - 1] + "…"
