"""Serving the built site on 127.0.0.1 (``cndkg build --serve``, ``cndkg serve``).

The static server is the standard library's, bound to loopback unless told
otherwise, serving only the output folder, with the media types of the dumps.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from cndkg.errors import BuildError

MEDIA_TYPES = {
    ".ttl": "text/turtle; charset=utf-8",
    ".nt": "application/n-triples; charset=utf-8",
    ".jsonld": "application/ld+json; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".graphml": "application/graphml+xml; charset=utf-8",
    ".svg": "image/svg+xml",
    ".wasm": "application/wasm",
    ".pf_meta": "application/octet-stream",
}


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MEDIA_TYPES}  # noqa: RUF012

    def log_message(self, format: str, *args: object) -> None:
        """Log requests quietly (only errors reach stderr)."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Serve the site's own 404 page when there is one."""
        page = Path(self.directory) / "404.html"
        if code == 404 and page.is_file():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)


def free_port(host: str = "127.0.0.1") -> int:
    """Return a free TCP port on ``host``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def make_server(folder: Path, host: str = "127.0.0.1", port: int = 0) -> http.server.ThreadingHTTPServer:
    """Return an HTTP server for ``folder`` (port 0: any free port)."""
    if not (folder / "index.html").is_file():
        raise BuildError(f"{folder}: no built site here (run 'cndkg build' first)")
    handler = functools.partial(_Handler, directory=str(folder))
    try:
        return http.server.ThreadingHTTPServer((host, port), handler)
    except OSError as error:
        raise BuildError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None


@contextlib.contextmanager
def serving(folder: Path, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve ``folder`` in a background thread; yield its base URL; stop on exit."""
    server = make_server(folder, host)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def serve_site(folder: Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the site until interrupted, printing its URL."""
    server = make_server(folder, host, port)
    print(f"cndkg: serving {folder} at http://{host}:{server.server_address[1]}/ (Ctrl-C stops)", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


@contextlib.contextmanager
def stopping_on_signals() -> Iterator[None]:
    """Turn SIGTERM, SIGINT and SIGHUP into KeyboardInterrupt, so ``with`` blocks stop their child processes.

    Python's default for SIGTERM ends the process at once, without running any
    ``finally``: a server's child would be left running. After the first signal
    the others are ignored until the block has cleaned up (a second Ctrl-C
    cannot interrupt the cleanup); the previous handlers come back on exit.
    Only the main thread can install handlers; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(number: int, frame: FrameType | None) -> None:
        for other in _STOP_SIGNALS:
            signal.signal(other, signal.SIG_IGN)
        raise KeyboardInterrupt

    previous = {number: signal.signal(number, stop) for number in _STOP_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
