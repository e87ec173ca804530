"""``cndkg serve --watch``: the rebuild loop, the server's script injection and events, and a real browser session."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path
from typing import Any

import pytest

from cndkg.bench.watch import watch_latency
from cndkg.cli import main
from cndkg.errors import BuildError
from cndkg.watch import (
    EVENTS_PATH,
    SCRIPT_PATH,
    BuildState,
    Changes,
    SourceFilter,
    Watcher,
    inject,
    rebuild_loop,
    watch_serving,
)

from .conftest import CORPUS, SEED_ADOPTED_57_4
from .helpers import children_of
from .test_site import ARTIFACTS, browser  # noqa: F401  (the module's Debian Chromium fixture)

PAGE = "<!DOCTYPE html>\n<html><head><title>t</title></head><body><p>café</p></body></html>\n"


# -- injection --------------------------------------------------------------------------------------------------------


def test_inject_puts_the_script_before_the_last_closing_body() -> None:
    html = b"<html><body><pre>&lt;/body&gt;</pre></BODY></html>"
    injected = inject(html, 7)
    tag = f'<script src="{SCRIPT_PATH}" data-cndkg-generation="7"></script>\n'.encode()
    assert injected == b"<html><body><pre>&lt;/body&gt;</pre>" + tag + b"</BODY></html>"
    assert inject(b"<p>no body", 0).endswith(b"<p>no body" + tag.replace(b'"7"', b'"0"'))


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    folder = tmp_path / "site"
    (folder / "page").mkdir(parents=True)
    (folder / "index.html").write_text(PAGE, encoding="utf-8")
    (folder / "page" / "index.html").write_text(PAGE, encoding="utf-8")
    (folder / "404.html").write_text(PAGE.replace("café", "not found"), encoding="utf-8")
    (folder / "data.jsonld").write_text('{"@id": "x", "note": "</body>"}\n', encoding="utf-8")
    (folder / "feed.atom").write_text("<feed><body></body></feed>\n", encoding="utf-8")
    (folder / "resolutions.csv").write_text("a,</body>\n", encoding="utf-8")
    return folder


def fetch(url: str, method: str = "GET", headers: dict[str, str] | None = None) -> tuple[int, Any, bytes]:
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_html_answers_get_the_script_with_their_length_and_other_files_do_not(site: Path) -> None:
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    state = BuildState()
    state.begin(None)
    state.succeed()
    with watch_serving(site, state) as url:
        for path in ("", "page/", "page/index.html"):
            status, headers, body = fetch(url + path)
            assert status == 200
            assert headers["Content-Type"] == "text/html; charset=utf-8"
            assert int(headers["Content-Length"]) == len(body)
            assert body == inject(PAGE.encode(), 1)
            assert headers["Cache-Control"] == "no-store"
            head_status, head_headers, head_body = fetch(url + path, "HEAD")
            assert (head_status, head_body, head_headers["Content-Length"]) == (200, b"", headers["Content-Length"])
        status, headers, body = fetch(url + "missing/")
        assert status == 404 and b"not found" in body and b"data-cndkg-generation" in body
        assert int(headers["Content-Length"]) == len(body)
        for name in ("data.jsonld", "feed.atom", "resolutions.csv"):
            status, headers, body = fetch(url + name)
            assert status == 200 and body == (site / name).read_bytes(), name
            assert int(headers["Content-Length"]) == len(body)
        # a conditional request is answered in full: two builds in one second would look alike to it
        status, _, body = fetch(url, headers={"If-Modified-Since": formatdate(time.time() + 3600, usegmt=True)})
        assert status == 200 and body
        status, headers, body = fetch(url + SCRIPT_PATH.lstrip("/"))
        assert status == 200 and headers["Content-Type"] == "text/javascript; charset=utf-8"
        assert b"location.reload()" in body and b"textContent = message" in body and b"innerHTML" not in body
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before, "the files on disk never change"


def test_a_preview_is_served_over_the_last_good_build_until_the_build_ends(site: Path) -> None:
    state = BuildState()
    state.begin(None)
    state.succeed()
    previewed = PAGE.replace("café", "previewed <b>édition</b>").encode("utf-8")
    with watch_serving(site, state) as url:
        state.begin(None)
        state.show_preview({"page": previewed, "new/text": previewed})
        assert state.status.generation == 2 and state.status.preview and state.status.building
        for path in ("page/", "page/index.html", "new/text/", "pa%67e/"):
            status, headers, body = fetch(url + path)
            assert (status, body) == (200, inject(previewed, 2)), path
            assert int(headers["Content-Length"]) == len(body)
        assert fetch(url)[2] == inject(PAGE.encode(), 2), "pages not previewed are the last good build's"
        assert fetch(url + "page")[2] == inject(previewed, 2), "a folder without its slash is redirected to it"
        assert fetch(url + "new/text")[2] == inject(previewed, 2), "so is a new text's, not yet on disk"
        state.succeed()
        assert state.status.generation == 3 and not state.status.preview
        assert fetch(url + "page/")[2] == inject(PAGE.encode(), 3)
        assert fetch(url + "new/text/")[0] == 404
        state.begin(None)
        state.show_preview({"page": previewed})
        state.fail("a.txt:3: error: bad")
        assert state.status.generation == 5, "a failed build takes the preview away: pages reload"
        assert fetch(url + "page/")[2] == inject(PAGE.encode(), 5)
        state.begin(None)
        state.fail("a.txt:3: error: bad")
        assert state.status.generation == 5, "a failed build without a preview changes nothing served"
    assert (site / "page" / "index.html").read_text(encoding="utf-8") == PAGE, "the preview is never written"


def test_before_any_build_every_page_is_the_building_page(tmp_path: Path) -> None:
    with watch_serving(tmp_path, BuildState()) as url:
        status, headers, body = fetch(url + "res/cnd/57/4/")
    assert status == 503 and b"No build yet" in body and b'data-cndkg-generation="0"' in body
    assert int(headers["Content-Length"]) == len(body)


def events(url: str, version: int, wait: float = 20) -> tuple[dict[str, Any], float]:
    start = time.monotonic()
    status, headers, body = fetch(f"{url}{EVENTS_PATH.lstrip('/')}?version={version}&wait={wait}")
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert int(headers["Content-Length"]) == len(body)
    return json.loads(body), time.monotonic() - start


def test_events_answer_at_once_on_a_new_version_and_at_the_bound_otherwise(site: Path) -> None:
    state = BuildState()
    with watch_serving(site, state) as url:
        first, _ = events(url, -1)
        assert first == {
            "version": 0,
            "generation": 0,
            "building": False,
            "error": None,
            "changed_at": None,
            "started_at": None,
            "finished_at": None,
            "preview": False,
            "previewed_at": None,
        }
        same, waited = events(url, 0, wait=0.3)
        assert same["version"] == 0 and waited >= 0.3
        answers: list[dict[str, Any]] = []
        waiting = threading.Thread(target=lambda: answers.append(events(url, 0)[0]))
        start = time.monotonic()
        waiting.start()
        state.begin(123.0)
        waiting.join(timeout=30)
        assert answers and answers[0]["building"] and answers[0]["changed_at"] == 123.0
        assert time.monotonic() - start < 15, "a change ends the long poll before its 20 s bound"
        state.fail("a.txt:3: error: <b>bad</b>")
        failed, _ = events(url, answers[0]["version"])
        assert failed["error"] == "a.txt:3: error: <b>bad</b>" and failed["generation"] == 0
        assert fetch(f"{url}{EVENTS_PATH.lstrip('/')}?version=x")[0] == 400
        late: list[dict[str, Any]] = []
        stuck = threading.Thread(target=lambda: late.append(events(url, failed["version"])[0]))
        stuck.start()
        deadline = time.monotonic() + 30
        while not state.waiting and time.monotonic() < deadline:
            time.sleep(0.01)  # until the request waits in the server (bounded)
        assert state.waiting == 1
    stuck.join(timeout=30)  # stopping the server released the waiting long poll
    assert not stuck.is_alive() and late


# -- the rebuild loop -------------------------------------------------------------------------------------------------


def test_changes_during_a_build_make_exactly_one_more_build() -> None:
    changes, state = Changes(), BuildState()
    started, release = threading.Event(), threading.Event()
    batches: list[frozenset[str]] = []

    def build(batch: Any) -> str:
        started.set()
        assert release.wait(30)
        return "report"

    def done(batch: Any, result: object | None, error: BaseException | None) -> None:
        assert result == "report" and error is None
        batches.append(batch.paths)
        if len(batches) == 2:
            changes.close()

    changes.add(["a.txt"])
    loop = threading.Thread(target=rebuild_loop, args=(build, changes, state, done))
    loop.start()
    assert started.wait(30)
    assert state.status.building
    for name in ("b.txt", "c.txt", "b.txt", "d.md"):
        changes.add([name])
    release.set()
    loop.join(timeout=30)
    assert not loop.is_alive()
    assert batches == [frozenset({"a.txt"}), frozenset({"b.txt", "c.txt", "d.md"})]
    assert state.status.generation == 2 and not state.status.building


def test_a_failed_build_keeps_the_generation_and_the_next_good_one_clears_the_error() -> None:
    changes, state = Changes(), BuildState()
    outcomes = iter([BuildError("2 source(s) could not be read\na.txt:3: error: bad"), ZeroDivisionError("x"), None])

    def build(batch: Any) -> None:
        outcome = next(outcomes)
        if outcome is not None:
            raise outcome

    seen: list[tuple[int, str | None]] = []

    def done(batch: Any, result: object | None, error: BaseException | None) -> None:
        seen.append((state.status.generation, state.status.error))
        if len(seen) < 3:
            changes.add()
        else:
            changes.close()

    changes.add()
    rebuild_loop(build, changes, state, done)
    assert seen[0] == (0, "2 source(s) could not be read\na.txt:3: error: bad")
    assert seen[1][0] == 0 and seen[1][1] is not None and "ZeroDivisionError: x" in seen[1][1]
    assert seen[2] == (1, None)


def test_the_filter_takes_sources_and_leaves_cndkgs_own_files_and_editors_leftovers(tmp_path: Path) -> None:
    corpus, single = tmp_path / "corpus", tmp_path / "other" / "one.txt"
    (corpus / "sub").mkdir(parents=True)
    single.parent.mkdir()
    out, cache = corpus / "dist", tmp_path / "cache"
    check = SourceFilter([corpus], [single], [cache], out)
    for taken in ("corpus/a.txt", "corpus/sub/b.HTML", "corpus/c.docx", "corpus/sub", "corpus/gone", "other/one.txt"):
        assert check(None, str(tmp_path / taken)), taken
    for left in (
        "corpus/dist/index.html",
        "corpus/.dist.lock",
        "corpus/.dist-building-x1y2/res/index.html",
        "corpus/.dist-previous/a.txt",
        "cache/ab/cd.txt",
        "corpus/.a.txt.swp",
        "corpus/a.txt~",
        "corpus/.#a.txt",
        "corpus/.git/index",
        "corpus/notes.odt.tmp",
        "other/two.txt",
        "elsewhere.txt",
    ):
        assert not check(None, str(tmp_path / left)), left
    (corpus / ".distant.txt").write_text("x", encoding="utf-8")
    assert check(None, str(corpus / ".distant.txt")), "only the output's own siblings are left out"


def test_the_watcher_reports_a_saved_source_and_not_the_output_inside_the_folder(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "dist").mkdir(parents=True)
    changes = Changes()
    watcher = Watcher([corpus], changes, [], corpus / "dist").start()
    try:
        (corpus / "dist" / "page.html").write_text("x", encoding="utf-8")
        (corpus / "a.txt").write_text("Resolution 1/1", encoding="utf-8")
        batch = changes.take(timeout=30)
    finally:
        watcher.stop()
    assert batch is not None and str(corpus / "a.txt") in batch.paths
    assert not any("dist" in Path(p).parts for p in batch.paths)


def test_a_source_given_as_a_file_is_watched_alone_even_when_an_editor_replaces_it(tmp_path: Path) -> None:
    source = tmp_path / "one.txt"
    source.write_text("Resolution 1/1", encoding="utf-8")
    changes = Changes()
    watcher = Watcher([source], changes, [], tmp_path / "dist").start()
    try:
        (tmp_path / "other.txt").write_text("not watched", encoding="utf-8")
        saved = tmp_path / ".one.txt.new"
        saved.write_text("Resolution 1/2", encoding="utf-8")
        saved.replace(source)  # how many editors save: a new file renamed over the old one
        batch = changes.take(timeout=30)
    finally:
        watcher.stop()
    assert batch is not None and batch.paths == {str(source)}


# -- the command ------------------------------------------------------------------------------------------------------


def test_serve_refuses_sources_without_watch_and_another_address_with_it(tmp_path: Path) -> None:
    assert main(["serve", str(tmp_path)]) == 2
    assert main(["serve", "--watch", str(tmp_path), "--host", "0.0.0.0", "--out", str(tmp_path / "d")]) == 2


class Served:
    """A ``cndkg serve --watch`` child process, its URL and what it printed."""

    def __init__(self, sources: Path, out: Path, cache: Path) -> None:
        command = [sys.executable, "-m", "cndkg.cli", "serve", "--watch", str(sources), "--out", str(out)]
        self.process = subprocess.Popen(
            [*command, "--cache", str(cache), "--port", "0"],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stderr is not None
        self.lines: list[str] = []
        for line in self.process.stderr:  # the URL comes first, before the first build
            self.lines.append(line)
            if found := re.search(r"at (http://127\.0\.0\.1:\d+/)", line):
                self.url = found.group(1)
                break
        else:
            raise AssertionError(f"cndkg serve --watch did not start: {''.join(self.lines)}")
        stderr = self.process.stderr
        self.reader = threading.Thread(target=lambda: self.lines.extend(stderr), daemon=True)
        self.reader.start()

    def wait_for_build(self, generation: int, deadline_s: float = 300) -> dict[str, Any]:
        """Follow the event stream until the given generation is served (fails the test past the deadline)."""
        deadline = time.monotonic() + deadline_s
        state, _ = events(self.url, -1, 0)
        while state["generation"] < generation:
            assert not (state["error"] and not state["building"]), state["error"]
            assert time.monotonic() < deadline, f"no build {generation} within {deadline_s} s: {self.lines}"
            state, _ = events(self.url, state["version"])
        return state

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.reader.join(timeout=10)
            assert self.process.stderr is not None
            self.process.stderr.close()


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS, folder)
    return folder


@pytest.fixture()
def served(corpus: Path, tmp_path: Path) -> Iterator[Served]:
    server = Served(corpus, tmp_path / "dist", tmp_path / "cache")
    try:
        yield server
    finally:
        server.stop()


TITLE = "Supporting recovery from substance use disorders"
HOSTILE_NAME = "<img src=x onerror=alert(1)>.txt"


@pytest.mark.browser
@pytest.mark.slow
def test_a_browser_reloads_on_save_shows_a_failed_build_over_the_last_good_page_then_recovers(
    served: Served,
    corpus: Path,
    tmp_path: Path,
    browser: Any,  # noqa: F811
) -> None:
    from playwright.sync_api import expect

    served.wait_for_build(1)
    source = corpus / SEED_ADOPTED_57_4.name
    original = source.read_text(encoding="utf-8")
    assert TITLE in original
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(served.url + "res/cnd/57/4/", wait_until="load")
    main_text = page.locator("main")
    expect(main_text).to_contain_text(TITLE)

    # 1. Save a changed title: the open page reloads by itself and shows it, first as a preview of the edited
    #    text's page (the badge says so), then as the full build's page.
    source.write_text(original.replace(TITLE, TITLE.replace("recovery", "healing"), 1), encoding="utf-8")
    expect(main_text).to_contain_text("Supporting healing from substance use disorders", timeout=120_000)
    state = served.wait_for_build(3)
    assert state["started_at"] <= state["previewed_at"] <= state["finished_at"], "the page was previewed first"
    page.wait_for_function("document.querySelector('script[data-cndkg-generation=\"3\"]') !== null")
    expect(main_text).to_contain_text("Supporting healing from substance use disorders")

    # 2. Break the build (bytes that are not UTF-8, and a second bad file whose name is markup): the page stays
    #    the last good build, with the errors over it as text.
    source.write_bytes(original.encode("utf-8").replace(TITLE.encode(), b"Supporting \xff", 1))
    (corpus / HOSTILE_NAME).write_bytes(b"Resolution 68/1\n\n\xfe\n")
    panel = page.locator("#cndkg-build-error")
    expect(panel).to_contain_text(f"{source.name}:5: error: byte 0xff", timeout=120_000)
    expect(panel).to_contain_text(f"{HOSTILE_NAME}:3: error: byte 0xfe", timeout=120_000)
    expect(panel).to_contain_text("nothing was published")
    assert page.locator("#cndkg-build-error img").count() == 0, "the error is shown as text, never as markup"
    expect(main_text).to_contain_text("Supporting healing from substance use disorders")
    assert page.locator("#cndkg-build-error").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "watch-build-error.png"))

    # 3. Fix it: the next good build reloads the page, without the panel.
    (corpus / HOSTILE_NAME).unlink()
    source.write_text(original.replace(TITLE, TITLE.replace("recovery", "renewal"), 1), encoding="utf-8")
    expect(main_text).to_contain_text("Supporting renewal from substance use disorders", timeout=120_000)
    expect(panel).to_have_count(0)
    assert not dialogs
    page.close()

    # The script lives only in the served answers, never in the published folder.
    dist = tmp_path / "dist"
    assert not [p for p in dist.rglob("*.html") if b"_cndkg" in p.read_bytes()]
    children = children_of(served.process.pid)
    assert served.stop() == 0
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists()], "no process outlives the server"
    assert "cndkg: stopped" in "".join(served.lines)


def test_sigint_stops_the_watch_server_cleanly(served: Served) -> None:
    served.wait_for_build(1)
    served.process.send_signal(signal.SIGINT)
    assert served.process.wait(timeout=60) == 0
    served.reader.join(timeout=10)
    assert "cndkg: stopped" in "".join(served.lines)


# -- the bench --------------------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("method", ["http", pytest.param("chromium", marks=pytest.mark.browser)])
def test_watch_latency_times_edits_of_a_tiny_corpus(
    corpus: Path, tmp_path: Path, method: str, request: pytest.FixtureRequest
) -> None:
    chromium = request.getfixturevalue("browser") if method == "chromium" else None
    before = {p.name: p.read_bytes() for p in corpus.iterdir()}
    figures = watch_latency(corpus, tmp_path / "dist", edits=2, browser=chromium is not None, chromium=chromium)
    assert figures["method"] == method and len(figures["runs"]) == 2
    assert figures["page"].startswith(("res/", "draft/")), "the edited text's page is the one open"
    assert figures["last_build"].startswith("cndkg: 6 resolutions")
    assert str(tmp_path) not in figures["last_build"] and " -> dist (" in figures["last_build"], "no machine path"
    for run in figures["runs"]:
        assert 0 < run["detect_seconds"] < run["seconds"] < run["full_seconds"]
        assert 0 < run["preview_seconds"] < run["build_seconds"] < run["full_seconds"]
        assert run["reload_seconds"] > 0
        if method == "chromium":
            assert run["preview_shows_the_build"] == 1.0, "the preview showed what the build then showed"
    assert figures["median_seconds"] == pytest.approx(sum(r["seconds"] for r in figures["runs"]) / 2, abs=0.002)
    assert {p.name: p.read_bytes() for p in corpus.iterdir()} == before, "the edited file is put back"
