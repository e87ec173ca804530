"""Lines of a document -> units: text runs, footnote definitions, page artefacts.

A *unit* is what the segmenter reasons about: a run of source lines that forms
one paragraph candidate (hard wraps joined, hyphenation undone), one footnote
definition, or something to step over (blank lines, page numbers, rules).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from enum import StrEnum

from cndkg.model import LineMap, MarkKind, SourceDocument
from cndkg.segment import patterns as P


class UnitKind(StrEnum):
    """What a unit is."""

    TEXT = "text"
    FOOTNOTE = "footnote"
    BREAK = "break"


@dataclass(frozen=True, slots=True)
class RawLine:
    """One line of the document text with its offset, source line and markup facts."""

    text: str
    offset: int
    line: int
    heading: bool
    emphasis_prefix: str
    breaks: tuple[tuple[int, int], ...] = ()

    def segment(self) -> Segment:
        """Return the line as a segment: white space collapsed, each part on its own source line.

        A plain-text line is one source line; a line read from HTML (a whole
        ``<p>``) can span several, listed in ``breaks`` as (offset in the line, line).
        """
        if not self.breaks:
            return line_segment(self.text, self.line)
        collapsed = " ".join(self.text.split())
        lead = len(self.text) - len(self.text.lstrip())
        offsets, lines = [0], [self.line]
        for offset, line in self.breaks:
            shifted = max(0, min(len(collapsed), offset - lead))
            if line != lines[-1] and shifted > offsets[-1]:
                offsets.append(shifted)
                lines.append(line)
        return collapsed, LineMap(tuple(offsets), tuple(lines))


@dataclass(frozen=True, slots=True)
class Unit:
    """A paragraph candidate, a footnote definition or a break between them."""

    kind: UnitKind
    text: str
    raw: tuple[RawLine, ...]
    label: str = ""
    lines: LineMap = field(default_factory=lambda: LineMap((0,), (0,)))

    def segment(self, start: int = 0) -> Segment:
        """Return the unit's text from ``start`` on, with its line map."""
        return slice_segment((self.text, self.lines), start)

    @property
    def line(self) -> int:
        """Return the source line where the unit starts."""
        return self.raw[0].line if self.raw else 0

    @property
    def offset(self) -> int:
        """Return the document offset where the unit starts."""
        return self.raw[0].offset if self.raw else 0

    @property
    def emphasis_prefix(self) -> str:
        """Return the emphasised words the unit opens with (a cue in italics), or ''."""
        return self.raw[0].emphasis_prefix if self.raw else ""

    @property
    def heading(self) -> bool:
        """Return True when the whole unit was a heading or bold line."""
        return all(r.heading for r in self.raw)


def raw_lines(doc: SourceDocument) -> list[RawLine]:
    """Split a document into :class:`RawLine` records with their markup facts.

    Takes the document. Returns one record per line of ``doc.text``: whether the
    whole line is a heading or bold, and the emphasised text it starts with.
    """
    starts_emphasis: dict[int, int] = {}
    whole_marked: set[int] = set()
    for mark in doc.marks:
        if mark.kind is MarkKind.EMPHASIS:
            starts_emphasis.setdefault(mark.start, mark.end)
        else:
            whole_marked.add(mark.start)
    records: list[RawLine] = []
    offset = 0
    for text in doc.text.split("\n"):
        stripped = text.strip()
        lead = len(text) - len(text.lstrip())
        start = offset + lead
        emphasis = ""
        if start in starts_emphasis:
            emphasis = doc.text[start : starts_emphasis[start]].strip()
        else:
            numbered = P.OPERATIVE_NUMBER.match(stripped)
            if numbered and start + numbered.end() in starts_emphasis:
                begin = start + numbered.end()
                emphasis = doc.text[begin : starts_emphasis[begin]].strip()
        heading = bool(stripped) and start in whole_marked
        records.append(RawLine(text, offset, doc.line_at(offset), heading, emphasis, _breaks(doc, offset, len(text))))
        offset += len(text) + 1
    return records


def _breaks(doc: SourceDocument, offset: int, length: int) -> tuple[tuple[int, int], ...]:
    """Return where, inside one plain-text line, the source line changes (HTML paragraphs span lines)."""
    offsets = doc.line_map.offsets
    index = bisect.bisect_right(offsets, offset)
    found = []
    while index < len(offsets) and offsets[index] < offset + length:
        found.append((offsets[index] - offset, doc.line_map.lines[index]))
        index += 1
    return tuple(found)


def build_units(lines: list[RawLine]) -> list[Unit]:
    """Group raw lines into units.

    Takes the raw lines. Returns units in document order: footnote definitions
    (with their wrapped continuation lines), text units split wherever a line
    opens a new paragraph, and BREAK units for blank lines and page artefacts.
    """
    units: list[Unit] = []
    current: list[RawLine] = []
    footnote: list[RawLine] = []
    footnote_label = ""

    def flush_text() -> None:
        if current:
            text, line_map = join_segments([r.segment() for r in current])
            units.append(Unit(UnitKind.TEXT, text, tuple(current), lines=line_map))
            current.clear()

    def flush_footnote() -> None:
        nonlocal footnote_label
        if footnote:
            first = P.FOOTNOTE_DEFINITION.match(footnote[0].text.strip())
            body = first.group("body") if first else footnote[0].text.strip()
            pieces = [line_segment(body, footnote[0].line), *[r.segment() for r in footnote[1:]]]
            text, line_map = join_segments(pieces)
            units.append(Unit(UnitKind.FOOTNOTE, text, tuple(footnote), footnote_label, line_map))
            footnote.clear()
            footnote_label = ""

    for record in lines:
        stripped = record.text.strip()
        if not stripped or P.PAGE_ARTEFACT.match(stripped):
            flush_text()
            flush_footnote()
            units.append(Unit(UnitKind.BREAK, "", (record,)))
            continue
        definition = P.FOOTNOTE_DEFINITION.match(stripped)
        if definition and not P.OPERATIVE_NUMBER.match(stripped):
            flush_text()
            flush_footnote()
            footnote_label = P.footnote_label(
                definition.group("sup")
                or definition.group("old")
                or definition.group("bracket")
                or definition.group("plain")
            )
            footnote.append(record)
            continue
        if footnote:
            footnote.append(record)
            continue
        if current and _opens_new_unit(current[-1], record):
            flush_text()
        current.append(record)
    flush_text()
    flush_footnote()
    return units


def _opens_new_unit(previous: RawLine, line: RawLine) -> bool:
    """Return True when ``line`` starts a new unit rather than wrapping ``previous``."""
    before = previous.text.strip()
    text = line.text.strip()
    if previous.heading != line.heading or line.heading:
        return True
    if P.is_header_line(before) or P.is_header_line(text):
        return True
    if P.ENACTING_FORMULA.match(text) or P.ENACTING_FORMULA.match(before):
        return True
    if text[:1] in P.BULLETS or before[:1] in P.BULLETS:
        return True
    if P.is_bare_cue(text):
        return True  # a cue alone on its line ("Recalling also"): text extracted from a PDF, italics apart
    if not P.ends_clause(before):
        return False
    return bool(
        P.OPERATIVE_NUMBER.match(text)
        or P.SUBPARAGRAPH.match(text)
        or line.emphasis_prefix
        or P.starts_with_preamble_cue(text)
        or P.starts_with_operative_cue(text)
    )


_KEEP_HYPHEN_BEFORE = frozenset(
    {
        "non",
        "self",
        "well",
        "long",
        "short",
        "high",
        "low",
        "evidence",
        "science",
        "gender",
        "age",
        "drug",
        "community",
        "health",
        "human",
        "cost",
        "risk",
        "co",
        "cross",
        "post",
        "anti",
        "semi",
        "multi",
        "inter",
        "intra",
        "e",
        "mid",
        "decision",
        "policy",
        "rights",
        "follow",
        "high-level",
        "medium",
        "small",
        "large",
        "large-scale",
        "law",
        "culture",
        "region",
        "country",
        "state",
        "treatment",
        "prevention",
        "recovery",
        "rehabilitation",
        "reintegration",
        "development",
        "crime",
        "criminal",
        "justice",
        "sex",
        "youth",
        "child",
        "family",
        "peer",
        "people",
        "person",
        "user",
        "women",
        "substance",
        "problem",
        "rule",
        "time",
        "year",
        "two",
        "three",
        "four",
        "five",
    }
)
_WRAP_HYPHEN = re.compile(r"([A-Za-z]+)-$")


Segment = tuple[str, LineMap]


def line_segment(text: str, line: int) -> Segment:
    """Return one source line as a segment: white space collapsed, all of it on ``line``."""
    return " ".join(text.split()), LineMap((0,), (line,))


def slice_segment(segment: Segment, start: int) -> Segment:
    """Return a segment without its first ``start`` characters, its line map shifted."""
    text, line_map = segment
    if start <= 0:
        return segment
    offsets: list[int] = []
    lines: list[int] = []
    for offset, line in zip(line_map.offsets, line_map.lines, strict=False):
        shifted = max(offset - start, 0)
        if offsets and offsets[-1] == shifted:
            lines[-1] = line
        else:
            offsets.append(shifted)
            lines.append(line)
    return text[start:], LineMap(tuple(offsets), tuple(lines))


def join_segments(segments: list[Segment]) -> Segment:
    """Join hard-wrapped lines (or already joined runs) into one paragraph text.

    Takes the segments in order. Returns the text joined by single spaces, with a
    line-end hyphen before a lower-case continuation removed ("rehabilita-" +
    "tion") unless the part before it is a word that forms compounds ("non-",
    "gender-"), where the hyphen is kept and no space added; and the line map
    of the joined text.
    """
    out = ""
    offsets: list[int] = []
    lines: list[int] = []
    for text, line_map in segments:
        if not text:
            continue
        if not out:
            start, out = 0, text
        else:
            hyphen = _WRAP_HYPHEN.search(out)
            if hyphen and text[:1].islower():
                if hyphen.group(1).lower() not in _KEEP_HYPHEN_BEFORE:
                    out = out[:-1]
                start = len(out)
                out += text
            else:
                start = len(out) + 1
                out = out + " " + text
        for offset, line in zip(line_map.offsets, line_map.lines, strict=False):
            if not lines or lines[-1] != line:
                offsets.append(start + offset)
                lines.append(line)
    return out, LineMap(tuple(offsets) or (0,), tuple(lines) or (0,))


def join_lines(lines: list[str]) -> str:
    """Join hard-wrapped lines into one text (see :func:`join_segments`); return the text."""
    return join_segments([line_segment(line, 0) for line in lines])[0]
