"""The typed model as plain JSON (for ``cndkg parse --json`` and ``cndkg cite --json``)."""

from __future__ import annotations

import dataclasses
import json
from enum import Enum
from typing import Any

from cndkg.model import Citation, LineMap, Resolution, ResolvedResolution


def to_plain(value: Any) -> Any:
    """Return dataclasses, enums and tuples as JSON-ready dicts, strings and lists (line maps left out)."""
    if isinstance(value, LineMap):
        return None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        plain = {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.name != "lines"}
        if hasattr(value, "eid"):
            plain["eid"] = value.eid
        return plain
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    return value


def citation_record(citation: Citation, resolution: Resolution) -> dict[str, Any]:
    """Return one citation as a flat record: target, relation, paragraph, source line (and page), text."""
    mention = citation.mention
    return {
        "source": resolution.source,
        "line": mention.line,
        "page": resolution.page_of(mention.line),
        "where": resolution.where(mention.line),
        "paragraph": citation.citing,
        "relation": citation.relation,
        "target": citation.target,
        "target_kind": citation.target_kind,
        "kind": mention.kind.value,
        "text": mention.text,
        "in": f"{mention.location.container} {mention.location.key}",
        "span": [mention.start, mention.end],
    }


def resolved_record(item: ResolvedResolution, *, with_citations: bool) -> dict[str, Any]:
    """Return a resolved resolution as JSON-ready data: the model, plus its citations if asked."""
    record: dict[str, Any] = {"iri": item.iri, **to_plain(item.resolution)}
    record["diagnostics"] = [str(d) for d in item.diagnostics]
    record["sponsor_states"] = to_plain(item.sponsors)
    if with_citations:
        record["citations"] = [citation_record(c, item.resolution) for c in item.citations]
        record["facts"] = to_plain(item.facts)
        record["mandates"] = to_plain(item.mandates)
        record["addressees"] = to_plain(item.addressings)
    return record


def dumps(data: Any) -> str:
    """Return data as indented, key-sorted JSON text that keeps non-ASCII characters."""
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True)
