"""Stage 4, resolve: mentions -> citations to canonical entity IRIs, plus diagnostics.

Each mention resolves to exactly one IRI (DESIGN.md) or to a diagnostic with
``file:line`` and the mention text; nothing is guessed and nothing is dropped.
The relation is typed by the citing paragraph's cue (through the ontology's cue
lemmas). Dates and titles the citing text states become facts about the cited
resolution; operative paragraphs that ask for a report at a named session
become reporting mandates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from rdflib import URIRef

from cndkg import grammar as G
from cndkg.dates import parse_written_date
from cndkg.iris import IriError
from cndkg.model import (
    Addressing,
    Citation,
    Diagnostic,
    DocumentForm,
    IbidForm,
    Mention,
    MentionKind,
    NameForm,
    OfficialRecordForm,
    ParagraphKind,
    ReportingMandate,
    ResolutionForm,
    ResolutionKind,
    ResolvedCorpus,
    ResolvedResolution,
    SdgForm,
    SessionForm,
    Severity,
    Sponsorship,
    StatedFact,
    Target,
    TreatySeriesForm,
    form_symbol,
    paged,
)
from cndkg.model import Resolution as ResolutionRecord
from cndkg.namespaces import CNDKG, DCTERMS, ELI
from cndkg.ordinals import ordinal_value
from cndkg.registry import Registry, normalise_locator, normalise_name
from cndkg.vocabulary import relation_for_cue


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
            unique = iri if len(by_text) == 1 else registry.minter.variant(iri, words)
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


class ResolveMemo:
    """Texts resolved by earlier builds in this process, kept by the identity of their parse results.

    ``serve --watch`` keeps each file's parse results in memory between builds
    (the very same objects), and resolving a text is a pure function of its
    record, its mentions, the registry and its IRI. So a text whose record and
    mentions are the objects resolved before, under the same registry and IRI,
    is not resolved again. Identity, not equality: comparing two records would
    cost about as much as resolving one. Only the last corpus's texts are kept.
    """

    def __init__(self) -> None:
        self._found: dict[int, tuple[ResolutionRecord, list[Mention], Registry, str, ResolvedResolution]] = {}

    def resolve_all(
        self, items: Iterable[tuple[ResolutionRecord, list[Mention], str]], registry: Registry
    ) -> list[ResolvedResolution]:
        """Return each (record, mentions, IRI) resolved: kept from the last corpus when the same, else anew."""
        found: dict[int, tuple[ResolutionRecord, list[Mention], Registry, str, ResolvedResolution]] = {}
        texts = []
        for record, mentions, iri in items:
            kept = self._found.get(id(record))
            if (
                kept is not None
                and kept[0] is record
                and kept[1] is mentions
                and kept[2] is registry
                and kept[3] == iri
            ):
                text = kept[4]
            else:
                text = resolve(record, mentions, registry, iri=iri)
            found[id(record)] = (record, mentions, registry, iri, text)
            texts.append(text)
        self._found = found
        return texts


def resolve_corpus(
    records: list[ResolutionRecord],
    mentions: list[list[Mention]],
    registry: Registry,
    memo: ResolveMemo | None = None,
) -> ResolvedCorpus:
    """Resolve a corpus: give every text its IRI, resolve each text, then settle what spans texts.

    Takes the records and, for each, the mentions found in it, the registry
    and, in a process that builds again and again, what it resolved last time.
    Returns the :class:`ResolvedCorpus`; its diagnostics name the copies
    merged, the texts in conflict (left out) and the stated facts that disagree.
    """
    iris, kept, notes = assign_iris(records, registry)
    items = [(r, m, iri) for r, m, iri in zip(kept, mentions, iris, strict=True) if iri]
    if memo is not None:
        texts = memo.resolve_all(items, registry)
    else:
        texts = [resolve(r, m, registry, iri=iri) for r, m, iri in items]
    settled = settle(texts, registry)
    return replace(settled, diagnostics=(*notes, *settled.diagnostics))


def settle(texts: list[ResolvedResolution], registry: Registry) -> ResolvedCorpus:
    """Settle what spans texts resolved one by one: drafts adopted in the corpus, facts stated about entities.

    Takes the texts in source order. Returns them as a :class:`ResolvedCorpus`.
    """
    linked = link_drafts(texts)
    facts, conflicts = settle_facts(linked, registry)
    return ResolvedCorpus(tuple(linked), tuple(facts), tuple(conflicts))


def link_drafts(texts: list[ResolvedResolution]) -> list[ResolvedResolution]:
    """Return the texts with each draft adopted in the corpus naming its resolution (``adopted_as``).

    A draft and an adopted resolution are the same text when the body, the
    session and the title agree (the title compared as normalised words).
    """
    adopted: dict[tuple[str, int | None, str], str] = {}
    for item in texts:
        record = item.resolution
        if record.kind is ResolutionKind.ADOPTED and record.header.title:
            adopted[(record.body, record.session, normalise_name(record.header.title))] = item.iri
    linked = []
    for item in texts:
        record = item.resolution
        key = (record.body, record.session, normalise_name(record.header.title or ""))
        if record.kind is ResolutionKind.DRAFT and record.header.title and key in adopted:
            item = replace(item, adopted_as=adopted[key])
        linked.append(item)
    return linked


def settle_facts(texts: list[ResolvedResolution], registry: Registry) -> tuple[list[StatedFact], list[Diagnostic]]:
    """Return the dates and titles texts state about entities that hold, and a warning for each that disagrees.

    An entity keeps what the reference data or its own text says; else the first
    statement (ordered by entity, property, citing paragraph and value) holds, the
    same words again add nothing, and other words are a warning.
    """
    known = _known_values(texts, registry)
    facts = sorted(
        ((fact, item.resolution.source) for item in texts for fact in item.facts),
        key=lambda pair: (pair[0].subject, pair[0].prop, pair[0].citing, pair[0].value),
    )
    kept: list[StatedFact] = []
    conflicts: list[Diagnostic] = []
    for fact, source in facts:
        existing = known.setdefault((fact.subject, fact.prop), [])
        if not existing:
            existing.append(fact.value)
            kept.append(fact)
        elif not any(normalise_name(e) == normalise_name(fact.value) for e in existing):
            conflicts.append(
                Diagnostic(
                    source,
                    fact.line,
                    f"{fact.citing.rsplit('#', 1)[-1]} states "
                    f"{fact.prop} {fact.value!r} for {fact.subject}, which already has "
                    f"{existing[0]!s:.80}; kept the first",
                    Severity.WARNING,
                    "fact-conflict",
                )
            )
    return kept, conflicts


def _known_values(texts: list[ResolvedResolution], registry: Registry) -> dict[tuple[str, str], list[str]]:
    """Return the titles and dates entities have before any text states one: reference data, their own texts."""
    known: dict[tuple[str, str], list[str]] = {}
    subjects = {fact.subject for item in texts for fact in item.facts}
    for subject in sorted(subjects):
        for prop, predicate in (("title", DCTERMS.title), ("date", ELI.date_document)):
            values = [str(v) for v in registry.graph.objects(URIRef(subject), predicate)]
            if values:
                known[(subject, prop)] = list(dict.fromkeys(values))
    for item in texts:
        record = item.resolution
        if record.header.title and item.iri in subjects:
            _add_known(known, item.iri, record.header.title)
        for document in record.session_documents:
            for symbol in document.symbols:
                iri = registry.minter.document(symbol)
                if iri in subjects:
                    _add_known(known, iri, document.title)
    return known


def _add_known(known: dict[tuple[str, str], list[str]], subject: str, title: str) -> None:
    values = known.setdefault((subject, "title"), [])
    if title not in values:
        values.append(title)


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
    minter = registry.minter
    cues = _cues(resolution)
    text_year = latest_year_of(resolution, registry)
    citations: list[Citation] = []
    facts: list[StatedFact] = []
    addressings: list[Addressing] = []
    diagnostics: list[Diagnostic] = list(resolution.diagnostics)
    sessions_by_paragraph: dict[str, list[tuple[str, Mention]]] = {}
    unresolved: list[tuple[str, str, int]] = []
    by_footnote: dict[str, Target] = {}
    for mention in mentions:
        try:
            target = _footnote_target(mention, resolution, registry, by_footnote)
            _check_time(mention, target.iri, resolution, text_year, registry)
        except _Unresolved as reason:
            if mention.kind is not MentionKind.ADDRESSEE:
                unresolved.extend((minter.paragraph(iri, eid), mention.text, mention.line) for eid in mention.citing)
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
        targets = [target, *_also_cited(mention, target.iri, registry)]
        for citing in mention.citing:
            paragraph_iri = minter.paragraph(iri, citing)
            if mention.kind is MentionKind.ADDRESSEE:
                if not any(a.paragraph == paragraph_iri and a.addressee == target.iri for a in addressings):
                    addressings.append(Addressing(paragraph_iri, target.iri, mention.text, mention.line))
                continue
            if mention.kind is MentionKind.SESSION:
                relation = str(CNDKG.refersToSession)
                sessions_by_paragraph.setdefault(citing, []).append((target.iri, mention))
            else:
                relation = relation_for_cue(cues.get(citing, "")) or str(ELI.cites)
            for each in targets:
                citations.append(Citation(mention, paragraph_iri, each.iri, relation, each.kind, each))
            facts.extend(_stated_facts(mention, target.iri, paragraph_iri))
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
        distribution_date=parse_written_date(resolution.header.distribution_date or "") or None,
    )


def _cues(resolution: ResolutionRecord) -> dict[str, str]:
    """Return each paragraph's (and sub-paragraph's) cue by eId."""
    cues: dict[str, str] = {}
    for paragraph in resolution.paragraphs:
        for eid, _part in paragraph.texts():
            cues[eid] = paragraph.cue
    return cues


def _target(mention: Mention, resolution: ResolutionRecord, registry: Registry) -> Target:
    """Return what a mention denotes, or raise :class:`_Unresolved`."""
    form = mention.form
    if isinstance(form, ResolutionForm):
        return _resolve_resolution(mention.kind, form, resolution, registry)
    if isinstance(form, TreatySeriesForm):
        return _treaty_series(form.volume, form.number, registry)
    if isinstance(form, OfficialRecordForm):
        return _official_record(form.symbol, form.locator, registry)
    if isinstance(form, IbidForm):
        return _resolve_ibid(mention, form, resolution, registry)
    if isinstance(form, DocumentForm):
        return _resolve_document(form.symbol, registry)
    if isinstance(form, SdgForm):
        return _resolve_sdg(mention.kind, form.notation, registry)
    if isinstance(form, SessionForm):
        return _resolve_session(form, resolution, registry)
    if mention.kind is MentionKind.ADDRESSEE:
        return _resolve_addressee(mention.text, registry)
    return _resolve_name(mention.text, registry)


def _footnote_target(
    mention: Mention, resolution: ResolutionRecord, registry: Registry, by_footnote: dict[str, Target]
) -> Target:
    """Return what a mention denotes; a bare "Ibid." repeats the footnote before it.

    ``by_footnote`` maps each footnote label to the first target resolved in it and is
    filled here, in footnote order, so a chain ("Ibid." after "Ibid., vol. 1019, No. 14956",
    or after another "Ibid.") follows back one footnote at a time. A pinned "Ibid., vol. ..."
    is resolved from its own pin. Raises :class:`_Unresolved` like :func:`_target`.
    """
    key = mention.location.key if mention.location.container == "footnote" else None
    labels = [footnote.ident for footnote in resolution.footnotes]
    previous = labels[labels.index(key) - 1] if key in labels and labels.index(key) > 0 else None
    bare_ibid = isinstance(mention.form, IbidForm) and not mention.form.pinned
    found = by_footnote[previous] if bare_ibid and previous in by_footnote else _target(mention, resolution, registry)
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
    if G.YEAR_NUMBERED.fullmatch(symbol):
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


def _resolve_resolution(
    kind: MentionKind, form: ResolutionForm, resolution: ResolutionRecord, registry: Registry
) -> Target:
    body = _issuing_body(form.body or "", form.symbol, resolution)
    return _resolution_target(kind, body, form.symbol, registry)


def _resolution_target(kind: MentionKind, body: str, symbol: str, registry: Registry) -> Target:
    """Return a resolution or decision of ``body``, with the session its symbol implies; raise if it has none."""
    minter = registry.minter
    try:
        if kind is MentionKind.DECISION:
            iri, entity = minter.decision(body, symbol), "Decision"
        else:
            iri, entity = minter.resolution(body, symbol), "Resolution"
        identifier, key = minter.resolution_identifier(symbol), minter.body_key(body)
    except IriError as error:
        raise _Unresolved(str(error)) from None
    session = None
    if G.SESSION_NUMBERED.fullmatch(identifier) and key in ("cnd", "ga"):
        session = int(identifier.split("/")[0])
    return Target(iri, entity, identifier, key, session)


def _resolve_name(text: str, registry: Registry) -> Target:
    iri = registry.names.get(normalise_name(text))
    if iri is None:
        raise _Unresolved("name not in the reference data")
    return Target(iri, registry.kinds.get(iri, "Resource"), text)


def _treaty_series(volume: str | None, number: str | None, registry: Registry) -> Target:
    if not volume or not number:
        raise _Unresolved("no volume and number")
    iri = registry.treaty_series.get((int(volume), int(number)))
    if iri is None:
        raise _Unresolved(f"Treaty Series vol. {volume}, No. {number} is not in ontology/reference/instruments.ttl")
    return Target(iri, "Treaty")


def _official_record(symbol: str | None, locator: str | None, registry: Registry) -> Target:
    if not symbol:
        raise _Unresolved("no document symbol")
    try:
        document = registry.minter.document(symbol)
    except IriError as error:
        raise _Unresolved(str(error)) from None
    if locator:
        published = registry.published_in.get((document, normalise_locator(locator)))
        if published:
            return Target(published, registry.kinds.get(published, "Declaration"), symbol)
    return Target(document, "Document", symbol)


def _also_cited(mention: Mention, target: str, registry: Registry) -> list[Target]:
    """Return what a mention cites besides its target: the Official Records document that locates a text.

    "Official Records of the Economic and Social Council, 2019, Supplement No. 8 (E/2019/28),
    chap. I, sect. B" cites the declaration it locates and the document E/2019/28 itself.
    """
    form = mention.form
    symbol = None
    if isinstance(form, OfficialRecordForm):
        symbol = form.symbol
    elif isinstance(form, IbidForm) and form.pointed is MentionKind.OFFICIAL_RECORD:
        symbol = form_symbol(form.pin) or form_symbol(form.antecedent)
    if not symbol:
        return []
    try:
        document = registry.minter.document(symbol)
    except IriError:
        return []
    return [] if document == target else [Target(document, "Document", symbol)]


def _resolve_ibid(mention: Mention, form: IbidForm, resolution: ResolutionRecord, registry: Registry) -> Target:
    """Resolve "Ibid." against the footnote before it: its pin, else what that footnote says."""
    pin, back = form.pin, form.antecedent
    if isinstance(pin, TreatySeriesForm):
        return _treaty_series(pin.volume, pin.number, registry)
    if isinstance(pin, OfficialRecordForm) or (form.locator and form.pointed is MentionKind.OFFICIAL_RECORD):
        back_locator = back.locator if isinstance(back, OfficialRecordForm) else None
        symbol = form_symbol(pin) or form_symbol(back)
        locator = (pin.locator if pin else None) or form.locator or back_locator
        target = _official_record(symbol, locator, registry)
    elif form.pointed is not None and back is not None:
        text = back.name if isinstance(back, NameForm) else mention.text
        target = _target(replace(mention, kind=form.pointed, text=text, form=back), resolution, registry)
    else:
        raise _Unresolved("'Ibid.' with no footnote before it that it could point back to")
    if target.kind == "Document" and not form_symbol(pin):  # no symbol of its own: the one its IRI carries
        target = replace(target, identifier=registry.minter.document_identifier(target.identifier))
    return target


def _resolve_document(symbol: str, registry: Registry) -> Target:
    as_resolution = G.resolution_of_document(symbol)
    if as_resolution:
        return _resolution_target(MentionKind.RESOLUTION, *as_resolution, registry)
    try:
        return Target(registry.minter.document(symbol), "Document", symbol)
    except IriError as error:
        raise _Unresolved(str(error)) from None


def _resolve_sdg(kind: MentionKind, notation: str, registry: Registry) -> Target:
    iri = registry.sdg.get(notation)
    if iri is None:
        raise _Unresolved(f"there is no SDG {'goal' if kind is MentionKind.SDG_GOAL else 'target'} {notation}")
    return Target(iri, registry.kinds[iri], notation)


def _resolve_session(form: SessionForm, resolution: ResolutionRecord, registry: Registry) -> Target:
    number = ordinal_value(form.ordinal)
    body = body_named(form.body or "", resolution.body) or resolution.body
    if number is None or not body:
        raise _Unresolved("session number or body unknown")
    try:
        return Target(registry.minter.session(body, number), "Session", "", registry.minter.body_key(body), number)
    except IriError as error:
        raise _Unresolved(str(error)) from None


def _resolve_addressee(text: str, registry: Registry) -> Target:
    iri = registry.body_names.get(normalise_name(text))
    if iri is None:
        raise _Unresolved("not a known body")
    return Target(iri, "Body", text)


def latest_year_of(resolution: ResolutionRecord, registry: Registry) -> int | None:
    """Return the latest year a text can date from: its printed dates, else what its symbol or session implies."""
    header = resolution.header
    printed = [
        year for text in (header.distribution_date, header.meeting_place_dates) if text for year in G.years_in(text)
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
    if earliest is None and isinstance(mention.form, ResolutionForm):
        symbol = mention.form.symbol
        span = symbol_years(_issuing_body(mention.form.body or "", symbol, resolution), symbol, registry)
        earliest = span[0] if span else None
    if earliest is not None and earliest > text_year:
        raise _Unresolved(f"it dates from {earliest}, after the citing text ({text_year} at the latest)")


def _stated_facts(mention: Mention, target: str, paragraph_iri: str) -> list[StatedFact]:
    """Return the date and title a citing text states about a resolution it cites."""
    form = mention.form
    if not isinstance(form, ResolutionForm) or mention.kind is MentionKind.IBID:
        return []
    stated = (("date", form.date), ("title", form.title))
    return [StatedFact(target, name, value, paragraph_iri, mention.line) for name, value in stated if value]


def _mandates(
    resolution: ResolutionRecord,
    iri: str,
    sessions: dict[str, list[tuple[str, Mention]]],
    addressings: list[Addressing],
    registry: Registry,
) -> list[ReportingMandate]:
    """Return a mandate per session an operative paragraph asks a report at, if later than the text's own.

    The finder marks those sessions (a clause asking for a report due there); the
    resolver knows the text's own session and the addressees.
    """
    mandates: list[ReportingMandate] = []
    own = resolution.session
    for paragraph in resolution.paragraphs:
        if paragraph.kind is not ParagraphKind.OPERATIVE:
            continue
        whole = registry.minter.paragraph(iri, paragraph.eid)
        for eid, _part in paragraph.texts():
            paragraph_iri = registry.minter.paragraph(iri, eid)
            who = tuple(dict.fromkeys(a.addressee for a in addressings if a.paragraph in (paragraph_iri, whole)))
            for session_iri, mention in sessions.get(eid, []):
                form = mention.form
                if not isinstance(form, SessionForm) or form.due_clause is None:
                    continue
                number = ordinal_value(form.ordinal)
                if own is not None and number is not None and number <= own:
                    continue
                mandates.append(ReportingMandate(paragraph_iri, who, session_iri, form.due_clause, mention.line))
    return mandates


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
