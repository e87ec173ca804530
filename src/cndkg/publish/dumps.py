"""The whole graph as sorted Turtle, N-Triples and JSON-LD, byte-identical for the same input.

rdflib stays the graph API; the bytes are written by Oxigraph's serializers
(pyoxigraph), fed the triples in sorted order: far faster than rdflib's
pure-Python serializers and deterministic by construction. The JSON-LD
``@context`` is inlined (the prefixes), so no remote context is ever fetched.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from cndkg.forking import default_jobs, fork_map
from cndkg.iris import Minter
from cndkg.namespaces import PREFIXES, RDF, XSD

DUMP_FORMATS = {
    "cndkg.ttl": (ox.RdfFormat.TURTLE, "text/turtle"),
    "cndkg.nt": (ox.RdfFormat.N_TRIPLES, "application/n-triples"),
    "cndkg.jsonld": (ox.RdfFormat.JSON_LD, "application/ld+json"),
}
_RDF_TYPE = str(RDF.type)
_XSD_STRING = str(XSD.string)


def to_oxigraph_term(node: Node) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    """Return an rdflib term as the pyoxigraph term with the same value."""
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        if node.datatype:
            return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
        return ox.Literal(str(node))
    if isinstance(node, BNode):
        return ox.BlankNode(str(node))
    raise TypeError(f"cannot convert {node!r}")


def sorted_triples(graph: Graph | Iterable[tuple[Node, Node, Node]]) -> list[ox.Triple]:
    """Return a graph's triples as pyoxigraph triples in canonical N-Triples order."""
    converted = [
        ox.Triple(to_oxigraph_term(s), to_oxigraph_term(p), to_oxigraph_term(o))  # type: ignore[arg-type]
        for s, p, o in graph
    ]
    converted.sort(key=str)
    return converted


def _sorted_lines(store: ox.Store, chunk: int = 100_000) -> Iterator[bytes]:
    """Yield a store's default graph as canonical N-Triples, sorted, in blocks of ``chunk`` lines.

    The portable path, for machines without GNU sort: it holds the serialized
    graph and then its lines in memory (about twice the dump's size at the
    peak, released when done).
    """
    data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    assert data is not None
    lines = data.split(b"\n")
    del data
    lines.sort()
    start = 1 if lines and not lines[0] else 0  # the empty piece after the final newline sorts first
    for index in range(start, len(lines), chunk):
        yield b"\n".join(lines[index : index + chunk]) + b"\n"


SORT_BUFFER = "256M"
"""The memory GNU sort may use before it spills sorted runs to temporary files."""


@functools.lru_cache(maxsize=1)
def gnu_sort() -> str | None:
    """Return the path of GNU sort (coreutils) if this machine has it, else None."""
    found = shutil.which("sort")
    if found is None:
        return None
    try:
        version = subprocess.run([found, "--version"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return found if "GNU coreutils" in version.stdout else None


def write_sorted_ntriples(store: ox.Store, target: Path, jobs: int = 1, sorter: str | None = None) -> None:
    """Write a store's default graph to ``target`` as N-Triples lines sorted bytewise.

    Takes the store, the file to write, how many threads the sort may use and
    the GNU sort to pipe the lines through (None: the in-memory Python sort).
    GNU sort keeps its memory bounded (``SORT_BUFFER``, then temporary files
    beside ``target``), where sorting in Python held the graph's text twice
    over: at 10,000 resolutions that was 1.5 GiB on top of the store. Both
    paths write the same bytes (``LC_ALL=C`` compares bytes, as Python does).
    Raises OSError when the sort fails.
    """
    if sorter is None:
        with open(target, "wb") as out:
            for block in _sorted_lines(store):
                out.write(block)
        return
    command = [sorter, "-S", SORT_BUFFER, f"--parallel={max(1, jobs)}", "-T", str(target.parent), "-o", str(target)]
    environment = {**os.environ, "LC_ALL": "C"}
    failure: OSError | None = None
    with subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE, env=environment) as sorting:
        assert sorting.stdin is not None and sorting.stderr is not None
        try:
            store.dump(sorting.stdin, format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
            sorting.stdin.close()
        except OSError as error:  # sort stopped reading (a full disk?): its status and message say why
            failure = error
        problem = sorting.stderr.read().decode("utf-8", "replace").strip()
    if sorting.returncode != 0 or failure is not None:
        reason = problem or str(failure)
        raise OSError(f"{target}: sorting the N-Triples failed ({sorter} exited {sorting.returncode}): {reason}")


def serialize(triples: Iterable[ox.Triple], rdf_format: ox.RdfFormat, base: str | None = None) -> bytes:
    """Return sorted triples serialized in ``rdf_format`` with the project's prefixes.

    JSON-LD is written by :func:`compact_jsonld` (with an inlined ``@context``);
    Turtle and N-Triples by Oxigraph.
    """
    if rdf_format == ox.RdfFormat.JSON_LD:
        return compact_jsonld(triples, base)
    prefixes = dict(PREFIXES) if rdf_format == ox.RdfFormat.TURTLE else None
    data = ox.serialize(triples, format=rdf_format, prefixes=prefixes)
    assert data is not None
    return data


def jsonld_context(base: str | None) -> dict[str, str]:
    """Return the inlined JSON-LD context: the project's prefixes plus ``id:`` for the dataset's base."""
    context = dict(sorted(PREFIXES.items()))
    if base:
        context["id"] = Minter(base).identifier_space
    return context


def compact_jsonld(triples: Iterable[ox.Triple], base: str | None = None) -> bytes:
    """Return sorted triples as compact JSON-LD: ``{"@context": {...}, "@graph": [...]}``.

    Subjects appear in sorted order with their properties sorted; IRIs are
    written as compact IRIs (``eli:cites``) that the inlined context expands, so
    a JSON-LD processor needs nothing from the network. Deterministic bytes.
    """
    return "".join(_jsonld_pieces(triples, base)).encode("utf-8")


def _jsonld_pieces(triples: Iterable[ox.Triple], base: str | None) -> Iterator[str]:
    """Yield compact JSON-LD text for sorted triples, one node object at a time (see compact_jsonld)."""
    yield _jsonld_open(base)
    separator = ""
    for _, node in _jsonld_nodes(triples, base):
        yield separator + node
        separator = ",\n"
    yield _JSONLD_CLOSE


_JSONLD_CLOSE = "\n]}\n"


@functools.lru_cache(maxsize=4)
def _jsonld_open(base: str | None) -> str:
    """Return the text before the first node object: the inlined context and the opening of ``@graph``."""
    head = json.dumps({"@context": jsonld_context(base)}, ensure_ascii=False, sort_keys=True)[:-1]
    return head + ', "@graph": [\n'


def _jsonld_nodes(triples: Iterable[ox.Triple], base: str | None) -> Iterator[tuple[str, str]]:
    """Yield (subject IRI, node object as one line of JSON) for sorted triples, a subject at a time."""
    prefixes = _compactor(base)
    current: str | None = None
    current_raw = ""
    properties: dict[str, list[object]] = {}
    keys: dict[str, str] = {_RDF_TYPE: "@type"}  # predicate -> JSON key, the loop's hottest lookup
    for triple in triples:
        raw = triple.subject.value  # type: ignore[union-attr]
        if raw != current_raw:
            if current is not None:
                yield current_raw, _node_json(current, properties)
            current_raw, current, properties = raw, prefixes(raw), {}
        predicate = triple.predicate.value
        key = keys.get(predicate)
        if key is None:
            key = keys[predicate] = prefixes(predicate, True)
        if key == "@type":
            value: object = prefixes(triple.object.value, True)  # type: ignore[union-attr]
        else:
            value = _object_json(triple.object, prefixes)
        found = properties.get(key)
        if found is None:
            properties[key] = [value]
        else:
            found.append(value)
    if current is not None:
        yield current_raw, _node_json(current, properties)


@functools.lru_cache(maxsize=4)
def _compactor(base: str | None) -> _Compactor:
    """Return the shared compactor of one base, so its cache serves every page of a build."""
    return _Compactor(jsonld_context(base))


class _Compactor:
    """Turns IRIs into ``prefix:local`` by looking up their namespace (split at '#' or '/'), with a cache."""

    def __init__(self, context: dict[str, str]) -> None:
        self.prefix_of = {namespace: prefix for prefix, namespace in context.items()}
        self.cache: dict[str, str] = {}
        self.ids = context.get("id", "\x00")

    def __call__(self, iri: str, remember: bool = False) -> str:
        if iri.startswith(self.ids) and len(iri) > len(self.ids):
            return "id:" + iri[len(self.ids) :]
        found = self.cache.get(iri)
        if found is not None:
            return found
        result = iri
        end = len(iri) - 1
        while end > 0:
            end = max(iri.rfind("/", 0, end), iri.rfind("#", 0, end))
            if end < 0:
                break
            prefix = self.prefix_of.get(iri[: end + 1])
            if prefix is not None:
                local = iri[end + 1 :]
                if local and not local.startswith("//"):
                    result = f"{prefix}:{local}"
                break
        if remember or len(self.cache) < 100_000:
            self.cache[iri] = result
        return result


def _object_json(node: object, prefixes: _Compactor) -> object:
    """Return one object value as JSON-LD."""
    if isinstance(node, ox.NamedNode):
        return {"@id": prefixes(node.value)}
    if isinstance(node, ox.BlankNode):
        return {"@id": f"_:{node.value}"}
    assert isinstance(node, ox.Literal)
    if node.language:
        return {"@value": node.value, "@language": node.language}
    datatype = node.datatype.value
    if datatype == _XSD_STRING:
        return node.value
    return {"@value": node.value, "@type": prefixes(datatype, True)}


def _node_json(subject: str, properties: dict[str, list[object]]) -> str:
    """Return one node object as a line of JSON."""
    node: dict[str, object] = {"@id": subject}
    for key in sorted(properties):
        values = properties[key]
        node[key] = values[0] if len(values) == 1 else values
    return _ENCODER.encode(node)


_ENCODER = json.JSONEncoder(ensure_ascii=False)  # json.dumps would build an encoder per node


def write_dumps(
    store: ox.Store,
    folder: Path,
    base: str | None = None,
    jobs: int | None = None,
    alternates: Mapping[str, str] | None = None,
) -> dict[str, int]:
    """Write the three dumps of a store into ``folder``; return name -> size in bytes.

    The canonical N-Triples are written first (sorted lines, by GNU sort where
    the machine has it: see :func:`write_sorted_ntriples`); Turtle and
    JSON-LD are then written from a streamed parse of that file, on two
    processes when ``jobs`` allows, so the triples are never all held as
    Python objects. ``alternates`` maps each entity with a page to its
    folder under ``folder``: its description (its triples and those of the
    hash IRIs under it) is then written there as ``data.ttl`` and
    ``data.jsonld``, taken from the same streams. The bytes do not depend on
    ``jobs``.
    """
    ntriples = folder / "cndkg.nt"
    write_sorted_ntriples(store, ntriples, default_jobs(jobs), gnu_sort())
    others = [name for name, (rdf_format, _) in DUMP_FORMATS.items() if rdf_format != ox.RdfFormat.N_TRIPLES]
    job = _DumpJob(ntriples, base, alternates or {})
    fork_map(_write_from_ntriples, job, others, min(default_jobs(jobs), len(others)))
    return {name: (folder / name).stat().st_size for name in DUMP_FORMATS}


@dataclass(frozen=True)
class _DumpJob:
    """What the Turtle and JSON-LD writers share (inherited by forked workers, never pickled)."""

    ntriples: Path
    base: str | None
    alternates: Mapping[str, str]


def _write_from_ntriples(job: _DumpJob, name: str) -> None:
    """Write one dump (Turtle or JSON-LD) beside the sorted N-Triples file, streaming, and its alternates."""
    stream = ox.parse(path=str(job.ntriples), format=ox.RdfFormat.N_TRIPLES)
    target = job.ntriples.parent / name
    if DUMP_FORMATS[name][0] == ox.RdfFormat.JSON_LD:
        _write_jsonld(job, stream, target)
    else:
        _write_turtle(job, stream, target)


def _write_jsonld(job: _DumpJob, triples: Iterable[ox.Triple], target: Path) -> None:
    """Write the JSON-LD dump; each entity's ``data.jsonld`` is made of the same node objects."""
    opening = _jsonld_open(job.base)

    def write_entity(folder: str, nodes: list[str]) -> None:
        _write_alternate(target.parent / folder / "data.jsonld", opening + ",\n".join(nodes) + _JSONLD_CLOSE)

    entities = EntityGroups(job.alternates, write_entity)
    with open(target, "wb") as out:
        out.write(opening.encode("utf-8"))
        separator = ""
        for subject, node in _jsonld_nodes(triples, job.base):
            out.write((separator + node).encode("utf-8"))
            separator = ",\n"
            entities.add(subject, node)
        out.write(_JSONLD_CLOSE.encode("utf-8"))
    entities.close()


def _write_turtle(job: _DumpJob, triples: Iterable[ox.Triple], target: Path) -> None:
    """Write the Turtle dump; each entity's ``data.ttl`` is its triples, serialized alone."""

    def write_entity(folder: str, described: list[ox.Triple]) -> None:
        _write_alternate(target.parent / folder / "data.ttl", serialize(described, ox.RdfFormat.TURTLE))

    entities = EntityGroups(job.alternates, write_entity)

    def tapped() -> Iterator[ox.Triple]:
        for triple in triples:
            entities.add(triple.subject.value, triple)  # type: ignore[union-attr]
            yield triple

    with open(target, "wb") as out:
        ox.serialize(tapped(), out, format=ox.RdfFormat.TURTLE, prefixes=dict(PREFIXES))
    entities.close()


def _write_alternate(path: Path, content: str | bytes) -> None:
    """Write one of an entity's RDF alternates beside its page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)


Item = TypeVar("Item")


class EntityGroups(Generic[Item]):
    """Gathers, from a stream in sorted N-Triples order, what belongs to each entity with a page.

    An entity's description is its own triples and those of the hash IRIs
    under it (``.../57/4`` and ``.../57/4#op2``). In sorted order every
    subject that starts with an entity's IRI comes in one run, which may
    hold other entities (``.../57/40``) nested inside: so the entities being
    gathered form a stack, and one is complete as soon as a subject arrives
    that does not start with its IRI. ``complete`` is called once per
    entity of ``wanted`` (entity IRI -> its page folder) with the folder and
    its items in stream order; :meth:`close` completes the rest, including
    wanted entities that never appeared (with no items).
    """

    def __init__(self, wanted: Mapping[str, str], complete: Callable[[str, list[Item]], None]) -> None:
        self.wanted = wanted
        self.complete = complete
        self.open: list[tuple[str, list[Item]]] = []
        self.done: set[str] = set()
        self._subject = ""
        self._items: list[Item] | None = None  # where the last subject's items went (None: no page wants them)

    def add(self, subject: str, item: Item) -> None:
        """Add one item (a triple, a node object) of ``subject``, completing the entities it closes."""
        if subject == self._subject:  # most triples share the previous one's subject
            if self._items is not None:
                self._items.append(item)
            return
        open_ = self.open
        while open_ and not subject.startswith(open_[-1][0]):
            self._complete_last()
        key = subject.split("#", 1)[0]
        if not (open_ and open_[-1][0] == key) and key in self.wanted:
            open_.append((key, []))
        self._subject = subject
        self._items = open_[-1][1] if open_ and open_[-1][0] == key else None
        if self._items is not None:
            self._items.append(item)

    def close(self) -> None:
        """Complete every entity still open, then the wanted ones the stream never named."""
        while self.open:
            self._complete_last()
        for key in sorted(set(self.wanted) - self.done):
            self.done.add(key)
            self.complete(self.wanted[key], [])

    def _complete_last(self) -> None:
        key, items = self.open.pop()
        if key not in self.done:  # a stream out of order must not write an entity twice
            self.done.add(key)
            self.complete(self.wanted[key], items)
