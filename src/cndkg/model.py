"""Typed intermediate objects passed between the pipeline stages.

Every stage takes and returns these frozen dataclasses; no stage reaches into
another's internals. Offsets are character offsets into the text they belong
to (a paragraph's ``text`` for mentions, the document's ``text`` for marks).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class LineMap:
    """Maps character offsets of a plain text back to 1-based source lines.

    ``offsets[i]`` is the first plain-text offset that came from source line
    ``lines[i]``; offsets are strictly increasing.
    """

    offsets: tuple[int, ...]
    lines: tuple[int, ...]

    def line_at(self, offset: int) -> int:
        """Return the source line (1-based) of plain-text character ``offset``."""
        if not self.offsets:
            return 1
        index = bisect.bisect_right(self.offsets, offset) - 1
        return self.lines[max(index, 0)]


class MarkKind(StrEnum):
    """Inline markup the reader keeps from the source."""

    EMPHASIS = "emphasis"
    STRONG = "strong"
    HEADING = "heading"


@dataclass(frozen=True, slots=True)
class Mark:
    """A span of the document text that the source marked up."""

    kind: MarkKind
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class SourceDocument:
    r"""One source file read into plain text.

    ``text`` has markup removed; footnote markers in ``<sup>`` form are turned
    into Unicode superscript digits so that every later stage sees one form.
    Lines of ``text`` are separated by ``\\n``; page rules become empty lines.
    """

    path: str
    media_type: str
    text: str
    line_map: LineMap
    marks: tuple[Mark, ...] = ()
    pages: tuple[int, ...] = ()

    def line_at(self, offset: int) -> int:
        """Return the source line of a character offset in ``text``."""
        return self.line_map.line_at(offset)

    def page_line(self, line: int) -> tuple[int, int] | None:
        """Return (page, line on that page) of a source line, both 1-based, for a paginated source (a PDF).

        ``pages[n]`` is the source line that page ``n + 1`` starts with; source lines
        count the lines of the whole file, so ``file:line`` stays valid and
        ``file:page:line`` is this pair. Returns None for sources without pages.
        """
        return page_line(self.pages, line)


def paged(diagnostic: Diagnostic, pages: tuple[int, ...]) -> Diagnostic:
    """Return a diagnostic located by page as well, for a paginated source (``file:page:line``)."""
    found = page_line(pages, diagnostic.line) if diagnostic.line > 0 else None
    if found is None or diagnostic.page:
        return diagnostic
    return replace(diagnostic, page=found[0], line_on_page=found[1])


def page_line(pages: tuple[int, ...], line: int) -> tuple[int, int] | None:
    """Return (page, line on the page) of document line ``line``, given the first line of each page."""
    if not pages or line < 1:
        return None
    index = max(bisect.bisect_right(pages, line) - 1, 0)
    return index + 1, line - pages[index] + 1


class ParagraphKind(StrEnum):
    """The two kinds of paragraph in a UN resolution."""

    PREAMBULAR = "preambular"
    OPERATIVE = "operative"


class ResolutionKind(StrEnum):
    """What a segmented record is."""

    ADOPTED = "adopted"
    DRAFT = "draft"
    FRAGMENT = "fragment"


@dataclass(frozen=True, slots=True)
class FootnoteRef:
    """A footnote marker in a paragraph: its label and offset in the clean text."""

    label: str
    offset: int


@dataclass(frozen=True, slots=True)
class SubParagraph:
    """A lettered or numbered sub-paragraph such as ``(b)``."""

    label: str
    text: str
    line: int
    footnote_refs: tuple[FootnoteRef, ...] = ()
    lines: LineMap | None = None

    def line_at(self, offset: int) -> int:
        """Return the source line of character ``offset`` of the text."""
        return self.lines.line_at(offset) if self.lines else self.line

    @property
    def key(self) -> str:
        """Return the label as used in identifiers: ``(b)`` -> ``b``."""
        return self.label.strip("()").lower()


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A preambular or operative paragraph with markers removed from its text."""

    kind: ParagraphKind
    position: int
    number: int | None
    cue: str
    text: str
    line: int
    footnote_refs: tuple[FootnoteRef, ...] = ()
    subparagraphs: tuple[SubParagraph, ...] = ()
    lines: LineMap | None = None

    def line_at(self, offset: int) -> int:
        """Return the source line of character ``offset`` of the text."""
        return self.lines.line_at(offset) if self.lines else self.line

    @property
    def eid(self) -> str:
        """Return the paragraph's local id (``pp3``, ``op2``), as Akoma Ntoso eIds."""
        if self.kind is ParagraphKind.PREAMBULAR:
            return f"pp{self.position}"
        return f"op{self.number if self.number is not None else self.position}"


@dataclass(frozen=True, slots=True)
class Footnote:
    """A footnote's text, with the text of the footnote before it for ibid."""

    label: str
    text: str
    line: int
    antecedent: str | None = None
    lines: LineMap | None = None
    key: str = ""

    @property
    def ident(self) -> str:
        """Return the footnote's identifier within its resolution: its label, or ``label-n`` when repeated."""
        return self.key or self.label

    def line_at(self, offset: int) -> int:
        """Return the source line of character ``offset`` of the text."""
        return self.lines.line_at(offset) if self.lines else self.line


@dataclass(frozen=True, slots=True)
class SessionDocument:
    """A document listed beside a resolution (symbol and title), e.g. in a table."""

    symbols: tuple[str, ...]
    title: str
    line: int


@dataclass(frozen=True, slots=True)
class Header:
    """Fields read from the lines above the enacting formula."""

    symbol: str | None = None
    document_symbol: str | None = None
    title: str | None = None
    session: int | None = None
    agenda_item: str | None = None
    agenda_title: str | None = None
    sponsors: tuple[str, ...] = ()
    distribution_date: str | None = None
    meeting_place_dates: str | None = None
    draft_label: str | None = None
    symbol_body: str | None = None
    year: int | None = None


@dataclass(frozen=True, slots=True)
class Resolution:
    """One resolution, draft or fragment found in a source document."""

    kind: ResolutionKind
    source: str
    line: int
    body: str
    header: Header
    paragraphs: tuple[Paragraph, ...]
    footnotes: tuple[Footnote, ...]
    index_in_source: int = 0
    truncated: bool = False
    session_documents: tuple[SessionDocument, ...] = ()
    front_matter: tuple[str, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    also_sources: tuple[str, ...] = ()
    pages: tuple[int, ...] = ()

    def page_of(self, line: int) -> int | None:
        """Return the page of a source line, for a paginated source (a PDF); None otherwise."""
        found = page_line(self.pages, line)
        return found[0] if found else None

    def where(self, line: int) -> str:
        """Return where a source line is, as people read it: ``file:line``, or ``file:page:line`` in a PDF."""
        found = page_line(self.pages, line)
        return f"{self.source}:{found[0]}:{found[1]}" if found else f"{self.source}:{line}"

    @property
    def page_range(self) -> tuple[int, int] | None:
        """Return the first and last page the text occupies in a paginated source, else None."""
        lines = [self.line, *(p.line for p in self.paragraphs), *(f.line for f in self.footnotes)]
        pages = [page for page in (self.page_of(line) for line in lines) if page is not None]
        return (min(pages), max(pages)) if pages else None

    @property
    def preambular(self) -> tuple[Paragraph, ...]:
        """Return the preambular paragraphs in order."""
        return tuple(p for p in self.paragraphs if p.kind is ParagraphKind.PREAMBULAR)

    @property
    def operative(self) -> tuple[Paragraph, ...]:
        """Return the operative paragraphs in order."""
        return tuple(p for p in self.paragraphs if p.kind is ParagraphKind.OPERATIVE)

    @property
    def session(self) -> int | None:
        """Return the session number: from the header, else from a ``57/4`` symbol."""
        if self.header.session is not None:
            return self.header.session
        symbol = self.header.symbol or ""
        head = symbol.split("/", 1)[0]
        # "1987/33" (ECOSOC, numbered by year) names a year, not a session
        return int(head) if "/" in symbol and head.isdigit() and len(head) < 4 else None


class MentionKind(StrEnum):
    """What a span of text refers to (decided by the finder, from its form alone)."""

    RESOLUTION = "resolution"
    DECISION = "decision"
    NAMED_INSTRUMENT = "named-instrument"
    TREATY_SERIES = "treaty-series"
    OFFICIAL_RECORD = "official-record"
    DOCUMENT = "document"
    SDG_TARGET = "sdg-target"
    SDG_GOAL = "sdg-goal"
    SESSION = "session"
    IBID = "ibid"
    ADDRESSEE = "addressee"


@dataclass(frozen=True, slots=True)
class TextLocation:
    """Where a mention sits: a paragraph (by eId) or a footnote (by label)."""

    container: str
    key: str


@dataclass(frozen=True, slots=True)
class Mention:
    """A span of text that refers to something; never looked up by the finder.

    ``text == container_text[start:end]``. ``fields`` holds what the form of the
    text says (body, number, date, title, volume ...), as sorted key/value pairs.
    ``citing`` lists the eIds of the paragraphs that cite through this span (the
    paragraph itself, or every paragraph whose marker points to the footnote).
    """

    kind: MentionKind
    text: str
    start: int
    end: int
    location: TextLocation
    line: int
    citing: tuple[str, ...]
    fields: tuple[tuple[str, str], ...] = ()

    def field(self, name: str, default: str | None = None) -> str | None:
        """Return one of the mention's parsed fields, or ``default``."""
        for key, value in self.fields:
            if key == name:
                return value
        return default


class Severity(StrEnum):
    """How bad a diagnostic is."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A message a person can act on, located at ``file:line`` (``file:page:line`` in a paginated source)."""

    source: str
    line: int
    message: str
    severity: Severity = Severity.WARNING
    code: str = "cndkg"
    page: int = 0
    line_on_page: int = 0

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line > 0 else self.source
        if self.page > 0:
            where = f"{self.source}:{self.page}:{self.line_on_page}"  # a paginated source: file:page:line
        return f"{where}: {self.severity.value}: {self.message}"


@dataclass(frozen=True, slots=True)
class Citation:
    """A resolved mention: paragraph ``citing`` refers to entity ``target``."""

    mention: Mention
    citing: str
    target: str
    relation: str
    target_kind: str


@dataclass(frozen=True, slots=True)
class StatedFact:
    """A fact the citing text states about a cited resolution ("of 16 March 2018")."""

    subject: str
    prop: str
    value: str
    citing: str
    line: int


@dataclass(frozen=True, slots=True)
class ReportingMandate:
    """An operative paragraph asking someone to report back at a named session."""

    paragraph: str
    addressees: tuple[str, ...]
    due_session: str
    phrase: str
    line: int


@dataclass(frozen=True, slots=True)
class Addressing:
    """An operative paragraph addressing a body ("Requests the UNODC ...")."""

    paragraph: str
    addressee: str


@dataclass(frozen=True, slots=True)
class Sponsorship:
    """A Member State (or other sponsor) named in a draft's header."""

    name: str
    target: str | None


@dataclass(frozen=True, slots=True)
class ResolvedResolution:
    """What the resolver learned about one resolution: the input of the graph stage."""

    resolution: Resolution
    iri: str
    citations: tuple[Citation, ...] = ()
    facts: tuple[StatedFact, ...] = ()
    mandates: tuple[ReportingMandate, ...] = ()
    addressings: tuple[Addressing, ...] = ()
    sponsors: tuple[Sponsorship, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = field(default_factory=tuple)
    unresolved: tuple[tuple[str, str, int], ...] = ()
