"""Compact JSON-LD with an inlined ``@context``, written node by node from triples in sorted order.

No remote context is ever fetched: the prefixes (and ``id:`` for the dataset's
base) are the context. Subjects come in sorted order, their properties sorted:
deterministic bytes, and each node object is one line that an entity's own
``data.jsonld`` can reuse.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from cndkg.iris import Minter
from cndkg.namespaces import PREFIXES, RDF, XSD

MEDIA_TYPE = "application/ld+json"
_RDF_TYPE = str(RDF.type)
_XSD_STRING = str(XSD.string)


def jsonld_context(base: str | None) -> dict[str, str]:
    """Return the inlined JSON-LD context: the project's prefixes plus ``id:`` for the dataset's base."""
    context = dict(sorted(PREFIXES.items()))
    if base:
        context["id"] = Minter(base).identifier_space
    return context


def serialize(triples: Iterable[ox.Triple], base: str | None = None) -> bytes:
    """Return sorted triples as compact JSON-LD: ``{"@context": {...}, "@graph": [...]}``.

    Subjects appear in sorted order with their properties sorted; IRIs are
    written as compact IRIs (``eli:cites``) that the inlined context expands, so
    a JSON-LD processor needs nothing from the network. Deterministic bytes.
    """
    return "".join(pieces(triples, base)).encode("utf-8")


def pieces(triples: Iterable[ox.Triple], base: str | None) -> Iterator[str]:
    """Yield compact JSON-LD text for sorted triples, one node object at a time (see serialize)."""
    yield opening(base)
    separator = ""
    for _, node in nodes(triples, base):
        yield separator + node
        separator = ",\n"
    yield CLOSING


CLOSING = "\n]}\n"


@functools.lru_cache(maxsize=4)
def opening(base: str | None) -> str:
    """Return the text before the first node object: the inlined context and the opening of ``@graph``."""
    head = json.dumps({"@context": jsonld_context(base)}, ensure_ascii=False, sort_keys=True)[:-1]
    return head + ', "@graph": [\n'


def nodes(triples: Iterable[ox.Triple], base: str | None) -> Iterator[tuple[str, str]]:
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
