"""The regression harness over every folder of ``tests/corpus`` (see tests/corpus/README.md).

Each folder with ``texts/`` and ``expected/`` is evaluated as ``cndkg eval`` does; the test
fails when an item its committed ``last-run.json`` records as passing now fails. When a
change loses an item on purpose (a better expectation, a deliberate trade), re-record:
``cndkg eval tests/corpus/FOLDER --record``, and say why in the commit.

The harness must agree with the reference scorer ``../shared/realworld/score.py`` (beside the
repository in CI): both are run on the same copies and their totals compared.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from cndkg.evaluate import CorpusResult, changes, corpus_folders, evaluate_corpus, load_run
from cndkg.evaluate.report import corpus_lines
from cndkg.registry import Registry

from .conftest import ROOT

CORPORA = ROOT / "tests" / "corpus"
FOLDERS = corpus_folders(CORPORA)
SCORER = ROOT.parent / "shared" / "realworld" / "score.py"
CNDKG = Path(sys.executable).parent / "cndkg"


@pytest.fixture(scope="module")
def evaluated(registry: Registry) -> Callable[[Path], CorpusResult]:
    cache: dict[Path, CorpusResult] = {}

    def get(folder: Path) -> CorpusResult:
        if folder not in cache:
            cache[folder] = evaluate_corpus(folder, registry=registry)
        return cache[folder]

    return get


def test_the_corpus_folders_are_found() -> None:
    assert {"examples", "seeds"} <= {f.name for f in FOLDERS}


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_no_item_recorded_as_passing_is_lost(
    folder: Path, evaluated: Callable[[Path], CorpusResult], capsys: pytest.CaptureFixture[str]
) -> None:
    result = evaluated(folder)
    recorded = load_run(folder / "last-run.json")
    found = changes(result, recorded) if recorded is not None else None
    with capsys.disabled():
        print(f"\n== tests/corpus/{folder.name}", *corpus_lines(result, found), sep="\n")
    if found is None:
        pytest.skip(f"no last-run.json: record one with `cndkg eval tests/corpus/{folder.name} --record`")
    assert not found.losses, (
        f"{len(found.losses)} item(s) recorded as passing now fail: {found.losses[:20]}; if this is intended, "
        f"re-record with `cndkg eval tests/corpus/{folder.name} --record` and say why in the commit"
    )


def _scorer_lines(corpus: Path, seeds: bool, tmp_path: Path) -> tuple[str, str]:
    """Run the reference scorer on a corpus folder's copies; return its identifiers and totals lines."""
    if seeds:  # the scorer reads SEEDS.json from HERE/expected and the texts from HERE/../seeds
        here = tmp_path / "realworld"
        (here / "expected").mkdir(parents=True)
        shutil.copy(corpus / "expected" / "SEEDS.json", here / "expected")
        shutil.copytree(corpus / "texts", tmp_path / "seeds")
    else:
        here = corpus
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCORE_")}
    env["SCORE_DIR"] = str(here)
    command = [sys.executable, str(SCORER), str(CNDKG), *(["--seeds"] if seeds else [])]
    proc = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=900)
    lines = proc.stdout.strip().splitlines()
    assert len(lines) >= 2, proc.stderr[-2000:]
    return lines[-2], lines[-1].split(": ", 1)[1]


@pytest.mark.skipif(
    not SCORER.is_file(), reason="the reference scorer ../shared/realworld/score.py is not beside the repo"
)
@pytest.mark.skipif(not CNDKG.is_file(), reason="no cndkg executable beside the Python running the tests")
@pytest.mark.parametrize("name", ["examples", "seeds"])
def test_harness_agrees_with_the_reference_scorer(
    name: str, evaluated: Callable[[Path], CorpusResult], tmp_path: Path
) -> None:
    folder = CORPORA / name
    identifiers, totals = _scorer_lines(folder, name == "seeds", tmp_path)
    c = evaluated(folder).counts
    ours = (
        f"structure {c.structure}/{c.structure_n}, cues {c.cues}/{c.cues_n}, "
        f"citations P={c.precision:.2f} R={c.recall:.2f} F1={c.f1:.2f}, "
        f"mandates {c.mandates}/{c.mandates_n}, crashed {c.crashed}"
    )
    assert totals == ours
    assert re.match(rf"identifiers: {c.identifiers}/{c.identifiers_n} found", identifiers), identifiers
