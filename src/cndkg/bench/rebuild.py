"""One build in a process of its own, as ``cndkg build`` runs it: the bench times rebuilds this way.

A rebuild timed in the process that has just made the clean build inherits
that build's heap (gigabytes at 10,000 texts), which made every fork and
every stage after it slower than in the fresh process an editor's
``cndkg build`` starts. Run as a module, it builds once and prints the
report's figures as JSON on its last line.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def build_in_child(sources: Path, out: Path, cache: Path, *, site: bool, search: bool) -> tuple[dict[str, Any], float]:
    """Build in a fresh Python process; return its report's figures and the wall seconds, start to exit."""
    command = [sys.executable, "-m", "cndkg.bench.rebuild", str(sources), str(out), str(cache)]
    command += ["1" if site else "0", "1" if search else "0"]
    start = time.perf_counter()
    child = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if child.returncode != 0:
        raise RuntimeError(f"the timed rebuild failed:\n{child.stderr[-2000:]}")
    return json.loads(child.stdout.splitlines()[-1]), seconds


def _build_once(sources: Path, out: Path, cache: Path, site: bool, search: bool) -> dict[str, Any]:
    """Build (as the bench's clean build did: the same options) and return the report's figures."""
    from cndkg.build import BuildOptions, build

    options = BuildOptions(sources=[str(sources)], out=out, site=site, search=search, root=sources, cache=cache)
    report = build(options)
    return {
        "sources": report.sources,
        "resolutions": report.resolutions,
        "cache_hits": report.cache_hits,
        "pages_reused": report.pages_reused,
        "dump_patched": report.dump_patched,
        "store_restored": report.store_restored,
        "views_read": report.views_read,
        "stages": {name: round(timing.seconds, 3) for name, timing in report.timings.items()},
    }


if __name__ == "__main__":
    sources_arg, out_arg, cache_arg, site_arg, search_arg = sys.argv[1:6]
    figures = _build_once(Path(sources_arg), Path(out_arg), Path(cache_arg), site_arg == "1", search_arg == "1")
    print(json.dumps(figures))
