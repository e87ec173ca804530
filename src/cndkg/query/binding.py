"""Binding user-supplied values to query variables as RDF terms, never as raw text.

A value becomes an IRI (validated: no spaces, quotes or angle brackets), a
prefixed name expanded with the project's prefixes, or a literal escaped by
rdflib's N3 serializer; the term is then added as a ``VALUES`` block at the
start of the query's outermost ``WHERE`` group, or at each line that is just
``# bind`` (so a query can bind inside each branch of a ``UNION``, where the
engine starts from the bound value). The same bound text runs on
every engine (in-process Oxigraph, the project's server, any endpoint), so
answers compare row for row.
"""

from __future__ import annotations

import re

from rdflib import Literal, URIRef

from cndkg.errors import CndkgError
from cndkg.iris import Minter
from cndkg.namespaces import DEFAULT_BASE, PREFIXES

_IRI = re.compile(r"^(?:https?|urn|file|mailto|tag|ftp):[^\s<>\"{}|\\^`]+$")
_PREFIXED = re.compile(r"^(?P<prefix>[A-Za-z][\w-]*):(?P<local>[\w.\-/#%]*)$")
_LOOKS_LIKE_IRI = re.compile(r"^(?:https?|urn|file|ftp):")
_VARIABLE = re.compile(r"^[A-Za-z_]\w*$")
_WHERE = re.compile(r"\bWHERE\s*\{|\b(?:ASK|SELECT\s[^{]*?|CONSTRUCT|DESCRIBE\s[^{]*?)\s*\{", re.IGNORECASE)
_MARKER = re.compile(r"^([ \t]*)# bind[ \t]*$", re.MULTILINE)


class QueryError(CndkgError):
    """A query that cannot run: bad syntax, bad parameter, unreachable endpoint, timeout."""


def to_term(value: str, base: str = DEFAULT_BASE) -> str:
    """Return a user value as a SPARQL term: ``<iri>``, an expanded prefixed name, or a literal.

    ``id:res/cnd/61/11`` expands under the dataset's ``base`` (its identifiers' space).

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
    namespaces = {**PREFIXES, "id": Minter(base).identifier_space}
    if prefixed and prefixed.group("prefix") in namespaces:
        return URIRef(namespaces[prefixed.group("prefix")] + prefixed.group("local")).n3()
    if text.isdigit():
        return Literal(int(text)).n3()
    return Literal(text).n3()


def bind(query: str, values: dict[str, str], base: str = DEFAULT_BASE) -> str:
    """Return ``query`` with each variable bound to its value through a ``VALUES`` block.

    Takes the query text and variable -> value. Returns the query text; raises
    QueryError for a bad variable name or a query without a ``WHERE {`` group.
    """
    if not values:
        return query
    for name in values:
        if not _VARIABLE.match(name):
            raise QueryError(f"not a variable name: {name!r}")
    names = " ".join(f"?{name}" for name in values)
    terms = " ".join(to_term(value, base) for value in values.values())
    block = f"VALUES ({names}) {{ ({terms}) }}"
    if _MARKER.search(query):
        return _MARKER.sub(lambda m: m.group(1) + block, query)
    where = _WHERE.search(_without_comments(query))
    if where is None:
        raise QueryError("cannot bind parameters: the query has no 'WHERE {' group")
    return query[: where.end()] + "\n  " + block + "\n" + query[where.end() :]


def _without_comments(query: str) -> str:
    """Return the query with IRIs, strings and comments blanked out (same length, so offsets still match)."""
    blank = re.sub(
        r"<[^<>\s\"{}|^`\\]*>|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'", lambda m: " " * len(m.group(0)), query
    )
    return re.sub(r"#[^\n]*", lambda m: " " * len(m.group(0)), blank)
