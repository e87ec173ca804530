"""The bulk SHACL pass: the shapes compiled to SPARQL and run on Oxigraph.

pySHACL stays the reference (``cndkg validate`` uses it, and a test proves
this fast path reports exactly the violations pySHACL reports on a graph
seeded with violations of every shape). This compiler covers the SHACL Core
subset the project's shapes use: ``sh:targetClass`` and ``sh:targetSubjectsOf``;
property shapes on predicate paths with ``sh:minCount``, ``sh:maxCount`` (1),
``sh:datatype``, ``sh:pattern``, ``sh:class``, ``sh:nodeKind``,
``sh:minInclusive``/``sh:maxInclusive``, ``sh:minLength``, ``sh:lessThan``,
``sh:node`` and ``sh:or``; and node-level ``sh:or``. Anything else raises
:class:`Unsupported`, so a new kind of constraint cannot be skipped silently.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from cndkg.errors import BuildError
from cndkg.forking import fork_map, workers_for
from cndkg.namespaces import RDF, SH, XSD
from cndkg.validate import ValidationOutcome, Violation, locate_in, short

_CASTS = {
    str(XSD.integer): "xsd:integer",
    str(XSD.date): "xsd:date",
    str(XSD.boolean): "xsd:boolean",
    str(XSD.decimal): "xsd:decimal",
    str(XSD.dateTime): "xsd:dateTime",
}
_PREFIX = "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
_HANDLED = {
    SH.path,
    SH.message,
    SH.minCount,
    SH.maxCount,
    SH.datatype,
    SH.pattern,
    SH["class"],
    SH.nodeKind,
    SH.minInclusive,
    SH.maxInclusive,
    SH.minLength,
    SH.lessThan,
    SH.node,
    SH["or"],
    SH.targetClass,
    SH.targetSubjectsOf,
    SH.property,
    RDF.type,
    SH.name,
    SH.description,
    SH.severity,
}


class Unsupported(BuildError):
    """A shape uses SHACL the fast path does not compile (use the pySHACL reference instead)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"the fast validator does not compile {what}; build with validator='pyshacl'")


@dataclass(frozen=True, slots=True)
class Check:
    """Compiled constraints of one shape and path: a query whose rows are (focus, value) violations.

    With one component every row violates it; with several, the query binds a
    flag ``?c0``, ``?c1`` ... per component and a row violates those whose flag
    is true, so all value constraints on one path cost a single scan.
    """

    shape: str
    path: str
    components: tuple[str, ...]
    message: str
    template: str
    target: Target

    @property
    def query(self) -> str:
        """Return the check's query over every focus node of its shape."""
        return self.template.replace(_TARGET, self.target.pattern())

    def query_for(self, focus: str) -> str:
        """Return the check's query over those of the focus nodes in ``focus`` (a SPARQL ``VALUES`` body)."""
        return self.template.replace(_TARGET, self.target.pattern(focus))

    def violated(self, row: ox.QuerySolution) -> list[str]:
        """Return the components a result row violates."""
        if len(self.components) == 1:
            return list(self.components)
        return [c for index, c in enumerate(self.components) if _is_true(row[f"c{index}"])]


_TARGET = "\x00target\x00"
"""Where a check's query template takes its target pattern."""


@dataclass(frozen=True, slots=True)
class Target:
    """A shape's targets as a group pattern binding ``?focus``, optionally only to given nodes."""

    patterns: tuple[str, ...]
    distinct: bool

    def pattern(self, focus: str | None = None) -> str:
        """Return the group pattern; with ``focus`` (a ``VALUES`` body), only those nodes are bound."""
        values = f"VALUES ?focus {{ {focus} }} " if focus is not None else ""
        union = " UNION ".join(self.patterns)
        if not self.distinct:
            # No DISTINCT over classes: a node with two target classes gives the same violation twice, and
            # violations are a set; materialising the distinct focus nodes doubled the cost of every check.
            return "{ " + values + union + " }"
        return "{ SELECT DISTINCT ?focus WHERE { " + values + union + " } }"


def _is_true(term: object) -> bool:
    """Return whether a flag was bound to true (an unbound flag, from an error, is not a violation)."""
    return isinstance(term, ox.Literal) and term.value == "true"


def _flagged(expressions: list[tuple[str, str]]) -> tuple[tuple[str, ...], str, str]:
    """Return (components, flag variables, pattern) testing several violation expressions in one pass."""
    components = tuple(component for component, _ in expressions)
    if len(expressions) == 1:
        return components, "", f"FILTER({expressions[0][1]})"
    binds = " ".join(f"BIND(({expression}) AS ?c{i})" for i, (_, expression) in enumerate(expressions))
    flags = " ".join(f"?c{i}" for i in range(len(expressions)))
    either = " || ".join(f"COALESCE(?c{i}, false)" for i in range(len(expressions)))
    return components, flags, f"{binds} FILTER({either})"


def _term(node: Node) -> str:
    """Return an rdflib term as SPARQL text."""
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        return node.n3()
    raise Unsupported(f"blank node {node!r} where an IRI or literal is needed")


def _value_violation(shapes: Graph, shape: Node, variable: str) -> list[tuple[str, str]]:
    """Return (component, FILTER expression true when ``variable`` violates) for a shape's value constraints."""
    v = variable
    found: list[tuple[str, str]] = []
    for datatype in shapes.objects(shape, SH.datatype):
        well_formed = f'COALESCE(STR({_CASTS[str(datatype)]}({v})) != "", false)' if str(datatype) in _CASTS else "true"
        found.append(("Datatype", f"!(isLiteral({v}) && DATATYPE({v}) = {_term(datatype)} && {well_formed})"))
    for pattern in shapes.objects(shape, SH.pattern):
        found.append(("Pattern", f"(isBlank({v}) || !REGEX(STR({v}), {Literal(str(pattern)).n3()}))"))
    for cls in shapes.objects(shape, SH["class"]):
        found.append(("Class", f"NOT EXISTS {{ {v} a {_term(cls)} }}"))
    for kind in shapes.objects(shape, SH.nodeKind):
        tests = {str(SH.IRI): f"isIRI({v})", str(SH.Literal): f"isLiteral({v})", str(SH.BlankNode): f"isBlank({v})"}
        if str(kind) not in tests:
            raise Unsupported(f"sh:nodeKind {kind}")
        found.append(("NodeKind", f"!{tests[str(kind)]}"))
    for bound, operator, name in ((SH.minInclusive, ">=", "MinInclusive"), (SH.maxInclusive, "<=", "MaxInclusive")):
        for limit in shapes.objects(shape, bound):
            found.append((name, f"!COALESCE({v} {operator} {_term(limit)}, false)"))
    for length in shapes.objects(shape, SH.minLength):
        found.append(("MinLength", f"(isBlank({v}) || STRLEN(STR({v})) < {int(str(length))})"))
    for node_shape in shapes.objects(shape, SH.node):
        found.append(("Node", _violates_shape(shapes, node_shape, v)))
    for alternatives in shapes.objects(shape, SH["or"]):
        members = list(Collection(shapes, alternatives))
        found.append(("Or", "(" + " && ".join(_violates_shape(shapes, m, v) for m in members) + ")"))
    return found


def _violates_shape(shapes: Graph, shape: Node, variable: str) -> str:
    """Return an expression true when ``variable`` does not conform to ``shape`` (node constraints + properties)."""
    parts = [expression for _, expression in _value_violation(shapes, shape, variable)]
    path = shapes.value(shape, SH.path)
    if path is not None:
        parts.extend(_property_violation(shapes, shape, variable, path))
    for property_shape in shapes.objects(shape, SH.property):
        parts.extend(_property_violation(shapes, property_shape, variable, _path(shapes, property_shape)))
    return "(" + " || ".join(parts or ["false"]) + ")"


def _property_violation(shapes: Graph, shape: Node, variable: str, path: Node) -> list[str]:
    """Return expressions true when ``variable`` violates one property shape's constraints."""
    predicate = _term(path)
    out = []
    for count in shapes.objects(shape, SH.minCount):
        if int(str(count)) > 1:
            raise Unsupported("sh:minCount above 1 inside sh:node or sh:or")
        if int(str(count)) == 1:
            out.append(f"NOT EXISTS {{ {variable} {predicate} ?_any }}")
    for count in shapes.objects(shape, SH.maxCount):
        if int(str(count)) == 0:
            out.append(f"EXISTS {{ {variable} {predicate} ?_any }}")
        elif int(str(count)) == 1:
            out.append(f"EXISTS {{ {variable} {predicate} ?_a , ?_b FILTER(?_a != ?_b) }}")
        else:
            raise Unsupported("sh:maxCount above 1 inside sh:node or sh:or")
    for _, expression in _value_violation(shapes, shape, "?_w"):
        out.append(f"EXISTS {{ {variable} {predicate} ?_w FILTER({expression}) }}")
    return out


def _path(shapes: Graph, shape: Node) -> URIRef:
    """Return a property shape's predicate path; raise Unsupported for complex paths."""
    path = shapes.value(shape, SH.path)
    if not isinstance(path, URIRef):
        raise Unsupported(f"only predicate paths are compiled, not {path!r}")
    return path


def _targets(shapes: Graph, shape: Node) -> Target | None:
    """Return the shape's targets (a pattern binding ``?focus`` to its focus nodes), or None if it has none."""
    patterns = [f"{{ ?focus a {_term(c)} }}" for c in sorted(shapes.objects(shape, SH.targetClass), key=str)]
    patterns += [f"{{ ?focus {_term(p)} ?_t }}" for p in sorted(shapes.objects(shape, SH.targetSubjectsOf), key=str)]
    if not patterns:
        return None
    return Target(tuple(patterns), any("?_t" in p for p in patterns))


def compile_shapes(shapes: Graph) -> list[Check]:
    """Compile every targeted node shape into SPARQL checks; raise Unsupported for what is not covered."""
    checks: list[Check] = []
    for shape in sorted(set(shapes.subjects(RDF.type, SH.NodeShape)), key=str):
        target = _targets(shapes, shape)
        if target is None:
            continue
        for predicate in set(shapes.predicates(shape)) - _HANDLED:
            raise Unsupported(f"{short(shape)} uses {short(predicate)}")
        message = str(shapes.value(shape, SH.message) or "")
        expressions = _value_violation(shapes, shape, "?focus")
        if expressions:
            components, flags, test = _flagged(expressions)
            query = f"SELECT ?focus (?focus AS ?value) {flags} WHERE {{ {_TARGET} {test} }}"
            checks.append(Check(str(shape), "", components, message, query, target))
        for property_shape in sorted(shapes.objects(shape, SH.property), key=str):
            checks.extend(_property_checks(shapes, shape, property_shape, target))
    return checks


def _property_checks(shapes: Graph, shape: Node, property_shape: Node, targets: Target) -> list[Check]:
    """Return the checks of one property shape of a targeted node shape."""
    path = _path(shapes, property_shape)
    predicate = _term(path)
    message = str(shapes.value(property_shape, SH.message) or "")
    for name in set(shapes.predicates(property_shape)) - _HANDLED:
        raise Unsupported(f"property shape of {short(shape)} uses {short(name)}")
    checks = []
    target = _TARGET

    def add(component: str | tuple[str, ...], query: str) -> None:
        components = component if isinstance(component, tuple) else (component,)
        checks.append(Check(str(shape), str(path), components, message, query, targets))

    for count in shapes.objects(property_shape, SH.minCount):
        if int(str(count)) == 1:
            add("MinCount", f"SELECT ?focus WHERE {{ {target} FILTER NOT EXISTS {{ ?focus {predicate} ?_v }} }}")
            continue
        add(
            "MinCount",
            f"SELECT ?focus WHERE {{ {{ SELECT ?focus (COUNT(DISTINCT ?v) AS ?n) WHERE {{ {target} "
            f"OPTIONAL {{ ?focus {predicate} ?v }} }} GROUP BY ?focus }} FILTER(?n < {int(str(count))}) }}",
        )
    for count in shapes.objects(property_shape, SH.maxCount):
        if int(str(count)) == 1:
            add(
                "MaxCount",
                f"SELECT DISTINCT ?focus WHERE {{ {target} ?focus {predicate} ?_a , ?_b FILTER(?_a != ?_b) }}",
            )
            continue
        add(
            "MaxCount",
            f"SELECT ?focus WHERE {{ {{ SELECT ?focus (COUNT(DISTINCT ?v) AS ?n) WHERE {{ {target} "
            f"?focus {predicate} ?v }} GROUP BY ?focus }} FILTER(?n > {int(str(count))}) }}",
        )
    expressions = _value_violation(shapes, property_shape, "?value")
    if expressions:
        components, flags, test = _flagged(expressions)
        add(components, f"SELECT DISTINCT ?focus ?value {flags} WHERE {{ {target} ?focus {predicate} ?value {test} }}")
    for other in shapes.objects(property_shape, SH.lessThan):
        add(
            "LessThan",
            f"SELECT DISTINCT ?focus ?value WHERE {{ {target} ?focus {predicate} ?value . "
            f"?focus {_term(other)} ?other FILTER(!COALESCE(?value < ?other, false)) }}",
        )
    return checks


SECONDS_PER_TRIPLE = 5e-6
"""About what all the checks take per triple of the store (2.3 s for 425,000 triples at 1,000 texts): with
the worker policy's threshold, the checks run on the pool from about 200,000 triples."""

Found = tuple[str, str, str, str, str, str]


def validate_store(
    store: ox.Store,
    shapes: Graph,
    base: str,
    focus: AbstractSet[str] | None = None,
    kept: Iterable[Found] = (),
) -> ValidationOutcome:
    """Validate an Oxigraph store with the compiled shapes.

    Takes the store, the shapes and the dataset's base (for the report's IRIs);
    a large store's checks run on the worker pool (:mod:`cndkg.forking`).
    With ``focus`` (IRIs), only those nodes are checked, and ``kept`` holds the
    violations of every other node (a rebuild's: see :mod:`cndkg.delta`).
    Returns the outcome: violations located at their source file:line, and a
    standard ``sh:ValidationReport`` whose results have stable IRIs.
    """
    checks = compile_shapes(shapes)
    found: set[Found] = set(kept)
    if focus is None:
        workers = workers_for(len(checks), len(store) * SECONDS_PER_TRIPLE / max(1, len(checks)))
        found = found.union(*fork_map(run_check, store, checks, workers))
    elif focus:
        values = " ".join(f"<{iri}>" for iri in sorted(focus))
        for check in checks:
            found |= run_check(store, check, check.query_for(values))
    return _outcome(store, found, base)


def _outcome(store: ox.Store, found: set[Found], base: str) -> ValidationOutcome:
    """Return the validation outcome of a set of violations: located in the sources, and as a report graph."""
    view = _StoreView(store)
    violations = []
    for focus, path, component, value, message, _shape in sorted(found):
        source, line = locate_in(view, URIRef(focus))  # type: ignore[arg-type]
        violations.append(
            Violation(
                short(URIRef(focus)),
                short(URIRef(path)) if path else "",
                value,
                message,
                component,
                "violation",
                source,
                line,
            )
        )
    violations.sort(key=lambda v: (v.source, v.line, v.focus, v.path, v.message, v.value))
    return ValidationOutcome(not found, violations, _report(sorted(found), base), frozenset(found))


def run_check(store: ox.Store, check: Check, query: str | None = None) -> set[Found]:
    """Run one compiled check (or ``query``, the same check over fewer focus nodes).

    Returns its violations as (focus, path, component, value, message, shape).
    """
    found: set[Found] = set()
    solutions = store.query(_PREFIX + (query or check.query))
    has_value = "value" in [v.value for v in solutions.variables]  # type: ignore[union-attr]
    for row in solutions:  # type: ignore[union-attr]
        value = row["value"] if has_value else None
        for component in check.violated(row):
            found.add((_text(row["focus"]), check.path, component, _text(value), check.message, check.shape))
    return found


def reach(shapes: Graph) -> int:
    """Return how many links away from a focus node the checks read (0: only the node's own triples).

    A check reads the triples of the node it checks and, for ``sh:class``,
    ``sh:node`` and ``sh:or`` on the values of a path, the triples of those
    values, and so on down nested shapes. A node whose checks could change is
    one at most this many links before a node whose triples changed.
    """
    targeted = {s for s in shapes.subjects(RDF.type, SH.NodeShape) if _targets(shapes, s) is not None}
    return max((_node_reach(shapes, shape, frozenset()) for shape in targeted), default=0)


_UNBOUNDED = 1_000
"""The reach of recursive shapes: every node may matter."""


def _node_reach(shapes: Graph, shape: Node, seen: frozenset[Node]) -> int:
    """Return the reach of ``shape`` applied to a node (a property shape: to the node holding the path)."""
    if shape in seen:
        return _UNBOUNDED
    seen = seen | {shape}
    if shapes.value(shape, SH.path) is not None:
        return _values_reach(shapes, shape, seen)
    nested = [*shapes.objects(shape, SH.node)]
    nested += [m for alternatives in shapes.objects(shape, SH["or"]) for m in Collection(shapes, alternatives)]
    depths = [_node_reach(shapes, member, seen) for member in nested]
    depths += [_values_reach(shapes, prop, seen) for prop in shapes.objects(shape, SH.property)]
    return max(depths, default=0)


def _values_reach(shapes: Graph, prop: Node, seen: frozenset[Node]) -> int:
    """Return the reach of a property shape: one link more than its value shapes', if any reads the values."""
    reads_values = any(shapes.value(prop, key) is not None for key in (SH["class"], SH.node, SH["or"]))
    if not reads_values:
        return 0
    nested = [*shapes.objects(prop, SH.node)]
    nested += [m for alternatives in shapes.objects(prop, SH["or"]) for m in Collection(shapes, alternatives)]
    return 1 + max((_node_reach(shapes, member, seen) for member in nested), default=0)


def _text(term: object) -> str:
    """Return a result term's value as text ('' for none)."""
    if term is None:
        return ""
    return str(getattr(term, "value", term))


def _report(found: list[Found], base: str) -> Graph:
    """Return the standard SHACL report of the violations, with ``#result-N`` IRIs."""
    report = Graph()
    node = URIRef(f"{base}shacl-report.ttl#report")
    report.add((node, RDF.type, SH.ValidationReport))
    report.add((node, SH.conforms, Literal(not found)))
    for index, (focus, path, component, value, message, shape) in enumerate(found, start=1):
        result = URIRef(f"{base}shacl-report.ttl#result-{index}")
        report.add((node, SH.result, result))
        report.add((result, RDF.type, SH.ValidationResult))
        report.add((result, SH.focusNode, URIRef(focus)))
        report.add((result, SH.resultSeverity, SH.Violation))
        report.add((result, SH.sourceConstraintComponent, SH[f"{component}ConstraintComponent"]))
        if not shape.startswith("_:"):
            report.add((result, SH.sourceShape, URIRef(shape)))
        if path:
            report.add((result, SH.resultPath, URIRef(path)))
        if value:
            report.add(
                (
                    result,
                    SH.value,
                    URIRef(value) if value.startswith(("http://", "https://", "urn:")) else Literal(value),
                )
            )
        if message:
            report.add((result, SH.resultMessage, Literal(message)))
    return report


class _StoreView:
    """Just enough of rdflib's Graph API over an Oxigraph store for :func:`locate_in`."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def objects(self, subject: Node, predicate: Node) -> list[Node]:
        quads = self.store.quads_for_pattern(ox.NamedNode(str(subject)), ox.NamedNode(str(predicate)), None)
        return [_to_rdflib(q.object) for q in quads]

    def value(self, subject: Node, predicate: Node) -> Node | None:
        found = self.objects(subject, predicate)
        return found[0] if found else None

    def subjects(self, predicate: Node, obj: Node) -> list[Node]:
        quads = self.store.quads_for_pattern(None, ox.NamedNode(str(predicate)), ox.NamedNode(str(obj)))
        return [_to_rdflib(q.subject) for q in quads]

    def __contains__(self, triple: tuple[Node, Node, Node]) -> bool:
        s, p, o = (ox.NamedNode(str(t)) for t in triple)
        return any(True for _ in self.store.quads_for_pattern(s, p, o))


def _to_rdflib(term: object) -> Node:
    """Return a pyoxigraph term as an rdflib term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        return Literal(term.value, lang=term.language, datatype=None if term.language else URIRef(term.datatype.value))
    return BNode(str(term))
