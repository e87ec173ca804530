"""Real SPARQL servers answer the query library exactly like the in-process store (issue 7).

The bundled corpus is built once per module. Every library query then runs
in-process (Oxigraph, the reference) and over HTTP through SPARQLWrapper on:
the project's read-only Oxigraph server; a writable Oxigraph server the dump
was pushed into (Graph Store ``PUT`` and SPARQL Update); and Debian's Virtuoso,
pushed into through its Digest-protected Graph Store endpoint. Answers must be
equal row for row: same variables, same rows in the same order, every cell
equal by kind, value, datatype and language. The read-only server must refuse
writes, cut off runaway queries, listen on 127.0.0.1 only and leave no process
behind; credentials must never show in an error.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from cndkg.build import BuildOptions, build
from cndkg.query import QueryError, query_text
from cndkg.query.engines import Cell, Result, load_store, run_endpoint, run_local
from cndkg.query.library import load_library
from cndkg.query.push import push
from cndkg.query.server import OxigraphServer
from cndkg.serve import free_port

from .helpers import children_of

pytestmark = pytest.mark.server

GRAPH = "https://example.org/cndkg"
OTHER_GRAPH = "https://example.org/cndkg-other"
UPDATE_GRAPH = "https://example.org/cndkg-by-update"
LIBRARY = sorted(load_library())
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
# 4224^3 solutions: Oxigraph's --timeout-s cancels this one while counting.
EXPLOSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p1 ?o1 . ?b ?p2 ?o2 . ?c ?p3 ?o3 }"
# 4224^4 solutions: Oxigraph 0.5 does not cancel this one (its evaluator does not check the
# deadline on this path), so only the client's own timeout bounds the wait.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p1 ?o1 . ?b ?p2 ?o2 . ?c ?p3 ?o3 . ?d ?p4 ?o4 }"


# --- shared fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def no_ambient_credentials(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the caller's CNDKG_SPARQL_* variables and ~/.netrc out of these tests."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("CNDKG_SPARQL_USER", raising=False)
        patch.delenv("CNDKG_SPARQL_PASSWORD", raising=False)
        patch.setenv("NETRC", str(tmp_path_factory.mktemp("netrc") / "absent"))
        yield


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the bundled corpus once; return its N-Triples dump."""
    out = tmp_path_factory.mktemp("build")
    build(BuildOptions(sources=[], out=out, site=False))
    path = out / "cndkg.nt"
    assert path.is_file()
    return path


@pytest.fixture(scope="module")
def triples(dump: Path) -> int:
    """Return the number of triples in the dump (one distinct line each)."""
    lines = [line for line in dump.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) == len(set(lines)) > 1000, "the dump should hold distinct triples"
    return len(lines)


@pytest.fixture(scope="module")
def expected(dump: Path) -> dict[str, Result]:
    """Return every library query's answer from an in-process store loaded from the dump."""
    store = load_store(dump)
    answers = {name: run_local(store, query_text(name, {})) for name in LIBRARY}
    # Guard against a comparison that cannot fail: the library has to find things in the corpus.
    assert sum(1 for answer in answers.values() if answer.rows) >= len(answers) - 1
    return answers


def assert_same(name: str, local: Result, remote: Result) -> None:
    """Assert two SELECT answers are equal row for row, naming the first difference."""
    assert remote.variables == local.variables, f"{name}: variables differ"
    for index, (mine, theirs) in enumerate(zip(local.rows, remote.rows, strict=False)):
        assert theirs == mine, f"{name}: row {index} differs"
    assert len(remote.rows) == len(local.rows), f"{name}: {len(remote.rows)} rows, expected {len(local.rows)}"
    assert remote.boolean is None and remote.graph is None


def count_in(endpoint: str, graph: str | None = None) -> int:
    """Return the number of triples in a named graph (or the default graph) at an endpoint."""
    pattern = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "?s ?p ?o"
    answer = run_endpoint(endpoint, f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")
    cell = answer.rows[0]["n"]
    assert cell is not None
    return int(cell.value)


def http_status(url: str, method: str, body: bytes, content_type: str) -> int:
    """Send one raw request; return the HTTP status, error statuses included."""
    request = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def assert_stopped(process: subprocess.Popen[bytes] | None, location: Path) -> None:
    """Assert a server's process has exited and been reaped, and its database folder is gone."""
    assert process is not None
    assert process.poll() is not None
    with pytest.raises(ProcessLookupError):
        os.kill(process.pid, 0)
    assert not location.exists()


def listening_addresses(port: int) -> set[str]:
    """Return the local addresses of sockets listening on ``port`` (Linux /proc/net/tcp, tcp6)."""
    found = set()
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        if not table.is_file():
            continue
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].rsplit(":", 1)
            if int(port_hex, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                found.add(address)
    return found


# --- the project's server: Oxigraph, read-only -------------------------------------------------------


@pytest.fixture(scope="module")
def oxigraph(dump: Path) -> Iterator[OxigraphServer]:
    with OxigraphServer(dump, read_only=True) as server:
        yield server


@pytest.mark.parametrize("name", LIBRARY)
def test_oxigraph_server_answers_like_in_process(name: str, oxigraph: OxigraphServer, expected: dict[str, Result]):
    assert_same(name, expected[name], run_endpoint(oxigraph.query_url, query_text(name, {})))


def test_oxigraph_server_is_read_only(oxigraph: OxigraphServer, triples: int):
    triple = "<urn:cndkg:test:s> <urn:cndkg:test:p> <urn:cndkg:test:o>"
    assert count_in(oxigraph.query_url) == triples
    update = f"INSERT DATA {{ {triple} }}".encode()
    assert http_status(f"{oxigraph.url}/update", "POST", update, "application/sparql-update") >= 400
    form = urllib.parse.urlencode({"update": update.decode()}).encode()
    assert http_status(f"{oxigraph.url}/update", "POST", form, "application/x-www-form-urlencoded") >= 400
    data = f"{triple} .\n".encode()
    assert http_status(f"{oxigraph.url}/store?graph=urn:cndkg:test", "PUT", data, "application/n-triples") >= 400
    assert http_status(f"{oxigraph.url}/store?default", "PUT", data, "application/n-triples") >= 400
    assert http_status(f"{oxigraph.url}/store?default", "POST", data, "application/n-triples") >= 400
    assert count_in(oxigraph.query_url) == triples
    assert run_endpoint(oxigraph.query_url, f"ASK {{ {triple} }}").boolean is False
    assert run_endpoint(oxigraph.query_url, f"ASK {{ GRAPH ?g {{ {triple} }} }}").boolean is False


def test_oxigraph_server_listens_on_loopback_only(oxigraph: OxigraphServer):
    assert urllib.parse.urlsplit(oxigraph.url).hostname == "127.0.0.1"
    addresses = listening_addresses(oxigraph.port)
    if Path("/proc/net/tcp").is_file():
        # /proc/net/tcp writes 127.0.0.1 as 0100007F (little-endian); 00000000 would be 0.0.0.0.
        assert addresses == {"0100007F"}


def test_oxigraph_server_bounds_query_time(dump: Path):
    server = OxigraphServer(dump, read_only=True, timeout_s=1)
    with server:
        process = server.process
        started = time.monotonic()
        with pytest.raises(QueryError) as cancelled:
            run_endpoint(server.query_url, EXPLOSIVE, timeout=30)
        # The server's own deadline ends it (it reports the cancellation after a 200 status).
        assert time.monotonic() - started < 15
        assert "cancelled" in str(cancelled.value)
        started = time.monotonic()
        with pytest.raises(QueryError) as timed_out:
            run_endpoint(server.query_url, RUNAWAY, timeout=3)
        assert time.monotonic() - started < 8
        assert "timeout" in str(timed_out.value)
        # The server still answers other clients (it has more than one worker thread).
        assert run_endpoint(server.query_url, "ASK { ?s ?p ?o }", timeout=10).boolean is True
    # A server still busy with the runaway query stops all the same.
    assert server.process is None
    assert_stopped(process, server.location)


@pytest.mark.parametrize(
    "header",
    [
        "# question: which paragraphs address a body?\n# and what do they add?\n",  # SPARQLWrapper: ADD
        "# see also\n# construct queries, which return graphs\n",  # SPARQLWrapper: CONSTRUCT
        "PREFIX insert: <http://example.org/delete#>\nPREFIX ex: <http://example.org/construct/add#>\n",
    ],
)
def test_oxigraph_server_takes_keywords_in_comments_for_comments(header: str, oxigraph: OxigraphServer, triples: int):
    text = header + "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    answer = run_endpoint(oxigraph.query_url, text)
    assert answer.variables == ["n"] and answer.rows[0]["n"] == Cell("literal", str(triples), XSD_INTEGER)


def test_oxigraph_server_that_cannot_start_says_why_and_leaves_nothing():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = OxigraphServer(None, read_only=False, port=taken.getsockname()[1])
        with pytest.raises(QueryError, match=r"stopped at start: .*[Aa]ddress already in use"):
            server.start()
    assert server.process is None
    assert not server.location.exists()


def test_oxigraph_server_leaves_no_process(dump: Path):
    with OxigraphServer(dump, read_only=True) as server:
        process = server.process
        assert process is not None and process.poll() is None
        assert run_endpoint(server.query_url, "ASK { ?s ?p ?o }").boolean is True
    assert_stopped(process, server.location)


# --- push into a writable Oxigraph --------------------------------------------------------------------


@pytest.fixture(scope="module")
def writable(dump: Path) -> Iterator[OxigraphServer]:
    """A writable, empty Oxigraph server the dump is pushed into twice (the second PUT replaces)."""
    with OxigraphServer(None, read_only=False) as server:
        first = push(dump, f"{server.url}/store", graph=GRAPH)
        second = push(dump, f"{server.url}/store", graph=GRAPH)
        assert first.status in (200, 201, 204) and second.status in (200, 201, 204)
        assert first.bytes_sent == second.bytes_sent == dump.stat().st_size
        yield server


def test_push_replaces_the_graph(writable: OxigraphServer, triples: int):
    assert count_in(writable.query_url, GRAPH) == triples
    assert count_in(writable.query_url) == 0  # nothing went to the default graph


@pytest.mark.parametrize("name", LIBRARY)
def test_pushed_graph_answers_like_in_process(name: str, writable: OxigraphServer, expected: dict[str, Result]):
    assert_same(name, expected[name], run_endpoint(writable.query_url, query_text(name, {}), graph=GRAPH))


def test_push_by_sparql_update(writable: OxigraphServer, dump: Path, triples: int):
    for _ in range(2):  # DROP SILENT GRAPH then INSERT DATA: a second push replaces, too
        result = push(dump, f"{writable.url}/update", graph=UPDATE_GRAPH, protocol="update")
        assert result.status in (200, 204)
        assert count_in(writable.query_url, UPDATE_GRAPH) == triples
    assert count_in(writable.query_url, GRAPH) == triples


# --- Virtuoso (Debian's virtuoso-opensource) ------------------------------------------------------------

VIRTUOSO_INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CheckpointInterval = 0
DirsAllowed = ., {db}
VADInstallDir =
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
MaxQueryMem = 256M
ThreadsPerQuery = 2

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {db}
ServerThreads = 4
MaxClientConnections = 4
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
MaxQueryCostEstimationTime = 400
"""


class Virtuoso:
    """A throwaway Virtuoso on 127.0.0.1: its base URL, process and database folder."""

    def __init__(self, url: str, sql_port: int, process: subprocess.Popen[bytes], folder: Path) -> None:
        self.url = url
        self.sql_port = sql_port
        self.process = process
        self.folder = folder

    @property
    def sparql(self) -> str:
        return f"{self.url}/sparql"

    @property
    def crud(self) -> str:
        return f"{self.url}/sparql-graph-crud-auth"


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Virtuoso]:
    binary = shutil.which("virtuoso-t")
    if binary is None:
        pytest.skip("virtuoso-t is not installed (Debian virtuoso-opensource; scripts/test installs it)")
    folder = tmp_path_factory.mktemp("virtuoso")
    http_port = free_port()
    sql_port = free_port()
    while sql_port == http_port:
        sql_port = free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(db=folder, sql_port=sql_port, http_port=http_port), encoding="utf-8")
    with (folder / "stdout.log").open("wb") as log:
        process = subprocess.Popen(
            [binary, "+foreground", "+configfile", str(ini)], cwd=folder, stdout=log, stderr=subprocess.STDOUT
        )
    server = Virtuoso(f"http://127.0.0.1:{http_port}", sql_port, process, folder)
    try:
        _wait_for_virtuoso(server)
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        with pytest.raises(ProcessLookupError):
            os.kill(process.pid, 0)


def _wait_for_virtuoso(server: Virtuoso, seconds: float = 60.0) -> None:
    """Wait until Virtuoso's /sparql answers; fail with its log if it dies or never answers."""
    probe = f"{server.sparql}?query=ASK%7B%7D"
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(probe, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    log = (server.folder / "stdout.log").read_text(encoding="utf-8", errors="replace")
    pytest.fail(f"Virtuoso did not answer on {server.sparql} within {seconds:g} s:\n{log[-2000:]}")


@pytest.fixture(scope="module")
def virtuoso_loaded(virtuoso: Virtuoso, dump: Path) -> Virtuoso:
    """Virtuoso with the dump pushed twice into GRAPH through its Digest-protected Graph Store endpoint."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CNDKG_SPARQL_HOST", "127.0.0.1")
        patch.setenv("CNDKG_SPARQL_USER", "dba")
        patch.setenv("CNDKG_SPARQL_PASSWORD", "dba")
        first = push(dump, virtuoso.crud, graph=GRAPH)
        second = push(dump, virtuoso.crud, graph=GRAPH)
    assert first.status in (200, 201, 204) and second.status in (200, 201, 204)
    return virtuoso


def test_virtuoso_push_replaces_the_graph(virtuoso_loaded: Virtuoso, triples: int):
    assert count_in(virtuoso_loaded.sparql, GRAPH) == triples


@pytest.mark.parametrize("name", LIBRARY)
def test_virtuoso_answers_like_in_process(name: str, virtuoso_loaded: Virtuoso, expected: dict[str, Result]):
    # No normalisation: Virtuoso 7.2 gives the same variables, rows, order, datatypes
    # (xsd:integer for COUNT) and language tags as Oxigraph for every library query.
    assert_same(name, expected[name], run_endpoint(virtuoso_loaded.sparql, query_text(name, {}), graph=GRAPH))


def test_virtuoso_push_by_sparql_update(
    virtuoso_loaded: Virtuoso, dump: Path, triples: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # One request of DROP SILENT GRAPH then INSERT DATA batches: a single INSERT DATA of the whole
    # dump is refused by Virtuoso ("the length of generated SQL text has exceeded 10000 lines").
    monkeypatch.setenv("CNDKG_SPARQL_HOST", "127.0.0.1")
    monkeypatch.setenv("CNDKG_SPARQL_USER", "dba")
    monkeypatch.setenv("CNDKG_SPARQL_PASSWORD", "dba")
    stale = tmp_path / "stale.nt"
    stale.write_text("<urn:cndkg:test:s> <urn:cndkg:test:p> <urn:cndkg:test:o> .\n", encoding="utf-8")
    push(stale, virtuoso_loaded.crud, graph=UPDATE_GRAPH)
    assert count_in(virtuoso_loaded.sparql, UPDATE_GRAPH) == 1
    result = push(dump, f"{virtuoso_loaded.url}/sparql-auth", graph=UPDATE_GRAPH, protocol="update")
    assert result.status in (200, 204)
    assert count_in(virtuoso_loaded.sparql, UPDATE_GRAPH) == triples  # the stale triple was dropped
    assert count_in(virtuoso_loaded.sparql, GRAPH) == triples


def test_virtuoso_writes_need_credentials(virtuoso: Virtuoso, dump: Path):
    with pytest.raises(QueryError, match="401"):
        push(dump, virtuoso.crud, graph=OTHER_GRAPH)


@pytest.mark.parametrize("source", ["environment", "netrc"])
def test_credentials_never_appear_in_errors(
    source: str, virtuoso: Virtuoso, dump: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    user, password = "dba", "Wr0ng-pass-7c1e"
    if source == "environment":
        monkeypatch.setenv("CNDKG_SPARQL_HOST", "127.0.0.1")
        monkeypatch.setenv("CNDKG_SPARQL_USER", user)
        monkeypatch.setenv("CNDKG_SPARQL_PASSWORD", password)
    else:
        netrc = tmp_path / "netrc"
        netrc.write_text(f"machine 127.0.0.1 login {user} password {password}\n", encoding="utf-8")
        netrc.chmod(0o600)
        monkeypatch.setenv("NETRC", str(netrc))
    secrets = [password, base64.b64encode(f"{user}:{password}".encode()).decode()]
    errors = []
    with pytest.raises(QueryError) as refused:
        push(dump, virtuoso.crud, graph=OTHER_GRAPH)
    errors.append(refused.value)
    with pytest.raises(QueryError) as refused:
        push(dump, f"{virtuoso.url}/sparql-auth", graph=OTHER_GRAPH, protocol="update")
    errors.append(refused.value)
    with pytest.raises(QueryError) as refused:
        run_endpoint(f"{virtuoso.url}/sparql-auth", "SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    errors.append(refused.value)
    for error in errors:
        assert re.search("401|[Uu]nauthorized", str(error))
        assert error.__cause__ is None and error.__suppress_context__
        for secret in secrets:
            assert secret not in str(error) and secret not in repr(error)
    assert count_in(virtuoso.sparql, OTHER_GRAPH) == 0


def test_virtuoso_listens_on_loopback_only(virtuoso: Virtuoso):
    # The fixture stops it by PID at the end of the module and checks the process is gone.
    assert virtuoso.process.poll() is None
    assert urllib.parse.urlsplit(virtuoso.url).hostname == "127.0.0.1"
    port = urllib.parse.urlsplit(virtuoso.url).port
    assert port is not None
    if Path("/proc/net/tcp").is_file():
        assert listening_addresses(port) == {"0100007F"}
        assert listening_addresses(virtuoso.sql_port) == {"0100007F"}  # its SQL (isql) port, too


def test_guard_stops_a_runaway_query_and_keeps_answering(dump: Path) -> None:
    """`cndkg serve`'s guard: a query Oxigraph's own timeout cannot cancel is cut off, the server restarted."""
    import time
    import urllib.error
    import urllib.parse
    import urllib.request

    from cndkg.query.engines import run_endpoint
    from cndkg.query.guard import GuardedServer

    explosive = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    with GuardedServer(dump, timeout_s=1) as guard:
        assert guard.query_url.startswith("http://127.0.0.1:")
        first_pid = guard.backend.process.pid if guard.backend.process else None
        started = time.monotonic()
        with pytest.raises(QueryError, match="503"):
            run_endpoint(guard.query_url, explosive, timeout=30)
        assert time.monotonic() - started < 15
        # The 503 goes out first; the restart (a reload of the dump) follows.
        deadline = time.monotonic() + 30
        while not (guard.restarts >= 1 and guard._ready.is_set()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert guard.restarts >= 1 and guard.backend.process is not None
        assert guard.backend.process.pid != first_pid
        answer = run_endpoint(guard.query_url, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", timeout=30)
        assert int(answer.rows[0]["n"].value) > 4000
        insert = urllib.parse.urlencode({"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}).encode()
        for url in (guard.query_url.replace("/query", "/update"), guard.query_url.replace("/query", "/store")):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(urllib.request.Request(url, data=insert, method="POST"), timeout=10)
            assert refused.value.code == 403
    assert guard.backend.process is None


@pytest.fixture(scope="module")
def guarded(dump: Path) -> Iterator[object]:
    """`cndkg serve`'s SPARQL endpoint over the bundled corpus's dump."""
    from cndkg.query.guard import GuardedServer

    with GuardedServer(dump) as guard:
        yield guard


COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.mark.parametrize("name", LIBRARY)
def test_guarded_in_memory_server_answers_like_in_process(
    name: str, guarded: object, expected: dict[str, Result]
) -> None:
    """`cndkg serve`'s endpoint: the guard in front of Oxigraph's in-memory store, loaded over HTTP."""
    from cndkg.query.guard import GuardedServer

    assert isinstance(guarded, GuardedServer)
    assert guarded.backend.in_memory
    assert_same(name, expected[name], run_endpoint(guarded.query_url, query_text(name, {})))


def test_guard_answers_503_while_the_backend_restarts(dump: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No answer is passed on from a backend that is reloading, or that was restarted during the query."""
    from cndkg.query.guard import GuardedServer

    with GuardedServer(dump, timeout_s=5) as guard:
        guard._ready.clear()
        with pytest.raises(QueryError, match=r"503.*restarting"):
            run_endpoint(guard.query_url, COUNT, timeout=10)
        guard._ready.set()
        real_fetch = guard._fetch

        def restarted_meanwhile(*args: object, **kwargs: object) -> object:
            answer = real_fetch(*args, **kwargs)  # type: ignore[arg-type]
            guard._generation += 1  # what _restart_backend does when another query overran
            return answer

        monkeypatch.setattr(guard, "_fetch", restarted_meanwhile)
        with pytest.raises(QueryError, match=r"503.*restarted while this query ran"):
            run_endpoint(guard.query_url, COUNT, timeout=10)
        monkeypatch.undo()
        assert int(run_endpoint(guard.query_url, COUNT, timeout=10).rows[0]["n"].value) > 4000


def test_a_backend_that_cannot_be_reloaded_leaves_the_endpoint_down(
    dump: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed reload stops the new process and answers 503 with the reason; never an empty store."""
    from cndkg.query.guard import GuardedServer

    with GuardedServer(dump, timeout_s=5) as guard:

        def fail() -> None:
            raise QueryError("oxigraph could not load the dump: disk on fire")

        monkeypatch.setattr(guard.backend, "_post_dump", fail)
        guard._restart_backend(guard._generation)
        assert guard.backend.process is None, "the half-started process was stopped"
        with pytest.raises(QueryError, match=r"503.*could not be restarted.*disk on fire"):
            run_endpoint(guard.query_url, COUNT, timeout=10)
    assert guard.backend.process is None


def test_a_restart_reloads_the_dump_the_server_started_with(dump: Path, tmp_path: Path) -> None:
    """A rebuild that replaces the dump while `cndkg serve` runs does not change what a restart loads."""
    from cndkg.query.guard import GuardedServer

    served = tmp_path / "cndkg.nt"
    shutil.copyfile(dump, served)
    with GuardedServer(served, timeout_s=5) as guard:
        before = int(run_endpoint(guard.query_url, COUNT, timeout=10).rows[0]["n"].value)
        first_pid = guard.backend.process.pid if guard.backend.process else None
        replacement = tmp_path / "new.nt"
        replacement.write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
        replacement.replace(served)  # as an atomic rebuild swaps files in
        guard._restart_backend(guard._generation)
        assert guard.restarts == 1 and guard.backend.process is not None
        assert guard.backend.process.pid != first_pid, "a new process, loaded again"
        assert int(run_endpoint(guard.query_url, COUNT, timeout=10).rows[0]["n"].value) == before > 4000


def test_an_in_memory_oxigraph_server_cannot_claim_to_be_read_only() -> None:
    """Its store takes writes, so only a guard in front of it can make it read-only."""
    with pytest.raises(ValueError, match="read_only=False"):
        OxigraphServer(None, in_memory=True)


def test_credentials_are_not_sent_on_to_a_redirect_target(monkeypatch: pytest.MonkeyPatch) -> None:
    """An endpoint that redirects elsewhere never hands the user's credentials to the other host."""
    import http.server
    import threading

    seen: list[str | None] = []

    class Target(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            seen.append(self.headers.get("Authorization"))
            body = b'{"head": {"vars": []}, "results": {"bindings": []}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    target = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Target)

    class Redirect(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            self.send_response(303)
            self.send_header("Location", f"http://localhost:{target.server_address[1]}/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

    redirect = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    for server in (target, redirect):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("CNDKG_SPARQL_HOST", "127.0.0.1")
        monkeypatch.setenv("CNDKG_SPARQL_USER", "alice")
        monkeypatch.setenv("CNDKG_SPARQL_PASSWORD", "secret")
        run_endpoint(f"http://127.0.0.1:{redirect.server_address[1]}/query", "SELECT * WHERE { ?s ?p ?o }", timeout=10)
        assert seen == [None]
    finally:
        for server in (target, redirect):
            server.shutdown()
            server.server_close()


# --- `cndkg serve` against a hostile client (issue 16) -------------------------------------------------

# 4224^3 rows, streamed as fast as Oxigraph can: many GB of JSON.
CROSS_JOIN = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def raw_query(url: str, query: str, *, method: str = "GET", timeout: float = 120) -> tuple[int, bytes]:
    """Send one query as the SPARQL protocol says; return the status and the whole body, errors included."""
    headers = {"Accept": "application/sparql-results+json"}
    if method == "GET":
        request = urllib.request.Request(f"{url}?{urllib.parse.urlencode({'query': query})}", headers=headers)
    else:
        headers["Content-Type"] = "application/sparql-query"
        request = urllib.request.Request(url, data=query.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_guard_caps_the_size_of_an_answer_and_stops_the_query(dump: Path) -> None:
    from cndkg.query.guard import GuardedServer

    with GuardedServer(dump, timeout_s=60, max_answer_bytes=100_000) as guard:
        first_pid = guard.backend.process.pid if guard.backend.process else None
        status, body = raw_query(guard.query_url, CROSS_JOIN)
        assert status == 503 and b"over 100000 bytes" in body, body[:300]
        assert guard.wait_ready(60) and guard.restarts == 1
        assert guard.backend.process is not None and guard.backend.process.pid != first_pid, "its work was stopped"
        status, body = raw_query(guard.query_url, COUNT)
        assert status == 200 and b'"n"' in body


def test_guard_bounds_the_whole_answer_in_wall_time(dump: Path) -> None:
    """A query that streams steadily (so no single read times out) is still stopped at the time bound."""
    from cndkg.query.guard import GuardedServer

    with GuardedServer(dump, timeout_s=2, max_answer_bytes=1 << 40) as guard:
        started = time.monotonic()
        status, body = raw_query(guard.query_url, CROSS_JOIN, method="POST")
        assert status == 503 and b"ran over 2 s" in body, body[:300]
        assert time.monotonic() - started < 60  # generous: the point is that it ends at all
        assert guard.wait_ready(60)
        status, body = raw_query(guard.query_url, COUNT)
        assert status == 200


def test_an_error_after_the_backends_200_never_reaches_the_client_as_a_200(dump: Path) -> None:
    """Oxigraph cancels with a 200 already sent and appends its message: the client gets a 503 instead."""
    from cndkg.query.guard import GuardedServer

    guard = GuardedServer(dump, timeout_s=60)
    guard.backend.timeout_s = 1  # Oxigraph's own deadline comes first
    with guard:
        status, body = raw_query(guard.query_url, EXPLOSIVE)
        assert status in (502, 503), body[:300]
        assert not body.startswith(b"{"), "no part of a broken answer is passed on"


class Listener:
    """An HTTP server on 127.0.0.1 that records every request it gets (what SSRF would reach)."""

    def __init__(self) -> None:
        import http.server
        import threading

        seen = self.seen = []  # type: list[str]

        class Record(http.server.BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                seen.append(self.path)
                body = b'{"head": {"vars": []}, "results": {"bindings": []}}'
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Record)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def test_the_guarded_endpoint_refuses_federation(guarded: object, listener: Listener) -> None:
    """SERVICE would make the server fetch any URL (and scan ports by its errors): refused, nothing fetched."""
    from cndkg.query.guard import GuardedServer

    assert isinstance(guarded, GuardedServer)
    # The control: the backend itself does fetch a SERVICE, and the listener sees it.
    service = f"SELECT * WHERE {{ SERVICE <{listener.url}control> {{ ?s ?p ?o }} }}"
    raw_query(guarded.backend.query_url, service)
    assert listener.seen == ["/control"] or listener.seen[0].startswith("/control")
    listener.seen.clear()
    hostile = [
        f"SELECT * WHERE {{ SERVICE <{listener.url}a> {{ ?s ?p ?o }} }}",
        f"select * where {{ ?x ?y ?z OPTIONAL {{ service silent <{listener.url}b> {{ ?s ?p ?o }} }} }}",
        f"PREFIX r: <{listener.url}> ASK {{ {{ SELECT * WHERE {{ SERVICE r:c {{ ?s ?p ?o }} }} }} }}",
        f"SELECT * WHERE {{ SERVICE \\u003C{listener.url}d> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ \\u0053ERVICE <{listener.url}e> {{ ?s ?p ?o }} }}",
    ]
    for query in hostile:
        for method in ("GET", "POST"):
            status, body = raw_query(guarded.query_url, query, method=method)
            assert status in (400, 403), (query, status, body[:200])
    status, body = raw_query(guarded.query_url, hostile[0])
    assert status == 403 and b"SERVICE" in body
    # LOAD is an update: refused on /query (it does not parse as a query) and on /update.
    assert raw_query(guarded.query_url, f"LOAD <{listener.url}f>")[0] == 400
    form = urllib.parse.urlencode({"update": f"LOAD <{listener.url}g>"}).encode()
    assert http_status(guarded.query_url, "POST", form, "application/x-www-form-urlencoded") == 403
    assert (
        http_status(guarded.query_url.replace("/query", "/update"), "POST", form, "application/x-www-form-urlencoded")
        == 403
    )
    # FROM and FROM NAMED pick graphs of the store: Oxigraph never dereferences them.
    for query in (
        f"SELECT * FROM <{listener.url}h> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{listener.url}i> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    ):
        assert raw_query(guarded.query_url, query)[0] == 200
    graphs = urllib.parse.urlencode({"query": COUNT, "default-graph-uri": f"{listener.url}j"})
    with urllib.request.urlopen(f"{guarded.query_url}?{graphs}", timeout=30) as response:
        assert response.status == 200
    # Every answer above came after any fetch the server would have made, so none was made.
    assert listener.seen == []
    # The word in a string, an IRI or a comment is no SERVICE.
    words = (
        f'# SERVICE <{listener.url}>\nSELECT ?x WHERE {{ BIND("SERVICE <{listener.url}k> {{ }}" AS ?x) '
        "OPTIONAL { ?s <http://example.org/SERVICE> ?o } }"
    )
    status, body = raw_query(guarded.query_url, words)
    assert status == 200 and b"SERVICE" in body
    assert listener.seen == []


def test_query_endpoint_keeps_federation_for_the_users_own_use(guarded: object, listener: Listener) -> None:
    """`cndkg query --endpoint` sends what the user wrote, SERVICE included."""
    import subprocess
    import sys

    from cndkg.query.guard import GuardedServer

    assert isinstance(guarded, GuardedServer)
    query = f"SELECT * WHERE {{ SERVICE <{listener.url}mine> {{ ?s ?p ?o }} }}"
    subprocess.run(
        [sys.executable, "-m", "cndkg.cli", "query", query, "--endpoint", guarded.backend.query_url],
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert [path for path in listener.seen if path.startswith("/mine")]


def test_the_guard_refuses_requests_it_cannot_check(guarded: object) -> None:
    from cndkg.query.guard import MAX_QUERY_BYTES, GuardedServer

    assert isinstance(guarded, GuardedServer)
    assert raw_query(guarded.query_url, "SELECT * WHERE { ?s ?p ?o ")[0] == 400
    assert raw_query(guarded.query_url, "SELECT * WHERE " + "{ " * 5000 + "}" * 5000)[0] == 400
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * MAX_QUERY_BYTES
    assert http_status(guarded.query_url, "POST", big.encode(), "application/sparql-query") == 413
    two = urllib.parse.urlencode([("query", COUNT), ("query", "ASK {}")])
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{guarded.query_url}?{two}", timeout=30)
    assert refused.value.code == 400


# --- `cndkg serve` leaves no process behind ---------------------------------------------------------


def alive(pid: int, name: str) -> bool:
    """Return whether process ``pid`` still runs ``name`` (a zombie or another program does not count)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, IndexError):
        return False
    return state != "Z" and name.encode() in command


def start_cndkg_serve(folder: Path, *extra: str) -> tuple[subprocess.Popen[str], str]:
    """Start `cndkg serve` on free ports; return it and its SPARQL endpoint once that answers."""
    import sys

    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cndkg.cli",
            "serve",
            "--out",
            str(folder),
            "--port",
            str(free_port()),
            "--sparql-port",
            str(free_port()),
            *extra,
        ],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert process.stderr is not None
    line = process.stderr.readline()  # printed once the endpoint answers (or the process ends: "")
    match = re.search(r"at (http://\S+/query)", line)
    assert match, f"cndkg serve did not start: {line}{process.stderr.read() if process.poll() is not None else ''}"
    return process, match.group(1)


@pytest.fixture()
def served_folder(dump: Path, tmp_path: Path) -> Path:
    shutil.copyfile(dump, tmp_path / "cndkg.nt")
    (tmp_path / "index.html").write_text("<!doctype html><title>cndkg</title>", encoding="utf-8")
    return tmp_path


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="needs Linux /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_cndkg_serve_leaves_no_child_when_stopped_or_killed(served_folder: Path, sig: signal.Signals) -> None:
    process, endpoint = start_cndkg_serve(served_folder)
    try:
        children = [pid for pid in children_of(process.pid) if alive(pid, "oxigraph")]
        assert children, "the Oxigraph server runs as a child of cndkg serve"
        assert raw_query(endpoint, COUNT)[0] == 200
        process.send_signal(sig)
        process.wait(timeout=60)
        deadline = time.monotonic() + 30
        while any(alive(pid, "oxigraph") for pid in children) and time.monotonic() < deadline:
            time.sleep(0.05)  # polling for the event (the child's end), bounded
        assert not any(alive(pid, "oxigraph") for pid in children), f"orphans after {sig.name}: {children}"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        assert process.stderr is not None
        process.stderr.close()


def test_cndkg_serve_applies_its_bounds_and_refuses_federation(served_folder: Path, listener: Listener) -> None:
    process, endpoint = start_cndkg_serve(served_folder, "--max-answer-bytes", "50000", "--timeout", "30")
    try:
        status, body = raw_query(endpoint, CROSS_JOIN)
        assert status == 503 and b"over 50000 bytes" in body
        status, body = raw_query(endpoint, f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}")
        assert status == 403 and b"SERVICE" in body
        assert listener.seen == []
    finally:
        process.terminate()
        process.wait(timeout=60)
        assert process.stderr is not None
        process.stderr.close()
