"""Stage 4, resolve: mentions -> citations to canonical entity IRIs, plus diagnostics.

Each mention resolves to exactly one IRI (DESIGN.md) or to a diagnostic with
``file:line`` and the mention text; nothing is guessed and nothing is dropped.
The relation is typed by the citing paragraph's cue (through the ontology's cue
lemmas). Dates and titles the citing text states become facts about the cited
resolution; operative paragraphs that ask for a report at a named session
become reporting mandates.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import replace

from cndkg import grammar as G
from cndkg.iris import IriError
from cndkg.model import (
    Addressing,
    Citation,
    Diagnostic,
    Mention,
    MentionKind,
    ParagraphKind,
    ReportingMandate,
    ResolutionKind,
    ResolvedResolution,
    Severity,
    Sponsorship,
    StatedFact,
    paged,
)
from cndkg.model import Resolution as ResolutionRecord
from cndkg.namespaces import CNDKG, ELI
from cndkg.ordinals import ordinal_value
from cndkg.registry import Registry, normalise_locator, normalise_name
from cndkg.vocabulary import relation_for_cue

_REPORTING = re.compile(
    r"\breport(?:s|ing)?\b|\bsubmit\b|\binform\b|\bshare\s+(?:experiences|information)\b|\bpresent\b"
)
# The words before a session that make it the session a report is due at ("to the Commission at its", "for
# consideration at its", "before the", "by the"), as opposed to "the report on its twentieth session".
_DUE_AT = re.compile(r"\b(?:at|to|before|by|for|until)\s+(?:its|the|their)\s*$")


class _Unresolved(Exception):
    """A mention that cannot be resolved; the message says why."""


def resolution_iri(resolution: ResolutionRecord, registry: Registry) -> str:
    """Return the IRI of a segmented record (adopted, draft or fragment).

    Takes the record and the registry (for its IRI minter). Adopted: by body and
    symbol; draft: by its document symbol, else by session and title slug;
    fragment (or a record whose body is unknown): a stable hash of source and text.
    """
    minter = registry.minter
    header = resolution.header
    try:
        if resolution.kind is ResolutionKind.ADOPTED and header.symbol and resolution.body:
            return minter.resolution(resolution.body, header.symbol)
        if resolution.kind is ResolutionKind.DRAFT and resolution.body:
            if header.document_symbol:
                return minter.document(header.document_symbol)
            return minter.draft(resolution.body, resolution.session, header.title or "untitled")
    except IriError:
        pass
    first = resolution.paragraphs[0].text if resolution.paragraphs else ""
    return minter.fragment(resolution.source, resolution.index_in_source, first)


def assign_iris(
    records: list[ResolutionRecord], registry: Registry
) -> tuple[list[str | None], list[ResolutionRecord], list[Diagnostic]]:
    """Give every record of a corpus its IRI, unique across the corpus and independent of file order.

    Takes the records. Returns one IRI per record (None for a record to leave out),
    the records (a kept copy of a text found in several files lists the other files
    in ``also_sources``) and diagnostics. Records whose IRIs collide are compared by
    their words: identical texts (the same resolution in a compilation and alone)
    are one entity derived from every file; different drafts of one title and
    session each get a suffix derived from their own words; different texts under
    one symbol are a conflict, an error naming every file, and none is kept.
    """
    groups: dict[str, list[int]] = {}
    for index, record in enumerate(records):
        groups.setdefault(resolution_iri(record, registry), []).append(index)
    iris: list[str | None] = [None] * len(records)
    kept = list(records)
    notes: list[Diagnostic] = []
    for iri, members in groups.items():
        if len(members) == 1:  # the usual case: nothing to compare, so no text to read
            iris[members[0]] = iri
            continue
        by_text: dict[str, list[int]] = {}
        for index in members:
            by_text.setdefault(_words_of(records[index]), []).append(index)
        if len(by_text) > 1 and not _suffixable(records[members[0]], registry):
            notes.extend(_conflict(records, members, iri))
            continue
        for words, copies in sorted(by_text.items()):
            unique = iri if len(by_text) == 1 else f"{iri}-{hashlib.sha256(words.encode()).hexdigest()[:8]}"
            first, *others = sorted(copies, key=lambda i: (records[i].source, records[i].index_in_source))
            iris[first] = unique
            if others:
                kept[first] = replace(records[first], also_sources=tuple(records[i].source for i in others))
                notes.extend(_merged(records, first, others))
    return iris, kept, notes


def _words_of(record: ResolutionRecord) -> str:
    """Return what makes two copies of a text the same: its paragraphs' words (and a draft's sponsors)."""
    texts = [p.text for p in record.paragraphs] + [s.text for p in record.paragraphs for s in p.subparagraphs]
    if record.kind is ResolutionKind.DRAFT:
        texts += list(record.header.sponsors)
    return " ".join(" ".join(_WORD.findall(text.casefold())) for text in texts)


_WORD = re.compile(r"\w+")


def _suffixable(record: ResolutionRecord, registry: Registry) -> bool:
    """Return True for records named by title (drafts without a symbol), which a suffix may tell apart."""
    return record.kind is not ResolutionKind.ADOPTED and not record.header.document_symbol


def _conflict(records: list[ResolutionRecord], members: list[int], iri: str) -> list[Diagnostic]:
    """Report different texts that claim one symbol: an error naming every file, none of them kept."""
    where = sorted(f"{records[i].source}:{records[i].line}" for i in members)
    symbol = records[members[0]].header.symbol or records[members[0]].header.document_symbol or iri
    message = f"{len(where)} different texts claim {symbol}: {', '.join(where)}; none is published (fix or remove one)"
    return [Diagnostic(records[i].source, records[i].line, message, Severity.ERROR, "conflict") for i in members]


def _merged(records: list[ResolutionRecord], first: int, others: list[int]) -> list[Diagnostic]:
    """Report copies of one text merged into one entity."""
    kept = records[first]
    return [
        Diagnostic(
            records[i].source,
            records[i].line,
            f"the same text as {kept.source}:{kept.line}: one entity, derived from both files",
            Severity.INFO,
            "duplicate",
        )
        for i in others
    ]


def resolve(
    resolution: ResolutionRecord, mentions: list[Mention], registry: Registry, *, iri: str | None = None
) -> ResolvedResolution:
    """Resolve a resolution's mentions, sponsors and mandates.

    Takes the segmented resolution, the mentions found in it, the registry and,
    within a corpus, the IRI :func:`assign_iris` gave it. Returns a
    :class:`ResolvedResolution` holding its IRI, citations, stated facts,
    reporting mandates, addressees, sponsors and every diagnostic (the
    segmenter's and the resolver's).
    """
    iri = iri or resolution_iri(resolution, registry)
    cues = _cues(resolution)
    text_year = latest_year_of(resolution, registry)
    citations: list[Citation] = []
    facts: list[StatedFact] = []
    addressings: list[Addressing] = []
    diagnostics: list[Diagnostic] = list(resolution.diagnostics)
    sessions_by_paragraph: dict[str, list[tuple[str, Mention]]] = {}
    unresolved: list[tuple[str, str, int]] = []
    by_footnote: dict[str, tuple[str, str]] = {}
    for mention in mentions:
        try:
            target, kind = _footnote_target(mention, resolution, registry, by_footnote)
            _check_time(mention, target, resolution, text_year, registry)
        except _Unresolved as reason:
            if mention.kind is not MentionKind.ADDRESSEE:
                unresolved.extend((f"{iri}#{eid}", mention.text, mention.line) for eid in mention.citing)
                diagnostics.append(
                    Diagnostic(
                        resolution.source,
                        mention.line,
                        f"unresolved {mention.kind.value} {mention.text!r}: {reason}",
                        Severity.WARNING,
                        "unresolved",
                    )
                )
            continue
        targets = [(target, kind), *_also_cited(mention, target, registry)]
        for citing in mention.citing:
            paragraph_iri = f"{iri}#{citing}"
            if mention.kind is MentionKind.ADDRESSEE:
                if Addressing(paragraph_iri, target) not in addressings:
                    addressings.append(Addressing(paragraph_iri, target))
                continue
            if mention.kind is MentionKind.SESSION:
                relation = str(CNDKG.refersToSession)
                sessions_by_paragraph.setdefault(citing, []).append((target, mention))
            else:
                relation = relation_for_cue(cues.get(citing, "")) or str(ELI.cites)
            for each_target, each_kind in targets:
                citations.append(Citation(mention, paragraph_iri, each_target, relation, each_kind))
            facts.extend(_stated_facts(mention, target, paragraph_iri))
        if not mention.citing and mention.kind is not MentionKind.ADDRESSEE:
            diagnostics.append(
                Diagnostic(
                    resolution.source,
                    mention.line,
                    f"footnote {mention.location.key} is cited by no paragraph, so {mention.text!r} is not a citation",
                    Severity.INFO,
                    "uncited-footnote",
                )
            )
    if resolution.body == "":
        diagnostics.append(
            Diagnostic(
                resolution.source,
                resolution.line,
                "the body that adopted this text is unknown "
                "(no enacting formula): sessions and 'its resolution' cannot be resolved",
                Severity.INFO,
            )
        )
    mandates = _mandates(resolution, iri, sessions_by_paragraph, addressings, registry)
    sponsors, sponsor_notes = _sponsors(resolution, registry)
    return ResolvedResolution(
        resolution=resolution,
        iri=iri,
        citations=tuple(citations),
        facts=tuple(facts),
        mandates=tuple(mandates),
        addressings=tuple(addressings),
        sponsors=tuple(sponsors),
        diagnostics=tuple(paged(d, resolution.pages) for d in diagnostics + sponsor_notes),
        unresolved=tuple(unresolved),
    )


def _cues(resolution: ResolutionRecord) -> dict[str, str]:
    """Return each paragraph's (and sub-paragraph's) cue by eId."""
    cues: dict[str, str] = {}
    for paragraph in resolution.paragraphs:
        cues[paragraph.eid] = paragraph.cue
        for sub in paragraph.subparagraphs:
            cues[f"{paragraph.eid}-{sub.key}"] = paragraph.cue
    return cues


def _target(mention: Mention, resolution: ResolutionRecord, registry: Registry) -> tuple[str, str]:
    """Return (IRI, entity kind) for a mention, or raise :class:`_Unresolved`."""
    handlers: dict[MentionKind, Callable[[Mention, ResolutionRecord, Registry], tuple[str, str]]] = {
        MentionKind.RESOLUTION: _resolve_resolution,
        MentionKind.DECISION: _resolve_resolution,
        MentionKind.NAMED_INSTRUMENT: _resolve_name,
        MentionKind.TREATY_SERIES: lambda m, r, g: _treaty_series(m.field("volume"), m.field("number"), g),
        MentionKind.OFFICIAL_RECORD: lambda m, r, g: _official_record(m.field("symbol"), m.field("locator"), g),
        MentionKind.IBID: _resolve_ibid,
        MentionKind.DOCUMENT: _resolve_document,
        MentionKind.SDG_TARGET: _resolve_sdg,
        MentionKind.SDG_GOAL: _resolve_sdg,
        MentionKind.SESSION: _resolve_session,
        MentionKind.ADDRESSEE: _resolve_addressee,
    }
    return handlers[mention.kind](mention, resolution, registry)


def _footnote_target(
    mention: Mention, resolution: ResolutionRecord, registry: Registry, by_footnote: dict[str, tuple[str, str]]
) -> tuple[str, str]:
    """Return (IRI, entity kind) for a mention; a bare "Ibid." repeats the footnote before it.

    ``by_footnote`` maps each footnote label to the first target resolved in it and is
    filled here, in footnote order, so a chain ("Ibid." after "Ibid., vol. 1019, No. 14956",
    or after another "Ibid.") follows back one footnote at a time. A pinned "Ibid., vol. ..."
    is resolved from its own fields. Raises :class:`_Unresolved` like :func:`_target`.
    """
    key = mention.location.key if mention.location.container == "footnote" else None
    labels = [footnote.ident for footnote in resolution.footnotes]
    previous = labels[labels.index(key) - 1] if key in labels and labels.index(key) > 0 else None
    pinned = any(mention.field(name) for name in ("volume", "number", "symbol", "locator"))
    if mention.kind is MentionKind.IBID and not pinned and previous in by_footnote:
        found = by_footnote[previous]
    else:
        found = _target(mention, resolution, registry)
    if key is not None:
        by_footnote.setdefault(key, found)
    return found


def body_named(word: str, own: str) -> str:
    """Return the body a name in the text stands for.

    A full name is itself; a short name ("the Commission") is the text's own body
    when that is its short name, else the short name's default (the Commission on
    Narcotic Drugs); anything else gives "".
    """
    if word in G.BODIES:
        return word
    if word in G.BODY_BY_SHORT_NAME:
        own_short = next((b.short_name for b in G.issuing_bodies() if b.name == own), "")
        return own if own_short == word else G.BODY_BY_SHORT_NAME[word]
    return ""


def _issuing_body(word: str, symbol: str, resolution: ResolutionRecord) -> str:
    """Return the body whose resolution a mention names ("its" = the enacting body)."""
    if named := body_named(word, resolution.body):
        return named
    if re.fullmatch(r"(?:19[4-9]\d|20\d\d)/\d{1,3}", symbol):
        return "Economic and Social Council"
    if word in ("its", "their") and resolution.body:
        return resolution.body
    parts = G.symbol_parts(symbol)
    if not word and resolution.body and parts is not None and parts.old_style:
        # archive-era texts name their own body's resolutions bare: "Recalling resolution 626 F(XXII)"
        return resolution.body
    if not word and resolution.body:
        raise _Unresolved(
            f"the text does not say whose resolution {symbol} is (write 'its resolution' or name the body)"
        )
    raise _Unresolved("the issuing body is unknown")


def _resolve_resolution(mention: Mention, resolution: ResolutionRecord, registry: Registry) -> tuple[str, str]:
    symbol = mention.field("symbol") or ""
    body = _issuing_body(mention.field("body") or "", symbol, resolution)
    try:
        if mention.kind is MentionKind.DECISION:
            return registry.minter.decision(body, symbol), "Decision"
        return registry.minter.resolution(body, symbol), "Resolution"
    except IriError as error:
        raise _Unresolved(str(error)) from None


def _resolve_name(mention: Mention, resolution: ResolutionRecord, registry: Registry) -> tuple[str, str]:
    iri = registry.names.get(normalise_name(mention.text))
    if iri is None:
        raise _Unresolved("name not in the reference data")
    return iri, registry.kinds.get(iri, "Resource")


def _treaty_series(volume: str | None, number: str | None, registry: Registry) -> tuple[str, str]:
    if not volume or not number:
        raise _Unresolved("no volume and number")
    iri = registry.treaty_series.get((int(volume), int(number)))
    if iri is None:
        raise _Unresolved(f"Treaty Series vol. {volume}, No. {number} is not in ontology/reference/instruments.ttl")
    return iri, "Treaty"


def _official_record(symbol: str | None, locator: str | None, registry: Registry) -> tuple[str, str]:
    if not symbol:
        raise _Unresolved("no document symbol")
    try:
        document = registry.minter.document(symbol)
    except IriError as error:
        raise _Unresolved(str(error)) from None
    if locator:
        published = registry.published_in.get((document, normalise_locator(locator)))
        if published:
            return published, registry.kinds.get(published, "Declaration")
    return document, "Document"


def _also_cited(mention: Mention, target: str, registry: Registry) -> list[tuple[str, str]]:
    """Return what a mention cites besides its target: the Official Records document that locates a text.

    "Official Records of the Economic and Social Council, 2019, Supplement No. 8 (E/2019/28),
    chap. I, sect. B" cites the declaration it locates and the document E/2019/28 itself.
    """
    if mention.kind not in (MentionKind.OFFICIAL_RECORD, MentionKind.IBID):
        return []
    record = mention.field("antecedent_kind") == MentionKind.OFFICIAL_RECORD.value
    symbol = mention.field("symbol") or (mention.field("antecedent_symbol") if record else None)
    if not symbol:
        return []
    try:
        document = registry.minter.document(symbol)
    except IriError:
        return []
    return [] if document == target else [(document, "Document")]


def _resolve_ibid(mention: Mention, resolution: ResolutionRecord, registry: Registry) -> tuple[str, str]:
    """Resolve "Ibid." against the footnote before it: its pin, else the antecedent's fields."""
    kind = mention.field("antecedent_kind")
    if kind == MentionKind.TREATY_SERIES.value:
        volume = mention.field("volume") or mention.field("antecedent_volume")
        number = mention.field("number") or mention.field("antecedent_number")
        return _treaty_series(volume, number, registry)
    if kind == MentionKind.OFFICIAL_RECORD.value:
        symbol = mention.field("symbol") or mention.field("antecedent_symbol")
        locator = mention.field("locator") or mention.field("antecedent_locator")
        return _official_record(symbol, locator, registry)
    if kind:
        fields = tuple(
            (k[len("antecedent_") :], v)
            for k, v in mention.fields
            if k.startswith("antecedent_") and k != "antecedent_kind"
        )
        text = mention.field("antecedent_name") or mention.text
        substitute = Mention(
            MentionKind(kind), text, mention.start, mention.end, mention.location, mention.line, mention.citing, fields
        )
        return _target(substitute, resolution, registry)
    raise _Unresolved("'Ibid.' with no footnote before it that it could point back to")


def _resolve_document(mention: Mention, resolution: ResolutionRecord, registry: Registry) -> tuple[str, str]:
    symbol = mention.field("symbol") or mention.text
    as_resolution = G.resolution_of_document(symbol)
    try:
        if as_resolution:
            return registry.minter.resolution(*as_resolution), "Resolution"
        return registry.minter.document(symbol), "Document"
    except IriError as error:
        raise _Unresolved(str(error)) from None


def _resolve_sdg(mention: Mention, resolution: ResolutionRecord, registry: Registry) -> tuple[str, str]:
    notation = mention.field("notation") or ""
    iri = registry.sdg.get(notation)
    if iri is None:
        raise _Unresolved(f"there is no SDG {'goal' if mention.kind is MentionKind.SDG_GOAL else 'target'} {notation}")
    return iri, registry.kinds[iri]


def _resolve_session(mention: Mention, resolution: ResolutionRecord, registry: Registry) -> tuple[str, str]:
    number = ordinal_value(mention.field("ordinal") or "")
    written = mention.field("body") or ""
    body = body_named(written, resolution.body) or resolution.body
    if number is None or not body:
        raise _Unresolved("session number or body unknown")
    try:
        return registry.minter.session(body, number), "Session"
    except IriError as error:
        raise _Unresolved(str(error)) from None


def _resolve_addressee(mention: Mention, resolution: ResolutionRecord, registry: Registry) -> tuple[str, str]:
    iri = registry.body_names.get(normalise_name(mention.text))
    if iri is None:
        raise _Unresolved("not a known body")
    return iri, "Body"


_YEAR = re.compile(r"\b(?:19[4-9]\d|20\d\d)\b")


def latest_year_of(resolution: ResolutionRecord, registry: Registry) -> int | None:
    """Return the latest year a text can date from: its printed dates, else what its symbol or session implies."""
    header = resolution.header
    printed = [
        int(y) for text in (header.distribution_date, header.meeting_place_dates) if text for y in _YEAR.findall(text)
    ]
    if printed:
        return max(printed)
    if header.year:
        return header.year
    if header.symbol and resolution.body:
        span = symbol_years(resolution.body, header.symbol, registry)
        if span:
            return span[1]
    session = resolution.session
    return (
        registry.session_year("cnd", session) if session and resolution.body == "Commission on Narcotic Drugs" else None
    )


def symbol_years(body: str, symbol: str, registry: Registry) -> tuple[int, int] | None:
    """Return the earliest and latest year a resolution of ``body`` with ``symbol`` can date from, if known.

    "2013/40" (ECOSOC, numbered by year) is 2013; CND "61/11" the year of the 61st session (2018);
    General Assembly "70/1" or "3014 (XXVII)" the year the session opened or the next (1945 + N, 1946 + N).
    """
    parts = G.symbol_parts(symbol)
    if parts is None or parts.session.startswith("S-"):
        return None
    number = G.roman_value(parts.session) if parts.old_style else int(parts.session)
    if number is None:
        return None
    if not parts.old_style and number >= 1946:
        return number, number
    if body == "General Assembly":
        return 1945 + number, 1946 + number
    if body == "Commission on Narcotic Drugs" and not parts.old_style:
        year = registry.session_year("cnd", number)
        return (year, year) if year else None
    return None


def _check_time(
    mention: Mention, target: str, resolution: ResolutionRecord, text_year: int | None, registry: Registry
) -> None:
    """Raise :class:`_Unresolved` when the target came into being after the citing text ("time sense").

    "a single convention" in a 1951 text is not the 1961 Convention; the 1987 "new convention"
    is not yet the 1988 one.
    """
    if text_year is None:
        return
    earliest = registry.year_of(target)
    if earliest is None and mention.kind in (MentionKind.RESOLUTION, MentionKind.DECISION):
        symbol = mention.field("symbol") or ""
        span = symbol_years(_issuing_body(mention.field("body") or "", symbol, resolution), symbol, registry)
        earliest = span[0] if span else None
    if earliest is not None and earliest > text_year:
        raise _Unresolved(f"it dates from {earliest}, after the citing text ({text_year} at the latest)")


def _stated_facts(mention: Mention, target: str, paragraph_iri: str) -> list[StatedFact]:
    """Return the date and title a citing text states about a resolution it cites."""
    if mention.kind not in (MentionKind.RESOLUTION, MentionKind.DECISION):
        return []
    facts = []
    for name in ("date", "title"):
        value = mention.field(name)
        if value:
            facts.append(StatedFact(target, name, value, paragraph_iri, mention.line))
    return facts


def _mandates(
    resolution: ResolutionRecord,
    iri: str,
    sessions: dict[str, list[tuple[str, Mention]]],
    addressings: list[Addressing],
    registry: Registry,
) -> list[ReportingMandate]:
    """Return a mandate per operative paragraph asking for a report at a later named session."""
    mandates: list[ReportingMandate] = []
    own = resolution.session
    for paragraph in resolution.paragraphs:
        if paragraph.kind is not ParagraphKind.OPERATIVE:
            continue
        texts = {paragraph.eid: paragraph.text, **{f"{paragraph.eid}-{s.key}": s.text for s in paragraph.subparagraphs}}
        for eid, text in texts.items():
            if not _REPORTING.search(text):
                continue
            paragraph_iri = f"{iri}#{eid}"
            who = tuple(a.addressee for a in addressings if a.paragraph in (paragraph_iri, f"{iri}#{paragraph.eid}"))
            for session_iri, mention in sessions.get(eid, []):
                number = ordinal_value(mention.field("ordinal") or "")
                if own is not None and number is not None and number <= own:
                    continue
                if not _DUE_AT.search(text, max(0, mention.start - 80), mention.start):
                    continue  # "the report on its twentieth session" is not a report due there
                mandates.append(
                    ReportingMandate(
                        paragraph_iri,
                        tuple(dict.fromkeys(who)),
                        session_iri,
                        _sentence_around(text, mention.start, mention.end),
                        mention.line,
                    )
                )
    return mandates


def _sentence_around(text: str, start: int, end: int) -> str:
    """Return the clause of ``text`` (between semicolons) that holds the span."""
    left = text.rfind(";", 0, start) + 1
    right = text.find(";", end)
    return text[left : right if right >= 0 else len(text)].strip()


def _sponsors(resolution: ResolutionRecord, registry: Registry) -> tuple[list[Sponsorship], list[Diagnostic]]:
    """Resolve sponsor names to Member States; unknown names become diagnostics."""
    sponsors: list[Sponsorship] = []
    notes: list[Diagnostic] = []
    for name in resolution.header.sponsors:
        iri = registry.states.get(normalise_name(name))
        sponsors.append(Sponsorship(name, iri))
        if iri is None:
            notes.append(
                Diagnostic(
                    resolution.source,
                    resolution.line,
                    f"sponsor {name!r} is not a known Member "
                    "State (add it or an alias to ontology/reference/states.csv)",
                    Severity.WARNING,
                    "unknown-sponsor",
                )
            )
    return sponsors, notes
