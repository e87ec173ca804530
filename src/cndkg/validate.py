"""Stage 6, validate: the graph against ``shapes/`` with pySHACL, reported so a person can act.

Each violation names the entity, the rule in plain words (the shape's
``sh:message``), the offending value, the constraint, and the source
``file:line`` the entity came from (found through the graph's own provenance:
``cndkg:sourceLine`` and ``prov:wasDerivedFrom``). The standard
``sh:ValidationReport`` is kept too, for machines.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.term import Node

from cndkg.errors import BuildError
from cndkg.namespaces import CNDKG, DCTERMS, ELI, PREFIXES, PROV, RDF, SH
from cndkg.resources import data_dir


@dataclass(frozen=True, slots=True)
class Violation:
    """One SHACL result in the terms a person needs."""

    focus: str
    path: str
    value: str
    message: str
    component: str
    severity: str
    source: str
    line: int

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.source else "(reference data)"
        value = f" (value: {self.value})" if self.value else ""
        return f"{where}: {self.severity}: {self.focus}: {self.message}{value} [{self.path}; {self.component}]"


@dataclass
class ValidationOutcome:
    """Whether the graph conforms, its violations, and the standard report graph."""

    conforms: bool
    violations: list[Violation]
    report: Graph
    keys: frozenset[tuple[str, str, str, str, str, str]] = frozenset()
    """The fast validator's violations as (focus, path, component, value, message, shape): what a rebuild keeps
    for the nodes it does not check again (:mod:`cndkg.revalidate`); empty from pySHACL."""


def load_shapes(folder: Path | None = None) -> Graph:
    """Load every ``*.ttl`` in the shapes folder (default: the packaged ``shapes/``).

    Raises BuildError naming the file when a shapes file does not parse.
    """
    return read_shapes(folder)[0]


def read_shapes(folder: Path | None = None) -> tuple[Graph, str]:
    """Load the shapes as :func:`load_shapes` does; return them with a digest of the files' places and bytes."""
    graph = Graph()
    digest = hashlib.sha256()
    for path in sorted((folder or data_dir("shapes")).glob("*.ttl")):
        try:
            data = path.read_bytes()
            graph.parse(data=data, format="turtle", publicID=path.resolve().as_uri())
        except Exception as error:  # rdflib raises many parser error types
            raise BuildError(f"{path.name}: shapes file does not parse: {error}") from None
        # The file's place too: relative IRIs in a shapes file resolve against it.
        digest.update(f"{path.resolve().as_uri()}\0{len(data)}\0".encode())
        digest.update(data)
    if len(graph) == 0:
        raise BuildError("no SHACL shapes found")
    return graph, digest.hexdigest()


def check_shapes(shapes: Graph, remember: Path | None = None, source_digest: str | None = None) -> None:
    """Check the shapes themselves against SHACL's own shapes (meta-SHACL); raise BuildError if malformed.

    Shapes that passed are remembered by a digest (and pySHACL's version): in
    this process, and as an empty file under ``remember`` when given (the
    build's cache folder), so a rebuild with the same shapes does not check
    them again (about a second of every build). The digest is the shapes
    files' (``source_digest``, from :func:`read_shapes`), or else one
    of their triples with blank nodes canonically labelled (a fresh parse of
    the same files names its blank nodes anew), which costs a few tenths of a
    second more.
    """
    from pyshacl import __version__ as pyshacl_version
    from pyshacl import validate
    from pyshacl.errors import ReportableRuntimeError, ShapeLoadError
    from rdflib.compare import to_canonical_graph

    if source_digest is not None:
        content = ["files", source_digest]
    else:
        content = ["triples", *sorted(f"{s.n3()} {p.n3()} {o.n3()}" for s, p, o in to_canonical_graph(shapes))]
    digest = hashlib.sha256("\n".join([pyshacl_version, *content]).encode("utf-8")).hexdigest()
    marker = remember / "shapes-checked" / digest if remember is not None else None
    if digest in _CHECKED_SHAPES or (marker is not None and marker.exists()):
        return
    try:
        # A copy: pySHACL adds triples to the shapes graph it is given.
        validate(Graph(), shacl_graph=Graph() + shapes, meta_shacl=True, inference="none")
    except (ShapeLoadError, ReportableRuntimeError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise BuildError(f"the SHACL shapes are malformed: {first_line}") from None
    _CHECKED_SHAPES.add(digest)
    if marker is not None:
        try:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
        except OSError:
            pass  # a cache that cannot be written only costs the check next time


_CHECKED_SHAPES: set[str] = set()


def validate_graph(data: Graph, shapes: Graph | None = None) -> ValidationOutcome:
    """Validate a graph with pySHACL.

    Takes the data graph and the shapes (default: the packaged shapes). Returns
    the outcome with violations sorted by source file, line and focus node.
    """
    from pyshacl import validate
    from pyshacl.errors import ReportableRuntimeError, ShapeLoadError

    try:
        conforms, report, _ = validate(
            data,
            shacl_graph=shapes if shapes is not None else load_shapes(),
            inference="none",
            abort_on_first=False,
            allow_warnings=True,
            advanced=True,
        )
    except (ShapeLoadError, ReportableRuntimeError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise BuildError(f"the SHACL shapes are malformed: {first_line}") from None
    assert isinstance(report, Graph)
    for prefix, namespace in PREFIXES.items():
        report.bind(prefix, namespace)
    top_level = [r for node in report.subjects(RDF.type, SH.ValidationReport) for r in report.objects(node, SH.result)]
    violations = sorted(
        (_violation(data, report, result) for result in top_level),
        key=lambda v: (v.source, v.line, v.focus, v.path, v.message, v.value),
    )
    return ValidationOutcome(bool(conforms), violations, report)


def _violation(data: Graph, report: Graph, result: Node) -> Violation:
    """Turn one ``sh:ValidationResult`` into a :class:`Violation`."""
    focus = report.value(result, SH.focusNode)
    path = report.value(result, SH.resultPath)
    value = report.value(result, SH.value)
    message = report.value(result, SH.resultMessage)
    component = report.value(result, SH.sourceConstraintComponent)
    severity = report.value(result, SH.resultSeverity)
    source, line = locate(data, focus) if focus is not None else ("", 0)
    return Violation(
        focus=short(focus),
        path=short(path),
        value=str(value) if value is not None else "",
        message=str(message) if message is not None else "constraint not met",
        component=short(component).replace("sh:", "").replace("ConstraintComponent", ""),
        severity=short(severity).replace("sh:", "").lower() or "violation",
        source=source,
        line=line,
    )


def locate(data: Graph, node: Node, depth: int = 0) -> tuple[str, int]:
    """Return the source file and line an entity came from, or ("", 0) if it has none.

    Looks at the node's own ``cndkg:sourceLine`` and source file, then follows
    ``eli:is_part_of``, ``cndkg:mandatedBy``, ``cndkg:citingParagraph`` and
    ``prov:wasDerivedFrom`` (a stub learned from a citing paragraph) up to the
    resolution whose ``prov:wasDerivedFrom`` names the file.
    """
    if depth > 4 or not isinstance(node, URIRef):
        return "", 0
    lines = sorted(int(str(v)) for v in data.objects(node, CNDKG.sourceLine) if str(v).lstrip("-").isdigit())
    line_value = lines[0] if lines else None
    files = sorted(data.objects(node, CNDKG.sourceFile), key=str)
    if not files:
        files = sorted(
            (d for d in data.objects(node, PROV.wasDerivedFrom) if (d, RDF.type, CNDKG.SourceFile) in data), key=str
        )
    source = files[0] if files else None
    line = int(str(line_value)) if line_value is not None else 0
    if source is not None and line:
        return _source_name(data, source), line
    for link in (ELI.is_part_of, CNDKG.mandatedBy, CNDKG.citingParagraph, PROV.wasDerivedFrom, CNDKG.target):
        for parent in data.objects(node, link):
            if parent == node:
                continue
            found_source, found_line = locate(data, parent, depth + 1)
            if found_source:
                return found_source, line or found_line
    if source is not None:
        return _source_name(data, source), line
    for citation in data.subjects(CNDKG.target, node):
        return locate(data, citation, depth + 1)
    return "", 0


def _source_name(data: Graph, source: Node) -> str:
    """Return a source file's name as recorded in the graph."""
    name = data.value(source, DCTERMS.identifier)
    return str(name) if name is not None else str(source)


def short(node: Node | None) -> str:
    """Return an IRI with a known prefix as ``prefix:local``; other values as text."""
    if node is None:
        return ""
    text = str(node)
    for prefix, namespace in PREFIXES.items():
        if text.startswith(namespace):
            return f"{prefix}:{text[len(namespace) :]}"
    return text


def format_report(outcome: ValidationOutcome, limit: int = 200) -> str:
    """Return the human report: one line per violation (at most ``limit``) and a summary line."""
    lines = [str(v) for v in outcome.violations[:limit]]
    if len(outcome.violations) > limit:
        lines.append(f"... and {len(outcome.violations) - limit} more (see the Turtle report)")
    verdict = "conforms" if outcome.conforms else f"does not conform: {len(outcome.violations)} violation(s)"
    lines.append(f"SHACL: the graph {verdict}")
    return "\n".join(lines)


locate_in = locate
