"""The lines above an enacting formula -> :class:`~cndkg.model.Header`.

Each line is classified (symbol, draft line with sponsors, session, agenda item,
dates, document symbol, body name); the title is the run of unclassified lines
just above the formula, the agenda title the run just below the agenda line.
Everything else (site chrome, summaries) is kept as front matter, never as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cndkg import grammar as G
from cndkg.model import Header
from cndkg.ordinals import ordinal_value
from cndkg.segment import patterns as P
from cndkg.segment.units import RawLine, join_lines


@dataclass(frozen=True, slots=True)
class _Classified:
    kind: str
    text: str
    match: re.Match[str] | None


def parse_header(lines: list[RawLine], known_names: frozenset[str]) -> tuple[Header, tuple[str, ...]]:
    """Read a resolution header from its lines.

    Takes the non-blank raw lines between the previous resolution (or the start
    of the file) and the enacting formula, and the sponsor names that contain
    " and " (so "Trinidad and Tobago" is not split). Returns the header and the
    unclassified lines that are neither title nor agenda title (front matter).
    """
    classified = [_classify(text) for text in _merge_wrapped([r.text.strip() for r in lines])]
    fields: dict[str, object] = {}
    used: set[int] = set()
    last_index = -1
    for index, item in enumerate(classified):
        if item.kind == "other":
            continue
        last_index = index
        used.add(index)
        _apply(item, fields, known_names)
    title_lines = _title_run(classified, last_index)
    for index in title_lines:
        used.add(index)
    if title_lines and "title" not in fields:
        fields["title"] = join_lines([classified[i].text for i in title_lines])
    headings = [r.text.strip() for r in lines if r.heading and _classify(r.text.strip()).kind == "other"]
    if headings and "title" not in fields:
        fields["title"] = headings[-1]  # a web page's <h2> title, its metadata list (<dl>) after it
    agenda_run = _agenda_title_run(classified)
    for index in agenda_run:
        used.add(index)
    if agenda_run:
        fields["agenda_title"] = join_lines([classified[i].text for i in agenda_run])
    front = tuple(classified[i].text for i in range(len(classified)) if i not in used)
    return Header(**fields), front  # type: ignore[arg-type]


def _merge_wrapped(texts: list[str]) -> list[str]:
    """Join a header line with the next when only together they form a sponsor line (PDF wraps)."""
    merged: list[str] = []
    index = 0
    while index < len(texts):
        text = texts[index]
        for extra in (1, 2):
            wrapped = ":" in text or text.endswith((",", " and"))
            if index + extra < len(texts) and wrapped and not P.DRAFT_LINE.match(text):
                candidate = " ".join(texts[index : index + extra + 1])
                if P.DRAFT_LINE.match(candidate):
                    text, index = candidate, index + extra
                    break
        merged.append(text)
        index += 1
    return merged


def _classify(text: str) -> _Classified:
    """Return the kind of one header line with its match."""
    checks: tuple[tuple[str, re.Pattern[str]], ...] = (
        ("adopted", P.ADOPTED_SYMBOL_LINE),
        ("numbered-title", P.NUMBERED_TITLE_LINE),
        ("resolution-document", P.RESOLUTION_DOCUMENT_LINE),
        ("draft", P.DRAFT_LINE),
        ("agenda", P.AGENDA_LINE),
        ("distribution", P.DISTRIBUTION_LINE),
        ("original", P.ORIGINAL_LINE),
        ("date", P.DATE_LINE),
        ("place-dates", P.PLACE_DATES_LINE),
        ("document-symbol", P.DOCUMENT_SYMBOL_LINE),
        ("body-name", P.BODY_NAME_LINE),
    )
    for kind, pattern in checks:
        match = pattern.match(text)
        if match:
            return _Classified(kind, text, match)
    session = P.SESSION_LINE.search(text)
    if session and len(text.split()) <= 12:
        return _Classified("session", text, session)
    return _Classified("other", text, None)


def _apply(item: _Classified, fields: dict[str, object], known_names: frozenset[str]) -> None:
    """Store what one classified line says in the header fields."""
    match = item.match
    assert match is not None
    if item.kind in ("adopted", "numbered-title"):
        parts = G.symbol_parts(match.group("symbol"))
        fields["symbol"] = parts.canonical if parts else " ".join(match.group("symbol").split())
        title = _without_markers(match.group("title") or "")
        if title:
            fields["title"] = title
        if match.groupdict().get("year"):
            fields["year"] = int(match.group("year"))
    elif item.kind == "resolution-document":
        named = G.resolution_of_document(match.group("document"))
        if named:
            parts = G.symbol_parts(named[1])
            fields.setdefault("symbol", parts.canonical if parts else named[1])
            fields["symbol_body"] = named[0]
    elif item.kind == "draft":
        fields["draft_label"] = match.group("label")
        names = match.group("sponsors") or match.group("submitter") or ""
        fields["sponsors"] = split_sponsors(names, known_names)
    elif item.kind == "session":
        value = ordinal_value(match.group("ordinal"))
        if value is not None:
            fields["session"] = value
    elif item.kind == "agenda":
        fields["agenda_item"] = match.group("item")
    elif item.kind == "date" and "distribution_date" not in fields:
        fields["distribution_date"] = item.text
    elif item.kind == "place-dates":
        fields["meeting_place_dates"] = item.text
    elif item.kind == "document-symbol":
        fields["document_symbol"] = match.group("symbol")


def _without_markers(title: str) -> str:
    """Return a heading's title without the footnote markers glued to its end ("Latin America*/")."""
    return G.SLASH_MARKER.sub("", title).rstrip(" *").strip()


def _title_run(classified: list[_Classified], last_index: int) -> list[int]:
    """Return the indexes of the unclassified lines after the last classified one."""
    run = [i for i in range(last_index + 1, len(classified)) if classified[i].kind == "other"]
    if last_index >= 0 and classified[last_index].kind in ("body-name", "session", "place-dates", "date"):
        return run if len(run) <= 4 else run[-4:]
    return run


def _agenda_title_run(classified: list[_Classified]) -> list[int]:
    """Return the indexes of the unclassified lines right below the agenda-item line."""
    for index, item in enumerate(classified):
        if item.kind == "agenda":
            run: list[int] = []
            for follower in range(index + 1, len(classified)):
                if classified[follower].kind != "other":
                    return run
                run.append(follower)
            return []
    return []


def split_sponsors(names: str, known_names: frozenset[str]) -> tuple[str, ...]:
    """Split a sponsor list ("Chile, Dominican Republic, El Salvador, Germany and Norway").

    Takes the list as written and the names that themselves contain " and ".
    Returns the names in order; a known name such as "Trinidad and Tobago" or
    "United Kingdom of Great Britain and Northern Ireland" is never split.
    """
    text = re.sub(r"\s+", " ", names.strip().rstrip(".:")).strip()
    if not text:
        return ()
    text = re.sub(r"\s*\(on behalf of [^)]*\)", "", text)
    protected: dict[str, str] = {}
    for index, name in enumerate(sorted(known_names, key=len, reverse=True)):
        if name in text:
            token = f"\x00{index}\x00"
            protected[token] = name
            text = text.replace(name, token)
    parts: list[str] = []
    for chunk in text.split(","):
        pieces = re.split(r"\s+and\s+", chunk.strip())
        parts.extend(p.strip() for p in pieces if p.strip())
    restored = []
    for part in parts:
        for token, name in protected.items():
            part = part.replace(token, name)
        restored.append(part)
    return tuple(restored)
