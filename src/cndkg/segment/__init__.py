"""Stage 2, segment: a :class:`SourceDocument` -> resolutions, drafts and fragments.

A resolution is anchored on its enacting formula ("The Commission on Narcotic
Drugs,"): the lines above it (back to the end of the previous resolution) are
its header, the paragraphs below it its body. Paragraphs before the first header
form a fragment; a table of documents after a body is read as that session's
documents; footnotes are attached through the markers that cite them.
"""

from __future__ import annotations

from dataclasses import replace

from cndkg.model import (
    Diagnostic,
    Footnote,
    Header,
    Paragraph,
    Resolution,
    ResolutionKind,
    Severity,
    SourceDocument,
)
from cndkg.segment import patterns as P
from cndkg.segment.body import BodyResult, MarkerStyle, parse_body
from cndkg.segment.documents import parse_document_table
from cndkg.segment.header import parse_header, split_sponsors
from cndkg.segment.layout import normalise
from cndkg.segment.units import Unit, UnitKind, build_units, raw_lines

__all__ = ["segment", "split_sponsors"]


def segment(doc: SourceDocument, known_names: frozenset[str] = frozenset()) -> list[Resolution]:
    """Split a document into resolutions, drafts and fragments.

    Takes the document and the sponsor names that contain " and " (from the
    reference data, so they are not split). Returns the records in document
    order; an empty list when the file holds no resolution text.
    """
    doc = normalise(doc)
    units = build_units(raw_lines(doc))
    footnotes = _footnotes(units)
    markers = MarkerStyle(_glued_labels(units, footnotes), frozenset(f.label for _, f in footnotes))
    formulas = [i for i, u in enumerate(units) if u.kind is UnitKind.TEXT and P.ENACTING_FORMULA.match(u.text.strip())]
    headings_only = not formulas
    if headings_only:
        # No enacting formula printed ("Resolution 60/1. Title" straight into "Reaffirming ..."): the
        # headings anchor the resolutions, so the text is read rather than lost.
        formulas = _heading_anchors(units)
    records: list[Resolution] = []
    first_stop = formulas[0] if formulas else len(units)
    fragment = parse_body(units, 0, first_stop, doc.path, fragment=True, markers=markers)
    cursor = 0
    if fragment.paragraphs:
        records.append(_fragment_record(doc, units, fragment, footnotes, len(records)))
        cursor = fragment.end
    for number, formula in enumerate(formulas):
        stop = formulas[number + 1] if number + 1 < len(formulas) else len(units)
        header_end = formula + 1 if headings_only else formula
        header_lines = [r for u in units[cursor:header_end] if u.kind is UnitKind.TEXT for r in u.raw]
        header, front = parse_header(header_lines, known_names)
        body = parse_body(units, formula + 1, stop, doc.path, fragment=False, markers=markers)
        next_header = _next_header_start(units, body.end, stop, formulas, number)
        documents = parse_document_table(
            [r for u in units[body.end : next_header] if u.kind is UnitKind.TEXT for r in u.raw]
        )
        start_unit = units[cursor] if cursor < formula else units[formula]
        records.append(
            _record(
                doc,
                units,
                header,
                front,
                body,
                footnotes,
                formula,
                start_unit,
                len(records),
                documents,
                range(cursor, max(body.end, formula + 1)),
            )
        )
        cursor = next_header
    return _fill_fragment_body(records)


def _heading_anchors(units: list[Unit]) -> list[int]:
    """Return the heading units ("Resolution 60/1. Title", "3014(XXVII).") that a paragraph follows."""
    anchors = []
    candidate: int | None = None
    for index, unit in enumerate(units):
        if unit.kind is not UnitKind.TEXT:
            continue
        text = unit.text.strip()
        if candidate is not None and P.starts_with_preamble_cue(text):
            anchors.append(candidate)
        candidate = index if P.ADOPTED_SYMBOL_LINE.match(text) or P.NUMBERED_TITLE_LINE.match(text) else None
    return anchors


def _next_header_start(units: list[Unit], body_end: int, stop: int, formulas: list[int], number: int) -> int:
    """Return where the next resolution's header begins (the end of this one's trailer)."""
    if number + 1 >= len(formulas):
        return stop
    for index in range(body_end, stop):
        unit = units[index]
        if unit.kind is UnitKind.TEXT and (P.ADOPTED_SYMBOL_LINE.match(unit.text) or unit.heading):
            return index
    return body_end


def _footnotes(units: list[Unit]) -> list[tuple[int, Footnote]]:
    """Return every footnote definition with its unit index, antecedents filled in."""
    found: list[tuple[int, Footnote]] = []
    previous: str | None = None
    for index, unit in enumerate(units):
        if unit.kind is UnitKind.FOOTNOTE:
            found.append((index, Footnote(unit.label, unit.text, unit.line, previous, unit.lines)))
            previous = unit.text
    return found


def _glued_labels(units: list[Unit], footnotes: list[tuple[int, Footnote]]) -> frozenset[str]:
    """Return labels for glued-digit markers: only where no explicit marker form is used."""
    if not footnotes:
        return frozenset()
    for unit in units:
        if unit.kind is UnitKind.TEXT and any(ch in P.SUPERSCRIPTS for ch in unit.text):
            return frozenset()
        if unit.kind is UnitKind.FOOTNOTE and not unit.raw[0].text.strip()[:1].isdigit():
            return frozenset()
    return frozenset(f.label for _, f in footnotes)


def _attach_footnotes(
    paragraphs: tuple[Paragraph, ...],
    offsets: tuple[int, ...],
    units: list[Unit],
    footnotes: list[tuple[int, Footnote]],
    region: range,
    source: str,
) -> tuple[tuple[Footnote, ...], tuple[Diagnostic, ...]]:
    """Pick the footnotes a resolution's markers point to, and report strays."""
    chosen: dict[int, Footnote] = {}
    diagnostics: list[Diagnostic] = []
    for paragraph, offset in zip(paragraphs, offsets, strict=False):
        refs = list(paragraph.footnote_refs) + [r for s in paragraph.subparagraphs for r in s.footnote_refs]
        for ref in refs:
            match = _nearest_definition(ref.label, offset, units, footnotes)
            if match is None:
                diagnostics.append(
                    Diagnostic(
                        source,
                        paragraph.line,
                        f"footnote marker {ref.label} in paragraph {paragraph.eid} has no footnote text",
                        Severity.WARNING,
                    )
                )
            else:
                chosen[match[0]] = match[1]
    for index, footnote in footnotes:
        if index in region and index not in chosen:
            chosen[index] = footnote
            diagnostics.append(
                Diagnostic(
                    source,
                    footnote.line,
                    f"footnote {footnote.label} is not cited by any paragraph marker",
                    Severity.INFO,
                )
            )
    return _unique_keys([chosen[i] for i in sorted(chosen)]), tuple(diagnostics)


def _unique_keys(footnotes: list[Footnote]) -> tuple[Footnote, ...]:
    """Give footnotes whose label repeats in one resolution the keys ``label-2``, ``label-3`` ..."""
    seen: dict[str, int] = {}
    keyed = []
    for footnote in footnotes:
        seen[footnote.label] = seen.get(footnote.label, 0) + 1
        count = seen[footnote.label]
        keyed.append(replace(footnote, key=footnote.label if count == 1 else f"{footnote.label}-{count}"))
    return tuple(keyed)


def _nearest_definition(
    label: str, offset: int, units: list[Unit], footnotes: list[tuple[int, Footnote]]
) -> tuple[int, Footnote] | None:
    """Return the definition of ``label`` nearest after ``offset``, else nearest before."""
    after = [(i, f) for i, f in footnotes if f.label == label and units[i].offset >= offset]
    if after:
        return after[0]
    before = [(i, f) for i, f in footnotes if f.label == label]
    return before[-1] if before else None


def _record(
    doc: SourceDocument,
    units: list[Unit],
    header: Header,
    front: tuple[str, ...],
    body: BodyResult,
    footnotes: list[tuple[int, Footnote]],
    formula: int,
    start_unit: Unit,
    index: int,
    documents: tuple,  # type: ignore[type-arg]
    region: range,
) -> Resolution:
    """Assemble one resolution or draft record."""
    match = P.ENACTING_FORMULA.match(units[formula].text.strip())
    body_name = _canonical_body((match.group("body") or match.group("bare")) if match else "")
    if not body_name and header.symbol_body:
        body_name = header.symbol_body
    attached, notes = _attach_footnotes(body.paragraphs, body.paragraph_offsets, units, footnotes, region, doc.path)
    if not body_name:
        kind = ResolutionKind.FRAGMENT  # no formula and no body in the header: whose text it is stays unknown
    elif header.draft_label:
        kind = ResolutionKind.DRAFT
    elif header.symbol:
        kind = ResolutionKind.ADOPTED
    else:
        kind = ResolutionKind.DRAFT if header.title else ResolutionKind.FRAGMENT
    diagnostics = list(body.diagnostics) + list(notes)
    truncated = _is_truncated(body.paragraphs)
    if truncated:
        diagnostics.append(
            Diagnostic(
                doc.path,
                _last_line(body, units[formula]),
                "the text ends before the resolution does (truncated): kept as far as it goes",
                Severity.INFO,
            )
        )
    if not body.paragraphs:
        diagnostics.append(Diagnostic(doc.path, units[formula].line, "enacting formula with no paragraphs after it"))
    return Resolution(
        kind=kind,
        source=doc.path,
        line=start_unit.line,
        body=body_name,
        header=header,
        paragraphs=body.paragraphs,
        footnotes=attached,
        index_in_source=index,
        truncated=truncated,
        session_documents=documents,
        front_matter=front,
        diagnostics=tuple(diagnostics),
        pages=doc.pages,
    )


def _fragment_record(
    doc: SourceDocument, units: list[Unit], body: BodyResult, footnotes: list[tuple[int, Footnote]], index: int
) -> Resolution:
    """Assemble the record of paragraphs found before any header."""
    attached, notes = _attach_footnotes(
        body.paragraphs, body.paragraph_offsets, units, footnotes, range(0, body.end), doc.path
    )
    first = body.paragraphs[0]
    what = f"{first.kind.value} paragraph {first.number or first.position}"
    diagnostics = [
        Diagnostic(
            doc.path,
            first.line,
            f"text starts inside a resolution (at {what}) whose header is not in the file: kept as a fragment",
            Severity.INFO,
        ),
        *body.diagnostics,
        *notes,
    ]
    front = (body.leading_partial,) if body.leading_partial else ()
    return Resolution(
        kind=ResolutionKind.FRAGMENT,
        source=doc.path,
        line=first.line,
        body="",
        header=Header(),
        paragraphs=body.paragraphs,
        footnotes=attached,
        index_in_source=index,
        truncated=_is_truncated(body.paragraphs),
        front_matter=front,
        diagnostics=tuple(diagnostics),
        pages=doc.pages,
    )


def _fill_fragment_body(records: list[Resolution]) -> list[Resolution]:
    """Give a leading fragment the body of the resolutions it is compiled with."""
    bodies = {r.body for r in records if r.body}
    if len(bodies) != 1:
        return records
    body = bodies.pop()
    return [replace(r, body=body) if r.kind is ResolutionKind.FRAGMENT and not r.body else r for r in records]


def _is_truncated(paragraphs: tuple[Paragraph, ...]) -> bool:
    """Return True when the last paragraph stops mid-sentence or no operative one exists."""
    if not paragraphs:
        return False
    last = paragraphs[-1]
    tail = last.subparagraphs[-1].text if last.subparagraphs else last.text
    return not P.ends_clause(tail) or not any(p.kind.value == "operative" for p in paragraphs)


def _last_line(body: BodyResult, formula: Unit) -> int:
    """Return the source line of the last paragraph, or of the formula."""
    return body.paragraphs[-1].line if body.paragraphs else formula.line


_BODY_CANONICAL = {b.lower(): b for b in P.BODIES}


def _canonical_body(name: str) -> str:
    """Return a body's name as spelled in :data:`patterns.BODIES`."""
    return _BODY_CANONICAL.get(" ".join(name.split()).lower(), name)
