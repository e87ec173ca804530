"""What the website shows, gathered once from the graph.

Indexes built from the store a property at a time: labels, the types of the
entities with a page (and of reporting mandates), how many instances each
class has, the texts of the corpus (:mod:`cndkg.publish.textview`), backlinks
(who cites whom, through which paragraph and cue), sponsorships, sessions'
resolutions and the reports due at them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace

import pyoxigraph as ox

from cndkg import collector
from cndkg.iris import Minter
from cndkg.model import Diagnostic, Severity
from cndkg.namespaces import CNDKG, DCTERMS, ELI, RDF, SDG, SKOS
from cndkg.publish.textview import TextView, read_texts

_RDF_TYPE = str(RDF.type)
_LABEL_PREDICATES = (str(SKOS.prefLabel), str(DCTERMS.title), str(DCTERMS.identifier))
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_KIND_NAMES = {
    str(CNDKG.Resolution): "Resolution",
    str(CNDKG.DraftResolution): "Draft resolution",
    str(CNDKG.ResolutionFragment): "Resolution fragment",
    str(CNDKG.Treaty): "Treaty",
    str(CNDKG.Declaration): "Declaration",
    str(CNDKG.Standard): "Standard or guideline",
    str(CNDKG.Document): "Document",
    str(CNDKG.Decision): "Decision",
    str(CNDKG.Session): "Session",
    str(CNDKG.MemberState): "Member State",
    str(CNDKG.Body): "Body",
    str(CNDKG.SourceFile): "Source file",
    str(SKOS.Concept): "SDG goal or target",
}


@dataclass(frozen=True, slots=True)
class Backlink:
    """One citation of an entity: by which paragraph of which text, with which cue."""

    source: str
    paragraph: str
    eid: str
    cue: str
    relation: str


@dataclass
class SiteData:
    """Everything the page writers need, indexed by IRI."""

    minter: Minter
    entities: set[str] = field(default_factory=set)
    labels: dict[str, str] = field(default_factory=dict)
    types: dict[str, list[str]] = field(default_factory=dict)
    type_counts: Counter[str] = field(default_factory=Counter)
    values: dict[tuple[str, str], list[ox.NamedNode | ox.Literal]] = field(default_factory=dict)
    backlinks: dict[str, list[Backlink]] = field(default_factory=lambda: defaultdict(list))
    texts: dict[str, TextView] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    _inverse: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    _members: dict[str, list[str]] = field(default_factory=dict)

    def inverse(self, predicate: str) -> dict[str, list[str]]:
        """Return object -> subjects for one predicate (built once per predicate, then reused)."""
        cached = self._inverse.get(predicate)
        if cached is None:
            cached = {}
            for (subject, name), objects in self.values.items():
                if name == predicate:
                    for obj in objects:
                        cached.setdefault(str(obj.value), []).append(subject)
            self._inverse[predicate] = cached
        return cached

    def members(self, class_iri: str) -> list[str]:
        """Return the entities of one class (built once per class)."""
        cached = self._members.get(class_iri)
        if cached is None:
            cached = [iri for iri, types in self.types.items() if class_iri in types]
            self._members[class_iri] = cached
        return cached

    def page_of(self, iri: str) -> str | None:
        """Return the site path (``res/cnd/57/4``) of an entity's page, or None if it has none."""
        key = iri.split("#", 1)[0]
        if key not in self.entities:
            return None
        if key.startswith(str(SDG)):
            return "sdg/" + key[len(str(SDG)) :] if key != str(SDG) else None
        return self.minter.page_path(key)

    def label(self, iri: str) -> str:
        """Return an entity's label: prefLabel, title or identifier, else the end of its IRI."""
        return self.labels.get(iri) or iri.rstrip("/").rsplit("/", 1)[-1]

    def kind(self, iri: str) -> str:
        """Return a reader's name for an entity's type ("Resolution", "Treaty" ...)."""
        for type_iri in self.types.get(iri, []):
            if type_iri in _KIND_NAMES:
                return _KIND_NAMES[type_iri]
        return "Entity"

    def first(self, iri: str, predicate: str) -> str | None:
        """Return the first value of a property as text, or None."""
        found = self.values.get((iri, predicate))
        return str(found[0].value) if found else None

    def all(self, iri: str, predicate: str) -> list[str]:
        """Return every value of a property as text, sorted."""
        return sorted(str(v.value) for v in self.values.get((iri, predicate), []))

    def href(self, from_path: str, iri: str) -> str | None:
        """Return a relative link from the page at ``from_path`` to an entity's page (with #anchor)."""
        path = self.page_of(iri)
        if path is None:
            return None
        anchor = "#" + iri.split("#", 1)[1] if "#" in iri else ""
        return relative(from_path, path) + anchor


def relative(from_path: str, to_path: str) -> str:
    """Return the relative URL from one site folder to another, ending in '/' ('' is the root).

    Both are normalised folder paths without leading or trailing '/', so this is
    ``posixpath.relpath`` without its filesystem work (it ran 70,000 times a build).
    """
    start = from_path.split("/") if from_path else []
    target = to_path.split("/") if to_path else []
    common = 0
    for a, b in zip(start, target, strict=False):
        if a != b:
            break
        common += 1
    parts = [".."] * (len(start) - common) + target[common:]
    return "/".join(parts) + "/" if parts else "./"


_KEEP_VALUES = tuple(
    str(p)
    for p in (
        SKOS.prefLabel,
        DCTERMS.title,
        DCTERMS.identifier,
        SKOS.notation,
        SKOS.definition,
        SKOS.broader,
        ELI.passed_by,
        ELI.date_document,
        CNDKG.session,
        CNDKG.sponsor,
        CNDKG.dueSession,
        CNDKG.mandatedBy,
        CNDKG.becameResolution,
        CNDKG.draftOf,
        CNDKG.sessionNumber,
        CNDKG.year,
        CNDKG.agendaItem,
        CNDKG.agendaTitle,
        CNDKG.distributionDate,
        CNDKG.treatySeriesCitation,
        CNDKG.publishedIn,
        CNDKG.locator,
        CNDKG.adoptedBy,
        DCTERMS.date,
        DCTERMS.creator,
        CNDKG.truncated,
    )
)
"""The properties pages show about entities. The texts' paragraphs, footnotes, citations and mandates are read
by :func:`cndkg.publish.textview.read_texts`."""

_HASH_TYPES_KEPT = frozenset({str(CNDKG.ReportingMandate)})
"""Classes whose hash-IRI instances the pages list (the reports due at a session)."""


def gather(
    store: ox.Store,
    minter: Minter,
    max_pages_per_source: int | None = None,
    texts: Mapping[str, TextView] | None = None,
) -> SiteData:
    """Index the graph for the site: every page is rendered from what this gathers, and so from the graph alone.

    Takes the dataset's Oxigraph store and the minter. Returns the :class:`SiteData`. Reads only what pages show,
    one property at a time, instead of every triple. An entity has a page when
    it is typed and its IRI is in the dataset's ``id/`` space or the SDG
    namespace, and is not one of the entities past ``max_pages_per_source``
    that a single source file cites (see :func:`_bound_pages`). The texts'
    views are ``texts`` when the build already has them (a rebuild patches
    the previous build's: :func:`cndkg.publish.textview.patch_texts`), else
    read from the store.
    """
    with collector.paused():
        return _gather(store, minter, max_pages_per_source, texts)


def _gather(
    store: ox.Store, minter: Minter, max_pages_per_source: int | None, texts: Mapping[str, TextView] | None
) -> SiteData:
    """Gather the site data (see :func:`gather`), with the cycle collector paused."""
    data = SiteData(minter)
    base_ids = minter.identifier_space
    sdg = str(SDG)
    graph = ox.DefaultGraph()
    for quad in store.quads_for_pattern(None, ox.NamedNode(_RDF_TYPE), None, graph):
        subject, type_iri = quad.subject.value, quad.object.value  # type: ignore[union-attr]
        data.type_counts[type_iri] += 1
        # Hash IRIs (paragraphs, citations, footnotes: nine in ten typed subjects) have no page of their own.
        if "#" not in subject or type_iri in _HASH_TYPES_KEPT:
            data.types.setdefault(subject, []).append(type_iri)
    data.entities = {iri for iri in data.types if "#" not in iri and (iri.startswith(base_ids) or iri.startswith(sdg))}
    data.texts = dict(texts) if texts is not None else read_texts(store)
    if max_pages_per_source is not None:
        data.diagnostics = _bound_pages(data, max_pages_per_source)
    for predicate in _KEEP_VALUES:
        for quad in store.quads_for_pattern(None, ox.NamedNode(predicate), None, graph):
            data.values.setdefault((quad.subject.value, predicate), []).append(quad.object)  # type: ignore[union-attr,arg-type]
    text = ox.NamedNode(str(CNDKG.text))
    for mandate in data.members(str(CNDKG.ReportingMandate)):
        for quad in store.quads_for_pattern(ox.NamedNode(mandate), text, None, graph):
            data.values.setdefault((mandate, text.value), []).append(quad.object)  # type: ignore[arg-type]
    for predicate in reversed(_LABEL_PREDICATES):  # the best-ranked label is written last
        for (subject, name), objects in data.values.items():
            if name == predicate:
                data.labels[subject] = str(objects[0].value)
    _isolate_source_text_in_labels(data)
    for view in data.texts.values():
        for citation in view.citations:
            paragraph = view.paragraph(citation.eid)
            cue = paragraph.cue if paragraph is not None else ""
            data.backlinks[citation.target].append(
                Backlink(view.iri, citation.citing, citation.eid, cue, citation.relation)
            )
    return data


def with_texts_from(
    data: SiteData, store: ox.Store, texts: Collection[str], max_pages_per_source: int | None = None
) -> SiteData:
    """Return a copy of ``data`` in which some texts are as ``store`` describes them (``data`` is not changed).

    Takes the site data of a whole build, a store with these texts' graph
    (:func:`cndkg.graph.describe_alone`), the texts' IRIs and the build's bound
    on pages per source. Their views, types, labels and shown values (their
    own and their paragraphs', mandates' ...) come from ``store``, and so does
    everything about an entity ``data`` does not know (a session or a cited
    document only these texts name). Everything else, what other texts say
    included (backlinks, their own pages' facts), stays as ``data`` has it.
    """
    fresh = gather(store, data.minter, max_pages_per_source)
    families = set(texts)

    def taken(iri: str) -> bool:
        key = iri.split("#", 1)[0]
        return key in families or key not in data.types

    patched = replace(
        data,
        entities={iri for iri in data.entities if not taken(iri)} | {iri for iri in fresh.entities if taken(iri)},
        labels={key: label for key, label in data.labels.items() if not taken(key)},
        types={iri: kinds for iri, kinds in data.types.items() if not taken(iri)},
        values={key: found for key, found in data.values.items() if not taken(key[0])},
        backlinks=defaultdict(list, data.backlinks),
        texts={**data.texts, **{iri: view for iri, view in fresh.texts.items() if iri in families}},
        _inverse={},
        _members={},
    )
    patched.types.update((iri, kinds) for iri, kinds in fresh.types.items() if taken(iri))
    patched.labels.update((key, label) for key, label in fresh.labels.items() if taken(key))
    patched.values.update((key, found) for key, found in fresh.values.items() if taken(key[0]))
    return patched


def invocation_counts(data: SiteData, kinds: tuple[str, ...]) -> list[tuple[str, int]]:
    """Return (entity, number of citing texts) for entities of the given kinds, most cited first."""
    counts: Counter[str] = Counter()
    for target, links in data.backlinks.items():
        if data.kind(target) in kinds:
            counts[target] = len({link.source for link in links})
    return sorted(counts.items(), key=lambda item: (-item[1], data.label(item[0])))


def _isolate_source_text_in_labels(data: SiteData) -> None:
    """Put a source's title between Unicode isolates inside a label cndkg composed around it.

    A right-to-left override in a draft's title would otherwise reverse the words
    cndkg adds after it ("... (67th session)") wherever the label is shown.
    """
    for subject, label in data.labels.items():
        if not _BIDI_CONTROLS.intersection(label):
            continue
        for title in data.values.get((subject, str(DCTERMS.title)), []):
            text = str(title.value)
            if text and text != label and text in label:
                data.labels[subject] = label.replace(text, f"\u2068{text}\u2069")
                break


def _bound_pages(data: SiteData, limit: int) -> list[Diagnostic]:
    """Keep one source file from making more than ``limit`` pages of the entities it cites.

    A 100 KB file citing 3,000 document symbols made 3,437 pages and 13,762 files.
    Each source's cited entities with pages are counted in the order it cites them;
    those past the limit that no source within its limit cites keep their triples
    in the dumps but get no page (links to them become plain text). Returns a
    warning per source over the limit, naming the file.
    """
    own = set(data.texts)
    cited: dict[str, dict[str, None]] = {}  # source -> entities it cites with pages, in order, without repeats
    for text in data.texts.values():
        targets = cited.setdefault(text.source, {})
        for citation in text.citations:
            key = citation.target.split("#", 1)[0]
            if key in data.entities and key not in own:
                targets[key] = None
    kept: set[str] = set()
    over: dict[str, list[str]] = {}
    for source, targets in cited.items():
        ordered = list(targets)
        kept.update(ordered[:limit])
        if len(ordered) > limit:
            over[source] = ordered[limit:]
    diagnostics = []
    for source, extra in sorted(over.items()):
        dropped = [iri for iri in extra if iri not in kept]
        data.entities.difference_update(dropped)
        diagnostics.append(
            Diagnostic(
                source,
                0,
                f"cites {limit + len(extra):,} entities that have pages; pages are made for the first {limit:,} "
                f"(max_pages_per_source={limit}), {len(dropped):,} of the rest get none",
                Severity.WARNING,
                "page-bound",
            )
        )
    return diagnostics
