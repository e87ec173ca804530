"""``cndkg push``: load the dump into any SPARQL 1.1 store, replacing a named graph atomically.

The Graph Store Protocol's ``PUT`` replaces the whole graph in one request
(Oxigraph ``/store``, Virtuoso ``/sparql-graph-crud-auth``, Fuseki ``/data``,
GraphDB ``/repositories/R/rdf-graphs/service``). Where a store has no Graph
Store Protocol, ``--protocol update`` sends one SPARQL Update request
(``DROP SILENT GRAPH``; ``INSERT DATA``). Credentials come from the
environment or a netrc file (HTTP Basic or Digest, as the store asks), never
from the command line, and are never printed.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from cndkg.query.binding import QueryError
from cndkg.query.credentials import credentials_for


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
    Returns the result; raises QueryError naming the endpoint, never the credentials.
    """
    if not dump.is_file():
        raise QueryError(f"{dump}: no dump here (run 'cndkg build' first)")
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
        drop = f"DROP SILENT GRAPH <{graph}> ;\n" if graph else "DROP SILENT DEFAULT ;\n"
        update = f"{drop}INSERT DATA {{\n{target}{data.decode('utf-8')}{close}}}"
        request = urllib.request.Request(
            url, data=update.encode("utf-8"), method="POST", headers={"Content-Type": "application/sparql-update"}
        )
    else:
        raise QueryError(f"unknown protocol {protocol!r} (use gsp or update)")
    try:
        with _opener(url).open(request, timeout=timeout) as response:
            return PushResult(url, graph, len(data), response.status)
    except urllib.error.HTTPError as error:
        detail = error.read().decode("utf-8", "replace").strip()[:300]
        raise QueryError(f"{endpoint}: the store refused the data: HTTP {error.code} {error.reason} {detail}") from None
    except urllib.error.URLError as error:
        raise QueryError(f"{endpoint}: cannot reach the store ({error.reason})") from None
    except TimeoutError:
        raise QueryError(f"{endpoint}: no answer within {timeout:g} s (timeout)") from None
