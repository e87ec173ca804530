"""Binding user-supplied values to query variables as RDF terms, never as raw text.

A value becomes an IRI (validated: no spaces, quotes or angle brackets), a
prefixed name expanded with the project's prefixes, or a literal escaped by
rdflib's N3 serializer; the term is then added as a ``VALUES`` block at the
start of the query's outermost ``WHERE`` group. The same bound text runs on
every engine (in-process Oxigraph, the project's server, any endpoint), so
answers compare row for row.
"""

from __future__ import annotations

import re

from rdflib import Literal, URIRef

from cndkg.errors import CndkgError
from cndkg.namespaces import DEFAULT_BASE, PREFIXES

_IRI = re.compile(r"^(?:https?|urn|file|mailto|tag|ftp):[^\s<>\"{}|\\^`]+$")
_PREFIXED = re.compile(r"^(?P<prefix>[A-Za-z][\w-]*):(?P<local>[\w.\-/#%]*)$")
_LOOKS_LIKE_IRI = re.compile(r"^(?:https?|urn|file|ftp):")
_VARIABLE = re.compile(r"^[A-Za-z_]\w*$")
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


class QueryError(CndkgError):
    """A query that cannot run: bad syntax, bad parameter, unreachable endpoint, timeout."""


def to_term(value: str) -> str:
    """Return a user value as a SPARQL term: ``<iri>``, an expanded prefixed name, or a literal.

    Raises QueryError for a value that looks like an IRI but is not a valid one.
    """
    text = value.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
        if not _IRI.match(text):
            raise QueryError(f"not a valid IRI: {value!r}")
    if _IRI.match(text):
        return URIRef(text).n3()
    if _LOOKS_LIKE_IRI.match(text):
        raise QueryError(f"not a valid IRI (spaces, quotes and angle brackets are not allowed): {value!r}")
    prefixed = _PREFIXED.match(text)
    namespaces = {**PREFIXES, "id": DEFAULT_BASE + "id/"}
    if prefixed and prefixed.group("prefix") in namespaces:
        return URIRef(namespaces[prefixed.group("prefix")] + prefixed.group("local")).n3()
    if text.isdigit():
        return Literal(int(text)).n3()
    return Literal(text).n3()


def bind(query: str, values: dict[str, str]) -> str:
    """Return ``query`` with each variable bound to its value through a ``VALUES`` block.

    Takes the query text and variable -> value. Returns the query text; raises
    QueryError for a bad variable name or a query without a ``WHERE {`` group.
    """
    if not values:
        return query
    for name in values:
        if not _VARIABLE.match(name):
            raise QueryError(f"not a variable name: {name!r}")
    where = _WHERE.search(_without_comments(query))
    if where is None:
        raise QueryError("cannot bind parameters: the query has no 'WHERE {' group")
    names = " ".join(f"?{name}" for name in values)
    terms = " ".join(to_term(value) for value in values.values())
    block = f"\n  VALUES ({names}) {{ ({terms}) }}\n"
    return query[: where.end()] + block + query[where.end() :]


def _without_comments(query: str) -> str:
    """Return the query with comments blanked out (same length, so offsets still match)."""
    return re.sub(r"#[^\n]*", lambda m: " " * len(m.group(0)), query)
