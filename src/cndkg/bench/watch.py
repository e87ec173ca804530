"""Time ``cndkg serve --watch``: from saving a source file to the reloaded page.

:func:`watch_latency` starts ``cndkg serve --watch`` on a corpus (as a child
process, on a free port, with its own parse cache), waits for the first build,
then edits one source file a few times, each time once the previous edit's build
has ended. With headless Debian Chromium (``/usr/bin/chromium`` through
Playwright) it opens the edited text's page (what an editor has open) and times
from just before the file is written to the ``load`` event of the first page
the reload script reloaded (``seconds``: the server's preview of the edited
page, :mod:`cndkg.preview`) and to that of the full build's page
(``full_seconds``); it also notes whether the preview showed the text the build
then showed. Without a browser it times to the end of fetching the page once
the server's event stream reports the preview, then the build. Either way the
event stream's timestamps split each figure into noticing the change (save to
build start), the preview, the build, and the rest (the long poll's answer and
the reload). Medians are over the edits, in seconds.

The edit toggles a word of a paragraph (``Recalling`` and ``Recalling also``,
as the build bench's one-file rebuild does) in the middle text file that has it,
so every edit is a real change and every build a good one; the file is put back
as it was at the end.
"""

from __future__ import annotations

import json
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from cndkg.errors import BuildError

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage"]
EDIT = ("Recalling", "Recalling also")


def edited_file(sources: Path, word: str = EDIT[0]) -> Path:
    """Return the text file to edit: the middle one (by name) of those under ``sources`` that hold ``word``."""
    texts = sorted(p for p in sources.rglob("*") if p.suffix in (".txt", ".md") and p.is_file())
    middle = len(texts) // 2
    for path in texts[middle:] + texts[:middle]:
        if re.search(rf"\b{re.escape(word)}\b", path.read_text(encoding="utf-8")):
            return path
    raise BuildError(f"{sources}: no .txt or .md source holds the word {word!r} to edit")


@contextmanager
def watch_server(
    sources: Path, out: Path, cache: Path, timeout: float, options: Sequence[str] = (), lines: list[str] | None = None
) -> Iterator[str]:
    """Run ``cndkg serve --watch`` as a child process; yield its base URL once its first build is good; stop it.

    ``options`` go to the command line; what the server prints goes into ``lines``.
    """
    from cndkg.query.server import spawn

    command = [sys.executable, "-m", "cndkg.cli", "serve", "--watch", str(sources)]
    command += ["--out", str(out), "--cache", str(cache), "--port", "0", *options]
    process = spawn(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    lines = [] if lines is None else lines
    reader: threading.Thread | None = None
    try:
        assert process.stderr is not None
        url = None
        for raw in process.stderr:
            line = raw.decode("utf-8", "replace")
            lines.append(line)
            if found := re.search(r"at (http://127\.0\.0\.1:\d+/)", line):
                url = found.group(1)
                break
        if url is None:
            raise BuildError(f"cndkg serve --watch did not start:\n{''.join(lines)}")
        stderr = process.stderr
        reader = threading.Thread(
            target=lambda: lines.extend(r.decode("utf-8", "replace") for r in stderr), daemon=True
        )
        reader.start()
        status = wait_for(url, lambda s: s["generation"] >= 1 or (s["error"] and not s["building"]), timeout)
        if status["error"]:
            raise BuildError(f"the first build failed:\n{status['error']}")
        yield url
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if reader is not None:
            reader.join(timeout=10)  # to the end of what the server printed
        if process.stderr is not None:
            process.stderr.close()


def page_of_source(out: Path, name: str) -> str | None:
    """Return the site path of the first text (by IRI) read from the source file ``name``, in a built ``out``.

    Read from the sorted N-Triples dump: the source file's ``dcterms:identifier``
    and the texts ``prov:wasDerivedFrom`` it. None when no text comes from it.
    """
    from cndkg.iris import Minter
    from cndkg.namespaces import DCTERMS, PROV
    from cndkg.writers.ntriples import nt_literal

    named = f" <{DCTERMS.identifier}> {nt_literal(name)} .\n".encode()
    derived = f" <{PROV.wasDerivedFrom}> ".encode()
    files: set[bytes] = set()
    texts: list[tuple[bytes, bytes]] = []
    with open(out / "cndkg.nt", "rb") as dump:
        for line in dump:
            if line.endswith(named):
                files.add(line.split(b" ", 1)[0])
            elif derived in line:
                subject, _, rest = line.partition(derived)
                texts.append((subject, rest.rsplit(b" ", 1)[0]))
    found = sorted(subject for subject, origin in texts if origin in files)
    return Minter().page_path(found[0][1:-1].decode("utf-8")) if found else None


def status(url: str, version: int = -1, wait: float = 20.0) -> dict[str, Any]:
    """Return the watch server's state once its version differs from ``version`` (at most ``wait`` seconds)."""
    with urllib.request.urlopen(f"{url}_cndkg/events?version={version}&wait={wait}", timeout=wait + 30) as answer:
        state: dict[str, Any] = json.load(answer)
        return state


def wait_for(url: str, condition: Callable[[dict[str, Any]], Any], timeout: float) -> dict[str, Any]:
    """Follow the event stream until ``condition(state)`` holds; BuildError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    state = status(url, -1, 0)
    while not condition(state):
        left = deadline - time.monotonic()
        if left <= 0:
            raise BuildError(f"the watch server did not reach the expected state in {timeout:.0f} s: {state}")
        state = status(url, state["version"], min(20.0, left))
    return state


def _versions(path: Path) -> tuple[bytes, bytes]:
    """Return ``path`` with its first ``Recalling`` made ``Recalling also``, and as it is: the edits alternate them."""
    text = path.read_text(encoding="utf-8")
    short, long = EDIT
    return re.sub(rf"\b{re.escape(short)}\b", long, text, count=1).encode("utf-8"), text.encode("utf-8")


def _browser_available() -> bool:
    """Return whether headless Debian Chromium and Playwright are installed."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return CHROMIUM.exists()


def watch_latency(
    sources: Path,
    out: Path,
    *,
    cache: Path | None = None,
    edits: int = 3,
    page: str | None = None,
    browser: bool | None = None,
    chromium: Any = None,
    options: Sequence[str] = (),
    timeout: float = 900.0,
) -> dict[str, Any]:
    """Time save -> reloaded page for ``edits`` edits of one source under ``sources``, served from ``out``.

    Takes the corpus folder, the output folder (built by the watch server's
    first build), the parse cache folder (default: ``cache`` beside ``out``),
    the number of edits, the page to open (a path under the site; default the
    edited text's page, which is what an editor has open), whether to time in
    headless Chromium (default: when installed, or when ``chromium``, an open Playwright browser such as a test's, is
    given), more options for ``cndkg serve --watch`` (e.g. ``--no-search``) and
    the most seconds to wait for any one build. Returns the medians and each
    edit's figures, in seconds, and the summary line the last build printed
    (its stages' seconds).
    """
    use_browser = (chromium is not None or _browser_available()) if browser is None else browser
    target = edited_file(sources)
    original = target.read_bytes()
    versions = _versions(target)
    runs: list[dict[str, float]] = []
    printed: list[str] = []
    try:
        cache = cache or out.with_name(f"{out.name}-cache")
        with watch_server(sources, out, cache, timeout, options, printed) as url:
            if page is None:
                text_page = page_of_source(out, target.relative_to(sources).as_posix())
                page = f"{text_page}/" if text_page else ""
            if use_browser:
                _time_with_browser(url + page, target, versions, edits, timeout, runs, chromium)
            else:
                _time_with_http(url + page, target, versions, edits, timeout, runs)
    finally:
        target.write_bytes(original)
    result: dict[str, Any] = {"method": "chromium" if use_browser else "http", "edits": edits, "file": target.name}
    result["page"] = page
    for name in ("seconds", "full_seconds", "detect_seconds", "preview_seconds", "build_seconds", "reload_seconds"):
        found = [run[name] for run in runs if name in run]
        result[f"median_{name}"] = round(statistics.median(found), 3) if found else None
    result["runs"] = [{name: round(value, 3) for name, value in run.items()} for run in runs]
    summaries = [line.strip() for line in printed if re.match(r"cndkg: \d+ resolutions", line)]
    # The output folder's path is the machine's: the figures name it by its folder name only.
    result["last_build"] = summaries[-1].replace(f" -> {out} (", f" -> {out.name} (") if summaries else None
    return result


def _figures(state: dict[str, Any], saved: float, first: float, full: float) -> dict[str, float]:
    """Return one edit's figures from the state after its build and the times the page was shown.

    ``first`` is when the first page after the save was loaded (the preview,
    when the server showed one), ``full`` when the full build's page was.
    """
    if state["error"]:
        raise BuildError(f"the build after an edit failed:\n{state['error']}")
    figures = {
        "seconds": first - saved,
        "full_seconds": full - saved,
        "detect_seconds": state["started_at"] - saved,
        "build_seconds": state["finished_at"] - state["started_at"],
        "reload_seconds": full - state["finished_at"],
    }
    if state.get("previewed_at") is not None and state["previewed_at"] >= state["started_at"]:
        figures["preview_seconds"] = state["previewed_at"] - state["started_at"]
    return figures


def _base(url: str) -> str:
    return re.sub(r"^(http://[^/]+/).*", r"\1", url)


def _time_with_browser(
    url: str,
    target: Path,
    versions: tuple[bytes, bytes],
    edits: int,
    timeout: float,
    runs: list[dict[str, float]],
    chromium: Any = None,
) -> None:
    """Time each edit to the ``load`` event of the page the reload script reloads, in headless Chromium."""
    if chromium is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                _time_with_browser(url, target, versions, edits, timeout, runs, launched)
            finally:
                launched.close()
        return
    page = chromium.new_page()
    loads: list[float] = []
    page.on("load", lambda _: loads.append(time.time()))
    try:
        page.goto(url, wait_until="load")
        for edit in range(edits):
            generation = _generation(page)
            with page.expect_event("load", timeout=timeout * 1000):
                saved = time.time()
                target.write_bytes(versions[edit % 2])
            first_text = page.inner_text("main")
            state = wait_for(_base(url), lambda s: not s["building"], timeout)
            final = state["generation"]
            page.wait_for_function(
                f"document.querySelector('script[data-cndkg-generation=\"{int(final)}\"]') !== null",
                timeout=timeout * 1000,
            )
            page.wait_for_load_state("load")
            if _generation(page) <= generation:
                raise BuildError(f"the page reloaded without a new build (generation {generation})")
            shown = [at for at in loads if at >= saved]
            figures = _figures(state, saved, shown[0], shown[-1])
            figures["preview_shows_the_build"] = float(first_text == page.inner_text("main"))
            runs.append(figures)
    finally:
        page.close()


def _generation(page: Any) -> int:
    """Return the build generation the open page comes from (the reload script's attribute)."""
    return int(page.get_attribute("script[data-cndkg-generation]", "data-cndkg-generation") or 0)


def _time_with_http(
    url: str, target: Path, versions: tuple[bytes, bytes], edits: int, timeout: float, runs: list[dict[str, float]]
) -> None:
    """Time each edit to the end of fetching the page once the event stream reports the new build."""
    base = _base(url)
    for edit in range(edits):
        generation = status(base, -1, 0)["generation"]
        saved = time.time()
        target.write_bytes(versions[edit % 2])

        def shown(state: dict[str, Any], before: int = generation) -> bool:
            return bool(state["generation"] > before or (state["error"] and not state["building"]))

        wait_for(base, shown, timeout)
        with urllib.request.urlopen(url, timeout=60) as answer:
            answer.read()
        first = time.time()
        state = wait_for(base, lambda s: not s["building"], timeout)
        with urllib.request.urlopen(url, timeout=60) as answer:
            answer.read()
        runs.append(_figures(state, saved, first, time.time()))


def main() -> None:
    """Print the watch latency of a corpus as JSON: ``python -m cndkg.bench.watch SOURCES OUT [EDITS [OPTION...]]``."""
    arguments = sys.argv[1:]
    if len(arguments) < 2:
        raise SystemExit("usage: python -m cndkg.bench.watch SOURCES OUT [EDITS [SERVE-OPTION...]]")
    edits = int(arguments[2]) if len(arguments) > 2 else 3
    figures = watch_latency(Path(arguments[0]), Path(arguments[1]), edits=edits, options=arguments[3:])
    with suppress(BrokenPipeError):
        print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
