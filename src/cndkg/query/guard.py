"""A guard in front of the project's Oxigraph server: read-only and bounded in wall time.

Oxigraph's own ``--timeout-s`` cancels most queries but not all shapes (some
joins and sorts run on after the client gave up). The guard forwards only
``/query`` to the server on an internal port, answers ``403`` to updates and
Graph Store writes, and when a query overruns its time it kills the server
process and starts it again on the same data, answering ``503``: one bad query
can never hold the endpoint.

The server behind the guard keeps the graph in memory (much faster queries than
Oxigraph's on-disk database), so a restart reloads the dump: about 3.5 s per
million triples on the project's machine. The query that overran gets its
``503`` first; until the reload is done, other queries get ``503`` too, and an
answer from a server that was restarted while the query ran is never passed
on (it may hold only part of the graph).
"""

from __future__ import annotations

import http.server
import threading
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from cndkg.query.binding import QueryError
from cndkg.query.server import OxigraphServer
from cndkg.serve import free_port

_FORWARDED = ("Accept", "Content-Type")


class GuardedServer:
    """The public SPARQL endpoint of ``cndkg serve``, as a context manager."""

    def __init__(self, dump: Path, *, host: str = "127.0.0.1", port: int = 0, timeout_s: int = 10) -> None:
        self.backend = OxigraphServer(dump, host="127.0.0.1", timeout_s=timeout_s, read_only=False, in_memory=True)
        self.host = host
        self.port = port or free_port(host)
        self.timeout_s = timeout_s
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

    def _serve(self) -> None:
        """Start the guard's HTTP server in a thread; raise QueryError when its port cannot be used."""
        guard = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                """Stay quiet."""

            def do_GET(self) -> None:
                guard.forward(self, None)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                guard.forward(self, self.rfile.read(length) if length else b"")

            def do_PUT(self) -> None:
                guard.refuse(self)

            do_DELETE = do_PUT
            do_PATCH = do_PUT

        try:
            self._http = http.server.ThreadingHTTPServer((self.host, self.port), Handler)
        except OSError as error:
            raise QueryError(f"cannot listen on {self.host}:{self.port}: {error.strerror or error}") from None
        threading.Thread(target=self._http.serve_forever, daemon=True).start()

    def refuse(self, request: http.server.BaseHTTPRequestHandler) -> None:
        """Answer 403: this endpoint is read-only."""
        self._reply(request, 403, b"this SPARQL endpoint is read-only\n")

    def forward(self, request: http.server.BaseHTTPRequestHandler, body: bytes | None) -> None:
        """Pass a query to the backend within the time bound; restart the backend when it overruns."""
        path = request.path
        if not (path == "/query" or path.startswith("/query?")):
            self.refuse(request)
            return
        generation = self._generation  # read before the readiness check (see _restart_backend)
        if not self._ready.is_set():
            self._reply(request, 503, self._unavailable)
            return
        headers = {name: request.headers[name] for name in _FORWARDED if request.headers.get(name)}
        upstream = urllib.request.Request(
            self.backend.url + path, data=body, headers=headers, method="POST" if body is not None else "GET"
        )
        try:
            with urllib.request.urlopen(upstream, timeout=self.timeout_s + 1) as answer:
                status, data, media = answer.status, answer.read(), answer.headers.get("Content-Type")
        except urllib.error.HTTPError as error:
            status, data, media = error.code, error.read(), error.headers.get("Content-Type")
        except (TimeoutError, urllib.error.URLError, ConnectionError) as error:
            overran = isinstance(error, TimeoutError) or isinstance(getattr(error, "reason", None), TimeoutError)
            message = f"the query ran over {self.timeout_s} s and was stopped" if overran else "the server restarted"
            self._reply(request, 503, f"{message}; try again\n".encode())  # before the restart, which takes a while
            if overran:
                self._restart_backend(generation)
            return
        if generation != self._generation or not self._ready.is_set():
            self._reply(request, 503, b"the server restarted while this query ran; try again\n")
        else:
            self._reply(request, status, data, media)

    def _restart_backend(self, generation: int) -> None:
        """Restart the backend once per overrun: requests that began before a restart do not restart it again.

        Readiness is cleared before the generation moves on, so a request that
        sees the new generation also sees the backend is not ready until it is
        fully loaded. A backend that cannot be restarted leaves the endpoint
        answering 503, never serving an empty or partly loaded store.
        """
        with self._lock:
            if generation != self._generation or self._stopped:
                return
            self._ready.clear()
            self._generation += 1
            self.restarts += 1
            try:
                self.backend.restart()
            except Exception as error:  # whatever failed, the endpoint stays down and says why
                reason = f"the SPARQL server could not be restarted ({error}); restart cndkg serve\n"
                self._unavailable = reason.encode()
                return
            self._ready.set()

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
        except (BrokenPipeError, ConnectionResetError):
            pass

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
