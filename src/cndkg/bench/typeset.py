"""Typeset a resolution text as a UN-style Word or PDF document with LibreOffice (for tests and the benchmark).

The text is read as cndkg reads it (Markdown emphasis, ``<sup>`` markers), then
written as a flat ODF document (``.fodt``): footnote definitions become real
``<text:note>`` footnotes at the page bottom, emphasis stays italic, headings
bold, numbered paragraphs get a tab after the number; the master page carries
the document symbol at the top (left and right on alternating pages when asked)
and the job number, a bar-code line and the page number in the footer.
LibreOffice headless then paginates it to ``.pdf`` or ``.docx``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from cndkg.model import MarkKind
from cndkg.read.markup import read_markup

_SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_FROM_SUPERSCRIPT = str.maketrans(_SUPERSCRIPT, "0123456789")
_DEFINITION = re.compile(rf"^([{_SUPERSCRIPT}]+)\s*(\S.*)$")
_MARKER = re.compile(rf"[{_SUPERSCRIPT}]+")
_NUMBERED = re.compile(r"^(\d{1,3}\.)\s+")
_TERMINAL = re.compile(rf"[,;:.][\"'”’)]*[{_SUPERSCRIPT}]*\s*$")


@dataclass
class _Run:
    text: str
    italic: bool = False
    bold: bool = False
    note: int | None = None  # index of the footnote this marker anchors


@dataclass
class _Block:
    runs: list[_Run]
    heading: bool = False
    after_break: bool = False  # a page rule or footnotes stood between this block and the one before

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass
class Layout:
    """What goes into the running header and footer."""

    symbol: str = "E/CN.7/2024/L.99"
    job: str = "V.24-01234 (E)"
    alternating: bool = False
    notes: list[list[_Run]] = field(default_factory=list)


def _runs(text: str, start: int, marks: list[tuple[int, int, MarkKind]]) -> list[_Run]:
    """Split one line into runs of the same style; ``start`` is the line's offset in the document."""
    styles = []
    for index in range(len(text)):
        at = start + index
        italic = any(s <= at < e and k is MarkKind.EMPHASIS for s, e, k in marks)
        bold = any(s <= at < e and k is not MarkKind.EMPHASIS for s, e, k in marks)
        styles.append((italic, bold))
    runs: list[_Run] = []
    for index, char in enumerate(text):
        italic, bold = styles[index]
        if runs and (runs[-1].italic, runs[-1].bold) == (italic, bold):
            runs[-1].text += char
        else:
            runs.append(_Run(char, italic, bold))
    return runs


def blocks_of(text: str) -> tuple[list[_Block], list[list[_Run]]]:
    """Return the paragraphs of a resolution text and its footnotes, markers linked to notes."""
    doc = read_markup(text, "typeset", "text/markdown")
    marks = [(m.start, m.end, m.kind) for m in doc.marks]
    blocks: list[_Block] = []
    notes: list[list[_Run]] = []
    pending_break = False
    offset = 0
    raw_lines = text.replace("\r\n", "\n").split("\n")
    for number, line in enumerate(doc.text.split("\n")):
        start, offset = offset, offset + len(line) + 1
        stripped = line.replace("\f", "").strip()
        if not stripped:
            raw = raw_lines[number] if number < len(raw_lines) else ""
            pending_break = pending_break or bool(raw.strip()) or "\f" in raw  # a page rule
            continue
        lead = len(line) - len(line.lstrip())
        definition = _DEFINITION.match(stripped)
        if definition:
            label = definition.group(1).translate(_FROM_SUPERSCRIPT)
            body_start = start + lead + definition.start(2)
            notes.append(_runs(definition.group(2), body_start, marks))
            _link_note(blocks, label, len(notes) - 1)
            pending_break = True
            continue
        runs = _runs(line[lead:].rstrip(), start + lead, marks)
        heading = any(k is MarkKind.HEADING and s <= start + lead < e for s, e, k in marks)
        blocks.append(_Block(runs, heading, pending_break))
        pending_break = False
    return _rejoin(blocks), notes


def _link_note(blocks: list[_Block], label: str, note: int) -> None:
    """Make the last unlinked marker ``label`` before this definition the anchor of ``note``."""
    for block in reversed(blocks):
        for index in range(len(block.runs) - 1, -1, -1):
            run = block.runs[index]
            for match in reversed(list(_MARKER.finditer(run.text))):
                if run.note is None and match.group().translate(_FROM_SUPERSCRIPT) == label:
                    before, after = run.text[: match.start()], run.text[match.end() :]
                    pieces = [
                        _Run(before, run.italic, run.bold),
                        _Run(label, note=note),
                        _Run(after, run.italic, run.bold),
                    ]
                    block.runs[index : index + 1] = [p for p in pieces if p.text]
                    return


def _rejoin(blocks: list[_Block]) -> list[_Block]:
    """Join a paragraph that a page break of the source cut in two (it did not end a clause)."""
    joined: list[_Block] = []
    for block in blocks:
        previous = joined[-1] if joined else None
        text = block.text
        if (
            previous is not None
            and not previous.heading
            and not block.heading
            and not _TERMINAL.search(previous.text)
            and len(previous.text) > 60
            and (block.after_break or text[:1].islower())
        ):
            previous.runs.append(_Run(" "))
            previous.runs.extend(block.runs)
        else:
            joined.append(block)
    return joined


def _runs_xml(runs: list[_Run], notes: list[list[_Run]]) -> str:
    parts = []
    for run in runs:
        if run.note is not None:
            body = _runs_xml(notes[run.note], notes) if run.note < len(notes) else ""
            parts.append(
                f'<text:note text:id="ftn{run.note}" text:note-class="footnote">'
                f'<text:note-citation text:label="{run.text}">{run.text}</text:note-citation>'
                f'<text:note-body><text:p text:style-name="Footnote">{body}</text:p></text:note-body></text:note>'
            )
            continue
        text = escape(run.text)
        if _MARKER.search(run.text):  # a marker without a note: keep it raised
            text = _MARKER.sub(
                lambda m: f'<text:span text:style-name="Sup">{m.group().translate(_FROM_SUPERSCRIPT)}</text:span>',
                text,
            )
        style = "BI" if run.italic and run.bold else "I" if run.italic else "B" if run.bold else ""
        parts.append(f'<text:span text:style-name="{style}">{text}</text:span>' if style else text)
    return "".join(parts)


def to_fodt(text: str, layout: Layout) -> str:
    """Return a flat ODF text document typesetting ``text`` in UN layout."""
    blocks, notes = blocks_of(text)
    body = []
    for block in blocks:
        runs = block.runs
        style = "Heading" if block.heading else "Body"
        plain = block.text
        number = _NUMBERED.match(plain)
        if number and runs and runs[0].text.startswith(number.group(0)):
            rest = _Run(runs[0].text[number.end() :], runs[0].italic, runs[0].bold)
            content = escape(number.group(1)) + "<text:tab/>" + _runs_xml([rest, *runs[1:]], notes)
            style = "Numbered"
        else:
            content = _runs_xml(runs, notes)
        body.append(f'<text:p text:style-name="{style}">{content}</text:p>')
    symbol = escape(layout.symbol)
    barcode = "*" + re.sub(r"\D", "", layout.job)[:7] + "*"
    footer = (
        f'<text:p text:style-name="Footer">{escape(layout.job)}<text:tab/>'
        '<text:page-number text:select-page="current">1</text:page-number></text:p>'
        f'<text:p text:style-name="Footer">{barcode}</text:p>'
    )
    left_header = (
        f'<style:header-left><text:p text:style-name="HeaderLeft">{symbol}</text:p></style:header-left>'
        if layout.alternating
        else ""
    )
    left_footer = f"<style:footer-left>{footer}</style:footer-left>" if layout.alternating else ""
    return _FODT.format(
        header=f'<text:p text:style-name="HeaderRight">{symbol}</text:p>',
        left_header=left_header,
        footer=footer,
        left_footer=left_footer,
        body="\n".join(body),
    )


_FODT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
<office:styles>
 <style:default-style style:family="paragraph">
  <style:text-properties fo:font-family="Liberation Serif" fo:font-size="10pt" fo:language="en" fo:country="US"
   fo:hyphenate="true" fo:hyphenation-remain-char-count="3" fo:hyphenation-push-char-count="3"/>
 </style:default-style>
 <style:style style:name="Standard" style:family="paragraph" style:class="text"/>
 <style:style style:name="Body" style:family="paragraph" style:parent-style-name="Standard">
  <style:paragraph-properties fo:margin-left="1.25cm" fo:margin-bottom="6pt" fo:text-align="justify"
   fo:line-height="12pt"/>
 </style:style>
 <style:style style:name="Numbered" style:family="paragraph" style:parent-style-name="Body">
  <style:paragraph-properties fo:text-indent="0cm" fo:margin-left="1.25cm">
   <style:tab-stops><style:tab-stop style:position="1cm"/></style:tab-stops>
  </style:paragraph-properties>
 </style:style>
 <style:style style:name="Heading" style:family="paragraph" style:parent-style-name="Standard">
  <style:paragraph-properties fo:margin-bottom="6pt" fo:margin-top="6pt" fo:keep-with-next="always"/>
  <style:text-properties fo:font-weight="bold" fo:font-size="11pt"/>
 </style:style>
 <style:style style:name="Footnote" style:family="paragraph" style:parent-style-name="Standard">
  <style:paragraph-properties fo:margin-left="1.25cm" fo:margin-bottom="1pt"/>
  <style:text-properties fo:font-size="8pt"/>
 </style:style>
 <style:style style:name="HeaderRight" style:family="paragraph"><style:paragraph-properties fo:text-align="end"/>
  <style:text-properties fo:font-weight="bold" fo:font-size="9pt"/></style:style>
 <style:style style:name="HeaderLeft" style:family="paragraph"><style:paragraph-properties fo:text-align="start"/>
  <style:text-properties fo:font-weight="bold" fo:font-size="9pt"/></style:style>
 <style:style style:name="Footer" style:family="paragraph">
  <style:paragraph-properties><style:tab-stops><style:tab-stop style:position="15cm" style:type="right"/>
  </style:tab-stops></style:paragraph-properties><style:text-properties fo:font-size="8pt"/></style:style>
 <style:style style:name="NoteAnchor" style:family="text"><style:text-properties style:text-position="super 58%"/>
 </style:style>
 <style:style style:name="NoteNumber" style:family="text"><style:text-properties style:text-position="super 58%"/>
 </style:style>
 <text:notes-configuration text:note-class="footnote" text:default-style-name="Footnote"
  text:citation-style-name="NoteAnchor" text:citation-body-style-name="NoteNumber" style:num-format="1"
  text:start-value="0" text:footnotes-position="page" text:start-numbering-at="document"/>
</office:styles>
<office:automatic-styles>
 <style:style style:name="I" style:family="text"><style:text-properties fo:font-style="italic"/></style:style>
 <style:style style:name="B" style:family="text"><style:text-properties fo:font-weight="bold"/></style:style>
 <style:style style:name="BI" style:family="text"><style:text-properties fo:font-style="italic"
  fo:font-weight="bold"/></style:style>
 <style:style style:name="Sup" style:family="text"><style:text-properties style:text-position="super 58%"/>
 </style:style>
 <style:page-layout style:name="pm1" style:page-usage="mirrored">
  <style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" fo:margin-top="1.2cm"
   fo:margin-bottom="1.2cm" fo:margin-left="2.5cm" fo:margin-right="2.5cm" style:print-orientation="portrait">
   <style:footnote-sep style:width="0.018cm" style:distance-before-sep="0.1cm" style:distance-after-sep="0.1cm"
    style:adjustment="left" style:rel-width="25%" style:color="#000000" style:line-style="solid"/>
  </style:page-layout-properties>
  <style:header-style><style:header-footer-properties fo:min-height="0.6cm" fo:margin-bottom="0.6cm"/>
  </style:header-style>
  <style:footer-style><style:header-footer-properties fo:min-height="0.6cm" fo:margin-top="0.6cm"/>
  </style:footer-style>
 </style:page-layout>
</office:automatic-styles>
<office:master-styles>
 <style:master-page style:name="Standard" style:page-layout-name="pm1">
  <style:header>{header}</style:header>{left_header}
  <style:footer>{footer}</style:footer>{left_footer}
 </style:master-page>
</office:master-styles>
<office:body><office:text>
{body}
</office:text></office:body></office:document>
"""


def soffice() -> str | None:
    """Return the LibreOffice program, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(sources: list[Path], out: Path, target: str, timeout: float = 600.0) -> list[Path]:
    """Convert ``.fodt`` files to ``target`` (``pdf`` or ``docx``) with LibreOffice headless, in one run.

    A fresh profile folder per run lets runs go side by side. Returns the paths
    written; raises RuntimeError when LibreOffice is missing or fails.
    """
    program = soffice()
    if program is None:
        raise RuntimeError("LibreOffice is not installed (apt-get install libreoffice-writer-nogui)")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cndkg-soffice-") as profile:
        command = [
            program,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--convert-to",
            target if target != "docx" else "docx:MS Word 2007 XML",
            "--outdir",
            str(out),
            *map(str, sources),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    written = [out / (s.stem + "." + target) for s in sources]
    missing = [p for p in written if not p.exists()]
    if done.returncode != 0 or missing:
        raise RuntimeError(f"LibreOffice did not write {missing or written}: {done.stderr.strip()[-500:]}")
    return written


def typeset(
    text: str, stem: str, out: Path, targets: tuple[str, ...] = ("pdf", "docx"), **layout: object
) -> dict[str, Path]:
    """Write ``stem.fodt`` for ``text`` under ``out`` and convert it; return the written files by suffix."""
    out.mkdir(parents=True, exist_ok=True)
    fodt = out / f"{stem}.fodt"
    fodt.write_text(to_fodt(text, Layout(**layout)), encoding="utf-8")  # type: ignore[arg-type]
    return {target: convert([fodt], out, target)[0] for target in targets}
