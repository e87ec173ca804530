r"""PDF text layer -> plain text with emphasis, footnote markers and pages, read from the layout.

Built on pypdfium2 (PDFium), which gives every character's box, baseline, size
and font. Per page the reader:

- groups characters into lines by baseline; a smaller, raised run of digits is a
  footnote marker and becomes Unicode superscript digits;
- drops running headers and footers: lines at the page's top or bottom edge that
  repeat (numbers aside) on other pages, page numbers, job numbers
  (``V.24-01234 (E)``) and bar-code lines (``*2401234*``);
- takes the lines below the short footnote rule as the page's footnotes, each
  written as a line that starts with its superscript label;
- joins lines into paragraphs (a paragraph ends at a wider gap, a change of
  type, or a numbered opening), removing a line-end hyphen only where the
  document's own words say it is soft (``evi-dence`` -> ``evidence``, while
  ``evidence-based`` keeps its hyphen);
- starts each page after the first with a form feed, so the segmenter's layout
  pass sees the pages and rejoins a paragraph the page break cut.

Italic runs become :attr:`MarkKind.EMPHASIS` marks, bold runs ``STRONG``.
Source lines are the PDF's text lines counted through the whole file (headers
and footers included); ``SourceDocument.pages`` holds the first line of each
page, so a line gives ``file:page:line``.
"""

from __future__ import annotations

import ctypes
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

from cndkg.errors import SourceError
from cndkg.model import LineMap, Mark, SourceDocument
from cndkg.read.styles import style_marks

MAX_PDF_PAGES = 2_000
MAX_PAGE_CHARS = 100_000

_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"})
_SOFT_HYPHENS = frozenset({"\u00ad", "\x02"})
_FURNITURE = re.compile(
    r"^(?:\d{1,4}|-\s?\d{1,4}\s?-|Page\s+\d+(?:\s+of\s+\d+)?|\d{1,4}\s*/\s*\d{1,4}"
    r"|\*\d{5,}\*"
    r"|(?:[A-Z]{1,2}\.?\s?\d{2}-\d{4,6}(?:\s*\([A-Z]\))?)(?:\s+\S+){0,3})$"
)
_OPERATIVE = re.compile(r"^\d{1,3}\.\s")
_WORD = re.compile(r"[^\W\d_](?:[\w'’-]*[^\W\d_])?")
_EDGE = 0.15  # headers and footers live in the outer 15 % of the page height
_ZONE_LINES = 3


@dataclass(slots=True)
class _Char:
    text: str
    x0: float
    x1: float
    y: float
    size: float
    italic: bool
    bold: bool
    space_before: bool


@dataclass
class _Line:
    chars: list[_Char]
    y: float = 0.0
    size: float = 0.0
    number: int = 0
    text: str = ""
    styles: list[tuple[bool, bool]] = field(default_factory=list)  # (italic, bold) of each character of text

    @property
    def x0(self) -> float:
        return self.chars[0].x0

    @property
    def bold(self) -> bool:
        letters = [s for s, c in zip(self.styles, self.text, strict=True) if c.isalpha()]
        return bool(letters) and all(b for _, b in letters)

    @property
    def key(self) -> str:
        """What a running header or footer says, numbers aside."""
        return re.sub(r"\d+", "#", " ".join(self.text.split()))


@dataclass
class _Page:
    body: list[_Line]
    notes: list[_Line]
    first_line: int


def read_pdf(data: bytes, name: str) -> SourceDocument:
    """Read a PDF's text layer into a :class:`SourceDocument` (see the module's description).

    Raises :class:`SourceError` for an encrypted, damaged or oversized PDF, and
    for one without a text layer (a scan), which needs OCR first.
    """
    pages = _extract(data, name)
    if not any(p.body or p.notes for p in pages):
        raise SourceError(
            name,
            "PDF has no text layer (a scanned document?): it needs OCR; run again with ocr=True "
            "(needs OCRmyPDF and Tesseract)",
        )
    words = _vocabulary(pages)
    return _assemble(pages, words, name)


def _extract(data: bytes, name: str) -> list[_Page]:
    """Open the PDF and return each page's body and footnote lines, furniture dropped."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        raise SourceError(name, _open_problem(str(error))) from None
    try:
        count = len(pdf)
        if count > MAX_PDF_PAGES:
            raise SourceError(name, f"PDF has {count:,} pages; cndkg reads PDFs of up to {MAX_PDF_PAGES:,} pages")
        raw_pages: list[tuple[list[_Line], float, float | None]] = []
        firsts: list[int] = []
        number = 1
        for index in range(count):
            firsts.append(number)
            try:
                lines, height, rule = _page_lines(pdf, index, name)
            except pdfium.PdfiumError as error:
                raise SourceError(name, f"page {index + 1} cannot be read: {error}") from None
            for line in lines:
                line.number = number
                number += 1
            raw_pages.append((lines, height, rule))
    finally:
        pdf.close()
    pages = _split_pages(raw_pages)
    for page, first in zip(pages, firsts, strict=True):
        page.first_line = first
    return pages


def _open_problem(message: str) -> str:
    """Return the one-line reason a PDF did not open, from PDFium's error."""
    lowered = message.lower()
    if "password" in lowered:
        return "PDF is encrypted and needs a password; save an unencrypted copy"
    if "security" in lowered:
        return "PDF uses an unsupported security handler; save an unencrypted copy"
    if "format" in lowered or "file" in lowered:
        return "not a readable PDF (damaged or truncated)"
    return f"not a readable PDF ({message})"


def _page_lines(pdf: object, index: int, name: str) -> tuple[list[_Line], float, float | None]:
    """Return the text lines of one page (top to bottom), the page height and the footnote rule's height."""
    import pypdfium2.raw as raw

    page = pdf[index]  # type: ignore[index]
    try:
        height = float(page.get_height())
        width = float(page.get_width())
        rule = _footnote_rule(page, width, height)
        textpage = page.get_textpage()
        try:
            chars = _chars(textpage, raw, name, index)
        finally:
            textpage.close()
    finally:
        page.close()
    return _lines(chars), height, rule


def _footnote_rule(page: object, width: float, height: float) -> float | None:
    """Return the height of the short horizontal rule above a page's footnotes, if it has one."""
    import pypdfium2.raw as raw

    found: float | None = None
    for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_PATH], max_depth=1):  # type: ignore[attr-defined]
        left, bottom, right, top = obj.get_bounds()
        if top - bottom < 2.0 and 0.05 * width < right - left < 0.5 * width and top < 0.6 * height:
            found = max(found or 0.0, top)
    return found


def _chars(textpage: object, raw: object, name: str, page: int) -> list[_Char]:
    """Return the visible characters of a page with their geometry and style."""
    handle = textpage.raw  # type: ignore[attr-defined]
    count = raw.FPDFText_CountChars(handle)  # type: ignore[attr-defined]
    if count > MAX_PAGE_CHARS:
        raise SourceError(name, f"page {page + 1} holds {count:,} characters; cndkg reads up to {MAX_PAGE_CHARS:,}")
    text = textpage.get_text_range(0, count) if count else ""  # type: ignore[attr-defined]
    aligned = len(text) == count
    left, right, bottom, top = ctypes.c_double(), ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
    x, y = ctypes.c_double(), ctypes.c_double()
    flags = ctypes.c_int()
    font = ctypes.create_string_buffer(96)
    rect = raw.FS_RECTF()  # type: ignore[attr-defined]
    chars: list[_Char] = []
    space = False
    last_font: tuple[bytes, int] = (b"", 0)
    style = (False, False)
    for index in range(count):
        char = text[index] if aligned else chr(raw.FPDFText_GetUnicode(handle, index) or 32)  # type: ignore[attr-defined]
        if char.isspace() or char == "\x00":
            space = True
            continue
        raw.FPDFText_GetCharOrigin(handle, index, x, y)  # type: ignore[attr-defined]
        raw.FPDFText_GetLooseCharBox(handle, index, rect)  # type: ignore[attr-defined]
        size = raw.FPDFText_GetFontSize(handle, index)  # type: ignore[attr-defined]
        raw.FPDFText_GetFontInfo(handle, index, font, 96, flags)  # type: ignore[attr-defined]
        current = (font.value, flags.value)
        if current != last_font:
            lowered = font.value.lower()
            style = (
                bool(flags.value & 64) or b"italic" in lowered or b"oblique" in lowered,
                b"bold" in lowered or b"black" in lowered or bool(flags.value & (1 << 18)),
            )
            last_font = current
        x0, x1 = rect.left, rect.right
        if x1 <= x0:
            raw.FPDFText_GetCharBox(handle, index, left, right, bottom, top)  # type: ignore[attr-defined]
            x0, x1 = left.value, right.value
        chars.append(_Char(char.translate(_LIGATURES), x0, x1, y.value, size or 1.0, style[0], style[1], space))
        space = False
    return chars


def _lines(chars: list[_Char]) -> list[_Line]:
    """Group characters into lines by baseline, top to bottom; a raised marker stays on its line."""
    if not chars:
        return []
    ordered = sorted(range(len(chars)), key=lambda i: -chars[i].y)
    bands: list[list[int]] = []
    low = 0.0
    big = 0.0
    for index in ordered:
        char = chars[index]
        if bands and (low - char.y) < 0.45 * max(char.size, big):
            bands[-1].append(index)
            if char.size >= 0.85 * big:
                low = min(low, char.y)
            if char.size > big:
                big, low = char.size, char.y
        else:
            bands.append([index])
            low, big = char.y, char.size
    lines: list[_Line] = []
    for band in bands:
        band.sort(key=lambda i: (chars[i].x0, i))
        line = _Line([chars[i] for i in band])
        _render(line)
        if line.text.strip():
            lines.append(line)
    return lines


def _render(line: _Line) -> None:
    """Set a line's baseline, size, text and styles; raised small digits become superscript digits."""
    sizes = Counter(round(c.size, 1) for c in line.chars)
    line.size = max(sizes, key=lambda s: (sizes[s], s))
    normal = [c.y for c in line.chars if c.size >= 0.85 * line.size]
    line.y = statistics.median(normal) if normal else line.chars[0].y
    parts: list[str] = []
    styles: list[tuple[bool, bool]] = []
    previous: _Char | None = None
    previous_raised = False
    for char in line.chars:
        raised = char.size < 0.85 * line.size and char.y > line.y + 0.12 * line.size
        text = char.text.translate(_SUPERSCRIPT) if raised and char.text.isdigit() else char.text
        if previous is not None:
            gap = char.x0 - previous.x1
            scale = min(char.size, previous.size) if not (raised or previous_raised) else line.size
            wide = gap > 0.22 * scale or (char.space_before and gap > 0.08 * scale)
            if raised and char.text.isdigit() and not previous_raised:
                wide = wide and gap > 0.6 * line.size  # a marker sits on the word before it
            if wide:
                style = (styles[-1][0] and char.italic, styles[-1][1] and char.bold)
                parts.append(" ")
                styles.append(style)
        parts.append(text)
        styles.extend([(char.italic, char.bold)] * len(text))
        previous, previous_raised = char, raised
    line.text = "".join(parts)
    line.styles = styles


def _split_pages(raw_pages: list[tuple[list[_Line], float, float | None]]) -> list[_Page]:
    """Drop running headers and footers, and part each page's body from its footnotes."""
    counts: Counter[str] = Counter()
    zones: list[set[int]] = []
    for lines, height, _ in raw_pages:
        zone = _edge_zone(lines, height)
        zones.append(zone)
        counts.update({lines[i].key for i in zone})
    pages: list[_Page] = []
    for (lines, _height, rule), zone in zip(raw_pages, zones, strict=True):
        first = lines[0].number if lines else 0
        kept = []
        for index, line in enumerate(lines):
            stripped = " ".join(line.text.split())
            if index in zone and (_FURNITURE.match(stripped) or (counts[line.key] >= 2 and not _structural(stripped))):
                continue
            kept.append(line)
        body, notes = _part_notes(kept, rule)
        pages.append(_Page(body, notes, first))
    _drop_furniture_without_zone(pages)
    return pages


def _edge_zone(lines: list[_Line], height: float) -> set[int]:
    """Return the indexes of the lines at a page's top and bottom edge (where running heads live)."""
    top = [i for i in range(min(_ZONE_LINES, len(lines))) if lines[i].y > (1 - _EDGE) * height]
    bottom = [i for i in range(max(0, len(lines) - _ZONE_LINES), len(lines)) if lines[i].y < _EDGE * height]
    return set(top) | set(bottom)


def _structural(text: str) -> bool:
    """Return True for a line that belongs to a resolution even when it repeats at a page edge."""
    from cndkg import grammar as G

    return bool(G.ENACTING_FORMULA.match(text) or G.RESOLUTION_HEADING.match(text))


def _drop_furniture_without_zone(pages: list[_Page]) -> None:
    """Drop furniture patterns (bar codes, job numbers) that sit just above or below the footnotes."""
    for page in pages:
        while page.notes and _FURNITURE.match(" ".join(page.notes[-1].text.split())):
            page.notes.pop()


def _part_notes(lines: list[_Line], rule: float | None) -> tuple[list[_Line], list[_Line]]:
    """Return a page's body lines and footnote lines: below the footnote rule, or a smaller trailing run."""
    if not lines:
        return [], []
    if rule is not None:
        body = [line for line in lines if line.y > rule]
        notes = [line for line in lines if line.y <= rule]
        if notes and body:
            return body, notes
    body_size = statistics.median(line.size for line in lines)
    start = len(lines)
    while start > 0 and lines[start - 1].size < 0.92 * body_size:
        start -= 1
    if start < len(lines) and _opens_note(lines[start]):
        return lines[:start], lines[start:]
    return lines, []


def _opens_note(line: _Line) -> bool:
    """Return True when a footnote line starts a note: it opens with a label (raised, or a number)."""
    return bool(re.match(r"^(?:[⁰¹²³⁴⁵⁶⁷⁸⁹]+|\d{1,3}\s)", line.text.lstrip()))


def _vocabulary(pages: list[_Page]) -> frozenset[str]:
    """Return the words the document spells out inside its lines (not at a line-end break), lower-cased."""
    words: set[str] = set()
    for page in pages:
        for line in page.body + page.notes:
            text = line.text.rstrip()
            if text.endswith("-"):
                text = text[: text.rfind(" ") + 1] if " " in text else ""
            words.update(w.lower() for w in _WORD.findall(text))
    return frozenset(words)


def keeps_hyphen(head: str, tail: str, words: frozenset[str]) -> bool:
    """Decide whether a line-end hyphen between ``head-`` and ``tail`` is a real one, from the document's words.

    ``evidence-based`` written whole elsewhere keeps its hyphen; ``evi-dence``
    whose joined form ``evidence`` occurs elsewhere loses it. Otherwise the hyphen
    is kept when both halves are words of the document (a compound), or the tail
    is capitalised (``non-Governmental``); else it is taken as soft.
    """
    head_word = (_WORD.findall(head) or [""])[-1].lower()
    tail_word = (_WORD.findall(tail) or [""])[0]
    if not head_word or not tail_word:
        return True
    lowered = tail_word.lower()
    if f"{head_word}-{lowered}" in words:
        return True
    if head_word + lowered in words:
        return False
    if tail_word[0].isupper():
        return True
    return head_word in words and lowered in words


@dataclass
class _Out:
    """Accumulates the document text with its line map and marks."""

    parts: list[str] = field(default_factory=list)
    length: int = 0
    offsets: list[int] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.length += len(text)

    def line(self, number: int) -> None:
        if not self.lines or self.lines[-1] != number:
            if self.offsets and self.offsets[-1] == self.length:
                self.lines[-1] = number
            else:
                self.offsets.append(self.length)
                self.lines.append(number)

    def styled(self, text: str, styles: list[tuple[bool, bool]]) -> None:
        self.marks.extend(style_marks(text, styles, self.length))
        self.add(text)


def _paragraphs(lines: list[_Line], pitch: float) -> list[list[_Line]]:
    """Group a page's body lines into paragraphs."""
    groups: list[list[_Line]] = []
    for line in lines:
        if groups:
            previous = groups[-1][-1]
            gap = previous.y - line.y
            new = (
                gap > 1.3 * max(pitch, 0.8 * line.size) + 0.5
                or previous.bold != line.bold
                or abs(previous.size - line.size) > 0.6
                or (_OPERATIVE.match(line.text) and previous.text.rstrip().endswith((";", ".", ":", ",")))
            )
            if not new:
                groups[-1].append(line)
                continue
        groups.append([line])
    return groups


def _pitch(pages: list[_Page]) -> float:
    """Return the usual distance between the baselines of two lines of one paragraph."""
    gaps = [
        round(a.y - b.y, 1)
        for page in pages
        for a, b in zip(page.body, page.body[1:], strict=False)
        if 0 < a.y - b.y < 1.45 * a.size and abs(a.size - b.size) < 0.5
    ]
    if not gaps:
        return 12.0
    counts = Counter(gaps)
    return float(max(counts, key=lambda g: (counts[g], -g)))


def _write_block(out: _Out, lines: list[_Line], words: frozenset[str], prefix: str = "") -> None:
    """Write one paragraph (or footnote) as a single text line, hyphens decided, each source line mapped."""
    if prefix:
        out.add(prefix)
    for index, line in enumerate(lines):
        text, styles = line.text.strip(), line.styles[len(line.text) - len(line.text.lstrip()) :]
        styles = styles[: len(text)]
        if index:
            previous = lines[index - 1].text.rstrip()
            if previous and previous[-1] in _SOFT_HYPHENS:
                out.parts[-1] = out.parts[-1][:-1]
                out.length -= 1
            elif previous.endswith("-") and previous[-2:-1].isalpha():
                if not keeps_hyphen(previous[:-1], text, words):
                    out.parts[-1] = out.parts[-1][:-1]
                    out.length -= 1
            else:
                out.add(" ")
        out.line(line.number)
        out.styled(text, styles)


def _write_notes(out: _Out, lines: list[_Line], words: frozenset[str]) -> None:
    """Write a page's footnotes, one per text line, each opening with its superscript label."""
    notes: list[list[_Line]] = []
    for line in lines:
        if not notes or _opens_note(line):
            notes.append([line])
        else:
            notes[-1].append(line)
    for note in notes:
        first = note[0]
        stripped = first.text.lstrip()
        label = re.match(r"^(?:[⁰¹²³⁴⁵⁶⁷⁸⁹]+|\d{1,3}(?=\s))", stripped)
        if label:
            digits = label.group().translate(str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789"))
            lead = len(first.text) - len(stripped) + label.end()
            first.text, first.styles = first.text[lead:].lstrip(), first.styles[lead:]
            first.styles = first.styles[len(first.styles) - len(first.text) :]
            out.add("\n\n")
            out.line(first.number)
            _write_block(out, note, words, digits.translate(_SUPERSCRIPT) + " ")
        else:
            out.add("\n\n")
            _write_block(out, note, words)


def _assemble(pages: list[_Page], words: frozenset[str], name: str) -> SourceDocument:
    """Write the pages as one text: paragraphs separated by blank lines, notes after each page's body."""
    out = _Out()
    pitch = _pitch(pages)
    starts: list[int] = []
    for number, page in enumerate(pages):
        starts.append(page.first_line)
        if number:
            out.add("\n\n")
            if page.body or page.notes:
                first = (page.body or page.notes)[0].number
                out.line(first)
            out.add("\f")
        for index, group in enumerate(_paragraphs(page.body, pitch)):
            if index:
                out.add("\n\n")
            _write_block(out, group, words)
        _write_notes(out, page.notes, words)
    text = "".join(out.parts)
    if text.startswith("\n\n"):
        text = text[2:]
        out.offsets = [max(0, o - 2) for o in out.offsets]
        out.marks = [Mark(m.kind, m.start - 2, m.end - 2) for m in out.marks]
    offsets, lines = _strictly_increasing(out.offsets, out.lines)
    marks = merge_marks(out.marks, text)
    return SourceDocument(
        path=name,
        media_type="application/pdf",
        text=text,
        line_map=LineMap(offsets or (0,), lines or (1,)),
        marks=marks,
        pages=tuple(starts),
    )


def _strictly_increasing(offsets: list[int], lines: list[int]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Return the line map's entries with offsets strictly increasing (a later entry at one offset wins)."""
    kept_offsets: list[int] = []
    kept_lines: list[int] = []
    for offset, line in zip(offsets, lines, strict=True):
        if kept_offsets and offset <= kept_offsets[-1]:
            kept_lines[-1] = line
            continue
        kept_offsets.append(offset)
        kept_lines.append(line)
    return tuple(kept_offsets), tuple(kept_lines)


def merge_marks(marks: list[Mark], text: str) -> tuple[Mark, ...]:
    """Return marks with runs of one kind joined across the spaces between them (a cue broken over two lines)."""
    merged: list[Mark] = []
    for mark in sorted(marks, key=lambda m: (m.kind, m.start)):
        last = merged[-1] if merged else None
        if last and last.kind == mark.kind and last.end <= mark.start and text[last.end : mark.start] in ("", " "):
            merged[-1] = Mark(mark.kind, last.start, mark.end)
        else:
            merged.append(mark)
    return tuple(sorted(merged, key=lambda m: (m.start, m.kind)))
