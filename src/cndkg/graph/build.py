"""Resolved resolutions -> triples, following the vocabulary contract of DESIGN.md."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from cndkg import collector
from cndkg.delta import LineDelta, SortedLines, line_delta, patch_sorted
from cndkg.forking import fork_imap, jobs_allowed, workers_for
from cndkg.graph.parts import Part, PartCache, foreign_lines
from cndkg.graph.patch import MOST_PATCHED_PARTS, DumpPatch, MadeOf, PatchRefused, PreviousGraph
from cndkg.graph.restore import MOST_CHANGED_LINES, Restore, bring_up_to_date
from cndkg.iris import BODY_NAMES, Minter
from cndkg.model import (
    Citation,
    FootnoteRef,
    Paragraph,
    ParagraphKind,
    ResolutionKind,
    ResolvedCorpus,
    ResolvedResolution,
    SessionDocument,
    StatedFact,
)
from cndkg.namespaces import CNDKG, DCTERMS, ELI, OWL, PREFIXES, PROV, RDF, SCHEMA, SKOS, XSD
from cndkg.registry import Registry
from cndkg.writers.ntriples import LineSorter, gnu_sort, merge_sorted, nt_iri, nt_literal

_CLASS_OF_KIND = {
    "Resolution": CNDKG.Resolution,
    "Decision": CNDKG.Decision,
    "Document": CNDKG.Document,
    "Session": CNDKG.Session,
}


_INDEXED = frozenset(
    str(p) for p in (RDF.type, SKOS.prefLabel, DCTERMS.identifier, ELI.passed_by, DCTERMS.title, ELI.date_document)
)
# Spelt once: rdflib's XSD namespace builds the term on every lookup, and these run per triple.
_RDF_TYPE = str(RDF.type)
_XSD_INTEGER = str(XSD.integer)


@dataclass
class GraphResult:
    """The built graph: an Oxigraph store holding it, and an rdflib view on demand.

    ``store`` (pyoxigraph) is what the build's fast stages use; ``graph`` is the
    same triples as an rdflib :class:`~rdflib.Graph`, made the first time it is
    asked for (the API for callers and the pySHACL reference validator).
    """

    store: ox.Store
    triple_count: int
    _graph: Graph | None = field(default=None, repr=False)
    part_keys: set[str] = field(default_factory=set)
    """The keys of the texts' cached triples this graph used (:mod:`cndkg.graph.parts`)."""
    parts_reused: int = 0
    """How many texts' triples came from the cache, not described again."""
    delta: LineDelta | None = None
    """How the sorted dump differs from the previous build's, when the store was restored from that one."""
    made_of: MadeOf | None = None
    """What the sorted dump was made of, kept for the next build to patch it."""
    patched: bool = False
    """Whether the sorted dump was patched from the previous build's (:mod:`cndkg.graph.patch`), not sorted again."""

    @property
    def restored(self) -> bool:
        """Return whether the store is the previous build's graph brought up to date (:mod:`cndkg.graph.restore`)."""
        return self.delta is not None

    @property
    def graph(self) -> Graph:
        """Return the triples as an rdflib graph with the project's prefixes bound (parsed once)."""
        if self._graph is None:
            graph = Graph()
            for prefix, namespace in PREFIXES.items():
                graph.bind(prefix, namespace)
            data = self.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()) or b""
            graph.parse(data=data.decode("utf-8"), format="nt")
            self._graph = graph
        return self._graph


class _Triples:
    """Triples as N-Triples lines (a set), with a plain-string index of the few predicates looked up later."""

    def __init__(self, *, index_hash_types: bool = True) -> None:
        self.lines: set[str] = set()
        self.index: dict[str, dict[str, list[str]]] = {p: {} for p in _INDEXED}
        # The describers of texts leave out the types of hash IRIs (paragraphs, citations, footnotes: nine in
        # ten typed subjects), never looked up by type: at 10,000 texts they cost ~150 MB at the stage's peak.
        self.index_hash_types = index_hash_types

    def _put(self, subject: str, predicate: str, term: str, plain: str) -> None:
        line = f"{nt_iri(subject)} <{predicate}> {term} ."
        if line in self.lines:
            return
        self.lines.add(line)
        if predicate in _INDEXED and (self.index_hash_types or predicate != _RDF_TYPE or "#" not in subject):
            self._index_value(predicate, subject, plain)

    def _index_value(self, predicate: str, subject: str, plain: str) -> None:
        values = self.index[predicate].setdefault(subject, [])
        if plain not in values:  # the same value may come from two workers
            values.append(plain)

    def merge_index(self, index: dict[str, dict[str, list[str]]]) -> None:
        """Add another builder's index after this one's (values keep their first position)."""
        for predicate, subjects in index.items():
            for subject, values in subjects.items():
                for plain in values:
                    self._index_value(predicate, subject, plain)

    def add(self, subject: str, predicate: URIRef, value: Node | str) -> None:
        """Add a triple whose object is an IRI (a string) or an rdflib literal."""
        if isinstance(value, Literal):
            datatype = str(value.datatype) if value.datatype else None
            self._put(str(subject), str(predicate), nt_literal(str(value), value.language, datatype), str(value))
        else:
            self._put(str(subject), str(predicate), nt_iri(str(value)), str(value))

    def text(self, subject: str, predicate: URIRef, value: str, lang: str | None = None) -> None:
        """Add a triple whose object is a string literal (with a language tag when given)."""
        self._put(str(subject), str(predicate), nt_literal(value, lang), value)

    def integer(self, subject: str, predicate: URIRef, value: int) -> None:
        """Add a triple whose object is an ``xsd:integer``."""
        self._put(str(subject), str(predicate), f'"{int(value)}"^^<{_XSD_INTEGER}>', str(value))

    def typed(self, subject: str, predicate: URIRef, value: str, datatype: URIRef) -> None:
        """Add a triple whose object is a typed literal (``xsd:date`` ...)."""
        self._put(str(subject), str(predicate), nt_literal(value, None, str(datatype)), value)

    def by_subject(self, predicate: URIRef) -> dict[str, list[str]]:
        """Return subject -> values (IRIs or lexical forms) of an indexed predicate."""
        return self.index[str(predicate)]


def build_graph(
    corpus: ResolvedCorpus,
    registry: Registry,
    parts: PartCache | None = None,
    *,
    dump: Path | None = None,
    restore: Restore | None = None,
) -> GraphResult:
    """Build the dataset's graph: describe what the resolver settled, following DESIGN.md's vocabulary.

    Takes the resolved corpus and the registry (reference data and IRI minter).
    Many texts are described on the worker pool (:mod:`cndkg.forking`); the graph
    does not depend on it. With ``parts`` (a cache folder's), a text the
    resolver settled as in an earlier build gets the triples described then.
    With ``dump``, the graph is also written there as sorted N-Triples, from
    the texts' triples rather than from the store; with ``restore`` as well,
    the store is the previous build's graph brought up to date by the lines
    that changed (:mod:`cndkg.graph.restore`), not loaded from every text.
    Returns the graph in an Oxigraph store (with an rdflib view on demand).
    """
    with collector.paused():
        return _build_graph(corpus, registry, parts, dump, restore)


def _build_graph(
    corpus: ResolvedCorpus, registry: Registry, parts: PartCache | None, dump: Path | None, restore: Restore | None
) -> GraphResult:
    """Build the graph (see :func:`build_graph`), with the cycle collector paused.

    When the previous dump may be patched (:mod:`cndkg.graph.patch`), only the
    parts that changed are read in full; if the patch is refused, every
    text's lines are sorted instead.
    """
    base = _patch_base(corpus.texts, parts, dump, restore)
    if base is not None and parts is not None and dump is not None and restore is not None:
        patched = _build_patched(corpus, registry, parts, dump, restore, base)
        if patched is not None:
            return patched
    return _build_sorted(corpus, registry, parts, dump, restore)


def _build_sorted(
    corpus: ResolvedCorpus, registry: Registry, parts: PartCache | None, dump: Path | None, restore: Restore | None
) -> GraphResult:
    """Build the graph from every text's triples: loaded into a store, or sorted into ``dump``."""
    resolved = list(corpus.texts)
    triples = _registry_triples(registry)
    loading = ox.Store() if dump is None or restore is None else None
    texts_dump = None if dump is None else dump.with_name(dump.name + ".texts")
    with _sorting(texts_dump) as sorting:
        taken = _take_texts(resolved, registry.minter, parts, triples, loading, sorting)
    with _typed_by(loading, texts_dump) as typed:
        _describe_spanning(triples, corpus, typed, registry, taken.sessions)
    if loading is not None:
        load_lines(triples.lines, loading)
    spanning = _sorted_lines(_canonical_ntriples("\n".join(triples.lines).encode("utf-8"))) if dump or parts else b""
    triples.lines.clear()
    if dump is not None and texts_dump is not None:
        _write_dump(spanning, texts_dump, dump)
    if dump is not None and restore is not None:
        store, count, delta = _restored(restore, dump, None)
    else:
        assert loading is not None
        store, count, delta = loading, len(loading), None
    made_of = MadeOf(frozenset(taken.keys), spanning) if parts is not None else None
    return GraphResult(store, count, part_keys=taken.keys, parts_reused=taken.reused, delta=delta, made_of=made_of)


def _build_patched(
    corpus: ResolvedCorpus, registry: Registry, parts: PartCache, dump: Path, restore: Restore, base: PreviousGraph
) -> GraphResult | None:
    """Build the graph by patching the previous dump into ``dump`` (:mod:`cndkg.graph.patch`); None if refused."""
    resolved = list(corpus.texts)
    triples = _registry_triples(registry)
    taken = _take_texts(resolved, registry.minter, parts, triples, None, None, base)
    try:
        with SortedLines(restore.dump) as previous:
            patch = taken.patch(base, previous, parts)
            _describe_spanning(triples, corpus, patch.typed, registry, taken.sessions)
            spanning = _sorted_lines(_canonical_ntriples("\n".join(triples.lines).encode("utf-8")))
            triples.lines.clear()
            delta = patch.delta(set(spanning.splitlines()))
    except PatchRefused:
        return None
    if delta is None or not _patched_dump(restore, delta, dump):
        return None
    store, count, restored = _restored(restore, dump, delta)
    made_of = MadeOf(frozenset(taken.keys), spanning)
    return GraphResult(
        store, count, part_keys=taken.keys, parts_reused=taken.reused, delta=restored, made_of=made_of, patched=True
    )


def _registry_triples(registry: Registry) -> _Triples:
    """Return the triples builder, holding the reference data's triples (bodies, treaties, states ...)."""
    triples = _Triples()
    for subject, predicate, value in registry.graph:
        triples.add(str(subject), predicate, value if isinstance(value, Literal) else str(value))  # type: ignore[arg-type]
    return triples


def _describe_spanning(
    triples: _Triples,
    corpus: ResolvedCorpus,
    typed: Callable[[str], bool],
    registry: Registry,
    sessions: set[tuple[str, int]],
) -> None:
    """Add the triples that span texts: stated facts, stubs of cited targets, sessions, resolutions' labels."""
    _state_facts(triples, corpus.facts)
    _describe_stubs(triples, typed, list(corpus.texts), registry, sessions)
    _describe_sessions(triples, sessions, registry)
    _label_resolutions(triples)


def _patch_base(
    texts: Sequence[ResolvedResolution], parts: PartCache | None, dump: Path | None, restore: Restore | None
) -> PreviousGraph | None:
    """Return what the previous dump was made of, when this build may patch it; else None.

    That needs the part cache, a dump to write, a restore whose record kept
    the previous parts and spanning lines, and one text per IRI.
    """
    if parts is None or dump is None or restore is None or restore.made_of is None:
        return None
    return restore.made_of if len({item.iri for item in texts}) == len(texts) else None


def _patched_dump(restore: Restore, delta: LineDelta, dump: Path) -> bool:
    """Write ``dump`` as the previous dump patched by ``delta``; False (nothing left) if it does not fit."""
    if restore.unchanged() and patch_sorted(restore.dump, delta, dump) and restore.unchanged():
        return True
    dump.unlink(missing_ok=True)
    return False


def _sorted_lines(ntriples: bytes) -> bytes:
    """Return N-Triples lines sorted bytewise, without repeats, each ending in a newline."""
    lines = sorted({line for line in ntriples.splitlines() if line})
    return b"".join(line + b"\n" for line in lines)


def _take_texts(
    resolved: list[ResolvedResolution],
    minter: Minter,
    parts: PartCache | None,
    triples: _Triples,
    store: ox.Store | None,
    sorting: LineSorter | None,
    base: PreviousGraph | None = None,
) -> _Taken:
    """Describe the texts (or take their cached triples) into ``store`` and ``sorting``, their index into ``triples``.

    Returns the texts' cache keys, how many were taken from the cache and the
    sessions they name. With ``base`` (the previous dump may be patched), a
    part the previous dump was made of is read without its lines (only its
    foreign lines are kept), and the lines of the others are kept in the result.
    """
    workers = workers_for(len(resolved), SECONDS_PER_TEXT)
    step = max(1, min(PART_TEXTS, -(-len(resolved) // (workers * 4))))
    job = _RecordJob(resolved, minter, step, parts, base.keys if base is not None else frozenset())
    taken = _Taken()
    # Each part is loaded while the workers describe the next ones.
    for part in fork_imap(_describe_records, job, range(0, len(resolved), step), workers):
        if store is not None:
            store.bulk_load(input=part.ntriples, format=ox.RdfFormat.N_TRIPLES, lenient=LENIENT)
        if sorting is not None:
            sorting.write(part.ntriples)
        if base is not None and len(taken.keys) - len(taken.kept) <= MOST_PATCHED_PARTS:
            taken.new_lines.append(part.ntriples)  # past the bound, the patch is refused: no need to hold them
        triples.merge_index(part.index)
        taken.sessions |= part.sessions
        taken.keys |= part.keys
        taken.reused += part.reused
        taken.kept |= part.kept
        taken.kept_foreign.update(part.foreign)
    return taken


@dataclass
class _Taken:
    """What describing the texts gave besides their triples: cache keys, texts from the cache, sessions named.

    When the previous dump may be patched, also the lines of the new parts,
    the kept texts (IRI -> part key) and the kept parts' foreign lines.
    """

    keys: set[str] = field(default_factory=set)
    reused: int = 0
    sessions: set[tuple[str, int]] = field(default_factory=set)
    new_lines: list[bytes] = field(default_factory=list)
    kept: dict[str, str] = field(default_factory=dict)
    kept_foreign: set[bytes] = field(default_factory=set)

    def patch(self, base: PreviousGraph, previous: SortedLines, parts: PartCache) -> DumpPatch:
        """Return the patch of the previous dump by these parts (PatchRefused when too many changed)."""
        gone = len(base.keys - self.keys)
        if len(self.keys) - len(self.kept) + gone > MOST_PATCHED_PARTS:
            raise PatchRefused("too many texts changed")
        lines = b"".join(self.new_lines).splitlines()
        return DumpPatch(base, previous, parts, lines, self.kept, self.kept_foreign, self.keys)


@contextmanager
def _sorting(target: Path | None) -> Iterator[LineSorter | None]:
    """Sort what is written into ``target`` (None: nothing is sorted)."""
    if target is None:
        yield None
        return
    with LineSorter(target, jobs_allowed(), gnu_sort()) as sorting:
        yield sorting


@contextmanager
def _typed_by(store: ox.Store | None, texts_dump: Path | None) -> Iterator[Callable[[str], bool]]:
    """Yield whether the texts' triples type an IRI: from the store holding them, else their sorted dump."""
    if store is not None:
        yield lambda iri: _typed_in(store, iri)
        return
    assert texts_dump is not None
    with SortedLines(texts_dump) as lines:
        yield lambda iri: any(True for _ in lines.starting_with(f"{nt_iri(iri)} <{_RDF_TYPE}> ".encode()))


def _write_dump(spanning: bytes, texts_dump: Path, dump: Path) -> None:
    """Write ``dump``: the texts' sorted triples merged with the sorted lines that span texts."""
    spanning_file = dump.with_name(dump.name + ".spanning")
    try:
        spanning_file.write_bytes(spanning)
        merge_sorted([texts_dump, spanning_file], dump, gnu_sort())
    finally:
        spanning_file.unlink(missing_ok=True)
        texts_dump.unlink(missing_ok=True)


def _restored(restore: Restore, dump: Path, delta: LineDelta | None) -> tuple[ox.Store, int, LineDelta | None]:
    """Return the store of the graph in ``dump``: the restored one brought up to date, else loaded from ``dump``.

    ``delta``: how ``dump`` differs from the restored one, when the patch
    that wrote it says (else the two are compared).
    """
    store = restore.store()
    if store is not None and delta is None:
        delta = line_delta(restore.dump, dump, MOST_CHANGED_LINES)
    elif delta is not None and len(delta.removed) + len(delta.added) > MOST_CHANGED_LINES:
        delta = None  # loading the new dump afresh is about as quick
    count = bring_up_to_date(store, restore.triples, delta) if store is not None and delta is not None else None
    if store is None or count is None:
        store = ox.Store()
        store.bulk_load(path=str(dump), format=ox.RdfFormat.N_TRIPLES, lenient=LENIENT)
        return store, len(store), None
    return store, count, delta


def _canonical_ntriples(ntriples: bytes) -> bytes:
    """Return N-Triples as Oxigraph writes them (the dump's canonical form), from lines this stage wrote."""
    quads = ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES, lenient=LENIENT)
    return ox.serialize(quads, format=ox.RdfFormat.N_TRIPLES) or b""


LENIENT = True
"""Load this stage's lines without Oxigraph checking each IRI again (about a third of the load: 0.9 s against
1.3 s at 1,000 texts). Every line is written here, term by term: IRIs by :func:`nt_iri`, which
percent-encodes what an IRI may not hold, from the minter's base (an http(s) URI it checks) or the reference
data (parsed by rdflib); literals by :func:`nt_literal`. The dumps are parsed strictly again downstream."""

SECONDS_PER_TEXT = 0.002
"""About what describing one text takes: with the worker policy's threshold, texts are described on the
pool from about 500."""

PART_TEXTS = 500
"""The most texts a worker describes in one part. The main process holds a few parts (about 7 MB of
N-Triples per 100 texts) while it loads them; at 10,000 texts, parts of 500 put the stage's peak about
150 MB lower than parts of 1,250, and loaded no slower."""


@dataclass(frozen=True)
class _RecordJob:
    """What the record describers share (inherited by forked workers, never pickled)."""

    resolved: list[ResolvedResolution]
    minter: Minter
    step: int
    parts: PartCache | None = None
    known: frozenset[str] = frozenset()
    """The keys of the parts the previous dump was made of: read without their lines (:mod:`cndkg.graph.patch`)."""


@dataclass
class _RecordPart(Part):
    """The triples of a run of records (see :class:`~cndkg.graph.parts.Part`), with their cache keys.

    With known keys, ``ntriples`` are the other parts' lines, ``kept`` maps
    the known parts' texts to their keys and ``foreign`` lists their foreign lines.
    """

    keys: set[str] = field(default_factory=set)
    reused: int = 0
    kept: dict[str, str] = field(default_factory=dict)


def _describe_records(job: _RecordJob, start: int) -> _RecordPart:
    """Describe the records from ``start`` up to the next chunk boundary (run in a worker or in-process)."""
    if job.parts is None:
        whole = _describe_part(job.resolved[start : start + job.step], job.minter)
        return _RecordPart(whole.ntriples, whole.index, whole.sessions)
    run = _RecordPart(b"", {p: {} for p in _INDEXED}, set())
    chunks: list[bytes] = []
    foreign: list[bytes] = []
    for item in job.resolved[start : start + job.step]:
        key = job.parts.key(item)
        known = key in job.known
        part = job.parts.load_header(key) if known else job.parts.load(key)
        if part is None:
            part = _describe_part([item], job.minter)
            part.foreign = foreign_lines(part.ntriples, item.iri)
            job.parts.store(key, part)
        else:
            run.reused += 1
        run.keys.add(key)
        if known:
            run.kept[item.iri] = key
            foreign += part.foreign
        else:
            chunks.append(part.ntriples)
        _merge_index(run.index, part.index)
        run.sessions |= part.sessions
    run.ntriples, run.foreign = b"".join(chunks), tuple(foreign)
    return run


def describe_alone(
    texts: Sequence[ResolvedResolution], registry: Registry, facts: Iterable[StatedFact] = ()
) -> ox.Store:
    """Return the graph of some texts as if they were the whole corpus (with the facts stated about them).

    What a text's page shows of the text itself (its paragraphs, citations,
    mandates, title, session, the facts other texts state about it) is all
    there, with the entities it names (sessions, cited stubs); what the rest
    of the corpus adds (its own texts, who cites whom) is not. ``serve
    --watch`` previews an edited text's page from this (:mod:`cndkg.preview`)
    while the full build runs.
    """
    return build_graph(ResolvedCorpus(tuple(texts), tuple(facts)), registry).store


def _describe_part(items: list[ResolvedResolution], minter: Minter) -> Part:
    """Return the triples of some records, with their index entries and the sessions they name."""
    triples = _Triples(index_hash_types=False)
    sessions: set[tuple[str, int]] = set()
    for item in items:
        _describe_record(triples, item, minter, sessions)
    text = "\n".join(triples.lines) + "\n"
    return Part(_canonical_ntriples(text.encode("utf-8")), triples.index, sessions)


def _merge_index(into: dict[str, dict[str, list[str]]], index: dict[str, dict[str, list[str]]]) -> None:
    """Add an index's values after those already there (each value once, in first-seen order)."""
    for predicate, subjects in index.items():
        known = into.setdefault(predicate, {})
        for subject, values in subjects.items():
            kept = known.setdefault(subject, [])
            for value in values:
                if value not in kept:
                    kept.append(value)


def load_lines(lines: Iterable[str], store: ox.Store | None = None, chunk: int = 200_000) -> ox.Store:
    """Return an in-memory Oxigraph store (``store``, or a new one) holding N-Triples lines (any order).

    The lines are loaded a chunk at a time, so the whole graph never exists
    as one joined text beside the set of lines and the store.
    """
    store = store if store is not None else ox.Store()
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= chunk:
            store.bulk_load(input="\n".join(batch).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES, lenient=LENIENT)
            batch.clear()
    if batch:
        store.bulk_load(input="\n".join(batch).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES, lenient=LENIENT)
    return store


def _describe_record(
    triples: _Triples, item: ResolvedResolution, minter: Minter, sessions: set[tuple[str, int]]
) -> None:
    """Add the triples of one resolution, draft or fragment and everything in it."""
    record = item.resolution
    iri = item.iri
    header = record.header
    source = minter.source_file(record.source)
    kind_class = {
        ResolutionKind.ADOPTED: CNDKG.Resolution,
        ResolutionKind.DRAFT: CNDKG.DraftResolution,
        ResolutionKind.FRAGMENT: CNDKG.ResolutionFragment,
    }[record.kind]
    triples.add(iri, RDF.type, kind_class)
    triples.integer(iri, CNDKG.sourceLine, record.line)
    if record.page_range is not None:  # a resolution in a paginated compilation: its pages
        triples.integer(iri, CNDKG.firstPage, record.page_range[0])
        triples.integer(iri, CNDKG.lastPage, record.page_range[1])
    for name in (record.source, *record.also_sources):  # one text found in several files: derived from each
        file_iri = source if name == record.source else minter.source_file(name)
        triples.add(iri, PROV.wasDerivedFrom, file_iri)
        triples.add(file_iri, RDF.type, CNDKG.SourceFile)
        triples.text(file_iri, DCTERMS.identifier, name)
        triples.text(file_iri, SKOS.prefLabel, name)
    if header.title:
        triples.text(iri, DCTERMS.title, header.title, "en")
    body_key = _body_key(record.body)
    if body_key:
        triples.add(iri, ELI.passed_by, minter.body(body_key))
        if record.session is not None:
            session = minter.session(record.body, record.session)
            triples.add(iri, CNDKG.session, session)
            sessions.add((body_key, record.session))
    if record.truncated:
        triples.typed(iri, CNDKG.truncated, "true", XSD.boolean)
    if record.kind is ResolutionKind.ADOPTED and header.symbol:
        triples.text(iri, DCTERMS.identifier, _canonical(header.symbol))
    elif record.kind is ResolutionKind.DRAFT:
        _describe_draft(triples, item)
    else:
        triples.text(iri, SKOS.prefLabel, _fragment_label(item), "en")
        if header.symbol:  # the symbol its heading prints, though whose resolution it is stays unknown
            triples.text(iri, DCTERMS.identifier, _canonical(header.symbol))
    for paragraph in record.paragraphs:
        _describe_paragraph(triples, iri, paragraph, item, minter)
    for footnote in record.footnotes:
        note = minter.footnote(iri, footnote.ident)
        triples.add(iri, CNDKG.footnote, note)
        triples.add(note, RDF.type, CNDKG.Footnote)
        triples.text(note, CNDKG.label, footnote.label)
        triples.text(note, CNDKG.text, footnote.text)
        triples.integer(note, CNDKG.sourceLine, footnote.line)
    _describe_citations(triples, item, minter, source)
    _describe_mandates(triples, item, minter)
    _describe_unresolved(triples, item, minter)
    _describe_addressees(triples, item, minter)
    for document in record.session_documents:
        _describe_session_document(triples, document, record.body, record.session, minter, sessions)


def _describe_unresolved(triples: _Triples, item: ResolvedResolution, minter: Minter) -> None:
    """Add the words that look like references but were not resolved, each with its line, in text order."""
    counters: dict[str, int] = {}
    for order, (paragraph, text, line) in enumerate(item.unresolved, start=1):
        triples.text(paragraph, CNDKG.unresolvedMention, text)
        counters[paragraph] = counters.get(paragraph, 0) + 1
        node = minter.unresolved(paragraph, counters[paragraph])
        triples.add(node, RDF.type, CNDKG.UnresolvedMention)
        triples.add(node, CNDKG.inParagraph, paragraph)
        triples.text(node, CNDKG.matchedText, text)
        triples.integer(node, CNDKG.sourceLine, line)
        triples.integer(node, CNDKG.order, order)


def _describe_addressees(triples: _Triples, item: ResolvedResolution, minter: Minter) -> None:
    """Add the bodies operative paragraphs (and sub-paragraphs) address, in the order the text names them."""
    counters: dict[str, int] = {}
    for order, addressing in enumerate(item.addressings, start=1):
        counters[addressing.paragraph] = counters.get(addressing.paragraph, 0) + 1
        node = minter.addressee_mention(addressing.paragraph, counters[addressing.paragraph])
        triples.add(node, RDF.type, CNDKG.AddresseeMention)
        triples.add(node, CNDKG.inParagraph, addressing.paragraph)
        triples.add(node, CNDKG.addressee, addressing.addressee)
        triples.text(node, CNDKG.matchedText, addressing.text)
        triples.integer(node, CNDKG.sourceLine, addressing.line)
        triples.integer(node, CNDKG.order, order)


def _describe_draft(triples: _Triples, item: ResolvedResolution) -> None:
    """Add a draft's header: sponsors, agenda item, dates, the resolution it became."""
    iri = item.iri
    header = item.resolution.header
    for sponsor in item.sponsors:
        if sponsor.target:
            triples.add(iri, CNDKG.sponsor, sponsor.target)
    if header.agenda_item:
        triples.text(iri, CNDKG.agendaItem, header.agenda_item)
    if header.agenda_title:
        triples.text(iri, CNDKG.agendaTitle, header.agenda_title, "en")
    if header.document_symbol:
        triples.text(iri, DCTERMS.identifier, header.document_symbol)
    if item.distribution_date:
        triples.typed(iri, CNDKG.distributionDate, item.distribution_date, XSD.date)
    label = f"Draft resolution: {header.title or 'untitled'}"
    if item.resolution.session:
        label += f" ({_ordinal(item.resolution.session)} session)"
    triples.text(iri, SKOS.prefLabel, label, "en")
    if item.adopted_as:
        triples.add(iri, CNDKG.becameResolution, item.adopted_as)
        triples.add(item.adopted_as, CNDKG.draftOf, iri)


def _describe_paragraph(
    triples: _Triples, resolution: str, paragraph: Paragraph, item: ResolvedResolution, minter: Minter
) -> None:
    """Add a paragraph (and its sub-paragraphs) as a hash IRI of its resolution."""
    iri = minter.paragraph(resolution, paragraph.eid)
    kind = CNDKG.PreambularParagraph if paragraph.kind is ParagraphKind.PREAMBULAR else CNDKG.OperativeParagraph
    triples.add(iri, RDF.type, kind)
    triples.add(iri, ELI.is_part_of, resolution)
    triples.add(resolution, ELI.has_part, iri)
    triples.integer(iri, CNDKG.position, paragraph.position)
    if paragraph.number is not None:
        triples.integer(iri, CNDKG.number, paragraph.number)
    triples.text(iri, CNDKG.cue, paragraph.cue)
    triples.text(iri, CNDKG.text, paragraph.text)
    triples.integer(iri, CNDKG.sourceLine, paragraph.line)
    for ref in paragraph.footnote_refs:
        triples.add(iri, CNDKG.hasFootnoteMarker, minter.footnote(resolution, ref.label))
    _describe_markers(triples, iri, paragraph.footnote_refs, minter)
    for addressing in item.addressings:
        if addressing.paragraph == iri:
            triples.add(iri, CNDKG.addressee, addressing.addressee)
    for index, sub in enumerate(paragraph.subparagraphs, start=1):
        sub_iri = minter.paragraph(resolution, paragraph.subparagraph_eid(sub))
        triples.add(sub_iri, RDF.type, CNDKG.SubParagraph)
        triples.add(sub_iri, ELI.is_part_of, iri)
        triples.add(iri, ELI.has_part, sub_iri)
        triples.integer(sub_iri, CNDKG.position, index)
        triples.text(sub_iri, CNDKG.label, sub.label)
        triples.text(sub_iri, CNDKG.text, sub.text)
        triples.integer(sub_iri, CNDKG.sourceLine, sub.line)
        _describe_markers(triples, sub_iri, sub.footnote_refs, minter)


def _describe_markers(triples: _Triples, part: str, refs: tuple[FootnoteRef, ...], minter: Minter) -> None:
    """Add the footnote markers of a paragraph or sub-paragraph, with their labels and places in its text."""
    for index, ref in enumerate(refs, start=1):
        marker = minter.footnote_marker(part, index)
        triples.add(part, CNDKG.footnoteMarker, marker)
        triples.add(marker, RDF.type, CNDKG.FootnoteMarker)
        triples.text(marker, CNDKG.label, ref.label)
        triples.integer(marker, CNDKG.startOffset, ref.offset)
        triples.integer(marker, CNDKG.order, index)


def _describe_citations(triples: _Triples, item: ResolvedResolution, minter: Minter, source: str) -> None:
    """Add typed citation triples and one provenance node per mention and citing paragraph."""
    counters: dict[str, int] = {}
    ordered = sorted(
        item.citations, key=lambda c: (c.citing, c.mention.location.container, c.mention.start, c.mention.end, c.target)
    )
    for citation in ordered:
        counters[citation.citing] = counters.get(citation.citing, 0) + 1
        node = minter.citation(citation.citing, counters[citation.citing])
        relation = URIRef(citation.relation)
        if relation != CNDKG.refersToSession:
            triples.add(citation.citing, ELI.cites, citation.target)
        if relation != ELI.cites:
            triples.add(citation.citing, relation, citation.target)
        if citation.target_kind in ("SDGTarget", "SDGGoal"):
            triples.add(citation.citing, ELI.is_about, citation.target)
        mention = citation.mention
        triples.add(node, RDF.type, CNDKG.Citation)
        triples.add(node, CNDKG.citingParagraph, citation.citing)
        triples.add(node, CNDKG.target, citation.target)
        triples.text(node, CNDKG.matchedText, mention.text)
        triples.add(node, CNDKG.sourceFile, source)
        triples.integer(node, CNDKG.startOffset, mention.start)
        triples.integer(node, CNDKG.endOffset, mention.end)
        triples.integer(node, CNDKG.sourceLine, mention.line)
        page = item.resolution.page_of(mention.line)
        if page is not None:
            triples.integer(node, CNDKG.sourcePage, page)
        if mention.location.container == "footnote":
            triples.add(node, CNDKG.inFootnote, minter.footnote(item.iri, mention.location.key))


def _describe_mandates(triples: _Triples, item: ResolvedResolution, minter: Minter) -> None:
    """Add reporting mandates with their paragraph, addressees and due session."""
    counters: dict[str, int] = {}
    for mandate in sorted(item.mandates, key=lambda m: (m.paragraph, m.due_session)):
        counters[mandate.paragraph] = counters.get(mandate.paragraph, 0) + 1
        node = minter.mandate(mandate.paragraph, counters[mandate.paragraph])
        triples.add(node, RDF.type, CNDKG.ReportingMandate)
        triples.add(node, CNDKG.mandatedBy, mandate.paragraph)
        triples.add(node, CNDKG.dueSession, mandate.due_session)
        triples.text(node, CNDKG.text, mandate.phrase)
        triples.integer(node, CNDKG.sourceLine, mandate.line)
        for addressee in mandate.addressees:
            triples.add(node, CNDKG.addressee, addressee)


def _describe_session_document(
    triples: _Triples,
    document: SessionDocument,
    body: str,
    session: int | None,
    minter: Minter,
    sessions: set[tuple[str, int]],
) -> None:
    """Add a document listed with a resolution as a document of that session."""
    iris = [minter.document(symbol) for symbol in document.symbols]
    for iri, symbol in zip(iris, document.symbols, strict=True):
        triples.add(iri, RDF.type, CNDKG.Document)
        triples.text(iri, DCTERMS.identifier, symbol)
        triples.text(iri, SKOS.prefLabel, symbol)
        triples.text(iri, DCTERMS.title, document.title, "en")
        key = _body_key(body)
        if key and session is not None:
            triples.add(iri, CNDKG.session, minter.session(body, session))
            sessions.add((key, session))
        for other in iris:
            if other != iri:
                triples.add(iri, OWL.sameAs, other)


def _state_facts(triples: _Triples, facts: tuple[StatedFact, ...]) -> None:
    """Give cited entities the dates and titles their citing texts state (as the resolver settled them)."""
    for fact in facts:
        if fact.prop == "date":
            triples.typed(fact.subject, ELI.date_document, fact.value, XSD.date)
        else:
            triples.text(fact.subject, DCTERMS.title, fact.value, "en")
        triples.add(fact.subject, PROV.wasDerivedFrom, fact.citing)


def _describe_stubs(
    triples: _Triples,
    typed: Callable[[str], bool],
    resolved: list[ResolvedResolution],
    registry: Registry,
    sessions: set[tuple[str, int]],
) -> None:
    """Give every cited target that nothing else describes a type and a label, from what the resolver knows.

    A target is described when it is typed: in the index (which has the
    texts' types of entity IRIs only), or, for a hash IRI, by ``typed``.
    """
    described = set(triples.by_subject(RDF.type))
    minter = registry.minter
    for citation in _all_citations(resolved):
        target, about = citation.target, citation.about
        if about is not None and about.kind == "Session" and about.session is not None:
            sessions.add((about.body_key, about.session))
            continue
        if target in described or ("#" in target and typed(target)):
            continue
        described.add(target)
        triples.add(target, RDF.type, _CLASS_OF_KIND.get(citation.target_kind, CNDKG.Document))
        identifier = about.identifier if about is not None else ""
        if about is not None and about.kind in ("Resolution", "Decision") and about.body_key:
            triples.text(target, DCTERMS.identifier, identifier)
            triples.add(target, ELI.passed_by, minter.body(about.body_key))
            if about.session is not None:
                triples.add(target, CNDKG.session, minter.session(BODY_NAMES[about.body_key], about.session))
                sessions.add((about.body_key, about.session))
        else:
            triples.text(target, DCTERMS.identifier, identifier or citation.mention.text)
            triples.text(target, SKOS.prefLabel, identifier or citation.mention.text)


def _typed_in(store: ox.Store, iri: str) -> bool:
    """Return whether the store gives ``iri`` a type."""
    return any(True for _ in store.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(_RDF_TYPE), None))


def _all_citations(resolved: list[ResolvedResolution]) -> Iterable[Citation]:
    """Yield every citation in a deterministic order."""
    for item in resolved:
        yield from sorted(item.citations, key=lambda c: (c.citing, c.mention.start, c.target))


def _describe_sessions(triples: _Triples, sessions: set[tuple[str, int]], registry: Registry) -> None:
    """Add each session that anything refers to, with its number, body and (for CND) year."""
    minter = registry.minter
    for body_key, number in sorted(sessions):
        iri = minter.session(BODY_NAMES[body_key], number)
        triples.add(iri, RDF.type, CNDKG.Session)
        triples.integer(iri, CNDKG.sessionNumber, number)
        triples.add(iri, SCHEMA.organizer, minter.body(body_key))
        triples.text(iri, SKOS.prefLabel, f"{BODY_NAMES[body_key]}, {_ordinal(number)} session", "en")
        year = registry.session_year(body_key, number)
        if year is not None:
            triples.integer(iri, CNDKG.year, year)


def _label_resolutions(triples: _Triples) -> None:
    """Give every resolution a label ("Commission on Narcotic Drugs resolution 57/4") if it has none."""
    names = triples.by_subject(SKOS.prefLabel)
    identifiers = triples.by_subject(DCTERMS.identifier)
    bodies = triples.by_subject(ELI.passed_by)
    wanted = {str(CNDKG.Resolution): "resolution", str(CNDKG.Decision): "decision"}
    for subject, kinds in list(triples.by_subject(RDF.type).items()):
        for kind in kinds:
            if kind not in wanted or subject in names or subject not in identifiers:
                continue
            body_iri = bodies.get(subject, [""])[0]
            body = names.get(body_iri, ["UN"])[0]
            triples.text(subject, SKOS.prefLabel, f"{body} {wanted[kind]} {identifiers[subject][0]}", "en")


def _fragment_label(item: ResolvedResolution) -> str:
    """Return a label for a fragment: which paragraphs of which file."""
    record = item.resolution
    numbers = [p.number or p.position for p in record.paragraphs]
    what = f"paragraphs {numbers[0]}–{numbers[-1]}" if len(numbers) > 1 else "one paragraph"
    return f"Fragment of a resolution ({what}) in {record.source}"


def _body_key(name: str) -> str:
    """Return a body's short key, or '' for an unknown or empty name."""
    from cndkg.iris import BODY_KEYS

    return BODY_KEYS.get(name, "")


def _canonical(symbol: str) -> str:
    """Return a symbol in the UN's spelling."""
    from cndkg.iris import IriError, canonical_symbol

    try:
        return canonical_symbol(symbol)
    except IriError:
        return symbol


def _ordinal(number: int) -> str:
    """Return 57 as "57th", 62 as "62nd"."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
