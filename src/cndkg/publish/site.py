"""The static website: one page per entity at its IRI's path, index pages, sitemap.

Every page is rendered by jinja2 with autoescaping on, so every text that comes
from a source is escaped; links are relative, so the folder can be served from
any base. Each entity page has ``data.ttl`` and ``data.jsonld`` beside it,
linked with ``<link rel="alternate">``, and schema.org JSON-LD embedded. The
alternates are written with the dumps (:func:`cndkg.publish.dumps.write_dumps`),
from the same sorted streams, so no entity's triples are looked up and
serialized twice.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from cndkg.forking import fork_map, workers_for
from cndkg.namespaces import CNDKG, SITEMAP_XML
from cndkg.publish import akn, charts, conneg, feed, pages
from cndkg.publish.downloads import EXTRA_DOWNLOADS
from cndkg.publish.dumps import DUMP_FORMATS
from cndkg.publish.reuse import PageMemo, PageRecord, pack_reads, record_files, release_views, start_page, traced
from cndkg.publish.search import searched_digest
from cndkg.publish.sitedata import SiteData, gather, invocation_counts
from cndkg.publish.textview import TextView
from cndkg.registry import Registry
from cndkg.resources import data_dir
from cndkg.validate import ValidationOutcome

INDEX_PAGES = ("resolutions", "sessions", "treaties", "sdg", "states", "documents")


@functools.lru_cache(maxsize=1)
def environment() -> Environment:
    """Return the jinja2 environment over ``site/templates`` with autoescaping everywhere."""
    env = Environment(
        loader=FileSystemLoader(str(data_dir("site") / "templates")),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["json_script"] = json_for_script
    env.filters["isolate"] = isolate
    return env


def isolate(value: Any) -> str:
    """Return text from a source between Unicode isolates (FSI ... PDI), for places ``<bdi>`` cannot go.

    A right-to-left override in a title would otherwise reverse what cndkg writes
    after it (`` · cndkg`` in ``<title>``, the rest of a tooltip).
    """
    return f"\u2068{value}\u2069"


def json_for_script(value: Any) -> str:
    """Return JSON safe inside ``<script>``: no ``<``, ``>`` or ``&`` can close the element."""
    from markupsafe import Markup

    text = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


SECONDS_PER_PAGE = 0.001
"""About what rendering and writing one entity page takes: with the worker policy's threshold, pages are
written on the pool from about 1,000."""


@dataclass(frozen=True)
class _PageJob:
    """What every page writer shares (inherited by forked workers, never pickled)."""

    folder: Path
    data: SiteData
    memo: PageMemo | None


@dataclass
class SitePages:
    """The pages written so far, and what the home page and sitemap still need."""

    data: SiteData
    base: str
    written: list[str]
    alternates: dict[str, str]
    records: dict[str, PageRecord] = field(default_factory=dict)
    """Each entity page's reads (for the next build's :class:`~cndkg.publish.reuse.PageMemo`); empty without one."""
    reused: int = 0
    searched: dict[str, str] = field(default_factory=dict)
    """Each entity page's searched digest by path (:func:`cndkg.publish.search.searched_digest`)."""
    bundles: list[str] = field(default_factory=list)
    """The search bundles the home page's search box loads (set by the build once it planned the index)."""


def write_pages(
    folder: Path,
    store: ox.Store,
    registry: Registry,
    max_pages_per_source: int | None = None,
    memo: PageMemo | None = None,
    texts: Mapping[str, TextView] | None = None,
) -> SitePages:
    """Write every entity page, the index pages and the 404 page.

    Takes the output folder, the dataset's Oxigraph store (every page is
    rendered from it, and from nothing else) and the registry (many entity
    pages are written on the worker pool, :mod:`cndkg.forking`; the bytes do
    not depend on it). Returns what :func:`finish_site` needs, and each
    entity page's folder (``alternates``: entity IRI -> folder), where the
    dumps writer puts its ``data.ttl`` and ``data.jsonld``. The dumps need
    not exist yet. With the previous build's page records (``memo``), an
    entity page none of whose reads changed is linked from the previous
    output, not rendered (:mod:`cndkg.publish.reuse`). ``texts``: the texts'
    views, when the build has them already (:func:`cndkg.publish.sitedata.gather`).
    """
    data = gather(store, registry.minter, max_pages_per_source, texts)
    env = environment()
    written: list[str] = []
    # Index pages first, and the inverse indexes entity pages use: built once here, forked workers inherit them.
    for predicate in (CNDKG.session, CNDKG.dueSession, CNDKG.sponsor):
        data.inverse(str(predicate))
    for name in INDEX_PAGES:
        context = pages.index_page(data, name)
        _write_page(folder, name, env.get_template("list.html.j2").render(**context))
        written.append(name)
    _write_page(
        folder,
        "404",
        env.get_template("notfound.html.j2").render(**pages.not_found_page(data, registry.minter.base)),
        folder_page=False,
    )
    entities = [(iri, path) for iri in sorted(data.entities) if (path := data.page_of(iri)) is not None]
    workers = workers_for(len(entities), SECONDS_PER_PAGE)
    # Small interleaved chunks balance the load: resolution pages cost far more than stubs.
    chunks = [entities[start::64] for start in range(min(64, len(entities)))]
    job = _PageJob(folder, data, memo)
    site = SitePages(data, registry.minter.base, written, dict(entities))
    for done in fork_map(_write_entity_pages, job, chunks, workers):
        for path, record, reused, searched in done:
            written.append(path)
            site.reused += reused
            site.searched[path] = searched
            if record is not None:
                site.records[path] = record
    release_views()
    _copy_static(folder)
    return site


def finish_site(folder: Path, site: SitePages, outcome: ValidationOutcome, previous: Path | None = None) -> int:
    """Write the home page (it lists the dumps' sizes, so they must exist) and the sitemap; return the page count.

    Takes the output folder, what :func:`write_pages` returned, the
    validation outcome (shown on the home page) and the output folder of the
    previous build (its change history; None: none). Also writes the change
    feed (:mod:`cndkg.publish.feed`) and the content negotiation
    configurations (:mod:`cndkg.publish.conneg`).
    """
    feed.write_feed(folder, site.data, site.base, previous)
    conneg.write_conneg(folder, site.base, site.alternates, set(site.data.texts))
    env = environment()
    home = _home_context(site.data, folder, outcome) | {"search_bundles": site.bundles}
    _write_page(folder, "", env.get_template("home.html.j2").render(**home))
    written = [*site.written, ""]
    _write_sitemap(folder, site.base, written)
    return len(written)


def _write_entity_pages(
    job: _PageJob, entities: list[tuple[str, str]]
) -> list[tuple[str, PageRecord | None, bool, str]]:
    """Write (or link from the previous output) the pages of some entities.

    Returns (path, record, reused, searched digest) for each.
    """
    done: list[tuple[str, PageRecord | None, bool, str]] = []
    for iri, path in entities:
        if job.memo is None:
            _, searched = _write_entity_page(job.folder, job.data, iri, path)
            done.append((path, None, False, searched))
            continue
        record = job.memo.reuse(job.data, iri, path, job.folder)
        if record is not None:
            done.append((path, record, True, record.searched))
            continue
        view = traced(job.data)
        log = start_page(view)
        files, searched = _write_entity_page(job.folder, view, iri, path)
        packed = pack_reads(log.results)
        record = (
            None
            if packed is None
            else PageRecord(iri, log.digest(), packed, record_files(job.folder, path, files), searched)
        )
        done.append((path, record, False, searched))
    return done


def render_entity_page(data: SiteData, iri: str, path: str) -> str:
    """Return the HTML of one entity's page at site path ``path``, as the site writes it."""
    context = pages.entity_page(data, iri, path)
    return environment().get_template(context["template"]).render(**context)


def _write_entity_page(folder: Path, data: SiteData, iri: str, path: str) -> tuple[list[str], str]:
    """Render one entity's page (and Akoma Ntoso file, for a text).

    Returns the names of the files written and the page's searched digest.
    """
    html = render_entity_page(data, iri, path)
    _write_page(folder, path, html)
    files = ["index.html", akn.AKN_FILE] if akn.write_akn(folder, data, iri, path) else ["index.html"]
    return files, searched_digest(html)


def _write_page(folder: Path, path: str, html: str, *, folder_page: bool = True) -> None:
    """Write one page: ``{path}/index.html`` (or ``{path}.html`` for a plain file)."""
    target = (folder / path / "index.html") if folder_page else folder / f"{path}.html"
    # normpath, not resolve(): the same guard without a system call per path segment per page.
    if not os.path.normpath(target).startswith(os.path.normpath(folder) + os.sep):
        raise ValueError(f"page path escapes the output folder: {path!r}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)  # never write through a link into the previous output
    target.write_text(html, encoding="utf-8")


def _home_context(data: SiteData, folder: Path, outcome: ValidationOutcome) -> dict[str, Any]:
    """Return what the home page shows: counts, downloads, charts, example SPARQL."""
    context = pages.common(data, "", "cndkg: a knowledge graph of CND resolutions")
    counts = data.type_counts
    context["counts"] = [
        ("Resolutions adopted", counts[str(CNDKG.Resolution)] - _stub_count(data)),
        ("Draft resolutions", counts[str(CNDKG.DraftResolution)]),
        ("Paragraphs", counts[str(CNDKG.PreambularParagraph)] + counts[str(CNDKG.OperativeParagraph)]),
        ("Citations", counts[str(CNDKG.Citation)]),
        ("Reporting mandates", counts[str(CNDKG.ReportingMandate)]),
        ("Cited resolutions, treaties and documents", len(data.backlinks)),
    ]
    context["downloads"] = (
        [(name, media, (folder / name).stat().st_size) for name, (_, media) in DUMP_FORMATS.items()]
        + [(name, media, (folder / name).stat().st_size) for name, media in EXTRA_DOWNLOADS.items()]
        + [
            (feed.FEED_FILE, feed.ATOM_MEDIA_TYPE, (folder / feed.FEED_FILE).stat().st_size),
            ("void.ttl", "text/turtle", (folder / "void.ttl").stat().st_size),
            ("shacl-report.ttl", "text/turtle", (folder / "shacl-report.ttl").stat().st_size),
        ]
    )
    context["conforms"] = outcome.conforms
    context["timeline"] = charts.session_timeline(data, "")
    context["top_treaties"] = charts.bar_chart(
        data, "", invocation_counts(data, ("Treaty", "Declaration", "Standard"))[:8]
    )
    context["top_resolutions"] = charts.bar_chart(data, "", invocation_counts(data, ("Resolution",))[:8])
    context["examples"] = pages.example_queries(data.minter.base)
    return context


def _stub_count(data: SiteData) -> int:
    """Return how many resolutions are known only as citation targets (no text in the corpus)."""
    return sum(1 for iri, types in data.types.items() if str(CNDKG.Resolution) in types and iri not in data.texts)


def _copy_static(folder: Path) -> None:
    """Copy ``site/static`` (stylesheet, search script) into ``folder/static``."""
    shutil.copytree(data_dir("site") / "static", folder / "static", dirs_exist_ok=True)


def _write_sitemap(folder: Path, base: str, paths: list[str]) -> None:
    """Write ``sitemap.xml`` with the absolute URL of every page, sorted."""
    from xml.sax.saxutils import escape

    urls = "".join(f"  <url><loc>{escape(base + p + ('/' if p else ''))}</loc></url>\n" for p in sorted(paths))
    (folder / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="' + SITEMAP_XML + f'">\n{urls}</urlset>\n',
        encoding="utf-8",
    )
    (folder / "robots.txt").write_text(f"User-agent: *\nAllow: /\nSitemap: {base}sitemap.xml\n", encoding="utf-8")
