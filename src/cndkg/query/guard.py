"""A guard in front of the project's Oxigraph server: read-only, local, and bounded in time and size.

Oxigraph's own ``--timeout-s`` cancels most queries but not all shapes (some
joins and sorts run on after the client gave up). The guard forwards only
queries to the server on an internal port and answers ``403`` to updates and
Graph Store writes. What it bounds, for every query:

- **Wall time**: from the request to the answer's last byte, at most
  ``timeout_s``, however steadily the server streams.
- **Answer size**: at most ``max_answer_bytes`` (64 MiB by default). The answer
  is spooled (in memory up to 1 MiB, then to a temporary file) and sent only
  once it is complete and within both bounds, so a client gets either the whole
  answer or a ``503`` with a message, never a ``200`` with a truncated body.
  A query over either bound is cut off and the server process killed and
  started again on the same data (its work stops with it).
- **No federation**: the query is parsed with rdflib's SPARQL parser, and one
  holding ``SERVICE`` (which makes the server fetch any URL) is refused with
  ``403``; one that does not parse is refused with ``400``. The guard forwards
  the very text it checked. ``FROM`` and ``FROM NAMED`` only pick graphs of the
  store (Oxigraph never dereferences them; tested).

Oxigraph reports errors met after its ``200`` (a cancelled query) by appending
the message to the body; an answer that does not end as its format must is
answered ``503`` (time) or ``502``, never passed on.

The server behind the guard keeps the graph in memory (much faster queries than
Oxigraph's on-disk database), so a restart reloads the dump: about 3.5 s per
million triples on the project's machine. The query that overran gets its
``503`` first; until the reload is done, other queries get ``503`` too, and an
answer from a server that was restarted while the query ran is never passed
on (it may hold only part of the graph).
"""

from __future__ import annotations

import http.client
import http.server
import re
import shutil
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

from cndkg.query.binding import QueryError
from cndkg.query.server import OxigraphServer
from cndkg.serve import free_port

DEFAULT_MAX_ANSWER_BYTES = 64 * 1024 * 1024
MAX_QUERY_BYTES = 64 * 1024
_IN_MEMORY = 1024 * 1024  # answers up to this size stay in memory; larger ones go to a temporary file
_CHUNK = 64 * 1024
_CLIENT_SECONDS = 30  # how long a client may take to send its request or read the answer, per operation
_DATASET = ("default-graph-uri", "named-graph-uri")
# How a complete answer ends, per media type; Oxigraph appends its error message to a body it cannot finish.
_ENDINGS = {
    "application/sparql-results+json": re.compile(rb"[}\]]\s*\Z"),
    "application/json": re.compile(rb"[}\]]\s*\Z"),
    "application/sparql-results+xml": re.compile(rb"</sparql>\s*\Z"),
    "text/csv": re.compile(rb"(\A|\n)\Z"),
    "text/tab-separated-values": re.compile(rb"(\A|\n)\Z"),
    "application/n-triples": re.compile(rb"(\A|\n)\Z"),
    "application/n-quads": re.compile(rb"(\A|\n)\Z"),
    "text/turtle": re.compile(rb"(\A|\.\s*)\Z"),
    "application/trig": re.compile(rb"(\A|[.}]\s*)\Z"),
    "application/rdf+xml": re.compile(rb"(\A|</rdf:RDF>\s*)\Z"),
}
_TAIL = 256


class Refused(Exception):
    """A request the guard answers itself, with a status and a message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True)
class _Request:
    """A checked query: its text and the dataset the protocol parameters name."""

    query: str
    dataset: tuple[tuple[str, str], ...]


def check_query(text: str) -> None:
    """Raise Refused unless ``text`` parses as a SPARQL query without federation (``SERVICE``)."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery
    from rdflib.plugins.sparql.parserutils import CompValue

    try:
        parsed = parseQuery(text)
    except (ParseException, RecursionError, ValueError, TypeError, UnicodeError) as error:
        detail = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        raise Refused(400, f"not a SPARQL query this endpoint takes: {detail}") from None
    stack: list[object] = [parsed]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                raise Refused(403, "federated queries (SERVICE) are not allowed on this endpoint")
            stack.extend(node.values())
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list | tuple) or type(node).__name__ == "ParseResults":
            stack.extend(node)  # type: ignore[arg-type]


def _read_request(method: str, target: str, content_type: str, body: bytes) -> _Request:
    """Return the query and dataset of a SPARQL protocol request; raise Refused for anything else."""
    split = urllib.parse.urlsplit(target)
    if split.path != "/query":
        raise Refused(403, "this SPARQL endpoint is read-only: only /query is served")
    try:
        params = urllib.parse.parse_qsl(split.query, keep_blank_values=True, errors="strict")
        media = content_type.split(";", 1)[0].strip().lower()
        if method == "POST" and media == "application/x-www-form-urlencoded":
            params += urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
        queries = [value for name, value in params if name == "query"]
        if method == "POST" and media == "application/sparql-query":
            queries.append(body.decode("utf-8"))
    except (UnicodeError, ValueError):
        raise Refused(400, "the request is not UTF-8") from None
    if any(name == "update" for name, _ in params):
        raise Refused(403, "this SPARQL endpoint is read-only")
    if len(queries) != 1:
        raise Refused(400, "send exactly one query (the 'query' parameter, or a body of application/sparql-query)")
    dataset = tuple((name, value) for name, value in params if name in _DATASET)
    return _Request(queries[0], dataset)


class GuardedServer:
    """The public SPARQL endpoint of ``cndkg serve``, as a context manager."""

    def __init__(
        self,
        dump: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        timeout_s: int = 10,
        max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES,
    ) -> None:
        self.backend = OxigraphServer(dump, host="127.0.0.1", timeout_s=timeout_s, read_only=False, in_memory=True)
        self.host = host
        self.port = port or free_port(host)
        self.timeout_s = timeout_s
        self.max_answer_bytes = max_answer_bytes
        self.restarts = 0
        self._generation = 0
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._unavailable = b"the server is restarting; try again\n"
        self._stopped = False
        self._http: http.server.ThreadingHTTPServer | None = None

    @property
    def query_url(self) -> str:
        """Return the public query endpoint."""
        return f"http://{self.host}:{self.port}/query"

    def start(self) -> GuardedServer:
        """Start the backend and the guard; return self (both stopped again if either fails)."""
        self.backend.start()
        try:
            self._serve()
        except BaseException:
            self.backend.stop()
            raise
        self._ready.set()
        return self

    def wait_ready(self, seconds: float) -> bool:
        """Wait until the backend answers queries (e.g. after a restart); return whether it does."""
        return self._ready.wait(seconds)

    def _serve(self) -> None:
        """Start the guard's HTTP server in a thread; raise QueryError when its port cannot be used."""
        guard = self

        class Handler(http.server.BaseHTTPRequestHandler):
            timeout = _CLIENT_SECONDS  # a client that stalls while sending or reading is dropped

            def log_message(self, format: str, *args: object) -> None:
                """Stay quiet."""

            def do_GET(self) -> None:
                guard.forward(self, None)

            def do_POST(self) -> None:
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                except ValueError:
                    length = -1
                if not 0 <= length <= MAX_QUERY_BYTES:
                    guard._reply(self, 413, f"a request body is at most {MAX_QUERY_BYTES} bytes\n".encode())
                    self.close_connection = True
                    return
                guard.forward(self, self.rfile.read(length))

            def do_PUT(self) -> None:
                guard.refuse(self)

            do_DELETE = do_PUT
            do_PATCH = do_PUT

        try:
            self._http = http.server.ThreadingHTTPServer((self.host, self.port), Handler)
        except OSError as error:
            raise QueryError(f"cannot listen on {self.host}:{self.port}: {error.strerror or error}") from None
        self._http.daemon_threads = True
        threading.Thread(target=self._http.serve_forever, daemon=True).start()

    def refuse(self, request: http.server.BaseHTTPRequestHandler) -> None:
        """Answer 403: this endpoint is read-only."""
        self._reply(request, 403, b"this SPARQL endpoint is read-only\n")

    def forward(self, request: http.server.BaseHTTPRequestHandler, body: bytes | None) -> None:
        """Check a query and pass it to the backend within the bounds; restart the backend when it overruns."""
        deadline = time.monotonic() + self.timeout_s
        try:
            if len(request.path) > MAX_QUERY_BYTES:
                raise Refused(414, "the request line is too long")
            checked = _read_request(
                request.command, request.path, request.headers.get("Content-Type") or "", body or b""
            )
            check_query(checked.query)
        except Refused as refused:
            self._reply(request, refused.status, f"{refused.message}\n".encode())
            return
        generation = self._generation  # read before the readiness check (see _restart_backend)
        if not self._ready.is_set():
            self._reply(request, 503, self._unavailable)
            return
        with tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY) as spool:
            try:
                status, media = self._fetch(checked, request.headers.get("Accept"), deadline, spool)
            except Refused as refused:
                overran = refused.status == 503 and not isinstance(refused, _Broken)
                restarting = overran and self._begin_restart(generation)  # no query runs from here on
                self._reply(request, refused.status, f"{refused.message}\n".encode())
                if restarting:
                    self._finish_restart()  # after the 503, as the reload takes a while
                return
            if generation != self._generation or not self._ready.is_set():
                self._reply(request, 503, b"the server restarted while this query ran; try again\n")
                return
            self._send(request, status, media, spool)

    def _fetch(self, checked: _Request, accept: str | None, deadline: float, spool: IO[bytes]) -> tuple[int, str]:
        """Send the checked query to the backend; spool its whole answer; return its status and media type.

        Raises Refused (503) when the answer overruns the time or size bound, or the backend went away,
        and _Broken when the backend reported an error after its status line.
        """
        target = "/query" + (f"?{urllib.parse.urlencode(checked.dataset)}" if checked.dataset else "")
        headers = {"Content-Type": "application/sparql-query; charset=utf-8"}
        if accept:
            headers["Accept"] = accept
        left = max(deadline - time.monotonic(), 0.01)
        connection = http.client.HTTPConnection(self.backend.host, self.backend.port, timeout=left)
        overran = Refused(503, f"the query ran over {self.timeout_s} s and was stopped; try again")
        try:
            connection.request("POST", target, body=checked.query.encode("utf-8"), headers=headers)
            answer = connection.getresponse()
            size = 0
            tail = b""
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise overran
                if connection.sock is not None:
                    connection.sock.settimeout(left)
                chunk = answer.read1(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > self.max_answer_bytes:
                    raise Refused(
                        503, f"the answer is over {self.max_answer_bytes} bytes and was stopped; ask for less (LIMIT)"
                    )
                spool.write(chunk)
                tail = (tail + chunk)[-_TAIL:]
        except TimeoutError:
            raise overran from None
        except (OSError, http.client.HTTPException):
            if time.monotonic() >= deadline:
                raise overran from None
            raise _Broken(503, "the server restarted or broke off its answer; try again") from None
        finally:
            connection.close()
        media = answer.headers.get("Content-Type") or "application/octet-stream"
        if answer.status == 200 and not _complete(media, tail):
            if b"cancelled" in tail or time.monotonic() >= deadline - 1:
                raise _Broken(503, f"the query ran over {self.timeout_s} s and was stopped; try again")
            raise _Broken(502, "the SPARQL server failed while answering; the partial answer was dropped")
        return answer.status, media

    def _restart_backend(self, generation: int) -> None:
        """Restart the backend once per overrun: requests that began before a restart do not restart it again."""
        if self._begin_restart(generation):
            self._finish_restart()

    def _begin_restart(self, generation: int) -> bool:
        """Take the backend out of service for a restart; return False when another restart already did.

        Readiness is cleared before the generation moves on, so a request that
        sees the new generation also sees the backend is not ready until it is
        fully loaded.
        """
        with self._lock:
            if generation != self._generation or self._stopped:
                return False
            self._ready.clear()
            self._generation += 1
            self.restarts += 1
            return True

    def _finish_restart(self) -> None:
        """Restart the backend and put it back in service.

        A backend that cannot be restarted leaves the endpoint answering 503,
        never serving an empty or partly loaded store.
        """
        with self._lock:
            if self._stopped:
                return
            try:
                self.backend.restart()
            except Exception as error:  # whatever failed, the endpoint stays down and says why
                reason = f"the SPARQL server could not be restarted ({error}); restart cndkg serve\n"
                self._unavailable = reason.encode()
                return
            self._ready.set()

    @staticmethod
    def _send(request: http.server.BaseHTTPRequestHandler, status: int, media: str, spool: IO[bytes]) -> None:
        """Send a complete, spooled answer (the client may be gone: that is not an error here)."""
        size = spool.tell()
        spool.seek(0)
        try:
            request.send_response(status)
            request.send_header("Content-Type", media)
            request.send_header("Content-Length", str(size))
            request.end_headers()
            shutil.copyfileobj(spool, request.wfile, _CHUNK)
        except OSError:  # the client went away or stalled
            request.close_connection = True

    @staticmethod
    def _reply(
        request: http.server.BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        content_type: str | None = "text/plain; charset=utf-8",
    ) -> None:
        """Send a complete answer (the client may be gone: that is not an error here)."""
        try:
            request.send_response(status)
            request.send_header("Content-Type", content_type or "text/plain; charset=utf-8")
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            request.wfile.write(body)
        except OSError:
            request.close_connection = True

    def stop(self) -> None:
        """Stop the guard and the backend (by PID)."""
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None
        with self._lock:  # not while a restart is starting a process that would then be left running
            self._stopped = True
            self.backend.stop()

    def __enter__(self) -> GuardedServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


class _Broken(Refused):
    """The backend's answer broke off or carried an error after its status line: nothing to restart for."""


def _complete(media: str, tail: bytes) -> bool:
    """Return whether an answer's last bytes end as its media type must (unknown types pass)."""
    ending = _ENDINGS.get(media.split(";", 1)[0].strip().lower())
    return ending is None or ending.search(tail) is not None
