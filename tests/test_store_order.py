"""Nothing a build writes depends on the order its store was filled in.

A rebuild's store is the previous build's graph brought up to date
(:mod:`cndkg.graph.restore`), so its triples were added in another order than
a clean build's, text by text. Oxigraph's in-memory store gives triples back
in the order they were first added; a page, a table or a dump that took "the
first value" would then differ between a rebuild and a clean build. These
builds fill the store in a shuffled order and must write the same bytes.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

import cndkg.build
from cndkg.build import BuildOptions, build
from cndkg.graph import GraphResult

from .conftest import CORPUS
from .helpers import tree_hashes

TESTS = Path(__file__).resolve().parent
SOURCES = [CORPUS, *(TESTS / "corpus" / name / "texts" for name in ("examples", "realworld", "realworld2"))]


def _shuffling(seed: int, original: Any) -> Any:
    """Return build_graph whose store holds the same triples, added in an order shuffled by ``seed``."""

    def build_graph(*args: Any, **kwargs: Any) -> GraphResult:
        result: GraphResult = original(*args, **kwargs)
        data = result.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()) or b""
        lines = data.splitlines()
        random.Random(seed).shuffle(lines)
        shuffled = ox.Store()
        shuffled.bulk_load(input=b"\n".join(lines) + b"\n", format=ox.RdfFormat.N_TRIPLES)
        assert [str(q) for q in shuffled] != [str(q) for q in result.store], "the shuffle left the order as it was"
        result.store = shuffled
        return result

    return build_graph


@pytest.mark.parametrize("seed", [3, 11])
def test_a_store_filled_in_another_order_writes_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    sources = [str(path) for path in SOURCES]
    build(BuildOptions(sources=sources, out=tmp_path / "in-order", search=False, jobs=1, skip_bad_sources=True))
    monkeypatch.setattr(cndkg.build, "build_graph", _shuffling(seed, cndkg.build.build_graph))
    build(BuildOptions(sources=sources, out=tmp_path / "shuffled", search=False, jobs=1, skip_bad_sources=True))
    expected = tree_hashes(tmp_path / "in-order")
    assert len(expected) > 100
    assert tree_hashes(tmp_path / "shuffled") == expected
