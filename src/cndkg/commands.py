"""The sub-commands that run whole stages: build and validate (query, serve, push, bench register here too)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from rdflib import Graph

from cndkg.errors import CndkgError
from cndkg.model import Severity
from cndkg.query.output import FORMATS

REGISTRATIONS: list[Callable[[argparse._SubParsersAction], None]] = []  # type: ignore[type-arg]


def register(function: Callable[[argparse._SubParsersAction], None]) -> Callable[..., None]:  # type: ignore[type-arg]
    """Add a sub-command registration function to the command line."""
    REGISTRATIONS.append(function)
    return function


@register
def _add_build(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    command = commands.add_parser(
        "build", help="build dumps, dataset description and website (default: bundled corpus)"
    )
    command.add_argument(
        "sources", nargs="*", metavar="SOURCE", help="source files or folders (default: the bundled corpus)"
    )
    command.add_argument("--out", type=Path, default=Path("dist"), help="output folder (default: dist)")
    command.add_argument(
        "--base-uri", default=None, help="base of the dataset's IRIs (default https://w3id.org/cndkg/)"
    )
    command.add_argument("--encoding", help="decode sources with this encoding instead of UTF-8")
    command.add_argument(
        "--ocr", action="store_true", help="run OCR (OCRmyPDF + Tesseract) on PDF pages without a text layer"
    )
    command.add_argument("--allow-invalid", action="store_true", help="publish even if the graph violates the shapes")
    command.add_argument("--skip-bad-sources", action="store_true", help="publish the readable sources when some fail")
    command.add_argument("--sparql-endpoint", help="endpoint URL to advertise in void.ttl (void:sparqlEndpoint)")
    command.add_argument("--no-site", action="store_true", help="write dumps and metadata only")
    command.add_argument("--no-search", action="store_true", help="do not build the Pagefind search index")
    command.add_argument(
        "--max-pages-per-source",
        type=int,
        default=1000,
        metavar="N",
        help="pages one source file may make for the entities it cites (default 1000; 0: no bound)",
    )
    command.add_argument("--shapes", type=Path, help="folder of SHACL shapes to use instead of the packaged ones")
    command.add_argument(
        "--validator",
        choices=("fast", "pyshacl"),
        default="fast",
        help="fast: shapes compiled to SPARQL on Oxigraph (default); pyshacl: the reference",
    )
    command.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="worker processes for parsing, graph, validation, dumps and pages (default: one per core, up to 2)",
    )
    command.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="folder caching each source's parse, keyed by its content hash (default: under $XDG_CACHE_HOME/cndkg)",
    )
    command.add_argument("--no-cache", action="store_true", help="parse every source again and keep no cache")
    command.add_argument("--serve", action="store_true", help="after building, serve the site on 127.0.0.1")
    command.add_argument("--port", type=int, default=8000, help="port for --serve (default 8000)")
    command.add_argument("--quiet", action="store_true", help="print nothing but errors")
    command.add_argument("--verbose", action="store_true", help="also print informational diagnostics")
    command.set_defaults(handler=_run_build)


def _run_build(args: argparse.Namespace) -> int:
    from cndkg.api import publish
    from cndkg.build import print_summary
    from cndkg.reporting import report

    result = publish(
        args.sources,
        args.out,
        args.base_uri,
        encoding=args.encoding,
        allow_invalid=args.allow_invalid,
        skip_bad_sources=args.skip_bad_sources,
        sparql_endpoint=args.sparql_endpoint,
        site=not args.no_site,
        search=not args.no_search,
        shapes=args.shapes,
        validator=args.validator,
        jobs=args.jobs,
        progress=_progress_printer(args.quiet),
        cache=None if args.no_cache else _cache_folder(args),
        max_pages_per_source=args.max_pages_per_source or None,
    )
    if not args.quiet:
        report(result.diagnostics, minimum=Severity.INFO if args.verbose else Severity.WARNING)
        print_summary(result)
    if args.serve:
        from cndkg.serve import serve_site

        serve_site(args.out, port=args.port)
    return 0


def _cache_folder(args: argparse.Namespace) -> Path:
    """Return the parse cache's folder: ``--cache``, else the user's cache folder (never one among the sources)."""
    from cndkg.cache import default_cache_folder

    return args.cache if args.cache is not None else default_cache_folder(args.sources)


def _progress_printer(quiet: bool) -> Callable[[str], None] | None:
    """Return a progress callback: stage lines on a terminal, nothing when piped or quiet."""
    if quiet or not sys.stderr.isatty():
        return None
    from rich.console import Console

    console = Console(stderr=True)

    def show(message: str) -> None:
        console.log(f"[bold]cndkg[/bold] {message}", highlight=False)

    return show


@register
def _add_validate(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    command = commands.add_parser(
        "validate", help="validate a graph with SHACL (exit 0 conforms, 1 violations, 2 bad input)"
    )
    command.add_argument(
        "graph", nargs="?", type=Path, help="graph file (.ttl .nt .jsonld); default: build the bundled corpus in memory"
    )
    command.add_argument("--shapes", type=Path, help="folder of SHACL shapes (default: the packaged ones)")
    command.add_argument("--report", type=Path, help="also write the sh:ValidationReport as Turtle to this file")
    command.add_argument("--limit", type=int, default=200, help="print at most this many violations (default 200)")
    command.set_defaults(handler=_run_validate)


def _run_validate(args: argparse.Namespace) -> int:
    from rdflib.compare import to_canonical_graph

    from cndkg.api import build_graph, validate
    from cndkg.build import write_turtle
    from cndkg.errors import SourceError
    from cndkg.resources import data_dir
    from cndkg.validate import format_report

    if args.graph is None:
        graph = build_graph([data_dir("corpus")]).graph
    else:
        graph = Graph()
        try:
            graph.parse(args.graph, format=_rdf_format(args.graph))
        except FileNotFoundError:
            raise SourceError(str(args.graph), "file not found") from None
        except Exception as error:  # rdflib raises many parser error types
            raise SourceError(str(args.graph), f"not a readable RDF file: {error}") from None
    outcome = validate(graph, args.shapes)
    print(format_report(outcome, args.limit))
    if args.report:
        write_turtle(args.report, to_canonical_graph(outcome.report))
    return 0 if outcome.conforms else 1


def _rdf_format(path: Path) -> str:
    """Return rdflib's format name for a file's suffix."""
    return {".nt": "nt", ".jsonld": "json-ld", ".json": "json-ld", ".rdf": "xml", ".xml": "xml"}.get(
        path.suffix.lower(), "turtle"
    )


def _parameters(pairs: list[str]) -> dict[str, str]:
    """Return ``--param name=value`` pairs as a dict; raise a usage error for a malformed pair."""
    from cndkg.query import QueryError

    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise QueryError(f"--param needs name=value, got {pair!r}")
        values[name.strip()] = value
    return values


@register
def _add_query(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    command = commands.add_parser("query", help="run SPARQL: a string, a .rq file or a library query")
    command.add_argument("query", nargs="?", help="SPARQL text, a .rq file, or a library query name (see --list)")
    command.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="bind a variable to an IRI, prefixed name or literal (repeatable)",
    )
    command.add_argument(
        "--graph",
        type=Path,
        default=Path("dist/cndkg.nt"),
        help="built graph to query in-process (default dist/cndkg.nt)",
    )
    command.add_argument("--endpoint", help="query this SPARQL 1.1 endpoint instead (e.g. the project's server)")
    command.add_argument(
        "--base-uri",
        default=None,
        help="base of the dataset's IRIs, for id: names and output (default: from the graph's void.ttl)",
    )
    command.add_argument(
        "--server",
        nargs="?",
        const=7878,
        type=int,
        metavar="PORT",
        help="query the project's own server started by 'cndkg serve' (127.0.0.1, default port 7878)",
    )
    command.add_argument("--default-graph", help="named graph to query at the endpoint (default-graph-uri)")
    command.add_argument("--format", choices=FORMATS, default="table")
    command.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for an endpoint (default 30)")
    command.add_argument("--list", action="store_true", help="list the library's questions and exit")
    command.add_argument("--show", action="store_true", help="print the bound SPARQL text instead of running it")
    command.set_defaults(handler=_run_query)


def _run_query(args: argparse.Namespace) -> int:
    from cndkg.query import load_library, query_text, run
    from cndkg.query.engines import dataset_base, load_store
    from cndkg.query.output import render

    if args.list or not args.query:
        for name, entry in load_library().items():
            params = " ".join(f"--param {p}={d}" if d else f"--param {p}=..." for p, d in entry.params)
            print(f"{name}: {entry.question}{' [' + params + ']' if params else ''}")
        return 0
    base = args.base_uri or dataset_base(args.graph)
    text = query_text(args.query, _parameters(args.param), base)
    if args.show:
        print(text)
        return 0
    endpoint = f"http://127.0.0.1:{args.server}/query" if args.server else args.endpoint
    store = None if endpoint else load_store(args.graph)
    result = run(text, store=store, endpoint=endpoint, graph=args.default_graph, timeout=args.timeout)
    print(render(result, args.format, base=base))
    return 0


@register
def _add_serve(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    command = commands.add_parser(
        "serve",
        help="serve the built site and a read-only SPARQL endpoint on 127.0.0.1 (--watch: a live preview)",
        description="Serve the built site and a read-only SPARQL endpoint on 127.0.0.1. With --watch: build the "
        "SOURCEs (default: the bundled corpus) into --out, serve the site (no SPARQL endpoint), and build again with "
        "the parse cache whenever a source changes; an open page reloads after each good build, and after a failed "
        "one keeps the last good build with the error shown over it. The reload script is added to the pages as "
        "they are served, never written into --out. Ctrl-C or SIGTERM stops.",
    )
    command.add_argument(
        "sources", nargs="*", metavar="SOURCE", help="with --watch: source files or folders to build and watch"
    )
    command.add_argument("--watch", action="store_true", help="build SOURCEs, serve, rebuild and reload on changes")
    command.add_argument("--cache", type=Path, help="with --watch: the parse cache folder (as for build)")
    command.add_argument("--no-cache", action="store_true", help="with --watch: parse every source at each build")
    command.add_argument("--no-search", action="store_true", help="with --watch: build no search index")
    command.add_argument("--out", type=Path, default=Path("dist"), help="built folder to serve (default dist)")
    command.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    command.add_argument("--port", type=int, default=8000, help="port of the website (default 8000)")
    command.add_argument("--sparql-port", type=int, default=7878, help="port of the SPARQL endpoint (default 7878)")
    command.add_argument(
        "--timeout", type=int, default=10, help="seconds one query may take, to its answer's last byte (default 10)"
    )
    command.add_argument(
        "--max-answer-bytes",
        type=int,
        default=64 * 1024 * 1024,
        help="largest answer sent; a larger one is stopped with 503 (default 67108864, 64 MiB)",
    )
    command.set_defaults(handler=_run_serve)


def _run_serve(args: argparse.Namespace) -> int:
    from cndkg.query.guard import GuardedServer
    from cndkg.serve import serve_site, stopping_on_signals

    if args.watch:
        from cndkg.build import BuildOptions
        from cndkg.watch import watch_and_serve

        cache = None if args.no_cache else _cache_folder(args)
        options = BuildOptions(sources=args.sources, out=args.out, cache=cache, search=not args.no_search)
        return watch_and_serve(options, host=args.host, port=args.port)
    if args.sources:
        raise CndkgError("SOURCE arguments are for --watch; 'cndkg serve' alone serves the built --out folder")
    if args.timeout < 1 or args.max_answer_bytes < 1:
        raise CndkgError("--timeout and --max-answer-bytes must be at least 1")
    guard = GuardedServer(
        args.out / "cndkg.nt",
        host=args.host,
        port=args.sparql_port,
        timeout_s=args.timeout,
        max_answer_bytes=args.max_answer_bytes,
    )
    with stopping_on_signals(), guard as server:  # SIGTERM too stops the Oxigraph process
        print(f"cndkg: SPARQL endpoint (read-only) at {server.query_url}", file=sys.stderr)
        serve_site(args.out, host=args.host, port=args.port)
    return 0


@register
def _add_push(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    command = commands.add_parser("push", help="load the dump into a SPARQL 1.1 store, replacing a named graph")
    command.add_argument(
        "--endpoint", required=True, help="Graph Store Protocol endpoint (or update endpoint with --protocol update)"
    )
    command.add_argument("--graph", help="named graph IRI to replace (default: the default graph)")
    command.add_argument(
        "--dump", type=Path, default=Path("dist/cndkg.nt"), help="N-Triples dump (default dist/cndkg.nt)"
    )
    command.add_argument("--protocol", choices=("gsp", "update"), default="gsp")
    command.add_argument("--graph-param", default="graph", help="name of the graph parameter (Virtuoso: graph-uri)")
    command.add_argument("--timeout", type=float, default=300.0)
    command.set_defaults(handler=_run_push)


def _run_push(args: argparse.Namespace) -> int:
    from cndkg.query.credentials import without_userinfo
    from cndkg.query.push import push

    result = push(
        args.dump,
        args.endpoint,
        graph=args.graph,
        protocol=args.protocol,
        graph_param=args.graph_param,
        timeout=args.timeout,
    )
    where = f"graph <{result.graph}>" if result.graph else "the default graph"
    print(
        f"cndkg: pushed {result.bytes_sent:,} bytes into {where} at {without_userinfo(args.endpoint)} "
        f"(HTTP {result.status})",
        file=sys.stderr,
    )
    return 0


@register
def _add_bench(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    command = commands.add_parser("bench", help="build synthetic corpora end to end and time every stage")
    command.add_argument(
        "--sizes", default="1000,2000,5000,10000", help="comma-separated corpus sizes (default 1000,2000,5000,10000)"
    )
    command.add_argument("--seed", type=int, default=1, help="seed of the synthetic corpus (default 1)")
    command.add_argument("--json", action="store_true", help="print the figures as JSON")
    command.add_argument("--no-site", action="store_true", help="skip the site and search stages")
    command.add_argument("--keep", type=Path, help="keep the generated corpora and builds under this folder")
    command.add_argument(
        "--watch-edits", type=int, default=3, help="saves to time serve --watch on, per size (0: none; default 3)"
    )
    command.add_argument(
        "--format",
        choices=("text", "pdf", "adversarial"),
        default="text",
        help="text: build end to end (default); pdf: PDF reading in pages/s per core against pdftotext; "
        "adversarial: parse time per KB of hostile inputs, --sizes in KB (e.g. 10,100,1000)",
    )
    command.set_defaults(handler=_run_bench)


def _run_bench(args: argparse.Namespace) -> int:
    import json

    from cndkg.bench.run import bench, table

    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        raise CndkgError(f"--sizes takes whole numbers separated by commas, got {args.sizes!r}") from None
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    if args.format == "adversarial":
        import tempfile

        from cndkg.bench import adversarial

        with tempfile.TemporaryDirectory(prefix="cndkg-adversarial-") as scratch:
            rows = adversarial.bench_adversarial(sizes, args.keep or Path(scratch))
        print(json.dumps(rows, indent=1) if args.json else adversarial.table(rows))
        return 0
    if args.format == "pdf":
        from cndkg.bench import pdf

        rows = [pdf.bench_pdf(size, args.seed, args.keep / f"pdf-{size}" if args.keep else None) for size in sizes]
        print(json.dumps(rows, indent=1) if args.json else pdf.table(rows))
        return 0
    data = bench(
        sizes, args.seed, site=not args.no_site, search=not args.no_site, keep=args.keep, watch_edits=args.watch_edits
    )
    print(json.dumps(data, indent=1) if args.json else table(data))
    return 0


@register
def _add_eval(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from cndkg.evaluate.command import add_eval_command

    add_eval_command(commands)
