"""The one place that spells namespace strings.

``CNDKG`` is a closed :class:`~rdflib.namespace.DefinedNamespace`: using a term
the ontology does not declare fails at import time, and a test checks that this
list and ``ontology/cndkg.ttl`` declare the same terms. ``ELI`` is closed the
same way over the ELI terms cndkg uses.

Both have their declared terms set as class attributes: a DefinedNamespace
otherwise builds and checks the term on every lookup (about 1 us), and the
graph and site stages look terms up millions of times at 10,000 texts.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, VOID, XSD, DefinedNamespace

DEFAULT_BASE = "https://w3id.org/cndkg/"
ONTOLOGY_IRI = "https://w3id.org/cndkg/ontology"


class CNDKG(DefinedNamespace):
    """The cndkg vocabulary (``https://w3id.org/cndkg/ontology#``)."""

    _NS = Namespace(ONTOLOGY_IRI + "#")
    _fail = True

    # classes
    Resolution: URIRef
    DraftResolution: URIRef
    ResolutionFragment: URIRef
    PreambularParagraph: URIRef
    OperativeParagraph: URIRef
    SubParagraph: URIRef
    Footnote: URIRef
    Citation: URIRef
    TextSpan: URIRef
    FootnoteMarker: URIRef
    UnresolvedMention: URIRef
    AddresseeMention: URIRef
    ReportingMandate: URIRef
    Session: URIRef
    Body: URIRef
    MemberState: URIRef
    Treaty: URIRef
    Declaration: URIRef
    Standard: URIRef
    Document: URIRef
    Decision: URIRef
    SourceFile: URIRef
    # resolution and draft properties
    session: URIRef
    sponsor: URIRef
    agendaItem: URIRef
    agendaTitle: URIRef
    becameResolution: URIRef
    draftOf: URIRef
    distributionDate: URIRef
    truncated: URIRef
    footnote: URIRef
    # paragraph properties
    position: URIRef
    number: URIRef
    cue: URIRef
    text: URIRef
    label: URIRef
    sourceLine: URIRef
    sourcePage: URIRef
    firstPage: URIRef
    lastPage: URIRef
    addressee: URIRef
    hasFootnoteMarker: URIRef
    # citation relations (sub-properties of eli:cites)
    recalls: URIRef
    reaffirms: URIRef
    welcomes: URIRef
    notes: URIRef
    takesNoteOf: URIRef
    bearsInMind: URIRef
    endorses: URIRef
    acknowledges: URIRef
    recognizes: URIRef
    commends: URIRef
    takesIntoAccount: URIRef
    isGuidedBy: URIRef
    emphasizes: URIRef
    reiterates: URIRef
    cueLemma: URIRef
    refersToSession: URIRef
    # provenance of a citation
    citingParagraph: URIRef
    target: URIRef
    matchedText: URIRef
    sourceFile: URIRef
    startOffset: URIRef
    endOffset: URIRef
    inFootnote: URIRef
    # reporting mandates
    mandatedBy: URIRef
    dueSession: URIRef
    # sessions
    sessionNumber: URIRef
    year: URIRef
    # reference data
    treatySeriesCitation: URIRef
    publishedIn: URIRef
    locator: URIRef
    adoptedBy: URIRef
    unresolvedMention: URIRef
    footnoteMarker: URIRef
    inParagraph: URIRef
    order: URIRef


class ELI(DefinedNamespace):
    """The ELI ontology terms cndkg uses (``http://data.europa.eu/eli/ontology#``)."""

    _NS = Namespace("http://data.europa.eu/eli/ontology#")
    _fail = True

    cites: URIRef
    date_document: URIRef
    has_part: URIRef
    is_about: URIRef
    is_part_of: URIRef
    passed_by: URIRef


def _materialize(namespace: type[DefinedNamespace]) -> None:
    """Set each declared term as a class attribute, so a lookup no longer goes through ``__getattr__``."""
    for name in namespace.__annotations__:
        setattr(namespace, name, namespace._NS[name])


_materialize(CNDKG)
_materialize(ELI)
SCHEMA = Namespace("https://schema.org/")
SDG = Namespace("http://metadata.un.org/sdg/")
SOFTWARE = URIRef("https://w3id.org/cndkg/software/cndkg")  # the agent of every build's provenance
DATA_LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")  # the licence of the published data
MEDIA_TYPES = Namespace("https://www.iana.org/assignments/media-types/")  # IANA's register, for dcat:mediaType

# XML namespaces of the documents the publish stage writes.
ATOM_XML = "http://www.w3.org/2005/Atom"
TOMBSTONES_XML = "http://purl.org/atompub/tombstones/1.0"
GRAPHML_XML = "http://graphml.graphdrawing.org/xmlns"
AKN_XML = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
SITEMAP_XML = "http://www.sitemaps.org/schemas/sitemap/0.9"
SCHEMA_CONTEXT = "https://schema.org"  # the JSON-LD @context of schema.org descriptions in pages

PREFIXES: dict[str, str] = {
    "cndkg": str(CNDKG._NS),
    "eli": str(ELI._NS),
    "dcterms": str(DCTERMS),
    "skos": str(SKOS),
    "prov": str(PROV),
    "void": str(VOID),
    "dcat": str(DCAT),
    "schema": str(SCHEMA),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "sh": str(SH),
    "sdg": str(SDG),
}

__all__ = [
    "AKN_XML",
    "ATOM_XML",
    "CNDKG",
    "DATA_LICENSE",
    "DCAT",
    "DCTERMS",
    "DEFAULT_BASE",
    "ELI",
    "GRAPHML_XML",
    "MEDIA_TYPES",
    "ONTOLOGY_IRI",
    "OWL",
    "PREFIXES",
    "PROV",
    "RDF",
    "RDFS",
    "SCHEMA",
    "SCHEMA_CONTEXT",
    "SDG",
    "SH",
    "SITEMAP_XML",
    "SKOS",
    "SOFTWARE",
    "TOMBSTONES_XML",
    "VOID",
    "XSD",
]
