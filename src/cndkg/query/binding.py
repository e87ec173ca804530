"""Binding user-supplied values to query variables as RDF terms, never as raw text.

A value becomes an IRI (validated: no spaces, quotes or angle brackets), a
prefixed name expanded with the project's prefixes, or a literal escaped by
rdflib's N3 serializer; the term is then added as a ``VALUES`` block at the
start of the query's outermost ``WHERE`` group, or at each line that is just
``# bind`` (so a query can bind inside each branch of a ``UNION``, where the
engine starts from the bound value). The same bound text runs on
every engine (in-process Oxigraph, the project's server, any endpoint), so
answers compare row for row.

A query whose header declares ``# param: limit = N`` and ``# param: offset = 0``
is paged: SPARQL's ``LIMIT`` and ``OFFSET`` take no variable, so :func:`page`
rewrites the query's final ``LIMIT``/``OFFSET`` clauses (replacing any the text
has) from validated whole numbers, ``limit`` from 1 to :data:`MAX_LIMIT` and
``offset`` from 0 to :data:`MAX_OFFSET`. Only digits the validation produced
reach the text. A parameter declared ``(integer)`` or ``(integer or all)`` is
checked the same way before it is bound; ``all`` leaves its variable unbound.
"""

from __future__ import annotations

import re

from rdflib import Literal, URIRef

from cndkg.errors import CndkgError
from cndkg.iris import Minter
from cndkg.namespaces import DEFAULT_BASE, PREFIXES
from cndkg.query.library import PAGING, declared_params

MAX_LIMIT = 10_000
"""The largest page a paged query returns (``--param limit``); ask for the next page with ``offset``."""
MAX_OFFSET = 1_000_000_000
"""The largest ``--param offset`` a paged query takes."""

_IRI = re.compile(r"^(?:https?|urn|file|mailto|tag|ftp):[^\s<>\"{}|\\^`]+$")
_PREFIXED = re.compile(r"^(?P<prefix>[A-Za-z][\w-]*):(?P<local>[\w.\-/#%]*)$")
_LOOKS_LIKE_IRI = re.compile(r"^(?:https?|urn|file|ftp):")
_VARIABLE = re.compile(r"^[A-Za-z_]\w*$")
_WHERE = re.compile(r"\bWHERE\s*\{|\b(?:ASK|SELECT\s[^{]*?|CONSTRUCT|DESCRIBE\s[^{]*?)\s*\{", re.IGNORECASE)
_MARKER = re.compile(r"^([ \t]*)# bind[ \t]*$", re.MULTILINE)
_WHOLE = re.compile(r"^[0-9]+$")
_SLICE_CLAUSE = re.compile(r"(?<![?$:\w])(?:LIMIT|OFFSET)\s+[0-9]+", re.IGNORECASE)
_FINAL_VALUES = re.compile(r"(?<![?$:\w])VALUES\s*(?:\([^()]*\)|\?\w+)\s*\{[^{}]*\}\s*$", re.IGNORECASE)


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


def whole_number(name: str, value: str, lowest: int, highest: int) -> int:
    """Return a parameter's value as an int from ``lowest`` to ``highest``; raise QueryError naming the parameter."""
    text = value.strip()
    if not _WHOLE.match(text) or len(text) > len(str(highest)) + 2 or not lowest <= int(text) <= highest:
        raise QueryError(f"parameter {name!r} takes a whole number from {lowest} to {highest}, not {_shown(value)}")
    return int(text)


def page(query: str, limit: int, offset: int = 0) -> str:
    """Return ``query`` with its final ``LIMIT``/``OFFSET`` set to ``limit`` and ``offset``.

    The query's own final ``LIMIT`` and ``OFFSET`` clauses (after its last
    group, outside comments and strings) are removed; ``LIMIT limit`` and, when
    not 0, ``OFFSET offset`` are appended (before a trailing ``VALUES`` clause,
    where SPARQL puts it). A subquery's slice is left as it is. Raises
    QueryError for a value out of range, so only validated digits reach the text.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError(f"parameter 'limit' takes a whole number from 1 to {MAX_LIMIT}, not {limit!r}")
    if not 0 <= offset <= MAX_OFFSET:
        raise QueryError(f"parameter 'offset' takes a whole number from 0 to {MAX_OFFSET}, not {offset!r}")
    blank = _without_comments(query)
    trailing = _FINAL_VALUES.search(blank)
    end = trailing.start() if trailing is not None else len(query)
    start = end  # walk back over the final clauses, which only blanks separate
    for old in reversed(list(_SLICE_CLAUSE.finditer(blank, 0, end))):
        if blank[old.end() : start].strip():
            break
        start = old.start()
    kept, at = [], start  # the old clauses go; a comment standing among them stays
    for old in _SLICE_CLAUSE.finditer(blank, start, end):
        kept.append(query[at : old.start()])
        at = old.end()
    kept.append(query[at:end])
    between = "".join(kept).strip()
    clause = f"LIMIT {limit:d}" + (f"\nOFFSET {offset:d}" if offset else "")
    after = query[end:].strip()
    return "\n".join(part for part in (query[:start].rstrip(), between, clause, after) if part) + "\n"


def bind(query: str, values: dict[str, str], base: str = DEFAULT_BASE) -> str:
    """Return ``query`` with each variable bound to its value through a ``VALUES`` block.

    Takes the query text and variable -> value. Parameters the query's header
    declares with a kind are checked first (``all`` for an ``(integer or all)``
    one leaves its variable unbound); a query declaring ``limit``/``offset`` is
    paged (:func:`page`), with the header's defaults for those not given.
    Returns the query text; raises QueryError for a bad variable name or value,
    or a query without a ``WHERE {`` group.
    """
    declared = {param.name: param for param in declared_params(query)}
    terms: dict[str, str] = {}
    for name, value in values.items():
        kind = declared[name].kind if name in declared else None
        if name in PAGING and name in declared:
            continue
        if kind is None:
            terms[name] = value
        elif kind == "integer or all" and value.strip().lower() == "all":
            continue  # every value: the variable stays unbound
        elif _WHOLE.match(value.strip()) and len(value.strip()) <= 18:
            terms[name] = str(int(value.strip()))
        else:
            also = " or 'all'" if kind == "integer or all" else ""
            raise QueryError(f"parameter {name!r} takes a whole number{also}, not {_shown(value)}")
    bound = _bind_values(query, terms, base)
    paging = {name: values.get(name) or declared[name].default or "" for name in PAGING if name in declared}
    if not paging:
        return bound
    limit = whole_number("limit", paging.get("limit") or str(MAX_LIMIT), 1, MAX_LIMIT)
    offset = whole_number("offset", paging.get("offset") or "0", 0, MAX_OFFSET)
    return page(bound, limit, offset)


def _shown(value: str) -> str:
    """Return a user's value for an error message, cut short when long."""
    return repr(value if len(value) <= 40 else value[:40] + "...")


def _bind_values(query: str, values: dict[str, str], base: str) -> str:
    """Return ``query`` with a ``VALUES`` block for ``values`` at its ``# bind`` lines or its outermost group."""
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
