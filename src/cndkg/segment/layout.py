r"""Undo the layout a text was given before it reached cndkg: page furniture, table cells, flattening.

Every edit here keeps the text's length (a character becomes a space or a line
break), so offsets, marks and the line map of the document stay valid:

- **Table cells**: a scraped table row (``3014(XXVII). | United Nations programme |``) loses its
  cell bars.
- **Page furniture** of text extracted from a PDF: running headers and footers are
  recognised by repetition at the top or bottom of several pages (a page ends at a
  form feed or at a bare page-number line), not by a list of known strings, and
  blanked. A paragraph cut by the page break is joined again by the body reader,
  which continues a paragraph that has not ended.
- **Flattened text**: a whole resolution on one line (a table cell) is split at the
  enacting formula, before each preambular cue after ``,`` or ``;``, before each
  ``N.`` after ``;`` or ``.``, before sub-paragraph letters and before the
  ``... plenary meeting`` line.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import replace

from cndkg import grammar as G
from cndkg.model import SourceDocument
from cndkg.segment import patterns as P

_CELL_BAR = re.compile(r"(?:(?<=\s)\|(?=\s|$)|\|\s*$)")
_EDGE_NUMBER = re.compile(r"^(?:\d{1,4}\s+)|(?:\s+\d{1,4})$")
_PAGE_NUMBER = re.compile(r"^(?:-\s?\d{1,4}\s?-|Page\s+\d+(?:\s+of\s+\d+)?|\d{1,4}|\d{1,3}/\d{1,3})$")
_PAGE_NUMBER_LINE = re.compile(
    r"^[ \t\f]*(?:-\s?\d{1,4}\s?-|Page\s+\d+(?:\s+of\s+\d+)?|\d{1,4}|\d{1,3}/\d{1,3})[ \t]*$", re.MULTILINE
)
_ZONE = 4
# A footnote marker after the punctuation, glued or after a space ("Control,9/ Mindful", "1961, 65/ Gratified").
_MARKER = r"(?:\s?(?:\d{1,3}/|\*{1,3}/|[" + G.SUPERSCRIPTS + r"]+))?"
_BEFORE_CUE = re.compile(rf"(?<=[,;]){_MARKER}(?P<gap>\s+)(?=[A-Z])")
_BEFORE_NUMBER = re.compile(rf"(?<=[,;:.]){_MARKER}(?P<gap>\s+)(?=\d{{1,3}}\s?\.\s+[A-Z])")
_BEFORE_LETTER = re.compile(rf"(?<=[;:]){_MARKER}(?P<gap>\s+)(?=\([a-z]{{1,2}}\)\s)")
_BEFORE_BRACKET_NOTE = re.compile(r"(?<=\S)(?P<gap>\s+)(?=\[\d{1,3}\]\s)")
_BRACKET_NOTES_LINE = re.compile(r"^\s*\[\d{1,3}\]\s")
_BEFORE_SLASH_NOTE = re.compile(r"(?P<gap>\s+)(?=(?:\d{1,3}|\*{1,3})/\s+\S)")
_BEFORE_MEETING = re.compile(r"(?P<gap>\s+)(?=\d{1,4}(?:st|nd|rd|th)\s+plenary\s+meeting)", re.IGNORECASE)
_FLAT_MIN_LENGTH = 300
_CUE_WINDOW = 120


def normalise(doc: SourceDocument) -> SourceDocument:
    """Return the document with table bars, page furniture and flattening undone (same length).

    Each kind of layout is first looked for with one scan of the whole text, so a text
    without it (most are) costs no more than that scan.
    """
    text = doc.text
    candidates = _flattening_candidates(text)
    has_bars = "|" in text
    has_pages = "\f" in text or len(_PAGE_NUMBER_LINE.findall(text)) >= 2
    if not (candidates or has_bars or has_pages):
        return doc
    chars = list(text)
    lines = _line_spans(text)
    if has_bars:
        _blank_cell_bars(text, lines, chars)
    if has_pages:
        _blank_furniture("".join(chars), lines, chars)
    text = "".join(chars)
    for start, end in _line_spans_at(text, candidates):
        _split_flattened(text, start, end, chars)
    result = "".join(chars)
    return doc if result == doc.text else replace(doc, text=result)


# Lines that may hold a flattened resolution: a formula with text after it on its line, several
# numbered paragraphs on one line, or "[1] ... [2]" notes. Each is found by one scan of the text.
_RUN_IN_ON_LINE = re.compile(rf"The\s+(?:{G.BODY_ALTERNATION})[ \t]*,?[ \t]+[A-Z]")  # a plain prefix: fast
_NOTES_LINE = re.compile(r"^[ \t]*\[\d{1,3}\][ \t]", re.MULTILINE)
_NUMBER_ON_LINE = re.compile(r"[,;:.][ \t]\d{1,3}[ \t]?\.[ \t]+[A-Z]")


def _flattening_candidates(text: str) -> list[int]:
    """Return the offsets of lines worth checking for flattening."""
    found = [m.start() for pattern in (_RUN_IN_ON_LINE, _NOTES_LINE) for m in pattern.finditer(text)]
    breaks = [m.start() for m in re.finditer("\n", text)]
    numbers_by_line: Counter[int] = Counter(
        bisect.bisect_left(breaks, m.start()) for m in _NUMBER_ON_LINE.finditer(text)
    )
    found.extend((breaks[line - 1] + 1 if line else 0) for line, count in numbers_by_line.items() if count >= 2)
    return found


def _line_spans_at(text: str, offsets: list[int]) -> list[tuple[int, int]]:
    """Return the (start, end) of the lines holding the given offsets, each once, in order."""
    spans: dict[int, int] = {}
    for offset in offsets:
        start = text.rfind("\n", 0, offset) + 1
        end = text.find("\n", offset)
        spans.setdefault(start, len(text) if end < 0 else end)
    return sorted(spans.items())


def _line_spans(text: str) -> list[tuple[int, int]]:
    """Return (start, end) of every line of ``text``."""
    spans = []
    start = 0
    for line in text.split("\n"):
        spans.append((start, start + len(line)))
        start += len(line) + 1
    return spans


def _blank(chars: list[str], start: int, end: int) -> None:
    for index in range(start, end):
        chars[index] = " "


def _blank_cell_bars(text: str, lines: list[tuple[int, int]], chars: list[str]) -> None:
    """Blank the bars of table rows (``a | b |``); a bar inside running text is kept."""
    for start, end in lines:
        line = text[start:end]
        if "|" not in line or not (line.rstrip().endswith("|") or " | " in line):
            continue
        for bar in _CELL_BAR.finditer(line):
            _blank(chars, start + bar.start(), start + bar.end())


def _pages(text: str, lines: list[tuple[int, int]]) -> list[list[int]]:
    """Return the pages of a text as lists of line indexes: a page ends at a form feed or a page-number line."""
    starts = [start for start, _ in lines]
    numbered = {bisect.bisect_right(starts, m.start()) - 1 for m in _PAGE_NUMBER_LINE.finditer(text)}
    feeds = {bisect.bisect_right(starts, m.start()) - 1 for m in re.finditer("\f", text)}
    pages: list[list[int]] = [[]]
    for index in range(len(lines)):
        if index in feeds and pages[-1]:
            pages.append([])
        pages[-1].append(index)
        if not feeds and len(numbered) >= 2 and index in numbered:
            pages.append([])
    return [p for p in pages if p]


def _furniture_key(line: str) -> str:
    """Return what a running header or footer line says apart from its page number."""
    return " ".join(_EDGE_NUMBER.sub("", line.replace("\f", " ").strip()).split())


def _zones(text: str, lines: list[tuple[int, int]], page: list[int]) -> list[int]:
    """Return the indexes of the first and last few non-blank lines of a page."""
    filled = [i for i in page if text[lines[i][0] : lines[i][1]].strip()]
    return sorted(set(filled[:_ZONE] + filled[-_ZONE:]))


def _is_structural(line: str) -> bool:
    """Return True for a line that belongs to a resolution even when it repeats (a formula, a heading)."""
    stripped = line.strip()
    return bool(
        G.ENACTING_FORMULA.match(stripped)
        or P.ADOPTED_SYMBOL_LINE.match(stripped)
        or P.NUMBERED_TITLE_LINE.match(stripped)
        or P.OPERATIVE_NUMBER.match(stripped)
        or P.starts_with_preamble_cue(stripped)
    )


def _blank_furniture(text: str, lines: list[tuple[int, int]], chars: list[str]) -> None:
    """Blank running headers and footers: lines that repeat at the top or bottom of several pages."""
    pages = _pages(text, lines)
    if len(pages) < 2:
        return
    counts: Counter[str] = Counter()
    zones = [_zones(text, lines, page) for page in pages]
    for zone in zones:
        counts.update({_furniture_key(text[lines[i][0] : lines[i][1]]) for i in zone})
    for number, zone in enumerate(zones):
        for index in zone:
            start, end = lines[index]
            line = text[start:end]
            key = _furniture_key(line)
            if _PAGE_NUMBER.match(line.strip()) or P.PAGE_ARTEFACT.match(line.replace("\f", "").strip()):
                _blank(chars, start, end)
            elif key and counts[key] >= 2 and len(key) <= 160 and not _is_structural(line):
                if number == 0 and P.is_header_line(key):
                    continue  # the masthead's own symbol or date, repeated as a running header later
                _blank(chars, start, end)


def _split_flattened(text: str, start: int, end: int, chars: list[str]) -> None:
    """Break a line that holds a whole resolution at its formula, cues, numbers and closing line."""
    line = text[start:end]
    if _BRACKET_NOTES_LINE.match(line):
        for note in _BEFORE_BRACKET_NOTE.finditer(line):
            chars[start + note.start("gap")] = "\n"  # "[1] ... [2] ...": one footnote a line
        return
    if len(line) < _FLAT_MIN_LENGTH and "The " not in line:
        return  # neither a run-in formula nor a flattened body: most lines stop here
    formula = G.RUN_IN_FORMULA.search(line)
    if formula is None and (len(line) < _FLAT_MIN_LENGTH or len(_BEFORE_NUMBER.findall(line)) < 2):
        return
    if formula is not None and not line[formula.end() :].strip():
        return
    cuts: list[int] = []
    if formula is not None:
        cuts.append(formula.start("gap"))
        before = line[: formula.start()]
        if before.strip() and before[-1:].isspace():
            cuts.append(formula.start() - 1)
    for match in _BEFORE_CUE.finditer(line):
        rest = line[match.end() : match.end() + _CUE_WINDOW]  # bounded: a cue is a few words
        if P.starts_with_preamble_cue(rest) or G.starts_with_cue(rest, "operative"):
            cuts.append(match.start("gap"))
    for pattern in (_BEFORE_NUMBER, _BEFORE_LETTER, _BEFORE_MEETING):
        cuts.extend(m.start("gap") for m in pattern.finditer(line))
    meeting = _BEFORE_MEETING.search(line)
    if meeting is not None:  # footnotes after the closing line: "1858th plenary meeting, 76/ E/INCB/17 ..."
        cuts.extend(m.start("gap") for m in _BEFORE_SLASH_NOTE.finditer(line, meeting.end()))
    for cut in cuts:
        chars[start + cut] = "\n"
