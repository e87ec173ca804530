"""Where queries run: the built graph in-process (Oxigraph), or any SPARQL 1.1 endpoint.

Both engines return the same :class:`Result`, so answers from the in-process
store, the project's own server and a remote store compare row for row.
"""

from __future__ import annotations

import json
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from cndkg.namespaces import DEFAULT_BASE, XSD
from cndkg.query.binding import QueryError
from cndkg.query.credentials import credentials_for, without_userinfo

XSD_STRING = str(XSD.string)

# SPARQLWrapper guesses a query's form with an unanchored regex over the text after stripping
# only every other comment line, so a header comment such as "# question: ... address ..."
# makes it an "ADD" update, sent as ``update=`` (Oxigraph answers 400). The form is read here
# instead: IRIs and comments are blanked (an IRI may hold "#"), and the first whole keyword wins.
_IRIREF = re.compile(r"<[^<>\"{}|^`\\\s]*>")
_COMMENT = re.compile(r"#[^\n]*")
_FORM = re.compile(
    r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE|INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b(?!:)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Cell:
    """One value of a result row: an IRI, a literal (with datatype or language) or a blank node."""

    kind: str
    value: str
    datatype: str | None = None
    lang: str | None = None

    def __str__(self) -> str:
        return self.value


@dataclass
class Result:
    """A query's answer: variables and rows (SELECT), a boolean (ASK) or RDF bytes (CONSTRUCT)."""

    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, Cell | None]] = field(default_factory=list)
    boolean: bool | None = None
    graph: bytes | None = None


def dataset_base(dump: Path) -> str:
    """Return the base of a built dataset's IRIs, read from the ``void:uriSpace`` of ``void.ttl`` beside its dump.

    Falls back to the default base when there is no dataset description to read.
    """
    description = dump.parent / "void.ttl"
    try:
        text = description.read_text(encoding="utf-8")
    except OSError:
        return DEFAULT_BASE
    space = re.search(r"void:uriSpace\s+\"([^\"]+)id/\"", text)
    return space.group(1) if space else DEFAULT_BASE


def load_store(dump: Path) -> ox.Store:
    """Load an N-Triples or Turtle dump into an in-memory Oxigraph store.

    Raises QueryError when the file is missing (say to run ``cndkg build``) or does not parse.
    """
    if not dump.is_file():
        raise QueryError(f"{dump}: no built graph here (build the sources first, or name the graph file: graph=FILE)")
    store = ox.Store()
    rdf_format = ox.RdfFormat.N_TRIPLES if dump.suffix == ".nt" else ox.RdfFormat.TURTLE
    try:
        store.bulk_load(path=str(dump), format=rdf_format)
    except (SyntaxError, ValueError, OSError) as error:
        raise QueryError(f"{dump}: cannot load the graph: {error}") from None
    return store


def _cell(term: object) -> Cell | None:
    """Return a pyoxigraph term as a :class:`Cell`."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return Cell("uri", term.value)
    if isinstance(term, ox.BlankNode):
        return Cell("bnode", term.value)
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value if not term.language and term.datatype.value != XSD_STRING else None
        return Cell("literal", term.value, datatype, term.language)
    return Cell("literal", str(term))


def run_local(store: ox.Store, query: str) -> Result:
    """Run a query on an in-process store; raise QueryError with line and column for bad syntax."""
    try:
        answer = store.query(query)
    except SyntaxError as error:
        raise QueryError(f"SPARQL syntax error: {error}") from None
    except (OSError, ValueError) as error:
        raise QueryError(f"the query could not run: {error}") from None
    if isinstance(answer, ox.QueryBoolean):
        return Result(boolean=bool(answer))
    if isinstance(answer, ox.QueryTriples):
        data = ox.serialize(answer, format=ox.RdfFormat.N_TRIPLES)
        return Result(graph=data)
    variables = [v.value for v in answer.variables]
    rows = [{name: _cell(solution[name]) for name in variables} for solution in answer]
    return Result(variables, rows)


def query_form(query: str) -> str:
    """Return a query's form (``SELECT``, ``ASK``, ``CONSTRUCT``, ``DESCRIBE`` or an update keyword).

    Keywords inside comments and IRIs do not count; a text with none is taken as ``SELECT``.
    """
    found = _FORM.search(_COMMENT.sub(" ", _IRIREF.sub(" ", query)))
    if found is None:
        return "SELECT"
    form = found.group(1).upper()
    return "INSERT" if form == "WITH" else form


def run_endpoint(endpoint: str, query: str, *, graph: str | None = None, timeout: float = 30.0) -> Result:
    """Run a query on a remote SPARQL 1.1 endpoint through SPARQLWrapper.

    Takes the endpoint URL, the query, an optional default graph IRI and a
    timeout in seconds. Credentials come from the environment or ~/.netrc
    (see :mod:`credentials`). Raises QueryError for an unreachable endpoint,
    a timeout, or an error the endpoint reports.
    """
    from SPARQLWrapper import JSON, N3, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    endpoint = without_userinfo(endpoint)  # a user name and password in the URL are never sent or shown
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.queryType = query_form(query)
    client.setTimeout(int(max(1, timeout)))
    client.setMethod("POST")
    if graph:
        client.addDefaultGraph(graph)
    login = credentials_for(endpoint)
    kind = client.queryType
    client.setReturnFormat(N3 if kind in ("CONSTRUCT", "DESCRIBE") else JSON)
    try:
        if login:
            raw = _post_with_credentials(endpoint, query, kind, graph, timeout, login)
        else:
            raw = client.query().response.read()
    except TimeoutError:
        raise QueryError(f"{endpoint}: no answer within {timeout:g} s (timeout)") from None
    except urllib.error.HTTPError as error:
        detail = error.read().decode("utf-8", "replace").strip()[:300]
        raise QueryError(f"{endpoint}: HTTP {error.code} {error.reason}: {detail}") from None
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, (socket.timeout, TimeoutError)):
            raise QueryError(f"{endpoint}: no answer within {timeout:g} s (timeout)") from None
        raise QueryError(f"{endpoint}: cannot reach the endpoint ({reason})") from None
    except SPARQLWrapperException as error:
        raise QueryError(f"{endpoint}: {error}") from None
    except ValueError as error:  # urllib: a challenge it cannot answer (Bearer, Negotiate, a refused Digest)
        if "AuthHandler" in str(error):
            raise QueryError(f"{endpoint}: HTTP 401 Unauthorized: the credentials were refused ({error})") from None
        raise QueryError(f"{endpoint}: {error}") from None
    if kind in ("CONSTRUCT", "DESCRIBE"):
        return Result(graph=raw)
    try:
        data = json.loads(raw)
    except ValueError:
        # Oxigraph 0.5 reports a query cancelled by its --timeout-s after the 200 status line,
        # as text appended to partial results: never take those for an answer.
        tail = raw[-200:].decode("utf-8", "replace").strip()
        raise QueryError(f"{endpoint}: the answer is not SPARQL JSON results (cancelled or cut off?): {tail}") from None
    if not isinstance(data, dict):
        raise QueryError(f"{endpoint}: the answer is not SPARQL JSON results")
    return _from_json(data)


def _post_with_credentials(
    endpoint: str, query: str, kind: str, graph: str | None, timeout: float, login: tuple[str, str]
) -> bytes:
    """POST a query, answering the endpoint's challenge (Basic or Digest) with the credentials.

    Nothing is sent before the endpoint asks, and only in the form it asks for
    (a Digest server never sees the password). The answer is an unredirected
    header, bound to the endpoint's URL: it never follows a redirect to another host.
    """
    fields = {"query": query, **({"default-graph-uri": graph} if graph else {})}
    accept = "text/turtle" if kind in ("CONSTRUCT", "DESCRIBE") else "application/sparql-results+json"
    request = urllib.request.Request(
        endpoint,
        data=urllib.parse.urlencode(fields).encode("utf-8"),
        method="POST",
        headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
    )
    manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    manager.add_password(None, endpoint, login[0], login[1])
    opener = urllib.request.build_opener(
        urllib.request.HTTPDigestAuthHandler(manager), urllib.request.HTTPBasicAuthHandler(manager)
    )
    with opener.open(request, timeout=timeout) as response:
        return bytes(response.read())


def _from_json(data: dict[str, object]) -> Result:
    """Return SPARQL 1.1 JSON results as a :class:`Result`."""
    if "boolean" in data:
        return Result(boolean=bool(data["boolean"]))
    head = data.get("head", {})
    variables = list(head.get("vars", [])) if isinstance(head, dict) else []
    results = data.get("results", {})
    bindings = results.get("bindings", []) if isinstance(results, dict) else []
    rows = []
    for binding in bindings:
        row: dict[str, Cell | None] = {}
        for name in variables:
            value = binding.get(name)
            row[name] = _json_cell(value) if value else None
        rows.append(row)
    return Result(variables, rows)


def _json_cell(value: dict[str, str]) -> Cell:
    """Return one JSON result term as a :class:`Cell`."""
    kind = value.get("type", "literal")
    if kind == "uri":
        return Cell("uri", value["value"])
    if kind == "bnode":
        return Cell("bnode", value["value"])
    datatype = value.get("datatype")
    if datatype == XSD_STRING:
        datatype = None
    return Cell("literal", value["value"], datatype, value.get("xml:lang"))
