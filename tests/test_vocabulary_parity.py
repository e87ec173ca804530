"""Issue 18.5, one source for the vocabulary: the shapes and the builder say only what the ontology declares.

``ontology/cndkg.ttl`` is the source; three artefacts repeat its terms and are checked against it here, one
table row per term:

1. the SHACL shapes (``shapes/*.ttl``): every cndkg class and property they use is declared with the right kind;
2. the classes the builder emits each have a NodeShape targeting them (or a commented exemption);
3. the graph built from the bundled sample corpus uses only declared terms, each property the way it is declared
   (object property -> IRI of the range class, datatype property -> literal of the range datatype).

The fourth artefact, ``cndkg.namespaces.CNDKG``, is compared with the ontology both ways in
``tests/test_graph.py::test_namespace_module_and_ontology_declare_the_same_terms`` and not repeated here.
Each helper is also run on a tiny hand-made graph with a known mistake, to show that it reports it.
Known gaps are rows marked ``xfail(strict=True)``: fixing one makes its row pass, and the suite asks for the mark
to go.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeGuard

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

import cndkg.graph.build
import cndkg.registry
from cndkg.graph import build_graph
from cndkg.namespaces import CNDKG
from cndkg.pipeline import run_pipeline
from cndkg.registry import Registry
from cndkg.resources import data_dir
from cndkg.validate import load_shapes
from cndkg.vocabulary import ontology_graph

CORPUS = Path(__file__).resolve().parent.parent / "corpus"  # the bundled sample corpus, as in conftest.py

NS = str(CNDKG._NS)
ONTOLOGY = ontology_graph()
SHAPES = load_shapes()
PROPERTY_KINDS = frozenset({OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty})
KINDS = frozenset({OWL.Class, *PROPERTY_KINDS})
# What a term's use in the shapes demands of its declaration.
EXPECTED = {
    "class": frozenset({OWL.Class}),
    "property": PROPERTY_KINDS,
    "object property": frozenset({OWL.ObjectProperty}),
    "datatype property": frozenset({OWL.DatatypeProperty}),
    "term": KINDS,
}
CLASS_KEYS = (SH.targetClass, SH["class"])
PROPERTY_KEYS = (SH.targetSubjectsOf, SH.targetObjectsOf, SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals)
PATH_KEYS = (SH.inversePath, SH.alternativePath, SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath)
PREFIXES = (
    "@prefix cndkg: <https://w3id.org/cndkg/ontology#> . @prefix sh: <http://www.w3.org/ns/shacl#> .\n"
    "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix ex: <https://example.org/> .\n"
)

# Classes the builder emits that need no NodeShape, each with the reason. Keep it empty unless a class truly
# carries nothing worth validating; a missing shape that should exist is a gap (an xfail row below), not this.
EXEMPT_FROM_SHAPES: dict[URIRef, str] = {}

# Known gaps, one xfail(strict=True) row each. The two the first run found (no Footnote shape; agendaTitle's
# range xsd:string against its language-tagged values) are fixed in the shapes and the ontology.
SHAPE_GAPS: dict[URIRef, str] = {}
USAGE_GAPS: dict[URIRef, str] = {}


def in_cndkg(term: Node) -> TypeGuard[URIRef]:
    """Return whether ``term`` is an IRI of the cndkg vocabulary namespace."""
    return isinstance(term, URIRef) and str(term).startswith(NS)


def local(term: Node) -> str:
    """Return the local name of a cndkg IRI (the row id of a table)."""
    return str(term).removeprefix(NS)


def rows(values: Iterable[URIRef], gaps: dict[URIRef, str]) -> list[Any]:
    """Return one pytest row per term, the known gaps marked xfail(strict=True)."""
    return [
        pytest.param(v, id=local(v), marks=[pytest.mark.xfail(strict=True, reason=gaps[v])] if v in gaps else [])
        for v in values
    ]


def qname(term: Node) -> str:
    """Return a term as the ontology's prefixes write it (cndkg:Session, xsd:integer)."""
    return term.n3(ONTOLOGY.namespace_manager)


def declared_kinds(term: URIRef) -> frozenset[Node]:
    """Return the OWL kinds (owl:Class, owl:ObjectProperty ...) the ontology declares ``term`` as."""
    return frozenset(ONTOLOGY.objects(term, RDF.type)) & KINDS


def declared(kind: URIRef) -> list[URIRef]:
    """Return the cndkg terms the ontology declares as ``kind``, sorted."""
    return sorted(t for t in ONTOLOGY.subjects(RDF.type, kind) if in_cndkg(t))


def superclasses(cls: Node) -> set[Node]:
    """Return ``cls`` and every class the ontology states it is a subclass of, transitively."""
    found, todo = {cls}, [cls]
    while todo:
        for parent in ONTOLOGY.objects(todo.pop(), RDFS.subClassOf):
            if parent not in found:
                found.add(parent)
                todo.append(parent)
    return found


@pytest.fixture(scope="module")
def corpus_graph(registry: Registry) -> Graph:
    """Return the graph of the bundled sample corpus, built as ``test_graph.corpus_graph`` builds it.

    Not imported from test_graph.py: its fixture is module-scoped, so it would be built again here anyway, and
    importing that module would make ``mypy --strict`` on this file check test_graph.py and conftest.py,
    which do not pass it.
    """
    graph: Graph = build_graph(run_pipeline([CORPUS], registry, root=CORPUS).settled, registry).graph
    return graph


# ---------------------------------------------------------------- 1. the shapes use declared terms


def path_properties(shapes: Graph, path: Node) -> Iterator[Node]:
    """Yield the properties a SHACL path goes through: a predicate, a sequence, inverse, alternative, repetition."""
    if isinstance(path, URIRef):
        yield path
    elif (path, RDF.first, None) in shapes:
        for step in Collection(shapes, path):
            yield from path_properties(shapes, step)
    else:
        for key in PATH_KEYS:
            for inner in shapes.objects(path, key):
                yield from path_properties(shapes, inner)


def value_kinds(shapes: Graph, shape: Node) -> set[str]:
    """Return the property kinds a property shape's value constraints imply (sh:datatype, sh:class, sh:nodeKind)."""
    kinds = {"datatype property"} if (shape, SH.datatype, None) in shapes else set()
    if (shape, SH["class"], None) in shapes:
        kinds.add("object property")
    for node_kind in shapes.objects(shape, SH.nodeKind):
        kinds.add("datatype property" if node_kind == SH.Literal else "object property")
    return kinds


def shape_uses(shapes: Graph) -> set[tuple[URIRef, str]]:
    """Return (cndkg term, role) for every use of a cndkg term in ``shapes``; "term" covers any position at all."""
    uses: set[tuple[Node, str]] = {(t, "term") for triple in shapes for t in triple}
    uses |= {(t, "class") for key in CLASS_KEYS for t in shapes.objects(None, key)}
    uses |= {(t, "property") for key in PROPERTY_KEYS for t in shapes.objects(None, key)}
    for shape, path in shapes.subject_objects(SH.path):
        uses |= {(p, "property") for p in path_properties(shapes, path)}
        if isinstance(path, URIRef):
            uses |= {(path, kind) for kind in value_kinds(shapes, shape)}
    return {(t, role) for t, role in uses if in_cndkg(t)}


def declaration_problem(term: URIRef, role: str) -> str | None:
    """Return why the ontology's declaration of ``term`` does not fit its use as ``role``, or None if it does."""
    kinds, used = declared_kinds(term), f"cndkg:{local(term)} is used as {'an' if role[0] in 'aeiou' else 'a'} {role}"
    if not kinds:
        return f"{used} but not declared in ontology/cndkg.ttl"
    if not kinds & EXPECTED[role]:
        return f"{used} but declared as {', '.join(sorted(qname(k) for k in kinds))}"
    return None


def shape_problems(shapes: Graph) -> list[str]:
    """Return every declaration problem of the cndkg terms ``shapes`` uses."""
    return [p for term, role in sorted(shape_uses(shapes)) if (p := declaration_problem(term, role))]


@pytest.mark.parametrize(("term", "role"), sorted(shape_uses(SHAPES)), ids=lambda v: local(v).replace(" ", "-"))
def test_every_cndkg_term_in_the_shapes_is_declared_with_the_kind_its_use_needs(term: URIRef, role: str) -> None:
    assert declaration_problem(term, role) is None


def test_the_shapes_table_sees_every_kind_of_use() -> None:
    uses = shape_uses(SHAPES)
    assert (CNDKG.Session, "class") in uses  # sh:targetClass and sh:class
    assert (CNDKG.endOffset, "property") in uses  # sh:path and sh:lessThan
    assert (CNDKG.position, "datatype property") in uses  # sh:datatype
    assert (CNDKG.target, "object property") in uses  # sh:nodeKind sh:IRI


BROKEN_SHAPES = [
    ("ex:S sh:targetClass cndkg:Missing .", "cndkg:Missing is used as a class but not declared"),
    ("ex:S sh:targetSubjectsOf cndkg:missing .", "cndkg:missing is used as a property"),
    ("ex:S sh:property [ sh:path cndkg:missing ] .", "cndkg:missing is used as a property"),
    ("ex:S sh:property [ sh:path [ sh:inversePath cndkg:missing ] ] .", "cndkg:missing is used as a property"),
    ("ex:S sh:property [ sh:path ( cndkg:session cndkg:missing ) ] .", "cndkg:missing is used as a property"),
    ("ex:S sh:property [ sh:path [ sh:alternativePath ( cndkg:text [ sh:zeroOrMorePath cndkg:missing ] ) ] ] .",
     "cndkg:missing is used as a property"),
    ("ex:S sh:property [ sh:path cndkg:year ; sh:lessThan cndkg:missing ] .", "cndkg:missing is used as a property"),
    ("ex:S sh:property [ sh:path cndkg:year ; sh:hasValue cndkg:missing ] .", "cndkg:missing is used as a term"),
    ("ex:S sh:targetClass cndkg:session .", "cndkg:session is used as a class but declared as owl:ObjectProperty"),
    ("ex:S sh:property [ sh:path cndkg:Session ] .", "cndkg:Session is used as a property but declared as owl:Class"),
    ("ex:S sh:property [ sh:path cndkg:session ; sh:datatype xsd:string ] .",
     "cndkg:session is used as a datatype property but declared as owl:ObjectProperty"),
    ("ex:S sh:property [ sh:path cndkg:year ; sh:class cndkg:Session ] .",
     "cndkg:year is used as an object property but declared as owl:DatatypeProperty"),
]  # fmt: skip


@pytest.mark.parametrize(("turtle", "expected"), BROKEN_SHAPES)
def test_the_shapes_check_reports_a_mistake(turtle: str, expected: str) -> None:
    shapes = Graph().parse(data=PREFIXES + turtle, format="turtle")
    assert any(expected in problem for problem in shape_problems(shapes)), shape_problems(shapes)


def test_the_shapes_check_passes_well_formed_shapes() -> None:
    turtle = "ex:S sh:targetClass cndkg:Session ; sh:property [ sh:path cndkg:year ; sh:datatype xsd:integer ] ."
    assert shape_problems(Graph().parse(data=PREFIXES + turtle, format="turtle")) == []


# ---------------------------------------------------------------- 2. every emitted class has a shape


def cndkg_attributes(path: Path) -> set[URIRef]:
    """Return the cndkg terms a Python module spells as ``CNDKG.<name>``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        URIRef(NS + node.attr)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "CNDKG"
    }


def emitted_classes() -> set[URIRef]:
    """Return the ontology classes the builder writes: in graph/build.py, registry.py, or the reference data."""
    modules = (Path(cndkg.graph.build.__file__), Path(cndkg.registry.__file__))
    named = set().union(*(cndkg_attributes(m) for m in modules))
    reference = Graph()
    for path in sorted((data_dir("ontology") / "reference").glob("*.ttl")):
        reference.parse(path, format="turtle")
    named |= {t for t in reference.objects(None, RDF.type) if isinstance(t, URIRef)}
    return named & set(declared(OWL.Class))


def unshaped(classes: Iterable[URIRef], shapes: Graph) -> set[URIRef]:
    """Return the classes no NodeShape targets, directly or through a superclass (sh:targetClass)."""
    targeted = set(shapes.objects(None, SH.targetClass))
    return {c for c in classes if not superclasses(c) & targeted}


@pytest.mark.parametrize("cls", rows(sorted(emitted_classes()), SHAPE_GAPS))
def test_every_class_the_builder_emits_has_a_shape(cls: URIRef) -> None:
    assert cls in EXEMPT_FROM_SHAPES or not unshaped([cls], SHAPES), f"no NodeShape targets cndkg:{local(cls)}"


def test_every_exemption_is_an_emitted_class_still_without_a_shape() -> None:
    assert set(EXEMPT_FROM_SHAPES) <= unshaped(emitted_classes(), SHAPES)


def test_the_emitted_classes_include_every_class_in_the_sample_graph(corpus_graph: Graph) -> None:
    in_graph = {t for t in corpus_graph.objects(None, RDF.type) if in_cndkg(t)}
    assert in_graph - emitted_classes() == set()
    assert {CNDKG.SubParagraph, CNDKG.Decision} <= emitted_classes()  # written by build.py, not in the sample


def test_the_shape_check_reports_a_class_without_a_shape() -> None:
    shapes = Graph().parse(data=PREFIXES + "ex:S sh:targetClass cndkg:Resolution .", format="turtle")
    assert unshaped([CNDKG.Resolution, CNDKG.Session], shapes) == {CNDKG.Session}


# ---------------------------------------------------------------- 3. the built graph uses declared terms as declared


def undeclared_terms(graph: Graph) -> set[URIRef]:
    """Return the cndkg IRIs ``graph`` uses in any position that the ontology does not declare."""
    return {t for triple in graph for t in triple if in_cndkg(t) and not declared_kinds(t)}


def literal_datatype(value: Literal) -> URIRef:
    """Return a literal's datatype as RDF 1.1 has it (xsd:string when plain, rdf:langString when tagged)."""
    if value.language:
        return RDF.langString
    return value.datatype if value.datatype is not None else XSD.string


def value_problem(graph: Graph, prop: URIRef, value: Node) -> str | None:
    """Return why ``value`` is not a value of ``prop`` as the ontology declares it, or None."""
    kinds, expected = declared_kinds(prop), ONTOLOGY.value(prop, RDFS.range)
    if OWL.ObjectProperty in kinds:
        if not isinstance(value, URIRef):
            return f"a literal or blank node ({type(value).__name__}), not an IRI"
        types = set().union(*(superclasses(t) for t in graph.objects(value, RDF.type)))
        if in_cndkg(expected) and expected not in types:
            return f"an IRI that is not a {qname(expected)} (range)"
    if OWL.DatatypeProperty in kinds:
        if not isinstance(value, Literal):
            return "an IRI or blank node, not a literal"
        if expected is not None and literal_datatype(value) != expected:
            return f"a {qname(literal_datatype(value))} literal, the range is {qname(expected)}"
    return None


def usage_problems(graph: Graph, prop: URIRef) -> list[str]:
    """Return how ``graph`` uses ``prop`` against its declaration, one line per kind of misuse, with an example."""
    found: dict[str, Node] = {}
    for subject, value in graph.subject_objects(prop):
        problem = value_problem(graph, prop, value)
        if problem:
            found.setdefault(problem, subject)
    return [f"cndkg:{local(prop)} has {problem}, e.g. on {subject}" for problem, subject in sorted(found.items())]


def test_every_cndkg_term_in_the_sample_graph_is_declared(corpus_graph: Graph) -> None:
    assert len(corpus_graph) > 1000, "the sample corpus graph is unexpectedly small"
    assert undeclared_terms(corpus_graph) == set()


PROPERTIES = sorted({*declared(OWL.ObjectProperty), *declared(OWL.DatatypeProperty), *declared(OWL.AnnotationProperty)})


@pytest.mark.parametrize("prop", rows(PROPERTIES, USAGE_GAPS))
def test_every_property_in_the_sample_graph_is_used_as_declared(prop: URIRef, corpus_graph: Graph) -> None:
    assert usage_problems(corpus_graph, prop) == []


def test_every_gap_names_a_row_of_its_table() -> None:
    assert set(SHAPE_GAPS) <= emitted_classes()
    assert set(USAGE_GAPS) <= set(PROPERTIES)


BROKEN_DATA = [
    ('ex:x cndkg:session "57" .', CNDKG.session, "a literal or blank node"),
    ("ex:x cndkg:session [] .", CNDKG.session, "a literal or blank node"),
    ("ex:x cndkg:dueSession ex:y . ex:y a cndkg:Body .", CNDKG.dueSession, "not a cndkg:Session"),
    ("ex:x cndkg:position ex:y .", CNDKG.position, "not a literal"),
    ('ex:x cndkg:position "3" .', CNDKG.position, "a xsd:string literal, the range is xsd:integer"),
    ('ex:x cndkg:agendaItem "6"@en .', CNDKG.agendaItem, "a rdf:langString literal, the range is xsd:string"),
    ('ex:x cndkg:truncated "1"^^xsd:integer .', CNDKG.truncated, "the range is xsd:boolean"),
]


@pytest.mark.parametrize(("turtle", "prop", "expected"), BROKEN_DATA)
def test_the_usage_check_reports_a_misused_property(turtle: str, prop: URIRef, expected: str) -> None:
    graph = Graph().parse(data=PREFIXES + turtle, format="turtle")
    assert any(expected in problem for problem in usage_problems(graph, prop)), usage_problems(graph, prop)


def test_the_usage_check_passes_a_well_used_property_and_reports_an_undeclared_one() -> None:
    turtle = "ex:x cndkg:dueSession ex:y ; cndkg:missing 1 . ex:y a cndkg:Session ; cndkg:sessionNumber 57 ."
    graph = Graph().parse(data=PREFIXES + turtle, format="turtle")
    assert usage_problems(graph, CNDKG.dueSession) == usage_problems(graph, CNDKG.sessionNumber) == []
    assert undeclared_terms(graph) == {URIRef(NS + "missing")}
    assert undeclared_terms(Graph().parse(data=PREFIXES + "ex:x a cndkg:Missing .", format="turtle")) == {
        URIRef(NS + "Missing")
    }
