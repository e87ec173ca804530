"""``cndkg bench``: build synthetic corpora end to end and report each stage, with same-run floors.

Each size runs in its own child process, so peak RSS is that build's own. The
floors put the numbers in proportion on a noisy machine: the time Oxigraph
takes to parse the build's own N-Triples dump, and the time to copy the
output tree. Results print as a table or as JSON (``--json``).
"""

from __future__ import annotations

import json
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from cndkg import __version__
from cndkg.bench.corpus import write_corpus
from cndkg.errors import CndkgError


def run_one(count: int, seed: int, workdir: Path, *, site: bool = True, search: bool = True) -> dict[str, Any]:
    """Generate ``count`` texts, build them, measure floors and an incremental rebuild; return the figures."""
    from cndkg.build import BuildOptions, build

    sources = workdir / "corpus"
    out = workdir / "dist"
    cache = workdir / "cache"
    corpus_bytes = write_corpus(sources, count, seed)
    options = BuildOptions(sources=[str(sources)], out=out, site=site, search=search, root=sources, cache=cache)
    start = time.perf_counter()
    report = build(options)
    total = time.perf_counter() - start
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
    }
    figures["floors"] = floors = _floors(out, workdir)
    # The build in units of its own floors: comparable across runs when the machine's speed is not.
    figures["ratios"] = {
        "total_per_parse_floor": round(total / max(floors["oxigraph_parse_nt_seconds"], 1e-9), 1),
        "total_per_copy_floor": round(total / max(floors["copy_output_tree_seconds"], 1e-9), 1),
    }
    figures["peak_rss_mib"] = max(t["peak_rss_mib"] for t in figures["stages"].values())
    # The largest single child of the build: a forked worker, Pagefind (run alone on a 10,000-text site
    # it peaked at 2.8-3.0 GiB) or GNU sort. A forked worker's RSS counts the pages it shares
    # copy-on-write with the main process, so this is never a sum to add to the main process's figure;
    # Pagefind's memory is its own, and it runs beside the main process.
    figures["largest_worker_rss_mib"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    figures["rebuild"] = _rebuild_after_one_edit(options, sources)
    figures["queries_ms"] = query_latencies(out / "cndkg.nt")
    return figures


def _rebuild_after_one_edit(options: Any, sources: Path) -> dict[str, Any]:
    """Edit one source (a word in its first paragraph), build again with the cache; return the figures."""
    from cndkg.build import build

    texts = sorted(sources.rglob("*.txt"))
    middle = len(texts) // 2
    edited = next(p for p in texts[middle:] + texts[:middle] if "Recalling" in p.read_text(encoding="utf-8"))
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.replace("Recalling", "Recalling also", 1), encoding="utf-8")
    start = time.perf_counter()
    report = build(options)
    return {
        "total_seconds": round(time.perf_counter() - start, 3),
        "cache_hits": report.cache_hits,
        "sources": report.sources,
        "stages": {name: round(t.seconds, 3) for name, t in report.timings.items()},
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
    sizes: list[int], seed: int = 1, *, site: bool = True, search: bool = True, keep: Path | None = None
) -> dict[str, Any]:
    """Run every size in a child process; return all figures with the machine's description."""
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
        ]
        try:
            child = subprocess.run(command, capture_output=True, text=True, check=False)
        finally:
            if keep is None:
                shutil.rmtree(workdir, ignore_errors=True)
        if child.returncode != 0:
            raise CndkgError(f"bench size {size} failed:\n{child.stderr[-2000:]}")
        results.append({"size": size, **json.loads(child.stdout)})
    return {"cndkg": __version__, "commit": source_commit(), "seed": seed, "machine": machine(), "results": results}


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
    lines = [f"{'stage':<22}" + "".join(f"{f'{s:,} res. (s / MiB)':>26}" for s in sizes)]
    stages = list(data["results"][0]["stages"]) if data["results"] else []
    for stage in stages:
        cells = [
            f"{r['stages'][stage]['seconds']:>12.2f} / {r['stages'][stage]['peak_rss_mib']:>8.0f}"
            for r in data["results"]
        ]
        lines.append(f"{stage:<22}" + "".join(f"{c:>26}" for c in cells))
    for key, label in (
        ("total_seconds", "total s"),
        ("peak_rss_mib", "peak RSS MiB"),
        ("largest_worker_rss_mib", "largest child RSS"),
        ("triples", "triples"),
        ("pages", "pages"),
    ):
        lines.append(f"{label:<22}" + "".join(f"{r.get(key, 0):>26,}" for r in data["results"]))
    lines.append(
        f"{'rebuild, 1 file edited':<22}"[:22]
        + "".join(f"{r['rebuild']['total_seconds']:>26}" for r in data["results"])
    )
    for key, label in (
        ("oxigraph_parse_nt_seconds", "floor: parse dump s"),
        ("copy_output_tree_seconds", "floor: copy tree s"),
    ):
        lines.append(f"{label:<22}" + "".join(f"{r['floors'][key]:>26}" for r in data["results"]))
    for key, label in (
        ("total_per_parse_floor", "total / parse floor"),
        ("total_per_copy_floor", "total / copy floor"),
    ):
        lines.append(f"{label:<22}" + "".join(f"{r['ratios'][key]:>26}" for r in data["results"]))
    queries = data["results"][0].get("queries_ms", {}) if data["results"] else {}
    for name in queries:
        cells = [
            f"{r['queries_ms'][name]['in_process']:>8.1f} / {r['queries_ms'][name]['server']:>7.1f} ms"
            for r in data["results"]
        ]
        lines.append(f"q {name:<20}"[:22] + "".join(f"{c:>26}" for c in cells))
    return "\n".join(lines)


if __name__ == "__main__":
    size, seed, workdir, site, search = sys.argv[1:6]
    print(json.dumps(run_one(int(size), int(seed), Path(workdir), site=site == "1", search=search == "1")))
