"""Adversarial inputs for the parse stages: time per KB must stay flat as a file grows.

Each generator writes one file of about the asked size from a pattern that once
made a stage quadratic (the hardening issue: repeated inline markup, malformed
HTML, header lines of repeated months, document tables, paragraphs of thousands
of symbols, sessions or markers, flattened text, page furniture). ``cndkg bench
--format adversarial`` reads, segments and finds each at several sizes and
reports milliseconds per KB; the largest over the smallest is the growth factor
(about 1 for linear work, about the size ratio for quadratic).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cndkg.find import find
from cndkg.pipeline import lexicon_for
from cndkg.read import read
from cndkg.registry import load_registry
from cndkg.segment import segment

_HEAD = "Resolution 70/1\n\nThe General Assembly,\n\n"
_TAIL = ",\n\n1. Decides to act.\n"


def _repeat(unit: str, size: int) -> str:
    return unit * max(1, size // len(unit))


GENERATORS: dict[str, tuple[str, Callable[[int], str]]] = {
    "markdown-links": (".md", lambda n: _HEAD + "Noting " + _repeat("[a](", n) + _TAIL),
    "markdown-bold": (".md", lambda n: _HEAD + "Noting " + _repeat("**x ", n) + _TAIL),
    "html-italic": (".md", lambda n: _HEAD + "Noting " + _repeat("<i>x ", n) + _TAIL),
    "html-end-tags": (".html", lambda n: "<p>" + _repeat("</", n) + "</p>"),
    "html-processing": (".html", lambda n: "<p>" + _repeat("<?", n) + "</p>"),
    "html-stray-nesting": (".html", lambda n: _repeat("<div>", n // 2) + _repeat("</span>", n // 2)),
    "header-months": (".txt", lambda n: "Ab, 1 " + _repeat("March ", n) + "\n\n" + _HEAD + "Noting it" + _TAIL),
    "document-table": (".txt", lambda n: _HEAD + "Noting it" + _TAIL + "\n" + _repeat("E/1\n", n)),
    "resolution-numbers": (
        ".txt",
        lambda n: _HEAD + "Recalling its resolutions " + _repeat("57/4, ", n) + "61/11" + _TAIL,
    ),
    "session-names": (
        ".txt",
        lambda n: _HEAD + "Noting " + _repeat("the Commission at its twentieth session, ", n) + "the rest" + _TAIL,
    ),
    "document-symbols": (".txt", lambda n: _HEAD + "Noting " + _repeat("E/CN.7/2014/L.9 and ", n) + "E/1" + _TAIL),
    "glued-markers": (
        ".txt",
        lambda n: _HEAD + "Noting " + _repeat("resolutions54/ of 19615/ and ", n) + "more" + _TAIL,
    ),
    "flattened-cues": (
        ".txt",
        lambda n: "The General Assembly, " + _repeat("Noting the report of 1961, 65/ ", n) + "1. Decides.\n",
    ),
    "page-furniture": (
        ".txt",
        lambda n: "\f".join(
            f"Selected resolutions {i}\nE/2021/28\n\nRecalling the matter {i} and\n\nthe rest,\n\n{i}"
            for i in range(max(1, n // 80))
        ),
    ),
}


def bench_adversarial(sizes_kb: list[int], folder: Path) -> list[dict[str, Any]]:
    """Return, per generator, milliseconds per KB of read + segment + find at each size and the growth factor."""
    lexicon = lexicon_for(load_registry())
    rows = []
    for name, (suffix, make) in GENERATORS.items():
        per_kb = []
        for size in sizes_kb:
            path = folder / f"{name}-{size}{suffix}"
            path.write_text(make(size * 1024), encoding="utf-8")
            kb = path.stat().st_size / 1024
            start = time.perf_counter()
            for record in segment(read(path)):
                find(record, lexicon)
            per_kb.append(1000 * (time.perf_counter() - start) / kb)
        rows.append(
            {
                "input": name,
                "sizes_kb": sizes_kb,
                "ms_per_kb": [round(v, 3) for v in per_kb],
                "growth": round(max(per_kb) / max(min(per_kb), 1e-9), 2),
            }
        )
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    """Return the figures as a text table."""
    sizes = rows[0]["sizes_kb"] if rows else []
    head = "input".ljust(20) + "".join(f"{s} KB".rjust(12) for s in sizes) + "  growth (ms/KB max/min)"
    lines = [head]
    for row in rows:
        cells = "".join(f"{v:.3f}".rjust(12) for v in row["ms_per_kb"])
        lines.append(row["input"].ljust(20) + cells + f"  {row['growth']:.2f}")
    return "\n".join(lines)
