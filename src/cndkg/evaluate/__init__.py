"""A regression harness: build a folder of texts and compare the graph with hand-checked expectations.

``cndkg eval CORPUS_DIR`` reads ``CORPUS_DIR/texts/NAME.ext`` and
``CORPUS_DIR/expected/NAME.json`` (the format of ``../shared/realworld/expected``),
builds each text on its own, prints precision, recall and F1 of the citations,
structure, cue, identifier and mandate scores, and the items won and lost since
the run recorded in ``CORPUS_DIR/last-run.json``.
"""

from __future__ import annotations

from cndkg.evaluate.compare import Counts, TextResult, compare_text, crashed_text
from cndkg.evaluate.expectations import ExpectedCite, ExpectedResolution, ExpectedText, load_expectations
from cndkg.evaluate.observe import ObservedMandate, ObservedParagraph, ObservedResolution, observe
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

__all__ = [
    "Changes",
    "CorpusResult",
    "Counts",
    "EvalInputError",
    "ExpectedCite",
    "ExpectedResolution",
    "ExpectedText",
    "ObservedMandate",
    "ObservedParagraph",
    "ObservedResolution",
    "TextResult",
    "changes",
    "compare_text",
    "corpus_folders",
    "crashed_text",
    "evaluate_corpus",
    "load_expectations",
    "load_run",
    "observe",
    "write_run",
]
