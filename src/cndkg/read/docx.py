"""Word (.docx) -> plain text with emphasis, superscript footnote markers and the footnotes' text.

Read straight from the package's XML with the standard library (see the README
for why not mammoth or docx2python): paragraphs in order, one text line each;
italic and bold from the run, its character style and its paragraph style;
``w:footnoteReference`` markers (automatic numbers or custom marks) become
superscript digits, and each footnote is written as a line that opens with its
superscript label right after the paragraph that cites it. A numbered list
paragraph gets its number. The source line of a Word file is the number of its
paragraph (Word has no fixed pages).

The package is checked before anything is parsed: a macro-enabled document, an
external relationship other than a hyperlink, a zip bomb (a part or the whole
larger than the limits once inflated) or a damaged archive is refused.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

from cndkg.errors import SourceError
from cndkg.model import LineMap, Mark, MarkKind, SourceDocument
from cndkg.read.styles import style_marks

MAX_DOCX_PART_BYTES = 64 * 1024 * 1024
MAX_DOCX_TOTAL_BYTES = 256 * 1024 * 1024
MAX_DOCX_PARTS = 2_000
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_HEADING_STYLE = re.compile(r"^(?:heading|title|subtitle|h\d)", re.IGNORECASE)
_SKIPPED = frozenset({f"{_W}del", f"{_W}instrText", f"{_W}delText", f"{_W}fldData", f"{_W}pPr", f"{_W}rPr"})


@dataclass(frozen=True, slots=True)
class _Style:
    italic: bool | None = None
    bold: bool | None = None
    superscript: bool | None = None

    def over(self, base: _Style) -> _Style:
        return _Style(
            base.italic if self.italic is None else self.italic,
            base.bold if self.bold is None else self.bold,
            base.superscript if self.superscript is None else self.superscript,
        )


@dataclass
class _Text:
    """One paragraph's text and its styled spans."""

    parts: list[str] = field(default_factory=list)
    styles: list[tuple[bool, bool]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (label, footnote id) cited here

    def add(self, text: str, italic: bool, bold: bool) -> None:
        self.parts.append(text)
        self.styles.extend([(italic, bold)] * len(text))

    @property
    def text(self) -> str:
        return "".join(self.parts)


def read_docx(data: bytes, name: str) -> SourceDocument:
    """Read a Word document's bytes into a :class:`SourceDocument`; raise :class:`SourceError` for a refused one."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise SourceError(name, "not a readable Word document (the .docx archive is damaged or truncated)") from None
    with archive:
        _check_package(archive, name)
        document = _xml(archive, "word/document.xml", name, required=True)
        styles = _styles(_xml(archive, "word/styles.xml", name))
        footnotes_xml = _xml(archive, "word/footnotes.xml", name)
        numbering = _numbering(_xml(archive, "word/numbering.xml", name))
    assert document is not None  # required=True raised otherwise
    reader = _Reader(styles, numbering)
    footnotes = reader.footnotes(footnotes_xml)
    return reader.document(document, footnotes, name)


def _check_package(archive: zipfile.ZipFile, name: str) -> None:
    """Refuse macros, external relationships and archives that inflate past the limits."""
    infos = archive.infolist()
    if len(infos) > MAX_DOCX_PARTS:
        raise SourceError(name, f"Word package has {len(infos):,} parts; cndkg reads up to {MAX_DOCX_PARTS:,}")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_DOCX_PART_BYTES or total > MAX_DOCX_TOTAL_BYTES:
            raise SourceError(
                name,
                f"Word package inflates past cndkg's limits ({MAX_DOCX_PART_BYTES:,} bytes a part, "
                f"{MAX_DOCX_TOTAL_BYTES:,} in all): a zip bomb?",
            )
        lowered = info.filename.lower()
        if lowered.endswith("vbaproject.bin") or lowered.endswith("vbadata.xml"):
            raise SourceError(name, "Word document carries macros (a .docm); save it as a plain .docx first")
    types = _read_part(archive, "[Content_Types].xml", name) or b""
    if b"macroEnabled" in types:
        raise SourceError(name, "Word document is macro-enabled (a .docm); save it as a plain .docx first")
    for info in infos:
        if not info.filename.endswith(".rels"):
            continue
        root = _parse(_read_part(archive, info.filename, name) or b"", name, info.filename)
        for rel in root.iter(f"{_REL}Relationship"):
            kind = rel.get("Type", "").rsplit("/", 1)[-1]
            if rel.get("TargetMode") == "External" and kind != "hyperlink":
                raise SourceError(
                    name,
                    f"Word document has an external {kind or 'link'} relationship ({rel.get('Target', '')[:80]}); "
                    "cndkg follows no links out of a document: remove it and save again",
                )


def _read_part(archive: zipfile.ZipFile, part: str, name: str) -> bytes | None:
    """Return a part's bytes, read in bounded chunks (a lying size header cannot inflate past the limit)."""
    try:
        info = archive.getinfo(part)
    except KeyError:
        return None
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(1 << 20):
                size += len(chunk)
                if size > MAX_DOCX_PART_BYTES:
                    raise SourceError(name, f"{part} inflates past {MAX_DOCX_PART_BYTES:,} bytes: a zip bomb?")
                chunks.append(chunk)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as error:
        raise SourceError(name, f"not a readable Word document ({part}: {error})") from None
    return b"".join(chunks)


def _parse(data: bytes, name: str, part: str) -> ET.Element:
    """Parse one XML part; refuse a DTD (no entity of a document is ever expanded)."""
    if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data:
        raise SourceError(name, f"{part} declares a DTD or entities; a Word document never does")
    try:
        return ET.fromstring(data)
    except ET.ParseError as error:
        raise SourceError(name, f"not a readable Word document ({part}: {error})") from None


def _xml(archive: zipfile.ZipFile, part: str, name: str, *, required: bool = False) -> ET.Element | None:
    data = _read_part(archive, part, name)
    if data is None:
        if required:
            raise SourceError(name, f"not a Word document: the package has no {part}")
        return None
    return _parse(data, name, part)


def _flag(props: ET.Element | None, tag: str) -> bool | None:
    """Return a run property's on/off value (``<w:i/>`` on, ``w:val="0"`` off), or None when absent."""
    if props is None:
        return None
    element = props.find(f"{_W}{tag}")
    if element is None:
        return None
    return element.get(f"{_W}val", "true").lower() not in ("0", "false", "off", "none")


def _run_style(props: ET.Element | None) -> _Style:
    if props is None:
        return _Style()
    align = props.find(f"{_W}vertAlign")
    superscript = None if align is None else align.get(f"{_W}val") == "superscript"
    return _Style(_flag(props, "i"), _flag(props, "b"), superscript)


def _styles(root: ET.Element | None) -> dict[str, tuple[_Style, bool]]:
    """Return each style's run properties (based-on chains followed) and whether it is a heading."""
    if root is None:
        return {}
    own: dict[str, tuple[_Style, str | None, bool]] = {}
    for element in root.iter(f"{_W}style"):
        ident = element.get(f"{_W}styleId", "")
        based = element.find(f"{_W}basedOn")
        label = element.find(f"{_W}name")
        heading = bool(_HEADING_STYLE.match((label.get(f"{_W}val", "") if label is not None else "") or ident))
        own[ident] = (
            _run_style(element.find(f"{_W}rPr")),
            based.get(f"{_W}val") if based is not None else None,
            heading,
        )
    resolved: dict[str, tuple[_Style, bool]] = {}
    for ident in own:
        style, heading, current = _Style(), False, ident
        seen: set[str] = set()
        while current in own and current not in seen and len(seen) < 32:
            seen.add(current)
            part, parent, is_heading = own[current]
            style = style.over(part)  # the style's own properties win over those it is based on
            heading = heading or is_heading
            current = parent or ""
        resolved[ident] = (style, heading)
    return resolved


def _numbering(root: ET.Element | None) -> dict[tuple[str, str], str]:
    """Return the number format of each (numId, level) of the document's lists."""
    if root is None:
        return {}
    abstract: dict[str, dict[str, str]] = {}
    for item in root.iter(f"{_W}abstractNum"):
        levels: dict[str, str] = {}
        for lvl in item.iter(f"{_W}lvl"):
            fmt_element = lvl.find(f"{_W}numFmt")
            levels[lvl.get(f"{_W}ilvl", "0")] = (
                fmt_element.get(f"{_W}val", "decimal") if fmt_element is not None else "decimal"
            )
        abstract[item.get(f"{_W}abstractNumId", "")] = levels
    formats: dict[tuple[str, str], str] = {}
    for num in root.iter(f"{_W}num"):
        ref = num.find(f"{_W}abstractNumId")
        levels = abstract.get(ref.get(f"{_W}val", "") if ref is not None else "", {})
        for level, fmt in levels.items():
            formats[(num.get(f"{_W}numId", ""), level)] = fmt
    return formats


class _Reader:
    def __init__(self, styles: dict[str, tuple[_Style, bool]], numbering: dict[tuple[str, str], str]) -> None:
        self.styles = styles
        self.numbering = numbering
        self.counters: dict[tuple[str, str], int] = {}
        self.auto_note = 0

    def footnotes(self, root: ET.Element | None) -> dict[str, _Text]:
        notes: dict[str, _Text] = {}
        if root is None:
            return notes
        for note in root.iter(f"{_W}footnote"):
            if note.get(f"{_W}type") in ("separator", "continuationSeparator", "continuationNotice"):
                continue
            text = _Text()
            for index, paragraph in enumerate(note.iter(f"{_W}p")):
                if index:
                    text.add(" ", False, False)
                self._paragraph(paragraph, text, in_note=True)
            notes[note.get(f"{_W}id", "")] = text
        return notes

    def document(self, root: ET.Element, footnotes: dict[str, _Text], name: str) -> SourceDocument:
        parts: list[str] = []
        offsets: list[int] = []
        lines: list[int] = []
        marks: list[Mark] = []
        length = 0

        def emit(text: _Text, line: int, heading: bool) -> None:
            nonlocal length
            raw = text.text
            lead = len(raw) - len(raw.lstrip())
            clean = raw.strip()
            if not clean:
                return
            if parts:
                parts.append("\n\n")
                length += 2
            offsets.append(length)
            lines.append(line)
            styles = text.styles[lead : lead + len(clean)]
            marks.extend(style_marks(clean, styles, length))
            if heading:
                marks.append(Mark(MarkKind.HEADING, length, length + len(clean)))
            parts.append(clean)
            length += len(clean)

        body = root.find(f"{_W}body")
        for number, paragraph in enumerate((body if body is not None else root).iter(f"{_W}p"), start=1):
            text = _Text()
            heading = self._paragraph(paragraph, text, in_note=False)
            emit(text, number, heading)
            for label, ident in text.notes:
                note = footnotes.get(ident)
                if note is None:
                    continue
                labelled = _Text()
                labelled.add(label.translate(_SUPERSCRIPT) + " ", False, False)
                labelled.parts.extend(note.parts)
                labelled.styles.extend(note.styles)
                emit(labelled, number, False)
        plain = "".join(parts)
        line_map = LineMap(tuple(offsets) or (0,), tuple(lines) or (1,))
        if not plain.strip():
            raise SourceError(name, "Word document holds no text", 1)
        return SourceDocument(
            path=name,
            media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            text=plain,
            line_map=line_map,
            marks=tuple(marks),
        )

    def _paragraph(self, paragraph: ET.Element, out: _Text, *, in_note: bool) -> bool:
        """Append one paragraph's text to ``out``; return True when its style is a heading."""
        props = paragraph.find(f"{_W}pPr")
        style_ref = props.find(f"{_W}pStyle") if props is not None else None
        base, heading = self.styles.get(
            style_ref.get(f"{_W}val", "") if style_ref is not None else "", (_Style(), False)
        )
        number = self._list_number(props)
        if number:
            out.add(number + " ", False, False)
        custom_pending = False
        first_run = True
        for run in _runs(paragraph):
            props_run = run.find(f"{_W}rPr")
            char_ref = props_run.find(f"{_W}rStyle") if props_run is not None else None
            char_style = self.styles.get(
                char_ref.get(f"{_W}val", "") if char_ref is not None else "", (_Style(), False)
            )[0]
            style = _run_style(props_run).over(char_style.over(base))
            italic, bold, raised = bool(style.italic), bool(style.bold), bool(style.superscript)
            for child in run:
                tag = child.tag
                if tag == f"{_W}t":
                    value = child.text or ""
                    if custom_pending:
                        out.notes[-1] = (value.strip(), out.notes[-1][1])
                        out.add(value.strip().translate(_SUPERSCRIPT), False, False)
                        custom_pending = False
                    elif in_note and first_run and raised and value.strip().isdigit():
                        pass  # the custom mark that opens a footnote's own text
                    elif raised and value.strip().isdigit():
                        out.add(value.strip().translate(_SUPERSCRIPT), False, False)
                    else:
                        out.add(value, italic, bold)
                elif tag in (f"{_W}tab", f"{_W}br", f"{_W}cr"):
                    out.add(" ", italic, bold)
                elif tag == f"{_W}noBreakHyphen":
                    out.add("-", italic, bold)
                elif tag == f"{_W}footnoteReference":
                    ident = child.get(f"{_W}id", "")
                    if child.get(f"{_W}customMarkFollows", "0").lower() in ("1", "true", "on"):
                        out.notes.append(("", ident))
                        custom_pending = True
                    else:
                        self.auto_note += 1
                        label = str(self.auto_note)
                        out.notes.append((label, ident))
                        out.add(label.translate(_SUPERSCRIPT), False, False)
            first_run = False
        return heading

    def _list_number(self, props: ET.Element | None) -> str:
        """Return the number of a list paragraph (``3.`` or ``(c)``), counting per list and level."""
        numbered = props.find(f"{_W}numPr") if props is not None else None
        if numbered is None:
            return ""
        num = numbered.find(f"{_W}numId")
        level = numbered.find(f"{_W}ilvl")
        key = (
            num.get(f"{_W}val", "") if num is not None else "",
            level.get(f"{_W}val", "0") if level is not None else "0",
        )
        fmt = self.numbering.get(key)
        if fmt is None or fmt in ("bullet", "none") or key[0] == "0":
            return ""
        for other in [k for k in self.counters if k[0] == key[0] and k[1] > key[1]]:
            del self.counters[other]  # a deeper level starts again under a new parent item
        self.counters[key] = self.counters.get(key, 0) + 1
        count = self.counters[key]
        if fmt == "lowerLetter":
            return f"({chr(96 + min(count, 26))})"
        if fmt == "lowerRoman":
            return f"({_roman(count).lower()})"
        return f"{count}."


def _runs(paragraph: ET.Element) -> list[ET.Element]:
    """Return a paragraph's runs in order, inside hyperlinks, insertions and smart tags, not deletions."""
    found: list[ET.Element] = []

    def walk(element: ET.Element) -> None:
        for child in element:
            if child.tag in _SKIPPED:
                continue
            if child.tag == f"{_W}r":
                found.append(child)
            elif child.tag != f"{_W}p":
                walk(child)

    walk(paragraph)
    return found


def _roman(number: int) -> str:
    values = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    out = ""
    for value, letters in values:
        while number >= value:
            out += letters
            number -= value
    return out
