"""The ``cndkg eval`` sub-command.

Exit codes, as for every command: 0 the evaluation ran; 1 it ran and found what
``--min-f1`` or ``--fail-on-loss`` asked to fail on; 2 bad input (no such folder,
an expectation file that is not JSON of the expected shape, a bad recorded run).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from cndkg.evaluate.compare import Counts
from cndkg.evaluate.report import corpus_json, corpus_lines, total_line
from cndkg.evaluate.run import (
    Changes,
    CorpusResult,
    EvalInputError,
    changes,
    corpus_folders,
    evaluate_corpus,
    load_run,
    write_run,
)

LAST_RUN = "last-run.json"
"""The recorded run's file name in a corpus folder."""


def add_eval_command(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``cndkg eval`` on the command line's sub-parsers."""
    command = commands.add_parser(
        "eval",
        help="build a folder of texts and compare the graph with hand-checked expectations",
        description="Build CORPUS_DIR/texts/NAME.* one by one and compare each graph with CORPUS_DIR/expected/"
        "NAME.json; print precision, recall, F1 and what was won and lost since the recorded run. A folder "
        "without expected/ is taken as a folder of corpus folders. Exit 0 ok, 1 below --min-f1 or a loss "
        "with --fail-on-loss, 2 bad input.",
    )
    command.add_argument("corpus", type=Path, metavar="CORPUS_DIR", help="folder with texts/ and expected/")
    command.add_argument(
        "expected", type=Path, nargs="?", metavar="EXPECTED_DIR", help="expectations (default CORPUS_DIR/expected)"
    )
    command.add_argument("--last-run", type=Path, help=f"recorded run to compare with (default CORPUS_DIR/{LAST_RUN})")
    command.add_argument("--record", action="store_true", help="write this run as the recorded run")
    command.add_argument("--json", action="store_true", help="print the results as JSON")
    command.add_argument("--only", default="", metavar="TEXT", help="evaluate only texts whose name contains this")
    command.add_argument("--min-f1", type=float, help="exit 1 when the citations' F1 is below this")
    command.add_argument(
        "--fail-on-loss", action="store_true", help="exit 1 when an item passing in the recorded run now fails"
    )
    command.add_argument("--all-notes", action="store_true", help="print every difference, not the first dozen")
    command.set_defaults(handler=run_eval)


def run_eval(args: argparse.Namespace) -> int:
    """Run ``cndkg eval``; return the exit code."""
    folders = _folders(args)
    if args.record and args.only:
        raise EvalInputError("--record writes the whole run: leave out --only")
    total, lost, reports = Counts(), False, []
    for folder in folders:
        result = evaluate_corpus(folder, args.expected, only=args.only)
        last_run = args.last_run or folder / LAST_RUN
        recorded = load_run(last_run)
        found = changes(result, recorded) if recorded is not None else None
        total.add(result.counts)
        lost = lost or bool(found and (found.losses or found.new_extras))
        reports.append(_report(result, found, args, len(folders) > 1))
        if args.record:
            write_run(last_run, result)
    if args.json:
        print(json.dumps({"corpora": reports}, indent=1, ensure_ascii=False))
    elif len(folders) > 1:
        print(f"all corpora: {total_line(total)}")
    below = args.min_f1 is not None and total.f1 < args.min_f1
    return 1 if below or (args.fail_on_loss and lost) else 0


def _folders(args: argparse.Namespace) -> list[Path]:
    """Return the corpus folders to evaluate; raise EvalInputError when there are none."""
    corpus: Path = args.corpus
    if not corpus.is_dir():
        raise EvalInputError(f"{corpus}: no such folder")
    if args.expected is not None:
        return [corpus]
    folders = corpus_folders(corpus)
    if not folders:
        raise EvalInputError(f"{corpus}: holds neither texts/ and expected/ nor subfolders that do")
    if len(folders) > 1 and args.last_run is not None:
        raise EvalInputError("--last-run names one recorded run: give one corpus folder")
    return folders


def _report(result: CorpusResult, found: Changes | None, args: argparse.Namespace, header: bool) -> object:
    """Print a corpus folder's text report (unless JSON is wanted); return its JSON report."""
    if not args.json:
        if header:
            print(f"== {result.name}")
        for line in corpus_lines(result, found, all_notes=args.all_notes):
            print(line)
    return corpus_json(result, found)
