"""The dataset description (VoID + DCAT) that harvesters read: ``void.ttl``.

Counts, entities per class, the dumps with media types and byte sizes, licence,
URI space, SPARQL endpoint when configured, and build provenance. No wall-clock
time: a creation date is written only when ``SOURCE_DATE_EPOCH`` is set, so the
same input always gives the same bytes.
"""

from __future__ import annotations

import datetime
import os
from collections import Counter
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef

from cndkg.iris import Minter
from cndkg.namespaces import (
    CNDKG,
    DATA_LICENSE,
    DCAT,
    DCTERMS,
    MEDIA_TYPES,
    PREFIXES,
    PROV,
    RDF,
    RDFS,
    SKOS,
    SOFTWARE,
    VOID,
    XSD,
)
from cndkg.version import __version__

LICENSE = str(DATA_LICENSE)
_COUNTED_CLASSES = (
    CNDKG.Resolution,
    CNDKG.DraftResolution,
    CNDKG.ResolutionFragment,
    CNDKG.PreambularParagraph,
    CNDKG.OperativeParagraph,
    CNDKG.Citation,
    CNDKG.ReportingMandate,
    CNDKG.Session,
    CNDKG.Treaty,
    CNDKG.Declaration,
    CNDKG.Standard,
    CNDKG.Document,
    CNDKG.MemberState,
    CNDKG.Body,
    SKOS.Concept,
)


@dataclass(frozen=True, slots=True)
class Distribution:
    """A file of the published dataset."""

    name: str
    media_type: str
    size: int


def class_counts(types: Counter[str]) -> dict[str, int]:
    """Return the entity count of each counted class (absent classes as 0)."""
    return {str(c): types.get(str(c), 0) for c in _COUNTED_CLASSES}


def describe_dataset(
    base: str,
    triples: int,
    types: Counter[str],
    distributions: list[Distribution],
    sources: list[str],
    sparql_endpoint: str | None = None,
) -> Graph:
    """Return the VoID + DCAT description of a build.

    Takes the base URI, the number of triples, the number of entities per class
    IRI, the dump files, the source file names and an optional SPARQL endpoint.
    Returns the description as a graph (hash IRIs under ``{base}void.ttl``).
    """
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    minter = Minter(base)
    dataset = URIRef(minter.description("dataset"))
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, RDF.type, DCAT.Dataset))
    title = "cndkg: resolutions of the UN Commission on Narcotic Drugs"
    graph.add((dataset, DCTERMS.title, Literal(title, lang="en")))
    graph.add(
        (
            dataset,
            DCTERMS.description,
            Literal(
                "Resolutions and drafts of the Commission on Narcotic Drugs as linked data: paragraphs, citations "
                "typed by their cue (recalls, reaffirms, welcomes ...), reporting mandates, sponsors and sessions.",
                lang="en",
            ),
        )
    )
    graph.add((dataset, DCTERMS.license, URIRef(LICENSE)))
    graph.add((dataset, VOID.uriSpace, Literal(Minter(base).identifier_space)))
    graph.add((dataset, VOID.triples, Literal(triples, datatype=XSD.integer)))
    graph.add((dataset, VOID.entities, Literal(sum(types.values()), datatype=XSD.integer)))
    graph.add((dataset, VOID.vocabulary, URIRef(str(CNDKG._NS).rstrip("#"))))
    graph.add((dataset, DCTERMS.conformsTo, URIRef(minter.published_file("shapes.ttl"))))
    graph.add((dataset, RDFS.seeAlso, URIRef(minter.published_file("shacl-report.ttl"))))
    graph.add((dataset, DCTERMS.hasVersion, Literal(f"built with cndkg {__version__}")))
    if sparql_endpoint:
        graph.add((dataset, VOID.sparqlEndpoint, URIRef(sparql_endpoint)))
    created = _source_date()
    if created:
        graph.add((dataset, DCTERMS.created, Literal(created, datatype=XSD.dateTime)))
    for class_iri, count in class_counts(types).items():
        if count == 0:
            continue
        partition = URIRef(minter.description(f"class-{class_iri.rsplit('#', 1)[-1].rsplit('/', 1)[-1]}"))
        graph.add((dataset, VOID.classPartition, partition))
        graph.add((partition, VOID["class"], URIRef(class_iri)))
        graph.add((partition, VOID.entities, Literal(count, datatype=XSD.integer)))
    for item in distributions:
        _describe_distribution(graph, dataset, minter, item)
    activity = URIRef(minter.description("build"))
    graph.add((dataset, PROV.wasGeneratedBy, activity))
    graph.add((activity, RDF.type, PROV.Activity))
    graph.add((activity, PROV.wasAssociatedWith, SOFTWARE))
    for name in sources:
        graph.add((activity, PROV.used, Literal(name)))
    return graph


def _describe_distribution(graph: Graph, dataset: URIRef, minter: Minter, item: Distribution) -> None:
    """Add one dump as void:dataDump and dcat:Distribution."""
    url = URIRef(minter.published_file(item.name))
    node = URIRef(minter.description(f"dist-{item.name.replace('.', '-')}"))
    graph.add((dataset, VOID.dataDump, url))
    graph.add((dataset, DCAT.distribution, node))
    graph.add((node, RDF.type, DCAT.Distribution))
    graph.add((node, DCAT.downloadURL, url))
    graph.add((node, DCAT.mediaType, MEDIA_TYPES[item.media_type]))
    graph.add((node, DCTERMS["format"], Literal(item.media_type)))
    graph.add((node, DCAT.byteSize, Literal(item.size, datatype=XSD.nonNegativeInteger)))
    graph.add((node, DCTERMS.license, URIRef(LICENSE)))


def _source_date() -> str | None:
    """Return ``SOURCE_DATE_EPOCH`` as an ISO timestamp, or None when it is not set."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value.isdigit():
        return None
    moment = datetime.datetime.fromtimestamp(int(value), tz=datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
