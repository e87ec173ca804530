"""The per-file stages (read, segment, find) over a pool of processes, results in source order.

Files are independent until IRIs are assigned, so the three stages run in
worker processes on chunks of the sorted source list; each worker times its own
stages, and the caller scales those CPU seconds to the wall time it saw. A
worker hands a cache hit back as the entry's bytes (JSON, as stored), so the
main process decodes it once (not the worker, then again from the worker's answer).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from cndkg.cache import ParseCache
from cndkg.errors import SourceError
from cndkg.find import Lexicon, find
from cndkg.forking import fork_imap, workers_for
from cndkg.model import Diagnostic, Mention, Resolution, Severity
from cndkg.read import read
from cndkg.segment import segment
from cndkg.sources import Source

SECONDS_PER_SOURCE = 0.01
"""About what reading, segmenting and finding one text takes (3 ms at 1,000 texts on this project's
machine, far more for a PDF): with the worker policy's threshold, files parse on the pool from about
a hundred."""


@dataclass
class Parsed:
    """What the per-file stages produced for a run of sources."""

    records: list[Resolution] = field(default_factory=list)
    mentions: list[list[Mention]] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=lambda: {"read": 0.0, "segment": 0.0, "find": 0.0})
    cache_keys: set[str] = field(default_factory=set)
    cache_hits: int = 0

    def extend(self, other: Parsed) -> None:
        """Append another run's results (keeping source order) and add its stage seconds and cache use."""
        self.records.extend(other.records)
        self.mentions.extend(other.mentions)
        self.problems.extend(other.problems)
        for name, seconds in other.seconds.items():
            self.seconds[name] += seconds
        self.cache_keys |= other.cache_keys
        self.cache_hits += other.cache_hits


def parse_sources(
    sources: list[Source],
    encoding: str | None,
    names: frozenset[str],
    lexicon: Lexicon,
    cache: ParseCache | None = None,
) -> Parsed:
    """Read, segment and find in this process; a file that cannot be read becomes an error diagnostic.

    With a cache, a file whose key is cached is not parsed again, and every
    file parsed is cached (files that fail are not, so they fail again).
    """
    parsed = Parsed()
    for source in sources:
        start = time.perf_counter()
        key = _cache_key(cache, source)
        cached = (cache.recall(key) or cache.load(key, Parsed)) if cache and key else None
        if isinstance(cached, Parsed) and cache and key:
            cache.keep(key, cached)
            _add_hit(parsed, cached, start)
        else:
            parsed.extend(_parse_and_save(source, encoding, names, lexicon, cache, key))
        if key:
            parsed.cache_keys.add(key)
    return parsed


@dataclass(frozen=True, slots=True)
class _CachedBytes:
    """A worker's answer for a cache hit: the source's index in its chunk and the entry, still encoded.

    ``data`` is empty when the entry was already decoded in this process before the fork (``serve --watch``
    keeps decoded results): the main process has it, so it is neither read nor sent back.
    """

    index: int
    key: str
    data: bytes


@dataclass(frozen=True)
class _ParseJob:
    """What every parsing worker shares (inherited with the fork, never pickled)."""

    encoding: str | None
    names: frozenset[str]
    lexicon: Lexicon
    cache: ParseCache | None


def _parse_chunk(job: _ParseJob, sources: list[Source]) -> list[Parsed | _CachedBytes]:
    """Parse each source of a chunk (a worker's job); a cache hit comes back as its entry's bytes."""
    encoding, names, lexicon, cache = job.encoding, job.names, job.lexicon, job.cache
    answers: list[Parsed | _CachedBytes] = []
    for index, source in enumerate(sources):
        key = _cache_key(cache, source)
        data = (b"" if cache.recall(key) is not None else cache.load_bytes(key)) if cache and key else None
        if key and data is not None:
            answers.append(_CachedBytes(index, key, data))
            continue
        one = _parse_and_save(source, encoding, names, lexicon, cache, key)
        if key:
            one.cache_keys.add(key)
        answers.append(one)
    return answers


def _parse_and_save(
    source: Source,
    encoding: str | None,
    names: frozenset[str],
    lexicon: Lexicon,
    cache: ParseCache | None,
    key: str | None,
) -> Parsed:
    """Parse one source; cache the result unless the file failed (so it fails again next time)."""
    one = parse_source(source, encoding, names, lexicon)
    if cache and key and not any(d.severity is Severity.ERROR for d in one.problems):
        cache.save(key, one)
        cache.keep(key, one)
    return one


def _add_hit(parsed: Parsed, cached: Parsed, start: float) -> None:
    """Add a cached result: it counts as a hit and costs only its loading time (under "read")."""
    cached.seconds = dict.fromkeys(cached.seconds, 0.0)
    parsed.extend(cached)
    parsed.cache_hits += 1
    parsed.seconds["read"] += time.perf_counter() - start


def _cache_key(cache: ParseCache | None, source: Source) -> str | None:
    """Return a source's cache key, or None without a cache or when the file cannot be read now."""
    if cache is None:
        return None
    try:
        return cache.key(source.name, source.path.read_bytes())
    except OSError:
        return None


def parse_source(source: Source, encoding: str | None, names: frozenset[str], lexicon: Lexicon) -> Parsed:
    """Read, segment and find one file; return its results (an unreadable file gives an error diagnostic)."""
    parsed = Parsed()
    start = time.perf_counter()
    try:
        document = read(source.path, encoding=encoding, display=source.name)
    except SourceError as error:
        parsed.problems.append(Diagnostic(error.path, error.line or 0, error.message, Severity.ERROR, "unreadable"))
        return parsed
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
    sources: list[Source],
    encoding: str | None,
    names: frozenset[str],
    lexicon: Lexicon,
    cache: ParseCache | None = None,
) -> tuple[Parsed, float]:
    """Run the per-file stages on every source, on the worker pool when there are many files.

    Takes the sources, the decoding and reference options and an optional
    :class:`ParseCache`. Returns the results in source order and the wall
    seconds taken.
    """
    start = time.perf_counter()
    workers = workers_for(len(sources), SECONDS_PER_SOURCE)
    if workers <= 1:
        return parse_sources(sources, encoding, names, lexicon, cache), time.perf_counter() - start
    size = max(1, -(-len(sources) // (workers * 8)))
    chunks = [sources[i : i + size] for i in range(0, len(sources), size)]
    parsed = Parsed()
    job = _ParseJob(encoding, names, lexicon, cache)
    for chunk, chunk_answers in zip(chunks, fork_imap(_parse_chunk, job, chunks, workers), strict=True):
        for answer in chunk_answers:
            if isinstance(answer, _CachedBytes):
                _add_cached_bytes(parsed, answer, chunk[answer.index], encoding, names, lexicon, cache)
            else:
                _keep_parsed(answer, cache)
                parsed.extend(answer)
    return parsed, time.perf_counter() - start


def _keep_parsed(one: Parsed, cache: ParseCache | None) -> None:
    """Keep a file a worker parsed (and cached) in this process too, as a hit decoded here is kept."""
    if cache is not None and len(one.cache_keys) == 1 and not any(d.severity is Severity.ERROR for d in one.problems):
        cache.keep(next(iter(one.cache_keys)), one)


def _add_cached_bytes(
    parsed: Parsed,
    answer: _CachedBytes,
    source: Source,
    encoding: str | None,
    names: frozenset[str],
    lexicon: Lexicon,
    cache: ParseCache | None,
) -> None:
    """Decode a hit a worker passed on; a damaged entry is a miss, parsed here and cached again."""
    start = time.perf_counter()
    cached = (cache.recall(answer.key) or cache.decode(answer.data, Parsed)) if cache else None
    if isinstance(cached, Parsed) and cache:
        cache.keep(answer.key, cached)
        _add_hit(parsed, cached, start)
    else:
        parsed.extend(_parse_and_save(source, encoding, names, lexicon, cache, answer.key))
    parsed.cache_keys.add(answer.key)
