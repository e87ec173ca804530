"""A smoke run of the benchmark (no timing assertions: timings belong in docs/benchmarks.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cndkg.bench.corpus import generate, one_more, write_corpus
from cndkg.bench.memory import TreeSampler, parent_pid, process_kib
from cndkg.bench.run import curve, run_one, table
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


def test_one_more_text_follows_the_corpus_without_renumbering_it(tmp_path: Path, registry: Registry) -> None:
    extra = one_more(30, seed=7)
    assert [g.text for g in generate(30, seed=7, per_session=2)] == [g.text for g in generate(30, seed=7)]
    assert extra.path == "s65/r000030.txt" and extra.path not in {g.path for g in generate(30, seed=7)}
    write_corpus(tmp_path, 30, seed=7)
    (tmp_path / extra.path).parent.mkdir()  # a session of its own
    (tmp_path / extra.path).write_text(extra.text, encoding="utf-8")
    corpus = run_pipeline([tmp_path], registry, root=tmp_path)
    assert len(corpus.resolved) == 31
    assert not [d for d in corpus.diagnostics if d.code == "unresolved"]


STAGES = {"read", "segment", "find", "resolve", "graph", "validate", "dumps", "site", "search"}
MEMORY = {"tree_peak_mib", "tree_rss_sum_peak_mib", "tree_samples", "tree_pss_samples", "tree_processes_at_peak"}


def test_bench_smoke_run_prints_json_for_every_stage_and_the_curve() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cndkg.cli", "bench", "--sizes", "40,20", "--watch-edits", "0", "--json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [run["size"] for run in data["results"]] == [40, 20]
    for run in data["results"]:
        assert run["resolutions"] == run["size"] and run["conforms"]
        assert set(run["stages"]) == STAGES
        assert run["floors"]["parsed_triples"] == run["triples"]
        assert run["ratios"]["total_per_copy_floor"] > 0 and run["ratios"]["total_per_parse_floor"] > 0
        assert run["rebuild"]["edit"]["expected_cache_hits"] == run["rebuild"]["edit"]["sources"] - 1 == run["size"] - 1
        assert isinstance(run["warnings"], list)
        assert run["largest_worker_rss_mib"] > 0 and run["tree_peak_mib"] > 0
        assert "watch" not in run  # --watch-edits 0
        assert set(run["queries_ms"]) >= {"recalled-by", "reports-due", "treaties-ranked"}
    assert data["commit"] is None or len(data["commit"].rstrip("+")) == 12
    assert data["machine"]["cpus"] >= 1
    small, large = sorted(data["results"], key=lambda run: run["size"])
    [growth] = data["curve"]["growth"]
    assert (growth["from"], growth["to"], growth["size_ratio"]) == (20, 40, 2.0)
    assert growth["time"] == pytest.approx(large["total_seconds"] / small["total_seconds"] / 2, abs=0.001)
    assert growth["memory"] == pytest.approx(large["tree_peak_mib"] / small["tree_peak_mib"] / 2, abs=0.001)
    assert [p["size"] for p in data["curve"]["points"]] == [20, 40]
    assert "growth 20 -> 40" in table(data)


def test_run_one_reports_clean_build_rebuilds_watch_and_targets(tmp_path: Path) -> None:
    run = run_one(20, 1, tmp_path, search=False, watch_edits=1, watch_browser=False)
    assert run["resolutions"] == 20 and run["conforms"]
    assert set(run["stages"]) == STAGES
    assert set(run) >= MEMORY
    assert 0 < run["tree_peak_mib"] <= run["tree_rss_sum_peak_mib"]
    assert run["tree_samples"] >= run["tree_pss_samples"] >= 2  # one on entering the build, one on leaving
    assert run["memory_sampling"]["measure"] in ("pss", "rss")
    parse_floor = run["floors"]["oxigraph_parse_nt_seconds"]
    assert parse_floor > 0 and run["ratios"]["total_per_parse_floor"] > 0
    assert run["ratios"]["total_per_parse_floor"] == pytest.approx(run["total_seconds"] / parse_floor, rel=0.05)

    rebuild = run["rebuild"]
    assert set(rebuild) == {"add", "edit", "delete"}
    for kind, figures in rebuild.items():
        assert set(figures) >= MEMORY, kind
        assert set(figures["stages"]) == STAGES, kind
        assert figures["total_seconds"] > 0 and figures["per_parse_floor"] > 0, kind
        assert figures["per_parse_floor"] == pytest.approx(figures["total_seconds"] / parse_floor, rel=0.05)
        # each rebuild ran as cndkg build does, from the previous one's output and cache: restored and patched
        assert figures["store_restored"] and figures["dump_patched"], kind
    assert rebuild["add"]["resolutions"] == run["resolutions"] + 1
    assert rebuild["add"]["file"] == "s70/r000020.html"
    assert rebuild["edit"]["resolutions"] == run["resolutions"]
    assert rebuild["delete"]["resolutions"] == run["resolutions"] - 1
    # only the added or edited text is parsed (a change to cndkg's code on disk mid-run empties the cache)
    expected = {"add": (21, 20), "edit": (20, 19), "delete": (19, 19)}
    assert {kind: (r["sources"], r["expected_cache_hits"]) for kind, r in rebuild.items()} == expected
    assert {kind: r["cache_hits"] for kind, r in rebuild.items()} == {k: v[1] for k, v in expected.items()}, run[
        "warnings"
    ]
    assert not (tmp_path / "corpus" / rebuild["delete"]["file"]).exists()

    watch = run["watch"]
    assert "error" not in watch, watch.get("error")
    assert watch["method"] == "http" and len(watch["runs"]) == 1 and watch["median_seconds"] > 0

    assert set(run["queries_ms"]) >= {"recalled-by", "reports-due"}
    targets = run["targets"]
    assert set(targets) == {
        "rebuild_per_parse_floor",
        "rebuild_seconds",
        "watch_median_seconds",
        "clean_total_per_parse_floor",
        "clean_tree_peak_mib",
    }
    slowest = max(rebuild, key=lambda kind: rebuild[kind]["total_seconds"])
    assert targets["rebuild_seconds"]["value"] == rebuild[slowest]["total_seconds"]
    assert targets["rebuild_per_parse_floor"]["rebuild"] == slowest
    assert targets["clean_tree_peak_mib"]["value"] == run["tree_peak_mib"]
    for target in targets.values():
        assert target["met"] == (target["value"] <= target["limit"])

    [point] = curve([{"size": 20, **run}])["points"]
    assert point["seconds_per_1000"] == pytest.approx(run["total_seconds"] * 50, abs=0.001)
    assert point["mib_per_1000"] == pytest.approx(run["tree_peak_mib"] * 50, abs=0.1)


def test_curve_normalises_growth_by_the_size_ratio() -> None:
    results = [
        {"size": 2000, "total_seconds": 30.0, "tree_peak_mib": 400.0},
        {"size": 1000, "total_seconds": 10.0, "tree_peak_mib": 300.0},
        {"size": 5000, "total_seconds": 75.0, "tree_peak_mib": 1000.0},
    ]
    summary = curve(results)
    assert [p["size"] for p in summary["points"]] == [1000, 2000, 5000]
    assert summary["points"][1] == {
        "size": 2000,
        "total_seconds": 30.0,
        "tree_peak_mib": 400.0,
        "seconds_per_1000": 15.0,
        "mib_per_1000": 200.0,
    }
    first, second = summary["growth"]
    assert (first["time"], first["memory"]) == (1.5, pytest.approx(0.667, abs=0.001))  # 3x time for 2x texts
    assert (second["size_ratio"], second["time"], second["memory"]) == (2.5, 1.0, 1.0)
    assert summary["max_time_growth"] == 1.5 and summary["max_memory_growth"] == 1.0
    assert curve(results[:1])["growth"] == [] and curve(results[:1])["max_time_growth"] is None


def test_tree_sampler_sums_a_child_process_memory(tmp_path: Path) -> None:
    with TreeSampler() as alone:
        pass
    hold = "import sys; data = b'x' * (200 << 20); print('ready', flush=True); sys.stdin.readline()"
    with TreeSampler(period=0.02) as sampler:
        child = subprocess.Popen([sys.executable, "-c", hold], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert child.stdout is not None and child.stdout.readline() == "ready\n"
            now = sampler.sample(force=True)
            assert child.pid in sampler.tree()
        finally:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.close()
            child.wait(timeout=60)
    assert now / 1024 >= alone.peak_mib + 150
    assert sampler.peak_mib >= alone.peak_mib + 150
    assert sampler.rss_peak_mib >= sampler.peak_mib
    assert sampler.largest_tree >= 2 and sampler.samples >= 3
    assert child.pid not in sampler.tree()


def test_tree_sampler_parses_stat_and_memory_files() -> None:
    import os

    assert parent_pid(os.getpid()) == os.getppid()
    assert parent_pid(2**22 + 1) is None  # beyond pid_max: never a process
    assert process_kib(os.getpid(), "rss") > 0
    assert process_kib(2**22 + 1, "pss") == 0
    with pytest.raises(ValueError):
        TreeSampler(measure="uss")
    rss = TreeSampler(measure="rss")
    assert rss.sample() == rss.peak_kib > 0 and rss.pss_samples == 0


def test_parallel_build_gives_the_same_output_as_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cndkg.build import BuildOptions, build

    # 80 texts are too few to fork for otherwise
    monkeypatch.setattr("cndkg.forking.FORK_WORTH_SECONDS", 0.0)  # every stage forks, however small its work
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
