"""Typed intermediate objects passed between the pipeline stages.

Every stage takes and returns these frozen dataclasses; no stage reaches into
another's internals. Offsets are character offsets into the text they belong
to (a paragraph's ``text`` for mentions, the document's ``text`` for marks).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace
from enum import StrEnum

from cndkg.iris import paragraph_eid, subparagraph_eid


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
        return paragraph_eid(self.kind is ParagraphKind.PREAMBULAR, self.position, self.number)

    def subparagraph_eid(self, sub: SubParagraph) -> str:
        """Return the local id of one of its sub-paragraphs (``op2-b``)."""
        return subparagraph_eid(self.eid, sub.label)

    def texts(self) -> tuple[tuple[str, Paragraph | SubParagraph], ...]:
        """Return (eId, part) for the paragraph and each of its sub-paragraphs, in order."""
        return ((self.eid, self), *((self.subparagraph_eid(sub), sub) for sub in self.subparagraphs))


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


# What the words of a mention say, one class per form (as eyecite's citation classes). The finder fills
# them from the text alone; the resolver reads them. Their field names differ, so a cached form decodes
# back into its own class.


@dataclass(frozen=True, slots=True)
class ResolutionForm:
    """A resolution or decision cited by symbol, with the body the words name, its date and title.

    As in "its resolution 61/11 of 16 March 2018, entitled ...".
    """

    symbol: str
    body: str | None = None
    date: str | None = None
    title: str | None = None


@dataclass(frozen=True, slots=True)
class TreatySeriesForm:
    """A treaty by its place in the Treaty Series: "United Nations, Treaty Series, vol. 976, No. 14152"."""

    volume: str
    number: str


@dataclass(frozen=True, slots=True)
class OfficialRecordForm:
    """An Official Records locator: "Official Records of the ..., 2019, Supplement No. 8 (E/2019/28), chap. I"."""

    symbol: str | None = None
    locator: str | None = None
    organ: str | None = None
    year: str | None = None
    supplement: str | None = None


@dataclass(frozen=True, slots=True)
class DocumentForm:
    """A document symbol: "E/2019/28", "A/RES/70/1"."""

    symbol: str


@dataclass(frozen=True, slots=True)
class NameForm:
    """A name from the reference data: an instrument or an addressed body."""

    name: str


@dataclass(frozen=True, slots=True)
class SdgForm:
    """An SDG target ("3.5") or goal ("3") by its notation."""

    notation: str


@dataclass(frozen=True, slots=True)
class SessionForm:
    """A session by ordinal ("at its sixty-sixth session"), the body named and the clause asking a report there.

    ``due_clause`` is set where an operative text asks for a report due at the session
    ("to report to the Commission at its sixty-sixth session").
    """

    ordinal: str
    body: str | None = None
    due_clause: str | None = None


AntecedentForm = (
    ResolutionForm | TreatySeriesForm | OfficialRecordForm | DocumentForm | NameForm | SdgForm | SessionForm
)


@dataclass(frozen=True, slots=True)
class IbidForm:
    """An "Ibid." with what it points back to (the first mention of the footnote before) and its own pin."""

    pointed: MentionKind | None = None
    antecedent: AntecedentForm | None = None
    pin: TreatySeriesForm | OfficialRecordForm | None = None
    locator: str | None = None

    @property
    def pinned(self) -> bool:
        """Return True when the "Ibid." says more than "Ibid." (a volume, a record or a locator)."""
        return self.pin is not None or self.locator is not None


MentionForm = AntecedentForm | IbidForm


def form_symbol(form: MentionForm | None) -> str | None:
    """Return the symbol a form states, if it states one (resolutions, records, documents)."""
    if isinstance(form, ResolutionForm | OfficialRecordForm | DocumentForm):
        return form.symbol
    return None


@dataclass(frozen=True, slots=True)
class Mention:
    """A span of text that refers to something; never looked up by the finder.

    ``text == container_text[start:end]``. ``form`` holds what the words say
    (body, number, date, title, volume ...), typed by the mention's form.
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
    form: MentionForm


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
class Target:
    """An entity a mention resolves to, with what the resolver knows of it beyond its IRI.

    ``identifier`` is its symbol as the graph spells it; ``body_key`` and
    ``session`` are the issuing body and the session a resolution's symbol implies
    (or a session's own), so that a cited entity no text describes can still be.
    """

    iri: str
    kind: str
    identifier: str = ""
    body_key: str = ""
    session: int | None = None


@dataclass(frozen=True, slots=True)
class Citation:
    """A resolved mention: paragraph ``citing`` refers to entity ``target`` (described by ``about``)."""

    mention: Mention
    citing: str
    target: str
    relation: str
    target_kind: str
    about: Target | None = None


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
    """An operative paragraph addressing a body ("Requests the UNODC ..."): the words that name it, their line."""

    paragraph: str
    addressee: str
    text: str = ""
    line: int = 0


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
    distribution_date: str | None = None
    adopted_as: str | None = None


@dataclass(frozen=True, slots=True)
class ResolvedCorpus:
    """What the resolver learned about a whole corpus: the graph stage's one input.

    ``texts`` in source order (drafts adopted in the corpus name the adopted text in
    ``adopted_as``); ``facts`` the stated dates and titles that hold, one per entity
    and property (the first stated, in a fixed order; the others are in ``diagnostics``
    when they disagree); ``diagnostics`` what settling the corpus found.
    """

    texts: tuple[ResolvedResolution, ...]
    facts: tuple[StatedFact, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
