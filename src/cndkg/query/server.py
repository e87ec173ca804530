"""The project's own SPARQL 1.1 server: Oxigraph's, from the ``oxigraph`` package on PyPI.

``OxigraphServer`` loads a dump into a fresh database folder, starts
``oxigraph serve-read-only`` (or ``serve`` when writes are wanted, e.g. as a
push target in tests) bound to 127.0.0.1 by default with a query timeout,
waits until it answers, and stops it by its own PID.

With ``in_memory=True`` it runs ``oxigraph serve`` on an in-memory store and
loads the dump over the Graph Store Protocol once the server answers. That
store answers the query library several times faster than the on-disk database
(figures in ``docs/benchmarks.md``) but accepts writes, so it is meant to sit
behind :class:`cndkg.query.guard.GuardedServer`, which forwards only queries.
The dump is kept open from the start, so a restart reloads the very bytes the
server started with even if a rebuild has replaced the file since.

On Linux every Oxigraph process is started with ``PR_SET_PDEATHSIG``: it is
killed when cndkg dies, however cndkg dies (even by SIGKILL), so no server is
ever left running as an orphan. The kernel ties that signal to the *thread*
that started the child, so every child is started from one thread that lives
as long as the process (a restart may be asked for by any request's thread).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import pyoxigraph as ox

from cndkg.query.binding import QueryError
from cndkg.serve import free_port

_PR_SET_PDEATHSIG = 1
try:  # resolved here, not in the child between fork and exec
    _PRCTL: Any = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else None
except (OSError, AttributeError):
    _PRCTL = None
_LAUNCHER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cndkg-launcher")


def _die_with_parent(parent: int) -> Callable[[], None] | None:
    """Return a ``preexec_fn`` that has the child killed when this process dies (Linux), else None."""
    prctl = _PRCTL
    if prctl is None:
        return None

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the signal was armed
            os.kill(os.getpid(), signal.SIGKILL)

    return preexec


def spawn(command: list[str], **options: Any) -> subprocess.Popen[bytes]:
    """Start a child process that is killed when this process dies, however it dies (Linux).

    The child is started from a thread that lives as long as the process, as
    the kernel sends the signal when the starting thread ends.
    """
    parent = os.getpid()

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(command, preexec_fn=_die_with_parent(parent), **options)

    return _LAUNCHER.submit(start).result()


def oxigraph_binary() -> str:
    """Return the path of the ``oxigraph`` executable (installed with cndkg); raise if missing."""
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file():
        return str(beside)
    found = shutil.which("oxigraph")
    if found is None:
        raise QueryError("the 'oxigraph' server is not installed (pip install oxigraph)")
    return found


class OxigraphServer:
    """An Oxigraph SPARQL server over one dump, as a context manager."""

    def __init__(
        self,
        dump: Path | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        read_only: bool = True,
        timeout_s: int = 10,
        union_default_graph: bool = False,
        in_memory: bool = False,
    ) -> None:
        if in_memory and read_only:
            raise ValueError("an in-memory Oxigraph server takes writes: pass read_only=False and guard it")
        self.dump = dump
        self.in_memory = in_memory
        self.host = host
        self.port = port or free_port(host)
        self.read_only = read_only
        self.timeout_s = timeout_s
        self.union_default_graph = union_default_graph
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._dump_handle: IO[bytes] | None = None
        self.location = Path()

    @property
    def url(self) -> str:
        """Return the server's base URL (``http://127.0.0.1:PORT``)."""
        return f"http://{self.host}:{self.port}"

    @property
    def query_url(self) -> str:
        """Return the SPARQL query endpoint."""
        return f"{self.url}/query"

    def start(self) -> OxigraphServer:
        """Load the dump, start the server and wait until it answers; return self.

        On any failure the process and the database folder are cleaned up before the error goes on.
        """
        try:
            if self.in_memory:
                self._open_dump()
            else:
                self.location = Path(tempfile.mkdtemp(prefix="cndkg-oxigraph-"))
                self._load()
            self._launch()
        except BaseException:
            self.stop()
            raise
        return self

    def _open_dump(self) -> None:
        """Open the dump (if any) for the in-memory server's loads; raise QueryError when it is missing."""
        if self.dump is None:
            return
        try:
            self._dump_handle = open(self.dump, "rb")  # noqa: SIM115 (closed by stop())
        except OSError:
            raise QueryError(f"{self.dump}: no built graph here (run 'cndkg build' first)") from None

    def _load(self) -> None:
        """Load the dump (if any) into the database folder."""
        binary = oxigraph_binary()
        if self.dump is not None:
            if not self.dump.is_file():
                raise QueryError(f"{self.dump}: no built graph here (run 'cndkg build' first)")
            loader = spawn(
                [binary, "load", "--location", str(self.location), "--file", str(self.dump)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            try:
                _, stderr = loader.communicate()
            except BaseException:
                loader.kill()
                loader.wait()
                raise
            if loader.returncode != 0:
                detail = stderr.decode("utf-8", "replace").strip()[:300]
                raise QueryError(f"oxigraph could not load {self.dump}: {detail}")

    def _launch(self) -> None:
        """Start the server process and wait until it answers; an in-memory server is then loaded with the dump."""
        binary = oxigraph_binary()
        command = [
            binary,
            "serve-read-only" if self.read_only else "serve",
            *([] if self.in_memory else ["--location", str(self.location)]),
            "--bind",
            f"{self.host}:{self.port}",
            "--timeout-s",
            str(self.timeout_s),
        ]
        if self.union_default_graph:
            command.append("--union-default-graph")
        # stderr goes to a file, not a pipe: nobody reads a pipe while the server runs, and the
        # server blocks once ~64 KB of its error lines (one per cancelled query) fill it.
        self._log = tempfile.TemporaryFile(prefix="cndkg-oxigraph-")  # noqa: SIM115 (closed by stop())
        self.process = spawn(command, stdout=subprocess.DEVNULL, stderr=self._log)
        self._wait_until_ready()
        if self.in_memory:
            self._post_dump()

    def _post_dump(self) -> None:
        """Load the open dump (if any) into the running in-memory server: the default graph, or the dataset."""
        if self.dump is None:
            return
        if self._dump_handle is None:
            raise QueryError(f"{self.dump}: the server was stopped; start it again")
        rdf_format = ox.RdfFormat.from_extension(self.dump.suffix.lstrip(".")) or ox.RdfFormat.N_TRIPLES
        target = f"{self.url}/store" + ("" if rdf_format.supports_datasets else "?default")
        self._dump_handle.seek(0)
        request = urllib.request.Request(
            target,
            data=self._dump_handle,
            method="POST",
            headers={
                "Content-Type": rdf_format.media_type,
                "Content-Length": str(os.fstat(self._dump_handle.fileno()).st_size),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=600) as response:
                response.read()
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", "replace").strip()[:300]
            raise QueryError(f"oxigraph could not load {self.dump}: {detail}") from None
        except (urllib.error.URLError, OSError) as error:
            raise QueryError(f"oxigraph could not load {self.dump}: {error}") from None

    def restart(self) -> None:
        """Kill the server process (a runaway query cannot outlive this) and start it again on the same data.

        If the new process cannot be started or loaded, it is stopped too and the error goes on:
        a server is never left running on an empty or partly loaded store.
        """
        self._terminate()
        try:
            self._launch()
        except BaseException:
            self._terminate()
            raise

    def _wait_until_ready(self, seconds: float = 20.0) -> None:
        """Poll ``ASK {}`` until the server answers; raise with its stderr if it dies or never answers."""
        deadline = time.monotonic() + seconds
        probe = f"{self.query_url}?query=ASK%7B%7D"
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                error = self._stderr()
                self.stop()
                raise QueryError(f"the oxigraph server stopped at start: {error.strip()[:300]}")
            try:
                with urllib.request.urlopen(probe, timeout=1) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.05)
        self.stop()
        raise QueryError(f"the oxigraph server did not answer on {self.url} within {seconds:g} s")

    def _stderr(self) -> str:
        """Return what the server wrote to stderr so far."""
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")

    def stop(self) -> None:
        """Stop the server by its PID, delete its database folder and close the dump."""
        self._terminate()
        if self.location != Path():
            shutil.rmtree(self.location, ignore_errors=True)
        if self._dump_handle is not None:
            self._dump_handle.close()
            self._dump_handle = None

    def _terminate(self) -> None:
        """Stop the server process by its PID (SIGTERM, then SIGKILL) and close its log."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None
        self.process = None

    def __enter__(self) -> OxigraphServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
