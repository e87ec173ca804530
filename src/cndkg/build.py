"""``cndkg build``: every stage from source texts to a deployable folder, timed per stage.

read -> segment -> find -> resolve -> graph -> validate -> site pages -> dumps
(while Pagefind indexes the pages on the other core) -> home page -> search index,
written into a temporary folder that replaces the output folder only when
everything succeeded (see :mod:`cndkg.publish.atomic`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import re
import resource
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import pyoxigraph as ox
from rdflib import Graph
from rdflib.compare import to_canonical_graph

from cndkg import revalidate
from cndkg.cache import ParseCache, cache_salt
from cndkg.delta import Nearby, RowsDelta, changed_subjects, nearby
from cndkg.errors import BuildError, ValidationFailed
from cndkg.forking import workers
from cndkg.graph import GraphResult, build_graph
from cndkg.graph.parts import FOLDER as PARTS_FOLDER
from cndkg.graph.parts import PartCache
from cndkg.graph.restore import DUMP_FILE, Restore, save_record, start_restore
from cndkg.graph.restore import record_salt as restore_salt
from cndkg.model import Diagnostic, Severity
from cndkg.pipeline import Corpus, run_pipeline
from cndkg.publish import downloads, textcache
from cndkg.publish.atomic import atomic_folder, discarding_alongside, output_lock
from cndkg.publish.blocks import INDEX_FILE
from cndkg.publish.downloads import EXTRA_DOWNLOADS, write_downloads
from cndkg.publish.dumps import DUMP_FORMATS, NodeReuse, commit_index, write_dumps
from cndkg.publish.reuse import load_memo, save_memo
from cndkg.publish.search import (
    Indexer,
    SearchPlan,
    background_index,
    discard_manifest,
    keep_bundles,
    load_manifest,
    plan_search,
    save_manifest,
)
from cndkg.publish.textview import TextView, patch_texts
from cndkg.publish.void import Distribution, describe_dataset
from cndkg.registry import Registry, load_registry
from cndkg.resolve import ResolveMemo
from cndkg.resources import data_dir
from cndkg.validate import ValidationOutcome, check_shapes, format_report, read_shapes, validate_graph
from cndkg.validate_fast import validate_store

if TYPE_CHECKING:
    from cndkg.publish.site import SitePages
    from cndkg.publish.sitedata import SiteData


@dataclass
class BuildOptions:
    """What to build and how."""

    sources: list[str]
    out: Path = Path("dist")
    base: str | None = None
    encoding: str | None = None
    allow_invalid: bool = False
    skip_bad_sources: bool = False
    sparql_endpoint: str | None = None
    site: bool = True
    search: bool = True
    shapes: Path | None = None
    validator: str = "fast"
    root: Path | None = None
    jobs: int | None = None
    progress: Callable[[str], None] | None = None
    cache: Path | None = None
    max_pages_per_source: int | None = 1000
    discard_previous: Callable[[Path], None] | None = None
    """How the output a build replaces is deleted (None: on a thread, while the build records its caches, and
    gone before the build returns; ``serve --watch`` passes
    :func:`cndkg.publish.atomic.discard_in_background`, so the new build is served sooner)."""
    decoded: dict[str, object] | None = None
    """Parse results decoded by earlier builds in this process, by cache key (``serve --watch`` passes the
    same dict to every build, so unchanged files are not decoded again); None: decode from the cache."""
    resolved: ResolveMemo | None = None
    """Texts resolved by earlier builds in this process (``serve --watch`` passes the same memo to every build,
    so a text whose parse results were kept is not resolved again); None: resolve every text."""
    published: Callable[[SiteData], None] | None = None
    """Told the site data of each build whose output is in place (``serve --watch`` keeps it for its preview
    of edited pages, :mod:`cndkg.preview`)."""


@dataclass
class StageTiming:
    """Wall seconds and peak RSS (MiB, whole process so far) when a stage ended."""

    seconds: float
    peak_rss_mib: float


@dataclass
class BuildReport:
    """What a build did: per-stage timings, counts, diagnostics, validation."""

    timings: dict[str, StageTiming] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    resolutions: int = 0
    triples: int = 0
    pages: int = 0
    conforms: bool = True
    violations: int = 0
    out: Path | None = None
    dump_sizes: dict[str, int] = field(default_factory=dict)
    sources: int = 0
    cache_hits: int = 0
    pages_reused: int = 0
    search_shards: int = 0
    texts_kept: int = 0
    """How many texts' triples a rebuild took from the cache instead of describing them again."""
    store_restored: bool = False
    """Whether the store was the previous build's graph brought up to date, not loaded from every text."""
    dump_patched: bool = False
    """Whether the sorted dump was the previous build's patched by the lines that changed, not sorted again."""
    revalidated: int | None = None
    """How many nodes a rebuild validated again (None: the whole graph was validated)."""
    views_read: int | None = None
    """How many texts' views a rebuild read again from the store (None: every text's was read)."""
    search_shards_indexed: int = 0


def peak_rss_mib() -> float:
    """Return the process's peak resident set size so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def _stage(report: BuildReport, name: str, progress: Callable[[str], None] | None) -> Iterator[None]:
    """Time one stage into the report (adding to it if the stage ran before), and tell the progress callback."""
    if progress:
        progress(f"{name} ...")
    start = time.perf_counter()
    yield
    before = report.timings[name].seconds if name in report.timings else 0.0
    report.timings[name] = StageTiming(before + time.perf_counter() - start, peak_rss_mib())
    if progress:
        progress(f"{name} done in {report.timings[name].seconds:.2f} s")


@contextmanager
def _indexing(work: Path, plan: SearchPlan | None) -> Iterator[Indexer | None]:
    """Index the plan's stale shards in the background while the block runs (None when there are none)."""
    if plan is None or not plan.stale:
        yield None
        return
    with background_index(work, plan) as indexer:
        yield indexer


def _plan_search(work: Path, site_pages: SitePages, options: BuildOptions) -> SearchPlan:
    """Plan the search index's shards, keeping the previous output's bundles of unchanged ones."""
    previous = load_manifest(options.cache, options.out)
    plan = plan_search(site_pages.searched, previous.digests if previous is not None else None)
    if previous is not None:
        plan = keep_bundles(work, options.out, plan, previous.stamps)
    site_pages.bundles = plan.bundles
    return plan


def build(options: BuildOptions, corpus: Corpus | None = None, restore: Restore | None = None) -> BuildReport:
    """Build the dataset and website into ``options.out``.

    Takes the build options and, optionally, the corpus :func:`read_corpus`
    read from them (else the build reads it) and the restore of the previous
    build's store :func:`start_store_restore` started (else the build starts
    it, when the cache folder vouches for the previous output). Returns the report. Raises BuildError (previous
    output untouched) when a source cannot be read (unless skip_bad_sources),
    when no resolution was found, when the graph does not conform to the
    shapes (unless allow_invalid), when another build is writing the same
    output folder, or when the disk fills up.
    """
    pending = [corpus] if corpus is not None else []
    del corpus  # the build lets go of the corpus once the graph is built: nothing here may hold it
    with contextlib.ExitStack() as held:
        if restore is not None:
            held.callback(restore.close)  # whatever happens next, the load is waited for
        if options.sparql_endpoint and not re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", options.sparql_endpoint):
            raise BuildError(f"sparql_endpoint= is not an http(s) URL: {options.sparql_endpoint!r}")
        held.enter_context(output_lock(options.out))
        held.enter_context(workers(options.jobs))
        if options.discard_previous is None:
            options = replace(options, discard_previous=held.enter_context(discarding_alongside()))
        if restore is None and (restore := start_store_restore(options)) is not None:
            held.callback(restore.close)
        return _build(options, pending, restore)


def start_store_restore(options: BuildOptions) -> Restore | None:
    """Start loading the previous output's graph on a thread (:mod:`cndkg.graph.restore`); None if none is vouched for.

    ``serve --watch`` starts it before it reads the corpus for its preview, so
    the load runs meanwhile; :func:`build` starts it itself otherwise.
    """
    return start_restore(options.cache, options.out, restore_salt(load_registry(options.base).minter.base))


def read_corpus(options: BuildOptions) -> Corpus:
    """Read, segment, find and resolve the sources of ``options``, with its parse cache (the build's first stages).

    :func:`build` takes the result instead of reading the sources again
    (``serve --watch`` reads them once for its preview and its build).
    """
    registry = load_registry(options.base)
    return run_pipeline(
        options.sources or [str(data_dir("corpus"))],
        registry,
        encoding=options.encoding,
        root=options.root,
        cache=_parse_cache(options, registry),
        resolved=options.resolved,
    )


def _parse_cache(options: BuildOptions, registry: Registry) -> ParseCache | None:
    """Return the build's parse cache (None without a cache folder)."""
    if options.cache is None:
        return None
    salt = cache_salt(options.encoding, sorted(registry.state_names_with_and))
    return ParseCache(options.cache, salt, options.decoded)


def _build(options: BuildOptions, pending: list[Corpus], restore: Restore | None) -> BuildReport:
    """Build with the output folder's lock held (see :func:`build`), from the corpus in ``pending`` if there is one."""
    report = BuildReport()
    registry = load_registry(options.base)
    progress = options.progress
    if progress:
        progress("read, segment, find ...")
    corpus = pending.pop() if pending else read_corpus(options)
    parsed = corpus.parsed
    report.sources, report.cache_hits = len(corpus.sources), parsed.cache_hits
    busy = sum(parsed.seconds.values()) or 1.0
    for name in ("read", "segment", "find"):
        report.timings[name] = StageTiming(corpus.parse_seconds * parsed.seconds[name] / busy, peak_rss_mib())
    report.timings["resolve"] = StageTiming(corpus.resolve_seconds, peak_rss_mib())
    report.diagnostics.extend(corpus.diagnostics)
    report.resolutions = len(corpus.settled.texts)
    _check_inputs(report, corpus.failures, options)
    parts = None
    if options.cache is not None:
        parts = PartCache(options.cache / PARTS_FOLDER, cache_salt("graph parts", registry.minter.base))
    with atomic_folder(options.out, options.discard_previous) as work:
        with _stage(report, "graph", progress):
            result = build_graph(corpus.settled, registry, parts, dump=work / DUMP_FILE, restore=restore)
            store = result.store
        report.texts_kept, report.store_restored = result.parts_reused, result.restored
        report.dump_patched = result.patched
        names, cache_keys = [s.name for s in corpus.sources], parsed.cache_keys
        del corpus, parsed  # every later stage reads the graph: its memory goes to them (about 500 MB at 10,000 texts)
        report.triples = result.triple_count
        with _stage(report, "validate", progress):
            shapes, shapes_digest = read_shapes(options.shapes)
            check_shapes(shapes, options.cache, shapes_digest)
        validation_salt = revalidate.memo_salt(shapes_digest, registry.minter.base)
        memo = load_memo(options.cache, options.out, registry.minter.base) if options.site else None
        node_reuse = NodeReuse(options.cache / INDEX_FILE, options.out) if options.cache else None
        changed = functools.cache(lambda: _changed_since(options, work, result))  # asked only by a reuse on record
        near = functools.cache(lambda: nearby(store, changed(), work / DUMP_FILE))
        with _stage(report, "validate", progress):
            outcome = _validate(result, shapes, changed, options, validation_salt, report, registry.minter.base)
        report.conforms, report.violations = outcome.conforms, len(outcome.violations)
        if not outcome.conforms and not options.allow_invalid:
            raise ValidationFailed(
                f"the graph does not conform to the shapes; nothing was published\n{format_report(outcome)}"
            )
        site_pages, kept_views = None, None
        views_salt = textcache.views_salt(registry.minter.base)
        with _stage(report, "site", progress):
            if options.site:
                from cndkg.publish.site import write_pages

                kept_views, texts = _patched_texts(options, views_salt, near)
                if texts is not None and kept_views is not None:
                    report.views_read = sum(1 for iri, view in texts.items() if kept_views.views.get(iri) is not view)
                site_pages = write_pages(work, store, registry, options.max_pages_per_source, memo, texts)
                report.diagnostics.extend(site_pages.data.diagnostics)
                report.pages_reused = site_pages.reused
        search_plan = _plan_search(work, site_pages, options) if site_pages is not None and options.search else None
        if search_plan is not None:
            report.search_shards, report.search_shards_indexed = len(search_plan.shards), len(search_plan.stale)
        with _indexing(work, search_plan) as indexer:
            with _stage(report, "dumps", progress):
                alternates = site_pages.alternates if site_pages is not None else None
                report.dump_sizes = write_dumps(
                    store,
                    work,
                    registry.minter.base,
                    alternates,
                    node_reuse,
                    sorted_written=True,
                    alongside=lambda: write_downloads(store, work, _rows_delta(options, near)),
                )
                _write_metadata(work, store, outcome, report, registry.minter.base, names, options)
                (work / "shapes.ttl").write_bytes(_shapes_turtle(shapes, shapes_digest, options.cache))
            with _stage(report, "site", progress):
                if site_pages is not None:
                    from cndkg.publish.site import finish_site

                    report.pages = finish_site(work, site_pages, outcome, previous=options.out)
            with _stage(report, "search", progress):
                if indexer is not None:
                    indexer.wait()
    if (cache := _parse_cache(options, registry)) is not None:
        cache.prune(cache_keys)  # the cache mirrors the last successful build
    if parts is not None:
        parts.prune(result.part_keys)
    if memo is not None and site_pages is not None and options.cache is not None:
        save_memo(options.cache, options.out, memo, site_pages.records)
    if node_reuse is not None:
        commit_index(node_reuse)
    if options.cache is not None:
        if options.validator == "fast":
            revalidate.save_memo(options.cache, options.out, validation_salt, outcome.keys)
        else:
            revalidate.discard_memo(options.cache)
        if search_plan is not None:
            save_manifest(options.cache, options.out, search_plan)
        else:
            discard_manifest(options.cache)
        downloads.save_memo(options.cache, options.out, downloads.memo_salt(registry.minter.base))
        if site_pages is not None:
            textcache.save_views(options.cache, options.out, views_salt, site_pages.data.texts, kept_views)
        else:
            textcache.discard_views(options.cache)
        save_record(options.cache, options.out, restore_salt(registry.minter.base), report.triples, result.made_of)
    report.out = options.out
    if options.published is not None and site_pages is not None:
        options.published(site_pages.data)
    return report


def _changed_since(options: BuildOptions, work: Path, result: GraphResult) -> set[str] | None:
    """Return the subjects of the triples in this build's sorted dump or the previous output's, not both.

    None without a cache folder (nothing is reused), a previous dump, or when
    the change cannot be told by subject (:func:`cndkg.delta.changed_subjects`).
    The graph stage already compared the two when it restored the store.
    """
    if result.delta is not None:
        return result.delta.subjects()
    previous = options.out / DUMP_FILE
    if options.cache is None or not previous.is_file():
        return None
    return changed_subjects(previous, work / DUMP_FILE)


def _rows_delta(options: BuildOptions, near: Callable[[], Nearby | None]) -> RowsDelta | None:
    """Return what writing the downloads by delta needs, when the previous output's are on record."""
    salt = downloads.memo_salt(load_registry(options.base).minter.base)
    return downloads.rows_delta(options.cache, options.out, salt, near)


def _patched_texts(
    options: BuildOptions, salt: str, near: Callable[[], Nearby | None]
) -> tuple[textcache.KeptViews | None, dict[str, TextView] | None]:
    """Return the previous build's texts' views and this build's, patched from them; (None, None): read them all.

    Takes the build's options, the views' salt and the families near what
    changed since the previous output's dump (:func:`cndkg.delta.nearby`,
    asked only when the cache keeps that output's views).
    """
    if not textcache.vouched(options.cache, options.out, salt) or (found := near()) is None:
        return None, None
    kept = textcache.load_views(options.cache, options.out, salt)
    return (None, None) if kept is None else (kept, patch_texts(kept.views, found.families, found.scoped))


def _validate(
    result: GraphResult,
    shapes: Graph,
    changed: Callable[[], set[str] | None],
    options: BuildOptions,
    salt: str,
    report: BuildReport,
    base: str,
) -> ValidationOutcome:
    """Validate the graph: with pySHACL if asked, else by the fast path, near the changes only on a rebuild.

    A rebuild whose previous output's sorted dump and violations are on
    record checks only the nodes near the triples that changed
    (:mod:`cndkg.revalidate`); ``report.revalidated`` says how many.
    """
    if options.validator == "pyshacl":
        return validate_graph(result.graph, shapes)
    previous = revalidate.load_memo(options.cache, options.out, salt)
    if previous is not None:
        narrowed = revalidate.revalidate(result.store, shapes, base, changed(), previous)
        if narrowed is not None:
            outcome, report.revalidated = narrowed
            return outcome
    return validate_store(result.store, shapes, base)


def _check_inputs(report: BuildReport, problems: list[Diagnostic], options: BuildOptions) -> None:
    """Stop the build when a source failed (unless told to skip it) or nothing was found."""
    failed = [d for d in problems if d.severity is Severity.ERROR]
    if failed and not options.skip_bad_sources:
        conflicts = sum(1 for d in failed if d.code == "conflict")
        parts = [f"{len(failed) - conflicts} source(s) could not be read"] if len(failed) > conflicts else []
        if conflicts:
            parts.append(f"{conflicts} source(s) claim a symbol that another text claims with other words")
        what = " and ".join(parts)
        raise BuildError(
            f"{what}; nothing was published (fix them, or pass "
            "skip_bad_sources=True to publish the rest)\n" + "\n".join(str(d) for d in failed)
        )
    if report.resolutions == 0:
        raise BuildError("no resolution found in the sources; nothing was published")


def _write_metadata(
    work: Path,
    store: ox.Store,
    outcome: ValidationOutcome,
    report: BuildReport,
    base: str,
    sources: list[str],
    options: BuildOptions,
) -> None:
    """Write void.ttl, shacl-report.ttl and a copy of the ontology."""
    types: Counter[str] = Counter()
    for row in store.query("SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c"):  # type: ignore[union-attr]
        types[row["c"].value] = int(row["n"].value)
    media_types = {**{name: media for name, (_, media) in DUMP_FORMATS.items()}, **EXTRA_DOWNLOADS}
    distributions = [Distribution(name, media, report.dump_sizes[name]) for name, media in media_types.items()]
    description = describe_dataset(base, report.triples, types, distributions, sources, options.sparql_endpoint)
    write_turtle(work / "void.ttl", description)
    write_turtle(work / "shacl-report.ttl", to_canonical_graph(outcome.report))
    shutil.copyfile(data_dir("ontology") / "cndkg.ttl", work / "ontology.ttl")


_SHAPES_TURTLE: dict[str, bytes] = {}


def _shapes_turtle(shapes: Graph, digest: str, cache: Path | None) -> bytes:
    """Return ``shapes.ttl``: the shapes as sorted Turtle, blank nodes canonically labelled.

    Labelling the blank nodes costs about 0.4 s, so the bytes are kept by the
    shapes files' digest (and the running code): in this process, and in the
    cache folder when there is one.
    """
    from cndkg.writers import sorted_triples, turtle

    key = hashlib.sha256(f"{cache_salt('shapes.ttl')} {digest}".encode()).hexdigest()
    if key in _SHAPES_TURTLE:
        return _SHAPES_TURTLE[key]
    stored = cache / "shapes-ttl" / key if cache is not None else None
    try:
        data = stored.read_bytes() if stored is not None else None
    except OSError:
        data = None
    if data is None:
        data = turtle.serialize(sorted_triples(to_canonical_graph(shapes)))
        if stored is not None:
            with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
                stored.parent.mkdir(parents=True, exist_ok=True)
                staging = stored.with_suffix(".new")
                staging.write_bytes(data)
                staging.replace(stored)
    _SHAPES_TURTLE[key] = data
    return data


def write_turtle(path: Path, graph: object) -> None:
    """Write a small graph as sorted Turtle (blank nodes must already be canonical)."""
    from cndkg.writers import sorted_triples, turtle

    path.write_bytes(turtle.serialize(sorted_triples(graph)))  # type: ignore[arg-type]


def print_summary(report: BuildReport, stream: TextIO | None = None) -> None:
    """Print a short summary of a build: counts, validation, per-stage seconds."""
    out = stream or sys.stderr
    stages = ", ".join(f"{n} {t.seconds:.2f}s" for n, t in report.timings.items())
    cached = f", {report.cache_hits} of {report.sources} files from the cache" if report.cache_hits else ""
    if report.pages_reused:
        cached += f", {report.pages_reused} unchanged pages kept"
    if report.search_shards_indexed < report.search_shards:
        cached += f", {report.search_shards_indexed} of {report.search_shards} search shards indexed"
    print(
        f"cndkg: {report.resolutions} resolutions, {report.triples} triples, {report.pages} pages -> {report.out}"
        f" (SHACL: {'conforms' if report.conforms else f'{report.violations} violations'}{cached}); {stages}",
        file=out,
    )
