"""A smoke run of the benchmark (no timing assertions: timings belong in docs/benchmarks.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cndkg.bench.corpus import generate, write_corpus
from cndkg.pipeline import run_pipeline
from cndkg.registry import Registry

from .helpers import tree_hashes

pytestmark = pytest.mark.slow


def test_generated_corpus_is_deterministic_and_parses(tmp_path: Path, registry: Registry) -> None:
    assert [g.text for g in generate(30, seed=7)] == [g.text for g in generate(30, seed=7)]
    assert [g.text for g in generate(30, seed=7)] != [g.text for g in generate(30, seed=8)]
    write_corpus(tmp_path, 30, seed=7)
    corpus = run_pipeline([tmp_path], registry, root=tmp_path)
    assert len(corpus.resolved) == 30
    assert {p.suffix for p in tmp_path.rglob("*.*")} == {".txt", ".md", ".html"}
    assert all(15 <= len(item.resolution.paragraphs) <= 33 for item in corpus.resolved)
    assert sum(len(item.citations) for item in corpus.resolved) >= 30 * 8
    assert not [d for d in corpus.diagnostics if d.code == "unresolved"]


def test_bench_smoke_run_prints_json_for_every_stage() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cndkg.cli", "bench", "--sizes", "200", "--json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    [run] = data["results"]
    assert run["size"] == 200 and run["resolutions"] == 200 and run["conforms"]
    assert set(run["stages"]) == {"read", "segment", "find", "resolve", "graph", "validate", "dumps", "site", "search"}
    assert run["floors"]["parsed_triples"] == run["triples"]
    assert run["ratios"]["total_per_copy_floor"] > 0 and run["ratios"]["total_per_parse_floor"] > 0
    assert data["commit"] is None or len(data["commit"].rstrip("+")) == 12
    assert run["rebuild"]["cache_hits"] == run["rebuild"]["sources"] - 1 == 199
    assert run["largest_worker_rss_mib"] > 0
    assert set(run["queries_ms"]) >= {"recalled-by", "reports-due", "treaties-ranked"}
    assert data["machine"]["cpus"] >= 1


def test_parallel_build_gives_the_same_output_as_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cndkg.build import BuildOptions, build

    # 80 texts are too few to fork for otherwise
    monkeypatch.setattr("cndkg.publish.site.PARALLEL_FROM", 1)
    monkeypatch.setattr("cndkg.graph.build.PARALLEL_FROM", 1)
    write_corpus(tmp_path / "src", 80, seed=3)
    reports = {
        jobs: build(
            BuildOptions(
                sources=[str(tmp_path / "src")],
                out=tmp_path / str(jobs),
                search=False,
                jobs=jobs,
                root=tmp_path / "src",
            )
        )
        for jobs in (1, 2)
    }
    assert reports[1].resolutions == reports[2].resolutions == 80
    assert reports[1].pages == reports[2].pages > 80
    one, two = tree_hashes(tmp_path / "1"), tree_hashes(tmp_path / "2")
    assert {"cndkg.nt", "cndkg.jsonld", "void.ttl", "index.html", "sitemap.xml"} <= set(one)
    assert sum(name.endswith("data.jsonld") for name in one) == reports[1].pages - 7  # all but 6 indexes and home
    assert one == two
    assert [str(d) for d in reports[1].diagnostics] == [str(d) for d in reports[2].diagnostics]
