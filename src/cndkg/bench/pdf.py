"""``cndkg bench --format pdf``: PDF reading speed in pages per second per core, against ``pdftotext``.

Synthetic texts are typeset to PDF by LibreOffice (one run for all), then read
twice in the same run: by cndkg's PDF reader in this process, and by poppler's
``pdftotext -layout`` (the plain-text floor) as child processes. Both figures are
CPU seconds, so they are per core.
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from cndkg.bench.corpus import write_corpus
from cndkg.bench.typeset import Layout, convert, to_fodt
from cndkg.errors import CndkgError


def bench_pdf(count: int, seed: int, keep: Path | None = None) -> dict[str, Any]:
    """Typeset ``count`` synthetic texts, read them as PDF and with pdftotext; return the figures."""
    from cndkg.read.pdf import read_pdf

    if shutil.which("pdftotext") is None:
        raise CndkgError("the PDF bench needs pdftotext (apt-get install poppler-utils)")
    with tempfile.TemporaryDirectory(prefix="cndkg-bench-pdf-") as temporary:
        work = keep or Path(temporary)
        texts = work / "texts"
        write_corpus(texts, count, seed)
        fodt = work / "fodt"
        fodt.mkdir(parents=True, exist_ok=True)
        for number, text in enumerate(sorted(texts.rglob("*.txt"))):
            (fodt / f"{number:06d}.fodt").write_text(
                to_fodt(text.read_text(encoding="utf-8"), Layout()), encoding="utf-8"
            )
        start = time.perf_counter()
        pdfs = convert(sorted(fodt.glob("*.fodt")), work / "pdf", "pdf", timeout=3600)
        typeset_seconds = time.perf_counter() - start
        pages = 0
        start = time.process_time()
        for pdf in pdfs:
            pages += len(read_pdf(pdf.read_bytes(), pdf.name).pages)
        reader = time.process_time() - start
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        for pdf in pdfs:
            subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        floor = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "files": len(pdfs),
        "pages": pages,
        "typeset_seconds": round(typeset_seconds, 2),
        "cndkg_cpu_seconds": round(reader, 3),
        "pdftotext_cpu_seconds": round(floor, 3),
        "cndkg_pages_per_second_per_core": round(pages / max(reader, 1e-9), 1),
        "pdftotext_pages_per_second_per_core": round(pages / max(floor, 1e-9), 1),
        "ratio_to_pdftotext": round(reader / max(floor, 1e-9), 2),
    }


def table(rows: list[dict[str, Any]]) -> str:
    """Return the figures as a plain table."""
    header = f"{'files':>6} {'pages':>6} {'cndkg p/s/core':>15} {'pdftotext p/s/core':>19} {'ratio':>6}"
    lines = [header]
    for row in rows:
        lines.append(
            f"{row['files']:>6} {row['pages']:>6} {row['cndkg_pages_per_second_per_core']:>15} "
            f"{row['pdftotext_pages_per_second_per_core']:>19} {row['ratio_to_pdftotext']:>6}"
        )
    return "\n".join(lines)
