"""The build's one worker pool: work spread over forked processes, and one policy for when to fork.

The parse, graph, validation, dumps and site stages read large in-memory
structures (the lexicon, the resolved model, the Oxigraph store, the site's
indexes). Forking shares them copy-on-write instead of pickling them to each
worker; only the work items and the results cross processes.

How many processes a stage uses is decided here, once, by :func:`workers_for`:
the build states the processes it may use (``with workers(jobs):``), each stage
states how much work it has (items and the seconds one item takes), and work
too small to repay a fork runs in this process. No stage takes a ``jobs``
argument; the output never depends on the number of processes.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

Shared = TypeVar("Shared")
Item = TypeVar("Item")
Result = TypeVar("Result")
Other = TypeVar("Other")

_task: tuple[Callable[[Any, Any], Any], Any] | None = None


FORK_WORTH_SECONDS = 1.0
"""The least work (estimated seconds in one process) worth forking workers for: starting them, and
sending items and results between processes, costs a good fraction of a second."""


@dataclass(frozen=True)
class WorkerPolicy:
    """The processes a build may use (None: one per core, up to two) and the least work worth forking for."""

    jobs: int | None = None
    worth_seconds: float = FORK_WORTH_SECONDS

    def count(self, items: int, seconds_each: float) -> int:
        """Return how many processes to use for ``items`` items of ``seconds_each`` seconds each."""
        if items < 2 or items * seconds_each < self.worth_seconds:
            return 1
        return default_jobs(self.jobs)


_POLICY: ContextVar[WorkerPolicy | None] = ContextVar("cndkg_worker_policy", default=None)


def _policy() -> WorkerPolicy:
    """Return the policy in force: the block's (see :func:`workers`), else one per core and the default threshold."""
    return _POLICY.get() or WorkerPolicy()


@contextmanager
def workers(jobs: int | None = None, *, worth_seconds: float | None = None) -> Iterator[WorkerPolicy]:
    """Run the block with this worker policy (``worth_seconds=0`` forks for any work: tests use it).

    Without ``worth_seconds``, the threshold is :data:`FORK_WORTH_SECONDS` as it is when the block starts.
    """
    policy = WorkerPolicy(jobs, FORK_WORTH_SECONDS if worth_seconds is None else worth_seconds)
    token = _POLICY.set(policy)
    try:
        yield policy
    finally:
        _POLICY.reset(token)


def workers_for(items: int, seconds_each: float) -> int:
    """Return how many processes the current policy gives ``items`` items of ``seconds_each`` seconds each."""
    return _policy().count(items, seconds_each)


def jobs_allowed() -> int:
    """Return how many processes the current policy allows at most (for tools with their own threads)."""
    return default_jobs(_policy().jobs)


def default_jobs(jobs: int | None) -> int:
    """Return the number of worker processes to use: ``jobs`` if given, else up to two (one per core)."""
    return jobs if jobs is not None else min(2, os.cpu_count() or 1)


def can_fork() -> bool:
    """Return whether this platform can fork worker processes."""
    return "fork" in multiprocessing.get_all_start_methods()


def fork_map(
    function: Callable[[Shared, Item], Result], shared: Shared, items: Sequence[Item], jobs: int
) -> list[Result]:
    """Return ``[function(shared, item) for item in items]``, computed on ``jobs`` forked processes.

    ``shared`` is inherited by the workers, never pickled; items and results are.
    Runs in this process when ``jobs`` is 1, there is a single item, or the
    platform cannot fork. Results keep the order of ``items``.
    """
    return list(fork_imap(function, shared, items, jobs))


def fork_imap(
    function: Callable[[Shared, Item], Result], shared: Shared, items: Sequence[Item], jobs: int
) -> Iterator[Result]:
    """Yield ``function(shared, item)`` for each item in order, as soon as each is ready (see :func:`fork_map`).

    The caller can work on one result while the workers compute the next ones.
    """
    global _task
    if jobs <= 1 or len(items) < 2 or not can_fork():
        for item in items:
            yield function(shared, item)
        return
    _task = (function, shared)
    # Without freeze(), the first full collection in a worker writes to every object's header and so
    # copies the parent's whole heap (gigabytes at 10,000 texts) page by page. The workers collect their
    # own garbage even when forked while the parent's collector is paused (cndkg.collector).
    gc.freeze()
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(jobs, mp_context=context, initializer=gc.enable) as pool:
            yield from pool.map(_run, items)
    finally:
        gc.unfreeze()
        _task = None


def fork_alongside(
    function: Callable[[Shared, Item], Result],
    shared: Shared,
    items: Sequence[Item],
    jobs: int,
    alongside: Callable[[], Other],
) -> tuple[list[Result], Other]:
    """Return ``fork_map(function, shared, items, jobs)`` and ``alongside()``, run in this process meanwhile.

    The workers fork first, so ``alongside`` (which must not fork workers
    itself) only competes with them for the cores: a stage whose workers
    cannot keep every core busy finishes sooner. Without workers, the items
    are done first, then ``alongside``.
    """
    global _task
    if jobs <= 1 or len(items) < 2 or not can_fork():
        results = [function(shared, item) for item in items]
        return results, alongside()
    _task = (function, shared)
    gc.freeze()  # as in fork_imap
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(jobs, mp_context=context, initializer=gc.enable) as pool:
            futures = [pool.submit(_run, item) for item in items]
            other = alongside()
            return [future.result() for future in futures], other
    finally:
        gc.unfreeze()
        _task = None


def _run(item: Any) -> Any:
    """Run the current task on one item, in a worker (the task came with the fork)."""
    assert _task is not None, "fork_map's task is set before the workers fork"
    function, shared = _task
    return function(shared, item)
