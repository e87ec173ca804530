"""Run the comparison over a corpus folder and set it against the last recorded run.

Each text is built on its own, in-process (read -> segment -> find -> resolve ->
graph, no validation and no site): a text that fails is a crashed text with its
error, never a failed evaluation.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cndkg.errors import CndkgError
from cndkg.evaluate.compare import Counts, TextResult, compare_text, crashed_text
from cndkg.evaluate.expectations import ExpectationError, ExpectedText, load_expectations
from cndkg.evaluate.observe import ObservedResolution, observe
from cndkg.forking import workers
from cndkg.model import Severity
from cndkg.registry import Registry, load_registry

RUN_FORMAT = 1
"""The version of the recorded-run JSON (``last-run.json``)."""


class EvalInputError(CndkgError):
    """A corpus folder, expectation file or recorded run that cannot be used (exit code 2)."""


@dataclass
class CorpusResult:
    """The comparison of a whole corpus folder."""

    name: str
    texts: list[TextResult] = field(default_factory=list)

    @property
    def counts(self) -> Counts:
        """Return the counts of every text added together."""
        total = Counts()
        for text in self.texts:
            total.add(text.counts)
        return total

    @property
    def items(self) -> dict[str, bool]:
        """Return every scored item of every text: key -> passed."""
        return {k: v for text in self.texts for k, v in text.items.items()}

    @property
    def extras(self) -> list[str]:
        """Return every false positive's key, sorted."""
        return sorted(k for text in self.texts for k in text.extras)


@dataclass
class Changes:
    """What a run won and broke against a recorded one."""

    gains: list[str] = field(default_factory=list)
    losses: list[str] = field(default_factory=list)
    new_extras: list[str] = field(default_factory=list)
    gone_extras: list[str] = field(default_factory=list)


def corpus_folders(root: Path) -> list[Path]:
    """Return ``root`` if it holds ``texts/`` and ``expected/``, else its subfolders that do, sorted."""
    if _is_corpus(root):
        return [root]
    return sorted(p for p in root.iterdir() if p.is_dir() and _is_corpus(p)) if root.is_dir() else []


def _is_corpus(folder: Path) -> bool:
    """Return True when a folder holds ``texts/`` and ``expected/``."""
    return (folder / "texts").is_dir() and (folder / "expected").is_dir()


def evaluate_corpus(
    corpus: Path, expected_dir: Path | None = None, registry: Registry | None = None, only: str = ""
) -> CorpusResult:
    """Build every expected text of a corpus folder and compare its graph with the expectations.

    Takes the corpus folder (texts in ``corpus/texts``, or in ``corpus`` itself
    when it has no ``texts/``), the expectation folder (default
    ``corpus/expected``), a registry (default: the packaged one) and a substring
    that text names must contain. Raises EvalInputError for a missing folder or
    an unreadable expectation file.
    """
    texts_dir = corpus / "texts" if (corpus / "texts").is_dir() else corpus
    expected_dir = expected_dir or corpus / "expected"
    if not expected_dir.is_dir():
        raise EvalInputError(f"{expected_dir}: no such folder of expectations (expected/NAME.json)")
    try:
        expectations = load_expectations(expected_dir, texts_dir)
    except ExpectationError as error:
        raise EvalInputError(str(error)) from error
    registry = registry or load_registry()
    result = CorpusResult(corpus.name)
    for expected in expectations:
        if only in expected.name:
            result.texts.append(evaluate_text(expected, registry))
    return result


def evaluate_text(expected: ExpectedText, registry: Registry) -> TextResult:
    """Build one text alone and compare it; a failure of the build makes a crashed result."""
    if expected.path is None:
        return crashed_text(expected, "", "no text file with this name in texts/")
    source = expected.path.read_text(encoding="utf-8", errors="replace")
    try:
        observed = build_text(expected.path, registry)
    except Exception as error:  # one text's failure must not stop the others
        return crashed_text(expected, source, f"{type(error).__name__}: {error}".splitlines()[0])
    return compare_text(expected, observed, source)


def build_text(path: Path, registry: Registry) -> list[ObservedResolution]:
    """Build one source file's graph in-process and return its resolutions.

    Raises CndkgError when the source cannot be read or holds no resolution.
    """
    from cndkg.graph import build_graph
    from cndkg.pipeline import run_pipeline

    with workers(1):  # one text: never worth a fork
        corpus = run_pipeline([path], registry, root=path.parent)
    errors = [d for d in corpus.diagnostics if d.severity is Severity.ERROR and d.source in corpus.failed_sources]
    if corpus.failed_sources:
        raise CndkgError(str(errors[0]) if errors else f"{path.name}: could not be read")
    if not corpus.resolved:
        raise CndkgError("no resolution found")
    return observe(build_graph(corpus.settled, registry).graph)


def run_record(result: CorpusResult) -> dict[str, Any]:
    """Return the JSON-ready record of a run: totals, every item's outcome, the false positives."""
    counts = result.counts
    return {
        "format": RUN_FORMAT,
        "corpus": result.name,
        "totals": {**asdict(counts), "precision": round(counts.precision, 4), "recall": round(counts.recall, 4)},
        "items": dict(sorted(result.items.items())),
        "extras": result.extras,
    }


def load_run(path: Path) -> dict[str, Any] | None:
    """Return a recorded run, or None when there is none. Raises EvalInputError when it is not one."""
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise EvalInputError(f"{path}: not a recorded run ({error})") from error
    if not isinstance(data, dict) or not isinstance(data.get("items"), dict):
        raise EvalInputError(f"{path}: not a recorded run (no 'items' object)")
    return data


def write_run(path: Path, result: CorpusResult) -> None:
    """Write the run's record to ``path`` (sorted, so that an unchanged run rewrites the same bytes)."""
    path.write_text(json.dumps(run_record(result), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def changes(result: CorpusResult, recorded: dict[str, Any]) -> Changes:
    """Return the items won and lost, and the false positives gained and gone, since a recorded run.

    An item lost is one that passed in the recorded run and is still expected but
    fails now; an item won passes now and did not pass (or did not exist) then.
    """
    before: dict[str, bool] = {str(k): bool(v) for k, v in recorded.get("items", {}).items()}
    now = result.items
    extras_before = set(recorded.get("extras", []))
    extras_now = set(result.extras)
    return Changes(
        gains=sorted(k for k, ok in now.items() if ok and not before.get(k, False)),
        losses=sorted(k for k, ok in now.items() if not ok and before.get(k, False)),
        new_extras=sorted(extras_now - extras_before),
        gone_extras=sorted(extras_before - extras_now),
    )
