"""Units after an enacting formula -> preambular and operative paragraphs.

Paragraphs interrupted by footnote blocks or page breaks are joined again: a
unit continues the paragraph before it when that paragraph has not ended (no
closing comma, semicolon, colon or full stop) or when the unit starts in lower
case. The body ends at the next header, formula, heading or non-paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from cndkg import grammar as G
from cndkg.model import Diagnostic, FootnoteRef, LineMap, Paragraph, ParagraphKind, Severity, SubParagraph
from cndkg.segment import patterns as P
from cndkg.segment.units import Segment, Unit, UnitKind, join_segments
from cndkg.spans import SpanSet

_OPENING_QUOTES = frozenset("“\"‘'«")
_ENDS_SENTENCE = re.compile(r"[.:]\s*[\"'”’)]*\s*(?:\d{1,3}/|\*{1,3}/|[" + P.SUPERSCRIPTS + r"]+)?\s*$")
_CLOSING = re.compile(r"^\d{1,4}(?:st|nd|rd|th)\s+plenary\s+meeting", re.IGNORECASE)
_SUPERSCRIPT_RUN = re.compile(r"[" + P.SUPERSCRIPTS + r"]+")
# "54/", "*/", "**/" standing alone or glued to a word ("resolutions54/", "Commission17/").
_OLD_MARKER = re.compile(r"(?:(?<![\w/])|(?<=[A-Za-z)\]”\"]))(?P<label>\d{1,3}|\*{1,3})/(?=[\s,.;:)\]]|$)")
# "19615/": a year with the marker "5/" glued to it (only for labels the document defines).
_YEAR_OLD_MARKER = re.compile(r"(?<=(?:1[89]|20)\d\d)(?P<label>\d{1,3})/(?=[\s,.;:)\]]|$)")
_GLUED_MARKER = re.compile(r"(?<![\d]\.)(?<=[A-Za-z)\]”\",;:])(?P<label>\d{1,3})(?=[\s,.;:)]|$)")
# "1966,[1]": a web page's bracketed note number (only for labels the document defines).
_BRACKET_MARKER = re.compile(r"\[(?P<label>\d{1,3})\](?!\()")
# "of 197115": digits glued to a year (only for labels the document defines).
_YEAR_GLUED_MARKER = re.compile(r"(?<=(?:1[89]|20)\d\d)(?P<label>\d{1,3})(?=[\s,.;:)]|$)")


@dataclass
class _Draft:
    """A paragraph being assembled from units."""

    kind: ParagraphKind
    number: int | None
    cue: str
    texts: list[Segment]
    line: int
    offset: int
    subparagraphs: list[_SubDraft] = field(default_factory=list)

    def tail(self) -> str:
        if self.subparagraphs:
            return self.subparagraphs[-1].texts[-1][0]
        return self.texts[-1][0] if self.texts else ""


@dataclass
class _SubDraft:
    """A sub-paragraph being assembled."""

    label: str
    texts: list[Segment]
    line: int


@dataclass(frozen=True, slots=True)
class BodyResult:
    """Paragraphs read from a run of units, where the run ended, and what went wrong."""

    paragraphs: tuple[Paragraph, ...]
    paragraph_offsets: tuple[int, ...]
    end: int
    diagnostics: tuple[Diagnostic, ...]
    leading_partial: str = ""


@dataclass
class MarkerStyle:
    """Which footnote-marker forms a document uses."""

    glued_labels: frozenset[str] = frozenset()
    defined_labels: frozenset[str] = frozenset()


def parse_body(
    units: list[Unit], start: int, stop: int, source: str, *, fragment: bool, markers: MarkerStyle
) -> BodyResult:
    """Read paragraphs from ``units[start:stop]``.

    Takes the units, the range to read, the source name (for diagnostics),
    whether this is a leading fragment (no formula before it: only paragraphs
    that look unmistakably like resolution paragraphs are taken) and the marker
    style. Returns the paragraphs and the index of the first unit not consumed.
    """
    drafts: list[_Draft] = []
    state: ParagraphKind | None = None if fragment else ParagraphKind.PREAMBULAR
    leading_partial = ""
    index = start
    end = start
    while index < stop:
        unit = units[index]
        if unit.kind is not UnitKind.TEXT:
            index += 1
            continue
        text = unit.text.strip()
        if P.ENACTING_FORMULA.match(text) or unit.heading or P.is_header_line(text):
            break
        if P.BULLET_TAG.match(text):
            index += 1  # a site's tag line between paragraphs ("• Civil society engagement"): chrome
            continue
        previous = drafts[-1] if drafts else None
        if previous and _continues(previous, text):
            _append_continuation(previous, unit.segment())
        elif (number := P.OPERATIVE_NUMBER.match(text)) and (state is not None or _is_operative_opening(text)):
            drafts.append(
                _start(ParagraphKind.OPERATIVE, int(number.group("number")), unit, unit.segment(number.end()))
            )
            state = ParagraphKind.OPERATIVE
        elif (sub := P.SUBPARAGRAPH.match(text)) and previous is not None:
            previous.subparagraphs.append(_SubDraft(sub.group("label"), [unit.segment(sub.end())], unit.line))
        elif state is ParagraphKind.PREAMBULAR and drafts and _is_lone_operative(text):
            drafts.append(_start(ParagraphKind.OPERATIVE, None, unit, unit.segment()))
            state = ParagraphKind.OPERATIVE
        elif state is ParagraphKind.PREAMBULAR and _is_preambular(text, unit):
            drafts.append(_start(ParagraphKind.PREAMBULAR, None, unit, unit.segment()))
        elif state is None and _is_preambular(text, unit) and P.starts_with_preamble_cue(text):
            drafts.append(_start(ParagraphKind.PREAMBULAR, None, unit, unit.segment()))
            state = ParagraphKind.PREAMBULAR
        elif state is ParagraphKind.PREAMBULAR and drafts and _is_unnumbered_operative(text):
            drafts.append(_start(ParagraphKind.OPERATIVE, None, unit, unit.segment()))
            state = ParagraphKind.OPERATIVE
        elif fragment and not drafts and not leading_partial and text[:1].islower():
            leading_partial = text
        else:
            break
        index += 1
        end = index
    degraded: tuple[Diagnostic, ...] = ()
    if not fragment and not drafts:
        drafts, end, degraded = _degrade(units, start, stop, source)
    paragraphs, offsets, diagnostics = _finish(drafts, source, markers)
    if not fragment:
        diagnostics += degraded + _stopped_early(units, end, stop, source)
    return BodyResult(paragraphs, offsets, end, diagnostics, leading_partial if drafts else "")


def _degrade(units: list[Unit], start: int, stop: int, source: str) -> tuple[list[_Draft], int, tuple[Diagnostic, ...]]:
    """Read a body whose paragraphs cannot be told apart (italic cues lost in extraction) as larger paragraphs.

    Each text unit is a paragraph: numbered ones operative, those before the first
    operative preambular, lower-case ones continuing the paragraph before. The text
    is never dropped; a warning names the line.
    """
    drafts: list[_Draft] = []
    end = start
    kind = ParagraphKind.PREAMBULAR
    for index in range(start, stop):
        unit = units[index]
        text = unit.text.strip()
        if unit.kind is not UnitKind.TEXT:
            continue
        if P.ENACTING_FORMULA.match(text) or unit.heading or P.is_header_line(text) or _is_closing(text):
            break
        if not any(ch.isalpha() for ch in text):
            continue  # a stray marker or rule ("⁴", "* * *"): no words, no paragraph
        number = P.OPERATIVE_NUMBER.match(text)
        if drafts and not number and text[:1].islower():
            _append_continuation(drafts[-1], unit.segment())
        else:
            kind = ParagraphKind.OPERATIVE if number else kind
            body = unit.segment(number.end()) if number else unit.segment()
            cue = P.extract_cue(body[0], unit.emphasis_prefix)
            drafts.append(
                _Draft(kind, int(number.group("number")) if number else None, cue, [body], unit.line, unit.offset)
            )
        end = index + 1
    if not drafts:
        return [], start, ()
    message = (
        f"the paragraphs after the enacting formula could not be told apart (no cue words or numbers): "
        f"kept as {len(drafts)} larger paragraph(s)"
    )
    return drafts, end, (Diagnostic(source, drafts[0].line, message, Severity.WARNING, "degraded"),)


def _is_closing(text: str) -> bool:
    """Return True for the line that closes a resolution ("1816th plenary meeting")."""
    return bool(_CLOSING.match(text))


def _stopped_early(units: list[Unit], end: int, stop: int, source: str) -> tuple[Diagnostic, ...]:
    """Warn when the body ended but numbered paragraphs follow before the next resolution."""
    for unit in units[end:stop]:
        if unit.kind is UnitKind.TEXT and P.OPERATIVE_NUMBER.match(unit.text.strip()):
            first = next(u for u in units[end:stop] if u.kind is UnitKind.TEXT)
            message = (
                f"the resolution's paragraphs stop at line {first.line} ({first.text.strip()[:40]!r} does not "
                f"read as a paragraph), but numbered text follows at line {unit.line}: check the file there"
            )
            return (Diagnostic(source, first.line, message, Severity.WARNING, "stopped-early"),)
    return ()


def _start(kind: ParagraphKind, number: int | None, unit: Unit, body: Segment) -> _Draft:
    """Return a new paragraph opened by ``unit``, its cue read from the body's first words."""
    return _Draft(kind, number, P.extract_cue(body[0], unit.emphasis_prefix), [body], unit.line, unit.offset)


def _continues(previous: _Draft, text: str) -> bool:
    """Return True when a unit carries on the paragraph before it.

    It does when the paragraph has not ended, when the unit starts in lower case,
    and when it is quoted text (an amendment "as follows:") rather than a new
    numbered paragraph or sub-paragraph.
    """
    tail = previous.tail()
    if (P.OPERATIVE_NUMBER.match(text) or P.SUBPARAGRAPH.match(text)) and P.ends_clause(tail):
        return False
    if text[:1] in _OPENING_QUOTES or tail.rstrip().endswith(":"):
        return True
    return text[:1].islower() or not P.ends_clause(tail)


def _append_continuation(previous: _Draft, segment: Segment) -> None:
    """Add a continuation unit to the paragraph or its last sub-paragraph."""
    if previous.subparagraphs:
        previous.subparagraphs[-1].texts.append(segment)
    else:
        previous.texts.append(segment)


def _is_preambular(text: str, unit: Unit) -> bool:
    """Return True for a unit that reads as a preambular paragraph."""
    if not text[:1].isupper():
        return False
    return bool(unit.emphasis_prefix) or P.starts_with_preamble_cue(text) or text.rstrip().endswith((",", ";", ":"))


def _is_operative_opening(text: str) -> bool:
    """Return True when a numbered unit opens with an operative verb (fragments only)."""
    number = P.OPERATIVE_NUMBER.match(text)
    return bool(number and P.starts_with_operative_cue(text[number.end() :]))


def _is_lone_operative(text: str) -> bool:
    """Return True for an unnumbered operative paragraph opening with a cue of the table ("Decides that ...:")."""
    return G.starts_with_cue(text, "operative") and _is_unnumbered_operative(text)


def _is_unnumbered_operative(text: str) -> bool:
    """Return True for a lone operative paragraph without a number ("Decides that ...")."""
    return P.starts_with_operative_cue(text) and bool(_ENDS_SENTENCE.search(text))


def _finish(
    drafts: list[_Draft], source: str, markers: MarkerStyle
) -> tuple[tuple[Paragraph, ...], tuple[int, ...], tuple[Diagnostic, ...]]:
    """Number the drafts within their kind, strip footnote markers, check numbering."""
    paragraphs: list[Paragraph] = []
    diagnostics: list[Diagnostic] = []
    positions = {ParagraphKind.PREAMBULAR: 0, ParagraphKind.OPERATIVE: 0}
    last_number: int | None = None
    seen_numbers: set[int] = set()
    for draft in drafts:
        positions[draft.kind] += 1
        text, refs, line_map = clean_segment(join_segments(draft.texts), markers)
        subs = []
        for sub in draft.subparagraphs:
            clean, sub_refs, sub_map = clean_segment(join_segments(sub.texts), markers)
            subs.append(SubParagraph(sub.label, clean, sub.line, sub_refs, sub_map))
        number = draft.number
        if draft.kind is ParagraphKind.OPERATIVE and number is not None:
            if number in seen_numbers:
                diagnostics.append(
                    Diagnostic(
                        source,
                        draft.line,
                        f"operative paragraph number {number} repeats; "
                        f"it is kept as operative paragraph {positions[draft.kind]} in order",
                    )
                )
                number = None
            elif last_number is not None and number != last_number + 1:
                diagnostics.append(
                    Diagnostic(
                        source,
                        draft.line,
                        f"operative paragraph numbering jumps from {last_number} to {number}",
                        Severity.INFO,
                    )
                )
            if number is not None:
                seen_numbers.add(number)
                last_number = number
        paragraphs.append(
            Paragraph(
                draft.kind, positions[draft.kind], number, draft.cue, text, draft.line, refs, tuple(subs), line_map
            )
        )
    if any(p.kind is ParagraphKind.OPERATIVE and p.number is None for p in paragraphs):
        paragraphs = _unique_operative_ids(paragraphs)
    return tuple(paragraphs), tuple(d.offset for d in drafts), tuple(diagnostics)


def _unique_operative_ids(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """Give unnumbered operative paragraphs a position that no numbered one uses."""
    numbers = {p.number for p in paragraphs if p.number is not None}
    result = []
    for paragraph in paragraphs:
        if paragraph.kind is ParagraphKind.OPERATIVE and paragraph.number is None and paragraph.position in numbers:
            free = max(numbers) + 1
            numbers.add(free)
            paragraph = replace(paragraph, number=free)
        result.append(paragraph)
    return result


def clean_segment(segment: Segment, markers: MarkerStyle) -> tuple[str, tuple[FootnoteRef, ...], LineMap]:
    """Strip footnote markers from a joined segment; return text, markers and the shifted line map."""
    text, line_map = segment
    clean, refs, removed = strip_markers(text, markers)
    if not removed:
        return clean, refs, line_map
    offsets: list[int] = []
    lines: list[int] = []
    for offset, line in zip(line_map.offsets, line_map.lines, strict=False):
        shifted = offset - sum(min(end, offset) - start for start, end in removed if start < offset)
        if offsets and offsets[-1] == shifted:
            lines[-1] = line
        else:
            offsets.append(shifted)
            lines.append(line)
    return clean, refs, LineMap(tuple(offsets), tuple(lines))


def strip_markers(text: str, markers: MarkerStyle) -> tuple[str, tuple[FootnoteRef, ...], tuple[tuple[int, int], ...]]:
    """Remove footnote markers from a paragraph text.

    Takes the text and the document's marker style. Returns the clean text and
    a :class:`FootnoteRef` per marker (label, offset in the clean text). Markers
    are superscript digits, old ECOSOC ``74/`` and ``*/`` forms, and, only for
    labels the document defines, digits glued to a word (``Protocol,1``). Also
    returns the removed spans of the input, for remapping offsets.
    """
    refs: list[FootnoteRef] = []
    # each form is looked for only where its sign occurs (a slash, a bracket, a superscript digit)
    slash, bracket = "/" in text, "[" in text
    patterns = [_SUPERSCRIPT_RUN] if _SUPERSCRIPT_RUN.search(text) else []
    if slash:
        patterns.append(_OLD_MARKER)
    if markers.defined_labels:
        patterns.extend(([_YEAR_OLD_MARKER] if slash else []) + ([_BRACKET_MARKER] if bracket else []))
    if markers.glued_labels:
        patterns.extend((_GLUED_MARKER, _YEAR_GLUED_MARKER))
    spans: list[tuple[int, int, str]] = []
    taken = SpanSet()
    for pattern in patterns:
        for match in pattern.finditer(text):
            label = match.groupdict().get("label") or P.footnote_label(match.group(0))
            if pattern in (_GLUED_MARKER, _YEAR_GLUED_MARKER) and label not in markers.glued_labels:
                continue
            if pattern in (_YEAR_OLD_MARKER, _BRACKET_MARKER) and label not in markers.defined_labels:
                continue
            if taken.add(match.start(), match.end()):
                spans.append((match.start(), match.end(), label))
    if not spans:
        return text, (), ()
    spans.sort()
    out: list[str] = []
    removed: list[tuple[int, int]] = []
    cursor = 0
    length = 0
    for start, end, label in spans:
        piece = text[cursor:start]
        out.append(piece)
        length += len(piece)
        refs.append(FootnoteRef(label, length))
        cursor = end
        if piece.endswith(" ") and text[cursor : cursor + 1] == " ":
            cursor += 1
        removed.append((start, cursor))
    out.append(text[cursor:])
    return "".join(out), tuple(refs), tuple(removed)
