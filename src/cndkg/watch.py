"""``cndkg serve --watch``: the preview an editor works with.

``cndkg serve --watch SOURCE...`` serves the output folder on 127.0.0.1 (never
another address), builds the sources once, then watches them and builds again
after every change, with the parse cache, so only the changed files are parsed
again. The page open in the browser reloads itself after each good build; after
a failed one it stays as the last good build showed it, with the error over it.

How it works:

- **Watching**: :mod:`watchfiles` (the kernel's inotify on Linux) watches the
  source folders recursively and, for a source given as a file, the file's
  folder (only that file counts). A change counts when it is to a file with a
  suffix the reader takes, to a folder, or to a path that is gone and had no
  suffix (a removed folder); editors' swap and backup files, version-control
  folders, the output folder with its lock and staging folders beside it, and
  the cache folder never count, so ``--out`` may lie inside a source folder.
- **Coalescing by events**: changes go into one pending set. The builder takes
  the whole set when it starts a build; whatever arrives while that build runs
  waits in the set and makes exactly one more build when it ends, however many
  files changed. Nothing waits a fixed time: the only wait is watchfiles'
  own 30 ms of quiet that closes one burst of file-system events (an editor's
  save is several), at most 500 ms in a steady stream.
- **Builds** are :func:`cndkg.build.build`'s, with the parse results decoded
  by the previous build kept in memory (an unchanged file is neither parsed
  nor decoded again) and entity pages none of whose reads changed linked from
  the previous output (:mod:`cndkg.publish.reuse`); the output a build
  replaces is deleted on a background thread after the new one is in place.
  Each build is atomic: a failed build
  leaves the output folder as the last good build wrote it, and that is what
  is served. They run in the main thread, one at a time; the server and the
  watcher run in their own threads.
- **The edited page first** (:mod:`cndkg.preview`): before each build, the
  texts of the changed files are described alone and their pages rendered
  from the last good build's site data; those pages are served from memory
  over the last good build (a new generation, so the open page reloads) until
  the build ends. The build takes the corpus the preview read. A failed build
  takes the preview away again (one more generation).
- **Build generations**: a counter of what is served (good builds and
  previews), and a version that changes
  whenever the state does (a build starts, succeeds or fails). The server
  answers ``GET /_cndkg/events?version=V`` with the state as JSON as soon as
  its version differs from ``V``, else after at most 20 s (a long poll: no
  server thread is held longer; the page asks again). The state carries the
  generation, whether a build runs, whether a preview is served, the last
  failure's message and the times (seconds since the epoch) of the first change
  a build took in, its start, its preview and its end, so a bench can time each
  step.
- **Reload script**: every HTML answer (pages, the 404 page; never JSON, Turtle,
  feeds or other files) gets ``<script src="/_cndkg/reload.js"
  data-cndkg-generation="N">`` before ``</body>``, added as it is sent with
  the right ``Content-Length``: the files on disk never hold it, so the folder
  is the one ``cndkg build`` publishes. The script long-polls the events path;
  when the generation differs from its page's it reloads the page; while a
  build runs it shows a small "rebuilding" badge; after a failed build it shows
  the message (``file:line: message`` lines) in a panel over the top of the
  page, set as text (``textContent``), never parsed as HTML. When the server
  does not answer it asks again every second. The next good build reloads the
  page, so the panel goes.
- **Caching**: in watch mode every answer is ``Cache-Control: no-store`` and
  ``If-Modified-Since`` is not honoured (two builds within one second would
  look alike to it).
- **Before the first good build** (and no earlier build in the output folder)
  every page is a short "building" page with the script, so a browser opened
  at once, or while the first build fails, shows the error and then the site.
- **No SPARQL endpoint** in watch mode: it would answer from the first build's
  dump; ``cndkg serve`` without ``--watch`` serves one.
- **Stopping**: SIGINT, SIGTERM and SIGHUP stop the build under way (its
  staging folder is removed), the watcher threads, the long polls and the
  server, in that order, and the command ends with status 0. Builds fork
  worker processes that end with each build; no process is left behind.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import io
import json
import re
import sys
import threading
import time
import traceback
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from cndkg.errors import BuildError, CndkgError
from cndkg.serve import _Handler

if TYPE_CHECKING:
    from cndkg.build import BuildOptions, BuildReport
    from cndkg.pipeline import Corpus
    from cndkg.publish.sitedata import SiteData

EVENTS_PATH = "/_cndkg/events"
SCRIPT_PATH = "/_cndkg/reload.js"
MAX_WAIT_SECONDS = 20.0  # longest a long poll holds a server thread
LOOPBACK = "127.0.0.1"
QUIET_MS = 30  # watchfiles: a burst of events ends after this much quiet ...
BURST_MS = 500  # ... or after this long in a steady stream
_HTML_SUFFIXES = (".html", ".htm")
_IGNORED_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", ".mypy_cache", ".pytest_cache", ".hypothesis"})
_IGNORED_NAMES = re.compile(r"\.sw.$|~$|^\.#|^\.DS_Store$|^flycheck_|\.___jb_...___$")

RELOAD_SCRIPT = """\
// cndkg serve --watch: reload this page after each good build; show a failed build's error over it.
(() => {
  "use strict";
  const script = document.currentScript;
  const page = Number(script ? script.dataset.cndkgGeneration : NaN);
  let version = -1;
  let panel = null;
  let badge = null;
  const style = (element, css) => { element.style.cssText = css; return element; };

  function showError(message) {
    if (!message) {
      if (panel) panel.remove();
      panel = null;
      return;
    }
    if (!panel) {
      panel = style(document.createElement("section"),
        "position:fixed;left:0;right:0;top:0;z-index:2147483647;max-height:60vh;overflow:auto;margin:0;" +
        "padding:.75em 1em;background:#fff4f4;color:#5c0000;border-bottom:3px solid #b00020;" +
        "font:15px/1.4 system-ui,sans-serif;box-shadow:0 2px 10px rgba(0,0,0,.35);text-align:left");
      panel.id = "cndkg-build-error";
      panel.setAttribute("role", "alert");
      const heading = document.createElement("strong");
      heading.textContent = "cndkg: the build failed. This page is the last good build.";
      const text = style(document.createElement("pre"),
        "white-space:pre-wrap;overflow-wrap:anywhere;margin:.5em 0 0;font:13px/1.45 ui-monospace,monospace");
      panel.append(heading, text);
      document.documentElement.append(panel);
    }
    panel.querySelector("pre").textContent = message;  // text, never HTML
  }

  function showBuilding(building, preview) {
    if (building && !badge) {
      badge = style(document.createElement("div"),
        "position:fixed;right:.75em;bottom:.75em;z-index:2147483647;padding:.3em .7em;border-radius:1em;" +
        "background:#222;color:#fff;font:13px system-ui,sans-serif;opacity:.85");
      badge.id = "cndkg-building";
      badge.setAttribute("aria-live", "polite");
      document.documentElement.append(badge);
    }
    if (building) {
      badge.textContent = preview ? "cndkg: preview of the edited text; rebuilding the site\\u2026"
                                  : "cndkg: rebuilding\\u2026";
    } else if (badge) {
      badge.remove();
      badge = null;
    }
  }

  async function listen() {
    for (;;) {
      let state;
      try {
        const answer = await fetch(`/_cndkg/events?version=${version}`, { cache: "no-store" });
        if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
        state = await answer.json();
      } catch (error) {
        await new Promise((resolve) => setTimeout(resolve, 1000));  // the server is away: ask again
        continue;
      }
      if (state.generation !== page) {
        location.reload();
        return;
      }
      showBuilding(state.building, state.preview);
      showError(state.error);
      version = state.version;
    }
  }

  listen();
})();
"""

PLACEHOLDER = """\
<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Building · cndkg</title></head>
<body>
<main><h1>No build yet</h1>
<p>cndkg is building the site from the sources it watches. This page reloads when the build is done.</p></main>
</body>
</html>
"""


# -- the state the server reports -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    """What the events path reports: the build generation, whether one runs, the last failure and its times."""

    version: int = 0
    generation: int = 0
    building: bool = False
    error: str | None = None
    changed_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    preview: bool = False
    """Whether the edited texts' pages are served ahead of the build under way (:mod:`cndkg.preview`)."""
    previewed_at: float | None = None

    def as_json(self) -> bytes:
        """Return the status as a JSON object (UTF-8)."""
        return json.dumps(asdict(self), ensure_ascii=False).encode("utf-8")


class BuildState:
    """The watch mode's state, shared by the builder (which changes it) and the server's threads (which wait on it)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._status = Status()
        self._closed = False
        self._waiting = 0
        self._preview: dict[str, bytes] = {}

    @property
    def status(self) -> Status:
        """Return the current status."""
        with self._changed:
            return self._status

    def _update(self, **changes: Any) -> None:
        with self._changed:
            self._status = replace(self._status, version=self._status.version + 1, **changes)
            self._changed.notify_all()

    def begin(self, changed_at: float | None) -> None:
        """Record that a build starts, for changes first seen at ``changed_at``."""
        self._update(building=True, changed_at=changed_at, started_at=time.time())

    def show_preview(self, pages: Mapping[str, bytes]) -> None:
        """Serve these pages (site path -> HTML) over the last good build until the build ends: a new generation."""
        with self._changed:
            self._preview = dict(pages)
            generation = self._status.generation + 1
            self._update(generation=generation, preview=True, previewed_at=time.time())

    def preview_page(self, path: str) -> tuple[bytes | None, int]:
        """Return the previewed HTML of a page at a site path (``res/cnd/57/4``), if one is served, and the generation.

        Both are read at once: a page sent with a later generation than its own
        would never reload.
        """
        with self._changed:
            return self._preview.get(path), self._status.generation

    def succeed(self) -> None:
        """Record a good build: a new generation, no error, no preview."""
        with self._changed:  # a re-entrant lock: _update takes it again
            self._preview = {}
            generation = self._status.generation + 1
            self._update(building=False, error=None, generation=generation, finished_at=time.time(), preview=False)

    def fail(self, message: str) -> None:
        """Record a failed build. What is served stays the last good build: a preview goes (a new generation)."""
        with self._changed:
            generation = self._status.generation + (1 if self._status.preview else 0)
            self._preview = {}
            self._update(building=False, error=message, finished_at=time.time(), preview=False, generation=generation)

    def close(self) -> None:
        """Release every waiting long poll (the server stops)."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    @property
    def waiting(self) -> int:
        """Return how many long polls wait for a change now."""
        with self._changed:
            return self._waiting

    def wait(self, version: int, timeout: float) -> Status:
        """Return the status once its version differs from ``version``, or after ``timeout`` seconds, or on close."""
        with self._changed:
            self._waiting += 1
            try:
                self._changed.wait_for(lambda: self._closed or self._status.version != version, timeout)
            finally:
                self._waiting -= 1
            return self._status


# -- pending changes, coalesced between builds ------------------------------------------------------------------------


@dataclass(frozen=True)
class Batch:
    """The changes one build takes in: the paths and when the first of them was seen (seconds since the epoch)."""

    paths: frozenset[str]
    first_seen: float


class Changes:
    """The changes not built yet. The watcher adds; the builder takes all of them at once when it starts a build."""

    def __init__(self) -> None:
        self._arrived = threading.Condition()
        self._paths: set[str] = set()
        self._wanted = False
        self._first_seen = 0.0
        self._closed = False

    def add(self, paths: Iterable[str] = ()) -> None:
        """Add changed paths (none: ask for a build all the same) and wake the builder."""
        with self._arrived:
            if not self._wanted:
                self._wanted, self._first_seen = True, time.time()
            self._paths.update(paths)
            self._arrived.notify_all()

    def take(self, timeout: float | None = None) -> Batch | None:
        """Wait for changes and take all of them; None once closed (or after ``timeout`` seconds with none)."""
        with self._arrived:
            self._arrived.wait_for(lambda: self._wanted or self._closed, timeout)
            if self._closed or not self._wanted:
                return None
            batch = Batch(frozenset(self._paths), self._first_seen)
            self._paths.clear()
            self._wanted = False
            return batch

    def close(self) -> None:
        """Stop: the builder's ``take`` returns None."""
        with self._arrived:
            self._closed = True
            self._arrived.notify_all()


def describe_failure(error: BaseException) -> str:
    """Return what the page shows for a failed build: cndkg's own message, or the type and text of a crash."""
    if isinstance(error, CndkgError):
        return str(error)
    return f"internal error while building ({type(error).__name__}: {error}); the traceback is in the terminal"


def rebuild_loop(
    build: Callable[[Batch], object],
    changes: Changes,
    state: BuildState,
    done: Callable[[Batch, object | None, BaseException | None], None] | None = None,
) -> None:
    """Build whenever changes are pending, until ``changes`` is closed; record each outcome in ``state``.

    ``build`` is given the batch of changes it builds.
    A build that raises an ``Exception`` is a failed build (its message goes to
    the page); ``done`` is told of each build's batch and result or error.
    KeyboardInterrupt and other BaseExceptions end the loop.
    """
    while (batch := changes.take()) is not None:
        state.begin(batch.first_seen)
        try:
            result = build(batch)
        except Exception as error:
            if not isinstance(error, CndkgError):
                traceback.print_exc(file=sys.stderr)
            state.fail(describe_failure(error))
            if done is not None:
                done(batch, None, error)
        else:
            state.succeed()
            if done is not None:
                done(batch, result, None)


# -- what counts as a change ------------------------------------------------------------------------------------------


class SourceFilter:
    """Decide which file-system events are changes to the sources (see the module's docstring)."""

    def __init__(self, folders: Iterable[Path], files: Iterable[Path], ignored: Iterable[Path], out: Path) -> None:
        self.folders = tuple(Path(p).absolute() for p in folders)
        self.files = frozenset(Path(p).absolute() for p in files)
        self.ignored = tuple(Path(p).absolute() for p in ignored)
        self.out = Path(out).absolute()

    def __call__(self, change: object, raw: str) -> bool:
        """Return whether the event at ``raw`` (a path) is a change to the sources."""
        path = Path(raw).absolute()
        if path in self.files:
            return True
        if self._ignored(path):
            return False
        for folder in self.folders:
            if path == folder:
                return True
            if path.is_relative_to(folder):
                parts = path.relative_to(folder).parts
                if any(part in _IGNORED_DIRS for part in parts) or _IGNORED_NAMES.search(path.name):
                    return False
                return self._may_be_source(path)
        return False

    def _ignored(self, path: Path) -> bool:
        """Return whether ``path`` is cndkg's own: the output, its lock and staging folders beside it, the cache."""
        if any(path == root or path.is_relative_to(root) for root in (self.out, *self.ignored)):
            return True
        beside = re.compile(rf"\.{re.escape(self.out.name)}(\.lock|-building-.*|-previous)")
        return any(p.parent == self.out.parent and beside.fullmatch(p.name) for p in (path, *path.parents))

    @staticmethod
    def _may_be_source(path: Path) -> bool:
        """Return whether a changed path may hold sources: a readable suffix, a folder, or a removed suffix-less one."""
        from cndkg.read import SUPPORTED_SUFFIXES

        if path.suffix.lower() in SUPPORTED_SUFFIXES:
            return True
        return path.is_dir() or (not path.exists() and not path.suffix)


class Watcher:
    """Watch the sources; add their changes to ``changes`` from a thread of its own until stopped.

    The kernel's watches are in place when :meth:`start` returns (watchfiles'
    ``RustNotify``, the backend of ``watchfiles.watch``, sets them up when it is
    made), so no save after that is missed; the thread only collects them.
    """

    def __init__(self, sources: Iterable[Path], changes: Changes, ignored: Iterable[Path], out: Path) -> None:
        paths = [Path(p).absolute() for p in sources]
        self.folders = sorted({p for p in paths if p.is_dir()})
        self.files = sorted({p for p in paths if p.is_file()})
        self.missing = sorted(p for p in paths if not p.exists())
        self.filter = SourceFilter(self.folders, self.files, ignored, out)
        self.changes = changes
        self.failure: str | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> Watcher:
        """Set up the watches (folders recursively, the files' folders not) and start collecting; return self."""
        from watchfiles._rust_notify import RustNotify

        groups = ((self.folders, True), (sorted({p.parent for p in self.files}), False))
        for roots, recursive in groups:
            if roots:
                try:
                    notify = RustNotify([str(p) for p in roots], False, False, 300, recursive, False)
                except Exception as error:  # a folder removed since, too many watches, ...
                    self.failure = f"cannot watch {', '.join(map(str, roots))}: {error}"
                    print(f"cndkg: {self.failure}", file=sys.stderr)
                    continue
                thread = threading.Thread(target=self._collect, args=(notify, roots), name="cndkg-watch", daemon=True)
                thread.start()
                self._threads.append(thread)
        return self

    def _collect(self, notify: Any, roots: list[Path]) -> None:
        """Add each burst of events that passes the filter to the pending changes, until stopped."""
        try:
            with notify:
                while True:
                    events = notify.watch(BURST_MS, QUIET_MS, 0, self._stop)
                    if events == "stop":
                        return
                    if isinstance(events, set):
                        paths = {path for _, path in events if self.filter(None, path)}
                        if paths:
                            self.changes.add(paths)
        except Exception as error:  # the watched folder went away, too many watches, ...
            self.failure = f"stopped watching {', '.join(map(str, roots))}: {error}"
            print(f"cndkg: {self.failure}", file=sys.stderr)

    def stop(self) -> None:
        """Stop the threads and wait for them (each notices within watchfiles' step)."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)


# -- the server -------------------------------------------------------------------------------------------------------


def inject(html: bytes, generation: int) -> bytes:
    """Return ``html`` with the reload script's tag before its last ``</body>`` (at the end when there is none)."""
    tag = f'<script src="{SCRIPT_PATH}" data-cndkg-generation="{int(generation)}"></script>\n'.encode("ascii")
    at = html.lower().rfind(b"</body>")
    return html + tag if at < 0 else html[:at] + tag + html[at:]


class WatchHandler(_Handler):
    """The site's handler, plus the events and script paths and the script in every HTML answer."""

    state: BuildState  # set on the subclass made by make_watch_server
    timeout = 60  # a client that stalls while sending its request is dropped

    def end_headers(self) -> None:
        """Mark every answer as not to be stored: the next build may change it within the same second."""
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self) -> None:
        """Answer the events and script paths; everything else as the site's handler does."""
        if not self._own_path():
            super().do_GET()

    def do_HEAD(self) -> None:
        """As GET, without the body."""
        if not self._own_path():
            super().do_HEAD()

    def _own_path(self) -> bool:
        split = urllib.parse.urlsplit(self.path)
        if split.path == EVENTS_PATH:
            self._events(urllib.parse.parse_qs(split.query))
        elif split.path == SCRIPT_PATH:
            self._reply(200, "text/javascript; charset=utf-8", RELOAD_SCRIPT.encode("utf-8"))
        else:
            return False
        return True

    def _events(self, query: dict[str, list[str]]) -> None:
        """Answer the state once its version differs from the one the client has (long poll, bounded)."""
        try:
            version = int(query.get("version", ["-1"])[0])
            wait = min(MAX_WAIT_SECONDS, max(0.0, float(query.get("wait", [str(MAX_WAIT_SECONDS)])[0])))
        except ValueError:
            self._reply(400, "text/plain; charset=utf-8", b"version is a whole number, wait a number of seconds\n")
            return
        status = self.state.wait(version, wait) if self.command == "GET" else self.state.status
        self._reply(200, "application/json", status.as_json())

    def _reply(self, code: int, media: str, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_head(self) -> io.BytesIO | BinaryIO | None:
        """Send the headers of a file; an HTML page is read whole and gets the script (see :func:`inject`)."""
        del self.headers["If-Modified-Since"]  # every answer is the current build's
        # Read before the file: a page newer than its generation only reloads once more, never the reverse.
        generation = self.state.status.generation
        root = Path(self.directory)
        split = urllib.parse.urlsplit(self.path)
        site_path = urllib.parse.unquote(split.path)
        if site_path.endswith("/index.html"):
            site_path = site_path[: -len("index.html")]
        previewed, previewed_generation = self.state.preview_page(site_path.strip("/"))
        if previewed is not None and not site_path.endswith("/"):  # a new text's folder is not on disk yet
            self.send_response(301)
            self.send_header("Location", split.path + "/" + (f"?{split.query}" if split.query else ""))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if previewed is not None:
            return self._html(200, previewed, previewed_generation)
        if not (root / "index.html").is_file():
            return self._html(503, PLACEHOLDER.encode("utf-8"), generation)
        path = Path(self.translate_path(self.path))
        if path.is_dir() and urllib.parse.urlsplit(self.path).path.endswith("/"):
            path = path / "index.html"
        if path.suffix.lower() in _HTML_SUFFIXES and path.is_file():
            try:
                body = path.read_bytes()
            except OSError:  # replaced by the next build between the check and the read
                body = None
            if body is not None:
                return self._html(200, body, generation)
        return super().send_head()

    def _html(self, code: int, body: bytes, generation: int) -> io.BytesIO:
        page = inject(body, generation)
        self.send_response(code)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        return io.BytesIO(page)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Serve the site's own 404 page, with the script, when there is one."""
        page = Path(self.directory) / "404.html"
        if code == 404 and page.is_file():
            generation = self.state.status.generation
            with contextlib.suppress(OSError):
                answer = self._html(404, page.read_bytes(), generation)
                if self.command != "HEAD":
                    self.wfile.write(answer.getvalue())
                return
        http.server.SimpleHTTPRequestHandler.send_error(self, code, message, explain)


def make_watch_server(folder: Path, state: BuildState, port: int = 0) -> http.server.ThreadingHTTPServer:
    """Return a server of ``folder`` on 127.0.0.1 (port 0: any free port) that injects the reload script."""
    handler_class = type("BoundWatchHandler", (WatchHandler,), {"state": state})
    handler = functools.partial(handler_class, directory=str(folder))
    try:
        server = http.server.ThreadingHTTPServer((LOOPBACK, port), handler)
    except OSError as error:
        raise BuildError(f"cannot listen on {LOOPBACK}:{port}: {error.strerror or error}") from None
    server.daemon_threads = True
    return server


@contextlib.contextmanager
def watch_serving(folder: Path, state: BuildState, port: int = 0) -> Iterator[str]:
    """Serve ``folder`` in watch mode in a background thread; yield its base URL; stop the server and long polls."""
    server = make_watch_server(folder, state, port)
    thread = threading.Thread(target=server.serve_forever, name="cndkg-serve", daemon=True)
    thread.start()
    try:
        yield f"http://{LOOPBACK}:{server.server_address[1]}/"
    finally:
        state.close()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# -- the command ------------------------------------------------------------------------------------------------------


def watch_and_serve(options: BuildOptions, *, host: str = LOOPBACK, port: int = 8000, quiet: bool = False) -> int:
    """Build ``options``, serve the output folder, build again on every change to the sources, until a signal.

    Returns 0 once stopped by SIGINT, SIGTERM or SIGHUP. Raises CndkgError when
    ``host`` is not 127.0.0.1 or the port cannot be used.
    """
    from cndkg.build import build, print_summary, start_store_restore
    from cndkg.publish.atomic import Interrupted, discard_in_background
    from cndkg.resolve import ResolveMemo
    from cndkg.resources import data_dir
    from cndkg.serve import stopping_on_signals

    if host != LOOPBACK:
        raise CndkgError("--watch serves on 127.0.0.1 only (it is a preview for this machine)")
    sources = [Path(s) for s in options.sources] or [data_dir("corpus")]
    if options.decoded is None:  # builds in this process keep what they decoded and resolved for the next one
        options = replace(options, decoded={}, resolved=ResolveMemo())
    published: list[SiteData] = []
    options = replace(options, discard_previous=discard_in_background, published=_keep_last(published))
    ignored = [options.cache] if options.cache is not None else []
    state, changes = BuildState(), Changes()
    watcher = Watcher(sources, changes, ignored, options.out)

    def build_batch(batch: Batch) -> BuildReport:
        restore = start_store_restore(options)  # the previous store loads while the preview reads the corpus
        try:
            # The corpus goes straight to the build, which lets go of it once the graph is built.
            corpus = _preview(options, published, batch, state) if published and batch.paths else None
        except BaseException:
            if restore is not None:
                restore.close()
            raise
        return build(options, corpus, restore)  # the build waits for the load, whatever happens

    def done(batch: Batch, report: object | None, error: BaseException | None) -> None:
        if quiet:
            return
        if error is None:
            print_summary(cast("BuildReport", report))
        else:
            print(
                f"cndkg: the build failed; still serving the last good build:\n{describe_failure(error)}",
                file=sys.stderr,
            )

    for path in watcher.missing:
        print(f"cndkg: {path}: no such file or folder; not watched", file=sys.stderr)
    with stopping_on_signals():
        try:
            with watch_serving(options.out, state, port) as url:
                watcher.start()
                try:
                    print(
                        f"cndkg: serving {options.out} at {url}, rebuilding on changes (Ctrl-C stops)", file=sys.stderr
                    )
                    changes.add()  # the first build
                    rebuild_loop(build_batch, changes, state, done)
                finally:
                    changes.close()
                    watcher.stop()
        except (KeyboardInterrupt, Interrupted):
            pass
    print("cndkg: stopped", file=sys.stderr)
    return 0


def _keep_last(kept: list[SiteData]) -> Callable[[SiteData], None]:
    """Return a callback that keeps only the site data it was last given in ``kept``."""

    def keep(data: SiteData) -> None:
        kept[:] = [data]

    return keep


def _preview(options: BuildOptions, published: list[SiteData], batch: Batch, state: BuildState) -> Corpus | None:
    """Serve the changed texts' pages ahead of the build (:mod:`cndkg.preview`); return the corpus read for them.

    A preview that fails only costs its time: the build reads the sources
    again and reports what is wrong with them.
    """
    from cndkg.forking import workers
    from cndkg.preview import preview_pages
    from cndkg.publish.atomic import output_lock

    try:
        with output_lock(options.out), workers(options.jobs):  # as the build reads the corpus
            preview = preview_pages(options, published[-1], [Path(p) for p in batch.paths])
    except CndkgError:  # the build meets it again and reports it
        return None
    except Exception:
        traceback.print_exc(file=sys.stderr)
        return None
    if preview.pages:
        state.show_preview(preview.pages)
    return preview.corpus
