"""The fast SHACL path (shapes compiled to SPARQL on Oxigraph) reports exactly what pySHACL reports.

Every breaking edit of the SHACL negative tests (a graph seeded with a violation
of every constraint of every shape), every allowed edit, and the bundled corpus
are validated both ways; the violations must be the same set of (focus node,
path, constraint component, value, message), and they must locate to the same
source file:line.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import Graph

from cndkg.forking import workers
from cndkg.validate import ValidationOutcome, load_shapes, validate_graph
from cndkg.validate_fast import Unsupported, compile_shapes, validate_store

from .test_shapes import ALLOWED, CASES, PROLOGUE, as_update, edited, valid_graph

BASE = "https://w3id.org/cndkg/"


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes()


def store_of(graph: Graph) -> ox.Store:
    store = ox.Store()
    store.load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return store


def summary(outcome: ValidationOutcome) -> set[tuple[str, str, str, str, str, str, int]]:
    return {(v.focus, v.path, v.component, v.value, v.message, v.source, v.line) for v in outcome.violations}


def assert_same(graph: Graph, shapes: Graph) -> None:
    reference = validate_graph(graph, shapes)
    fast = validate_store(store_of(graph), shapes, BASE)
    assert fast.conforms == reference.conforms
    assert summary(fast) == summary(reference)


@pytest.mark.parametrize(("case", "edit", "focus", "path", "component"), CASES, ids=[row[0] for row in CASES])
def test_fast_path_reports_what_pyshacl_reports(
    shapes: Graph, case: str, edit: str, focus: str, path: str, component: str
) -> None:
    assert_same(edited(as_update(edit, focus, path)), shapes)


@pytest.mark.parametrize(("case", "edit"), ALLOWED, ids=[row[0] for row in ALLOWED])
def test_fast_path_accepts_what_pyshacl_accepts(shapes: Graph, case: str, edit: str) -> None:
    assert_same(edited(edit), shapes)


def graph_with_every_violation() -> Graph:
    graph = valid_graph()
    for _, edit, focus, path, _ in CASES:
        graph.update(PROLOGUE + as_update(edit, focus, path))
    return graph


def test_fast_path_on_a_graph_with_every_violation_at_once(shapes: Graph) -> None:
    graph = graph_with_every_violation()
    reference = validate_graph(graph, shapes)
    assert len(reference.violations) > 50
    assert summary(validate_store(store_of(graph), shapes, BASE)) == summary(reference)


def test_checks_on_two_processes_report_what_one_process_reports(shapes: Graph) -> None:
    store = store_of(graph_with_every_violation())
    with workers(1):
        serial = validate_store(store, shapes, BASE)
    with workers(2, worth_seconds=0):
        parallel = validate_store(store, shapes, BASE)
    assert len(serial.violations) > 50
    assert parallel.violations == serial.violations
    assert parallel.report.serialize(format="nt") == serial.report.serialize(format="nt")


def test_several_constraints_on_one_path_are_each_reported(shapes: Graph) -> None:
    # Datatype and MinInclusive share one compiled query on cndkg:position: a string "x" breaks both.
    graph = edited('DELETE { ?p cndkg:position ?n } INSERT { ?p cndkg:position "x" } WHERE { ?p cndkg:position ?n }')
    components = {v.component for v in validate_store(store_of(graph), shapes, BASE).violations}
    assert {"Datatype", "MinInclusive"} <= components
    assert_same(graph, shapes)


def test_unsupported_shapes_are_refused_not_skipped() -> None:
    shapes = Graph().parse(
        data="@prefix sh: <http://www.w3.org/ns/shacl#> . <urn:s> a sh:NodeShape ; sh:targetClass <urn:C> ;"
        " sh:property [ sh:path ( <urn:a> <urn:b> ) ; sh:minCount 1 ] .",
        format="turtle",
    )
    with pytest.raises(Unsupported):
        compile_shapes(shapes)
