"""Stage 5, graph: the contract on the seeds, golden snapshots by isomorphism, the ontology."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from cndkg.graph import build_graph
from cndkg.namespaces import CNDKG, DCTERMS, ELI, PROV, RDF, SKOS, XSD
from cndkg.pipeline import run_pipeline
from cndkg.registry import Registry
from cndkg.resolve import settle
from cndkg.vocabulary import ontology_graph, relation_for_cue
from cndkg.writers import sorted_triples

from .conftest import CORPUS, SEEDS

GOLDEN = Path(__file__).parent / "golden"
BASE = "https://w3id.org/cndkg/id/"
OWL_TERMS = (
    URIRef("http://www.w3.org/2002/07/owl#Class"),
    URIRef("http://www.w3.org/2002/07/owl#ObjectProperty"),
    URIRef("http://www.w3.org/2002/07/owl#DatatypeProperty"),
    URIRef("http://www.w3.org/2002/07/owl#AnnotationProperty"),
)


def graph_of(paths: list[Path], registry: Registry) -> Graph:
    corpus = run_pipeline(paths, registry, root=CORPUS)
    return build_graph(corpus.settled, registry).graph


@pytest.fixture(scope="module")
def corpus_graph(registry: Registry) -> Graph:
    return graph_of([CORPUS], registry)


def test_resolution_57_4_follows_the_contract(corpus_graph: Graph) -> None:
    res = URIRef(BASE + "res/cnd/57/4")
    assert (res, RDF.type, CNDKG.Resolution) in corpus_graph
    assert corpus_graph.value(res, DCTERMS.identifier) == Literal("57/4")
    assert str(corpus_graph.value(res, DCTERMS.title)) == "Supporting recovery from substance use disorders"
    assert corpus_graph.value(res, ELI.passed_by) == URIRef(BASE + "body/cnd")
    assert corpus_graph.value(res, CNDKG.session) == URIRef(BASE + "session/cnd/57")
    assert corpus_graph.value(res, ELI.date_document) == Literal("2014-03-21", datatype=XSD.date)
    pp3 = URIRef(BASE + "res/cnd/57/4#pp3")
    assert (res, ELI.has_part, pp3) in corpus_graph and (pp3, ELI.is_part_of, res) in corpus_graph
    assert corpus_graph.value(pp3, CNDKG.position) == Literal(3, datatype=XSD.integer)
    assert str(corpus_graph.value(pp3, CNDKG.cue)) == "Acknowledging"
    op2 = URIRef(BASE + "res/cnd/57/4#op2")
    assert (op2, RDF.type, CNDKG.OperativeParagraph) in corpus_graph


def test_a_cited_paragraph_keeps_its_own_type_and_gets_no_stub(registry: Registry) -> None:
    # The describers of texts do not index the types of hash IRIs; a citation of one must still find it typed.
    corpus = run_pipeline([CORPUS], registry, root=CORPUS)
    citing, cited = (item for item in corpus.resolved if item.citations), corpus.resolved[-1]
    first = next(citing)
    paragraph = f"{cited.iri}#{cited.resolution.paragraphs[0].eid}"
    retargeted = (dataclasses.replace(first.citations[0], target=paragraph, about=None), *first.citations[1:])
    resolved = [dataclasses.replace(i, citations=retargeted) if i is first else i for i in corpus.resolved]
    graph = build_graph(settle(resolved, registry), registry).graph
    assert (URIRef(first.citations[0].citing), ELI.cites, URIRef(paragraph)) in graph
    assert set(graph.objects(URIRef(paragraph), RDF.type)) <= {CNDKG.PreambularParagraph, CNDKG.OperativeParagraph}
    assert graph.value(URIRef(paragraph), DCTERMS.identifier) is None


def test_draft_links_to_the_resolution_it_became_and_has_sponsors(corpus_graph: Graph) -> None:
    draft = URIRef(BASE + "draft/cnd/57/supporting-recovery-from-substance-use-disorders")
    assert corpus_graph.value(draft, CNDKG.becameResolution) == URIRef(BASE + "res/cnd/57/4")
    assert set(corpus_graph.objects(draft, CNDKG.sponsor)) == {
        URIRef(BASE + f"state/{c}") for c in ("ISR", "PER", "USA")
    }
    assert (URIRef(BASE + "res/cnd/57/4"), CNDKG.draftOf, draft) in corpus_graph


def test_typed_citation_and_its_provenance_node(corpus_graph: Graph) -> None:
    draft = BASE + "draft/cnd/67/promoting-recovery-and-related-support-services-for-people-with-drug-use"
    pp15 = URIRef(draft + "#pp15")
    target = URIRef(BASE + "res/cnd/61/11")
    assert (pp15, ELI.cites, target) in corpus_graph
    assert (pp15, CNDKG.recalls, target) in corpus_graph
    [node] = list(corpus_graph.subjects(CNDKG.citingParagraph, pp15))
    assert corpus_graph.value(node, CNDKG.target) == target
    assert str(corpus_graph.value(node, CNDKG.matchedText)) == "its resolution 61/11"
    assert corpus_graph.value(node, CNDKG.sourceLine) == Literal(84, datatype=XSD.integer)
    assert corpus_graph.value(target, ELI.date_document) == Literal("2018-03-16", datatype=XSD.date)
    assert (target, PROV.wasDerivedFrom, pp15) in corpus_graph


def test_mandate_and_stub_entities(corpus_graph: Graph) -> None:
    mandate = URIRef(BASE + "res/cnd/64/3#op20-mandate1")
    assert corpus_graph.value(mandate, CNDKG.dueSession) == URIRef(BASE + "session/cnd/66")
    assert corpus_graph.value(mandate, CNDKG.addressee) == URIRef(BASE + "body/unodc")
    assert corpus_graph.value(URIRef(BASE + "session/cnd/66"), CNDKG.year) == Literal(2023, datatype=XSD.integer)
    for stub in ("res/ga/S-30/1", "res/cnd/64/5", "doc/E-2014-28", "session/cnd/62"):
        assert corpus_graph.value(URIRef(BASE + stub), SKOS.prefLabel) is not None, stub
    assert (URIRef(BASE + "res/cnd/64/5"), RDF.type, CNDKG.Resolution) in corpus_graph


def test_session_documents_of_the_57th_session(corpus_graph: Graph) -> None:
    doc = URIRef(BASE + "doc/E-CN.7-2014-1")
    assert str(corpus_graph.value(doc, DCTERMS.title)) == "Annotated provisional agenda"
    assert corpus_graph.value(doc, CNDKG.session) == URIRef(BASE + "session/cnd/57")


def test_no_blank_nodes(corpus_graph: Graph) -> None:
    assert not [t for t in corpus_graph if any(type(x).__name__ == "BNode" for x in t)]


def test_same_input_gives_byte_identical_sorted_turtle(registry: Registry) -> None:
    first = graph_of([CORPUS], registry)
    second = graph_of([CORPUS], registry)
    assert [str(t) for t in sorted_triples(first)] == [str(t) for t in sorted_triples(second)]


def _seed_graph(seed: Path, registry: Registry) -> Graph:
    """The graph of one seed without the reference data (keeps the snapshots readable)."""
    graph = graph_of([seed], registry)
    for triple in registry.graph:
        graph.remove(triple)
    return graph


def _readable_diff(expected: Graph, actual: Graph) -> str:
    _, only_expected, only_actual = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
    lines = [f"- {t[0].n3()} {t[1].n3()} {t[2].n3()}" for t in sorted(only_expected)][:40]
    lines += [f"+ {t[0].n3()} {t[1].n3()} {t[2].n3()}" for t in sorted(only_actual)][:40]
    return "graph differs from the golden snapshot (- golden, + now):\n" + "\n".join(lines)


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name)
def test_golden_turtle_snapshot_by_isomorphism(seed: Path, registry: Registry) -> None:
    actual = _seed_graph(seed, registry)
    golden = GOLDEN / f"{seed.stem}.graph.ttl"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(actual.serialize(format="turtle"), encoding="utf-8")
    assert golden.exists(), f"{golden.name} is missing: write it with UPDATE_GOLDEN=1 and review it"
    expected = Graph().parse(golden, format="turtle")
    assert isomorphic(expected, actual), _readable_diff(expected, actual)


def test_namespace_module_and_ontology_declare_the_same_terms() -> None:
    declared = {
        str(s) for t in OWL_TERMS for s in ontology_graph().subjects(RDF.type, t) if str(s).startswith(str(CNDKG._NS))
    }
    in_code = {str(CNDKG[name]) for name in CNDKG.__annotations__}
    assert in_code - declared == set(), "terms used in code but not declared in ontology/cndkg.ttl"
    assert declared - in_code == set(), "terms declared in the ontology but missing from cndkg.namespaces.CNDKG"


def test_every_ontology_term_has_label_and_definition() -> None:
    graph = ontology_graph()
    for term_type in OWL_TERMS:
        for term in graph.subjects(RDF.type, term_type):
            assert graph.value(term, URIRef("http://www.w3.org/2000/01/rdf-schema#label")), term
            assert graph.value(term, SKOS.definition), term


@pytest.mark.parametrize(
    ("cue", "relation"),
    [
        ("Recalling", CNDKG.recalls),
        ("Recalling further", CNDKG.recalls),
        ("Also recalls", CNDKG.recalls),
        ("Reaffirming also", CNDKG.reaffirms),
        ("Welcoming", CNDKG.welcomes),
        ("Welcomes", CNDKG.welcomes),
        ("Noting with appreciation", CNDKG.notes),
        ("Takes note of", CNDKG.takesNoteOf),
        ("Taking note with appreciation of", CNDKG.takesNoteOf),
        ("Bearing in mind", CNDKG.bearsInMind),
        ("Endorses", CNDKG.endorses),
        ("Guided by", CNDKG.isGuidedBy),
        ("Recognizing also", CNDKG.recognizes),
        ("Encourages", None),
        ("Deeply concerned", None),
    ],
)
def test_cue_relations_come_from_the_ontology(cue: str, relation: URIRef | None) -> None:
    assert relation_for_cue(cue) == (str(relation) if relation else None)
