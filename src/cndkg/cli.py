"""The ``cndkg`` command line.

Exit codes (the same for every command): 0 success; 1 the work ran but found
problems the user asked to fail on (SHACL violations, unresolved citations with
``--strict``); 2 bad input or usage (unreadable sources, bad shapes, bad query);
130 interrupted. Errors are one line, ``file:line: message``; ``--debug``
shows the traceback instead.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from cndkg.errors import CndkgError
from cndkg.model import Severity
from cndkg.publish.atomic import Interrupted
from cndkg.reporting import flag_spelling, report
from cndkg.version import __version__

if TYPE_CHECKING:
    from cndkg.pipeline import Corpus

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130

Handler = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_BAD_INPUT
    if getattr(args, "ocr", False):
        from cndkg.read import OPTIONS

        OPTIONS.ocr = True
    try:
        return handler(args)
    except (KeyboardInterrupt, Interrupted):
        print("cndkg: interrupted; the previous output is untouched", file=sys.stderr)
        return EXIT_INTERRUPTED
    except CndkgError as error:
        if args.debug:
            raise
        print(f"cndkg: {flag_spelling(str(error))}", file=sys.stderr)
        return error.exit_code
    except BrokenPipeError:
        return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every sub-command registered."""
    parser = argparse.ArgumentParser(prog="cndkg", description="A knowledge graph of UN CND resolutions.")
    parser.add_argument("--version", action="version", version=f"cndkg {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks instead of one-line errors")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    _add_parse(commands)
    _add_cite(commands)
    for register in _extra_commands():
        register(commands)
    return parser


def _extra_commands() -> list[Callable[[argparse._SubParsersAction], None]]:  # type: ignore[type-arg]
    """Return the registration functions of the commands defined in other modules."""
    from cndkg import commands

    return commands.REGISTRATIONS


def add_source_arguments(command: argparse.ArgumentParser, *, required: bool) -> None:
    """Add the arguments every command that reads sources shares."""
    command.add_argument(
        "sources",
        nargs="+" if required else "*",
        metavar="SOURCE",
        help="source files (.txt .md .html .pdf .docx) or folders of them",
    )
    command.add_argument("--encoding", help="decode sources with this encoding instead of UTF-8 (e.g. cp1252)")
    command.add_argument(
        "--ocr", action="store_true", help="run OCR (OCRmyPDF + Tesseract) on PDF pages without a text layer"
    )
    command.add_argument(
        "--base-uri", default=None, help="base of the dataset's IRIs (default https://w3id.org/cndkg/)"
    )


def _add_parse(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    command = commands.add_parser("parse", help="read and segment sources; print the model")
    add_source_arguments(command, required=True)
    command.add_argument("--json", action="store_true", help="print the whole model as JSON")
    command.set_defaults(handler=_run_parse)


def _add_cite(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    command = commands.add_parser("cite", help="list every citation with its target, relation and source line")
    add_source_arguments(command, required=True)
    command.add_argument("--json", action="store_true", help="print citations as JSON")
    command.add_argument("--strict", action="store_true", help="exit 1 when a mention could not be resolved")
    command.set_defaults(handler=_run_cite)


def load_corpus(args: argparse.Namespace) -> Corpus:
    """Read and resolve the command's sources through the library API."""
    from cndkg.api import resolve

    return resolve(args.sources, args.base_uri, encoding=args.encoding)


def _run_parse(args: argparse.Namespace) -> int:
    from cndkg.jsonview import dumps, resolved_record

    corpus = load_corpus(args)
    if args.json:
        print(
            dumps(
                {
                    "resolutions": [resolved_record(r, with_citations=False) for r in corpus.resolved],
                    "errors": [str(d) for d in corpus.diagnostics if d.severity is Severity.ERROR],
                }
            )
        )
    else:
        for item in corpus.resolved:
            record = item.resolution
            name = record.header.symbol or record.header.title or "(untitled)"
            print(
                f"{record.where(record.line)}: {record.kind.value} {name} — session {record.session or '?'}, "
                f"{len(record.preambular)} preambular, {len(record.operative)} operative, "
                f"{len(record.footnotes)} footnotes{', truncated' if record.truncated else ''}"
            )
    report(corpus.diagnostics)
    return EXIT_BAD_INPUT if corpus.failed_sources or _only_errors(corpus) else EXIT_OK


def _only_errors(corpus: Corpus) -> bool:
    """Return True when nothing was read and something went wrong."""
    return not corpus.resolved and any(d.severity is Severity.ERROR for d in corpus.diagnostics)


def _run_cite(args: argparse.Namespace) -> int:
    from cndkg.jsonview import citation_record, dumps

    corpus = load_corpus(args)
    records = [citation_record(c, item.resolution) for item in corpus.resolved for c in item.citations]
    if args.json:
        print(dumps({"citations": records, "diagnostics": [str(d) for d in corpus.diagnostics]}))
    else:
        for r in records:
            relation = r["relation"].rsplit("#", 1)[-1]
            print(f"{r['where']}\t{r['paragraph'].rsplit('#', 1)[-1]}\t{relation}\t{r['target']}\t{r['text']}")
    report(corpus.diagnostics)
    unresolved = any(d.code == "unresolved" for d in corpus.diagnostics)
    if corpus.failed_sources:
        return EXIT_BAD_INPUT
    return EXIT_PROBLEMS if args.strict and unresolved else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
