"""Hostile input: every bad source gives file:line and a clear exit, nothing crashes, nothing escapes.

Each case runs the real command line (a child process, as a user would), so the
exit code and standard error are what a person sees.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import signal
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.compare import isomorphic

from cndkg.iris import IriError, Minter, slug
from cndkg.parse_parallel import parse_sources
from cndkg.pipeline import collect_sources, lexicon_for
from cndkg.read import read
from cndkg.registry import load_registry

from .conftest import SEED_ADOPTED_57_4, segment_text
from .helpers import tree_hashes

GOOD = SEED_ADOPTED_57_4.read_text(encoding="utf-8")


def cndkg(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cndkg.cli", *args], capture_output=True, text=True, check=False, cwd=cwd
    )


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.txt", b"", "empty.txt:1: error: file is empty"),
        ("scan.txt", b"%PDF-1.4\n" + bytes(range(256)), "scan.txt:1: error: this is a PDF file"),
        ("photo.txt", b"\x89PNG\r\n\x1a\n" + bytes(200), "photo.txt:1: error: this is a PNG image"),
        ("latin.txt", "Recalling\n“quoted”".encode("cp1252"), "latin.txt:2: error: byte 0x93 at column 1"),
        ("broken.txt", b"ok line\nbad \xff\xfe byte", "broken.txt:2: error: byte 0xff at column 5"),
    ],
)
def test_bad_file_is_reported_and_good_files_still_processed(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    (tmp_path / name).write_bytes(content)
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    result = cndkg("parse", name, "good.txt", cwd=tmp_path)
    assert result.returncode == 2
    assert expected in result.stderr
    assert "adopted 57/4" in result.stdout
    assert "Traceback" not in result.stderr


def test_utf16_with_bom_and_windows_1252_with_encoding_option_are_read(tmp_path: Path) -> None:
    (tmp_path / "u16.txt").write_bytes(codecs.BOM_UTF16_LE + GOOD.encode("utf-16-le"))
    assert "adopted 57/4" in cndkg("parse", "u16.txt", cwd=tmp_path).stdout
    (tmp_path / "w.txt").write_bytes(GOOD.replace("Resolution 57/4", "Resolution 57/4").encode("cp1252", "replace"))
    result = cndkg("parse", "w.txt", "--encoding", "cp1252", cwd=tmp_path)
    assert result.returncode == 0 and "adopted 57/4" in result.stdout


def test_a_50_mb_text_is_refused_with_its_size_and_the_build_publishes_nothing(tmp_path: Path) -> None:
    big = tmp_path / "src" / "huge.txt"
    big.parent.mkdir()
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    (tmp_path / "src" / "good.txt").write_text(GOOD, encoding="utf-8")
    result = cndkg("build", "src", "--out", "dist", "--no-site", cwd=tmp_path)
    assert result.returncode == 2
    assert "huge.txt: error: file is 52,428,800 bytes; cndkg reads sources up to 33,554,432 bytes" in result.stderr
    assert not (tmp_path / "dist").exists()


def test_file_with_no_resolution_warns_and_a_build_of_only_such_files_fails(tmp_path: Path) -> None:
    (tmp_path / "chrome.html").write_text("<html><body><nav>Home</nav><p>Welcome.</p></body></html>", "utf-8")
    result = cndkg("build", "chrome.html", "--out", "dist", "--no-site", cwd=tmp_path)
    assert result.returncode == 2
    assert "no resolution found" in result.stderr


def test_deeply_nested_and_malformed_html_is_read(tmp_path: Path) -> None:
    page = tmp_path / "deep.html"
    page.write_text(
        "<div>" * 200_000
        + "<p>1. <em>Requests</em> a report;"
        + "<span><b><i>" * 5000
        + "</div>" * 10
        + "</p></li></table>" * 100,
        encoding="utf-8",
    )
    doc = read(page)
    assert "1. Requests a report;" in doc.text


def test_a_resolution_with_10000_paragraphs_is_segmented_in_linear_time(tmp_path: Path) -> None:
    paragraphs = "\n\n".join(f"{n}. Requests Member States to act on item {n};" for n in range(1, 10_001))
    started = time.perf_counter()
    [record] = segment_text(
        f"Resolution 60/1\n\nTitle\n\nThe Commission on Narcotic Drugs,\n\n{paragraphs}\n", tmp_path
    )
    assert len(record.operative) == 10_000
    assert time.perf_counter() - started < 60


def test_numbering_skips_repeats_and_stray_footnotes_are_diagnosed(tmp_path: Path) -> None:
    text = (
        "Resolution 60/3\n\nT\n\nThe Commission on Narcotic Drugs,\n\nRecalling the text,⁹\n\n"
        "1. Invites a;\n\n4. Urges b;\n\n4. Requests c.\n\n³ A footnote no marker points to.\n"
    )
    (tmp_path / "odd.txt").write_text(text, encoding="utf-8")
    result = cndkg("parse", "odd.txt", cwd=tmp_path)
    assert result.returncode == 0
    for message in (
        "odd.txt:7: warning: footnote marker 9 in paragraph pp1 has no footnote text",
        "odd.txt:13: warning: operative paragraph number 4 repeats",
    ):
        assert message in result.stderr


@pytest.mark.parametrize(
    "name", ["with space.txt", "résolution 57–4.txt", "a;b$(echo x)&`y`'q\".txt", "-starts-with-dash.txt"]
)
def test_awkward_file_names_are_processed(tmp_path: Path, name: str) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / name).write_text(GOOD, encoding="utf-8")
    result = cndkg("build", "src", "--out", "dist", "--no-search", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    sources = list((tmp_path / "dist" / "source").iterdir())
    assert len(sources) == 1 and sources[0].name.isascii() and "/" not in sources[0].name
    assert (tmp_path / "dist" / "res" / "cnd" / "57" / "4" / "index.html").is_file()


def test_directory_without_sources_and_missing_paths(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = cndkg("parse", "empty", "nowhere.txt", cwd=tmp_path)
    assert result.returncode == 2
    assert "empty: error: folder holds no" in result.stderr
    assert "nowhere.txt: error: no such file or folder" in result.stderr


def test_source_that_disappears_mid_run(tmp_path: Path) -> None:
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(GOOD, encoding="utf-8")
    sources, _ = collect_sources([tmp_path / "a.txt", tmp_path / "b.txt"], tmp_path)
    (tmp_path / "a.txt").unlink()
    parsed = parse_sources(sources, None, frozenset(), lexicon_for(load_registry()))
    assert [r.source for r in parsed.records] == ["b.txt"]
    assert [str(p) for p in parsed.problems] == [
        "a.txt: error: file not found (was it moved or deleted while cndkg ran?)"
    ]


HOSTILE = """Resolution 60/9

<script>alert(1)</script> "><img src=x onerror=alert(1)> {{ 7*7 }} {% raw %}

The Commission on Narcotic Drugs,

Recalling javascript:alert(1) and " ; <x> <y> " and ../../../etc/passwd and its resolution 57/4,¹

1. Requests ../../outside {{ config }} '); DROP TABLE x; -- to report at its sixty-first session.

¹ </script><script>alert(2)</script> United Nations, Treaty Series, vol. 976, No. 14152.
"""


def test_injection_is_inert_in_html_rdf_and_paths(tmp_path: Path) -> None:
    (tmp_path / "evil.txt").write_text(HOSTILE, encoding="utf-8")
    result = cndkg("build", "evil.txt", "--out", "dist", "--no-search", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    dist = tmp_path / "dist"
    for page in dist.rglob("*.html"):
        audit = _Audit()
        audit.feed(page.read_text(encoding="utf-8"))
        assert audit.problems == [], f"{page}: {audit.problems}"
        for block in audit.json_blocks:
            json.loads(block)
    page = (dist / "res" / "cnd" / "60" / "9" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "{{ 7*7 }}" in page and ">49<" not in page
    assert all(dist.resolve() in p.resolve().parents for p in dist.rglob("*"))
    assert not (tmp_path / "outside").exists() and not (tmp_path / "etc").exists()
    graph = Graph().parse(dist / "cndkg.ttl", format="turtle")
    texts = {str(o) for o in graph.objects() if isinstance(o, Literal)}
    assert any('" ; <x> <y> "' in t for t in texts)
    assert isomorphic(graph, Graph().parse(dist / "cndkg.nt", format="nt"))


class _Audit(HTMLParser):
    """Collects what would make a page active: foreign scripts, images, event handlers, javascript: links."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.json_blocks: list[str] = []
        self._in_json = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("img", "iframe", "object", "embed"):
            self.problems.append(f"<{tag}>")
        if tag == "script":
            allowed = values.get("type") == "application/ld+json" or (values.get("src") or "").endswith(
                ("pagefind-ui.js", "search.js")
            )
            if not allowed:
                self.problems.append(f"script {values}")
            self._in_json = values.get("type") == "application/ld+json"
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name}")
            if name in ("href", "src") and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"{name}={value}")

    def handle_endtag(self, tag: str) -> None:
        self._in_json = False if tag == "script" else self._in_json

    def handle_data(self, data: str) -> None:
        if self._in_json:
            self.json_blocks.append(data)


@pytest.mark.parametrize("path", ["../x", "res/../../x", "/etc/passwd", "a b", "x/./y/.."])
def test_iri_minting_refuses_paths_that_climb(path: str) -> None:
    with pytest.raises(IriError):
        Minter().local(path)
    page = Minter().page_path("https://w3id.org/cndkg/id/" + path)
    assert page is None or (".." not in page.split("/") and not page.startswith("/"))
    if ".." in path.split("/"):
        assert page is None


def test_slugs_and_source_iris_never_climb() -> None:
    assert slug("../../etc/passwd") == "etc-passwd"
    iri = Minter().source_file("../../etc/passwd.txt")
    assert ".." not in iri and iri.startswith("https://w3id.org/cndkg/id/source/etc-passwd-txt-")


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    assert cndkg("build", "--out", str(tmp_path / "one"), "--quiet").returncode == 0
    assert cndkg("build", "--out", str(tmp_path / "two"), "--quiet").returncode == 0
    assert tree_hashes(tmp_path / "one") == tree_hashes(tmp_path / "two")


BLOCKED_BUILD = """
import sys, threading
import cndkg.publish.site as site
def blocked(*args, **kwargs):
    print("site stage started", flush=True)
    threading.Event().wait()  # until a signal ends the process: no time to run out
site.write_pages = blocked
from cndkg.cli import main
sys.exit(main(["build", "--out", sys.argv[1], "--quiet", "--no-search"]))
"""


def _start_blocked_build(out: Path) -> subprocess.Popen[str]:
    """Start a build that stops inside its site stage, with its staging folder written; return it once there."""
    child = subprocess.Popen([sys.executable, "-c", BLOCKED_BUILD, str(out)], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "site stage started"
    return child


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_build_leaves_previous_output_intact(tmp_path: Path, sig: signal.Signals) -> None:
    out = tmp_path / "dist"
    assert cndkg("build", "--out", str(out), "--quiet", "--no-search").returncode == 0
    before = tree_hashes(out)
    child = _start_blocked_build(out)
    assert any(p.name.startswith(".dist-building-") for p in tmp_path.iterdir())
    os.kill(child.pid, sig)
    assert child.wait() != 0  # the build blocks until the signal: its end is the event waited for
    assert tree_hashes(out) == before
    assert not any(p.name.startswith(".dist-") for p in tmp_path.iterdir())


def test_a_second_build_into_the_same_folder_stops_with_one_line_and_a_killed_builds_leftovers_go(
    tmp_path: Path,
) -> None:
    out = tmp_path / "dist"
    assert cndkg("build", "--out", str(out), "--quiet", "--no-search").returncode == 0
    before = tree_hashes(out)
    child = _start_blocked_build(out)
    try:
        second = cndkg("build", "--out", str(out), "--quiet", "--no-search")
        assert second.returncode == 2
        assert second.stderr.count("\n") == 1 and "another cndkg build is writing this folder" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        child.kill()
        child.wait()
    assert any(p.name.startswith(".dist-building-") for p in tmp_path.iterdir())  # SIGKILL: no cleanup ran
    assert tree_hashes(out) == before
    third = cndkg("build", "--out", str(out), "--quiet", "--no-search")
    assert third.returncode == 0, third.stderr
    assert not any(p.name.startswith(".dist-") for p in tmp_path.iterdir())


DISK_FULL_BUILD = """
import errno, sys
import cndkg.build
def full(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")
cndkg.build.write_dumps = full
from cndkg.cli import main
sys.exit(main(["build", "--out", sys.argv[1], "--quiet", "--no-search"]))
"""


def test_a_full_disk_is_one_line_exit_2_and_the_previous_output_stays(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    assert cndkg("build", "--out", str(out), "--quiet", "--no-search").returncode == 0
    before = tree_hashes(out)
    result = subprocess.run(
        [sys.executable, "-c", DISK_FULL_BUILD, str(out)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "no space left on the device" in result.stderr, result.stderr
    assert tree_hashes(out) == before
    assert not any(p.name.startswith(".dist-") for p in tmp_path.iterdir())


def test_crash_injected_mid_build_leaves_previous_output_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cndkg.build import BuildOptions, build

    out = tmp_path / "dist"
    build(BuildOptions(sources=[], out=out, search=False))
    before = tree_hashes(out)

    def crash(*args: object, **kwargs: object) -> int:
        raise RuntimeError("injected crash")

    monkeypatch.setattr("cndkg.publish.site.write_pages", crash)
    with pytest.raises(RuntimeError, match="injected crash"):
        build(BuildOptions(sources=[], out=out, search=False))
    assert tree_hashes(out) == before
    assert not any(p.name.startswith(".dist-") for p in tmp_path.iterdir())


def pagefind_processes(folder: Path) -> list[int]:
    """Return the PIDs of Pagefind processes (and of the runner starting them) working on a folder under ``folder``."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            words = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        indexing = any(b"pagefind" in w or b"cndkg.publish.search" in w for w in words)
        if indexing and any(str(folder).encode() in w for w in words):
            found.append(int(cmdline.parent.name))
    return found


def test_a_crash_while_search_indexes_stops_pagefind_and_keeps_the_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cndkg.build import BuildOptions, build

    out = tmp_path / "dist"
    build(BuildOptions(sources=[], out=out, search=False))
    before = tree_hashes(out)
    seen: list[list[int]] = []

    def crash(*args: object, **kwargs: object) -> dict[str, int]:
        seen.append(pagefind_processes(tmp_path))
        raise RuntimeError("injected crash in the dumps")

    monkeypatch.setattr("cndkg.build.write_dumps", crash)
    with pytest.raises(RuntimeError, match="injected crash"):
        build(BuildOptions(sources=[], out=out))
    assert seen and seen[0], "Pagefind should be indexing while the dumps are written"
    assert not pagefind_processes(tmp_path)
    assert tree_hashes(out) == before
    assert not any(p.name.startswith(".dist-") for p in tmp_path.iterdir())


def test_two_folders_with_the_same_file_name_are_reported_not_merged(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.txt").write_text(GOOD, encoding="utf-8")
    result = cndkg("parse", "a", "b", cwd=tmp_path)
    assert result.returncode == 2
    assert "x.txt: error: two sources have this name" in result.stderr


HTML_ADVERSARIES = {
    "end-tag-opens": lambda size: "</" * (size // 2),
    "processing-instruction-opens": lambda size: "<?" * (size // 2),
    "tag-opens": lambda size: "<a" * (size // 2),
    "stray-end-tags-under-deep-nesting": lambda size: "<div>" * (size // 20) + "</x>" * (size // 8),
    "deep-nesting": lambda size: "<div>" * (size // 5),
    "start-tag-never-closed": lambda size: "<a\n" + "x" * size,
    "start-tags-over-two-lines": lambda size: "<li\n>" * (size // 5),
}


def _read_seconds_per_kb(page: Path, text: str, repeats: int) -> float:
    page.write_text(text, encoding="utf-8")
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        read(page)
        best = min(best, time.perf_counter() - started)
    return best / (len(text) / 1024)


@pytest.mark.parametrize("name", sorted(HTML_ADVERSARIES))
def test_malformed_html_costs_the_same_per_kilobyte_at_10_kb_and_1_mb(tmp_path: Path, name: str) -> None:
    make = HTML_ADVERSARIES[name]
    small = _read_seconds_per_kb(tmp_path / "small.html", "<p>Resolution 1/1</p>" + make(10 * 1024), repeats=5)
    large = _read_seconds_per_kb(tmp_path / "large.html", "<p>Resolution 1/1</p>" + make(1024 * 1024), repeats=1)
    # Quadratic work would make the 1 MB page about 100 times dearer per kilobyte; allow 8 for noise.
    assert large < 8 * small, f"{name}: {large * 1e3:.3f} ms/KB at 1 MB against {small * 1e3:.3f} ms/KB at 10 KB"


def test_a_400_kb_malformed_html_page_before_a_resolution_is_parsed(tmp_path: Path) -> None:
    from html import escape

    paragraphs = "".join(f"<p>{escape(line)}</p>\n" for line in GOOD.split("\n\n"))
    (tmp_path / "page.html").write_text("<html><body>" + "</" * 200_000 + "\n" + paragraphs, encoding="utf-8")
    result = cndkg("parse", "page.html", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "adopted 57/4" in result.stdout


def test_html_pages_pasted_one_after_another_are_all_read(tmp_path: Path) -> None:
    page = tmp_path / "two.html"
    page.write_text(
        "<html><body><p>Resolution 1/1</p></body></html>\n<html><body><p>Resolution 2/2</p></body></html>\n",
        encoding="utf-8",
    )
    text = read(page).text
    assert "Resolution 1/1" in text and "Resolution 2/2" in text


def test_a_lone_surrogate_is_reported_with_its_own_bytes_line_and_column(tmp_path: Path) -> None:
    data = codecs.BOM_UTF16_LE + "Resolution 57/4\nab".encode("utf-16-le") + b"\x00\xd8" + "cd\n".encode("utf-16-le")
    (tmp_path / "u16.txt").write_bytes(data)
    result = cndkg("parse", "u16.txt", cwd=tmp_path)
    assert result.returncode == 2
    assert "u16.txt:2: error: bytes 0x00 0xd8 at column 3 are not valid UTF-16-LE (a lone surrogate)" in result.stderr
    assert "0x00 at" not in result.stderr.replace("0x00 0xd8", "")


class _Recorder:
    """An HTTP server on 127.0.0.1 that asks for Digest credentials and records each request's Authorization."""

    def __init__(self) -> None:
        import http.server
        import threading

        seen = self.seen = []  # type: list[str | None]

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                seen.append(self.headers.get("Authorization"))
                if not (seen[-1] or "").startswith("Digest "):
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Digest realm="r", nonce="n0", qop="auth", algorithm=MD5')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = b'{"head": {"vars": ["n"]}, "results": {"bindings": [{"n": {"type": "literal", "value": "1"}}]}}'
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _cndkg_with(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CNDKG_SPARQL_")}
    return subprocess.run(
        [sys.executable, "-m", "cndkg.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env={**clean, "NETRC": str(cwd / "no-netrc"), **env},
    )


def test_query_endpoint_sends_no_credentials_before_the_challenge_and_never_basic_to_digest(tmp_path: Path) -> None:
    server = _Recorder()
    try:
        env = {"CNDKG_SPARQL_HOST": "127.0.0.1", "CNDKG_SPARQL_USER": "alice", "CNDKG_SPARQL_PASSWORD": "s3cret-7f"}
        url = f"http://127.0.0.1:{server.port}/sparql"
        result = _cndkg_with(env, "query", "--endpoint", url, "--format", "json", "calls-on-unodc", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert server.seen[0] is None, "credentials went out before the endpoint asked for them"
        assert all(not (header or "").startswith("Basic") for header in server.seen), server.seen
        assert any((header or "").startswith("Digest ") for header in server.seen)
    finally:
        server.close()


@pytest.mark.parametrize("command", ["query", "push"])
def test_credentials_written_into_an_endpoint_url_are_never_shown_or_sent(tmp_path: Path, command: str) -> None:
    server = _Recorder()
    (tmp_path / "cndkg.nt").write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
    try:
        for url in (f"http://alice:s3cret-7f@127.0.0.1:{server.port}/sparql", "http://alice:s3cret-7f@127.0.0.1:9/x"):
            if command == "query":
                result = _cndkg_with({}, "query", "--endpoint", url, "calls-on-unodc", cwd=tmp_path)
            else:
                result = _cndkg_with({}, "push", "--endpoint", url, "--dump", "cndkg.nt", cwd=tmp_path)
            assert result.returncode != 0
            assert "s3cret-7f" not in result.stderr + result.stdout and "alice" not in result.stderr, result.stderr
            assert "127.0.0.1" in result.stderr
        assert all(header is None for header in server.seen), server.seen
    finally:
        server.close()


@pytest.mark.server
def test_push_by_update_keeps_a_literal_holding_a_line_separator_whole(tmp_path: Path) -> None:
    from cndkg.query.engines import run_endpoint
    from cndkg.query.server import OxigraphServer

    lines = ['<urn:x:a> <urn:x:title> "one\u2028two\u0085three\u000bfour" .', "<urn:x:a> <urn:x:n> <urn:x:b> ."]
    (tmp_path / "d.nt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with OxigraphServer(None, read_only=False) as server:
        result = cndkg(
            "push", "--protocol", "update", "--endpoint", f"{server.url}/update", "--dump", "d.nt", cwd=tmp_path
        )
        assert result.returncode == 0, result.stderr
        answer = run_endpoint(server.query_url, "SELECT ?t WHERE { <urn:x:a> <urn:x:title> ?t }")
        assert [row["t"].value for row in answer.rows if row["t"]] == ["one\u2028two\u0085three\u000bfour"]


def test_links_that_leave_the_source_folder_are_not_followed_and_are_named(tmp_path: Path) -> None:
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "secret.txt").write_text(GOOD.replace("57/4", "59/99"), encoding="utf-8")
    (tmp_path / "private" / "more.txt").write_text(GOOD.replace("57/4", "59/98"), encoding="utf-8")
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "good.txt").write_text(GOOD, encoding="utf-8")
    (src / "sub" / "link.txt").symlink_to(tmp_path / "private" / "secret.txt")
    (src / "folder-link").symlink_to(tmp_path / "private")
    (src / "inside.txt").symlink_to(src / "good.txt")  # a link that stays inside is read
    result = cndkg("build", "src", "--out", "dist", "--no-search", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "sub/link.txt: warning: is a link that leads out of the source folder; not followed" in result.stderr
    assert "folder-link: warning: is a link that leads out of the source folder; not followed" in result.stderr
    dumps = (tmp_path / "dist" / "cndkg.nt").read_text(encoding="utf-8")
    assert "59/99" not in dumps and "59/98" not in dumps and "secret.txt" not in dumps
    assert (tmp_path / "dist" / "res" / "cnd" / "57" / "4").is_dir()
    assert not (tmp_path / "dist" / "res" / "cnd" / "59").exists()


def test_an_output_folder_inside_the_source_folder_is_never_read_as_sources(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / ".dist-building-left-by-a-killed-build").mkdir()
    (tmp_path / ".dist-building-left-by-a-killed-build" / ".cndkg-build").write_text("", encoding="utf-8")
    (tmp_path / ".dist-building-left-by-a-killed-build" / "old.txt").write_text(GOOD.replace("57/4", "59/9"), "utf-8")
    for _ in range(3):
        result = cndkg("build", ".", "--out", "dist", "--no-search", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "cndkg: 1 resolutions" in result.stderr
    result = cndkg("parse", "dist", cwd=tmp_path)
    assert result.returncode == 2 and "dist: error: is a folder cndkg built" in result.stderr


def _bidi_balanced_after_source_text(html: str, label: str) -> bool:
    """Return True when every occurrence of ``label`` is closed off: by </bdi> or a PDI (U+2069) right after it."""
    body = re.sub(r'<script type="application/ld\+json">.*?</script>', "", html, flags=re.S)
    rest = body.split(label)[1:]
    return all(after.startswith(("</bdi>", "\u2069")) for after in rest)


def test_a_right_to_left_override_in_a_title_is_isolated_from_the_text_cndkg_adds(tmp_path: Path) -> None:
    from .conftest import SEED_DRAFT_67

    title = "Promoting recovery \u202e and related support services for people with drug use disorders"
    text = SEED_DRAFT_67.read_text(encoding="utf-8")
    text = text.replace("Promoting recovery and related", title[:21] + "and related")
    (tmp_path / "rlo.txt").write_text(text, encoding="utf-8")
    result = cndkg("build", "rlo.txt", "--out", "dist", "--no-search", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    pages = [p for p in (tmp_path / "dist").rglob("*.html") if title in p.read_text(encoding="utf-8")]
    assert len(pages) > 5  # its own page, and the lists of the texts it cites
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert _bidi_balanced_after_source_text(html, title), page


def test_the_404_page_links_from_the_root_as_it_is_served_at_any_depth(tmp_path: Path) -> None:
    result = cndkg("build", "--out", "dist", "--no-search", "--quiet", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "dist" / "404.html").read_text(encoding="utf-8")
    links = re.findall(r'(?:href|src)="([^"]*)"', html)
    assert links and "../static/style.css" not in links
    assert all(link.startswith(("/", "#")) for link in links), links
    assert "/cndkg/static/style.css" in links


def test_a_260_byte_document_symbol_gets_a_short_stable_folder_and_keeps_its_iri(tmp_path: Path) -> None:
    symbol = "E/CN.7/2014/L" + "9" * 250
    text = GOOD.replace(
        "The Commission on Narcotic Drugs,", f"The Commission on Narcotic Drugs,\n\nRecalling document {symbol},", 1
    )
    (tmp_path / "long.txt").write_text(text, encoding="utf-8")
    for out in ("one", "two"):
        result = cndkg("build", "long.txt", "--out", out, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
    [folder] = [p for p in (tmp_path / "one" / "doc").iterdir() if p.name.startswith("E-CN.7-2014-L999")]
    assert len(folder.name.encode()) <= 200 and (folder / "index.html").is_file()
    assert (tmp_path / "two" / "doc" / folder.name).is_dir()  # stable from build to build
    iri = "https://w3id.org/cndkg/id/doc/E-CN.7-2014-L" + "9" * 250
    assert f"<{iri}>" in (tmp_path / "one" / "cndkg.nt").read_text(encoding="utf-8")
    page = (tmp_path / "one" / "res" / "cnd" / "57" / "4" / "index.html").read_text(encoding="utf-8")
    assert f'href="../../../../doc/{folder.name}/"' in page


def test_one_source_citing_hundreds_of_symbols_makes_pages_up_to_the_bound_and_is_named(tmp_path: Path) -> None:
    recitals = "".join(f"Recalling document E/CN.7/2014/CRP.{n},\n\n" for n in range(1, 301))
    text = GOOD.replace("The Commission on Narcotic Drugs,\n", "The Commission on Narcotic Drugs,\n\n" + recitals, 1)
    (tmp_path / "many.txt").write_text(text, encoding="utf-8")
    result = cndkg("build", "many.txt", "--out", "dist", "--no-search", "--max-pages-per-source", "50", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "many.txt: warning: cites " in result.stderr and "pages are made for the first 50" in result.stderr
    pages = [p for p in (tmp_path / "dist" / "doc").iterdir() if p.name.startswith("E-CN.7-2014-CRP")]
    assert 0 < len(pages) <= 50
    dumps = (tmp_path / "dist" / "cndkg.nt").read_text(encoding="utf-8")
    assert "E-CN.7-2014-CRP.300>" in dumps  # the graph keeps every entity; only pages are bounded


def test_a_one_off_build_has_deleted_the_output_it_replaced_when_it_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from cndkg.publish import atomic

    deleting = threading.Event()  # set once the build's block is done: a deletion cannot end before
    ended: list[Path] = []

    def delete_when_released(doomed: Path) -> None:
        deleting.wait()
        real_delete(doomed)
        ended.append(doomed)

    real_delete = atomic._delete_doomed
    monkeypatch.setattr(atomic, "_delete_doomed", delete_when_released)
    out = tmp_path / "dist"
    for generation in ("one", "two", "three"):
        deleting.clear()
        with atomic.output_lock(out), atomic.discarding_alongside() as discard:
            with atomic.atomic_folder(out, discard) as work:
                (work / "res" / "7").mkdir(parents=True)
                (work / "res" / "7" / "index.html").write_text(generation, encoding="utf-8")
            deleting.set()
        assert len(ended) == (0 if generation == "one" else 1), "the block waited for the deletion it started"
        ended.clear()
        assert (out / "res" / "7" / "index.html").read_text(encoding="utf-8") == generation
        assert sorted(p.name for p in tmp_path.iterdir()) == [".dist.lock", "dist"]


def test_an_output_discarded_in_the_background_is_gone_and_one_left_half_deleted_goes_with_the_next_build(
    tmp_path: Path,
) -> None:
    import threading

    from cndkg.publish.atomic import OUTPUT_MARKER, atomic_folder, discard_in_background, output_lock

    out = tmp_path / "dist"
    running = set(threading.enumerate())
    for generation in ("one", "two"):
        with output_lock(out), atomic_folder(out, discard_in_background) as work:
            (work / "page.html").write_text(generation, encoding="utf-8")
    for thread in set(threading.enumerate()) - running:  # the deletions this test started
        thread.join()
    assert (out / "page.html").read_text(encoding="utf-8") == "two"
    assert not any(p.name.startswith(".dist-") and p.is_dir() for p in tmp_path.iterdir())
    cut_short = tmp_path / ".dist-previous-abc123"  # a process ended while its thread was deleting
    (cut_short / "output" / "res").mkdir(parents=True)
    (cut_short / OUTPUT_MARKER).write_text("a replaced output being deleted\n", encoding="utf-8")
    with output_lock(out):
        pass
    assert not cut_short.exists()
