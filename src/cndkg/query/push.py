"""``cndkg push``: load the dump into any SPARQL 1.1 store, replacing a named graph atomically.

The Graph Store Protocol's ``PUT`` replaces the whole graph in one request
(Oxigraph ``/store``, Virtuoso ``/sparql-graph-crud-auth``, Fuseki ``/data``,
GraphDB ``/repositories/R/rdf-graphs/service``). Where a store has no Graph
Store Protocol, ``--protocol update`` sends one SPARQL Update request
(``DROP SILENT GRAPH``; ``INSERT DATA`` in batches). Credentials come from the
environment or a netrc file (HTTP Basic or Digest, as the store asks), never
from the command line, and are never printed.
"""

from __future__ import annotations

import base64
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from cndkg.query.binding import QueryError
from cndkg.query.credentials import credentials_for, without_userinfo

_BATCH = 500  # triples per INSERT DATA operation with --protocol update


@dataclass(frozen=True, slots=True)
class PushResult:
    """What a push did: where, which graph, how many bytes, the store's HTTP status."""

    url: str
    graph: str | None
    bytes_sent: int
    status: int


def _opener(url: str) -> urllib.request.OpenerDirector:
    """Return an opener that answers Basic or Digest challenges with the configured credentials."""
    login = credentials_for(url)
    handlers: list[urllib.request.BaseHandler] = []
    if login:
        manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        manager.add_password(None, url, login[0], login[1])
        handlers += [urllib.request.HTTPDigestAuthHandler(manager), urllib.request.HTTPBasicAuthHandler(manager)]
    return urllib.request.build_opener(*handlers)


def _authorize(request: urllib.request.Request, timeout: float) -> None:
    """Give a data request the Authorization header its store asks for, before the body is sent.

    A store that wants credentials (Virtuoso's ``-auth`` endpoints) answers a request without
    them with 401 and closes the connection without reading the body, so a large PUT or POST is
    cut off ("connection reset") before urllib's auth handlers can answer the challenge. A
    body-less HEAD learns the challenge instead (a clean 401 when no credentials are set); a
    second HEAD with the answer checks the credentials (a clean 401 when they are wrong); the
    data request then carries its header.
    """
    login = credentials_for(request.full_url)
    plain = urllib.request.build_opener()
    try:
        plain.open(urllib.request.Request(request.full_url, method="HEAD"), timeout=timeout).close()
        return
    except urllib.error.HTTPError as error:
        if error.code != 401:
            return  # no credentials asked for (404: no such graph yet; 405/501: no HEAD here)
        if not login:
            raise
        challenge = error.headers.get("WWW-Authenticate", "")
    scheme, _, fields = challenge.partition(" ")
    manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    manager.add_password(None, request.full_url, login[0], login[1])
    digest = urllib.request.HTTPDigestAuthHandler(manager)
    parsed = urllib.request.parse_keqv_list([part for part in urllib.request.parse_http_list(fields) if part])
    basic = base64.b64encode(f"{login[0]}:{login[1]}".encode()).decode()

    def answer(target: urllib.request.Request) -> str | None:
        if scheme.lower() == "basic":
            return f"Basic {basic}"
        value = digest.get_authorization(target, parsed) if scheme.lower() == "digest" else None
        return f"Digest {value}" if value else None

    probe = urllib.request.Request(request.full_url, method="HEAD")
    header = answer(probe)
    if header is None:
        return
    probe.add_unredirected_header("Authorization", header)
    try:
        plain.open(probe, timeout=timeout).close()
    except urllib.error.HTTPError as error:
        if error.code == 401:
            raise
    header = answer(request)
    if header:
        request.add_unredirected_header("Authorization", header)


def push(
    dump: Path,
    endpoint: str,
    *,
    graph: str | None = None,
    protocol: str = "gsp",
    graph_param: str = "graph",
    timeout: float = 300.0,
) -> PushResult:
    """Replace ``graph`` (or the default graph) at ``endpoint`` with the dump's triples.

    Takes the N-Triples dump, the store's Graph Store (or Update) endpoint, the
    named graph IRI, the protocol ("gsp" or "update"), the name of the graph
    query parameter (Virtuoso's older endpoints use "graph-uri") and a timeout.
    Returns the result; raises QueryError naming the endpoint, never the credentials
    (a user name and password written into the endpoint URL are taken out, unused).
    """
    endpoint = without_userinfo(endpoint)
    if not dump.is_file():
        raise QueryError(f"{dump}: no dump here (run 'cndkg build' first)")
    if graph is not None and not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+", graph):
        raise QueryError(f"the named graph (named_graph=) is not a valid IRI: {graph!r}")
    data = dump.read_bytes()
    if protocol == "gsp":
        query = urllib.parse.urlencode({graph_param: graph}) if graph else "default"
        separator = "&" if "?" in endpoint else "?"
        url = f"{endpoint}{separator}{query}"
        request = urllib.request.Request(
            url, data=data, method="PUT", headers={"Content-Type": "application/n-triples"}
        )
    elif protocol == "update":
        url = endpoint
        target = f"GRAPH <{graph}> {{\n" if graph else ""
        close = "}\n" if graph else ""
        drop = f"DROP SILENT GRAPH <{graph}>" if graph else "DROP SILENT DEFAULT"
        # Several INSERT DATA operations in the one request (still one transaction): Virtuoso
        # refuses a single INSERT DATA of a few thousand triples ("SQL text has exceeded 10000 lines").
        # Split at "\n" only: splitlines() also breaks at U+2028, U+0085 and others, which N-Triples
        # allows unescaped inside a literal, and the store would get half a triple.
        lines = [line.rstrip("\r") for line in data.decode("utf-8").split("\n") if line.strip()]
        inserts = [
            f"INSERT DATA {{\n{target}" + "\n".join(lines[start : start + _BATCH]) + f"\n{close}}}"
            for start in range(0, len(lines), _BATCH)
        ]
        update = " ;\n".join([drop, *inserts])
        request = urllib.request.Request(
            url, data=update.encode("utf-8"), method="POST", headers={"Content-Type": "application/sparql-update"}
        )
    else:
        raise QueryError(f"unknown protocol {protocol!r} (use gsp or update)")
    try:
        _authorize(request, timeout)
        with _opener(url).open(request, timeout=timeout) as response:
            return PushResult(url, graph, len(data), response.status)
    except urllib.error.HTTPError as error:
        detail = error.read().decode("utf-8", "replace").strip()[:300]
        if error.code == 401:
            detail = f"{detail} (credentials: CNDKG_SPARQL_USER and CNDKG_SPARQL_PASSWORD, or a netrc entry)".strip()
        raise QueryError(f"{endpoint}: the store refused the data: HTTP {error.code} {error.reason} {detail}") from None
    except urllib.error.URLError as error:
        raise QueryError(f"{endpoint}: cannot reach the store ({error.reason})") from None
    except TimeoutError:
        raise QueryError(f"{endpoint}: no answer within {timeout:g} s (timeout)") from None
