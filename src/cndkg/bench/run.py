"""``cndkg bench``: build synthetic corpora end to end and report each stage, with same-run floors and targets.

Each size runs in its own child process, so its figures are its own. The
floors put the numbers in proportion on a noisy machine: the time Oxigraph
takes to parse the build's own N-Triples dump, and the time to copy the
output tree. For each size: the clean build (stages, floors, ratios), three
cached rebuilds after one change each (a text added, a word edited, a text
deleted; each in a fresh process, as ``cndkg build`` runs), query latencies,
``serve --watch``'s save-to-reloaded-page latency (:mod:`cndkg.bench.watch`),
and the peak memory of the whole process tree of each build
(:mod:`cndkg.bench.memory`). Across sizes, a ``curve`` of time and memory per
1,000 texts and how each grows against the size. Each size's ``targets``
compare figures with issue 17's limits. Results print as a table or as JSON
(``--json``).
"""

from __future__ import annotations

import json
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path
from typing import Any

from cndkg import __version__
from cndkg.bench.corpus import one_more, write_corpus
from cndkg.bench.memory import DEFAULT_BUDGET, DEFAULT_PERIOD, TreeSampler
from cndkg.bench.memory import figures as memory_figures
from cndkg.bench.rebuild import build_in_child
from cndkg.errors import CndkgError

WATCH_EDITS = 3
LABEL = 36  # the width of the table's first column
# Issue 17's targets: (figure, limit, the corpus size the issue states the limit at).
TARGETS = {
    "rebuild_per_parse_floor": (5.0, 1000),
    "rebuild_seconds": (10.0, 10000),
    "watch_median_seconds": (2.0, 1000),
    "clean_total_per_parse_floor": (20.0, 10000),
    "clean_tree_peak_mib": (2048.0, 10000),
}


def run_one(
    count: int,
    seed: int,
    workdir: Path,
    *,
    site: bool = True,
    search: bool = True,
    watch_edits: int = WATCH_EDITS,
    watch_browser: bool | None = None,
) -> dict[str, Any]:
    """Generate ``count`` texts, build them, measure floors, rebuilds, queries and watch latency; return the figures.

    ``watch_edits`` is the number of saves ``serve --watch`` is timed on (0, or
    no ``site``: not timed); ``watch_browser`` whether in headless Chromium (default: when
    installed), as :func:`cndkg.bench.watch.watch_latency` takes it.
    """
    from cndkg.build import BuildOptions

    sources = workdir / "corpus"
    out = workdir / "dist"
    cache = workdir / "cache"
    corpus_bytes = write_corpus(sources, count, seed)
    options = BuildOptions(sources=[str(sources)], out=out, site=site, search=search, root=sources, cache=cache)
    report, total, memory = _timed_build(options)
    figures: dict[str, Any] = {
        "resolutions": report.resolutions,
        "corpus_bytes": corpus_bytes,
        "triples": report.triples,
        "pages": report.pages,
        "total_seconds": round(total, 3),
        "stages": {
            name: {"seconds": round(t.seconds, 3), "peak_rss_mib": round(t.peak_rss_mib, 1)}
            for name, t in report.timings.items()
        },
        "dump_bytes": report.dump_sizes,
        "conforms": report.conforms,
        **memory,
    }
    figures["floors"] = floors = _floors(out, workdir)
    parse_floor = max(floors["oxigraph_parse_nt_seconds"], 1e-9)
    # The build in units of its own floors: comparable across runs when the machine's speed is not.
    figures["ratios"] = {
        "total_per_parse_floor": round(total / parse_floor, 1),
        "total_per_copy_floor": round(total / max(floors["copy_output_tree_seconds"], 1e-9), 1),
    }
    # The main process's own peak (ru_maxrss), as the stages report it.
    figures["peak_rss_mib"] = max(t["peak_rss_mib"] for t in figures["stages"].values())
    # The largest single child of the build: a forked worker, Pagefind or GNU sort (not a sum: see
    # tree_peak_mib for the whole tree's).
    figures["largest_worker_rss_mib"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    figures["memory_sampling"] = {
        "measure": "pss" if figures["tree_pss_samples"] else "rss",
        "period_seconds": DEFAULT_PERIOD,
        "pss_budget": DEFAULT_BUDGET,
    }
    figures["rebuild"] = rebuilds = _rebuilds(options, sources, count, seed, parse_floor)
    figures["warnings"] = [
        f"rebuild {kind}: {r['cache_hits']} of {r['sources']} sources from the parse cache, "
        f"{r['expected_cache_hits']} expected (cndkg's code changed on disk during the run?): a full parse was timed"
        for kind, r in rebuilds.items()
        if r["cache_hits"] < r["expected_cache_hits"]
    ]
    figures["queries_ms"] = query_latencies(out / "cndkg.nt")
    if watch_edits > 0 and site:  # the figure is to a reloaded page: without a site there is none
        figures["watch"] = _watch(sources, out, cache, watch_edits, watch_browser, search)
    figures["targets"] = targets(figures, count)
    return figures


def _timed_build(options: Any) -> tuple[Any, float, dict[str, Any]]:
    """Build with the process tree's memory sampled; return the report, the wall seconds and the memory figures."""
    from cndkg.build import build

    with TreeSampler() as sampler:
        start = time.perf_counter()
        report = build(options)
        total = time.perf_counter() - start
    return report, total, memory_figures(sampler)


def _rebuild_figures(
    report: dict[str, Any], total: float, memory: dict[str, Any], parse_floor: float, *, deleted: bool = False
) -> dict[str, Any]:
    return {
        "total_seconds": round(total, 3),
        "per_parse_floor": round(total / parse_floor, 2),
        **{name: report[name] for name in ("cache_hits", "pages_reused", "dump_patched", "store_restored")},
        "views_read": report["views_read"],
        # every source but the one changed: fewer means the cache's salt changed (its code, on disk, mid-run)
        "expected_cache_hits": report["sources"] - (0 if deleted else 1),
        "sources": report["sources"],
        "resolutions": report["resolutions"],
        "stages": report["stages"],
        **memory,
    }


def _timed_rebuild(options: Any) -> tuple[dict[str, Any], float, dict[str, Any]]:
    """Rebuild as ``cndkg build`` does, in a fresh process, with the process tree's memory sampled.

    Returns the report's figures, the wall seconds from the process's start to its exit, and the memory figures.
    """
    sources = Path(options.sources[0])
    with TreeSampler() as sampler:
        report, total = build_in_child(sources, options.out, options.cache, site=options.site, search=options.search)
    return report, total, memory_figures(sampler)


def _rebuilds(options: Any, sources: Path, count: int, seed: int, parse_floor: float) -> dict[str, Any]:
    """Time a cached build after each of three changes to the clean corpus: a text added, edited, deleted.

    Each starts from the clean build's corpus and output: the added text is
    removed again (and built, untimed) before the edit. The edit makes the
    first ``Recalling`` of the middle text that has one ``Recalling also`` (as
    ``serve --watch``'s bench does); the deleted text is the last generated,
    which no other text cites. Each timed build runs in a fresh process, as
    ``cndkg build`` would (:mod:`cndkg.bench.rebuild`), from its start to its
    exit. ``per_parse_floor`` divides by the clean build's parse floor.
    """
    from cndkg.bench.watch import EDIT, edited_file

    figures: dict[str, Any] = {}
    extra = one_more(count, seed)
    added = sources / extra.path
    added.parent.mkdir(parents=True, exist_ok=True)
    added.write_text(extra.text, encoding="utf-8")
    report, total, memory = _timed_rebuild(options)
    figures["add"] = {"file": extra.path, **_rebuild_figures(report, total, memory, parse_floor)}
    added.unlink()
    _timed_rebuild(options)  # back to the clean corpus, untimed

    edited = edited_file(sources, EDIT[0])
    text = edited.read_text(encoding="utf-8")
    edited.write_text(re.sub(rf"\b{re.escape(EDIT[0])}\b", EDIT[1], text, count=1), encoding="utf-8")
    report, total, memory = _timed_rebuild(options)
    figures["edit"] = {
        "file": edited.relative_to(sources).as_posix(),
        **_rebuild_figures(report, total, memory, parse_floor),
    }

    deleted = max((p for p in sources.rglob("r*.*") if p.is_file()), key=lambda p: p.name)
    deleted.unlink()
    report, total, memory = _timed_rebuild(options)
    figures["delete"] = {
        "file": deleted.relative_to(sources).as_posix(),
        **_rebuild_figures(report, total, memory, parse_floor, deleted=True),
    }
    return figures


def _watch(sources: Path, out: Path, cache: Path, edits: int, browser: bool | None, search: bool) -> dict[str, Any]:
    """Time ``serve --watch`` from save to reloaded page over ``edits`` saves; its first build replaces ``out``."""
    from cndkg.bench.watch import watch_latency

    options = () if search else ("--no-search",)
    try:
        return watch_latency(sources, out, cache=cache, edits=edits, browser=browser, options=options)
    except Exception as error:  # keep the size's other figures; the error says why this one is missing
        return {"error": f"{type(error).__name__}: {error}"[:2000]}


def targets(figures: dict[str, Any], size: int) -> dict[str, dict[str, Any]]:
    """Return issue 17's targets against one size's figures: each value, limit, stated size and whether it is met.

    A rebuild target is checked on the slowest of the three rebuilds. A limit
    holds at the size it is stated at (``stated_at``); at other sizes it is
    shown for the trend.
    """
    rebuilds = figures.get("rebuild", {})
    slowest = max(rebuilds, key=lambda kind: rebuilds[kind]["total_seconds"]) if rebuilds else None
    values: dict[str, tuple[float | None, str | None]] = {
        "rebuild_per_parse_floor": (rebuilds[slowest]["per_parse_floor"] if slowest else None, slowest),
        "rebuild_seconds": (rebuilds[slowest]["total_seconds"] if slowest else None, slowest),
        "watch_median_seconds": (figures.get("watch", {}).get("median_seconds"), None),
        "clean_total_per_parse_floor": (figures["ratios"]["total_per_parse_floor"], None),
        "clean_tree_peak_mib": (figures["tree_peak_mib"], None),
    }
    result: dict[str, dict[str, Any]] = {}
    for name, (limit, stated_at) in TARGETS.items():
        value, which = values[name]
        entry: dict[str, Any] = {"value": value, "limit": limit, "stated_at": stated_at}
        entry["met"] = None if value is None else value <= limit
        if which:
            entry["rebuild"] = which
        result[name] = entry
    return result


def curve(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Return time and memory against size: per size, and the growth from each size to the next.

    A growth is the figure's ratio between two sizes divided by the sizes'
    ratio: 1.0 is linear, below is better, above (beyond noise) is worse.
    Memory includes the interpreter's fixed share, so small sizes grow less.
    """
    ordered = sorted(results, key=lambda r: r["size"])
    points = [
        {
            "size": r["size"],
            "total_seconds": r["total_seconds"],
            "tree_peak_mib": r["tree_peak_mib"],
            "seconds_per_1000": round(r["total_seconds"] * 1000 / r["size"], 3),
            "mib_per_1000": round(r["tree_peak_mib"] * 1000 / r["size"], 1),
        }
        for r in ordered
    ]
    growth = []
    for before, after in pairwise(points):
        sizes = after["size"] / before["size"]
        growth.append(
            {
                "from": before["size"],
                "to": after["size"],
                "size_ratio": round(sizes, 3),
                "time": round(after["total_seconds"] / max(before["total_seconds"], 1e-9) / sizes, 3),
                "memory": round(after["tree_peak_mib"] / max(before["tree_peak_mib"], 1e-9) / sizes, 3),
            }
        )
    return {
        "points": points,
        "growth": growth,
        "max_time_growth": max((g["time"] for g in growth), default=None),
        "max_memory_growth": max((g["memory"] for g in growth), default=None),
    }


BENCH_PARAMS = {
    "cited-by": {"target": "id:res/cnd/66/1"},
    "recalled-by": {"target": "id:res/cnd/66/1"},
    "citation-network": {"text": "id:res/cnd/60/1"},
    "reports-due": {"session": "id:session/cnd/66"},
}


def query_latencies(dump: Path, repeat: int = 5) -> dict[str, dict[str, float]]:
    """Return the median milliseconds of every library query, in-process and through ``cndkg serve``'s endpoint.

    The endpoint is the guard in front of Oxigraph's in-memory server, as users get it.
    """
    import statistics

    from cndkg.query import query_text, run
    from cndkg.query.engines import load_store
    from cndkg.query.guard import GuardedServer
    from cndkg.query.library import load_library

    store = load_store(dump)
    texts = {name: query_text(name, BENCH_PARAMS.get(name, {})) for name in load_library()}
    timings: dict[str, dict[str, float]] = {}
    with GuardedServer(dump, timeout_s=60) as server:
        for name, text in texts.items():
            local, remote = [], []
            for _ in range(repeat):
                start = time.perf_counter()
                run(text, store=store)
                local.append(time.perf_counter() - start)
                start = time.perf_counter()
                run(text, endpoint=server.query_url, timeout=60)
                remote.append(time.perf_counter() - start)
            timings[name] = {
                "in_process": round(statistics.median(local) * 1000, 2),
                "server": round(statistics.median(remote) * 1000, 2),
            }
    return timings


def _floors(out: Path, workdir: Path) -> dict[str, float]:
    """Return the same-run floors: Oxigraph parsing the dump, and copying the output tree."""
    import pyoxigraph as ox

    start = time.perf_counter()
    count = sum(1 for _ in ox.parse(path=str(out / "cndkg.nt"), format=ox.RdfFormat.N_TRIPLES))
    parse = time.perf_counter() - start
    start = time.perf_counter()
    shutil.copytree(out, workdir / "copy")
    copy = time.perf_counter() - start
    shutil.rmtree(workdir / "copy", ignore_errors=True)
    return {
        "oxigraph_parse_nt_seconds": round(parse, 3),
        "parsed_triples": count,
        "copy_output_tree_seconds": round(copy, 3),
    }


def bench(
    sizes: list[int],
    seed: int = 1,
    *,
    site: bool = True,
    search: bool = True,
    keep: Path | None = None,
    watch_edits: int = WATCH_EDITS,
) -> dict[str, Any]:
    """Run every size in a child process; return all figures, their curve and the machine's description."""
    results = []
    for size in sizes:
        workdir = Path(tempfile.mkdtemp(prefix=f"cndkg-bench-{size}-", dir=keep))
        command = [
            sys.executable,
            "-m",
            "cndkg.bench.run",
            str(size),
            str(seed),
            str(workdir),
            "1" if site else "0",
            "1" if search else "0",
            str(watch_edits),
        ]
        try:
            child = subprocess.run(command, capture_output=True, text=True, check=False)
        finally:
            if keep is None:
                shutil.rmtree(workdir, ignore_errors=True)
        if child.returncode != 0:
            raise CndkgError(f"bench size {size} failed:\n{child.stderr[-2000:]}")
        results.append({"size": size, **json.loads(child.stdout)})
    return {
        "cndkg": __version__,
        "commit": source_commit(),
        "seed": seed,
        "machine": machine(),
        "results": results,
        "curve": curve(results),
    }


def source_commit() -> str | None:
    """Return the git commit cndkg's code was run from (``+`` when it had changes), or None outside a checkout."""
    package = Path(__file__).resolve().parent
    try:
        tracked = subprocess.run(
            ["git", "-C", str(package), "ls-files", "--error-unmatch", "__init__.py"],
            capture_output=True,
            timeout=10,
        )
        if tracked.returncode != 0:  # an installed copy inside some other checkout: not that checkout's code
            return None
        commit = subprocess.run(
            ["git", "-C", str(package), "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True, timeout=10
        )
        dirty = subprocess.run(
            ["git", "-C", str(package), "status", "--porcelain", "--untracked-files=no", "--", "."],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if commit.returncode != 0:
        return None
    return commit.stdout.strip() + ("+" if dirty.stdout.strip() else "")


def machine() -> dict[str, Any]:
    """Return a description of this machine (cores, memory, Python)."""
    import os

    memory = 0
    try:
        with open("/proc/meminfo", encoding="utf-8") as handle:
            memory = int(handle.readline().split()[1]) // 1024
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "memory_mib": memory,
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
    }


def table(data: dict[str, Any]) -> str:
    """Return bench figures as a text table: one row per stage, one column per size."""
    sizes = [r["size"] for r in data["results"]]
    lines = [f"{'stage':<{LABEL}}" + "".join(f"{f'{s:,} res. (s / MiB)':>26}" for s in sizes)]
    stages = list(data["results"][0]["stages"]) if data["results"] else []
    for stage in stages:
        cells = [
            f"{r['stages'][stage]['seconds']:>12.2f} / {r['stages'][stage]['peak_rss_mib']:>8.0f}"
            for r in data["results"]
        ]
        lines.append(f"{stage:<{LABEL}}" + "".join(f"{c:>26}" for c in cells))
    results = data["results"]

    def row(label: str, cells: list[Any]) -> None:
        lines.append(f"{label:<{LABEL}}"[:LABEL] + "".join(f"{c:>26}" for c in cells))

    for key, label in (
        ("total_seconds", "total s"),
        ("tree_peak_mib", "tree peak MiB (PSS)"),
        ("peak_rss_mib", "main peak RSS MiB"),
        ("largest_worker_rss_mib", "largest child RSS"),
        ("triples", "triples"),
        ("pages", "pages"),
    ):
        row(label, [f"{r.get(key, 0):,}" for r in results])
    for kind in ("add", "edit", "delete"):
        row(
            f"rebuild, 1 {kind} (s / xfloor)",
            [
                f"{r['rebuild'][kind]['total_seconds']:.2f} s / {r['rebuild'][kind]['per_parse_floor']:.1f}x"
                for r in results
            ],
        )
    row("watch save->page s", [_watch_cell(r.get("watch")) for r in results])
    for key, label in (
        ("oxigraph_parse_nt_seconds", "floor: parse dump s"),
        ("copy_output_tree_seconds", "floor: copy tree s"),
    ):
        row(label, [r["floors"][key] for r in results])
    for key, label in (
        ("total_per_parse_floor", "total / parse floor"),
        ("total_per_copy_floor", "total / copy floor"),
    ):
        row(label, [r["ratios"][key] for r in results])
    for name in results[0]["targets"] if results else ():
        row(f"target {name}", [_target_cell(r["targets"][name], r["size"]) for r in results])
    if results:
        lines.append("(target *: the issue states that limit at another size)")
    queries = data["results"][0].get("queries_ms", {}) if data["results"] else {}
    for name in queries:
        cells = [
            f"{r['queries_ms'][name]['in_process']:>8.1f} / {r['queries_ms'][name]['server']:>7.1f} ms"
            for r in data["results"]
        ]
        lines.append(f"q {name:<{LABEL - 2}}"[:LABEL] + "".join(f"{c:>26}" for c in cells))
    for r in results:
        lines.extend(f"warning, {r['size']:,} texts: {warning}" for warning in r.get("warnings", []))
    for step in data.get("curve", {}).get("growth", []):
        lines.append(
            f"growth {step['from']:,} -> {step['to']:,}: time {step['time']}, memory {step['memory']} "
            "(per size ratio; 1.0 is linear)"
        )
    return "\n".join(lines)


def _watch_cell(watch: dict[str, Any] | None) -> str:
    if not watch:
        return "-"
    if "error" in watch:
        return "failed"
    return f"{watch['median_seconds']:.2f} ({watch['method']})"


def _target_cell(target: dict[str, Any], size: int) -> str:
    if target["value"] is None:
        return "-"
    verdict = "met" if target["met"] else "MISSED"
    stated = "" if size == target["stated_at"] else "*"
    return f"{target['value']} <= {target['limit']:g} {verdict}{stated}"


if __name__ == "__main__":
    size, seed, workdir, site, search, edits = sys.argv[1:7]
    figures = run_one(
        int(size), int(seed), Path(workdir), site=site == "1", search=search == "1", watch_edits=int(edits)
    )
    print(json.dumps(figures))
