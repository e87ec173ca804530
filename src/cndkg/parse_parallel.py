"""The per-file stages (read, segment, find) over a pool of processes, results in source order.

Files are independent until IRIs are assigned, so the three stages run in
worker processes on chunks of the sorted source list; each worker times its own
stages, and the caller scales those CPU seconds to the wall time it saw.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from cndkg.errors import SourceError
from cndkg.find import Lexicon, find
from cndkg.model import Diagnostic, Mention, Resolution, Severity
from cndkg.pipeline import Source
from cndkg.read import read
from cndkg.segment import segment

PARALLEL_FROM = 64


@dataclass
class Parsed:
    """What the per-file stages produced for a run of sources."""

    records: list[Resolution] = field(default_factory=list)
    mentions: list[list[Mention]] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=lambda: {"read": 0.0, "segment": 0.0, "find": 0.0})

    def extend(self, other: Parsed) -> None:
        """Append another run's results (keeping source order) and add its stage seconds."""
        self.records.extend(other.records)
        self.mentions.extend(other.mentions)
        self.problems.extend(other.problems)
        for name, seconds in other.seconds.items():
            self.seconds[name] += seconds


def parse_sources(sources: list[Source], encoding: str | None, names: frozenset[str], lexicon: Lexicon) -> Parsed:
    """Read, segment and find in this process; a file that cannot be read becomes an error diagnostic."""
    parsed = Parsed()
    for source in sources:
        start = time.perf_counter()
        try:
            document = read(source.path, encoding=encoding, display=source.name)
        except SourceError as error:
            parsed.problems.append(Diagnostic(error.path, error.line or 0, error.message, Severity.ERROR, "unreadable"))
            continue
        middle = time.perf_counter()
        records = segment(document, names)
        end = time.perf_counter()
        if not records:
            parsed.problems.append(
                Diagnostic(document.path, 1, "no resolution found in this file", Severity.WARNING, "no-resolution")
            )
        for record in records:
            parsed.records.append(record)
            parsed.mentions.append(find(record, lexicon))
        parsed.seconds["read"] += middle - start
        parsed.seconds["segment"] += end - middle
        parsed.seconds["find"] += time.perf_counter() - end
    return parsed


def parse_all(
    sources: list[Source], encoding: str | None, names: frozenset[str], lexicon: Lexicon, jobs: int | None = None
) -> tuple[Parsed, float]:
    """Run the per-file stages on every source, on ``jobs`` processes when there are many files.

    Returns the results in source order and the wall seconds taken.
    """
    workers = jobs if jobs is not None else min(2, os.cpu_count() or 1)
    start = time.perf_counter()
    if workers <= 1 or len(sources) < PARALLEL_FROM:
        return parse_sources(sources, encoding, names, lexicon), time.perf_counter() - start
    size = max(1, -(-len(sources) // (workers * 8)))
    chunks = [sources[i : i + size] for i in range(0, len(sources), size)]
    parsed = Parsed()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        for part in pool.map(
            parse_sources, chunks, [encoding] * len(chunks), [names] * len(chunks), [lexicon] * len(chunks)
        ):
            parsed.extend(part)
    return parsed, time.perf_counter() - start
